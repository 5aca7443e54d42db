/**
 * The state database's COMMIT on the event loop, with SQLite's auto-checkpoint (what the server did) and
 * with the checkpoint thread (src/storage/wal_checkpointer.ts): MvccStore puts of 8-byte keys over
 * 100,000 and 256-byte values, PUTS_PER_COMMIT per transaction (a 100 ms state commit at ~10k puts/s), the
 * event loop turning between commits. Prints per mode the COMMIT time and the put time per commit.
 * Run: `bun bench/state_commit_probe.ts`.
 * @module
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MvccStore } from "../src/mvcc/mod.ts";
import { openDatabase } from "../src/storage/sqlite_bun.ts";
import { checkpointOffThread } from "../src/storage/wal_checkpointer.ts";
import type { SqlDatabase } from "../src/storage/adapter.ts";

const COMMITS = Number(process.env.PROBE_COMMITS ?? 40);
const PUTS_PER_COMMIT = Number(process.env.PROBE_PUTS ?? 1_000);
const KEYSPACE = 100_000;
const GAP_MS = 20;

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

async function run(threaded: boolean): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "tsetcd-state-probe-"));
  const path = join(dir, "state.db");
  let db: SqlDatabase = openDatabase(path, { durable: false });
  try {
    db.exec("PRAGMA synchronous = NORMAL");
    db.exec("PRAGMA cache_size = -65536");
    db.exec("PRAGMA busy_timeout = 10000");
    if (threaded) db = (await checkpointOffThread(db, path)) ?? db;
    const store = new MvccStore(db);
    const enc = new TextEncoder();
    const value = new Uint8Array(256).fill(7);
    const commitMs: number[] = [];
    const putMs: number[] = [];
    for (let c = 0; c < COMMITS; c++) {
      const t0 = performance.now();
      db.exec("BEGIN");
      for (let i = 0; i < PUTS_PER_COMMIT; i++) {
        const key = enc.encode(String(Math.floor(Math.random() * KEYSPACE)).padStart(8, "0"));
        store.put({ key, value });
      }
      const t1 = performance.now();
      db.exec("COMMIT");
      commitMs.push(performance.now() - t1);
      putMs.push(t1 - t0);
      await Bun.sleep(GAP_MS);
    }
    commitMs.sort((a, b) => a - b);
    putMs.sort((a, b) => a - b);
    const f = (x: number): string => x.toFixed(1);
    return `${threaded ? "thread" : "auto  "}: COMMIT p50 ${f(quantile(commitMs, 0.5))} p90 ${f(quantile(commitMs, 0.9))} ` +
      `max ${f(commitMs.at(-1)!)} ms; ${PUTS_PER_COMMIT} puts p50 ${f(quantile(putMs, 0.5))} p90 ${f(quantile(putMs, 0.9))} ms`;
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

for (let round = 0; round < 2; round++) {
  console.log(await run(false));
  console.log(await run(true));
}
