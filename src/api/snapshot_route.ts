/**
 * POST /v3/maintenance/snapshot: etcd's Maintenance.Snapshot through the gateway, and the same messages as
 * CBOR frames (`Content-Type: application/cbor`) for tsetcd's client.
 *
 * What etcd 3.4.23's gateway answers, observed with curl and reproduced here byte for byte in JSON:
 * - the body is one SnapshotRequest (empty; `{}`, an empty body, `null` or `{} trailing` all pass); a body
 *   that is not a JSON object is 400 `{"error","message","code":3}` with encoding/json's text;
 * - then 200 and one `{"result":{"remaining_bytes":"N","blob":"<base64>"}}` line per 32 KiB of the
 *   database, `remaining_bytes` (bytes after this chunk, a uint64 string) left out when 0, no header;
 * - the last line is `{"result":{"blob":"<base64 of the 32-byte SHA-256>"}}`.
 * The concatenated blobs are exactly a snapshot file (src/server/snapshot_file.ts).
 *
 * A failure after the stream started (a read error) ends it with grpc-gateway's error line, or an error
 * frame; the client then finds the SHA-256 trailer missing. The copy is released when the stream ends, the
 * client disconnects, or the client stops reading for DEFAULT_STALL_TIMEOUT_MS.
 * @module
 */
import { encodeCbor } from "../codec/cbor.ts";
import { EtcdError, GrpcCode } from "../codec/errors.ts";
import { encodeFrame, MAX_STREAM_FRAME_BYTES } from "../codec/frames.ts";
import { readRequest as decodeRequest } from "../server/boundary.ts";
import { contentTypeOf, httpStatusFromCode, type WireFormat, wireFormatOf } from "../codec/http.ts";
import { etcdErrorResponse, methodNotAllowed } from "../codec/http_responses.ts";
import type { SnapshotChunk, SnapshotCopy } from "../server/snapshot_export.ts";
import type { ExtraRoutes, StreamServer } from "./lease_routes.ts";

/** The gateway path (and /v3beta/, normalised by the caller). */
export const SNAPSHOT_PATH = "/v3/maintenance/snapshot";
/** A SnapshotRequest is empty; anything bigger is not one. */
const MAX_SNAPSHOT_BODY_BYTES = 64 * 1024;
/** A client that reads nothing for this long loses its stream (and the temp copy goes). */
export const DEFAULT_STALL_TIMEOUT_MS = 60_000;
const ENCODER = new TextEncoder();

/** What the route needs: a source of copies (SnapshotExporter). */
export interface SnapshotSource {
  open(): Promise<SnapshotCopy>;
}

/** Options of the route. */
export interface SnapshotRouteOptions {
  /** Bun's server, to lift its idle timeout for the copy (our stall bound replaces it). */
  server?: StreamServer;
  /** Default DEFAULT_STALL_TIMEOUT_MS. */
  stallTimeoutMs?: number;
}

/** The snapshot route, as an ExtraRoutes for the HTTP handler. */
export function snapshotRoutes(source: SnapshotSource): ExtraRoutes {
  return (path, request, server) => {
    if (path !== SNAPSHOT_PATH) return undefined;
    return handleSnapshot(request, source, server === undefined ? {} : { server });
  };
}

/** Tries each route set in order; the first that knows the path answers. */
export function combineRoutes(...sets: ExtraRoutes[]): ExtraRoutes {
  return (path, request, server) => {
    for (const routes of sets) {
      const answer = routes(path, request, server);
      if (answer !== undefined) return answer;
    }
    return undefined;
  };
}

/** Handles POST /v3/maintenance/snapshot: the stream, or etcd's error answer before it starts. */
export async function handleSnapshot(
  request: Request,
  source: SnapshotSource,
  options: SnapshotRouteOptions = {},
): Promise<Response> {
  if (request.method !== "POST") return methodNotAllowed();
  const format = wireFormatOf(request.headers.get("content-type"));
  let copy: SnapshotCopy;
  try {
    await readRequest(request, format);
    // Bun's idle timeout would cut a long copy (no bytes flow meanwhile); our stall bound replaces it.
    options.server?.timeout(request, 0);
    copy = await source.open();
  } catch (error) {
    return etcdErrorResponse(format, asEtcdError(error));
  }
  if (request.signal?.aborted === true) {
    copy.close(); // the client left while the copy was made
    return new Response(null, { status: 499 });
  }
  const stallTimeoutMs = options.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS;
  return new Response(chunkStream(request, copy, format, stallTimeoutMs), {
    status: 200,
    headers: { "content-type": contentTypeOf(format) },
  });
}

/** Decodes (and discards) the empty SnapshotRequest, with the gateway's errors for a bad one. */
async function readRequest(request: Request, format: WireFormat): Promise<void> {
  const body = new Uint8Array(await request.arrayBuffer());
  if (body.byteLength > MAX_SNAPSHOT_BODY_BYTES) {
    throw new EtcdError(
      GrpcCode.ResourceExhausted,
      `grpc: received message larger than max (${body.byteLength} vs. ${MAX_SNAPSHOT_BODY_BYTES})`,
    );
  }
  // SnapshotRequest and StatusRequest are both empty messages: the same decoding and error texts.
  if (body.byteLength > 0) decodeRequest("StatusRequest", format, body);
}

/** The response body: one message per pull, so at most one chunk waits in memory. */
function chunkStream(
  request: Request,
  copy: SnapshotCopy,
  format: WireFormat,
  stallTimeoutMs: number,
): ReadableStream<Uint8Array> {
  let stallTimer: ReturnType<typeof setTimeout> | undefined;
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const end = (): void => {
    clearTimeout(stallTimer);
    request.signal?.removeEventListener("abort", end);
    copy.close();
  };
  const stalled = (): void => {
    end();
    try {
      controller.error(new Error("snapshot stream: the client stopped reading"));
    } catch {
      // already closed
    }
  };
  request.signal?.addEventListener("abort", end, { once: true });
  return new ReadableStream<Uint8Array>({
    start(c): void {
      controller = c;
    },
    async pull(c): Promise<void> {
      clearTimeout(stallTimer);
      let message: Uint8Array | undefined;
      try {
        const chunk = await copy.next();
        message = chunk === undefined ? undefined : encodeChunk(format, chunk);
      } catch (error) {
        end();
        offer(c, encodeStreamError(format, asEtcdError(error)), true);
        return;
      }
      if (message === undefined) {
        end();
        offer(c, undefined, true);
        return;
      }
      if (offer(c, message, false)) stallTimer = setTimeout(stalled, stallTimeoutMs);
    },
    cancel(): void {
      end();
    },
  }, { highWaterMark: 1 });
}

/**
 * Enqueues `message` (and closes after it when `last`); false when the client already went away, which
 * makes the controller throw — the copy is released by `cancel` or the abort then, not here.
 */
function offer(c: ReadableStreamDefaultController<Uint8Array>, message: Uint8Array | undefined, last: boolean): boolean {
  try {
    if (message !== undefined) c.enqueue(message);
    if (last) c.close();
    return true;
  } catch {
    return false;
  }
}

/** One SnapshotResponse: etcd's gateway JSON line, or a CBOR `{result}` frame. */
export function encodeChunk(format: WireFormat, chunk: SnapshotChunk): Uint8Array {
  if (format === "cbor") {
    const result: { remaining_bytes?: number; blob: Uint8Array } = { blob: chunk.blob };
    if (chunk.remainingBytes > 0) result.remaining_bytes = chunk.remainingBytes;
    return encodeFrame(encodeCbor({ result }), MAX_STREAM_FRAME_BYTES);
  }
  // Field order and omission as jsonpb writes SnapshotResponse (header, remaining_bytes, blob).
  const remaining = chunk.remainingBytes > 0 ? `"remaining_bytes":"${chunk.remainingBytes}",` : "";
  return ENCODER.encode(`{"result":{${remaining}"blob":"${base64(chunk.blob)}"}}\n`);
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

/** grpc-gateway's error line inside a stream, or an error frame. */
function encodeStreamError(format: WireFormat, error: EtcdError): Uint8Array {
  if (format === "cbor") return encodeFrame(encodeCbor({ error: { code: error.code, message: error.message } }));
  const status = httpStatusFromCode(error.code);
  const inner = { grpc_code: error.code, http_code: status, message: error.message, http_status: statusText(status) };
  return ENCODER.encode(JSON.stringify({ error: inner }) + "\n");
}

function statusText(status: number): string {
  const texts: Record<number, string> = { 429: "Too Many Requests", 500: "Internal Server Error" };
  return texts[status] ?? "";
}

function asEtcdError(error: unknown): EtcdError {
  if (error instanceof EtcdError) return error;
  return new EtcdError(GrpcCode.Unknown, String((error as Error)?.message ?? error));
}
