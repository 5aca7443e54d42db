/**
 * The request boundary (src/server/boundary.ts): for every request kind, an empty body, `{}` and `null`
 * are the complete zero message in both encodings, and each check answers etcd 3.4's code and message
 * (compared live with etcd 3.4.23 over its gateway; the answers are noted per case).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { encodeCbor } from "../../src/codec/cbor.ts";
import { EtcdError, GrpcCode } from "../../src/codec/errors.ts";
import type { WireFormat } from "../../src/codec/http.ts";
import type {
  LeaseGrantRequest,
  MemberAddRequest,
  PutRequest,
  RangeRequest,
  TxnRequest,
} from "../../src/codec/messages.ts";
import {
  checkPeerUrls,
  readRequest,
  readRequestValue,
  type RequestKind,
} from "../../src/server/boundary.ts";

const enc = new TextEncoder();
const FORMATS: WireFormat[] = ["json", "cbor"];
const KINDS: RequestKind[] = [
  "RangeRequest", "PutRequest", "DeleteRangeRequest", "TxnRequest", "CompactionRequest", "LeaseGrantRequest",
  "LeaseRevokeRequest", "LeaseKeepAliveRequest", "LeaseTimeToLiveRequest", "LeaseLeasesRequest",
  "MemberAddRequest", "MemberRemoveRequest", "MemberUpdateRequest", "MemberListRequest", "MemberPromoteRequest",
  "StatusRequest", "MoveLeaderRequest", "WatchRequest",
];
/** Kinds whose zero message etcd refuses, with its answer. */
const ZERO_REFUSED: Partial<Record<RequestKind, [GrpcCode, string]>> = {
  RangeRequest: [GrpcCode.InvalidArgument, "etcdserver: key is not provided"],
  PutRequest: [GrpcCode.InvalidArgument, "etcdserver: key is not provided"],
  DeleteRangeRequest: [GrpcCode.InvalidArgument, "etcdserver: key is not provided"],
  MemberAddRequest: [GrpcCode.InvalidArgument, "etcdserver: given member URLs are invalid"],
};

function body(format: WireFormat, value: unknown): Uint8Array {
  if (value === undefined) return new Uint8Array(0);
  return format === "json" ? enc.encode(JSON.stringify(value)) : encodeCbor(value);
}

function read<T>(kind: RequestKind, format: WireFormat, value: unknown, maxTxnOps = 128): T {
  return readRequest<T>(kind, format, body(format, value), { maxTxnOps });
}

function refusal(fn: () => unknown): EtcdError {
  try {
    fn();
  } catch (error) {
    if (error instanceof EtcdError) return error;
    throw new Error(`not an EtcdError: ${error}`);
  }
  throw new Error("expected a refusal");
}

function assertRefused(fn: () => unknown, code: GrpcCode, message: string): void {
  const error = refusal(fn);
  assert.is(error.message, message);
  assert.is(error.code, code);
}

const bytes = (s: string): string => Buffer.from(s).toString("base64");
/** A field value of type bytes in `format`: base64 text in JSON, a byte string in CBOR. */
function key(format: WireFormat, s: string): unknown {
  return format === "json" ? bytes(s) : enc.encode(s);
}

for (const format of FORMATS) {
  test(`${format}: an empty body, {} and null are the zero message of every kind, or etcd's refusal of it`, () => {
    for (const kind of KINDS) {
      for (const value of [undefined, {}, null]) {
        const refused = ZERO_REFUSED[kind];
        if (refused !== undefined) {
          assertRefused(() => read(kind, format, value), refused[0], refused[1]);
          continue;
        }
        const message = read<Record<string, unknown>>(kind, format, value);
        assert.type(message, "object", `${kind} ${String(value)}`);
      }
    }
  });

  test(`${format}: the zero lease grant is complete: TTL 0 and ID 0 (the server picks an id, TTL becomes the minimum)`, () => {
    // etcd 3.4: `POST /v3/lease/grant` with '' → 200, TTL "2" (the minimum), a new id.
    for (const value of [undefined, {}, null, { TTL: null }]) {
      const grant = read<LeaseGrantRequest>("LeaseGrantRequest", format, value);
      assert.is(grant.TTL, 0);
      assert.is(grant.ID, 0n);
    }
  });

  test(`${format}: zero messages carry every field at its zero value`, () => {
    const put = read<PutRequest>("PutRequest", format, { key: key(format, "k") });
    assert.equal(put, {
      key: enc.encode("k"),
      value: new Uint8Array(0),
      lease: 0n,
      prev_kv: false,
      ignore_value: false,
      ignore_lease: false,
    });
    const txn = read<TxnRequest>("TxnRequest", format, undefined);
    assert.equal(txn, { compare: [], success: [], failure: [] });
    const add = read<MemberAddRequest>("MemberAddRequest", format, { peerURLs: ["http://127.0.0.1:2380"] });
    assert.equal(add, { peerURLs: ["http://127.0.0.1:2380"], isLearner: false });
  });

  test(`${format}: lease TTL bounds as etcd: above 9000000000 is too large, anything lower (negative too) passes`, () => {
    // etcd 3.4: {"TTL":9000000001} → 400 {"code":11,"message":"etcdserver: too large lease TTL"}.
    assertRefused(
      () => read("LeaseGrantRequest", format, { TTL: 9_000_000_001 }),
      GrpcCode.OutOfRange,
      "etcdserver: too large lease TTL",
    );
    assertRefused(
      () => read("LeaseGrantRequest", format, { TTL: "9223372036854775807" }),
      GrpcCode.OutOfRange,
      "etcdserver: too large lease TTL",
    );
    // etcd 3.4: 9000000000 → 200 TTL "9000000000"; -5 → 200 TTL "2"; ID -7 → 200 ID "-7".
    assert.is(read<LeaseGrantRequest>("LeaseGrantRequest", format, { TTL: 9_000_000_000 }).TTL, 9_000_000_000);
    assert.is(read<LeaseGrantRequest>("LeaseGrantRequest", format, { TTL: -5 }).TTL, -5);
    assert.is(read<LeaseGrantRequest>("LeaseGrantRequest", format, { TTL: 5, ID: -7 }).ID, -7n);
  });

  test(`${format}: numbers that are no int64 are refused with Go's text (NaN, Infinity, fractions, too big)`, () => {
    // etcd 3.4: {"TTL":1.5} → 400 "json: cannot unmarshal number 1.5 into Go value of type int64".
    assertRefused(
      () => read("LeaseGrantRequest", format, { TTL: 1.5 }),
      GrpcCode.InvalidArgument,
      "json: cannot unmarshal number 1.5 into Go value of type int64",
    );
    if (format === "cbor") {
      for (const [value, text] of [[Number.NaN, "NaN"], [Number.POSITIVE_INFINITY, "Infinity"], [1e300, "1e+300"]]) {
        assertRefused(
          () => read("CompactionRequest", format, { revision: value }),
          GrpcCode.InvalidArgument,
          `json: cannot unmarshal number ${text} into Go value of type int64`,
        );
      }
      assertRefused(
        () => read("LeaseGrantRequest", format, { TTL: 2n ** 70n }),
        GrpcCode.InvalidArgument,
        `json: cannot unmarshal number ${2n ** 70n} into Go value of type int64`,
      );
      // -0 is 0, as in Go.
      assert.is(Object.is(read<{ revision: number }>("CompactionRequest", format, { revision: -0 }).revision, 0), true);
      // A 64-bit id pattern is read as the field's type, as protobuf reads a varint: 2^64 - 1 as int64 is -1.
      assert.is(read<LeaseGrantRequest>("LeaseGrantRequest", format, { ID: 2n ** 64n - 1n }).ID, -1n);
      assert.is(read<{ ID: bigint }>("LeaseTimeToLiveRequest", format, { ID: 2n ** 63n }).ID, -(2n ** 63n));
    }
  });

  test(`${format}: wrong types per field are etcd's unmarshal errors`, () => {
    assertRefused(
      () => read("PutRequest", format, { key: { a: 1 } }),
      GrpcCode.InvalidArgument,
      "json: cannot unmarshal object into Go value of type []uint8",
    );
    assertRefused(
      () => read("RangeRequest", format, { key: key(format, "a"), serializable: "true" }),
      GrpcCode.InvalidArgument,
      "json: cannot unmarshal string into Go value of type bool",
    );
    assertRefused(
      () => read("LeaseGrantRequest", format, []),
      GrpcCode.InvalidArgument,
      "json: cannot unmarshal array into Go value of type map[string]json.RawMessage",
    );
    assertRefused(
      () => read("TxnRequest", format, { success: { request_put: {} } }),
      GrpcCode.InvalidArgument,
      "json: cannot unmarshal object into Go value of type []json.RawMessage",
    );
    assertRefused(
      () => read("MemberAddRequest", format, { peerURLs: "http://127.0.0.1:2380" }),
      GrpcCode.InvalidArgument,
      "json: cannot unmarshal string into Go value of type []json.RawMessage",
    );
  });

  test(`${format}: put, range and delete as etcd's checkPutRequest / checkRangeRequest`, () => {
    // etcd 3.4: {"key":"YQ==","ignore_value":true,"value":"YQ=="} → 400 "etcdserver: value is provided".
    assertRefused(
      () => read("PutRequest", format, { key: key(format, "a"), ignore_value: true, value: key(format, "v") }),
      GrpcCode.InvalidArgument,
      "etcdserver: value is provided",
    );
    assertRefused(
      () => read("PutRequest", format, { key: key(format, "a"), ignore_lease: true, lease: 5 }),
      GrpcCode.InvalidArgument,
      "etcdserver: lease is provided",
    );
    assertRefused(
      () => read("DeleteRangeRequest", format, { range_end: key(format, "z") }),
      GrpcCode.InvalidArgument,
      "etcdserver: key is not provided",
    );
  });

  test(`${format}: sort fields: an unknown order is etcd's unsorted key order, an unknown target is refused`, () => {
    // etcd 3.4: sort_order 7 with target VALUE → 200, rows in key order (no sorter runs).
    const range = read<RangeRequest>("RangeRequest", format, {
      key: key(format, "a"),
      sort_order: 7,
      sort_target: "VALUE",
    });
    assert.is(range.sort_order, 0);
    assert.is(range.sort_target, 0);
    // etcd 3.4 crashes on sort_target 9 (nil sorter); tsetcd refuses it.
    assertRefused(
      () => read("RangeRequest", format, { key: key(format, "a"), sort_target: 9 }),
      GrpcCode.InvalidArgument,
      "etcdserver: unknown sort target",
    );
    // Also inside a txn, nested ones included.
    const nested = {
      success: [{ request_txn: { failure: [{ request_range: { key: key(format, "a"), sort_target: -1 } }] } }],
    };
    assertRefused(() => read("TxnRequest", format, nested), GrpcCode.InvalidArgument, "etcdserver: unknown sort target");
  });

  test(`${format}: txn as etcd's checkTxnRequest, nested txns included`, () => {
    // etcd 3.4: {"success":[{}]} → 400 "etcdserver: key not found"; {"compare":[{}]} → "key is not provided".
    assertRefused(() => read("TxnRequest", format, { success: [{}] }), GrpcCode.InvalidArgument, "etcdserver: key not found");
    assertRefused(
      () => read("TxnRequest", format, { success: [{ request_txn: { success: [{}] } }] }),
      GrpcCode.InvalidArgument,
      "etcdserver: key not found",
    );
    assertRefused(() => read("TxnRequest", format, { compare: [{}] }), GrpcCode.InvalidArgument, "etcdserver: key is not provided");
    assertRefused(
      () => read("TxnRequest", format, { success: [{ request_put: {} }] }),
      GrpcCode.InvalidArgument,
      "etcdserver: key is not provided",
    );
    const put = { request_put: { key: key(format, "d") } };
    assertRefused(
      () => read("TxnRequest", format, { success: [put, put] }),
      GrpcCode.InvalidArgument,
      "etcdserver: duplicate key given in txn request",
    );
    const many = Array.from({ length: 3 }, (_, i) => ({ request_put: { key: key(format, `k${i}`) } }));
    assertRefused(
      () => read("TxnRequest", format, { success: many }, 2),
      GrpcCode.InvalidArgument,
      "etcdserver: too many operations in txn request",
    );
    // Nesting deeper than the op budget fails on the budget, before any recursion could run deep.
    let deep: Record<string, unknown> = { success: [put] };
    for (let i = 0; i < 200; i++) deep = { success: [{ request_txn: deep }] };
    assertRefused(() => read("TxnRequest", format, deep), GrpcCode.InvalidArgument, "etcdserver: too many operations in txn request");
  });
}

test("a message too large for gRPC is refused before any other check", () => {
  const big = { success: Array.from({ length: 500 }, () => ({})) };
  const error = refusal(() =>
    readRequest("TxnRequest", "json", enc.encode(JSON.stringify(big)), { maxTxnOps: 128, maxMessageBytes: 100 })
  );
  assert.is(error.code, GrpcCode.ResourceExhausted);
  assert.match(error.message, /^grpc: received message larger than max \(\d+ vs\. 100\)$/);
});

test("bad CBOR and bad JSON are the client's InvalidArgument, never another error", () => {
  for (const raw of [[0xff], [0xa1, 0x63], [0x5b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]]) {
    assert.is(refusal(() => readRequest("PutRequest", "cbor", new Uint8Array(raw))).code, GrpcCode.InvalidArgument);
  }
  assertRefused(
    () => readRequest("LeaseTimeToLiveRequest", "json", enc.encode('{"ID":"abc"}')),
    GrpcCode.InvalidArgument,
    "invalid character 'a' looking for beginning of value",
  );
  // Nesting deeper than the stack: a refusal, not a crash.
  const te = new TextEncoder();
  const level = [0xa1, 0x67, ...te.encode("success"), 0x81, 0xa1, 0x6b, ...te.encode("request_txn")];
  const deep = new Uint8Array(level.length * 50_000 + 1);
  for (let i = 0; i < 50_000; i++) deep.set(level, i * level.length);
  deep[deep.length - 1] = 0xa0;
  assert.is(refusal(() => readRequest("TxnRequest", "cbor", deep)).code, GrpcCode.InvalidArgument);
});

test("member peer URLs as etcd's types.NewURLs (and what our transport can dial)", () => {
  const bad = "etcdserver: given member URLs are invalid";
  // etcd 3.4 refuses all of these with 400 "given member URLs are invalid".
  for (const urls of [[], [""], ["foo"], ["http://"], ["http://a b"], ["ftp://1.2.3.4:5"], ["http://1.2.3.4"],
    ["http://1.2.3.4:5/path"], ["http://1.2.3.4:5/"], ["http://%zz"], ["http://1.2.3.4:x"]]) {
    assert.is(checkPeerUrls(urls)?.message, bad, JSON.stringify(urls));
  }
  // etcd 3.4 stores these; our transport could not dial them, so they are refused too.
  for (const urls of [["unix://1.2.3.4:5"], ["http://:8"], ["http://1.2.3.4:99999"]]) {
    assert.is(checkPeerUrls(urls)?.message, bad, JSON.stringify(urls));
  }
  // etcd 3.4 accepts these (a query, a fragment or user info does not make a path; the scheme is case-blind).
  for (const urls of [["http://1.2.3.4:5?x=1"], ["http://1.2.3.4:5#f"], ["http://u:p@1.2.3.4:5"], ["HTTP://1.2.3.4:6"],
    ["http://[::1]:7"], ["https://example.com:2380"], ["http://1.2.3.4:80"], ["http://a:1", "https://b:2"]]) {
    assert.is(checkPeerUrls(urls), undefined, JSON.stringify(urls));
  }
  assertRefused(() => read("MemberAddRequest", "json", { peerURLs: ["http://1.2.3.4:5/path"] }), GrpcCode.InvalidArgument, bad);
});

test("a stream frame's message goes through the same step", () => {
  assert.is(readRequestValue<{ ID: bigint }>("LeaseKeepAliveRequest", { ID: 5 }).ID, 5n);
  assert.is(readRequestValue<{ ID: bigint }>("LeaseKeepAliveRequest", undefined).ID, 0n);
  assertRefused(
    () => readRequestValue("LeaseKeepAliveRequest", { ID: 1.5 }),
    GrpcCode.InvalidArgument,
    "json: cannot unmarshal number 1.5 into Go value of type int64",
  );
});

test.run();
