/**
 * The lease and watch routes of the HTTP front-end: etcd's gateway paths in JSON, or CBOR with
 * `Content-Type: application/cbor`.
 *
 * - unary: /v3/lease/grant, /v3/lease/revoke, /v3/lease/timetolive, /v3/lease/leases, and the gateway's
 *   aliases /v3/kv/lease/{revoke,timetolive,leases};
 * - streaming: POST /v3/lease/keepalive — a sequence of LeaseKeepAliveRequest (JSON values, or the
 *   client's length-prefixed CBOR frames), one answer per request (`{"result":…}` lines, or frames), the
 *   response ending when the request body does; POST /v3/watch (src/api/watch_route.ts).
 * Streams are exempted from Bun's idle timeout (`server.timeout(request, 0)`) so quiet ones are not cut.
 * @module
 */
import { EtcdError, GrpcCode } from "../codec/errors.ts";
import {
  contentTypeOf,
  encodeBody,
  httpStatusFromCode,
  type WireFormat,
  wireFormatOf,
} from "../codec/http.ts";
import { decodeStreamFrame, encodeStreamFrame, MAX_STREAM_FRAME_BYTES } from "../codec/frames.ts";
import { etcdErrorResponse, methodNotAllowed } from "../codec/http_responses.ts";
import { encodeJsonStreamResult } from "../codec/json.ts";
import type { LeaseKeepAliveRequest, LeaseKeepAliveResponse } from "../codec/messages.ts";
import type { MessageKind } from "../codec/schema.ts";
import { readRequest, readRequestValue, type RequestKind } from "../server/boundary.ts";
import { type StreamRequestDecoder, StreamRequestReader } from "../codec/stream_reader.ts";
import { FORWARDED_HEADER, type LeaseApi } from "../server/lease_service.ts";
import { clientGoneError, isClientGone } from "./client_gone.ts";
import { handleWatch, type WatchStreamSource } from "./watch_route.ts";

/** The part of Bun's server object the streams need. */
export interface StreamServer {
  timeout(request: Request, seconds: number): void;
}

/** A route handler for paths beyond the KV ones; undefined when the path is not one of its own. */
export type ExtraRoutes = (path: string, request: Request, server?: StreamServer) => Promise<Response> | undefined;

interface UnaryRoute {
  request: RequestKind;
  response: MessageKind;
  call: (lease: LeaseApi, req: never, forwarded: boolean) => Promise<unknown>;
}

const GRANT: UnaryRoute = { request: "LeaseGrantRequest", response: "LeaseGrantResponse", call: (l, r) => l.grant(r) };
const REVOKE: UnaryRoute = {
  request: "LeaseRevokeRequest",
  response: "LeaseRevokeResponse",
  call: (l, r) => l.revoke(r),
};
const TIME_TO_LIVE: UnaryRoute = {
  request: "LeaseTimeToLiveRequest",
  response: "LeaseTimeToLiveResponse",
  call: (l, r, forwarded) => l.timeToLive(r, { forwarded }),
};
const LEASES: UnaryRoute = { request: "LeaseLeasesRequest", response: "LeaseLeasesResponse", call: (l) => l.leases() };

/** etcd 3.4's gateway paths, aliases included. */
const UNARY: Record<string, UnaryRoute> = {
  "/v3/lease/grant": GRANT,
  "/v3/lease/revoke": REVOKE,
  "/v3/kv/lease/revoke": REVOKE,
  "/v3/lease/timetolive": TIME_TO_LIVE,
  "/v3/kv/lease/timetolive": TIME_TO_LIVE,
  "/v3/lease/leases": LEASES,
  "/v3/kv/lease/leases": LEASES,
};

/** A lease request is a few bytes; anything this big is not one. */
const MAX_LEASE_BODY_BYTES = 64 * 1024;
/** Keep-alive requests one stream may carry (a renewal every 500 ms for about 58 days). */
const MAX_KEEPALIVES_PER_STREAM = 10_000_000;
const ENCODER = new TextEncoder();

/** The lease and watch routes over a lease service and a watch hub. */
export function leaseAndWatchRoutes(lease: LeaseApi, hub: WatchStreamSource): ExtraRoutes {
  return (path, request, server) => {
    const exempt = (r: Request): void => server?.timeout(r, 0);
    if (path === "/v3/watch") return handleWatch(request, hub, { onStreamStart: exempt });
    if (path === "/v3/lease/keepalive") return handleKeepAlive(request, lease, { onStreamStart: exempt });
    const route = UNARY[path];
    if (route === undefined) return undefined;
    return handleUnary(request, lease, route);
  };
}

async function handleUnary(request: Request, lease: LeaseApi, route: UnaryRoute): Promise<Response> {
  if (request.method !== "POST") return methodNotAllowed();
  const format = wireFormatOf(request.headers.get("content-type"));
  try {
    const body = new Uint8Array(await request.arrayBuffer());
    if (body.byteLength > MAX_LEASE_BODY_BYTES) {
      throw new EtcdError(GrpcCode.ResourceExhausted, `grpc: received message larger than max (${body.byteLength} vs. ${MAX_LEASE_BODY_BYTES})`);
    }
    // The request boundary: an empty body is the zero message with etcd's defaults, then etcd's checks.
    const message = readRequest<unknown>(route.request, format, body);
    const result = await route.call(lease, message as never, isForwarded(request));
    return new Response(encodeBody(route.response, format, result), {
      headers: { "content-type": contentTypeOf(format) },
    });
  } catch (error) {
    return errorResponse(format, error, request);
  }
}

/**
 * POST /v3/lease/keepalive. The first request is answered before the response starts, so a failure there
 * (no leader, a bad body) is an ordinary HTTP error the client can retry; later failures end the stream
 * with an error message.
 */
export async function handleKeepAlive(
  request: Request,
  lease: LeaseApi,
  options: { onStreamStart?: (request: Request) => void } = {},
): Promise<Response> {
  if (request.method !== "POST") return methodNotAllowed();
  const format = wireFormatOf(request.headers.get("content-type"));
  const forwarded = isForwarded(request);
  const reader = new StreamRequestReader(request, format, KEEPALIVE_DECODER, KEEPALIVE_LIMITS);
  let firstAnswer: LeaseKeepAliveResponse | undefined;
  try {
    const first = await reader.next();
    if (first !== undefined) firstAnswer = await lease.keepAlive(first.ID, { forwarded });
  } catch (error) {
    await reader.cancel();
    return errorResponse(format, error, request);
  }
  options.onStreamStart?.(request);
  const body = new ReadableStream<Uint8Array>({
    start(controller): void {
      if (firstAnswer === undefined) {
        controller.close();
        return;
      }
      controller.enqueue(encodeAnswer(format, firstAnswer));
      void answerRest(reader, lease, forwarded, format, controller);
    },
    cancel(): Promise<void> {
      return reader.cancel();
    },
  });
  return new Response(body, { status: 200, headers: { "content-type": contentTypeOf(format) } });
}

/** Answers the stream's following requests in order; an error ends the stream with an error message. */
async function answerRest(
  reader: StreamRequestReader<LeaseKeepAliveRequest>,
  lease: LeaseApi,
  forwarded: boolean,
  format: WireFormat,
  controller: ReadableStreamDefaultController<Uint8Array>,
): Promise<void> {
  try {
    for (let n = 1; n < MAX_KEEPALIVES_PER_STREAM; n++) {
      const req = await reader.next();
      if (req === undefined) break;
      controller.enqueue(encodeAnswer(format, await lease.keepAlive(req.ID, { forwarded })));
    }
  } catch (error) {
    try {
      controller.enqueue(encodeStreamError(format, asEtcdError(error)));
    } catch {
      // the client went away
    }
    await reader.cancel();
  }
  try {
    controller.close();
  } catch {
    // already closed by the client
  }
}

function encodeAnswer(format: WireFormat, response: LeaseKeepAliveResponse): Uint8Array {
  if (format === "cbor") return encodeStreamFrame({ result: response });
  return ENCODER.encode(encodeJsonStreamResult("LeaseKeepAliveResponse", response) + "\n");
}

/** grpc-gateway's error message inside a stream, or our error frame. */
function encodeStreamError(format: WireFormat, error: EtcdError): Uint8Array {
  if (format === "cbor") return encodeStreamFrame({ error: { code: error.code, message: error.message } });
  const status = httpStatusFromCode(error.code);
  const inner = { grpc_code: error.code, http_code: status, message: error.message, http_status: statusText(status) };
  return ENCODER.encode(JSON.stringify({ error: inner }) + "\n");
}

function statusText(status: number): string {
  const texts: Record<number, string> = {
    400: "Bad Request",
    404: "Not Found",
    408: "Request Timeout",
    412: "Precondition Failed",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
    504: "Gateway Timeout",
  };
  return texts[status] ?? "";
}

function isForwarded(request: Request): boolean {
  return request.headers.get(FORWARDED_HEADER) === "1";
}

/** Bad keep-alive requests are the client's fault (InvalidArgument), and fail the stream at once. */
const KEEPALIVE_DECODER: StreamRequestDecoder<LeaseKeepAliveRequest> = {
  frame: (payload) => decoding(() => keepAliveOfFrame(payload)),
  json: (text) => readRequest<LeaseKeepAliveRequest>("LeaseKeepAliveRequest", "json", ENCODER.encode(text)),
  oversizeFrame: (error) => new EtcdError(GrpcCode.InvalidArgument, error.message),
  badJson: (rest) => {
    // Go's decoder says what stopped it (a bare word, a value nested too deep): etcd's text, our code.
    readRequest<LeaseKeepAliveRequest>("LeaseKeepAliveRequest", "json", ENCODER.encode(rest));
    throw new EtcdError(GrpcCode.InvalidArgument, `invalid character in request body`);
  },
};
const KEEPALIVE_LIMITS = { maxFrameBytes: MAX_STREAM_FRAME_BYTES, maxJsonChars: MAX_LEASE_BODY_BYTES };

/**
 * A client's frame carries `{result: LeaseKeepAliveRequest}`; an error frame (or anything else) is not a
 * request, whatever it claims (its code must never become this server's answer).
 */
function keepAliveOfFrame(payload: Uint8Array): LeaseKeepAliveRequest {
  const frame: unknown = decodeStreamFrame(payload);
  if (typeof frame !== "object" || frame === null || !("result" in frame)) {
    throw new EtcdError(GrpcCode.InvalidArgument, "keep-alive: a request frame must carry a result");
  }
  return readRequestValue<LeaseKeepAliveRequest>("LeaseKeepAliveRequest", (frame as { result: unknown }).result);
}

/** A body that does not decode is the client's fault: InvalidArgument with the decoder's text. */
function decoding<T>(decode: () => T): T {
  try {
    return decode();
  } catch (error) {
    if (error instanceof EtcdError) throw error;
    throw new EtcdError(GrpcCode.InvalidArgument, String((error as Error)?.message ?? error));
  }
}

function asEtcdError(error: unknown): EtcdError {
  if (error instanceof EtcdError) return error;
  return new EtcdError(GrpcCode.Unknown, String((error as Error)?.message ?? error));
}

function errorResponse(format: WireFormat, error: unknown, request: Request): Response {
  if (error instanceof EtcdError) return etcdErrorResponse(format, error);
  if (isClientGone(error, request)) return etcdErrorResponse(format, clientGoneError());
  console.error("tsetcd: internal error serving a lease request:", error);
  return etcdErrorResponse(format, asEtcdError(error));
}
