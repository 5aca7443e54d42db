/**
 * The gRPC listener on one client URL, plain or TLS with ALPN `h2`: by default on our own HTTP/2 (src/h2,
 * through src/grpc/h2_adapter.ts), or on node:http2 (Bun's implementation; engine "node-http2"). Bun.serve
 * cannot send HTTP/2 trailers, which carry a gRPC call's status, hence neither is Bun.serve.
 *
 * Each stream is dispatched by its path (src/grpc/routes.ts) to a unary call or a stream handler. Rules
 * that keep the member up whatever a peer does: no 'request' listener on the server (on Bun it ends every
 * stream, trailers lost), an 'error' listener on every session and stream, and a liveness check before
 * every write (GrpcCall).
 *
 * @example
 * const grpc = await startGrpcServer(new URL("http://127.0.0.1:2379"), services, { maxRequestBytes: 1_572_864 });
 * await grpc.close();
 * @module
 */
import { createSecureServer, createServer, type Http2Server, type Http2Session, type IncomingHttpHeaders, type ServerHttp2Stream } from "node:http2";
import { EtcdError, Errors, GrpcCode } from "../codec/errors.ts";
import type { TlsServerMaterial } from "../tls/material.ts";
import { GRPC_OVERHEAD_BYTES } from "../api/http.ts";
import { DEFAULT_MAX_TXN_OPS } from "../mvcc/validate.ts";
import type { BoundaryLimits } from "../server/boundary.ts";
import { GrpcCall } from "./call.ts";
import { ETCD_KEEPALIVE, type KeepaliveOptions, watchSession, watchStream } from "./keepalive.ts";
import { resolveMethod, type GrpcServices } from "./routes.ts";
import { parseGrpcTimeoutMs, statusTrailers } from "./status.ts";
import { serveObserve } from "./observe.ts";
import { serveKeepAlive, serveSnapshot, serveWatch } from "./streams.ts";
import { serveUnary } from "./unary.ts";
import { LeaderMonitor, type LeaderSource, requiresLeader } from "./require_leader.ts";
import { callerOfGrpc, rememberStreamCaller, withCaller } from "../auth/context.ts";
import { type GatewayHandler, serveGatewayStream } from "../front/h2_gateway.ts";
import { type GrpcType, grpcMetrics } from "../metrics/grpc.ts";
import { startOwnGrpcServer } from "./h2_adapter.ts";
import type { Server } from "node:net";
import { listenGrpc } from "./listen.ts";

/** Options of a gRPC listener. */
export interface GrpcServerOptions {
  /** --max-request-bytes; gRPC's receive limit is this plus GRPC_OVERHEAD_BYTES, as etcd's. */
  maxRequestBytes: number;
  /** --max-txn-ops (default etcd's 128). */
  maxTxnOps?: number;
  /** For an https URL: the client TLS material (--cert-file, --key-file, --trusted-ca-file, --client-cert-auth). */
  tls?: TlsServerMaterial;
  /**
   * --max-concurrent-streams: streams one connection may have open at once (a watch or keep-alive each);
   * the next one is refused with RST_STREAM REFUSED_STREAM, as grpc-go does. Default etcd's 2^32-1.
   */
  maxConcurrentStreams?: number;
  /** --grpc-keepalive-min-time, -interval, -timeout (default etcd's 5 s, 2 h, 20 s). */
  keepalive?: KeepaliveOptions;
  /**
   * Resolves once the member may serve clients (etcd's ReadyNotify: its attributes are published); calls
   * wait for it. Undefined, or a resolved promise: serve at once.
   */
  ready?: () => Promise<void> | undefined;
  /**
   * Listen on this local (unix, abstract allowed) socket instead of the URL's host and port: behind the
   * client front (src/front), which owns the public port. `url` still says cleartext or TLS.
   */
  socketPath?: string;
  /** Answers HTTP/2 streams that are not gRPC (the HTTP gateway); without it they get gRPC's 415. */
  gateway?: GatewayHandler;
  /** Whether the member knows a leader, for calls that require one (`hasleader`); without it, none is refused. */
  leader?: LeaderSource;
  /**
   * Which HTTP/2 serves the calls: "node-http2" (Bun's node:http2) or "own" (src/h2 on plain sockets,
   * src/grpc/h2_adapter.ts). Internal, for benches and tests running both side by side.
   */
  engine?: GrpcEngine;
}

/** The HTTP/2 implementations a gRPC listener can run on. */
export type GrpcEngine = "node-http2" | "own";
/**
 * The engine used when none is asked for: our own (a third of node:http2's CPU per call, bench/GRPC_H2_ENGINE.md).
 * TSETCD_GRPC_ENGINE=node-http2 runs the suites on the other.
 */
export const DEFAULT_GRPC_ENGINE: GrpcEngine = process.env.TSETCD_GRPC_ENGINE === "node-http2" ? "node-http2" : "own";

/** A listening gRPC front-end. */
export interface GrpcListener {
  /** The URL actually listened on (port resolved when 0 was asked for). */
  url: string;
  /** Stops listening and drops every connection. */
  close(): Promise<void>;
}

/** etcd's default --max-concurrent-streams (math.MaxUint32); 0 means the same, as in grpc-go. */
export const DEFAULT_MAX_CONCURRENT_STREAMS = 4_294_967_295;
/** Connections one listener holds at once; past it new ones are closed at once. */
const MAX_SESSIONS = 10_000;

/** Starts serving etcd's gRPC API on `url` (http: cleartext HTTP/2; https: TLS with ALPN h2). */
export async function startGrpcServer(url: URL, services: GrpcServices, options: GrpcServerOptions): Promise<GrpcListener> {
  const limits: Required<BoundaryLimits> = {
    maxTxnOps: options.maxTxnOps ?? DEFAULT_MAX_TXN_OPS,
    maxMessageBytes: options.maxRequestBytes + GRPC_OVERHEAD_BYTES,
  };
  const settings = { maxConcurrentStreams: options.maxConcurrentStreams || DEFAULT_MAX_CONCURRENT_STREAMS };
  const keepalive = options.keepalive ?? ETCD_KEEPALIVE;
  const server = url.protocol === "https:" ? secureServer(options.tls, settings) : createServer({ settings });
  const sessions = new Set<Http2Session>();
  const monitor = options.leader === undefined ? undefined : new LeaderMonitor(options.leader);
  server.on("session", (session: Http2Session) => {
    session.on("error", () => {}); // a peer's bad bytes or reset: that connection only
    if (sessions.size >= MAX_SESSIONS) {
      session.destroy();
      return;
    }
    sessions.add(session);
    session.on("close", () => sessions.delete(session));
    watchSession(session, keepalive);
  });
  server.on("sessionError", () => {});
  const onStream = (stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void => {
    watchStream(stream);
    if (options.gateway !== undefined && !isGrpc(headers)) return serveGatewayStream(stream, headers, options.gateway);
    const waiting = options.ready?.();
    if (waiting === undefined) return dispatch(stream, headers, services, limits, monitor);
    // The stream stays paused (no 'data' listener yet), so nothing the client sends is lost meanwhile.
    stream.on("error", () => {});
    void waiting.then(() => {
      if (!stream.destroyed && !stream.closed) dispatch(stream, headers, services, limits, monitor);
    });
  };
  if ((options.engine ?? DEFAULT_GRPC_ENGINE) === "own") {
    return startOwnGrpcServer(url, { ...options, keepalive, maxConcurrentStreams: settings.maxConcurrentStreams }, onStream, () => monitor?.close());
  }
  server.on("stream", onStream);
  const port = await listenGrpc(server as unknown as Server, url, options);
  return {
    url: `${url.protocol}//${url.hostname}:${port}`,
    close: () => {
      monitor?.close();
      return closeServer(server, sessions);
    },
  };
}

function secureServer(tls: TlsServerMaterial | undefined, settings: { maxConcurrentStreams: number }): Http2Server {
  if (tls === undefined) throw new Error("gRPC: an https client URL needs --cert-file and --key-file");
  return createSecureServer({
    settings,
    cert: tls.cert,
    key: tls.key,
    ...(tls.ca === undefined ? {} : { ca: tls.ca }),
    requestCert: tls.clientCertAuth,
    rejectUnauthorized: tls.clientCertAuth,
    ALPNProtocols: ["h2"],
  }) as unknown as Http2Server;
}

function closeServer(server: Http2Server, sessions: Set<Http2Session>): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    for (const session of sessions) session.destroy();
    sessions.clear();
  });
}

/** One stream: check it is gRPC, apply its deadline, hand it to its method. */
function dispatch(
  stream: ServerHttp2Stream,
  headers: IncomingHttpHeaders,
  services: GrpcServices,
  limits: Required<BoundaryLimits>,
  monitor: LeaderMonitor | undefined,
): void {
  stream.on("error", () => {}); // a reset stream is the peer's business; the call sees it as done
  if (!isGrpc(headers)) {
    const contentType = String(headers["content-type"] ?? "");
    // etcd 3.4's grpc-go resets such a stream; on Bun a reset from the server side does not reach the
    // client intact, so the answer is today's grpc-go's: HTTP 415 with an Internal status.
    stream.resume();
    if (stream.destroyed || stream.closed) return;
    const message = `invalid gRPC request content-type ${JSON.stringify(contentType)}`;
    stream.respond({ ":status": 415, "content-type": "application/grpc", ...statusTrailers(GrpcCode.Internal, message) }, { endStream: true });
    return;
  }
  const call = new GrpcCall(stream);
  let timeoutMs: number | undefined;
  try {
    timeoutMs = parseGrpcTimeoutMs(headerText(headers["grpc-timeout"]));
  } catch (error) {
    stream.resume();
    call.fail(error);
    return;
  }
  if (timeoutMs !== undefined && timeoutMs < 1) {
    // Already past (0n, 999u): grpc-go's handler starts with its context done, so etcd answers this.
    stream.resume();
    call.finish(GrpcCode.DeadlineExceeded, "context deadline exceeded");
    return;
  }
  if (timeoutMs !== undefined) {
    const cancel = deadlineTimer(timeoutMs, () => call.finish(GrpcCode.DeadlineExceeded, "context deadline exceeded"));
    stream.on("close", cancel);
  }
  // Who calls (src/auth/context.ts): the metadata's token, else the client certificate's CN.
  const caller = callerOfGrpc(stream, headers);
  rememberStreamCaller(stream, caller);
  const resolved = resolveMethod(String(headers[":path"] ?? ""));
  if (resolved.kind === "error") {
    stream.resume(); // read and drop whatever the client sends
    call.fail(resolved.error);
    return;
  }
  const encoding = headerText(headers["grpc-encoding"]) ?? "";
  if (encoding !== "" && encoding !== "identity") {
    // etcd 3.4 installs no decompressor: grpc-go refuses the call before reading a message.
    stream.resume();
    call.fail(new EtcdError(GrpcCode.Unimplemented, `grpc: Decompressor is not installed for grpc-encoding ${JSON.stringify(encoding)}`));
    return;
  }
  if (monitor !== undefined && requiresLeader(headers["hasleader"])) {
    if (!monitor.admit()) {
      stream.resume();
      call.fail(Errors.noLeader());
      return;
    }
    if (resolved.kind === "stream") monitor.track(call);
  }
  countCall(stream, call, String(headers[":path"]), resolved.kind === "unary" ? "unary" : GRPC_TYPES[resolved.stream]);
  if (resolved.kind === "unary") return serveUnary(call, resolved.method, services, limits);
  if (resolved.stream === "watch") return withCaller(caller, () => serveWatch(call, services, limits));
  if (resolved.stream === "keepalive") return serveKeepAlive(call, services, limits);
  if (resolved.stream === "observe") return withCaller(caller, () => serveObserve(call, services, limits));
  return serveSnapshot(call, services, limits);
}

/** grpc-go-prometheus' type of each streaming method. */
const GRPC_TYPES: Record<string, GrpcType> = {
  watch: "bidi_stream",
  keepalive: "bidi_stream",
  observe: "server_stream",
  snapshot: "server_stream",
};

/** grpc_server_started_total now, grpc_server_handled_total when the stream closes (Canceled if it ended unanswered). */
function countCall(stream: ServerHttp2Stream, call: GrpcCall, path: string, type: GrpcType): void {
  grpcMetrics.started(path, type);
  stream.once("close", () => grpcMetrics.handled(path, type, call.code ?? GrpcCode.Canceled));
}

/** grpc-go's test: application/grpc, alone or followed by "+subtype" or ";parameters" (so not application/grpc-web). */
function isGrpc(headers: IncomingHttpHeaders): boolean {
  const type = String(headers["content-type"] ?? "").toLowerCase();
  if (!type.startsWith(GRPC_CONTENT_TYPE)) return false;
  const next = type.charAt(GRPC_CONTENT_TYPE.length);
  return next === "" || next === "+" || next === ";";
}

const GRPC_CONTENT_TYPE = "application/grpc";

/** setTimeout's longest delay (2^31-1 ms, about 24.8 days): a longer one fires at once instead. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * Calls `fire` once `delayMs` have passed, through as many timers of at most MAX_TIMER_MS as that takes
 * (a grpc-timeout may say up to 99,999,999 hours); returns the cancel. One timer is armed at a time.
 */
function deadlineTimer(delayMs: number, fire: () => void): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = (remainingMs: number): void => {
    const stepMs = Math.min(remainingMs, MAX_TIMER_MS);
    timer = setTimeout(() => (remainingMs > stepMs ? arm(remainingMs - stepMs) : fire()), stepMs);
  };
  arm(delayMs);
  return () => clearTimeout(timer);
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
