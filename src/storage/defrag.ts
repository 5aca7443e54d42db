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
 *
 * What bounds the write stall (bench/DEFRAG.md):
 * - Steps are sized by time, not pages: the page count per step halves when a step overran
 *   `stepBudgetMs` and grows by one when it took under half of it, between 1 and `maxPagesPerStep`. A fixed
 *   32-page step took 3 ms on a warm file and 150 ms on a busy one.
 * - The pause after a step is at least as long as the step (the defrag takes at most half the event loop),
 *   so the pages it moves reach the WAL, the apply commits and the checkpoint thread at a pace writes share.
 * - A step never waits for a lock: `busy_timeout` is 0 while it runs, and a step that finds the write lock
 *   taken (the log writer thread mid-commit, on the log database) is tried again after the pause. The
 *   busy handler used to sleep on the event loop for as long as the thread held the lock.
 * - A step waits while the WAL holds more than `maxWalBacklogFrames` frames the checkpoint thread has not
 *   copied back (when the connection reports it): the moved pages go through the WAL, and a writer that
 *   found the thread far behind used to copy the backlog itself, on the event loop (15–455 ms).
 * - A step never fsyncs: `synchronous` is NORMAL while it runs (restored before anything else uses the
 *   connection). Its page moves are made durable by the next synced commit (the log writer thread's) or
 *   checkpoint; until then a crash loses only moves, which change no row. On the log database each step
 *   was a FULL commit on the event loop: up to 346 ms at load 13.
 * @module
 */
import type { SqlDatabase } from "./adapter.ts";

/** Options of one defragmentation. */
export interface DefragOptions {
  /** Upper bound on pages moved per step (default DEFAULT_MAX_PAGES_PER_STEP). */
  maxPagesPerStep?: number;
  /** A step that took longer than this shrinks the next one (default DEFAULT_STEP_BUDGET_MS). */
  stepBudgetMs?: number;
  /** Between steps, given the step's duration; default a pause at least as long (and ≥ DEFAULT_PAUSE_MS). */
  yieldStep?: (stepMs: number) => Promise<void>;
  /** Upper bound on steps, busy and waiting ones included (default MAX_STEPS). */
  maxSteps?: number;
  /** WAL frames not yet checkpointed past which a step waits (default DEFAULT_MAX_WAL_BACKLOG_FRAMES). */
  maxWalBacklogFrames?: number;
}

/** What one defragmentation did. */
export interface DefragResult {
  mode: "incremental" | "none";
  freedPages: number;
  pageSizeBytes: number;
  steps: number;
  /** Steps that found the write lock taken and moved nothing. */
  busySteps: number;
  /** Steps that waited for the checkpoint thread to catch up with the WAL. */
  walWaitSteps: number;
  longestStepMs: number;
}

/** About 0.1 ms a page on a warm file: the ceiling keeps a step near its budget when the file is warm. */
export const DEFAULT_MAX_PAGES_PER_STEP = 32;
/** The event loop time one step may take. */
export const DEFAULT_STEP_BUDGET_MS = 4;
/** Uncheckpointed WAL frames past which a step waits: 1,000 (the thread's own trigger) and as much again. */
export const DEFAULT_MAX_WAL_BACKLOG_FRAMES = 2_000;
/**
 * Waits in a row after which a step runs anyway (≥ 10 s: a reader holding the WAL, e.g. a snapshot copy,
 * stops the thread's checkpoints; the defrag then goes on at the old cost rather than wait for it).
 */
const MAX_WAL_WAITS_IN_A_ROW = 5_000;
/** Shortest pause between steps. */
export const DEFAULT_PAUSE_MS = 2;
/** 2^24 steps: far past any database's page count. */
const MAX_STEPS = 1 << 24;
/** Busy steps in a row after which the defrag gives up on this database (≥ 20 s of a held lock). */
const MAX_BUSY_IN_A_ROW = 10_000;
const SYNCHRONOUS_NORMAL = 1;

function pragmaNumber(db: SqlDatabase, name: string): number {
  const row = db.prepare(`PRAGMA ${name}`).get();
  const value = row === undefined ? undefined : Object.values(row)[0];
  if (typeof value !== "number" && typeof value !== "bigint") throw new Error(`defrag: PRAGMA ${name} gave no number`);
  return Number(value);
}

function pauseAfter(stepMs: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(DEFAULT_PAUSE_MS, Math.ceil(stepMs))));
}

function isBusy(err: unknown): boolean {
  const code = String((err as { code?: unknown })?.code ?? "");
  return code.startsWith("SQLITE_BUSY") || /database is locked/.test(String((err as Error)?.message ?? err));
}

/** The next step's page count from the last one's; pure. */
export function nextPagesPerStep(pages: number, stepMs: number, budgetMs: number, maxPages: number): number {
  if (stepMs > budgetMs) return Math.max(1, Math.floor(pages / 2));
  if (stepMs < budgetMs / 2) return Math.min(maxPages, pages + 1);
  return pages;
}

/**
 * One `incremental_vacuum(pages)` with no lock wait and no fsync; true when it ran, false when the write
 * lock was taken. The connection's busy timeout and synchronous setting are restored before returning.
 */
function stepOnce(db: SqlDatabase, pages: number, settings: { busyMs: number; synchronous: number }): boolean {
  db.prepare("PRAGMA busy_timeout = 0").get();
  const relax = settings.synchronous > SYNCHRONOUS_NORMAL;
  if (relax) db.prepare(`PRAGMA synchronous = ${SYNCHRONOUS_NORMAL}`).get();
  try {
    db.prepare(`PRAGMA incremental_vacuum(${pages})`).all(); // stepping it to the end runs the whole step
    return true;
  } catch (err) {
    if (isBusy(err)) return false;
    throw err;
  } finally {
    if (relax) db.prepare(`PRAGMA synchronous = ${settings.synchronous}`).get();
    db.prepare(`PRAGMA busy_timeout = ${settings.busyMs}`).get();
  }
}

/** Hands the free pages of `db` back in bounded steps (see the module note). */
export async function defragment(db: SqlDatabase, options: DefragOptions = {}): Promise<DefragResult> {
  const maxPages = options.maxPagesPerStep ?? DEFAULT_MAX_PAGES_PER_STEP;
  if (!(Number.isSafeInteger(maxPages) && maxPages >= 1)) throw new Error("defrag: maxPagesPerStep must be ≥ 1");
  const budgetMs = options.stepBudgetMs ?? DEFAULT_STEP_BUDGET_MS;
  if (!(budgetMs > 0)) throw new Error("defrag: stepBudgetMs must be > 0");
  const maxSteps = options.maxSteps ?? MAX_STEPS;
  const pause = options.yieldStep ?? pauseAfter;
  const pageSizeBytes = pragmaNumber(db, "page_size");
  const maxBacklog = options.maxWalBacklogFrames ?? DEFAULT_MAX_WAL_BACKLOG_FRAMES;
  const result: DefragResult = { mode: "none", freedPages: 0, pageSizeBytes, steps: 0, busySteps: 0, walWaitSteps: 0, longestStepMs: 0 };
  if (pragmaNumber(db, "auto_vacuum") !== 2) return result;
  result.mode = "incremental";
  const settings = { busyMs: pragmaNumber(db, "busy_timeout"), synchronous: pragmaNumber(db, "synchronous") };
  let pages = Math.min(maxPages, 8); // start small: the first step finds out how warm the file is
  let busyInARow = 0;
  let walWaitsInARow = 0;
  for (; result.steps < maxSteps; result.steps++) {
    const before = pragmaNumber(db, "freelist_count");
    if (before === 0) break;
    if (walWaitsInARow < MAX_WAL_WAITS_IN_A_ROW && (db.walBacklogFrames?.() ?? 0) > maxBacklog) {
      result.walWaitSteps++;
      walWaitsInARow++;
      await pause(0);
      continue;
    }
    walWaitsInARow = 0;
    const startMs = performance.now();
    const ran = stepOnce(db, pages, settings);
    const stepMs = performance.now() - startMs;
    result.longestStepMs = Math.max(result.longestStepMs, stepMs);
    if (ran) {
      busyInARow = 0;
      const after = pragmaNumber(db, "freelist_count");
      // The free list only shrinks here; a step that frees nothing would loop for ever.
      if (!(after < before)) break;
      result.freedPages += before - after;
      pages = nextPagesPerStep(pages, stepMs, budgetMs, maxPages);
    } else {
      result.busySteps++;
      if (++busyInARow >= MAX_BUSY_IN_A_ROW) break;
    }
    await pause(stepMs);
  }
  return result;
}
