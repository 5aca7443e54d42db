/**
 * Length-prefixed frames: a 4-byte big-endian length, then that many bytes. The CBOR side of the watch
 * stream and of the lease keep-alive stream, both ways (server routes and client).
 *
 * - `encodeFrame` / `FrameDecoder`: raw payloads; the decoder is incremental (chunks in, whole frames out)
 *   and refuses a frame over its bound from the length alone, before buffering it.
 * - `StreamFrame`: a keep-alive stream message, one CBOR item `{ result: message }` or
 *   `{ error: { code, message } }` per frame (`encodeStreamFrame` / `StreamFrameReader` / `messageOfFrame`).
 * @module
 */
import { decodeCborValue, encodeCbor } from "./cbor.ts";
import { EtcdError, GrpcCode } from "./errors.ts";
import type { MessageKind } from "./schema.ts";
import { messageFromWire } from "./wire.ts";

/** Bytes of a frame's length prefix. */
export const FRAME_HEADER_BYTES = 4;
/** Default bound of a frame or JSON value (a watch request is small; this is a memory guard). */
export const DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;
/** Largest keep-alive stream frame (etcd's default max request size is 1.5 MiB; responses stay well below). */
export const MAX_STREAM_FRAME_BYTES = 16 * 1024 * 1024;

/** Prefixes `payload` with its length: one frame. Throws when the payload is over `maxBytes`. */
export function encodeFrame(payload: Uint8Array, maxBytes = Number.POSITIVE_INFINITY): Uint8Array {
  if (payload.length > maxBytes) throw tooLarge(payload.length, maxBytes);
  const out = new Uint8Array(FRAME_HEADER_BYTES + payload.length);
  new DataView(out.buffer).setUint32(0, payload.length);
  out.set(payload, FRAME_HEADER_BYTES);
  return out;
}

/** Splits a byte stream into frame payloads; feed chunks as they arrive, take whole frames out. */
export class FrameDecoder {
  readonly #maxBytes: number;
  #buffer: Uint8Array = new Uint8Array(0);

  constructor(maxBytes = DEFAULT_MAX_MESSAGE_BYTES) {
    this.#maxBytes = maxBytes;
  }

  /** Adds a chunk; returns the payloads it completed, in order. Throws on a frame over the bound. */
  push(chunk: Uint8Array): Uint8Array[] {
    const buffer = concat(this.#buffer, chunk);
    const frames: Uint8Array[] = [];
    let offset = 0;
    // Bounded by the buffer: each turn consumes at least the 4-byte prefix.
    while (buffer.length - offset >= FRAME_HEADER_BYTES) {
      const length = new DataView(buffer.buffer, buffer.byteOffset + offset, FRAME_HEADER_BYTES).getUint32(0);
      if (length > this.#maxBytes) throw tooLarge(length, this.#maxBytes);
      const start = offset + FRAME_HEADER_BYTES;
      if (buffer.length - start < length) break;
      frames.push(buffer.slice(start, start + length));
      offset = start + length;
    }
    this.#buffer = buffer.slice(offset);
    return frames;
  }

  /** Bytes of an incomplete frame still held (non-zero at the end of a stream means it was cut). */
  get pendingBytes(): number {
    return this.#buffer.length;
  }
}

/** One keep-alive stream message: a result, or an error that ends the stream. */
export type StreamFrame = { result: unknown } | { error: { code: number; message: string } };

/** Encodes one stream message as a frame. */
export function encodeStreamFrame(frame: StreamFrame): Uint8Array {
  return encodeFrame(encodeCbor(frame), MAX_STREAM_FRAME_BYTES);
}

/** The stream message in one frame's payload; throws cbor-x's error on bad CBOR. */
export function decodeStreamFrame(payload: Uint8Array): StreamFrame {
  return decodeCborValue(payload) as StreamFrame;
}

/** Splits a byte stream into stream messages (frames of at most MAX_STREAM_FRAME_BYTES). */
export class StreamFrameReader {
  readonly #frames = new FrameDecoder(MAX_STREAM_FRAME_BYTES);

  /** Adds received bytes; returns every message now complete, in order. Throws on an oversized frame. */
  push(chunk: Uint8Array): StreamFrame[] {
    return this.#frames.push(chunk).map(decodeStreamFrame);
  }

  /** Bytes of an incomplete frame still waiting for the rest. */
  get pendingBytes(): number {
    return this.#frames.pendingBytes;
  }
}

/** A stream message's message of `kind`, or the EtcdError it carries. */
export function messageOfFrame<T>(kind: MessageKind, frame: StreamFrame): T {
  if (typeof frame !== "object" || frame === null) {
    throw new EtcdError(GrpcCode.Unknown, "stream frame is not a message");
  }
  if ("error" in frame) {
    const { code, message } = (frame.error ?? {}) as { code?: unknown; message?: unknown };
    // A frame from the other side is input too: only a real gRPC code may become an error's code.
    const known = typeof code === "number" && Number.isInteger(code) && code >= 1 && code <= 16;
    throw new EtcdError(known ? code as GrpcCode : GrpcCode.Unknown, String(message ?? "stream error"));
  }
  return messageFromWire<T>(kind, frame.result);
}

function tooLarge(length: number, maxBytes: number): Error {
  return new Error(`frame of ${length} bytes is too large: over the ${maxBytes} limit`);
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
