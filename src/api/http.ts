/**
 * The HTTP front-end: etcd's v3 gateway routes (JSON, or CBOR with `Content-Type: application/cbor`),
 * /health, /version and /metrics. Runtime-neutral: `createHttpHandler` maps a Request to a Response;
 * only `serveHttp` knows it runs on Bun.serve.
 *
 * A front-end holds no logic: decode and check through the request boundary (src/server/boundary.ts), call
 * the service, encode. Bad input of any kind answers with etcd's status and `{error, code, message}` body;
 * nothing a client sends can crash the server.
 * @module
 */
import { EtcdError, Errors, GrpcCode } from "../codec/errors.ts";
import type { MessageKind } from "../codec/schema.ts";
import { DEFAULT_LIMITS, messageTooLarge, readRequest, type RequestKind } from "../server/boundary.ts";
import type { MaintenanceService } from "../server/hash_service.ts";
import type { ClusterService, KvService } from "../server/member.ts";
import { clientGoneError, isClientGone } from "./client_gone.ts";
import { isConsolePath, serveConsole } from "../console/mod.ts";
import { withCors } from "./cors.ts";
import { isStreamedRange } from "../mvcc/range_stream.ts";
import { rangeBody } from "./range_stream_body.ts";
import { AUTH_GATEWAY_PATHS, AUTH_RPCS } from "./auth_routes.ts";
import { callerOfRequest, withCaller } from "../auth/context.ts";
import type { ExtraRoutes, StreamServer } from "./lease_routes.ts";
import {
  contentTypeOf,
  encodeBody,
  encodeError,
  httpStatusFromCode,
  type WireFormat,
  wireFormatOf,
} from "../codec/http.ts";

/** What the handler needs besides the service. */
export interface HttpOptions {
  /** --max-request-bytes: a body over it plus gRPC's overhead allowance is refused as etcd refuses it. */
  maxRequestBytes: number;
  /** --max-txn-ops, for the request boundary's txn check (default etcd's 128). */
  maxTxnOps?: number;
  /** Reported by GET /version, e.g. "3.4.30". */
  serverVersion: string;
  clusterVersion: string;
  /** Extra Prometheus lines for /metrics. */
  metrics?: () => string;
  /** /health, /livez and /readyz (src/api/health.ts); without it /health answers from `hasLeader` alone. */
  health?: (path: string, request: Request) => Promise<Response> | undefined;
  /** Routes served besides the KV ones (leases and watch: src/api/lease_routes.ts). */
  routes?: ExtraRoutes;
}

/** etcd's gRPC server accepts this much over --max-request-bytes before refusing a message outright. */
export const GRPC_OVERHEAD_BYTES = 512 * 1024;

interface Route {
  request: RequestKind;
  response: MessageKind;
  call: (service: KvService, req: never) => Promise<unknown>;
}

const ROUTES: Record<string, Route> = {
  // A large answer streams (src/api/range_stream_body.ts) where the service can.
  "/v3/kv/range": {
    request: "RangeRequest",
    response: "RangeResponse",
    call: (s, r) => s.rangeStreamed?.(r) ?? s.range(r),
  },
  "/v3/kv/put": { request: "PutRequest", response: "PutResponse", call: (s, r) => s.put(r) },
  "/v3/kv/deleterange": {
    request: "DeleteRangeRequest",
    response: "DeleteRangeResponse",
    call: (s, r) => s.deleteRange(r),
  },
  "/v3/kv/txn": { request: "TxnRequest", response: "TxnResponse", call: (s, r) => s.txn(r) },
  "/v3/kv/compaction": { request: "CompactionRequest", response: "CompactionResponse", call: (s, r) => s.compact(r) },
  "/v3/maintenance/status": { request: "StatusRequest", response: "StatusResponse", call: (s) => s.status() },
  // etcd 3.4's rpc.proto maps both Hash and HashKV to this path; its gateway answers Hash there.
  "/v3/maintenance/hash": { request: "HashRequest", response: "HashResponse", call: (s) => maintenanceOf(s).hash() },
  "/v3/maintenance/defragment": {
    request: "DefragmentRequest",
    response: "DefragmentResponse",
    call: (s) => {
      const defragment = s.maintenance?.defragment;
      if (defragment === undefined) throw Errors.notCapable();
      return defragment.call(s.maintenance);
    },
  },
  "/v3/maintenance/alarm": { request: "AlarmRequest", response: "AlarmResponse", call: (s, r) => alarmOf(s)(r) },
  // Not on etcd 3.4's gateway (its HashKV shares the path above and loses): tsetcd's, for its own CLI.
  "/v3/maintenance/hashkv": {
    request: "HashKVRequest",
    response: "HashKVResponse",
    call: (s, r) => maintenanceOf(s).hashKv(r),
  },
  "/v3/cluster/member/list": {
    request: "MemberListRequest",
    response: "MemberListResponse",
    call: (s) => s.memberList(),
  },
  "/v3/cluster/member/add": {
    request: "MemberAddRequest",
    response: "MemberAddResponse",
    call: (s, r) => clusterOf(s).memberAdd(r),
  },
  "/v3/cluster/member/remove": {
    request: "MemberRemoveRequest",
    response: "MemberRemoveResponse",
    call: (s, r) => clusterOf(s).memberRemove(r),
  },
  "/v3/cluster/member/update": {
    request: "MemberUpdateRequest",
    response: "MemberUpdateResponse",
    call: (s, r) => clusterOf(s).memberUpdate(r),
  },
  "/v3/cluster/member/promote": {
    request: "MemberPromoteRequest",
    response: "MemberPromoteResponse",
    call: (s, r) => clusterOf(s).memberPromote(r),
  },
  "/v3/maintenance/transfer-leadership": {
    request: "MoveLeaderRequest",
    response: "MoveLeaderResponse",
    call: (s, r) => clusterOf(s).moveLeader(r),
  },
};

// The Auth RPCs at etcd 3.4's gateway paths.
for (const [path, name] of Object.entries(AUTH_GATEWAY_PATHS)) {
  const rpc = AUTH_RPCS[name]!;
  ROUTES[path] = { request: rpc.request, response: rpc.response, call: (s, r) => rpc.call(s, r) };
}

/** The membership service, or etcd's "not capable" from a service without one. */
function maintenanceOf(service: KvService): MaintenanceService {
  if (service.maintenance === undefined) throw Errors.notCapable();
  return service.maintenance;
}

function alarmOf(service: KvService): NonNullable<MaintenanceService["alarm"]> {
  const alarm = service.maintenance?.alarm;
  if (alarm === undefined) throw Errors.notCapable();
  return (req) => alarm.call(service.maintenance, req);
}

function clusterOf(service: KvService): ClusterService {
  if (service.cluster === undefined) throw Errors.notCapable();
  return service.cluster;
}

/** Counters for /metrics; plain numbers, no allocation per request. */
interface Counters {
  requests: number;
  errors: number;
}

/** Builds the request handler. */
export function createHttpHandler(
  service: KvService,
  options: HttpOptions,
): (request: Request, server?: StreamServer) => Promise<Response> {
  const counters: Counters = { requests: 0, errors: 0 };
  const serve = async (request: Request, server?: StreamServer): Promise<Response> => {
    counters.requests++;
    // etcd's CORS layer answers every preflight before routing: 200, empty, no content type.
    if (request.method === "OPTIONS") return new Response(null, { status: 200 });
    const path = normalisePath(pathOf(request.url));
    const route = ROUTES[path];
    if (route !== undefined) {
      const response = await handleRpc(service, route, request, options);
      if (response.status >= 400) counters.errors++;
      return response;
    }
    const extra = options.routes?.(path, request, server);
    if (extra !== undefined) return await extra;
    const healthAnswer = options.health?.(path, request);
    if (healthAnswer !== undefined) return await healthAnswer;
    if (path === "/health") return plainGet(request, () => health(service.hasLeader()));
    if (path === "/version") {
      return plainGet(request, () => json({ etcdserver: options.serverVersion, etcdcluster: options.clusterVersion }));
    }
    if (path === "/metrics") {
      if (request.method !== "GET" && request.method !== "HEAD") return methodNotAllowed();
      return text(metricsText(counters, options));
    }
    if (isConsolePath(path)) return serveConsole(request, path);
    counters.errors++;
    return notFound(path);
  };
  // Every call runs as the client whose token the Authorization header carries (src/auth/context.ts):
  // the services check it, whichever route reaches them.
  // A token issued at a log index not applied here yet is waited for first, as etcd does.
  return async (request, server) => {
    const caller = callerOfRequest(request);
    if (caller.token !== undefined && service.auth?.tokenPending(caller.token)) await service.auth.waitForToken(caller.token);
    return withCors(request, await withCaller(caller, () => serve(request, server)));
  };
}

/** The path of an absolute request URL, without parsing all of it (this runs on every request). */
export function pathOf(url: string): string {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  if (start < 0) return "/";
  const query = url.indexOf("?", start);
  const hash = url.indexOf("#", start);
  let end = url.length;
  if (query >= 0) end = query;
  if (hash >= 0 && hash < end) end = hash;
  return url.slice(start, end);
}

/** etcd 3.4 also serves the gateway under /v3beta (not /v3alpha any more). */
function normalisePath(path: string): string {
  if (path.startsWith("/v3beta/")) return `/v3/${path.slice(8)}`;
  return path;
}

async function handleRpc(service: KvService, route: Route, request: Request, options: HttpOptions): Promise<Response> {
  const format = wireFormatOf(request.headers.get("content-type"));
  if (request.method !== "POST") return methodNotAllowed();
  try {
    // The body cap only guards memory; etcd's limit is on the protobuf size, checked after decoding.
    const body = await readBody(request, bodyCapBytes(options.maxRequestBytes));
    const limits = {
      maxTxnOps: options.maxTxnOps ?? DEFAULT_LIMITS.maxTxnOps,
      maxMessageBytes: options.maxRequestBytes + GRPC_OVERHEAD_BYTES,
    };
    // The one request boundary: etcd's zero values and etcd's checks, before the service sees it.
    const message = readRequest<unknown>(route.request, format, body, limits);
    const result = await route.call(service, message as never);
    if (isStreamedRange(result)) {
      return new Response(rangeBody(format, result), { headers: { "content-type": contentTypeOf(format) } });
    }
    return new Response(encodeBody(route.response, format, result), {
      headers: { "content-type": contentTypeOf(format) },
    });
  } catch (err) {
    return errorResponse(format, isClientGone(err, request) ? clientGoneError() : err);
  }
}

/** Largest body read at all: JSON's base64 and field names can make a body ~4/3 of its protobuf size. */
export function bodyCapBytes(maxRequestBytes: number): number {
  return 2 * (maxRequestBytes + GRPC_OVERHEAD_BYTES) + 1024 * 1024;
}

/** Reads at most `limitBytes` of body; more is etcd's "received message larger than max". */
async function readBody(request: Request, limitBytes: number): Promise<Uint8Array> {
  const declared = Number(request.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > limitBytes) throw tooLarge(declared, limitBytes);
  const bytes = new Uint8Array(await request.arrayBuffer());
  if (bytes.byteLength > limitBytes) throw tooLarge(bytes.byteLength, limitBytes);
  return bytes;
}

function tooLarge(sizeBytes: number, limitBytes: number): EtcdError {
  return messageTooLarge(sizeBytes, limitBytes);
}

function errorResponse(format: WireFormat, err: unknown): Response {
  let error: EtcdError;
  if (err instanceof EtcdError) {
    error = err;
  } else {
    // Anything else is our bug, not the client's: still an etcd-shaped answer, never a crash.
    console.error("tsetcd: internal error serving a request:", err);
    error = new EtcdError(GrpcCode.Unknown, String((err as Error)?.message ?? err));
  }
  return new Response(encodeError(format, error), {
    status: httpStatusFromCode(error.code),
    headers: { "content-type": contentTypeOf(format) },
  });
}

/** /health and /version take GET only (HEAD too is refused, as Go's handlers there check for GET). */
function plainGet(request: Request, fn: () => Response): Response {
  if (request.method !== "GET") return methodNotAllowed({ allow: "GET" });
  return fn();
}

/** etcd 3.4: `{"health":"true"}`, or 503 `{"health":"false"}` without a leader; Go sniffs it as text. */
function health(ok: boolean): Response {
  return new Response(JSON.stringify({ health: ok ? "true" : "false" }), {
    status: ok ? 200 : 503,
    headers: { "content-type": "text/plain; charset=utf-8" },
  });
}

function json(value: unknown): Response {
  return new Response(JSON.stringify(value), { headers: { "content-type": "application/json" } });
}

function text(body: string): Response {
  return new Response(body, { headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8" } });
}

/** Go's http.NotFound for paths outside the gateway, the gateway's own answer inside it. */
function notFound(path: string): Response {
  const body = path.startsWith("/v3/") ? "Not Found\n" : "404 page not found\n";
  return new Response(body, {
    status: 404,
    headers: { "content-type": "text/plain; charset=utf-8", "x-content-type-options": "nosniff" },
  });
}

function methodNotAllowed(extra: Record<string, string> = {}): Response {
  return new Response("Method Not Allowed\n", {
    status: 405,
    headers: { "content-type": "text/plain; charset=utf-8", "x-content-type-options": "nosniff", ...extra },
  });
}

function metricsText(counters: Counters, options: HttpOptions): string {
  const lines = [
    "# HELP tsetcd_http_requests_total HTTP requests received.",
    "# TYPE tsetcd_http_requests_total counter",
    `tsetcd_http_requests_total ${counters.requests}`,
    "# HELP tsetcd_http_errors_total HTTP requests answered with an error status.",
    "# TYPE tsetcd_http_errors_total counter",
    `tsetcd_http_errors_total ${counters.errors}`,
  ];
  const extra = options.metrics?.();
  return `${lines.join("\n")}\n${extra ?? ""}`;
}
