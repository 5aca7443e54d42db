/**
 * The pure parts of the gRPC front-end: message framing and its size bound, status trailers and their
 * percent-encoding, grpc-timeout, and the method table with grpc-go's texts for unknown methods (checked
 * against etcd 3.4 with a raw HTTP/2 client).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { EtcdError, GrpcCode } from "../../src/codec/errors.ts";
import { frameMessage, MessageReader } from "../../src/grpc/framing.ts";
import { resolveMethod } from "../../src/grpc/routes.ts";
import { parseServerArgs } from "../../src/server/config.ts";
import { decodeGrpcMessage, encodeGrpcMessage, parseGrpcTimeoutMs, statusTrailers } from "../../src/grpc/status.ts";

function errorOf(fn: () => unknown): EtcdError {
  try {
    fn();
  } catch (error) {
    assert.instance(error, EtcdError);
    return error as EtcdError;
  }
  throw new Error("expected a throw");
}

test("framing: messages split across and within chunks come out whole and in order", () => {
  const a = Uint8Array.of(1, 2, 3);
  const b = new Uint8Array(0);
  const c = new Uint8Array(300).fill(7);
  const all = new Uint8Array([...frameMessage(a), ...frameMessage(b), ...frameMessage(c)]);
  for (const cut of [1, 2, 4, 5, 8, 9, 200, all.length]) {
    const reader = new MessageReader({ maxMessageBytes: 1024 });
    const out: Uint8Array[] = [];
    for (let i = 0; i < all.length; i += cut) out.push(...reader.push(all.subarray(i, i + cut)));
    assert.equal(out.map((m) => [...m]), [[...a], [...b], [...c]], `chunks of ${cut}`);
    assert.is(reader.partial, false);
    assert.is(reader.count, 3);
  }
});

test("framing: a length over the limit is refused from its prefix alone, with grpc-go's text", () => {
  const reader = new MessageReader({ maxMessageBytes: 2_097_152 });
  const error = errorOf(() => reader.push(Uint8Array.of(0, 0xff, 0xff, 0xff, 0xff)));
  assert.is(error.code, GrpcCode.ResourceExhausted);
  assert.is(error.message, "grpc: received message larger than max (4294967295 vs. 2097152)");
});

test("framing: a compressed message is refused as etcd 3.4 refuses it; a cut one is partial", () => {
  const compressed = errorOf(() => new MessageReader({ maxMessageBytes: 10 }).push(Uint8Array.of(1, 0, 0, 0, 0)));
  assert.equal([compressed.code, compressed.message], [GrpcCode.Internal, "grpc: compressed flag set with identity or empty encoding"]);
  const odd = errorOf(() => new MessageReader({ maxMessageBytes: 10 }).push(Uint8Array.of(7, 0, 0, 0, 0)));
  assert.equal([odd.code, odd.message], [GrpcCode.Internal, "grpc: received unexpected payload format 7"]);
  const reader = new MessageReader({ maxMessageBytes: 10 });
  assert.equal(reader.push(Uint8Array.of(0, 0, 0, 0, 3, 1)), []);
  assert.is(reader.partial, true);
});

test("framing: the message count per stream is bounded", () => {
  const reader = new MessageReader({ maxMessageBytes: 10, maxMessages: 2 });
  assert.is(reader.push(new Uint8Array([...frameMessage(new Uint8Array(0)), ...frameMessage(new Uint8Array(0))])).length, 2);
  assert.is(errorOf(() => reader.push(frameMessage(new Uint8Array(0)))).code, GrpcCode.ResourceExhausted);
});

test("status: grpc-message is percent-encoded as gRPC does, and decodes back", () => {
  assert.is(encodeGrpcMessage("etcdserver: key is not provided"), "etcdserver: key is not provided");
  assert.is(encodeGrpcMessage("100% é\n"), "100%25 %C3%A9%0A");
  for (const text of ["a%b", "ünïcode ✓", "tab\there", ""]) assert.is(decodeGrpcMessage(encodeGrpcMessage(text)), text);
  assert.equal(statusTrailers(GrpcCode.OK, ""), { "grpc-status": "0" });
  assert.equal(statusTrailers(GrpcCode.NotFound, "x"), { "grpc-status": "5", "grpc-message": "x" });
});

test("status: grpc-timeout units, and a malformed one is refused", () => {
  assert.is(parseGrpcTimeoutMs(undefined), undefined);
  assert.is(parseGrpcTimeoutMs("5S"), 5_000);
  assert.is(parseGrpcTimeoutMs("2M"), 120_000);
  assert.is(parseGrpcTimeoutMs("1H"), 3_600_000);
  assert.is(parseGrpcTimeoutMs("250m"), 250);
  assert.is(parseGrpcTimeoutMs("3000u"), 3);
  assert.is(parseGrpcTimeoutMs("1000000n"), 1);
  for (const bad of ["", "5", "S", "123456789S", "5s", "-1S", "1.5S"]) {
    assert.throws(() => parseGrpcTimeoutMs(bad), (e: unknown) => e instanceof EtcdError, bad);
  }
});

test("routes: every etcd 3.4 method resolves; unknown ones get grpc-go's texts", () => {
  assert.is(resolveMethod("/etcdserverpb.KV/Range").kind, "unary");
  assert.equal(resolveMethod("/etcdserverpb.Watch/Watch"), { kind: "stream", stream: "watch" });
  assert.equal(resolveMethod("/etcdserverpb.Lease/LeaseKeepAlive"), { kind: "stream", stream: "keepalive" });
  assert.equal(resolveMethod("/etcdserverpb.Maintenance/Snapshot"), { kind: "stream", stream: "snapshot" });
  const methods = [
    "KV/Put", "KV/DeleteRange", "KV/Txn", "KV/Compact", "Lease/LeaseGrant", "Lease/LeaseRevoke", "Lease/LeaseTimeToLive",
    "Lease/LeaseLeases", "Cluster/MemberAdd", "Cluster/MemberRemove", "Cluster/MemberUpdate", "Cluster/MemberList",
    "Cluster/MemberPromote", "Maintenance/Alarm", "Maintenance/Status", "Maintenance/Defragment", "Maintenance/Hash",
    "Maintenance/HashKV", "Maintenance/MoveLeader", "Auth/AuthEnable", "Auth/UserList", "Auth/RoleRevokePermission",
  ];
  for (const m of methods) assert.is(resolveMethod(`/etcdserverpb.${m}`).kind, "unary", m);
  assert.is(resolveMethod("/v3lockpb.Lock/Lock").kind, "unary");
  assert.is(resolveMethod("/v3electionpb.Election/Campaign").kind, "unary");
  const texts: [string, GrpcCode, string][] = [
    ["/etcdserverpb.KV/Nope", GrpcCode.Unimplemented, "unknown method Nope for service etcdserverpb.KV"],
    ["/etcdserverpb.Nope/Range", GrpcCode.Unimplemented, "unknown service etcdserverpb.Nope"],
    ["/nope", GrpcCode.ResourceExhausted, 'malformed method name: "/nope"'],
    ["/etcdserverpb.KV/toString", GrpcCode.Unimplemented, "unknown method toString for service etcdserverpb.KV"],
    ["/constructor/x", GrpcCode.Unimplemented, "unknown service constructor"],
  ];
  for (const [path, code, message] of texts) {
    const resolved = resolveMethod(path);
    assert.is(resolved.kind, "error", path);
    if (resolved.kind !== "error") continue;
    assert.is(resolved.error.code, code, path);
    assert.is(resolved.error.message, message, path);
  }
});

test("config: --listen-client-http-urls is etcd 3.5's split; absent, nothing changes", () => {
  const plain = parseServerArgs([], {});
  assert.is(plain.kind, "run");
  if (plain.kind === "run") assert.equal(plain.config.listenClientHttpUrls, []);
  const split = parseServerArgs(["--listen-client-http-urls", "http://127.0.0.1:1,https://127.0.0.1:2"], {});
  assert.is(split.kind, "run");
  if (split.kind === "run") assert.equal(split.config.listenClientHttpUrls.map(String), ["http://127.0.0.1:1/", "https://127.0.0.1:2/"]);
  const fromEnv = parseServerArgs([], { ETCD_LISTEN_CLIENT_HTTP_URLS: "http://127.0.0.1:3" });
  assert.is(fromEnv.kind === "run" && fromEnv.config.listenClientHttpUrls.length, 1);
  const bad = parseServerArgs(["--listen-client-http-urls", "unix://x"], {});
  assert.equal(bad, { kind: "error", message: '--listen-client-http-urls: URL scheme must be http or https: "unix://x"', exitCode: 1 });
});

test.run();
