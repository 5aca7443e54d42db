/**
 * Why a large state-database COMMIT is slow: SQLite runs the WAL auto-checkpoint (copy back + fsync) inside
 * the COMMIT that crosses `wal_autocheckpoint` pages. Commits 2,000 puts' worth of rows (an MVCC revision
 * row and a latest-version row each, 8-byte keys, 256-byte values) per transaction, 20 times, with the
 * default auto-checkpoint and with it disabled, and prints the COMMIT times. Run: `bun bench/checkpoint_probe.ts`.
 * @module
 */
import { Database } from "bun:sqlite";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const COMMITS = 20;
const PUTS_PER_COMMIT = 2_000;
const KEYSPACE = 100_000;

function commitTimesMs(autoCheckpointPages: number): number[] {
  const dir = mkdtempSync(join(tmpdir(), "tsetcd-ckpt-"));
  const db = new Database(join(dir, "state.db"), { create: true });
  try {
    db.exec("PRAGMA journal_mode = WAL");
    db.exec("PRAGMA synchronous = NORMAL");
    db.exec(`PRAGMA wal_autocheckpoint = ${autoCheckpointPages}`);
    db.exec("CREATE TABLE rev (key BLOB, main INTEGER, sub INTEGER, v BLOB, PRIMARY KEY (key, main, sub)) WITHOUT ROWID");
    db.exec("CREATE TABLE latest (key BLOB PRIMARY KEY, mod INTEGER, v BLOB) WITHOUT ROWID");
    const insertRevision = db.prepare("INSERT INTO rev VALUES (?, ?, 0, ?)");
    const replaceLatest = db.prepare("REPLACE INTO latest VALUES (?, ?, ?)");
    const value = new Uint8Array(256).fill(7);
    const encoder = new TextEncoder();
    const times: number[] = [];
    let revision = 1;
    for (let c = 0; c < COMMITS; c++) {
      db.exec("BEGIN");
      for (let i = 0; i < PUTS_PER_COMMIT; i++) {
        const key = encoder.encode(`k${String(Math.floor(Math.random() * KEYSPACE)).padStart(7, "0")}`);
        insertRevision.run(key, revision, value);
        replaceLatest.run(key, revision, value);
        revision++;
      }
      const startMs = performance.now();
      db.exec("COMMIT");
      times.push(performance.now() - startMs);
    }
    return times.sort((a, b) => a - b);
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const pages of [1000, 0]) {
  const times = commitTimesMs(pages);
  console.log(`wal_autocheckpoint=${pages}: COMMIT of ${PUTS_PER_COMMIT} puts: median ` +
    `${times[Math.floor(times.length / 2)]!.toFixed(1)} ms, max ${times.at(-1)!.toFixed(1)} ms`);
}
