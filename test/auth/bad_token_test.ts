/**
 * A token nobody issued, with auth DISABLED: etcd 3.4 reads the token on every call that goes through its
 * Raft door or its auth-aware services (AuthInfoFromCtx) and answers "etcdserver: invalid auth token"
 * (gRPC 16, gateway 401) — or, for the maintenance calls, its untranslated "auth: invalid auth token"
 * (code 2) — while the calls that never look (status, member list, lease time-to-live and leases,
 * Authenticate) are served. Each call is sent to etcd 3.4 and to tsetcd over the gateway and gRPC (tsetcd's
 * CBOR too, compared with etcd's JSON) and the answers (code and message) must agree; a watch create is
 * canceled with the gRPC error as its reason on both.
 * Ports 28160–28164.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { connect } from "node:http2";
import { decodeProtobuf, encodeProtobuf } from "../../src/codec/protobuf.ts";
import type { MessageKind } from "../../src/codec/schema.ts";
import { frameMessage, MessageReader } from "../../src/grpc/framing.ts";
import { startEtcd, startTsetcd, type TestServer } from "../grpc/servers.ts";
import { AuthRpcs, closeSessions, KvRpcs, type Rpc, send, type Target, type Transport } from "./matrix.ts";

const ENC = new TextEncoder();
const FORGED = "garbage-token";
const STREAM_LIMIT_MS = 5_000;
let etcd: TestServer | undefined;
let tsetcd: TestServer | undefined;

function rpc(service: string, method: string, gateway: string, kind: string, body: Record<string, unknown>): Rpc {
  return {
    gateway,
    grpc: `/etcdserverpb.${service}/${method}`,
    request: `${kind}Request` as MessageKind,
    response: `${kind}Response` as MessageKind,
    body,
  };
}

/** The calls and what etcd 3.4 answers each with a forged token (written down, then compared live too). */
const CALLS: { name: string; rpc: Rpc; expected: string }[] = [
  { name: "range", rpc: KvRpcs.range("a"), expected: "16 etcdserver: invalid auth token" },
  { name: "put", rpc: KvRpcs.put("a"), expected: "16 etcdserver: invalid auth token" },
  { name: "delete", rpc: KvRpcs.del("a"), expected: "16 etcdserver: invalid auth token" },
  { name: "txn", rpc: KvRpcs.txn({}), expected: "16 etcdserver: invalid auth token" },
  { name: "compact", rpc: rpc("KV", "Compact", "/v3/kv/compaction", "Compaction", { revision: 1n }), expected: "16 etcdserver: invalid auth token" },
  { name: "lease grant", rpc: rpc("Lease", "LeaseGrant", "/v3/lease/grant", "LeaseGrant", { TTL: 10n }), expected: "16 etcdserver: invalid auth token" },
  { name: "lease revoke", rpc: rpc("Lease", "LeaseRevoke", "/v3/kv/lease/revoke", "LeaseRevoke", { ID: 1n }), expected: "16 etcdserver: invalid auth token" },
  { name: "lease ttl", rpc: rpc("Lease", "LeaseTimeToLive", "/v3/kv/lease/timetolive", "LeaseTimeToLive", { ID: 1n }), expected: "0 ok" },
  { name: "leases", rpc: rpc("Lease", "LeaseLeases", "/v3/lease/leases", "LeaseLeases", {}), expected: "0 ok" },
  { name: "status", rpc: rpc("Maintenance", "Status", "/v3/maintenance/status", "Status", {}), expected: "0 ok" },
  { name: "alarm list", rpc: rpc("Maintenance", "Alarm", "/v3/maintenance/alarm", "Alarm", {}), expected: "2 auth: invalid auth token" },
  { name: "hash", rpc: rpc("Maintenance", "Hash", "/v3/maintenance/hash", "Hash", {}), expected: "2 auth: invalid auth token" },
  { name: "member list", rpc: rpc("Cluster", "MemberList", "/v3/cluster/member/list", "MemberList", {}), expected: "0 ok" },
  {
    name: "member add",
    rpc: rpc("Cluster", "MemberAdd", "/v3/cluster/member/add", "MemberAdd", { peerURLs: ["http://127.0.0.1:28169"] }),
    expected: "16 etcdserver: invalid auth token",
  },
  { name: "authenticate", rpc: AuthRpcs.authenticate("root", "pw"), expected: "9 etcdserver: authentication is not enabled" },
  { name: "user list", rpc: AuthRpcs.userList(), expected: "16 etcdserver: invalid auth token" },
  { name: "role list", rpc: AuthRpcs.roleList(), expected: "16 etcdserver: invalid auth token" },
  { name: "auth enable", rpc: AuthRpcs.enable(), expected: "16 etcdserver: invalid auth token" },
];

function targetOf(server: TestServer): Target {
  return { httpUrl: server.httpUrl, grpcEndpoint: server.grpcEndpoint };
}

async function answer(transport: Transport, server: TestServer, call: Rpc, token?: string): Promise<string> {
  const outcome = await send(transport, targetOf(server), call, token);
  return `${outcome.code} ${outcome.message}`;
}

test.before(async () => {
  [etcd, tsetcd] = await Promise.all([
    startEtcd({ grpc: 28160, peer: 28161 }),
    startTsetcd({ grpc: 28162, peer: 28163, http: 28164 }),
  ]);
});

test.after(async () => {
  closeSessions();
  await Promise.all([etcd?.stop(), tsetcd?.stop()]);
});

test("with auth disabled a forged token is refused by the calls etcd 3.4 refuses it on, and only those", async () => {
  const mismatches: string[] = [];
  for (const { name, rpc: call, expected } of CALLS) {
    const seen: Record<string, string> = {
      "etcd json": await answer("json", etcd!, call, FORGED),
      "etcd grpc": await answer("grpc", etcd!, call, FORGED),
      "tsetcd json": await answer("json", tsetcd!, call, FORGED),
      "tsetcd cbor": await answer("cbor", tsetcd!, call, FORGED),
      "tsetcd grpc": await answer("grpc", tsetcd!, call, FORGED),
    };
    for (const [side, got] of Object.entries(seen)) {
      if (got !== expected) mismatches.push(`${name} on ${side}: ${got} (expected ${expected})`);
    }
  }
  assert.equal(mismatches, []);
});

test("the same calls without a token are served (auth is off): the token alone was refused", async () => {
  for (const call of [KvRpcs.put("a"), KvRpcs.range("a"), AuthRpcs.userList()]) {
    for (const transport of ["json", "cbor", "grpc"] as const) {
      assert.is(await answer(transport, tsetcd!, call), "0 ok", `${call.gateway} ${transport}`);
    }
  }
});

/** The first answer of a gateway watch stream to one create request, without its header. */
async function gatewayWatch(server: TestServer, token: string): Promise<Record<string, unknown>> {
  const response = await fetch(`${server.httpUrl}/v3/watch`, {
    method: "POST",
    headers: { authorization: token },
    body: JSON.stringify({ create_request: { key: Buffer.from("a").toString("base64") } }),
    signal: AbortSignal.timeout(STREAM_LIMIT_MS),
  });
  const reader = response.body!.getReader();
  let text = "";
  for (let i = 0; i < 100 && !text.includes("\n"); i++) {
    const { value, done } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
  }
  await reader.cancel();
  const result = (JSON.parse(text.split("\n")[0]!) as { result: Record<string, unknown> }).result;
  delete result.header;
  return result;
}

/** The first WatchResponse of a gRPC Watch stream to one create request, without its header. */
function grpcWatch(endpoint: string, token: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const session = connect(`http://${endpoint}`);
    session.on("error", () => {});
    const stream = session.request({
      ":method": "POST", ":path": "/etcdserverpb.Watch/Watch", "content-type": "application/grpc", te: "trailers", token,
    });
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
    stream.write(frameMessage(encodeProtobuf("WatchRequest", { create_request: { key: ENC.encode("a") } })));
  });
}

test("a watch create with a forged token is created and canceled at once, as etcd 3.4", async () => {
  const seen: Record<string, string> = {};
  for (const [name, server] of [["etcd", etcd!], ["tsetcd", tsetcd!]] as const) {
    seen[`${name} gateway`] = JSON.stringify(await gatewayWatch(server, FORGED));
    seen[`${name} grpc`] = JSON.stringify(await grpcWatch(server.grpcEndpoint, FORGED));
  }
  const reason = "rpc error: code = Unauthenticated desc = etcdserver: invalid auth token";
  assert.ok(seen["etcd gateway"]!.includes(reason), seen["etcd gateway"]);
  assert.is(seen["tsetcd gateway"], seen["etcd gateway"]);
  assert.is(seen["tsetcd grpc"], seen["etcd grpc"]);
});

test.run();
