/**
 * The protobuf codec against a real etcd 3.4 over its gRPC port (HTTP/2, gRPC framing by hand, loopback):
 * every request we encode is accepted, and every response etcd writes, of every service, decodes with our
 * decoder and re-encodes to exactly etcd's bytes (so field order, zero values left out, packing and 64-bit
 * ids are gogoproto's). Malformed bodies are answered by etcd with our decoder's texts behind grpc-go's
 * prefix. etcd missing is a failure, not a skip.
 */
import http2 from "node:http2";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { EtcdError } from "../../src/codec/errors.ts";
import { protoSizeBytes } from "../../src/codec/proto_size.ts";
import { decodeProtobuf, encodeProtobuf } from "../../src/codec/protobuf.ts";
import type { MessageKind } from "../../src/codec/schema.ts";
import { type ServerProcess, startEtcd } from "../helpers/etcd.ts";

type Obj = Record<string, unknown>;

const CALL_TIMEOUT_MS = 10_000;
const MAX_FRAMES = 10_000;
const enc = new TextEncoder();

let etcd: ServerProcess | undefined;
let session: http2.ClientHttp2Session | undefined;

interface Answer {
  status: string;
  message: string;
  /** Each gRPC message of the response, without its 5-byte prefix. */
  frames: Uint8Array[];
}

function frame(body: Uint8Array): Buffer {
  const out = Buffer.alloc(5 + body.length);
  out.writeUInt32BE(body.length, 1);
  out.set(body, 5);
  return out;
}

/** Splits a gRPC response body into messages (uncompressed, as etcd sends them). */
function unframe(all: Buffer): Uint8Array[] {
  const frames: Uint8Array[] = [];
  let pos = 0;
  while (pos < all.length && frames.length < MAX_FRAMES) {
    assert.is(all[pos], 0, "compressed flag");
    const length = all.readUInt32BE(pos + 1);
    frames.push(new Uint8Array(all.subarray(pos + 5, pos + 5 + length)));
    pos += 5 + length;
  }
  assert.is(pos, all.length, "whole frames");
  return frames;
}

/**
 * One call: `bodies` sent as request messages, then the request side closed, and the response's messages
 * and status collected. With `cancelAfterMs` (a watch: etcd never ends it) the request side stays open and
 * the stream is cancelled after that long; what arrived by then is the answer (status empty).
 */
function call(path: string, bodies: Uint8Array[], cancelAfterMs = 0): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = session!.request({ ":method": "POST", ":path": path, "content-type": "application/grpc", te: "trailers" });
    const chunks: Buffer[] = [];
    let status = "";
    let message = "";
    const timer = setTimeout(() => req.close(http2.constants.NGHTTP2_CANCEL), cancelAfterMs || CALL_TIMEOUT_MS);
    const take = (headers: http2.IncomingHttpHeaders): void => {
      if (headers["grpc-status"] !== undefined) status = String(headers["grpc-status"]);
      if (headers["grpc-message"] !== undefined) message = decodeURIComponent(String(headers["grpc-message"]));
    };
    req.on("response", take);
    req.on("trailers", take);
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("close", () => {
      clearTimeout(timer);
      resolve({ status, message, frames: unframe(Buffer.concat(chunks)) });
    });
    req.on("error", (err) => {
      clearTimeout(timer);
      if (cancelAfterMs === 0) reject(err);
    });
    for (const body of bodies) req.write(frame(body));
    if (cancelAfterMs === 0) req.end();
  });
}

let checkedFrames = 0;

/** Decodes each response message with ours and checks it re-encodes to etcd's exact bytes. */
function mirror<T = Obj>(kind: MessageKind, answer: Answer, where: string, status = "0"): T[] {
  assert.is(answer.status, status, `${where}: grpc-status (${answer.message})`);
  return answer.frames.map((bytes, i) => {
    const message = decodeProtobuf<Obj>(kind, bytes);
    const again = encodeProtobuf(kind, message);
    assert.is(Buffer.from(again).toString("hex"), Buffer.from(bytes).toString("hex"), `${where} #${i}: re-encoded`);
    assert.is(protoSizeBytes(kind, message), bytes.length, `${where} #${i}: size`);
    checkedFrames++;
    return message as T;
  });
}

async function unary<T = Obj>(path: string, reqKind: MessageKind, resKind: MessageKind, value: Obj): Promise<T> {
  const answers = mirror<T>(resKind, await call(path, [encodeProtobuf(reqKind, value)]), path);
  assert.is(answers.length, 1, `${path}: one answer`);
  return answers[0]!;
}

const b = (s: string): Uint8Array => enc.encode(s);

test.before(async () => {
  etcd = await startEtcd();
  session = http2.connect(etcd.clientUrl);
  session.on("error", () => {});
});

test.after(async () => {
  session?.close();
  await etcd?.stop();
});

test("KV and Lease: etcd's answers decode and re-encode to its exact bytes", async () => {
  const grant = await unary<{ ID: bigint }>("/etcdserverpb.Lease/LeaseGrant", "LeaseGrantRequest", "LeaseGrantResponse", { TTL: 600 });
  assert.ok(grant.ID > 0n);
  const kv = "/etcdserverpb.KV/";
  await unary(kv + "Put", "PutRequest", "PutResponse", { key: b("a/1"), value: b("one"), lease: grant.ID });
  const put = await unary<Obj>(kv + "Put", "PutRequest", "PutResponse", { key: b("a/1"), value: b("uno"), prev_kv: true });
  assert.equal((put.prev_kv as Obj).lease, grant.ID);
  await unary(kv + "Put", "PutRequest", "PutResponse", { key: b("l/1"), value: b("leased"), lease: grant.ID });
  for (let i = 2; i <= 5; i++) await unary(kv + "Put", "PutRequest", "PutResponse", { key: b(`a/${i}`), value: b("é".repeat(i)) });
  const range = await unary<{ kvs: Obj[]; more: boolean; count: number }>(kv + "Range", "RangeRequest", "RangeResponse", {
    key: b("a/"), range_end: b("a0"), limit: 3, sort_order: 2, sort_target: 4,
  });
  assert.is(range.kvs.length, 3);
  assert.is(range.more, true);
  assert.is(range.count, 5);
  await unary(kv + "Range", "RangeRequest", "RangeResponse", { key: b("a/"), range_end: b("a0"), keys_only: true });
  await unary(kv + "Range", "RangeRequest", "RangeResponse", { key: b("a/"), range_end: b("a0"), count_only: true });
  await unary(kv + "Range", "RangeRequest", "RangeResponse", { key: b("nothing") });
  const txn = await unary<{ succeeded: boolean; responses: Obj[] }>(kv + "Txn", "TxnRequest", "TxnResponse", {
    compare: [{ key: b("a/1"), target: 2, result: 1, mod_revision: 1 }, { key: b("a/1"), target: 4, lease: 0n, result: 0 }],
    success: [
      { request_range: { key: b("a/1") } },
      { request_put: { key: b("t"), value: b("v"), prev_kv: true } },
      { request_txn: { success: [{ request_delete_range: { key: b("a/3"), prev_kv: true } }] } },
    ],
    failure: [{ request_range: { key: b("a/2") } }],
  });
  assert.is(txn.succeeded, true);
  assert.is(txn.responses.length, 3);
  const deleted = await unary<{ deleted: number }>(kv + "DeleteRange", "DeleteRangeRequest", "DeleteRangeResponse", {
    key: b("a/4"), range_end: b("a/6"), prev_kv: true,
  });
  assert.is(deleted.deleted, 2); // a/4 and a/5
  const lease = "/etcdserverpb.Lease/";
  const ttl = await unary<{ keys: Uint8Array[] }>(lease + "LeaseTimeToLive", "LeaseTimeToLiveRequest", "LeaseTimeToLiveResponse", {
    ID: grant.ID, keys: true,
  });
  assert.equal(ttl.keys, [b("l/1")]);
  await unary(lease + "LeaseLeases", "LeaseLeasesRequest", "LeaseLeasesResponse", {});
  mirror("LeaseKeepAliveResponse", await call(lease + "LeaseKeepAlive", [encodeProtobuf("LeaseKeepAliveRequest", { ID: grant.ID })]), "keep-alive");
  await unary(lease + "LeaseRevoke", "LeaseRevokeRequest", "LeaseRevokeResponse", { ID: grant.ID });
  const status = await unary<{ header: { revision: number } }>("/etcdserverpb.Maintenance/Status", "StatusRequest", "StatusResponse", {});
  await unary(kv + "Compact", "CompactionRequest", "CompactionResponse", { revision: status.header.revision, physical: true });
});

test("Watch: a stream with create (filters, prev_kv), events and progress", async () => {
  const watch = call("/etcdserverpb.Watch/Watch", [
    encodeProtobuf("WatchRequest", { create_request: { key: b("w/"), range_end: b("w0"), prev_kv: true, filters: [1], watch_id: 7 } }),
    encodeProtobuf("WatchRequest", { progress_request: {} }),
  ], 1_000);
  await new Promise((resolve) => setTimeout(resolve, 300));
  await unary("/etcdserverpb.KV/Put", "PutRequest", "PutResponse", { key: b("w/1"), value: b("x") });
  await unary("/etcdserverpb.KV/Put", "PutRequest", "PutResponse", { key: b("w/1"), value: b("y") });
  await unary("/etcdserverpb.KV/DeleteRange", "DeleteRangeRequest", "DeleteRangeResponse", { key: b("w/1") });
  const responses = mirror<{ created: boolean; events: Obj[] }>("WatchResponse", await watch, "watch", "");
  assert.ok(responses[0]!.created);
  const events = responses.flatMap((r) => r.events);
  assert.is(events.length, 2, "NODELETE leaves the two puts");
  assert.equal((events[1]!.prev_kv as Obj).value, b("x"));
});

test("Cluster and Maintenance: member list, status, alarms, hashes, defragment, a snapshot stream", async () => {
  const m = "/etcdserverpb.Maintenance/";
  const members = await unary<{ members: Obj[] }>("/etcdserverpb.Cluster/MemberList", "MemberListRequest", "MemberListResponse", {});
  assert.is(members.members.length, 1);
  await unary(m + "Status", "StatusRequest", "StatusResponse", {});
  await unary(m + "Alarm", "AlarmRequest", "AlarmResponse", {});
  await unary(m + "Hash", "HashRequest", "HashResponse", {});
  await unary(m + "HashKV", "HashKVRequest", "HashKVResponse", {});
  await unary(m + "Defragment", "DefragmentRequest", "DefragmentResponse", {});
  const chunks = mirror<{ remaining_bytes: number; blob: Uint8Array }>(
    "SnapshotResponse",
    await call(m + "Snapshot", [encodeProtobuf("SnapshotRequest", {})]),
    "snapshot",
  );
  assert.ok(chunks.length >= 2);
  assert.is(chunks[chunks.length - 1]!.remaining_bytes, 0);
});

test("Auth (disabled), Lock and Election: every message kind's answer", async () => {
  const a = "/etcdserverpb.Auth/";
  await unary(a + "RoleAdd", "AuthRoleAddRequest", "AuthRoleAddResponse", { name: "reader" });
  await unary(a + "RoleGrantPermission", "AuthRoleGrantPermissionRequest", "AuthRoleGrantPermissionResponse", {
    name: "reader", perm: { permType: 2, key: b("a"), range_end: b("b") },
  });
  const role = await unary<{ perm: Obj[] }>(a + "RoleGet", "AuthRoleGetRequest", "AuthRoleGetResponse", { role: "reader" });
  assert.is(role.perm[0]!.permType, 2);
  await unary(a + "UserAdd", "AuthUserAddRequest", "AuthUserAddResponse", { name: "ann", password: "", options: { no_password: true } });
  await unary(a + "UserAdd", "AuthUserAddRequest", "AuthUserAddResponse", { name: "bob", password: "pw" });
  await unary(a + "UserGrantRole", "AuthUserGrantRoleRequest", "AuthUserGrantRoleResponse", { user: "ann", role: "reader" });
  const user = await unary<{ roles: string[] }>(a + "UserGet", "AuthUserGetRequest", "AuthUserGetResponse", { name: "ann" });
  assert.equal(user.roles, ["reader"]);
  await unary(a + "UserList", "AuthUserListRequest", "AuthUserListResponse", {});
  await unary(a + "RoleList", "AuthRoleListRequest", "AuthRoleListResponse", {});
  await unary(a + "UserChangePassword", "AuthUserChangePasswordRequest", "AuthUserChangePasswordResponse", { name: "bob", password: "pw2" });
  await unary(a + "RoleRevokePermission", "AuthRoleRevokePermissionRequest", "AuthRoleRevokePermissionResponse", {
    role: "reader", key: b("a"), range_end: b("b"),
  });
  await unary(a + "UserRevokeRole", "AuthUserRevokeRoleRequest", "AuthUserRevokeRoleResponse", { name: "ann", role: "reader" });
  await unary(a + "UserDelete", "AuthUserDeleteRequest", "AuthUserDeleteResponse", { name: "ann" });
  await unary(a + "RoleDelete", "AuthRoleDeleteRequest", "AuthRoleDeleteResponse", { role: "reader" });
  await unary(a + "AuthDisable", "AuthDisableRequest", "AuthDisableResponse", {});

  const grant = await unary<{ ID: bigint }>("/etcdserverpb.Lease/LeaseGrant", "LeaseGrantRequest", "LeaseGrantResponse", { TTL: 60 });
  const lock = await unary<{ key: Uint8Array }>("/v3lockpb.Lock/Lock", "LockRequest", "LockResponse", { name: b("L"), lease: grant.ID });
  await unary("/v3lockpb.Lock/Unlock", "UnlockRequest", "UnlockResponse", { key: lock.key });
  const e = "/v3electionpb.Election/";
  const won = await unary<{ leader: Obj }>(e + "Campaign", "CampaignRequest", "CampaignResponse", { name: b("E"), lease: grant.ID, value: b("v1") });
  assert.equal(won.leader.lease, grant.ID);
  await unary(e + "Proclaim", "ProclaimRequest", "ProclaimResponse", { leader: won.leader, value: b("v2") });
  const leader = await unary<{ kv: Obj }>(e + "Leader", "LeaderRequest", "LeaderResponse", { name: b("E") });
  assert.equal(leader.kv.value, b("v2"));
  await unary(e + "Resign", "ResignRequest", "ResignResponse", { leader: won.leader });
  assert.ok(checkedFrames > 40, `${checkedFrames} frames checked`);
});

test("malformed bodies: etcd answers our decoder's text behind grpc-go's prefix", async () => {
  const cases: [MessageKind, string, string][] = [
    ["PutRequest", "/etcdserverpb.KV/Put", "0a0561"],
    ["PutRequest", "/etcdserverpb.KV/Put", "0801"],
    ["PutRequest", "/etcdserverpb.KV/Put", "18ffffffffffffffffffff01"],
    ["RangeRequest", "/etcdserverpb.KV/Range", "0000"],
    ["RangeRequest", "/etcdserverpb.KV/Range", "0c"],
    ["LeaseGrantRequest", "/etcdserverpb.Lease/LeaseGrant", "0d00000000"],
  ];
  for (const [kind, path, hex] of cases) {
    const bytes = new Uint8Array(Buffer.from(hex, "hex"));
    let ours = "";
    try {
      decodeProtobuf(kind, bytes);
    } catch (err) {
      assert.instance(err, EtcdError);
      ours = (err as EtcdError).message;
    }
    const answer = await call(path, [bytes]);
    assert.is(answer.status, "13", `${hex}: grpc-status`);
    assert.is(answer.message, `grpc: error unmarshalling request: ${ours}`, hex);
  }
});

test.run();
