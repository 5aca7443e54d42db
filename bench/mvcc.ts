/**
 * MVCC store throughput: single-key get and 256-byte put per second, puts batched 128 per transaction
 * (as the apply loop does), on an in-memory and a durable file database. Also a 10-key range read,
 * a historical single-key get, and compaction speed.
 *
 * Run: node_modules/.bin/bun bench/mvcc.ts [--seconds 1]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "../src/storage/sqlite_bun.ts";
import type { SqlDatabase } from "../src/storage/adapter.ts";
import { MvccStore } from "../src/mvcc/mod.ts";

const secondsFlag = process.argv.indexOf("--seconds");
const SECONDS = secondsFlag >= 0 ? Number(process.argv[secondsFlag + 1]) : 1;
if (!(SECONDS > 0 && SECONDS <= 60)) throw new Error("--seconds must be in (0, 60]");
const KEYS = 10_000;
const BATCH = 128;
const VALUE = new Uint8Array(256).fill(120);
/** Hard cap on operations per measurement, whatever the speed. */
const MAX_OPS = 50_000_000;

function key(i: number): Uint8Array {
  // 8-byte keys, as the etcd comparison uses.
  return new TextEncoder().encode(`k${String(i % KEYS).padStart(7, "0")}`);
}

const keys = Array.from({ length: KEYS }, (_, i) => key(i));

function measure(label: string, step: () => number): void {
  const endMs = performance.now() + SECONDS * 1000;
  let ops = 0;
  const startMs = performance.now();
  while (performance.now() < endMs && ops < MAX_OPS) ops += step();
  const elapsedS = (performance.now() - startMs) / 1000;
  console.log(`${label.padEnd(52)} ${Math.round(ops / elapsedS).toLocaleString("en-US").padStart(12)} ops/s`);
}

function run(name: string, db: SqlDatabase): void {
  const store = new MvccStore(db);
  let n = 0;
  db.transaction(() => {
    for (let i = 0; i < KEYS; i++) store.put({ key: keys[i]!, value: VALUE });
  });
  measure(`${name}: put 256 B, ${BATCH} per txn`, () => {
    db.transaction(() => {
      for (let i = 0; i < BATCH; i++) store.put({ key: keys[n++ % KEYS]!, value: VALUE });
    });
    return BATCH;
  });
  measure(`${name}: put 256 B, 1 per txn`, () => {
    db.transaction(() => store.put({ key: keys[n++ % KEYS]!, value: VALUE }));
    return 1;
  });
  measure(`${name}: get one key (current)`, () => {
    store.range({ key: keys[n++ % KEYS]! });
    return 1;
  });
  const old = Math.max(2, store.currentRevision() - KEYS);
  measure(`${name}: get one key (historical)`, () => {
    store.range({ key: keys[n++ % KEYS]!, revision: old });
    return 1;
  });
  measure(`${name}: range 10 keys`, () => {
    const start = n++ % (KEYS - 10);
    store.range({ key: keys[start]!, range_end: keys[start + 10]! });
    return 1;
  });
  measure(`${name}: txn compare + put, ${BATCH} per txn`, () => {
    db.transaction(() => {
      for (let i = 0; i < BATCH; i++) {
        const k = keys[n++ % KEYS]!;
        store.txn({ compare: [{ key: k, target: 0, result: 1, version: 0 }], success: [{ request_put: { key: k, value: VALUE } }] });
      }
    });
    return BATCH;
  });
  const rowsBefore = Number(db.prepare("SELECT count(*) AS n FROM mvcc_revisions").get()!.n);
  const startMs = performance.now();
  db.transaction(() => store.compact(store.currentRevision()));
  const compactS = (performance.now() - startMs) / 1000;
  const removed = rowsBefore - Number(db.prepare("SELECT count(*) AS n FROM mvcc_revisions").get()!.n);
  console.log(`${`${name}: compact (rows removed/s)`.padEnd(52)} ${Math.round(removed / compactS).toLocaleString("en-US").padStart(12)} rows/s (${removed} rows)`);
}

run("memory", openDatabase(":memory:", { durable: false }));
const dir = mkdtempSync(join(tmpdir(), "mvcc-bench-"));
try {
  const db = openDatabase(join(dir, "bench.sqlite"), { durable: true });
  run("file (WAL, synchronous=FULL)", db);
  db.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
