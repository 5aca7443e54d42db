/**
 * What the gRPC fuzzer's differential run against etcd 3.4 found, each answered as etcd answers it (etcd
 * 3.4 and a default tsetcd side by side, the same raw HTTP/2 calls to each):
 * - two messages in one write to a unary method: the call runs on the first (tsetcd refused the stream);
 * - the compressed flag on a message of an identity-encoded call, or a flag byte that is neither 0 nor 1:
 *   grpc-go's Internal texts (tsetcd said Unimplemented, "Decompressor is not installed");
 * - a grpc-encoding etcd has no decompressor for: Unimplemented before any message is read (tsetcd
 *   ignored the header and served the call);
 * - content types that only start like gRPC's (application/grpcx, application/grpc-web) are not gRPC
 *   (tsetcd served them as gRPC calls);
 * - a grpc-timeout already past (0n): DeadlineExceeded (tsetcd served the call first).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { encodeProtobuf } from "../../src/codec/protobuf.ts";
import { concatBytes } from "../fuzz/wire.ts";
import { grpcFrame } from "../fuzz/grpc_mutations.ts";
import { type GrpcOutcome, sendGrpc } from "../fuzz/grpc_probe.ts";
import { startEtcd, startTsetcd, type TestServer } from "./servers.ts";

const servers: TestServer[] = [];
const CALL_LIMIT_MS = 5_000;
const ENC = new TextEncoder();

test.before(async () => {
  servers.push(...await Promise.all([startEtcd({ grpc: 26600, peer: 26601 }), startTsetcd({ grpc: 26610, peer: 26611 })]));
});

test.after(async () => {
  for (const server of servers) await server.stop();
});

function port(server: TestServer): number {
  return Number(server.grpcEndpoint.split(":")[1]);
}

function call(server: TestServer, path: string, data: Uint8Array, headers: Record<string, string> = {}): Promise<GrpcOutcome> {
  return sendGrpc({
    port: port(server),
    headers: { ":method": "POST", ":path": path, "content-type": "application/grpc", te: "trailers", "grpc-timeout": "5S", ...headers },
    data,
    after: "end",
    firstOnly: false,
    timeoutMs: CALL_LIMIT_MS,
  });
}

/** The same call on both servers; returns [etcd, tsetcd]. */
async function both(path: string, data: Uint8Array, headers: Record<string, string> = {}): Promise<[GrpcOutcome, GrpcOutcome]> {
  return [await call(servers[0]!, path, data, headers), await call(servers[1]!, path, data, headers)];
}

function status(o: GrpcOutcome): [string | undefined, string | undefined] {
  return [o.grpcStatus, o.grpcMessage ?? ""];
}

const put = (key: string): Uint8Array => grpcFrame(encodeProtobuf("PutRequest", { key: ENC.encode(key), value: ENC.encode("v") }));

test("two messages in one write to a unary method: the call runs on the first, as on etcd 3.4", async () => {
  const [etcd, ours] = await both("/etcdserverpb.KV/Put", concatBytes(put("parity/a"), put("parity/b")));
  assert.equal(status(etcd), ["0", ""]);
  assert.equal(status(ours), status(etcd));
  assert.is(ours.messages, 1);
  const [etcdGet, oursGet] = await both("/etcdserverpb.KV/Range", grpcFrame(encodeProtobuf("RangeRequest", { key: ENC.encode("parity/b") })));
  assert.equal([etcdGet.grpcStatus, oursGet.grpcStatus], ["0", "0"]);
});

test("a compressed flag on an identity call, and a flag byte of 255: grpc-go's Internal texts", async () => {
  const range = encodeProtobuf("RangeRequest", { key: ENC.encode("parity/a") });
  for (const flag of [1, 255]) {
    const [etcd, ours] = await both("/etcdserverpb.KV/Range", grpcFrame(range, { flag }));
    assert.is(etcd.grpcStatus, "13", `etcd, flag ${flag}`);
    assert.equal(status(ours), status(etcd), `flag ${flag}`);
  }
  const [etcd, ours] = await both("/etcdserverpb.Watch/Watch", grpcFrame(range, { flag: 1 }));
  assert.equal(status(ours), status(etcd), "on a stream");
});

test("a grpc-encoding with no decompressor: Unimplemented before the message is read", async () => {
  const range = grpcFrame(encodeProtobuf("RangeRequest", { key: ENC.encode("parity/a") }));
  for (const encoding of ["gzip", "zfuzz"]) {
    const [etcd, ours] = await both("/etcdserverpb.KV/Range", range, { "grpc-encoding": encoding });
    assert.equal(status(etcd), ["12", `grpc: Decompressor is not installed for grpc-encoding "${encoding}"`]);
    assert.equal(status(ours), status(etcd));
  }
  const [etcd, ours] = await both("/etcdserverpb.KV/Range", range, { "grpc-encoding": "identity" });
  assert.equal([etcd.grpcStatus, ours.grpcStatus], ["0", "0"]);
});

test("application/grpcx and application/grpc-web are not gRPC; application/grpc+proto is", async () => {
  const range = grpcFrame(encodeProtobuf("RangeRequest", { key: ENC.encode("parity/a") }));
  for (const type of ["application/grpcx", "application/grpc-web"]) {
    const [etcd, ours] = await both("/etcdserverpb.KV/Range", range, { "content-type": type });
    assert.not.ok(etcd.grpcStatus === "0" && etcd.messages === 1, `etcd served ${type}`);
    assert.not.ok(ours.grpcStatus === "0" && ours.messages === 1, `tsetcd served ${type} as a gRPC call: ${JSON.stringify(ours)}`);
  }
  const [etcd, ours] = await both("/etcdserverpb.KV/Range", range, { "content-type": "application/grpc+proto" });
  assert.equal([etcd.grpcStatus, ours.grpcStatus], ["0", "0"]);
});

test("a grpc-timeout of 0n: DeadlineExceeded, not an answer", async () => {
  const range = grpcFrame(encodeProtobuf("RangeRequest", { key: ENC.encode("parity/a") }));
  const [etcd, ours] = await both("/etcdserverpb.KV/Range", range, { "grpc-timeout": "0n" });
  // etcd answers DeadlineExceeded, or Unknown with the same text when its own code meets the expired
  // context first (observed: about 1 run in 4); never the range itself.
  assert.ok(["2", "4"].includes(etcd.grpcStatus ?? ""), `etcd: ${JSON.stringify(etcd)}`);
  assert.is(etcd.grpcMessage, "context deadline exceeded");
  assert.equal(status(ours), ["4", "context deadline exceeded"]);
});

test.run();
