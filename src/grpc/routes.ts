/**
 * etcd 3.4's gRPC methods: path → request kind, response kind and the service call, for the unary ones;
 * the streaming ones (Watch, LeaseKeepAlive, Snapshot, Election Observe) are named here and served by
 * src/grpc/streams.ts (Observe by observe.ts).
 * Auth answers as etcd with auth disabled (src/grpc/auth.ts); Lock and Election run etcd's recipes (lock.ts, election.ts). Like the gateway's route tables (src/api/http.ts, src/api/lease_routes.ts): no logic, only the mapping.
 * @module
 */
import { EtcdError, Errors, GrpcCode } from "../codec/errors.ts";
import type { AlarmResponse } from "../codec/messages.ts";
import type { MessageKind } from "../codec/schema.ts";
import type { RequestKind } from "../server/boundary.ts";
import type { MaintenanceService } from "../server/hash_service.ts";
import type { ClusterService, KvService } from "../server/member.ts";
import { AUTH_METHODS } from "./auth.ts";
import { campaign, leader, proclaim, resign } from "./election.ts";
import { lock, unlock } from "./lock.ts";
import { protobufRowBytes } from "./range_stream.ts";
import type { GrpcServices, StreamMethod, UnaryMethod } from "./types.ts";

export type { GrpcServices, StreamMethod, UnaryMethod } from "./types.ts";

/** What a path names: a method, or grpc-go's answer for an unknown one. */
export type Resolved =
  | { kind: "unary"; method: UnaryMethod }
  | { kind: "stream"; stream: StreamMethod }
  | { kind: "error"; error: EtcdError };

function unary(request: RequestKind, response: MessageKind, call: UnaryMethod["call"]): UnaryMethod {
  return { request, response, call };
}

function clusterOf(services: GrpcServices): ClusterService {
  if (services.kv.cluster === undefined) throw Errors.notCapable();
  return services.kv.cluster;
}

/** etcd with no alarm raised: every action answers an empty list (a service without an alarm store). */
async function noAlarms(services: GrpcServices): Promise<AlarmResponse> {
  const { header } = await services.kv.status();
  return { header, alarms: [] };
}

function defragmentOf(kv: KvService): NonNullable<MaintenanceService["defragment"]> {
  const defragment = kv.maintenance?.defragment;
  if (defragment === undefined) throw Errors.notCapable();
  return () => defragment.call(kv.maintenance);
}

function maintenanceOf(kv: KvService): MaintenanceService {
  if (kv.maintenance === undefined) throw Errors.notCapable();
  return kv.maintenance;
}

/** Every unary method by service, then method name. */
const SERVICES: Record<string, Record<string, UnaryMethod | StreamMethod>> = {
  "etcdserverpb.KV": {
    // A large answer streams (src/grpc/range_stream.ts) where the service can.
    Range: unary("RangeRequest", "RangeResponse", (s, r) => s.kv.rangeStreamed?.(r, { measure: protobufRowBytes }) ?? s.kv.range(r)),
    Put: unary("PutRequest", "PutResponse", (s, r) => s.kv.put(r)),
    DeleteRange: unary("DeleteRangeRequest", "DeleteRangeResponse", (s, r) => s.kv.deleteRange(r)),
    Txn: unary("TxnRequest", "TxnResponse", (s, r) => s.kv.txn(r)),
    Compact: unary("CompactionRequest", "CompactionResponse", (s, r) => s.kv.compact(r)),
  },
  "etcdserverpb.Watch": { Watch: "watch" },
  "etcdserverpb.Lease": {
    LeaseGrant: unary("LeaseGrantRequest", "LeaseGrantResponse", (s, r) => s.lease.grant(r)),
    LeaseRevoke: unary("LeaseRevokeRequest", "LeaseRevokeResponse", (s, r) => s.lease.revoke(r)),
    LeaseKeepAlive: "keepalive",
    LeaseTimeToLive: unary("LeaseTimeToLiveRequest", "LeaseTimeToLiveResponse", (s, r) => s.lease.timeToLive(r)),
    LeaseLeases: unary("LeaseLeasesRequest", "LeaseLeasesResponse", (s) => s.lease.leases()),
  },
  "etcdserverpb.Cluster": {
    MemberAdd: unary("MemberAddRequest", "MemberAddResponse", (s, r) => clusterOf(s).memberAdd(r)),
    MemberRemove: unary("MemberRemoveRequest", "MemberRemoveResponse", (s, r) => clusterOf(s).memberRemove(r)),
    MemberUpdate: unary("MemberUpdateRequest", "MemberUpdateResponse", (s, r) => clusterOf(s).memberUpdate(r)),
    MemberList: unary("MemberListRequest", "MemberListResponse", (s) => s.kv.memberList()),
    MemberPromote: unary("MemberPromoteRequest", "MemberPromoteResponse", (s, r) => clusterOf(s).memberPromote(r)),
  },
  "etcdserverpb.Maintenance": {
    Alarm: unary("AlarmRequest", "AlarmResponse", (s, r) => s.kv.maintenance?.alarm?.(r) ?? noAlarms(s)),
    Status: unary("StatusRequest", "StatusResponse", (s) => s.kv.status()),
    Defragment: unary("DefragmentRequest", "DefragmentResponse", (s) => defragmentOf(s.kv)()),
    Hash: unary("HashRequest", "HashResponse", (s) => maintenanceOf(s.kv).hash()),
    HashKV: unary("HashKVRequest", "HashKVResponse", (s, r) => maintenanceOf(s.kv).hashKv(r)),
    Snapshot: "snapshot",
    MoveLeader: unary("MoveLeaderRequest", "MoveLeaderResponse", (s, r) => clusterOf(s).moveLeader(r)),
  },
  "etcdserverpb.Auth": AUTH_METHODS,
  "v3lockpb.Lock": {
    Lock: unary("LockRequest", "LockResponse", (s, r, context) => lock(s, r, context.signal)),
    Unlock: unary("UnlockRequest", "UnlockResponse", (s, r) => unlock(s, r)),
  },
  "v3electionpb.Election": {
    Campaign: unary("CampaignRequest", "CampaignResponse", (s, r, context) => campaign(s, r, context.signal)),
    Proclaim: unary("ProclaimRequest", "ProclaimResponse", (s, r) => proclaim(s, r)),
    Leader: unary("LeaderRequest", "LeaderResponse", (s, r) => leader(s, r)),
    Resign: unary("ResignRequest", "ResignResponse", (s, r) => resign(s, r)),
    Observe: "observe",
  },
};

/**
 * What a request path names, with grpc-go's texts for the rest (etcd 3.4, checked with a raw HTTP/2
 * client): `unknown service S`, `unknown method M for service S` (Unimplemented), and `malformed method
 * name: "/p"` (ResourceExhausted, grpc-go's code for it then) when the path has no second slash.
 */
export function resolveMethod(path: string): Resolved {
  const name = path.startsWith("/") ? path.slice(1) : path;
  const slash = name.lastIndexOf("/");
  if (slash < 0) {
    return { kind: "error", error: new EtcdError(GrpcCode.ResourceExhausted, `malformed method name: ${JSON.stringify(path)}`) };
  }
  const service = name.slice(0, slash);
  const method = name.slice(slash + 1);
  const methods = Object.hasOwn(SERVICES, service) ? SERVICES[service]! : undefined;
  if (methods === undefined) {
    return { kind: "error", error: new EtcdError(GrpcCode.Unimplemented, `unknown service ${service}`) };
  }
  const found = Object.hasOwn(methods, method) ? methods[method]! : undefined;
  if (found === undefined) {
    return { kind: "error", error: new EtcdError(GrpcCode.Unimplemented, `unknown method ${method} for service ${service}`) };
  }
  return typeof found === "string" ? { kind: "stream", stream: found } : { kind: "unary", method: found };
}

/** One method of the table: its path and what serves it (tests that must reach every method list them). */
export interface MethodEntry {
  path: string;
  method: UnaryMethod | StreamMethod;
}

/** Every method of every service, by path. */
export function listMethods(): MethodEntry[] {
  return Object.entries(SERVICES).flatMap(([service, methods]) =>
    Object.entries(methods).map(([name, method]) => ({ path: `/${service}/${name}`, method }))
  );
}
