import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "../../src/storage/sqlite_bun.ts";
import { CheckpointTurn } from "../../src/storage/checkpoint_turn.ts";
import { checkpointOffThread, WalBound } from "../../src/storage/wal_checkpointer.ts";
import { parseWalIndex, WalIndexReader } from "../../src/storage/wal_index.ts";

const PAGE_BYTES = 4096;
const VALUE = new Uint8Array(3000).fill(42);

function walBytes(path: string): number {
  return existsSync(`${path}-wal`) ? statSync(`${path}-wal`).size : 0;
}

/** Like the member: one transaction held open, committed in pieces, the event loop turning between. */
async function writeInPieces(db: ReturnType<typeof openDatabase>, path: string, pieces: number): Promise<number> {
  const insert = db.prepare("INSERT OR REPLACE INTO t (k, v) VALUES (?, ?)");
  let maxWal = 0;
  for (let piece = 0; piece < pieces; piece++) {
    db.exec("BEGIN");
    for (let i = 0; i < 100; i++) insert.run(piece * 100 + i, VALUE);
    db.exec("COMMIT");
    maxWal = Math.max(maxWal, walBytes(path));
    await Bun.sleep(2);
  }
  return maxWal;
}

test("WalBound asks for a rewind only past the limit, and forgets after a complete one", () => {
  const bound = new WalBound(10 * PAGE_BYTES, PAGE_BYTES);
  assert.is(bound.shouldRewind(), false);
  bound.report(10);
  assert.is(bound.shouldRewind(), false);
  bound.report(11);
  assert.is(bound.shouldRewind(), true);
  assert.is(bound.mustWait(), false);
  bound.report(41);
  assert.is(bound.mustWait(), true);
  bound.rewound(false); // busy: still over
  assert.is(bound.shouldRewind(), true);
  bound.report(-1); // a failed pass reports nothing new
  assert.is(bound.shouldRewind(), true);
  bound.rewound(true);
  assert.is(bound.shouldRewind(), false);
  assert.is(bound.rewinds, 2);
  assert.throws(() => new WalBound(0, PAGE_BYTES));
});

test("WalBound leaves a large backlog to the thread: a rewind on the writer copies at most a few thousand frames, unless the WAL reached 4× the bound", () => {
  const bound = new WalBound(10_000 * PAGE_BYTES, PAGE_BYTES);
  bound.report(10_001, 10_001 - 2_000); // the thread 2,000 frames behind: cheap enough
  assert.is(bound.shouldRewind(), true);
  bound.report(12_000, 2_000); // 10,000 frames behind (a defrag's page moves): let the thread catch up
  assert.is(bound.shouldRewind(), false);
  bound.report(20_000, 19_500); // caught up
  assert.is(bound.shouldRewind(), true);
  bound.report(40_001, 0); // 4× the bound: the writer takes the copy on itself whatever the backlog
  assert.is(bound.shouldRewind(), true);
});

test("the checkpoint turn: one holder at a time, and the thread yields to an asking writer for a bounded time", () => {
  const writer = new CheckpointTurn();
  const thread = new CheckpointTurn(writer.buffer);
  assert.ok(thread.takeForThread(3), "a free turn goes to the thread");
  assert.is(writer.takeForWriter(0), false, "not while the thread's pass runs");
  assert.ok(writer.asked, "the writer asks for the next turn");
  thread.release();
  // Asked: the thread starts no pass, for at most 3 in a row.
  assert.is(thread.takeForThread(3), false);
  assert.is(thread.takeForThread(3), false);
  assert.is(thread.takeForThread(3), false);
  assert.ok(writer.takeForWriter(0), "the writer takes the turn the thread left");
  assert.is(writer.asked, false, "taking it ends the ask");
  assert.is(thread.takeForThread(3), false, "nor while the writer checkpoints");
  writer.release();
  assert.ok(thread.takeForThread(3));
  assert.is(writer.takeForWriter(0), false);
  thread.release();
  // A writer that asked and then stopped writing leaves the thread idle for only maxYields passes.
  for (let pass = 0; pass < 3; pass++) assert.is(thread.takeForThread(3), false, `yielded pass ${pass}`);
  assert.ok(thread.takeForThread(3), "then the thread checkpoints anyway");
  thread.release();
  assert.throws(() => new CheckpointTurn(new SharedArrayBuffer(4)));
});

test("a writer that must wait (WAL at 4× its bound) blocks until the thread's pass ends, up to a limit", async () => {
  const writer = new CheckpointTurn();
  const holder = new Worker(new URL("../helpers/checkpoint_turn_holder.ts", import.meta.url).href);
  try {
    const said: string[] = [];
    let heard: (() => void) | undefined;
    holder.onmessage = (event: MessageEvent): void => {
      said.push(String(event.data));
      heard?.();
    };
    const hear = async (what: string): Promise<void> => {
      for (let i = 0; i < 100 && !said.includes(what); i++) {
        await new Promise<void>((resolve) => {
          heard = resolve;
          setTimeout(resolve, 100);
        });
      }
      assert.ok(said.includes(what), `holder said ${said.join(", ")}, not ${what}`);
    };
    holder.postMessage({ buffer: writer.buffer, holdMs: 1_000 });
    await hear("held");
    let startMs = performance.now();
    assert.is(writer.takeForWriter(50), false, "the pass outlasts a 50 ms wait");
    const gaveUpMs = performance.now() - startMs;
    assert.ok(gaveUpMs >= 45 && gaveUpMs < 500, `gave up after ${gaveUpMs} ms`);
    startMs = performance.now();
    assert.ok(writer.takeForWriter(5_000), "taken when the pass ends");
    const waitedMs = performance.now() - startMs;
    assert.ok(waitedMs >= 200 && waitedMs < 4_000, `waited ${waitedMs} ms for the rest of a 1 s pass`);
    writer.release();
    await hear("released");
  } finally {
    holder.terminate();
  }
});

test("the thread copies the WAL back, the WAL stays bounded, and the data survives a reopen", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tsetcd-walckpt-"));
  const path = join(dir, "state.db");
  try {
    const raw = openDatabase(path, { durable: false });
    raw.exec("PRAGMA synchronous = NORMAL");
    raw.exec("CREATE TABLE t (k INTEGER PRIMARY KEY, v BLOB NOT NULL)");
    const maxWalBytes = 1024 * 1024;
    // A thread that checkpoints at every chance is mid-pass most of the time (passes of 5–200 ms here, one
    // commit every ~3 ms): before the checkpoint turn the writer's rewinds lost to it and the WAL reached
    // 10–36 MB. Now at most 4× the bound plus a commit (~4.6 MB).
    const db = await checkpointOffThread(raw, path, { intervalMs: 5, maxWalBytes, minFrames: 16 });
    assert.ok(db !== undefined, "the checkpoint thread should start under bun");
    const autoPages = db.prepare("PRAGMA wal_autocheckpoint").get();
    assert.is(Number(Object.values(autoPages ?? {})[0]), 0, "auto-checkpoint is off on the writer");
    const fileBefore = statSync(path).size;
    // ~30 MB of rows in 100 commits of ~300 KB: far past the 1 MB bound without a rewind.
    const maxWal = await writeInPieces(db, path, 100);
    await Bun.sleep(100);
    assert.ok(statSync(path).size > fileBefore + 20 * 1024 * 1024, "the thread copied frames into the file");
    assert.ok(maxWal < 8 * 1024 * 1024, `WAL reached ${maxWal} bytes with a 1 MiB bound`);
    db.close();
    const again = openDatabase(path, { durable: false });
    assert.is(Number(again.prepare("SELECT count(*) AS n FROM t").get()?.n), 10_000);
    again.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the WAL index counters follow commits and checkpoints", () => {
  const dir = mkdtempSync(join(tmpdir(), "tsetcd-walidx-"));
  const path = join(dir, "x.db");
  try {
    const db = openDatabase(path, { durable: false });
    db.exec("PRAGMA wal_autocheckpoint = 0");
    db.exec("CREATE TABLE t (k INTEGER PRIMARY KEY, v BLOB NOT NULL)");
    const index = new WalIndexReader(path);
    const before = index.read().frames;
    db.transaction(() => {
      for (let i = 0; i < 50; i++) db.prepare("INSERT INTO t (k, v) VALUES (?, ?)").run(i, VALUE);
    });
    const written = index.read();
    assert.ok(written.frames >= before + 30, `frames ${before} → ${written.frames}`);
    assert.ok(written.backfilled < written.frames);
    const row = db.prepare("PRAGMA wal_checkpoint(PASSIVE)").get()!;
    assert.is(index.read().frames, Number(row.log));
    assert.is(index.read().backfilled, Number(row.checkpointed));
    index.close();
    db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.equal(parseWalIndex(new Uint8Array(10)), { frames: 0, backfilled: 0 });
});

test("no thread for an in-memory database: the caller keeps auto-checkpoint", async () => {
  const db = openDatabase(":memory:", { durable: false });
  assert.is(await checkpointOffThread(db, ":memory:"), undefined);
  db.close();
});

test.run();
