// Txn semantics. Expected values follow etcd 3.4.23 as observed through its gateway.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { openDatabase } from "../../src/storage/sqlite_bun.ts";
import { MvccStore } from "../../src/mvcc/mod.ts";
import { EtcdError } from "../../src/codec/errors.ts";
import {
  type Compare,
  CompareResult,
  CompareTarget,
  type Event,
  EventType,
  type KeyValue,
  type TxnRequest,
} from "../../src/codec/messages.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
function b(s: string): Uint8Array {
  return enc.encode(s);
}
function brief(kv: KeyValue | undefined): string {
  if (kv === undefined) return "-";
  return `${dec.decode(kv.key)}=${dec.decode(kv.value)}@c${kv.create_revision}m${kv.mod_revision}v${kv.version}`;
}
function ev(e: Event): string {
  return `${e.type === EventType.PUT ? "PUT" : "DEL"} ${brief(e.kv)}`;
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
/** a=va (2), b=vb (3), lease 9 on l (4). */
function fixture(): MvccStore {
  const store = new MvccStore(openDatabase(":memory:", { durable: false }), { hasLease: (id) => id === 9n });
  store.put({ key: b("a"), value: b("va") });
  store.put({ key: b("b"), value: b("vb") });
  store.put({ key: b("l"), value: b("vl"), lease: 9n });
  return store;
}
function holds(compare: Compare, store = fixture()): boolean {
  return store.txn({ compare: [compare] }).response.succeeded;
}
const { EQUAL, GREATER, LESS, NOT_EQUAL } = CompareResult;
const { VERSION, CREATE, MOD, VALUE, LEASE } = CompareTarget;

test("an empty txn succeeds and takes no revision", () => {
  const store = fixture();
  const res = store.txn({}).response;
  assert.is(res.succeeded, true);
  assert.equal(res.responses, []);
  assert.is(res.header.revision, 4);
  assert.is(store.currentRevision(), 4);
});

test("version compares, all four results", () => {
  assert.is(holds({ key: b("a"), target: VERSION, result: EQUAL, version: 1 }), true);
  assert.is(holds({ key: b("a"), target: VERSION, result: NOT_EQUAL, version: 1 }), false);
  assert.is(holds({ key: b("a"), target: VERSION, result: GREATER, version: 0 }), true);
  assert.is(holds({ key: b("a"), target: VERSION, result: LESS, version: 1 }), false);
  assert.is(holds({ key: b("a"), target: VERSION, result: LESS, version: 2 }), true);
});

test("create and mod revision compares", () => {
  assert.is(holds({ key: b("b"), target: CREATE, result: EQUAL, create_revision: 3 }), true);
  assert.is(holds({ key: b("b"), target: CREATE, result: GREATER, create_revision: 3 }), false);
  assert.is(holds({ key: b("b"), target: MOD, result: LESS, mod_revision: 4 }), true);
  assert.is(holds({ key: b("b"), target: MOD, result: NOT_EQUAL, mod_revision: 3 }), false);
});

test("value compares are byte comparisons", () => {
  assert.is(holds({ key: b("a"), target: VALUE, result: EQUAL, value: b("va") }), true);
  assert.is(holds({ key: b("a"), target: VALUE, result: GREATER, value: b("v") }), true);
  assert.is(holds({ key: b("a"), target: VALUE, result: LESS, value: b("vb") }), true);
  assert.is(holds({ key: b("a"), target: VALUE, result: GREATER }), true);
  assert.is(holds({ key: b("a"), target: VALUE, result: NOT_EQUAL, value: b("va") }), false);
});

test("lease compares", () => {
  assert.is(holds({ key: b("l"), target: LEASE, result: EQUAL, lease: 9n }), true);
  assert.is(holds({ key: b("a"), target: LEASE, result: EQUAL, lease: 0n }), true);
  assert.is(holds({ key: b("l"), target: LEASE, result: GREATER, lease: 8n }), true);
});

test("a missing key compares as zeros, except VALUE which always fails", () => {
  assert.is(holds({ key: b("zz"), target: VERSION, result: EQUAL, version: 0 }), true);
  assert.is(holds({ key: b("zz"), target: CREATE, result: LESS, create_revision: 1 }), true);
  assert.is(holds({ key: b("zz"), target: MOD, result: EQUAL, mod_revision: 0 }), true);
  assert.is(holds({ key: b("zz"), target: LEASE, result: EQUAL, lease: 0n }), true);
  assert.is(holds({ key: b("zz"), target: VALUE, result: NOT_EQUAL, value: b("x") }), false);
  assert.is(holds({ key: b("zz"), target: VALUE, result: EQUAL }), false);
});

test("a compare over a range holds only if every key satisfies it", () => {
  const store = fixture();
  store.put({ key: b("a"), value: b("va2") });
  assert.is(holds({ key: b("a"), range_end: b("c"), target: VERSION, result: GREATER, version: 0 }, store), true);
  assert.is(holds({ key: b("a"), range_end: b("c"), target: VERSION, result: EQUAL, version: 2 }, store), false);
  assert.is(holds({ key: b("b"), range_end: b("\0"), target: VERSION, result: EQUAL, version: 1 }, store), true);
  assert.is(holds({ key: b("m"), range_end: b("z"), target: VERSION, result: EQUAL, version: 0 }, store), true);
  assert.is(holds({ key: b("m"), range_end: b("z"), target: VALUE, result: EQUAL }, store), false);
});

test("all compares must hold; success or failure branch runs accordingly", () => {
  const store = fixture();
  const req: TxnRequest = {
    compare: [
      { key: b("a"), target: VERSION, result: EQUAL, version: 1 },
      { key: b("b"), target: VALUE, result: EQUAL, value: b("nope") },
    ],
    success: [{ request_put: { key: b("s") } }],
    failure: [{ request_put: { key: b("f"), value: b("1") } }, { request_range: { key: b("f") } }],
  };
  const res = store.txn(req);
  assert.is(res.response.succeeded, false);
  assert.is(res.response.header.revision, 5);
  assert.equal(res.events.map(ev), ["PUT f=1@c5m5v1"]);
  assert.equal(res.response.responses[1]!.response_range!.kvs.map(brief), ["f=1@c5m5v1"]);
  assert.equal(store.range({ key: b("s") }).kvs, []);
});

test("all writes of a txn share one revision; events in sub-revision order", () => {
  const store = fixture();
  const res = store.txn({
    success: [
      { request_put: { key: b("x"), value: b("1") } },
      { request_delete_range: { key: b("a") } },
      { request_put: { key: b("b"), value: b("2") } },
    ],
  });
  assert.is(res.response.header.revision, 5);
  assert.equal(res.events.map(ev), ["PUT x=1@c5m5v1", "DEL a=@c0m5v0", "PUT b=2@c3m5v2"]);
  assert.equal(res.events[1]!.prev_kv && brief(res.events[1]!.prev_kv), "a=va@c2m2v1");
  assert.is(store.currentRevision(), 5);
  assert.equal(store.range({ key: b("a"), range_end: b("\0"), revision: 4 }).kvs.map(brief), [
    "a=va@c2m2v1",
    "b=vb@c3m3v1",
    "l=vl@c4m4v1",
  ]);
});

test("inner headers: writes and reads carry the txn revision, nested txns an empty header", () => {
  const store = fixture();
  const res = store.txn({
    success: [
      { request_put: { key: b("f"), value: b("1") } },
      { request_range: { key: b("f") } },
      { request_delete_range: { key: b("zz") } },
      { request_txn: { success: [{ request_range: { key: b("a") } }] } },
    ],
  }).response;
  assert.is(res.header.revision, 5);
  const [put, range, del, nested] = res.responses;
  assert.is(put!.response_put!.header.revision, 5);
  assert.is(range!.response_range!.header.revision, 5);
  assert.equal(range!.response_range!.kvs.map(brief), ["f=1@c5m5v1"]);
  assert.is(del!.response_delete_range!.header.revision, 5);
  assert.is(del!.response_delete_range!.deleted, 0);
  assert.is(nested!.response_txn!.header.revision, 0);
  assert.is(nested!.response_txn!.succeeded, true);
  assert.is(nested!.response_txn!.responses[0]!.response_range!.header.revision, 5);
});

test("a read-only txn, or one whose writes change nothing, takes no revision", () => {
  const store = fixture();
  const read = store.txn({ success: [{ request_range: { key: b("a"), keys_only: true } }] });
  assert.is(read.response.header.revision, 4);
  assert.equal(read.response.responses[0]!.response_range!.kvs.map(brief), ["a=@c2m2v1"]);
  const del = store.txn({ success: [{ request_delete_range: { key: b("zz") } }] });
  assert.is(del.response.header.revision, 4);
  assert.is(del.response.responses[0]!.response_delete_range!.header.revision, 4);
  assert.equal(del.events, []);
  assert.is(store.currentRevision(), 4);
});

test("nested txn compares see the state before the txn", () => {
  const store = fixture();
  const res = store.txn({
    success: [
      { request_put: { key: b("g"), value: b("1") } },
      {
        request_txn: {
          compare: [{ key: b("g"), target: VERSION, result: EQUAL, version: 0 }],
          success: [{ request_range: { key: b("g") } }],
          failure: [{ request_range: { key: b("a") } }],
        },
      },
    ],
  }).response;
  const nested = res.responses[1]!.response_txn!;
  assert.is(nested.succeeded, true);
  assert.equal(nested.responses[0]!.response_range!.kvs.map(brief), ["g=1@c5m5v1"]);
});

test("nested txn failure branch and deeper nesting", () => {
  const store = fixture();
  const res = store.txn({
    compare: [{ key: b("a"), target: VERSION, result: EQUAL, version: 1 }],
    success: [{
      request_txn: {
        compare: [{ key: b("a"), target: VERSION, result: EQUAL, version: 5 }],
        success: [{ request_put: { key: b("no") } }],
        failure: [
          { request_put: { key: b("n1"), value: b("1") } },
          { request_txn: { success: [{ request_put: { key: b("n2"), value: b("2") } }] } },
        ],
      },
    }],
  });
  const inner = res.response.responses[0]!.response_txn!;
  assert.is(inner.succeeded, false);
  assert.is(inner.responses[1]!.response_txn!.succeeded, true);
  assert.equal(res.events.map(ev), ["PUT n1=1@c5m5v1", "PUT n2=2@c5m5v1"]);
});

test("a txn nested 120 deep (within the op budget) applies", () => {
  const store = fixture();
  let req: TxnRequest = { success: [{ request_put: { key: b("deep"), value: b("1") } }] };
  for (let i = 0; i < 120; i++) req = { success: [{ request_txn: req }] };
  const res = store.txn(req);
  assert.equal(res.events.map(ev), ["PUT deep=1@c5m5v1"]);
  let inner = res.response;
  for (let i = 0; i < 120; i++) inner = inner.responses[0]!.response_txn!;
  assert.is(inner.responses[0]!.response_put!.header.revision, 5);
});

test("ignore_value is checked against the state before the txn", () => {
  const store = fixture();
  expectError(
    () =>
      store.txn({
        success: [
          { request_put: { key: b("h"), value: b("1") } },
          { request_txn: { success: [{ request_put: { key: b("h2"), ignore_value: true } }] } },
        ],
      }),
    "etcdserver: key not found",
  );
  const ok = store.txn({ success: [{ request_put: { key: b("a"), ignore_value: true, prev_kv: true } }] });
  assert.is(brief(ok.response.responses[0]!.response_put!.prev_kv), "a=va@c2m2v1");
  assert.equal(store.range({ key: b("a") }).kvs.map(brief), ["a=va@c2m5v2"]);
});

test("a failed check leaves nothing written", () => {
  const store = fixture();
  expectError(
    () => store.txn({ success: [{ request_put: { key: b("x") } }, { request_put: { key: b("y"), lease: 5n } }] }),
    "etcdserver: requested lease not found",
  );
  assert.is(store.currentRevision(), 4);
  assert.equal(store.range({ key: b("x") }).kvs, []);
});

test("an error halfway through a txn rolls back its earlier writes", () => {
  const store = fixture();
  // An empty op passes the pre-checks (validation catches it before proposal) and fails when applied.
  expectError(() => store.txn({ success: [{ request_put: { key: b("x") } }, {}] }), "etcdserver: key not found");
  assert.is(store.currentRevision(), 4);
  assert.equal(store.range({ key: b("x") }).kvs, []);
  assert.is(store.put({ key: b("x") }).response.header.revision, 5);
});

test("only the chosen branch is checked", () => {
  const store = fixture();
  const res = store.txn({
    compare: [{ key: b("a"), target: VERSION, result: EQUAL, version: 1 }],
    success: [{ request_put: { key: b("x") } }],
    failure: [{ request_put: { key: b("y"), lease: 5n } }],
  });
  assert.is(res.response.succeeded, true);
});

test("ranges in a txn: revision checked against the state before the txn", () => {
  const store = fixture();
  store.compact(2);
  expectError(() => store.txn({ success: [{ request_range: { key: b("a"), revision: 5 } }] }),
    "etcdserver: mvcc: required revision is a future revision");
  expectError(() => store.txn({ success: [{ request_range: { key: b("a"), revision: 1 } }] }),
    "etcdserver: mvcc: required revision has been compacted");
  // A negative revision is below the compacted revision in a txn (not so in a plain range).
  expectError(() => store.txn({ success: [{ request_range: { key: b("a"), revision: -1 } }] }),
    "etcdserver: mvcc: required revision has been compacted");
  const ok = store.txn({ success: [{ request_range: { key: b("a"), revision: 2 } }] });
  assert.equal(ok.response.responses[0]!.response_range!.kvs.map(brief), ["a=va@c2m2v1"]);
  const fresh = new MvccStore(openDatabase(":memory:", { durable: false }));
  fresh.put({ key: b("a") });
  const minusOne = fresh.txn({ success: [{ request_range: { key: b("a"), revision: -1 } }] });
  assert.equal(minusOne.response.responses[0]!.response_range!.kvs.map(brief), ["a=@c2m2v1"]);
});

test("a historical read inside a writing txn ignores the txn's writes", () => {
  const store = fixture();
  const res = store.txn({
    success: [
      { request_put: { key: b("a"), value: b("new") } },
      { request_range: { key: b("a"), revision: 4 } },
      { request_range: { key: b("a") } },
    ],
  }).response;
  assert.equal(res.responses[1]!.response_range!.kvs.map(brief), ["a=va@c2m2v1"]);
  assert.equal(res.responses[2]!.response_range!.kvs.map(brief), ["a=new@c2m5v2"]);
});

test("put then delete of one key across nested txns (allowed by etcd) ends deleted", () => {
  const store = fixture();
  const res = store.txn({
    success: [
      { request_txn: { success: [{ request_put: { key: b("b"), value: b("p") } }] } },
      { request_txn: { success: [{ request_delete_range: { key: b("b"), prev_kv: true } }] } },
    ],
  });
  assert.is(res.response.header.revision, 5);
  assert.equal(res.events.map(ev), ["PUT b=p@c3m5v2", "DEL b=@c0m5v0"]);
  // Observed on etcd: the delete's response shows the txn's own put, but both watch events carry the
  // key as it was before the txn (etcd's watch reads prev_kv at revision - 1).
  const deleted = res.response.responses[1]!.response_txn!.responses[0]!.response_delete_range!;
  assert.equal(deleted.prev_kvs.map(brief), ["b=p@c3m5v2"]);
  assert.equal(res.events.map((e) => brief(e.prev_kv)), ["b=vb@c3m3v1", "b=vb@c3m3v1"]);
  const replay = store.history({ key: b("b"), start_revision: 5, limit_rows: 10, prev_kv: true });
  assert.equal(replay.events.map((e) => `${ev(e)} prev ${brief(e.prev_kv)}`), [
    "PUT b=p@c3m5v2 prev b=vb@c3m3v1",
    "DEL b=@c0m5v0 prev b=vb@c3m3v1",
  ]);
  assert.equal(store.range({ key: b("b") }).kvs, []);
  assert.equal(store.range({ key: b("b"), revision: 4 }).kvs.map(brief), ["b=vb@c3m3v1"]);
  store.put({ key: b("b"), value: b("again") });
  assert.equal(store.range({ key: b("b") }).kvs.map(brief), ["b=again@c6m6v1"]);
});

test("a put and a from-key delete in one txn: the put is deleted too", () => {
  const store = fixture();
  const res = store.txn({
    success: [
      { request_put: { key: b("b") } },
      { request_delete_range: { key: b("a"), range_end: b("\0") } },
    ],
  }).response;
  assert.is(res.responses[1]!.response_delete_range!.deleted, 3);
  assert.equal(store.range({ key: b("\0"), range_end: b("\0") }).kvs, []);
});

test.run();
