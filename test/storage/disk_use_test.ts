/**
 * Disk use of a lone member after a load (bench/DISK_USE.md has the full-size figures against etcd): its Raft
 * log is compacted to etcd's catch-up retention (≤ 10,000 entries, not ≤ --snapshot-count + 5,000), no
 * snapshot copy is kept for followers it does not have (one left by an older version goes at the next
 * compaction), both WAL files are cut to nothing once idle, and a restart still finds every key.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer, type TsetcdServer } from "../../src/server/mod.ts";
import { openDatabase } from "../../src/storage/sqlite_bun.ts";

const enc = new TextEncoder();
const PUTS = 12_000;
const CONCURRENCY = 256;
/** Etcd's 5,000 entries kept after a compaction, plus the 5,000 applied before the next one. */
const LONE_MEMBER_MAX_ENTRIES = 10_000;
const IDLE_WAIT_MS = 8_000;
const POLL_MS = 100;

const dir = mkdtempSync(join(tmpdir(), "tsetcd-disk-use-"));
let server: TsetcdServer | undefined;

test.after(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

function logRows(): { rows: number; lowest: number } {
  const db = openDatabase(join(dir, "raft.db"), { durable: false });
  try {
    const row = db.prepare("SELECT count(*) AS n, min(idx) AS lowest FROM raft_entry").get()!;
    return { rows: Number(row.n), lowest: Number(row.lowest) };
  } finally {
    db.close();
  }
}

function sizeBytes(name: string): number {
  const path = join(dir, name);
  return existsSync(path) ? statSync(path).size : 0;
}

async function putAll(s: TsetcdServer): Promise<void> {
  const value = new Uint8Array(256).fill(118);
  let next = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    for (let i = next++; i < PUTS; i = next++) {
      await s.member.put({ key: enc.encode(`key-${String(i).padStart(6, "0")}`), value });
    }
  }));
}

test("a lone member keeps etcd's log retention, no snapshot copy, and idle WALs cut to nothing", async () => {
  // A copy an older version prepared, as it did on lone members too.
  writeFileSync(join(dir, "snapshot.prepared.db"), new Uint8Array(64 * 1024));
  server = await startServer({ dataDir: dir, listenClientUrls: ["http://127.0.0.1:0"] }); // --snapshot-count 100,000
  await putAll(server);
  const lastIndex = server.member.info().lastIndex;
  assert.ok(lastIndex > PUTS, `last index ${lastIndex}`);
  assert.not.ok(existsSync(join(dir, "snapshot.prepared.db")), "the prepared copy is still there");

  // Idle: the checkpoint threads cut both WALs to nothing (they were MBs long under the load).
  const deadlineMs = performance.now() + IDLE_WAIT_MS;
  let wals = { state: -1, log: -1 };
  for (let i = 0; i < IDLE_WAIT_MS / POLL_MS && performance.now() < deadlineMs; i++) {
    wals = { state: sizeBytes("state.db-wal"), log: sizeBytes("raft.db-wal") };
    if (wals.state === 0 && wals.log === 0) break;
    await Bun.sleep(POLL_MS);
  }
  assert.equal(wals, { state: 0, log: 0 }, `WAL bytes once idle: ${JSON.stringify(wals)}`);

  // Rows below the compaction point are deleted in steps with later writes or ticks: done once idle.
  const { rows, lowest } = logRows();
  assert.ok(rows <= LONE_MEMBER_MAX_ENTRIES, `${rows} log entries kept (from ${lowest} to ${lastIndex})`);
  assert.ok(lowest > PUTS - LONE_MEMBER_MAX_ENTRIES, `log still starts at ${lowest}`);

  await server.close();
  server = await startServer({ dataDir: dir, listenClientUrls: ["http://127.0.0.1:0"] });
  const all = await server.member.range({ key: enc.encode("key-"), range_end: enc.encode("key."), count_only: true });
  assert.is(all.count, PUTS);
  await server.member.put({ key: enc.encode("after"), value: enc.encode("restart") });
});

test.run();
