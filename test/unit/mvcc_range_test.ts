// Expected values below were observed on etcd 3.4.23 with the same sequence of writes.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { openDatabase } from "../../src/storage/sqlite_bun.ts";
import { MvccStore } from "../../src/mvcc/mod.ts";
import { EtcdError } from "../../src/codec/errors.ts";
import { type KeyValue, type RangeRequest, SortOrder, SortTarget } from "../../src/codec/messages.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
function b(s: string): Uint8Array {
  return enc.encode(s);
}
function brief(kv: KeyValue): string {
  return `${dec.decode(kv.key)}=${dec.decode(kv.value)}@c${kv.create_revision}m${kv.mod_revision}v${kv.version}`;
}
const ALL = { key: b("\0"), range_end: b("\0") };

/** a..e = "v<key>" at revisions 2..6, then c=x (7), c=a (8), e=a (9). */
function fixture(safeIntegers = false): MvccStore {
  const store = new MvccStore(openDatabase(":memory:", { durable: false, safeIntegers }));
  for (const k of ["a", "b", "c", "d", "e"]) store.put({ key: b(k), value: b(`v${k}`) });
  store.put({ key: b("c"), value: b("x") });
  store.put({ key: b("c"), value: b("a") });
  store.put({ key: b("e"), value: b("a") });
  assert.is(store.currentRevision(), 9);
  return store;
}
function keys(req: RangeRequest, store = fixture()): string {
  return store.range(req).kvs.map((kv) => dec.decode(kv.key)).join(",");
}
function expectError(fn: () => unknown, message: string): void {
  try {
    fn();
  } catch (error) {
    assert.instance(error, EtcdError);
    assert.is((error as EtcdError).message, message);
    return;
  }
  assert.unreachable(`expected ${message}`);
}
const COMPACTED = "etcdserver: mvcc: required revision has been compacted";
const FUTURE = "etcdserver: mvcc: required revision is a future revision";

test("single key: present and absent", () => {
  const store = fixture();
  const hit = store.range({ key: b("c") });
  assert.equal(hit.kvs.map(brief), ["c=a@c4m8v3"]);
  assert.is(hit.count, 1);
  assert.is(hit.more, false);
  assert.is(hit.header.revision, 9);
  const miss = store.range({ key: b("cc") });
  assert.equal(miss.kvs, []);
  assert.is(miss.count, 0);
});

test("range_end bounds are [key, range_end)", () => {
  assert.is(keys({ key: b("b"), range_end: b("d") }), "b,c");
  assert.is(keys({ key: b("b"), range_end: b("b") }), "");
  assert.is(keys({ key: b("d"), range_end: b("b") }), "");
  assert.is(keys({ key: b("a"), range_end: b("a\0") }), "a");
});

test('range_end "\\0" means to the end; key "\\0" with it means everything', () => {
  assert.is(keys({ key: b("c"), range_end: b("\0") }), "c,d,e");
  assert.is(keys(ALL), "a,b,c,d,e");
});

test("prefix ranges include longer keys and exclude the next prefix", () => {
  const store = fixture();
  store.put({ key: b("c/1"), value: b("") });
  store.put({ key: b("c0"), value: b("") });
  assert.is(keys({ key: b("c"), range_end: b("d") }, store), "c,c/1,c0");
  assert.is(keys({ key: b("c/"), range_end: b("c0") }, store), "c/1");
});

test("binary keys order as bytes", () => {
  const store = new MvccStore(openDatabase(":memory:", { durable: false }));
  for (const key of [[0xff], [0x00, 0x01], [0x7f], [0x80, 0x00], [0x80]]) {
    store.put({ key: new Uint8Array(key) });
  }
  const got = store.range({ key: new Uint8Array([0]), range_end: new Uint8Array([0]) }).kvs.map((kv) =>
    Array.from(kv.key).join(".")
  );
  assert.equal(got, ["0.1", "127", "128", "128.0", "255"]);
});

test("limit sets more; count is the total in the range", () => {
  const res = fixture().range({ ...ALL, limit: 2 });
  assert.is(res.kvs.map((kv) => dec.decode(kv.key)).join(","), "a,b");
  assert.is(res.more, true);
  assert.is(res.count, 5);
  const exact = fixture().range({ ...ALL, limit: 5 });
  assert.is(exact.more, false);
  assert.is(exact.count, 5);
  const negative = fixture().range({ key: b("c"), limit: -3 });
  assert.equal(negative.kvs.map(brief), ["c=a@c4m8v3"]);
});

test("sort target other than KEY with order NONE sorts ascending among the first limit+1 keys", () => {
  // etcd fetches a,b,c (limit+1), sorts those by value: c(a) < a(va) < b(vb), then cuts to 2.
  const res = fixture().range({ ...ALL, sort_target: SortTarget.VALUE, limit: 2 });
  assert.equal(res.kvs.map(brief), ["c=a@c4m8v3", "a=va@c2m2v1"]);
  assert.is(res.more, true);
  assert.is(res.count, 5);
});

test("explicit ASCEND sorts all keys before the limit", () => {
  const res = fixture().range({ ...ALL, sort_target: SortTarget.VALUE, sort_order: SortOrder.ASCEND, limit: 2 });
  assert.equal(res.kvs.map(brief), ["c=a@c4m8v3", "e=a@c6m9v2"]);
  assert.is(res.more, true);
});

test("DESCEND by version keeps key order among ties", () => {
  const res = fixture().range({ ...ALL, sort_target: SortTarget.VERSION, sort_order: SortOrder.DESCEND });
  assert.equal(res.kvs.map((kv) => dec.decode(kv.key)), ["c", "e", "a", "b", "d"]);
  assert.is(res.more, false);
});

test("DESCEND by key with a limit takes the last keys", () => {
  const res = fixture().range({ ...ALL, sort_order: SortOrder.DESCEND, limit: 2 });
  assert.equal(res.kvs.map((kv) => dec.decode(kv.key)), ["e", "d"]);
  assert.is(res.more, true);
  assert.is(res.count, 5);
});

test("more than 12 ties come out in etcd's (Go pdqsort) order, not key order", () => {
  // Observed on etcd 3.4.23: k10..k39 put once, k13 k17 k22 k31 k35 put twice.
  const store = new MvccStore(openDatabase(":memory:", { durable: false }));
  for (let i = 10; i <= 39; i++) store.put({ key: b(`k${i}`), value: b("v") });
  for (const i of [13, 17, 22, 31, 35]) store.put({ key: b(`k${i}`), value: b("w") });
  const span = { key: b("k"), range_end: b("l") };
  const order = (req: RangeRequest): string => store.range(req).kvs.map((kv) => dec.decode(kv.key)).join(" ");
  assert.is(
    order({ ...span, sort_target: SortTarget.VERSION, sort_order: SortOrder.DESCEND }),
    "k31 k17 k35 k13 k22 k12 k28 k15 k18 k19 k20 k21 k14 k23 k39 k11 k26 k27 k16 k29 k30 k10 k32 k33 k34 k25 k36 k37 k38 k24",
  );
  assert.is(
    order({ ...span, sort_target: SortTarget.VERSION, sort_order: SortOrder.ASCEND }),
    "k38 k14 k36 k39 k23 k15 k16 k24 k18 k19 k20 k21 k12 k11 k10 k25 k26 k27 k28 k29 k30 k37 k32 k33 k34 k17 k35 k31 k22 k13",
  );
  assert.is(
    order({ ...span, sort_target: SortTarget.VALUE, sort_order: SortOrder.DESCEND }),
    "k31 k17 k35 k13 k22 k12 k28 k15 k18 k19 k20 k21 k14 k23 k39 k11 k26 k27 k16 k29 k30 k10 k32 k33 k34 k25 k36 k37 k38 k24",
  );
});

test("sort by create and mod revision, both directions", () => {
  assert.is(keys({ ...ALL, sort_target: SortTarget.MOD, sort_order: SortOrder.DESCEND }), "e,c,d,b,a");
  assert.is(keys({ ...ALL, sort_target: SortTarget.MOD, sort_order: SortOrder.ASCEND }), "a,b,d,c,e");
  assert.is(keys({ ...ALL, sort_target: SortTarget.CREATE, sort_order: SortOrder.DESCEND }), "e,d,c,b,a");
  assert.is(keys({ ...ALL, sort_target: SortTarget.KEY, sort_order: SortOrder.ASCEND }), "a,b,c,d,e");
});

test("keys_only drops values and keeps revisions", () => {
  const res = fixture().range({ ...ALL, sort_target: SortTarget.MOD, sort_order: SortOrder.DESCEND, limit: 2, keys_only: true });
  assert.equal(res.kvs.map(brief), ["e=@c6m9v2", "c=@c4m8v3"]);
  assert.is(res.more, true);
});

test("count_only gives the count, no kvs, no more — even with a limit or filters", () => {
  const limited = fixture().range({ ...ALL, count_only: true, limit: 1 });
  assert.equal(limited.kvs, []);
  assert.is(limited.count, 5);
  assert.is(limited.more, false);
  const filtered = fixture().range({ ...ALL, count_only: true, min_mod_revision: 5, limit: 1 });
  assert.is(filtered.count, 5);
});

test("min/max filters apply after the fetch; count stays unfiltered", () => {
  const res = fixture().range({ ...ALL, min_mod_revision: 5, limit: 1 });
  assert.equal(res.kvs.map(brief), ["c=a@c4m8v3"]);
  assert.is(res.more, true);
  assert.is(res.count, 5);
  assert.is(keys({ ...ALL, max_mod_revision: 5 }), "a,b,d");
  assert.is(keys({ ...ALL, min_create_revision: 4 }), "c,d,e");
  assert.is(keys({ ...ALL, max_create_revision: 3 }), "a,b");
  assert.is(keys({ ...ALL, min_create_revision: 3, max_create_revision: 5, min_mod_revision: 6 }), "c");
  const none = fixture().range({ ...ALL, max_create_revision: 3, max_mod_revision: -1 });
  assert.equal(none.kvs, []);
  assert.is(none.count, 5);
});

test("historical reads see the key as it was", () => {
  const store = fixture();
  assert.equal(store.range({ key: b("c"), revision: 7 }).kvs.map(brief), ["c=x@c4m7v2"]);
  assert.equal(store.range({ key: b("c"), revision: 4 }).kvs.map(brief), ["c=vc@c4m4v1"]);
  assert.equal(store.range({ key: b("c"), revision: 3 }).kvs, []);
  const past = store.range({ ...ALL, revision: 4 });
  assert.equal(past.kvs.map(brief), ["a=va@c2m2v1", "b=vb@c3m3v1", "c=vc@c4m4v1"]);
  assert.is(past.count, 3);
  assert.is(past.header.revision, 9, "the header carries the current revision");
  const limited = store.range({ ...ALL, revision: 8, limit: 2 });
  assert.equal(limited.kvs.map(brief), ["a=va@c2m2v1", "b=vb@c3m3v1"]);
  assert.is(limited.count, 5);
  assert.is(limited.more, true);
  assert.is(store.range({ ...ALL, revision: 6, count_only: true }).count, 5);
});

test("historical reads do not see deleted keys, and see them again before the deletion", () => {
  const store = fixture();
  store.deleteRange({ key: b("b"), range_end: b("d") }); // 10
  store.put({ key: b("b"), value: b("new") }); // 11
  assert.is(keys({ ...ALL, revision: 10 }, store), "a,d,e");
  assert.is(keys({ ...ALL, revision: 9 }, store), "a,b,c,d,e");
  assert.equal(store.range({ key: b("b"), revision: 11 }).kvs.map(brief), ["b=new@c11m11v1"]);
  assert.equal(store.range({ key: b("b") }).kvs.map(brief), ["b=new@c11m11v1"]);
});

test("revision ≤ 0 means current; above current is a future revision", () => {
  const store = fixture();
  assert.equal(store.range({ key: b("c"), revision: -5 }).kvs.map(brief), ["c=a@c4m8v3"]);
  assert.equal(store.range({ key: b("c"), revision: 0 }).kvs.map(brief), ["c=a@c4m8v3"]);
  assert.equal(store.range({ key: b("c"), revision: 9 }).kvs.map(brief), ["c=a@c4m8v3"]);
  expectError(() => store.range({ key: b("c"), revision: 10 }), FUTURE);
});

test("below the compacted revision is compacted; at it is readable", () => {
  const store = fixture();
  store.compact(7);
  expectError(() => store.range({ key: b("c"), revision: 6 }), COMPACTED);
  assert.equal(store.range({ key: b("c"), revision: 7 }).kvs.map(brief), ["c=x@c4m7v2"]);
  assert.equal(store.range({ key: b("a"), revision: 7 }).kvs.map(brief), ["a=va@c2m2v1"]);
  assert.is(store.range({ key: b("c"), revision: -1 }).kvs.length, 1);
});

test("64-bit leases survive both integer modes", () => {
  for (const safeIntegers of [false, true]) {
    const lease = 0x7fff_ffff_ffff_fff1n;
    const store = new MvccStore(openDatabase(":memory:", { durable: false, safeIntegers }), {
      hasLease: (id) => id === lease,
    });
    store.put({ key: b("k"), value: b("v"), lease });
    assert.is(store.range({ key: b("k") }).kvs[0]!.lease, lease);
    store.put({ key: b("k"), value: b("w"), ignore_lease: true });
    assert.is(store.range({ key: b("k") }).kvs[0]!.lease, lease);
    assert.is(store.range({ key: b("k"), revision: 2 }).kvs[0]!.lease, lease);
    assert.is(store.range({ key: b("k") }).kvs[0]!.version, 2);
  }
});

test("results are the same with bigint integers", () => {
  const a = fixture(false).range({ ...ALL, revision: 7 });
  const c = fixture(true).range({ ...ALL, revision: 7 });
  assert.equal(a, c);
});

test.run();
