/**
 * The gRPC fuzzer's pure parts: the method list covers every service, every baseline is a message its
 * method decodes, a seed gives the same calls, the varint writer is protobuf's, and the safety check keeps
 * out exactly the requests that could reach the sentinels or turn authentication on.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { decodeProtobuf, encodeProtobuf } from "../../src/codec/protobuf.ts";
import type { MessageKind } from "../../src/codec/schema.ts";
import { Prng } from "../../src/sim/prng.ts";
import { judgeGrpc } from "./findings.ts";
import { grpcFrame, isSafe, messageMutations, protobufBaseline, varint } from "./grpc_mutations.ts";
import { grpcBatches, grpcMethods } from "./grpc_plan.ts";

const OPTIONS = { maxMessageBytes: 2_097_152, fieldsPerMessage: 4, unknownPerMessage: 6 };
const PLAN = { ...OPTIONS, requestTimeoutMs: 1_000, batchSteps: 60 };

test("every service is listed, and every method's baseline decodes as its request", () => {
  const methods = grpcMethods();
  const services = new Set(methods.map((m) => m.path.split("/")[1]));
  for (const service of ["etcdserverpb.KV", "etcdserverpb.Watch", "etcdserverpb.Lease", "etcdserverpb.Cluster", "etcdserverpb.Maintenance", "etcdserverpb.Auth", "v3lockpb.Lock", "v3electionpb.Election"]) {
    assert.ok(services.has(service), service);
  }
  assert.equal(methods.filter((m) => m.streaming).map((m) => m.path).sort(), [
    "/etcdserverpb.Lease/LeaseKeepAlive",
    "/etcdserverpb.Maintenance/Snapshot",
    "/etcdserverpb.Watch/Watch",
    "/v3electionpb.Election/Observe",
  ]);
  for (const m of methods) decodeProtobuf(m.request as MessageKind, protobufBaseline(m.request));
  const put = decodeProtobuf<{ key: Uint8Array }>("PutRequest", protobufBaseline("PutRequest"));
  assert.is(new TextDecoder().decode(put.key), "zfuzz/p");
});

test("a seed gives the same calls; another seed other ones", () => {
  const kinds = grpcMethods().map((m) => m.request);
  const a = messageMutations("TxnRequest", kinds, new Prng(7), OPTIONS);
  const b = messageMutations("TxnRequest", kinds, new Prng(7), OPTIONS);
  const c = messageMutations("TxnRequest", kinds, new Prng(8), OPTIONS);
  assert.equal(a.map((m) => [m.name, [...m.data]]), b.map((m) => [m.name, [...m.data]]));
  assert.not.equal(a.map((m) => [...m.data]), c.map((m) => [...m.data]));
  const counters = { grpcUnsafeSkipped: 0 };
  const batches = grpcBatches(new Prng(1), PLAN, counters);
  const paths = new Set(batches.flatMap((batch) => batch.steps.map((s) => s.route)));
  for (const m of grpcMethods()) assert.ok(paths.has(m.path), m.path);
  assert.ok(batches.flatMap((batch) => batch.steps).length > 1_000);
});

test("the plan sends every unknown-field case though each method gets only a few, the same for a seed", () => {
  const plan = { ...PLAN, unknownPerMessage: 3 };
  const unknownCases = (seed: number): string[] =>
    grpcBatches(new Prng(seed), plan, { grpcUnsafeSkipped: 0 })
      .flatMap((batch) => batch.steps.map((s) => s.mutation))
      .filter((name) => name.startsWith("protobuf: unknown field, "));
  const sent = unknownCases(3);
  assert.equal(new Set(sent).size, 13, [...new Set(sent)].join("; "));
  assert.ok(sent.length <= grpcMethods().length * 3, `${sent.length} unknown-field calls`);
  assert.equal(unknownCases(3), sent);
});

test("varint: protobuf's encoding, negatives in 10 bytes", () => {
  assert.equal([...varint(1n)], [1]);
  assert.equal([...varint(300n)], [0xac, 0x02]);
  assert.equal([...varint(-1n)], [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
  assert.equal([...grpcFrame(Uint8Array.of(9), { flag: 1, declaredBytes: 0xffff_ffff })], [1, 0xff, 0xff, 0xff, 0xff, 9]);
});

test("isSafe: keys before zfuzz/, an empty key with a range end, root and undecodable bytes", () => {
  const frame = (kind: MessageKind, value: unknown): Uint8Array => grpcFrame(encodeProtobuf(kind, value));
  const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
  assert.ok(isSafe("DeleteRangeRequest", frame("DeleteRangeRequest", { key: bytes("zfuzz/a"), range_end: Uint8Array.of(0) })));
  assert.not.ok(isSafe("DeleteRangeRequest", frame("DeleteRangeRequest", { key: bytes("sentinel/plain") })));
  assert.not.ok(isSafe("DeleteRangeRequest", frame("DeleteRangeRequest", { key: new Uint8Array(0), range_end: Uint8Array.of(0) })));
  assert.not.ok(isSafe("PutRequest", frame("PutRequest", { key: bytes("a"), value: bytes("v") })));
  const txn = { success: [{ request_delete_range: { key: bytes("sentinel/"), range_end: bytes("sentinel0") } }] };
  assert.not.ok(isSafe("TxnRequest", frame("TxnRequest", txn)));
  assert.not.ok(isSafe("AuthUserAddRequest", frame("AuthUserAddRequest", { name: "root", password: "x" })));
  assert.ok(isSafe("AuthUserAddRequest", frame("AuthUserAddRequest", { name: "zfuzz-user", password: "x" })));
  assert.ok(isSafe("PutRequest", grpcFrame(Uint8Array.of(0x0a, 0x05, 0x61)))); // cut short: refused by the decoder
});

test("judgeGrpc: a status is fine, a leak, a hang, a 5xx and a missing status are findings", () => {
  const ctx = { route: "/etcdserverpb.KV/Range", encoding: "grpc", mutation: "m", request: "r", oversized: false, timeoutMs: 10 };
  const base = { messages: 0, timedOut: false, noStatus: false, elapsedMs: 1, httpStatus: 200 };
  assert.is(judgeGrpc({ ...base, grpcStatus: "13", grpcMessage: "grpc: error unmarshalling request: proto: x" }, ctx), undefined);
  assert.is(judgeGrpc({ ...base, grpcStatus: "2", grpcMessage: "TypeError: x is not a function" }, ctx)?.kind, "internal");
  assert.is(judgeGrpc({ ...base, grpcStatus: "2", grpcMessage: "cannot read undefined" }, ctx)?.kind, "internal");
  assert.is(judgeGrpc({ ...base, timedOut: true }, ctx)?.kind, "hang");
  assert.is(judgeGrpc({ ...base, httpStatus: 502, grpcStatus: "14" }, ctx)?.kind, "5xx");
  assert.is(judgeGrpc({ ...base, grpcStatus: "17" }, ctx)?.kind, "undecodable");
  assert.is(judgeGrpc({ ...base, noStatus: true }, ctx)?.kind, "dropped");
  assert.is(judgeGrpc({ ...base, noStatus: true }, { ...ctx, oversized: true }), undefined);
  assert.is(judgeGrpc({ ...base, messages: 1 }, ctx), undefined);
});

test.run();
