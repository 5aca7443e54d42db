import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "../../src/storage/sqlite_bun.ts";
import { SqliteRaftLog, TRIM_CHUNK_ENTRIES } from "../../src/storage/raft_log.ts";
import { type Entry, EntryType, ErrCompacted, ErrUnavailable, type Ready } from "../../src/raft/types.ts";

function entry(index: number, term: number, text = `e${index}`): Entry {
  return { index, term, type: EntryType.Normal, data: new TextEncoder().encode(text) };
}

function ready(fields: Partial<Ready>): Ready {
  return { readStates: [], entries: [], committedEntries: [], messages: [], mustSync: true, ...fields };
}

function withDb(fn: (path: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), "tsetcd-raftlog-"));
  try {
    fn(join(dir, "db.sqlite"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function persist(log: SqliteRaftLog, db: ReturnType<typeof openDatabase>, r: Ready): void {
  db.transaction(() => log.stage(r));
  log.accept(r);
}

test("entries, hard state, conf state and applied survive reopening", () => {
  withDb((path) => {
    let db = openDatabase(path, { durable: true });
    let log = new SqliteRaftLog(db);
    assert.ok(log.isEmpty());
    log.bootstrap({ voters: [0xfedcba9876543210n], learners: [] });
    persist(log, db, ready({ entries: [entry(1, 1), entry(2, 1), entry(3, 2)], hardState: { term: 2, vote: 0xfedcba9876543210n, commit: 2 } }));
    db.transaction(() => log.stageApplied(2));
    log.acceptApplied(2);
    db.close();
    db = openDatabase(path, { durable: true });
    log = new SqliteRaftLog(db);
    assert.not.ok(log.isEmpty());
    const state = log.initialState();
    assert.equal(state.hardState, { term: 2, vote: 0xfedcba9876543210n, commit: 2 });
    assert.equal(state.confState.voters, [0xfedcba9876543210n]);
    assert.is(log.firstIndex(), 1);
    assert.is(log.lastIndex(), 3);
    assert.is(log.term(3), 2);
    assert.is(log.term(0), 0);
    assert.is(log.applied(), 2);
    assert.equal(log.entries(1, 4, 1 << 20).map((e) => new TextDecoder().decode(e.data)), ["e1", "e2", "e3"]);
    // Size bound: always at least one entry.
    assert.is(log.entries(1, 4, 1).length, 1);
    assert.throws(() => log.entries(1, 5, 1 << 20), (e: unknown) => e instanceof ErrUnavailable);
    db.close();
  });
});

test("a conflicting suffix is replaced, durably", () => {
  withDb((path) => {
    let db = openDatabase(path, { durable: false });
    let log = new SqliteRaftLog(db);
    persist(log, db, ready({ entries: [entry(1, 1), entry(2, 1), entry(3, 1)] }));
    persist(log, db, ready({ entries: [entry(2, 2, "x2")] }));
    assert.is(log.lastIndex(), 2);
    assert.is(log.term(2), 2);
    assert.throws(() => persist(log, db, ready({ entries: [entry(5, 2)] })), /gap/);
    db.close();
    db = openDatabase(path, { durable: false });
    log = new SqliteRaftLog(db);
    assert.is(log.lastIndex(), 2);
    assert.is(new TextDecoder().decode(log.entries(2, 3, 100)[0]!.data), "x2");
    db.close();
  });
});

test("compaction drops old entries and keeps a snapshot marker", () => {
  withDb((path) => {
    let db = openDatabase(path, { durable: false });
    let log = new SqliteRaftLog(db);
    log.bootstrap({ voters: [1n], learners: [] });
    persist(log, db, ready({ entries: [1, 2, 3, 4, 5].map((i) => entry(i, 1 + (i > 3 ? 1 : 0))) }));
    db.transaction(() => log.stageApplied(4));
    log.acceptApplied(4);
    assert.throws(() => log.compact(5), /past applied/);
    log.compact(3);
    assert.is(log.firstIndex(), 4);
    assert.is(log.term(3), 1);
    assert.throws(() => log.term(2), (e: unknown) => e instanceof ErrCompacted);
    assert.throws(() => log.entries(3, 5, 100), (e: unknown) => e instanceof ErrCompacted);
    assert.is(log.snapshot().metadata.index, 3);
    db.close();
    db = openDatabase(path, { durable: false });
    log = new SqliteRaftLog(db);
    assert.is(log.firstIndex(), 4);
    assert.is(log.lastIndex(), 5);
    assert.is(log.applied(), 4);
    assert.equal(log.initialState().confState.voters, [1n]);
    db.close();
  });
});

test("a snapshot from the leader replaces the log", () => {
  withDb((path) => {
    const db = openDatabase(path, { durable: false });
    const log = new SqliteRaftLog(db);
    persist(log, db, ready({ entries: [entry(1, 1), entry(2, 1)] }));
    const snapshot = { metadata: { index: 10, term: 3, confState: { voters: [1n, 2n], learners: [] } }, data: new Uint8Array() };
    persist(log, db, ready({ snapshot, entries: [entry(11, 3)] }));
    assert.is(log.firstIndex(), 11);
    assert.is(log.lastIndex(), 11);
    assert.is(log.term(10), 3);
    assert.is(log.applied(), 10);
    assert.equal(log.confState().voters, [1n, 2n]);
    assert.throws(() => db.transaction(() => log.stageApplied(9)), /going back/);
    db.close();
  });
});

test("with a separate state database, applied index and membership live there", () => {
  withDb((path) => {
    const statePath = `${path}.state`;
    let db = openDatabase(path, { durable: true });
    let stateDb = openDatabase(statePath, { durable: false });
    let log = new SqliteRaftLog(db, stateDb);
    log.bootstrap({ voters: [7n], learners: [] });
    persist(log, db, ready({ entries: [entry(1, 1), entry(2, 1), entry(3, 1)], hardState: { term: 1, vote: 7n, commit: 3 } }));
    stateDb.transaction(() => log.stageApplied(3));
    log.acceptApplied(3);
    assert.is(db.prepare("SELECT value FROM raft_meta WHERE key = 'applied'").get(), undefined);
    assert.is(stateDb.prepare("SELECT value FROM raft_meta WHERE key = 'applied'").get()?.value, "3");
    log.compact(2);
    db.close();
    stateDb.close();
    db = openDatabase(path, { durable: true });
    stateDb = openDatabase(statePath, { durable: false });
    log = new SqliteRaftLog(db, stateDb);
    assert.is(log.applied(), 3);
    assert.is(log.firstIndex(), 3);
    assert.equal(log.initialState().confState.voters, [7n]);
    assert.equal(log.initialState().hardState, { term: 1, vote: 7n, commit: 3 });
    // A state database that lost its last applies (power loss) replays them from the log.
    stateDb.transaction(() => stateDb.prepare("UPDATE raft_meta SET value = '2' WHERE key = 'applied'").run());
    db.close();
    stateDb.close();
    db = openDatabase(path, { durable: true });
    stateDb = openDatabase(statePath, { durable: false });
    log = new SqliteRaftLog(db, stateDb);
    assert.is(log.applied(), 2);
    assert.is(log.entries(3, 4, 100).length, 1);
    db.close();
    stateDb.close();
  });
});

test("compaction is logical at once; the rows go in bounded trim steps carried by later writes or trimStep", () => {
  withDb((path) => {
    let db = openDatabase(path, { durable: false });
    let log = new SqliteRaftLog(db);
    log.bootstrap({ voters: [1n], learners: [] });
    const total = TRIM_CHUNK_ENTRIES * 2 + 500;
    persist(log, db, ready({ entries: Array.from({ length: total }, (_, i) => entry(i + 1, 1)) }));
    db.transaction(() => log.stageApplied(total));
    log.acceptApplied(total);
    const rows = (): number => Number(db.prepare("SELECT COUNT(*) AS n FROM raft_entry").get()!.n);
    log.compact(total - 10);
    assert.is(log.firstIndex(), total - 9);
    assert.is(rows(), total, "nothing deleted by the compaction itself");
    assert.ok(log.hasTrimBacklog());
    persist(log, db, ready({ entries: [entry(total + 1, 1)] }));
    assert.is(rows(), total + 1 - TRIM_CHUNK_ENTRIES, "a write carries one chunk");
    // A restart in the middle: the garbage below the marker is ignored and still trimmed later.
    db.close();
    db = openDatabase(path, { durable: false });
    log = new SqliteRaftLog(db);
    assert.is(log.firstIndex(), total - 9);
    assert.is(log.lastIndex(), total + 1);
    assert.ok(log.hasTrimBacklog());
    let steps = 0;
    while (log.hasTrimBacklog() && steps < 10) {
      log.trimStep();
      steps++;
    }
    assert.is(steps, 2);
    assert.is(rows(), 11, "only the entries after the marker are left");
    assert.is(log.trimStep(), 0);
    assert.is(log.entries(total - 9, total + 2, 1 << 20).length, 11);
    db.close();
  });
});

test.run();
