// Compaction: etcd 3.4.23's errors and boundaries as observed, and physical removal of superseded rows.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { openDatabase } from "../../src/storage/sqlite_bun.ts";
import type { SqlDatabase } from "../../src/storage/adapter.ts";
import { MvccStore } from "../../src/mvcc/mod.ts";
import { EtcdError } from "../../src/codec/errors.ts";
import type { KeyValue } from "../../src/codec/messages.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
function b(s: string): Uint8Array {
  return enc.encode(s);
}
function brief(kv: KeyValue): string {
  return `${dec.decode(kv.key)}=${dec.decode(kv.value)}@c${kv.create_revision}m${kv.mod_revision}v${kv.version}`;
}
function expectError(fn: () => unknown, message: string): void {
  try {
    fn();
  } catch (error) {
    assert.instance(error, EtcdError);
    assert.is((error as EtcdError).message, message);
    assert.is((error as EtcdError).code, 11);
    return;
  }
  assert.unreachable(`expected ${message}`);
}
const COMPACTED = "etcdserver: mvcc: required revision has been compacted";
const FUTURE = "etcdserver: mvcc: required revision is a future revision";
const ALL = { key: b("\0"), range_end: b("\0") };

function rows(db: SqlDatabase): string[] {
  return db.prepare("SELECT key, main, sub, tombstone FROM mvcc_revisions ORDER BY key, main, sub").all()
    .map((r) => `${dec.decode(r.key as Uint8Array)}:${r.main}.${r.sub}${r.tombstone ? "T" : ""}`);
}

test("compaction errors as etcd: 0 allowed once on a fresh store, at/below last is compacted, above is future", () => {
  const store = new MvccStore(openDatabase(":memory:", { durable: false }));
  expectError(() => store.compact(-1), COMPACTED);
  expectError(() => store.compact(5), FUTURE);
  assert.is(store.compact(0).header.revision, 1);
  assert.is(store.compactedRevision(), 0);
  expectError(() => store.compact(0), COMPACTED);
  assert.is(store.compact(1).header.revision, 1);
  expectError(() => store.compact(1), COMPACTED);
  expectError(() => store.compact(2), FUTURE);
});

test("the compaction response carries the current revision", () => {
  const store = new MvccStore(openDatabase(":memory:", { durable: false }));
  store.put({ key: b("a") });
  store.put({ key: b("a") });
  assert.is(store.compact(2).header.revision, 3);
  assert.is(store.currentRevision(), 3, "compaction takes no revision");
});

test("q: put, put, delete, put, put; compact at the re-creation (observed on etcd)", () => {
  const db = openDatabase(":memory:", { durable: false });
  const store = new MvccStore(db);
  store.put({ key: b("q"), value: b("1") }); // 2
  store.put({ key: b("q"), value: b("2") }); // 3
  store.deleteRange({ key: b("q") }); // 4
  store.put({ key: b("q"), value: b("3") }); // 5
  store.put({ key: b("q"), value: b("4") }); // 6
  store.compact(5);
  expectError(() => store.range({ key: b("q"), revision: 4 }), COMPACTED);
  assert.equal(store.range({ key: b("q"), revision: 5 }).kvs.map(brief), ["q=3@c5m5v1"]);
  assert.equal(store.range({ key: b("q"), revision: 6 }).kvs.map(brief), ["q=4@c5m6v2"]);
  assert.equal(store.range({ key: b("q"), revision: 5, count_only: true }).count, 1);
  assert.equal(rows(db), ["q:5.0", "q:6.0"]);
});

test("the newest version at or below the revision is kept; older ones go", () => {
  const db = openDatabase(":memory:", { durable: false });
  const store = new MvccStore(db);
  store.put({ key: b("a"), value: b("1") }); // 2
  store.put({ key: b("b"), value: b("1") }); // 3
  store.put({ key: b("a"), value: b("2") }); // 4
  store.put({ key: b("a"), value: b("3") }); // 5
  store.compact(4);
  assert.equal(rows(db), ["a:4.0", "a:5.0", "b:3.0"]);
  assert.equal(store.range({ ...ALL, revision: 4 }).kvs.map(brief), ["a=2@c2m4v2", "b=1@c3m3v1"]);
  assert.equal(store.range(ALL).kvs.map(brief), ["a=3@c2m5v3", "b=1@c3m3v1"]);
});

test("a tombstone at or below the revision removes the key's whole history", () => {
  const db = openDatabase(":memory:", { durable: false });
  const store = new MvccStore(db);
  store.put({ key: b("a"), value: b("1") }); // 2
  store.put({ key: b("a"), value: b("2") }); // 3
  store.deleteRange({ key: b("a") }); // 4
  store.put({ key: b("b") }); // 5
  store.compact(3);
  assert.equal(rows(db), ["a:3.0", "a:4.0T", "b:5.0"], "a tombstone above the revision is kept");
  store.compact(4);
  assert.equal(rows(db), ["b:5.0"]);
  assert.equal(store.range({ ...ALL, revision: 4 }).kvs, []);
  assert.equal(store.range(ALL).kvs.map(brief), ["b=@c5m5v1"]);
});

test("compacting at the current revision keeps exactly the live keys", () => {
  const db = openDatabase(":memory:", { durable: false });
  const store = new MvccStore(db);
  for (let i = 0; i < 20; i++) store.put({ key: b(`k${i % 4}`), value: b(`${i}`) });
  store.deleteRange({ key: b("k3") });
  store.compact(store.currentRevision());
  assert.equal(rows(db), ["k0:18.0", "k1:19.0", "k2:20.0"]);
});

test("a put and delete of one key in one txn: both rows go when compacted", () => {
  const db = openDatabase(":memory:", { durable: false });
  const store = new MvccStore(db);
  store.put({ key: b("b"), value: b("1") }); // 2
  store.txn({
    success: [
      { request_txn: { success: [{ request_put: { key: b("b"), value: b("2") } }] } },
      { request_txn: { success: [{ request_delete_range: { key: b("b") } }] } },
    ],
  }); // 3
  assert.equal(rows(db), ["b:2.0", "b:3.0", "b:3.1T"]);
  store.compact(3);
  assert.equal(rows(db), []);
});

/** Deterministic pseudo-random numbers for the model test. */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function randomHistory(seed: number, batchRows: number): { db: SqlDatabase; store: MvccStore; snapshots: string[][] } {
  const random = lcg(seed);
  const db = openDatabase(":memory:", { durable: false });
  const store = new MvccStore(db, { compactionBatchRows: batchRows });
  const snapshots: string[][] = [[], []]; // revisions 0 and 1: empty
  for (let i = 0; i < 300; i++) {
    const key = b(`k${Math.floor(random() * 12)}`);
    const roll = random();
    if (roll < 0.7) store.put({ key, value: b(`${i}`) });
    else if (roll < 0.85) store.deleteRange({ key, range_end: b(`k${Math.floor(random() * 12)}`) });
    else store.deleteRange({ key });
    while (snapshots.length <= store.currentRevision()) snapshots.push(store.range(ALL).kvs.map(brief));
  }
  return { db, store, snapshots };
}

test("model: after compaction every readable revision reads as before, in any batch size", () => {
  for (const [seed, batchRows] of [[1, 1000], [2, 2], [3, 3], [4, 7]] as const) {
    const { db, store, snapshots } = randomHistory(seed, batchRows);
    const current = store.currentRevision();
    const at = Math.floor(current / 2);
    store.compact(at);
    for (let rev = at; rev <= current; rev++) {
      assert.equal(store.range({ ...ALL, revision: rev }).kvs.map(brief), snapshots[rev], `seed ${seed} rev ${rev}`);
    }
    expectError(() => store.range({ ...ALL, revision: at - 1 }), COMPACTED);
    store.compact(current);
    assert.equal(rows(db).length, store.range(ALL).count, "only live keys remain");
    assert.ok(rows(db).every((r) => !r.endsWith("T")));
  }
});

test("physical removal can be deferred and done step by step; reads stay right meanwhile", () => {
  const { db, store, snapshots } = randomHistory(9, 4);
  const current = store.currentRevision();
  const before = rows(db).length;
  store.compact(current - 10, { physical: false });
  assert.is(rows(db).length, before, "nothing removed yet");
  let steps = 0;
  while (store.compactStep()) {
    steps += 1;
    assert.ok(steps < 1000);
    assert.equal(store.range({ ...ALL, revision: current - 5 }).kvs.map(brief), snapshots[current - 5]);
  }
  assert.ok(steps > 3, `took ${steps} steps`);
  assert.ok(rows(db).length < before);
  assert.is(store.compactStep(), false);
  for (let rev = current - 10; rev <= current; rev++) {
    assert.equal(store.range({ ...ALL, revision: rev }).kvs.map(brief), snapshots[rev]);
  }
});

test("a reopened store finishes a deferred physical compaction", () => {
  const { db, store } = randomHistory(11, 5);
  store.compact(store.currentRevision(), { physical: false });
  const reopened = new MvccStore(db, { compactionBatchRows: 5 });
  let steps = 0;
  while (reopened.compactStep()) assert.ok(++steps < 1000);
  assert.is(rows(db).length, reopened.range(ALL).count);
});

test("a large delete: one revision, sub-revisions in key order, all gone after compaction", () => {
  const db = openDatabase(":memory:", { durable: false });
  const store = new MvccStore(db, { compactionBatchRows: 64 });
  db.transaction(() => {
    for (let i = 0; i < 1500; i++) store.put({ key: b(`k${String(i).padStart(4, "0")}`), value: b("v") });
  });
  const del = store.deleteRange({ key: b("k"), range_end: b("l") });
  assert.is(del.response.deleted, 1500);
  assert.is(del.response.header.revision, 1502);
  assert.is(del.events.length, 1500);
  assert.ok(del.events.every((e) => e.kv.mod_revision === 1502));
  const subs = db.prepare("SELECT sub FROM mvcc_revisions WHERE main = 1502 ORDER BY key").all().map((r) => r.sub);
  assert.equal(subs, Array.from({ length: 1500 }, (_, i) => i));
  const usedBefore = store.sizeBytes().inUse;
  store.compact(1502);
  assert.equal(rows(db), []);
  assert.ok(store.sizeBytes().inUse < usedBefore, "freed pages are no longer in use");
  assert.is(store.range({ key: b("k"), range_end: b("l"), count_only: true }).count, 0);
});

test("compactionBatchRows below 2 is refused", () => {
  assert.throws(() => new MvccStore(openDatabase(":memory:", { durable: false }), { compactionBatchRows: 1 }));
});

test.run();
