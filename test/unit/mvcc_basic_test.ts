import { test } from "uvu";
import * as assert from "uvu/assert";
import { openDatabase } from "../../src/storage/sqlite_bun.ts";
import { MvccStore } from "../../src/mvcc/mod.ts";
import type { KeyValue } from "../../src/codec/messages.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
function b(s: string): Uint8Array {
  return enc.encode(s);
}
function fresh(): MvccStore {
  return new MvccStore(openDatabase(":memory:", { durable: false }));
}
function brief(kv: KeyValue): string {
  return `${dec.decode(kv.key)}=${dec.decode(kv.value)}@c${kv.create_revision}m${kv.mod_revision}v${kv.version}`;
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
});

test.run();
