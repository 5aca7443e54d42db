/**
 * Auth on the services that are not plain KV calls, on tsetcd and on etcd 3.4 side by side: a watch create
 * outside the user's READ range is answered as etcd answers it (created and canceled at once, watch id -1,
 * the gRPC error as the cancel reason) over the gateway and over gRPC; a put attaching a lease that holds a
 * key the user may not write, and a revoke of such a lease, are refused; root may revoke it; Hash and
 * HashKV and Defragment are root's.
 * Ports 28120–28125.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { connect } from "node:http2";
import { decodeProtobuf, encodeProtobuf } from "../../src/codec/protobuf.ts";
import { frameMessage, MessageReader } from "../../src/grpc/framing.ts";
import { startEtcd, startTsetcd, type TestServer } from "../grpc/servers.ts";
import { AuthRpcs, closeSessions, READWRITE, send, type Rpc, type Target } from "./matrix.ts";

const ENC = new TextEncoder();
const STREAM_LIMIT_MS = 5_000;
const servers: { name: string; server: TestServer; target: Target; root: string; alice: string }[] = [];

async function must(target: Target, rpc: Rpc, token?: string): Promise<Record<string, unknown>> {
  const outcome = await send("json", target, rpc, token);
  if (outcome.code !== 0) throw new Error(`${rpc.gateway}: ${outcome.message}`);
  return outcome.response ?? {};
}

test.before(async () => {
  const started = await Promise.all([
    startEtcd({ grpc: 28120, peer: 28121 }, { extraArgs: ["--bcrypt-cost", "4"] }).then((s) => ["etcd", s] as const),
    startTsetcd({ grpc: 28122, peer: 28123, http: 28124 }, { extraArgs: ["--bcrypt-cost", "4"] }).then((s) => ["tsetcd", s] as const),
  ]);
  for (const [name, server] of started) {
    const target = { httpUrl: server.httpUrl, grpcEndpoint: server.grpcEndpoint };
    for (const rpc of [
      AuthRpcs.userAdd("root", "rootpw"),
      AuthRpcs.roleAdd("root"),
      AuthRpcs.grantRole("root", "root"),
      AuthRpcs.roleAdd("rw"),
      AuthRpcs.grantPermission("rw", READWRITE, "/a", "/c"),
      AuthRpcs.userAdd("alice", "alicepw"),
      AuthRpcs.grantRole("alice", "rw"),
      AuthRpcs.enable(),
    ]) await must(target, rpc);
    const root = String((await must(target, AuthRpcs.authenticate("root", "rootpw"))).token);
    const alice = String((await must(target, AuthRpcs.authenticate("alice", "alicepw"))).token);
    servers.push({ name, server, target, root, alice });
  }
});

test.after(async () => {
  closeSessions();
  for (const { server } of servers) await server.stop();
});

/** The first answer of a gateway watch stream to one create request. */
async function gatewayWatch(target: Target, key: string, token?: string): Promise<Record<string, unknown>> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), STREAM_LIMIT_MS);
  try {
    const response = await fetch(`${target.httpUrl}/v3/watch`, {
      method: "POST",
      headers: token === undefined ? {} : { authorization: token },
      body: JSON.stringify({ create_request: { key: Buffer.from(key).toString("base64"), watch_id: 5 } }),
      signal: controller.signal,
    });
    const reader = response.body!.getReader();
    let text = "";
    for (let i = 0; i < 100 && !text.includes("\n"); i++) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    controller.abort();
    const result = (JSON.parse(text.split("\n")[0]!) as { result: Record<string, unknown> }).result;
    delete result.header;
    return result;
  } finally {
    clearTimeout(timer);
  }
}

/** The first WatchResponse of a gRPC Watch stream to one create request. */
function grpcWatch(endpoint: string, key: string, token?: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const session = connect(`http://${endpoint}`);
    session.on("error", () => {});
    const headers: Record<string, string> = { ":method": "POST", ":path": "/etcdserverpb.Watch/Watch", "content-type": "application/grpc", te: "trailers" };
    if (token !== undefined) headers.token = token;
    const stream = session.request(headers);
    const reader = new MessageReader({ maxMessageBytes: 1 << 20 });
    const timer = setTimeout(() => {
      session.destroy();
      reject(new Error("no watch response"));
    }, STREAM_LIMIT_MS);
    stream.on("error", () => {});
    stream.on("data", (chunk: Uint8Array) => {
      const messages = reader.push(new Uint8Array(chunk));
      if (messages.length === 0) return;
      clearTimeout(timer);
      const response = decodeProtobuf<Record<string, unknown>>("WatchResponse", messages[0]!);
      delete response.header;
      session.destroy();
      resolve(response);
    });
    stream.write(frameMessage(encodeProtobuf("WatchRequest", { create_request: { key: ENC.encode(key), watch_id: 5 } })));
  });
}

test("a watch create outside the user's range is canceled as etcd cancels it; inside it is created", async () => {
  const seen: Record<string, unknown[]> = {};
  for (const { name, target, alice } of servers) {
    seen[name] = [
      await gatewayWatch(target, "/z", alice),
      await gatewayWatch(target, "/b", alice),
      await gatewayWatch(target, "/b"),
      await grpcWatch(target.grpcEndpoint, "/z", alice),
      await grpcWatch(target.grpcEndpoint, "/b", alice),
      await grpcWatch(target.grpcEndpoint, "/b"),
    ];
  }
  const refused = seen.tsetcd![0] as Record<string, unknown>;
  assert.is(refused.cancel_reason, "rpc error: code = PermissionDenied desc = etcdserver: permission denied");
  assert.equal(JSON.stringify(seen.tsetcd), JSON.stringify(seen.etcd));
});

test("a lease holding a key the user may not write: attaching to it and revoking it are refused; root may", async () => {
  const answers: Record<string, string[]> = {};
  for (const { name, target, root, alice } of servers) {
    const lease = (await must(target, {
      gateway: "/v3/lease/grant", grpc: "", request: "LeaseGrantRequest", response: "LeaseGrantResponse", body: { TTL: 60 },
    }, root)).ID as string;
    const put = (key: string): Rpc => ({
      gateway: "/v3/kv/put", grpc: "", request: "PutRequest", response: "PutResponse",
      body: { key: ENC.encode(key), value: ENC.encode("v"), lease: BigInt(lease) },
    });
    const revoke: Rpc = { gateway: "/v3/lease/revoke", grpc: "", request: "LeaseRevokeRequest", response: "LeaseRevokeResponse", body: { ID: BigInt(lease) } };
    answers[name] = [
      (await send("json", target, put("/b"), alice)).message, // the lease holds nothing yet
      (await send("json", target, put("/z"), root)).message,
      (await send("json", target, put("/b2"), alice)).message, // now it holds /z
      (await send("json", target, revoke, alice)).message,
      (await send("json", target, revoke, root)).message,
    ];
  }
  assert.equal(answers.tsetcd, ["ok", "ok", "etcdserver: permission denied", "etcdserver: permission denied", "ok"]);
  assert.equal(answers.tsetcd, answers.etcd);
});

test("Hash, HashKV and Defragment are root's, refused with the auth store's own texts (code Unknown), as etcd 3.4", async () => {
  const answers: Record<string, string[]> = {};
  for (const { name, target, root, alice } of servers) {
    const hash: Rpc = { gateway: "", grpc: "/etcdserverpb.Maintenance/Hash", request: "HashRequest", response: "HashResponse", body: {} };
    const hashKv: Rpc = { gateway: "", grpc: "/etcdserverpb.Maintenance/HashKV", request: "HashKVRequest", response: "HashKVResponse", body: {} };
    const defrag: Rpc = {
      gateway: "", grpc: "/etcdserverpb.Maintenance/Defragment", request: "DefragmentRequest", response: "DefragmentResponse", body: {},
    };
    answers[name] = [];
    for (const rpc of [hash, hashKv, defrag]) {
      for (const token of [alice, undefined, root]) {
        const outcome = await send("grpc", target, rpc, token);
        answers[name]!.push(`${outcome.code} ${outcome.message}`);
      }
    }
  }
  const rootOnly = ["2 auth: permission denied", "2 auth: user name is empty", "0 ok"];
  assert.equal(answers.tsetcd, [...rootOnly, ...rootOnly, ...rootOnly]);
  assert.equal(answers.tsetcd, answers.etcd);
});

test.run();
