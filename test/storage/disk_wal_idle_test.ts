/**
 * An idle WAL is cut to nothing by the writer's own connection (src/storage/wal_checkpointer.ts): not while
 * that connection has a transaction open (it may be reading before it writes: a TRUNCATE checkpoint then
 * holding the write lock would make its write fail with SQLITE_BUSY at once), not while another connection
 * reads, and then at the next quiet spell.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "../../src/storage/sqlite_bun.ts";
import { checkpointOffThread, WalIdle } from "../../src/storage/wal_checkpointer.ts";

const IDLE_MS = 200;
const WAIT_MS = 3_000;
const POLL_MS = 25;
const dir = mkdtempSync(join(tmpdir(), "tsetcd-wal-idle-"));

test.after(() => rmSync(dir, { recursive: true, force: true }));

function walBytes(path: string): number {
  return existsSync(`${path}-wal`) ? statSync(`${path}-wal`).size : 0;
}

/** Polls until the WAL is empty (true) or `WAIT_MS` passed (false). */
async function walEmptied(path: string): Promise<boolean> {
  const deadlineMs = performance.now() + WAIT_MS;
  for (let i = 0; i < WAIT_MS / POLL_MS && performance.now() < deadlineMs; i++) {
    if (walBytes(path) === 0) return true;
    await Bun.sleep(POLL_MS);
  }
  return walBytes(path) === 0;
}

test("WalIdle: due once the length held still for the idle time, then not again until another", () => {
  const idle = new WalIdle(100);
  assert.is(idle.due(10, 0), false);
  assert.is(idle.due(10, 99), false);
  assert.is(idle.due(10, 100), true);
  assert.is(idle.due(10, 150), false); // just tried: wait another idle time
  assert.is(idle.due(10, 200), true);
  assert.is(idle.due(12, 300), false); // grew: the clock starts again
  assert.is(idle.due(12, 399), false);
  assert.is(idle.due(0, 500), false); // empty: nothing to cut
  assert.is(idle.due(0, 900), false);
  assert.throws(() => new WalIdle(0));
});

test("an idle WAL is truncated, never under an open transaction or a reader", async () => {
  const path = join(dir, "state.db");
  const raw = openDatabase(path, { durable: false });
  raw.exec("CREATE TABLE t (k INTEGER PRIMARY KEY, v BLOB)");
  const db = await checkpointOffThread(raw, path, { idleTruncateMs: IDLE_MS });
  assert.ok(db !== undefined, "no checkpoint thread");
  const insert = db.prepare("INSERT OR REPLACE INTO t (k, v) VALUES (?, ?)");
  try {
    db.transaction(() => {
      for (let i = 0; i < 500; i++) insert.run(i, new Uint8Array(4_000));
    });
    assert.ok(walBytes(path) > 1_000_000, `WAL ${walBytes(path)} bytes after 2 MB of writes`);
    assert.ok(await walEmptied(path), `WAL still ${walBytes(path)} bytes after ${WAIT_MS} ms idle`);

    // The member's way: a transaction opened, read from, idle for a while, then written.
    insert.run(1, new Uint8Array(4_000));
    db.exec("BEGIN");
    assert.is(Number(db.prepare("SELECT count(*) AS n FROM t").get()!.n), 500);
    await Bun.sleep(3 * IDLE_MS);
    insert.run(2, new Uint8Array(4_000)); // SQLITE_BUSY here if the WAL was truncated under the open read
    db.exec("COMMIT");
    assert.ok(walBytes(path) > 0, "the WAL was truncated while a transaction was open");

    // Another connection reading keeps the WAL; once it is done the WAL goes.
    const reader = openDatabase(path, { durable: false });
    reader.exec("BEGIN");
    reader.prepare("SELECT count(*) AS n FROM t").get();
    await Bun.sleep(3 * IDLE_MS);
    assert.ok(walBytes(path) > 0, "the WAL was truncated under a reader");
    reader.exec("COMMIT");
    reader.close();
    assert.ok(await walEmptied(path), `WAL still ${walBytes(path)} bytes once the reader left`);
    assert.is(Number(db.prepare("SELECT count(*) AS n FROM t").get()!.n), 500);
  } finally {
    db.close();
  }
});

test.run();
