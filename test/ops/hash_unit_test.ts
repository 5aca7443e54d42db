/**
 * The pure parts of HashKV and its stepping: CRC-32C's check value and streaming, the mvccpb.KeyValue and
 * revision bytes etcd stores (hand-encoded from the .proto), and a walk in one-row steps giving the same hash
 * as in one step, yielding between steps, and restarting when a compaction lands in the middle of it.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { crc32cUpdate } from "../../src/mvcc/hash_crc32c.ts";
import { keyValueBytes, revisionBytes } from "../../src/mvcc/hash_record.ts";
import { MvccStore } from "../../src/mvcc/mod.ts";
import { KvHasher } from "../../src/storage/hash_kv.ts";
import { openDatabase } from "../../src/storage/sqlite_bun.ts";

const enc = new TextEncoder();
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");

test("CRC-32C: the standard check value, and streaming equals one pass", () => {
  assert.is(crc32cUpdate(0, enc.encode("123456789")), 0xe3069283);
  const data = new Uint8Array(1000).map((_, i) => (i * 31) & 0xff);
  const whole = crc32cUpdate(0, data);
  for (const cut of [0, 1, 7, 8, 9, 500, 999, 1000]) {
    assert.is(crc32cUpdate(crc32cUpdate(0, data.subarray(0, cut)), data.subarray(cut)), whole, `cut at ${cut}`);
  }
  assert.is(crc32cUpdate(0, new Uint8Array()), 0);
});

test("revision keys: 8-byte big-endian main, '_', 8-byte sub, 't' on a deletion", () => {
  assert.is(hex(revisionBytes(2, 0, false)), "0000000000000002" + "5f" + "0000000000000000");
  assert.is(hex(revisionBytes(0x0102030405, 3, true)), "0000000102030405" + "5f" + "0000000000000003" + "74");
  assert.throws(() => revisionBytes(-1, 0, false));
});

test("KeyValue bytes: fields in order, zeros left out, negative lease as a 10-byte varint, a deletion has the key only", () => {
  const row = { key: enc.encode("a"), main: 2, sub: 0, tombstone: false, createRevision: 2, version: 1, value: enc.encode("1"), lease: 0n };
  assert.is(hex(keyValueBytes(row)), "0a0161" + "1002" + "1802" + "2001" + "2a0131");
  assert.is(hex(keyValueBytes({ ...row, value: new Uint8Array(), lease: 7777n })), "0a0161100218022001" + "30e13c");
  assert.is(hex(keyValueBytes({ ...row, main: 300 })), "0a0161" + "1002" + "18ac02" + "2001" + "2a0131");
  assert.is(hex(keyValueBytes({ ...row, lease: -1n })).slice(-22), "30ffffffffffffffffff01");
  assert.is(hex(keyValueBytes({ ...row, tombstone: true })), "0a0161");
  const long = { ...row, key: new Uint8Array(200).fill(0x6b) };
  assert.is(hex(keyValueBytes(long)).slice(0, 6), "0ac801");
});

function filledStore(): { store: MvccStore; hasher: (stepRows: number, yieldStep?: () => Promise<void>) => KvHasher } {
  const db = openDatabase(":memory:", { durable: false });
  const store = new MvccStore(db);
  for (let i = 0; i < 40; i++) store.put({ key: enc.encode(`k${i % 7}`), value: enc.encode(`v${i}`) });
  store.deleteRange({ key: enc.encode("k3") });
  const revisions = () => ({ current: store.currentRevision(), compacted: store.compactedRevision() });
  return { store, hasher: (stepRows, yieldStep) => new KvHasher(db, revisions, { stepRows, ...(yieldStep ? { yieldStep } : {}) }) };
}

test("a walk in one-row steps hashes as one in a single step, and yields between steps", async () => {
  const { store, hasher } = filledStore();
  store.compact(20, { physical: true });
  let yields = 0;
  const stepped = await hasher(1, async () => void yields++).hashKv(0);
  const whole = await hasher(1_000_000).hashKv(0);
  assert.equal(stepped, whole);
  assert.is(whole.compactRevision, 20);
  assert.ok(yields >= 20, `yielded ${yields} times`);
  assert.is.not((await hasher(3).hashKv(30)).hash, whole.hash, "an earlier revision hashes differently");
});

test("a compaction during the walk restarts it at the new compacted revision", async () => {
  const { store, hasher } = filledStore();
  let compacted = false;
  const racing = hasher(2, async () => {
    if (compacted) return;
    compacted = true;
    store.compact(25, { physical: true });
  });
  const result = await racing.hashKv(0);
  assert.is(result.compactRevision, 25);
  assert.equal(result, await hasher(1_000).hashKv(0));
});

test("revision bounds: at or below the compacted one, and above the current one, are refused", async () => {
  const { store, hasher } = filledStore();
  store.compact(10);
  const h = hasher(100);
  const refusal = async (rev: number): Promise<string> => {
    try {
      await h.hashKv(rev);
    } catch (error) {
      return (error as Error).message;
    }
    return "answered";
  };
  assert.match(await refusal(10), /compacted/);
  assert.match(await refusal(store.currentRevision() + 1), /future/);
  assert.is(await refusal(11), "answered");
  const onlyName = crc32cUpdate(0, enc.encode("key"));
  assert.is((await h.hashKv(-5)).hash, onlyName, "a negative revision hashes the bucket name only, as etcd");
});

test.run();
