/**
 * Every route of the client API the fuzzer covers, with the message each one reads and how it answers.
 * test/fuzz/mutations_test.ts reads src/api/*.ts and fails when a route there is missing here, so a new
 * route cannot escape the fuzzer by being forgotten.
 * @module
 */
import { AUTH_GATEWAY_PATHS, AUTH_RPCS } from "../../src/api/auth_routes.ts";
import type { MessageKind } from "../../src/codec/schema.ts";

/** How a route answers: one message, a stream that ends with the request body, or one that stays open. */
export type RouteStyle = "unary" | "keepalive" | "watch" | "snapshot";

/** One gateway route. `kind` undefined: the request message has no fields (SnapshotRequest). */
export interface RouteSpec {
  path: string;
  kind: MessageKind | undefined;
  style: RouteStyle;
  /**
   * Mutations sent per encoding, a seeded sample (default: all). For routes that share one decoder and
   * cost a password hash per valid request, where all of them would double the run's time.
   */
  sample?: number;
}

/** src/api/http.ts ROUTES. */
const KV_ROUTES: RouteSpec[] = [
  { path: "/v3/kv/range", kind: "RangeRequest", style: "unary" },
  { path: "/v3/kv/put", kind: "PutRequest", style: "unary" },
  { path: "/v3/kv/deleterange", kind: "DeleteRangeRequest", style: "unary" },
  { path: "/v3/kv/txn", kind: "TxnRequest", style: "unary" },
  { path: "/v3/kv/compaction", kind: "CompactionRequest", style: "unary" },
  { path: "/v3/maintenance/status", kind: "StatusRequest", style: "unary" },
  { path: "/v3/cluster/member/list", kind: "MemberListRequest", style: "unary" },
  { path: "/v3/cluster/member/add", kind: "MemberAddRequest", style: "unary" },
  { path: "/v3/cluster/member/remove", kind: "MemberRemoveRequest", style: "unary" },
  { path: "/v3/cluster/member/update", kind: "MemberUpdateRequest", style: "unary" },
  { path: "/v3/cluster/member/promote", kind: "MemberPromoteRequest", style: "unary" },
  { path: "/v3/maintenance/transfer-leadership", kind: "MoveLeaderRequest", style: "unary" },
  { path: "/v3/maintenance/hash", kind: "HashRequest", style: "unary" },
  { path: "/v3/maintenance/hashkv", kind: "HashKVRequest", style: "unary" },
  { path: "/v3/maintenance/alarm", kind: "AlarmRequest", style: "unary" },
  { path: "/v3/maintenance/defragment", kind: "DefragmentRequest", style: "unary" },
];

/** src/api/lease_routes.ts UNARY, the streams, and the snapshot route. */
const LEASE_AND_STREAM_ROUTES: RouteSpec[] = [
  { path: "/v3/lease/grant", kind: "LeaseGrantRequest", style: "unary" },
  { path: "/v3/lease/revoke", kind: "LeaseRevokeRequest", style: "unary" },
  { path: "/v3/kv/lease/revoke", kind: "LeaseRevokeRequest", style: "unary" },
  { path: "/v3/lease/timetolive", kind: "LeaseTimeToLiveRequest", style: "unary" },
  { path: "/v3/kv/lease/timetolive", kind: "LeaseTimeToLiveRequest", style: "unary" },
  { path: "/v3/lease/leases", kind: "LeaseLeasesRequest", style: "unary" },
  { path: "/v3/kv/lease/leases", kind: "LeaseLeasesRequest", style: "unary" },
  { path: "/v3/lease/keepalive", kind: "LeaseKeepAliveRequest", style: "keepalive" },
  { path: "/v3/watch", kind: "WatchRequest", style: "watch" },
  { path: "/v3/maintenance/snapshot", kind: undefined, style: "snapshot" },
];

/** Mutations per auth route and encoding (all of them, ~1,900 requests, cost ~20 s with the checks). */
const AUTH_SAMPLE = 24;

/**
 * src/api/auth_routes.ts: etcd 3.4's /v3/auth routes. Fuzzing them cannot turn authentication on: that
 * needs a user and a role both named "root", and no generated name is one.
 */
const AUTH_ROUTES: RouteSpec[] = Object.entries(AUTH_GATEWAY_PATHS).map(([path, rpc]) => ({
  path,
  kind: AUTH_RPCS[rpc]!.request as MessageKind,
  style: "unary",
  sample: AUTH_SAMPLE,
}));

/**
 * Every message route under /v3/ (the lease routes first: the crash that started issue 9 was there; the
 * auth routes last, so that a seed from before them replays the others' requests).
 */
export const RPC_ROUTES: readonly RouteSpec[] = [...LEASE_AND_STREAM_ROUTES, ...KV_ROUTES, ...AUTH_ROUTES];

/** The same routes under etcd 3.4's /v3beta/ prefix. */
export function betaAlias(route: RouteSpec): RouteSpec {
  if (!route.path.startsWith("/v3/")) throw new Error(`no /v3beta alias for ${route.path}`);
  return { ...route, path: `/v3beta/${route.path.slice(4)}` };
}

/** The plain GET routes. */
export const PLAIN_ROUTES: readonly string[] = ["/health", "/version", "/metrics"];

/** Paths that are no route: each must be a 404 (or 405), never a 5xx. */
export const UNKNOWN_PATHS: readonly string[] = [
  "/",
  "/v3",
  "/v3/",
  "/v3/kv",
  "/v3/kv/nope",
  "/v3/kv/range/extra",
  "/v3/kv//range",
  "//v3/kv/range",
  "/v3alpha/kv/range",
  "/v3beta/",
  "/v3beta/kv/nope",
  "/v3/kv/%72ange",
  "/v3/kv/../kv/range",
  "/v3/lease/keepalive/x",
  "/v3/watch/",
  "/V3/KV/RANGE",
  "/health/",
  "/metrics/x",
  "/debug/pprof/",
  "/v2/keys/foo",
  `/v3/${"x".repeat(6_000)}`,
];

/** The canonical /v3/ path of a path (a /v3beta/ alias maps to its /v3/ route). */
export function canonicalPath(path: string): string {
  return path.startsWith("/v3beta/") ? `/v3/${path.slice(8)}` : path;
}
