/**
 * Defragmentation without a write stall: SQLite's `incremental_vacuum` hands free pages back to the file
 * system a bounded number at a time, between which the member's writes go on. etcd's defrag instead copies
 * its whole bbolt file while every write waits (seconds for a few GB).
 *
 * This needs `auto_vacuum = INCREMENTAL`, which SQLite only takes before the first table exists
 * (src/storage/sqlite_bun.ts sets it on every new database). A database created before that has no pointer
 * map: `defragment` then reports `mode: "none"` and frees nothing rather than running a blocking VACUUM.
 *
 * What it reclaims is the free list: pages that compaction or deletes emptied entirely. Half-full pages stay
 * as they are (a VACUUM would repack them, and stop every write while it does).
 * @module
 */
import type { SqlDatabase } from "./adapter.ts";

/** Options of one defragmentation. */
export interface DefragOptions {
  /** Pages moved per step (default DEFAULT_PAGES_PER_STEP). */
  pagesPerStep?: number;
  /** Between steps; default a DEFAULT_PAUSE_MS pause, so writes queued meanwhile run. */
  yieldStep?: () => Promise<void>;
  /** Upper bound on steps (default MAX_STEPS). */
  maxSteps?: number;
}

/** What one defragmentation did. */
export interface DefragResult {
  mode: "incremental" | "none";
  freedPages: number;
  pageSizeBytes: number;
  steps: number;
  longestStepMs: number;
}

/** Measured about 0.1 ms a page on this box: a step holds the event loop a few ms. */
export const DEFAULT_PAGES_PER_STEP = 32;
/** Pause between steps: the moved pages reach the WAL and its checkpoint at a pace writes can share. */
export const DEFAULT_PAUSE_MS = 2;
/** 2^24 steps of 64 pages: far past any database's page count. */
const MAX_STEPS = 1 << 24;

function pragmaNumber(db: SqlDatabase, name: string): number {
  const row = db.prepare(`PRAGMA ${name}`).get();
  const value = row === undefined ? undefined : Object.values(row)[0];
  if (typeof value !== "number" && typeof value !== "bigint") throw new Error(`defrag: PRAGMA ${name} gave no number`);
  return Number(value);
}

function pauseBetweenSteps(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, DEFAULT_PAUSE_MS));
}

/** Hands the free pages of `db` back in bounded steps (see the module note). */
export async function defragment(db: SqlDatabase, options: DefragOptions = {}): Promise<DefragResult> {
  const pagesPerStep = options.pagesPerStep ?? DEFAULT_PAGES_PER_STEP;
  if (!(Number.isSafeInteger(pagesPerStep) && pagesPerStep >= 1)) throw new Error("defrag: pagesPerStep must be ≥ 1");
  const maxSteps = options.maxSteps ?? MAX_STEPS;
  const pause = options.yieldStep ?? pauseBetweenSteps;
  const pageSizeBytes = pragmaNumber(db, "page_size");
  const result: DefragResult = { mode: "none", freedPages: 0, pageSizeBytes, steps: 0, longestStepMs: 0 };
  if (pragmaNumber(db, "auto_vacuum") !== 2) return result;
  result.mode = "incremental";
  const step = db.prepare(`PRAGMA incremental_vacuum(${pagesPerStep})`);
  for (; result.steps < maxSteps; result.steps++) {
    const before = pragmaNumber(db, "freelist_count");
    if (before === 0) break;
    const startMs = performance.now();
    step.all(); // a pragma that returns rows: stepping it to the end runs the whole step
    result.longestStepMs = Math.max(result.longestStepMs, performance.now() - startMs);
    const after = pragmaNumber(db, "freelist_count");
    // The free list only shrinks here; a step that frees nothing would loop for ever.
    if (!(after < before)) break;
    result.freedPages += before - after;
    await pause();
  }
  return result;
}
