// The current revision is cached in memory; a rolled-back transaction must never leave it ahead.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { openDatabase } from "../../src/storage/sqlite_bun.ts";
import type { SqlDatabase } from "../../src/storage/adapter.ts";
import { MvccStore } from "../../src/mvcc/mod.ts";

const enc = new TextEncoder();

function put(store: MvccStore, key: string): number {
  return store.put({ key: enc.encode(key), value: enc.encode("v") }).response.header.revision;
}

/** `db` counting the reads of the meta table (the statement the cache saves). */
function countingMetaReads(db: SqlDatabase, withEpoch: boolean): { db: SqlDatabase; reads: () => number } {
  let reads = 0;
  const wrapped: SqlDatabase = {
    exec: (sql) => db.exec(sql),
    prepare(sql) {
      const stmt = db.prepare(sql);
      if (!sql.includes("mvcc_meta") || !sql.startsWith("select")) return stmt;
      return { run: stmt.run, all: stmt.all, get: (...p) => (reads++, stmt.get(...p)) };
    },
    transaction: (fn) => db.transaction(fn),
    close: () => db.close(),
  };
  if (withEpoch) wrapped.changeEpoch = () => db.changeEpoch!();
  return { db: wrapped, reads: () => reads };
}

test("a put reads no meta row once the revision is cached", () => {
  const counted = countingMetaReads(openDatabase(":memory:", { durable: false }), true);
  const store = new MvccStore(counted.db);
  put(store, "a");
  const before = counted.reads();
  for (let i = 0; i < 50; i++) put(store, `k${i}`);
  assert.is(counted.reads(), before);
  assert.is(store.currentRevision(), 52);
});

test("without a change epoch nothing is cached (and revisions stay right)", () => {
  const counted = countingMetaReads(openDatabase(":memory:", { durable: false }), false);
  const store = new MvccStore(counted.db);
  const before = counted.reads();
  for (let i = 0; i < 5; i++) put(store, `k${i}`);
  assert.ok(counted.reads() >= before + 5);
  assert.is(store.currentRevision(), 6);
});

test("a rolled-back outer transaction takes the cached revision back with it", () => {
  const db = openDatabase(":memory:", { durable: false });
  const store = new MvccStore(db);
  db.transaction(() => put(store, "a")); // revision 2, committed
  assert.throws(() =>
    db.transaction(() => {
      assert.is(put(store, "b"), 3);
      assert.is(put(store, "c"), 4);
      throw new Error("apply failed");
    })
  );
  assert.is(store.currentRevision(), 2);
  assert.is(put(store, "d"), 3);
  assert.is(store.range({ key: enc.encode("b") }).kvs.length, 0);
});

test("BEGIN … ROLLBACK through exec (the member's open state transaction) also resets it", () => {
  const db = openDatabase(":memory:", { durable: false });
  const store = new MvccStore(db);
  db.exec("BEGIN");
  put(store, "a");
  put(store, "b");
  assert.is(store.currentRevision(), 3);
  db.exec("ROLLBACK");
  assert.is(store.currentRevision(), 1);
  assert.is(put(store, "c"), 2);
});

test("a store sees revisions written behind its back by exec (a snapshot's bulk copy)", () => {
  const db = openDatabase(":memory:", { durable: false });
  const store = new MvccStore(db);
  put(store, "a");
  assert.is(store.currentRevision(), 2);
  db.exec("UPDATE mvcc_meta SET value = 40 WHERE name = 'current_rev'");
  assert.is(store.currentRevision(), 40);
  assert.is(put(store, "b"), 41);
});

test.run();
