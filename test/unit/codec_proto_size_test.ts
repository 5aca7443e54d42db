/**
 * protoSizeBytes against the sizes etcd 3.4.23 itself reported for the same requests, in its error
 * "grpc: received message larger than max (N vs. 2097152)" (N is the protobuf size of the request).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { decodeJson } from "../../src/codec/json.ts";
import { protoSizeBytes, varintSizeBytes } from "../../src/codec/proto_size.ts";

const big = Buffer.from("x".repeat(2_100_000)).toString("base64");

test("sizes match etcd's own count for put, range and a txn with every field shape", () => {
  const put = decodeJson("PutRequest", JSON.stringify({ key: "YQ==", value: big, lease: "1234567890123", ignore_lease: true }));
  assert.is(protoSizeBytes("PutRequest", put), 2100017);
  const range = decodeJson(
    "RangeRequest",
    JSON.stringify({ key: big, range_end: "AA==", revision: "123456789", limit: "-5", sort_target: "VALUE", count_only: true }),
  );
  assert.is(protoSizeBytes("RangeRequest", range), 2100028);
  const txn = decodeJson(
    "TxnRequest",
    JSON.stringify({
      compare: [{ key: "YQ==", range_end: "Yg==", result: "GREATER", target: "MOD", mod_revision: "-3", value: big }],
      success: [
        { request_put: { key: "YQ==", lease: "-1", prev_kv: true } },
        { request_range: { key: "YQ==", limit: "300", sort_order: "DESCEND" } },
      ],
      failure: [{ request_txn: {} }],
    }),
  );
  assert.is(protoSizeBytes("TxnRequest", txn), 2100057);
});

test("varint sizes, negatives take ten bytes", () => {
  assert.is(varintSizeBytes(0), 1);
  assert.is(varintSizeBytes(127), 1);
  assert.is(varintSizeBytes(128), 2);
  assert.is(varintSizeBytes(600000), 3);
  assert.is(varintSizeBytes(-1), 10);
  assert.is(varintSizeBytes(2n ** 64n - 1n), 10);
  assert.is(protoSizeBytes("PutRequest", { key: new Uint8Array(1), value: new Uint8Array(600000) }), 600007);
});

test.run();
