/**
 * POST /v3/watch: etcd's gateway watch stream, and the same in CBOR frames for tsetcd's client.
 * Runtime-neutral: a Request in, a streaming Response out.
 *
 * What etcd 3.4's gateway does, observed with curl and reproduced here:
 * - the body is a sequence of WatchRequest JSON values; the first is read before answering, and a bad one
 *   is a 500 with `{"error","message","code":2}` (grpc-gateway reports decode errors as Unknown);
 * - then `200` with one `{"result":WatchResponse}` line per response, for as long as the client stays;
 *   the end of the request body does not end the stream, and a later bad value only stops the reading;
 * - an empty WatchRequest (`{}`) is ignored.
 * With `Content-Type: application/cbor` the requests and responses are length-prefixed CBOR frames
 * (src/codec/frames.ts) and a bad first frame answers with the CBOR error body.
 *
 * Backpressure: responses go into the body stream until it holds `highWaterMark` chunks; the hub then
 * pauses this stream (its watchers fall back to history when they outrun it) until the client reads.
 * @module
 */
import { encodeCbor } from "../codec/cbor.ts";
import { EtcdError, GrpcCode } from "../codec/errors.ts";
import { contentTypeOf, type WireFormat, wireFormatOf } from "../codec/http.ts";
import { etcdErrorResponse, methodNotAllowed } from "../codec/http_responses.ts";
import { DEFAULT_MAX_MESSAGE_BYTES, encodeFrame } from "../codec/frames.ts";
import { encodeJsonStreamResult } from "../codec/json.ts";
import type { WatchRequest, WatchResponse } from "../codec/messages.ts";
import { type StreamRequestDecoder, StreamRequestReader } from "../codec/stream_reader.ts";
import type { WatchStream } from "../watch/mod.ts";
import { readRequest } from "../server/boundary.ts";

/** The part of the hub the route uses (WatchHub). */
export interface WatchStreamSource {
  openStream(send: (response: WatchResponse) => boolean, options?: { onFail?: () => void }): WatchStream;
}

/** Options of the route. */
export interface WatchRouteOptions {
  /** Response chunks buffered in the body stream before the hub is paused (default 16). */
  highWaterMark?: number;
  /**
   * Called once the stream is accepted, before the Response is returned; a Bun server passes
   * `(req) => server.timeout(req, 0)` so that its idle timeout does not cut a quiet watch.
   */
  onStreamStart?: (request: Request) => void;
}

const ENCODER = new TextEncoder();
const DEFAULT_HIGH_WATER_MARK = 16;

/** Handles POST /v3/watch (and /v3beta/watch): resolves to the streaming Response or an error. */
export async function handleWatch(
  request: Request,
  hub: WatchStreamSource,
  options: WatchRouteOptions = {},
): Promise<Response> {
  if (request.method !== "POST") return methodNotAllowed();
  const format = wireFormatOf(request.headers.get("content-type"));
  const reader = new StreamRequestReader(request, format, WATCH_DECODER, WATCH_LIMITS);
  let first: WatchRequest | undefined;
  try {
    first = await nextRequest(reader, format);
  } catch (error) {
    await reader.cancel();
    return errorResponse(format, error);
  }
  options.onStreamStart?.(request);
  return streamResponse(request, hub, reader, first, format, options.highWaterMark ?? DEFAULT_HIGH_WATER_MARK);
}

/** Builds the streaming body and wires it to a hub stream. */
function streamResponse(
  request: Request,
  hub: WatchStreamSource,
  reader: RequestReader,
  first: WatchRequest | undefined,
  format: WireFormat,
  highWaterMark: number,
): Response {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let wake: (() => void) | undefined;
  let ended = false;
  const end = (): void => {
    if (ended) return;
    ended = true;
    stream.close();
    void reader.cancel();
    request.signal?.removeEventListener("abort", end);
    try {
      controller.close();
    } catch {
      // already closed or errored by the consumer
    }
    wake?.();
  };
  const send = (response: WatchResponse): boolean => {
    if (ended) return false;
    try {
      controller.enqueue(encodeResponse(format, response));
    } catch {
      queueMicrotask(end); // the consumer went away without cancelling
      return false;
    }
    wake?.();
    wake = undefined;
    return (controller.desiredSize ?? 0) > 0;
  };
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
    },
    pull(): Promise<void> | undefined {
      if (ended) return undefined;
      const before = controller.desiredSize;
      stream.resume();
      // Nothing new: wait for the next response instead of being pulled again at once.
      if (controller.desiredSize === before) return new Promise((resolve) => (wake = resolve));
      return undefined;
    },
    cancel() {
      end();
    },
  }, { highWaterMark });
  const stream = hub.openStream(send, { onFail: () => queueMicrotask(end) });
  request.signal?.addEventListener("abort", end, { once: true });
  if (first !== undefined) stream.handle(first);
  void readRest(reader, stream, format, () => ended);
  return new Response(body, { status: 200, headers: { "content-type": contentTypeOf(format) } });
}

/** Feeds the following requests to the stream; stops at the end of the body or at a bad request. */
async function readRest(
  reader: RequestReader,
  stream: WatchStream,
  format: WireFormat,
  ended: () => boolean,
): Promise<void> {
  // Bounded by the request body: each turn consumes at least one chunk or one message.
  for (;;) {
    let req: WatchRequest | undefined;
    try {
      req = await nextRequest(reader, format);
    } catch {
      return; // as the gateway: a bad later request stops the reading, the stream stays
    }
    if (req === undefined || ended()) return;
    stream.handle(req);
  }
}

function encodeResponse(format: WireFormat, response: WatchResponse): Uint8Array {
  if (format === "cbor") return encodeFrame(encodeCbor(response));
  return ENCODER.encode(encodeJsonStreamResult("WatchResponse", response) + "\n");
}

/** Reads WatchRequests one at a time from a request body, in either encoding. */
type RequestReader = StreamRequestReader<WatchRequest>;

/**
 * Empty requests carry nothing to do: etcd ignores them. A bad request fails the reads from where it
 * stands in the body, after the ones before it.
 */
const WATCH_DECODER: StreamRequestDecoder<WatchRequest> = {
  // CBOR is tsetcd's own encoding, with no gateway to mirror: a bad frame is the client's InvalidArgument.
  frame: (payload) => nonEmpty(readRequest<WatchRequest>("WatchRequest", "cbor", payload)),
  json: (text) => nonEmpty(decodeError(() => readRequest<WatchRequest>("WatchRequest", "json", ENCODER.encode(text)))),
  oversizeFrame: (error) => new EtcdError(GrpcCode.InvalidArgument, error.message),
  badJson: notARequest,
};
const WATCH_LIMITS = { maxFrameBytes: DEFAULT_MAX_MESSAGE_BYTES, maxJsonChars: DEFAULT_MAX_MESSAGE_BYTES };

/**
 * The next non-empty request; undefined at the end of the body. Throws EtcdError on a bad or cut one: a
 * JSON body cut inside a value is the gateway's Unknown "unexpected EOF" (as etcd answers), a CBOR body cut
 * inside a frame the client's InvalidArgument, as every other bad CBOR frame is.
 */
async function nextRequest(reader: RequestReader, format: WireFormat): Promise<WatchRequest | undefined> {
  const req = await reader.next();
  if (req === undefined && reader.cut) {
    throw new EtcdError(format === "cbor" ? GrpcCode.InvalidArgument : GrpcCode.Unknown, "unexpected EOF");
  }
  return req;
}

function nonEmpty(req: WatchRequest): WatchRequest | undefined {
  const empty = req.create_request === undefined && req.cancel_request === undefined &&
    req.progress_request === undefined;
  return empty ? undefined : req;
}

/** The JSON decoder's error for body text that starts no request (a bare word, number or string). */
function notARequest(rest: string): Error {
  try {
    decodeError(() => readRequest("WatchRequest", "json", ENCODER.encode(rest)));
  } catch (error) {
    return error as Error;
  }
  // `null` decodes (Go reads it as an empty request), but the splitter takes no value after it.
  return new EtcdError(GrpcCode.Unknown, "unexpected null in request body");
}

/** grpc-gateway reports a request it cannot decode as Unknown (HTTP 500), keeping the decoder's text. */
function decodeError<T>(decode: () => T): T {
  try {
    return decode();
  } catch (error) {
    if (error instanceof EtcdError) throw new EtcdError(GrpcCode.Unknown, error.message);
    throw error;
  }
}

function errorResponse(format: WireFormat, error: unknown): Response {
  const err = error instanceof EtcdError ? error : new EtcdError(GrpcCode.Unknown, String((error as Error)?.message));
  return etcdErrorResponse(format, err);
}
