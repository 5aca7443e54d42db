// Event replay from stored history must give exactly the events the writes returned.
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
function brief(kv: KeyValue | undefined): string {
  if (kv === undefined) return "-";
  return `${dec.decode(kv.key)}=${dec.decode(kv.value)}@c${kv.create_revision}m${kv.mod_revision}v${kv.version}l${kv.lease}`;
}
function ev(e: Event): string {
  return `${e.type === EventType.PUT ? "PUT" : "DEL"} ${brief(e.kv)} prev ${brief(e.prev_kv)}`;
}
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** Random puts, deletes and txns; returns every event the writes reported, in order. */
function workload(store: MvccStore, seed: number, writes: number): Event[] {
  const random = lcg(seed);
  const all: Event[] = [];
  const key = (): Uint8Array => b(`k${Math.floor(random() * 8)}`);
  for (let i = 0; i < writes; i++) {
    const roll = random();
    if (roll < 0.55) all.push(...store.put({ key: key(), value: b(`${i}`) }).events);
    else if (roll < 0.7) all.push(...store.deleteRange({ key: key() }).events);
    else if (roll < 0.8) all.push(...store.deleteRange({ key: b("k"), range_end: key() }).events);
    else if (roll < 0.85) {
      // A put and a delete of one key in one revision (nested txns allow it).
      const k = key();
      all.push(...store.txn({
        success: [
          { request_txn: { success: [{ request_put: { key: k, value: b(`n${i}`) } }] } },
          { request_txn: { success: [{ request_delete_range: { key: k } }] } },
        ],
      }).events);
    } else {
      const k = key();
      all.push(...store.txn({
        success: [
          { request_txn: { success: [{ request_put: { key: k, value: b(`t${i}`) }} ] } },
          { request_delete_range: { key: b("k9") } },
          { request_put: { key: b(`x${i % 3}`), value: b(`${i}`) } },
        ],
      }).events);
    }
  }
  return all;
}

function replay(store: MvccStore, from: number, pageRows: number, span: { key: Uint8Array; range_end?: Uint8Array }): Event[] {
  const out: Event[] = [];
  let next: { revision: number; sub: number } | undefined = { revision: from, sub: 0 };
  for (let pages = 0; next !== undefined; pages++) {
    assert.ok(pages < 10_000, "replay does not end");
    const page = store.history({ ...span, start_revision: next.revision, start_sub: next.sub, limit_rows: pageRows, prev_kv: true });
    out.push(...page.events);
    next = page.next;
  }
  return out;
}

test("create events carry no prev_kv; updates and deletes carry the key at revision - 1", () => {
  const store = new MvccStore(openDatabase(":memory:", { durable: false }));
  const created = store.put({ key: b("a"), value: b("1") }).events[0]!;
  assert.is(created.prev_kv, undefined);
  const updated = store.put({ key: b("a"), value: b("2") }).events[0]!;
  assert.is(brief(updated.prev_kv), "a=1@c2m2v1l0");
  const deleted = store.deleteRange({ key: b("a") }).events[0]!;
  assert.is(brief(deleted.prev_kv), "a=2@c2m3v2l0");
  const recreated = store.put({ key: b("a"), value: b("3") }).events[0]!;
  assert.is(recreated.prev_kv, undefined);
});

test("replay of all keys equals the events the writes returned, in any page size", () => {
  const store = new MvccStore(openDatabase(":memory:", { durable: false }));
  const written = workload(store, 5, 200);
  assert.ok(written.length > 150);
  for (const pageRows of [1, 2, 7, 1000]) {
    assert.equal(replay(store, 1, pageRows, { key: b("\0"), range_end: b("\0") }).map(ev), written.map(ev), `page ${pageRows}`);
  }
});

test("replay of one key or a range filters; a later start skips earlier revisions", () => {
  const store = new MvccStore(openDatabase(":memory:", { durable: false }));
  const written = workload(store, 6, 150);
  const only = (e: Event): boolean => dec.decode(e.kv.key) === "k3";
  assert.equal(replay(store, 1, 5, { key: b("k3") }).map(ev), written.filter(only).map(ev));
  const inRange = (e: Event): boolean => dec.decode(e.kv.key) >= "k2" && dec.decode(e.kv.key) < "k5";
  assert.equal(replay(store, 1, 3, { key: b("k2"), range_end: b("k5") }).map(ev), written.filter(inRange).map(ev));
  const from = 60;
  const later = written.filter((e) => e.kv.mod_revision >= from);
  assert.equal(replay(store, from, 4, { key: b("\0"), range_end: b("\0") }).map(ev), later.map(ev));
});

test("end_revision bounds the replay; prev_kv only when asked", () => {
  const store = new MvccStore(openDatabase(":memory:", { durable: false }));
  store.put({ key: b("a"), value: b("1") }); // 2
  store.put({ key: b("a"), value: b("2") }); // 3
  store.deleteRange({ key: b("a") }); // 4
  const page = store.history({ key: b("a"), start_revision: 2, end_revision: 3, limit_rows: 10 });
  assert.equal(page.events.map(ev), ["PUT a=1@c2m2v1l0 prev -", "PUT a=2@c2m3v2l0 prev -"]);
  assert.is(page.next, undefined);
  const del = store.history({ key: b("a"), start_revision: 4, limit_rows: 10, prev_kv: true });
  assert.equal(del.events.map(ev), ["DEL a=@c0m4v0l0 prev a=2@c2m3v2l0"]);
});

test("a start below the compacted revision is compacted; at it, what remains is replayed", () => {
  const store = new MvccStore(openDatabase(":memory:", { durable: false }));
  for (let i = 0; i < 5; i++) store.put({ key: b("a"), value: b(`${i}`) }); // 2..6
  store.compact(4);
  assert.throws(() => store.history({ key: b("a"), start_revision: 3, limit_rows: 10 }), (e: unknown) =>
    e instanceof EtcdError && e.message === "etcdserver: mvcc: required revision has been compacted");
  const page = store.history({ key: b("a"), start_revision: 4, limit_rows: 10, prev_kv: true });
  assert.equal(page.events.map(ev), ["PUT a=2@c2m4v3l0 prev -", "PUT a=3@c2m5v4l0 prev a=2@c2m4v3l0", "PUT a=4@c2m6v5l0 prev a=3@c2m5v4l0"]);
});

test.run();
