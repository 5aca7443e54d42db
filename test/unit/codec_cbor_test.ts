/**
 * CBOR codec: exact round-trips of bytes and 64-bit ids (uint64 ≥ 2^63, negatives), a stateless wire
 * format another decoder instance can read, and the same errors as the JSON codec for wrong shapes.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { decodeCbor, encodeCbor } from "../../src/codec/cbor.ts";
// Imported after the codec, as any other module would be: the codec must keep the native addon off.
import { Decoder, Encoder, isNativeAccelerationEnabled } from "cbor-x";
import { EtcdError, GrpcCode } from "../../src/codec/errors.ts";
import { decodeJson } from "../../src/codec/json.ts";
import type { LeaseGrantRequest, Member, PutRequest, RangeResponse } from "../../src/codec/messages.ts";
import type { MessageKind } from "../../src/codec/schema.ts";

const enc = new TextEncoder();

function rangeResponse(): RangeResponse {
  return {
    header: { cluster_id: 2n ** 64n - 1n, member_id: 2n ** 63n + 5n, revision: 42, raft_term: 3 },
    kvs: [
      { key: enc.encode("a"), value: new Uint8Array([0, 255, 1]), create_revision: 2, mod_revision: 40, version: 7, lease: -(2n ** 63n) },
      { key: enc.encode("b"), value: new Uint8Array(0), create_revision: 3, mod_revision: 3, version: 1, lease: 9007199254740993n },
    ],
    more: true,
    count: 2,
  };
}

test("a RangeResponse round-trips exactly, bigints above 2^53 and 2^63 and negatives included", () => {
  const value = rangeResponse();
  const back = decodeCbor<RangeResponse>("RangeResponse", encodeCbor(value));
  assert.equal(back, value);
  assert.is(back.header.cluster_id, 2n ** 64n - 1n);
  assert.is(back.kvs[0]!.lease, -(2n ** 63n));
  assert.is(back.kvs[1]!.lease, 9007199254740993n);
  assert.is(typeof back.count, "number");
  assert.is(back.kvs[0]!.value.constructor, Uint8Array); // plain Uint8Array, not a Buffer
});

test("a PutRequest round-trips and absent fields come back as zero values", () => {
  const put: PutRequest = { key: enc.encode("k"), value: enc.encode("v"), lease: 5n };
  const back = decodeCbor<PutRequest>("PutRequest", encodeCbor(put));
  assert.equal(Array.from(back.key), [0x6b]);
  assert.is(back.lease, 5n);
  assert.is(back.prev_kv, false);
  const small = decodeCbor<LeaseGrantRequest>("LeaseGrantRequest", encodeCbor({ TTL: 5, ID: 7 }));
  assert.is(small.ID, 7n); // a number on the wire still becomes a bigint id
  const member = decodeCbor<Member>("Member", encodeCbor({ ID: 2n ** 64n - 1n, name: "m", peerURLs: ["http://x"] }));
  assert.is(member.ID, 2n ** 64n - 1n);
  assert.equal(member.clientURLs, []);
});

test("the encoding is stateless: same bytes every time, readable by an independent decoder", () => {
  const value = rangeResponse();
  const first = encodeCbor(value);
  for (let i = 0; i < 5; i++) assert.equal(Array.from(encodeCbor(value)), Array.from(first));
  // A default cbor-x Decoder (another process's view) decodes it without any shared structures.
  const other = new Decoder({ mapsAsObjects: true }).decode(first) as Record<string, unknown>;
  assert.is((other.header as Record<string, unknown>).member_id, 2n ** 63n + 5n);
  // And we decode what an independent plain encoder writes.
  const foreign = new Encoder({ useRecords: false }).encode({ key: enc.encode("z"), lease: 1n });
  assert.equal(Array.from(decodeCbor<PutRequest>("PutRequest", foreign).key), [0x7a]);
});

test("empty input is the zero message; malformed CBOR is InvalidArgument", () => {
  assert.is(decodeCbor<PutRequest>("PutRequest", new Uint8Array(0)).key.length, 0);
  for (const bad of [new Uint8Array([0xff]), new Uint8Array([0x1b, 0x00]), new Uint8Array([0xa1, 0x61])]) {
    assert.throws(
      () => decodeCbor("PutRequest", bad),
      (err: unknown) => err instanceof EtcdError && err.code === GrpcCode.InvalidArgument && err.message.startsWith("cbor: "),
    );
  }
});

test("wrong types give the same EtcdError as the equivalent JSON", () => {
  const cases: [MessageKind, unknown, string][] = [
    ["RangeRequest", { key: 5 }, '{"key":5}'],
    ["RangeRequest", { key: enc.encode("a"), limit: 1.5 }, '{"key":"YQ==","limit":1.5}'],
    ["RangeRequest", { key: enc.encode("a"), limit: true }, '{"key":"YQ==","limit":true}'],
    ["RangeRequest", { key: enc.encode("a"), limit: "x" }, '{"key":"YQ==","limit":"x"}'],
    ["RangeRequest", { sort_order: "BOGUS" }, '{"sort_order":"BOGUS"}'],
    ["RangeRequest", { serializable: "true" }, '{"serializable":"true"}'],
    ["RangeRequest", [1], "[1]"],
    ["TxnRequest", { compare: 5 }, '{"compare":5}'],
    ["TxnRequest", { success: [{ request_put: 5 }] }, '{"success":[{"request_put":5}]}'],
    ["MemberRemoveRequest", { ID: -1 }, '{"ID":-1}'],
    ["MemberAddRequest", { peerURLs: [1] }, '{"peerURLs":[1]}'],
  ];
  for (const [kind, value, json] of cases) {
    let jsonError: EtcdError | undefined;
    try {
      decodeJson(kind, json);
    } catch (err) {
      jsonError = err as EtcdError;
    }
    assert.instance(jsonError, EtcdError, json);
    try {
      decodeCbor(kind, encodeCbor(value));
      assert.unreachable(`CBOR accepted ${json}`);
    } catch (err) {
      assert.instance(err, EtcdError, json);
      assert.is((err as EtcdError).message, jsonError!.message, json);
      assert.is((err as EtcdError).code, jsonError!.code, json);
    }
  }
});

test("bigint ids outside any 64-bit type are refused", () => {
  const isRangeError = (err: unknown): boolean =>
    err instanceof EtcdError && /^json: cannot unmarshal number -?\d+ into Go value of type int64$/.test(err.message);
  assert.throws(() => decodeCbor("LeaseRevokeRequest", encodeCbor({ ID: 2n ** 64n + 1n })), isRangeError);
  assert.throws(() => decodeCbor("LeaseRevokeRequest", encodeCbor({ ID: -(2n ** 63n) - 1n })), isRangeError);
  assert.is(decodeCbor<{ ID: bigint }>("LeaseRevokeRequest", encodeCbor({ ID: -(2n ** 63n) })).ID, -(2n ** 63n));
});

test("cbor-x's native string extractor stays off (it crashes Bun 1.4)", () => {
  assert.is(isNativeAccelerationEnabled, false);
  const names = Array.from({ length: 50 }, (_, i) => "member-name-" + "x".repeat(i));
  const value = { header: { revision: 1 }, members: names.map((name, i) => ({ ID: BigInt(i), name })) };
  const back = decodeCbor<{ members: { name: string }[] }>("MemberListResponse", encodeCbor(value));
  assert.equal(back.members.map((m) => m.name), names);
});

test.run();
