/**
 * Length-prefixed frames on a peer connection, and an incremental decoder for them. Pure: no I/O.
 *
 * A frame is a 4-byte big-endian length `n` followed by `n` payload bytes; the payload's first byte is the
 * frame kind (`FrameKind`), the rest its body. `n` counts the kind byte, so it is never 0, and it is bounded
 * by the decoder's `maxFrameBytes`: a peer announcing a larger frame is a protocol error, not a reason to
 * buffer without limit.
 * @module
 */

/** Bytes of the length prefix. */
export const FRAME_HEADER_BYTES = 4;

/** What a frame carries. Values are on the wire: append, never renumber. */
export const FrameKind = {
  /** First frame of every connection, sender → receiver: who I am, whom I expect, which channel. */
  Handshake: 1,
  /** Receiver → sender: the handshake or a later frame was refused; body is the UTF-8 reason. */
  Refuse: 2,
  /** A batch of Raft messages (a CBOR array of encoded messages). */
  Messages: 3,
  /** Snapshot channel: the message and the snapshot's total size, before the data. */
  SnapBegin: 4,
  /** Snapshot channel: raw bytes of the snapshot data. */
  SnapChunk: 5,
  /** Snapshot channel: all data sent. */
  SnapEnd: 6,
  /** Snapshot channel, receiver → sender: the snapshot was received and delivered. */
  SnapAck: 7,
  /** Request channel: the request payload. */
  Request: 8,
  /** Request channel, receiver → sender: byte 0 is 0 (ok, then payload) or 1 (error, then UTF-8 message). */
  Response: 9,
} as const;
export type FrameKind = typeof FrameKind[keyof typeof FrameKind];

const KNOWN_KINDS: ReadonlySet<number> = new Set(Object.values(FrameKind));

/** One decoded frame. `body` excludes the kind byte. */
export interface Frame {
  kind: FrameKind;
  body: Uint8Array;
}

/** A peer broke the framing: oversized, empty or unknown frame. The connection must be closed. */
export class FrameError extends Error {
  constructor(message: string) {
    super(`transport: ${message}`);
    this.name = "FrameError";
  }
}

/** Encodes one frame as a single buffer (header, kind, body). */
export function encodeFrame(kind: FrameKind, body: Uint8Array = new Uint8Array(0)): Uint8Array {
  const out = new Uint8Array(FRAME_HEADER_BYTES + 1 + body.length);
  writeFrameHeader(out, 0, kind, body.length);
  out.set(body, FRAME_HEADER_BYTES + 1);
  return out;
}

/** Writes the length prefix and kind byte for a body of `bodyBytes` at `offset` of `out`. */
export function writeFrameHeader(out: Uint8Array, offset: number, kind: FrameKind, bodyBytes: number): void {
  const n = bodyBytes + 1;
  if (n > 0xffff_ffff) throw new FrameError(`frame of ${n} bytes cannot be encoded`);
  new DataView(out.buffer, out.byteOffset, out.byteLength).setUint32(offset, n);
  out[offset + FRAME_HEADER_BYTES] = kind;
}

/**
 * Incremental frame decoder: feed it chunks as they arrive, get back the frames they complete.
 * Keeps at most one partial frame (≤ its bound + header) between calls.
 *
 * @example
 * const decoder = new FrameDecoder(1 << 20);
 * socket.on("data", (chunk) => { for (const f of decoder.push(chunk)) handle(f); });
 */
export class FrameDecoder {
  #maxFrameBytes: number;
  #maxFirstFrameBytes: number;
  #firstDecoded = false;
  #parts: Uint8Array[] = [];
  #partsBytes = 0;

  /**
   * `maxFirstFrameBytes` (default `maxFrameBytes`) bounds the first frame alone: on an inbound connection it
   * is the handshake, so a stranger's connection holds a few KiB, not a whole frame's worth.
   */
  constructor(maxFrameBytes: number, options: { maxFirstFrameBytes?: number } = {}) {
    this.#maxFrameBytes = checkLimit(maxFrameBytes);
    this.#maxFirstFrameBytes = checkLimit(options.maxFirstFrameBytes ?? maxFrameBytes);
  }

  /** The bound on frames after the first. */
  get maxFrameBytes(): number {
    return this.#maxFrameBytes;
  }

  /**
   * Changes the bound on frames after the first (e.g. once a handshake said what the connection carries).
   * It applies to a frame already partly received, too.
   */
  setMaxFrameBytes(maxFrameBytes: number): void {
    this.#maxFrameBytes = checkLimit(maxFrameBytes);
  }

  /** Bytes held waiting for the rest of a frame. */
  get bufferedBytes(): number {
    return this.#partsBytes;
  }

  /** Adds a chunk; returns every frame now complete, in order. Throws FrameError on a framing violation. */
  push(chunk: Uint8Array): Frame[] {
    if (chunk.length === 0) return [];
    let data = chunk;
    if (this.#parts.length > 0) {
      this.#parts.push(chunk);
      this.#partsBytes += chunk.length;
      // Wait for the whole pending frame before joining the parts: one copy per frame, not one per chunk.
      const needed = this.#pendingFrameBytes();
      if (needed !== undefined && this.#partsBytes < needed) return [];
      data = concat(this.#parts, this.#partsBytes);
      this.#parts = [];
      this.#partsBytes = 0;
    }
    const frames: Frame[] = [];
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    let offset = 0;
    // Each iteration consumes one whole frame, so the loop is bounded by data.length / (header + 1).
    while (data.length - offset >= FRAME_HEADER_BYTES) {
      const n = view.getUint32(offset);
      this.#checkLength(n);
      if (data.length - offset - FRAME_HEADER_BYTES < n) break;
      const start = offset + FRAME_HEADER_BYTES;
      const kind = data[start];
      if (!KNOWN_KINDS.has(kind)) throw new FrameError(`unknown frame kind ${kind}`);
      frames.push({ kind: kind as FrameKind, body: data.subarray(start + 1, start + n) });
      this.#firstDecoded = true;
      offset = start + n;
    }
    if (offset < data.length) {
      // Keep the tail; copy it only if it shares a buffer with frames we returned (they stay valid).
      const rest = data.subarray(offset);
      this.#parts.push(rest);
      this.#partsBytes = rest.length;
    }
    return frames;
  }

  /** Total bytes (header included) of the frame the held parts begin, once its header has arrived. */
  #pendingFrameBytes(): number | undefined {
    if (this.#partsBytes < FRAME_HEADER_BYTES) return undefined;
    const head = this.#parts[0].length >= FRAME_HEADER_BYTES
      ? this.#parts[0]
      : concat(this.#parts, this.#partsBytes);
    const n = new DataView(head.buffer, head.byteOffset, head.byteLength).getUint32(0);
    this.#checkLength(n);
    return FRAME_HEADER_BYTES + n;
  }

  #checkLength(n: number): void {
    if (n === 0) throw new FrameError("empty frame (no kind byte)");
    const limit = this.#firstDecoded ? this.#maxFrameBytes : this.#maxFirstFrameBytes;
    if (n > limit) {
      const which = this.#firstDecoded ? "frame" : "first frame";
      throw new FrameError(`${which} of ${n} bytes exceeds the limit of ${limit} bytes`);
    }
  }
}

function checkLimit(maxFrameBytes: number): number {
  if (!Number.isInteger(maxFrameBytes) || maxFrameBytes < 1) {
    throw new Error(`transport: maxFrameBytes must be a positive integer, got ${maxFrameBytes}`);
  }
  return maxFrameBytes;
}

function concat(parts: Uint8Array[], totalBytes: number): Uint8Array {
  const out = new Uint8Array(totalBytes);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
