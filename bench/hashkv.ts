/**
 * HashKV over a large store: builds N keys × 256-byte values (default 300,000) in a state database file, then
 * times KvHasher.hashKv(0) — total, and the longest single step (what one step holds the event loop).
 * Usage: bun bench/hashkv.ts [keys]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MvccStore } from "../src/mvcc/mod.ts";
import { KvHasher } from "../src/storage/hash_kv.ts";
import { openDatabase } from "../src/storage/sqlite_bun.ts";

const keys = Number(process.argv[2] ?? 300_000);
const BATCH = 10_000;
const dir = mkdtempSync(join(tmpdir(), "hashkv-bench-"));
const db = openDatabase(join(dir, "state.db"), { durable: false });
const store = new MvccStore(db);
const value = new Uint8Array(256).fill(0x61);
const t0 = performance.now();
for (let start = 0; start < keys; start += BATCH) {
  db.transaction(() => {
    for (let i = start; i < Math.min(keys, start + BATCH); i++) {
      store.put({ key: new TextEncoder().encode(`key-${String(i).padStart(8, "0")}`), value });
    }
  });
}
console.log(`built ${keys} keys in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
let last = performance.now();
let longestStepMs = 0;
let steps = 0;
const hasher = new KvHasher(db, () => ({ current: store.currentRevision(), compacted: store.compactedRevision() }), {
  yieldStep: async () => {
    const now = performance.now();
    longestStepMs = Math.max(longestStepMs, now - last);
    steps++;
    await new Promise((resolve) => setImmediate(resolve));
    last = performance.now();
  },
});
for (let run = 0; run < 2; run++) {
  const start = performance.now();
  last = start;
  longestStepMs = 0;
  steps = 0;
  const result = await hasher.hashKv(0);
  console.log(
    `hashkv run ${run + 1}: ${(performance.now() - start).toFixed(0)} ms, ${steps} steps, longest step ` +
      `${longestStepMs.toFixed(1)} ms, hash ${result.hash}, revision ${result.currentRevision}`,
  );
}
db.close();
rmSync(dir, { recursive: true, force: true });
