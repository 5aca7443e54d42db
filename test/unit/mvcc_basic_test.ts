// Puts, deletes, revisions, versions and events. Expected values follow etcd 3.4.23 as observed.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { openDatabase } from "../../src/storage/sqlite_bun.ts";
import { MvccStore } from "../../src/mvcc/mod.ts";
import { EtcdError } from "../../src/codec/errors.ts";
import { type Event, EventType, type KeyValue } from "../../src/codec/messages.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
function b(s: string): Uint8Array {
  return enc.encode(s);
}
function fresh(hasLease?: (id: bigint) => boolean): MvccStore {
  return new MvccStore(openDatabase(":memory:", { durable: false }), { hasLease });
}
function brief(kv: KeyValue | undefined): string {
  if (kv === undefined) return "-";
  const lease = kv.lease === 0n ? "" : `l${kv.lease}`;
  return `${dec.decode(kv.key)}=${dec.decode(kv.value)}@c${kv.create_revision}m${kv.mod_revision}v${kv.version}${lease}`;
}
function ev(e: Event): string {
  return `${e.type === EventType.PUT ? "PUT" : "DEL"} ${brief(e.kv)} prev ${brief(e.prev_kv)}`;
}
function expectError(fn: () => unknown, message: string, code: number): void {
  try {
    fn();
  } catch (error) {
    assert.instance(error, EtcdError);
    assert.is((error as EtcdError).message, message);
    assert.is((error as EtcdError).code, code);
    return;
  }
  assert.unreachable(`expected ${message}`);
}

test("an empty store is at revision 1 and never compacted", () => {
  const store = fresh();
  assert.is(store.currentRevision(), 1);
  assert.is(store.compactedRevision(), -1);
  const res = store.range({ key: b("a") });
  assert.is(res.header.revision, 1);
  assert.equal(res.kvs, []);
  assert.is(res.count, 0);
});

test("puts take one revision each; versions count puts; create stays", () => {
  const store = fresh();
  assert.is(store.put({ key: b("a"), value: b("1") }).response.header.revision, 2);
  assert.is(store.put({ key: b("a"), value: b("2") }).response.header.revision, 3);
  assert.is(store.put({ key: b("b"), value: b("3") }).response.header.revision, 4);
  const res = store.range({ key: b("a"), range_end: b("c") });
  assert.equal(res.kvs.map(brief), ["a=2@c2m3v2", "b=3@c4m4v1"]);
  assert.is(res.header.revision, 4);
  assert.is(store.currentRevision(), 4);
});

test("put with no value stores an empty value", () => {
  const store = fresh();
  store.put({ key: b("a") });
  assert.equal(store.range({ key: b("a") }).kvs.map(brief), ["a=@c2m2v1"]);
});

test("prev_kv returns the previous version only when asked and present", () => {
  const store = fresh();
  assert.is(store.put({ key: b("a"), value: b("1"), prev_kv: true }).response.prev_kv, undefined);
  assert.is(brief(store.put({ key: b("a"), value: b("2"), prev_kv: true }).response.prev_kv), "a=1@c2m2v1");
  assert.is(store.put({ key: b("a"), value: b("3") }).response.prev_kv, undefined);
});

test("ignore_value keeps the value; on a missing key it is key not found", () => {
  const store = fresh();
  expectError(() => store.put({ key: b("n"), ignore_value: true }), "etcdserver: key not found", 3);
  expectError(() => store.put({ key: b("n"), ignore_lease: true }), "etcdserver: key not found", 3);
  assert.is(store.currentRevision(), 1);
  store.put({ key: b("n"), value: b("1") });
  const res = store.put({ key: b("n"), ignore_value: true, prev_kv: true });
  assert.is(res.response.header.revision, 3);
  assert.is(brief(res.response.prev_kv), "n=1@c2m2v1");
  assert.equal(store.range({ key: b("n") }).kvs.map(brief), ["n=1@c2m3v2"]);
});

test("leases: must exist; ignore_lease keeps it; a plain put drops it", () => {
  const store = fresh((id) => id === 7n);
  expectError(() => store.put({ key: b("k"), lease: 5n }), "etcdserver: requested lease not found", 5);
  assert.is(store.currentRevision(), 1);
  store.put({ key: b("k"), value: b("1"), lease: 7n });
  store.put({ key: b("k"), value: b("2"), ignore_lease: true });
  assert.equal(store.range({ key: b("k") }).kvs.map(brief), ["k=2@c2m3v2l7"]);
  store.put({ key: b("k"), value: b("3") });
  assert.equal(store.range({ key: b("k") }).kvs.map(brief), ["k=3@c2m4v3"]);
});

test("without hasLease every lease is unknown", () => {
  expectError(() => fresh().put({ key: b("k"), lease: 1n }), "etcdserver: requested lease not found", 5);
});

test("delete of nothing takes no revision", () => {
  const store = fresh();
  store.put({ key: b("a") });
  const res = store.deleteRange({ key: b("zz"), prev_kv: true });
  assert.is(res.response.header.revision, 2);
  assert.is(res.response.deleted, 0);
  assert.equal(res.response.prev_kvs, []);
  assert.equal(res.events, []);
  assert.is(store.currentRevision(), 2);
});

test("delete range: one revision, deleted count, prev_kvs in key order", () => {
  const store = fresh();
  for (const k of ["a", "b", "c", "d"]) store.put({ key: b(k), value: b(k) });
  const res = store.deleteRange({ key: b("b"), range_end: b("\0"), prev_kv: true });
  assert.is(res.response.header.revision, 6);
  assert.is(res.response.deleted, 3);
  assert.equal(res.response.prev_kvs.map(brief), ["b=b@c3m3v1", "c=c@c4m4v1", "d=d@c5m5v1"]);
  assert.equal(store.range({ key: b("\0"), range_end: b("\0") }).kvs.map(brief), ["a=a@c2m2v1"]);
  const quiet = store.deleteRange({ key: b("a") });
  assert.equal(quiet.response.prev_kvs, []);
  assert.is(quiet.response.deleted, 1);
  assert.is(quiet.response.header.revision, 7);
});

test("a deleted and re-created key starts a new life: new create revision, version 1", () => {
  const store = fresh();
  store.put({ key: b("q"), value: b("1") }); // 2
  store.put({ key: b("q"), value: b("2") }); // 3
  store.deleteRange({ key: b("q") }); // 4
  store.put({ key: b("q"), value: b("3") }); // 5
  store.put({ key: b("q"), value: b("4") }); // 6
  assert.equal(store.range({ key: b("q") }).kvs.map(brief), ["q=4@c5m6v2"]);
  assert.equal(store.range({ key: b("q"), revision: 3 }).kvs.map(brief), ["q=2@c2m3v2"]);
  assert.equal(store.range({ key: b("q"), revision: 4 }).kvs, []);
  assert.equal(store.range({ key: b("q"), revision: 5 }).kvs.map(brief), ["q=3@c5m5v1"]);
});

test("put events carry the new kv and the previous one", () => {
  const store = fresh();
  assert.equal(store.put({ key: b("a"), value: b("1") }).events.map(ev), ["PUT a=1@c2m2v1 prev -"]);
  assert.equal(store.put({ key: b("a"), value: b("2") }).events.map(ev), ["PUT a=2@c2m3v2 prev a=1@c2m2v1"]);
});

test("delete events carry the key and the deletion's revision, and the deleted kv as prev", () => {
  const store = fresh();
  store.put({ key: b("a"), value: b("1") });
  store.put({ key: b("b"), value: b("2") });
  const events = store.deleteRange({ key: b("a"), range_end: b("c") }).events;
  assert.equal(events.map(ev), ["DEL a=@c0m4v0 prev a=1@c2m2v1", "DEL b=@c0m4v0 prev b=2@c3m3v1"]);
});

test("the store reopens at its stored revisions", () => {
  const db = openDatabase(":memory:", { durable: false });
  const first = new MvccStore(db);
  first.put({ key: b("a") });
  first.put({ key: b("b") });
  first.compact(2);
  const second = new MvccStore(db);
  assert.is(second.currentRevision(), 3);
  assert.is(second.compactedRevision(), 2);
  assert.equal(second.range({ key: b("a"), range_end: b("c") }).kvs.map(brief), ["a=@c2m2v1", "b=@c3m3v1"]);
});

test("a database with an older MVCC table layout is refused with a clear error", () => {
  const db = openDatabase(":memory:", { durable: false });
  db.exec("CREATE TABLE mvcc_revisions (key BLOB, main INTEGER, sub INTEGER, PRIMARY KEY (key, main, sub)) WITHOUT ROWID");
  assert.throws(() => new MvccStore(db), /older MVCC table layout/);
});

test("a rolled-back outer transaction leaves the store where it was", () => {
  const db = openDatabase(":memory:", { durable: false });
  const store = new MvccStore(db);
  store.put({ key: b("a"), value: b("1") });
  assert.throws(() =>
    db.transaction(() => {
      store.put({ key: b("a"), value: b("2") });
      store.put({ key: b("b"), value: b("2") });
      throw new Error("crash before commit");
    })
  );
  assert.is(store.currentRevision(), 2);
  assert.is(store.put({ key: b("c") }).response.header.revision, 3);
  assert.equal(store.range({ key: b("a"), range_end: b("\0") }).kvs.map(brief), ["a=1@c2m2v1", "c=@c3m3v1"]);
});

test("writes on a file database survive reopening", async () => {
  const { mkdtempSync, rmSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const dir = mkdtempSync(join(tmpdir(), "mvcc-test-"));
  try {
    const path = join(dir, "db.sqlite");
    const db = openDatabase(path, { durable: true });
    const store = new MvccStore(db);
    db.transaction(() => {
      store.put({ key: b("x"), value: b("1") });
      store.put({ key: b("x"), value: b("2") });
    });
    db.close();
    const reopened = new MvccStore(openDatabase(path, { durable: true }));
    assert.equal(reopened.range({ key: b("x") }).kvs.map(brief), ["x=2@c2m3v2"]);
    assert.is(reopened.currentRevision(), 3);
    assert.ok(reopened.sizeBytes().total > 0);
    assert.ok(reopened.sizeBytes().inUse <= reopened.sizeBytes().total);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
