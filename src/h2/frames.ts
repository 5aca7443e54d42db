/**
 * HTTP/2 frames (RFC 9113 §4, §6): an incremental reader that turns socket chunks into checked frames, with
 * HEADERS + CONTINUATION joined into one header block, and writers for the frames a server sends.
 *
 * The reader checks what a frame's own header and length say (stream 0 or not, fixed lengths, padding) and
 * throws H2Error with the code RFC 9113 names; what depends on connection state (stream states, windows)
 * is the connection's job. Its buffer is bounded: it never holds more than one frame of at most
 * `maxFrameBytes` plus a header block of at most `maxHeaderBlockBytes`.
 * @module
 */

/** Frame types (§6). */
export const FrameType = {
  DATA: 0x0,
  HEADERS: 0x1,
  PRIORITY: 0x2,
  RST_STREAM: 0x3,
  SETTINGS: 0x4,
  PUSH_PROMISE: 0x5,
  PING: 0x6,
  GOAWAY: 0x7,
  WINDOW_UPDATE: 0x8,
  CONTINUATION: 0x9,
} as const;

/** Frame flags (§6). */
export const Flag = { END_STREAM: 0x1, ACK: 0x1, END_HEADERS: 0x4, PADDED: 0x8, PRIORITY: 0x20 } as const;

/** Error codes (§7). */
export const ErrorCode = {
  NO_ERROR: 0x0,
  PROTOCOL_ERROR: 0x1,
  INTERNAL_ERROR: 0x2,
  FLOW_CONTROL_ERROR: 0x3,
  SETTINGS_TIMEOUT: 0x4,
  STREAM_CLOSED: 0x5,
  FRAME_SIZE_ERROR: 0x6,
  REFUSED_STREAM: 0x7,
  CANCEL: 0x8,
  COMPRESSION_ERROR: 0x9,
  CONNECT_ERROR: 0xa,
  ENHANCE_YOUR_CALM: 0xb,
  INADEQUATE_SECURITY: 0xc,
  HTTP_1_1_REQUIRED: 0xd,
} as const;

/** Settings identifiers (§6.5.2). */
export const Setting = {
  HEADER_TABLE_SIZE: 0x1,
  ENABLE_PUSH: 0x2,
  MAX_CONCURRENT_STREAMS: 0x3,
  INITIAL_WINDOW_SIZE: 0x4,
  MAX_FRAME_SIZE: 0x5,
  MAX_HEADER_LIST_SIZE: 0x6,
} as const;

/** The client's connection preface (§3.4). */
export const PREFACE = new TextEncoder().encode("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
export const FRAME_HEADER_BYTES = 9;
/** SETTINGS_MAX_FRAME_SIZE's default and least value. */
export const DEFAULT_MAX_FRAME_BYTES = 16_384;
/** Largest flow-control window (§6.9.1). */
export const MAX_WINDOW = 0x7fffffff;

/**
 * A protocol error. `streamId` 0: a connection error (GOAWAY with `code`); otherwise a stream error
 * (RST_STREAM on that stream; the connection goes on).
 */
export class H2Error extends Error {
  constructor(readonly code: number, message: string, readonly streamId = 0) {
    super(message);
  }
}

/** A frame as the connection sees it. HEADERS carries the whole header block (CONTINUATIONs joined). */
export type Frame =
  | { type: typeof FrameType.DATA; streamId: number; endStream: boolean; data: Uint8Array; flowBytes: number }
  | { type: typeof FrameType.HEADERS; streamId: number; endStream: boolean; block: Uint8Array; dependsOn?: number }
  | { type: typeof FrameType.PRIORITY; streamId: number; dependsOn: number }
  | { type: typeof FrameType.RST_STREAM; streamId: number; code: number }
  | { type: typeof FrameType.SETTINGS; ack: boolean; settings: Array<[number, number]> }
  | { type: typeof FrameType.PING; ack: boolean; payload: Uint8Array }
  | { type: typeof FrameType.GOAWAY; lastStreamId: number; code: number; debug: Uint8Array }
  | { type: typeof FrameType.WINDOW_UPDATE; streamId: number; increment: number }
  | { type: "unknown"; frameType: number; streamId: number };

/** Limits of a frame reader. */
export interface FrameReaderOptions {
  /** SETTINGS_MAX_FRAME_SIZE we advertised (default 16384). */
  maxFrameBytes?: number;
  /** Largest header block (HEADERS + CONTINUATIONs) accepted; past it the connection is ended. */
  maxHeaderBlockBytes?: number;
}

/** Splits a byte stream into frames. Feed chunks with push(); read frames with next() until it returns undefined. */
export class FrameReader {
  readonly maxFrameBytes: number;
  readonly maxHeaderBlockBytes: number;
  #buffer: Uint8Array = new Uint8Array(0);
  #at = 0;
  /** A header block waiting for its CONTINUATIONs. */
  #open: { streamId: number; endStream: boolean; parts: Uint8Array[]; bytes: number; dependsOn?: number } | undefined;

  constructor(options: FrameReaderOptions = {}) {
    this.maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    this.maxHeaderBlockBytes = options.maxHeaderBlockBytes ?? 65_536;
  }

  /** Bytes held, not yet returned as frames. */
  get bufferedBytes(): number {
    return this.#buffer.length - this.#at;
  }

  /** Adds a chunk (the reader may keep a view of it: do not reuse its memory). */
  push(chunk: Uint8Array): void {
    if (this.#at === this.#buffer.length) {
      this.#buffer = chunk;
      this.#at = 0;
      return;
    }
    const rest = this.#buffer.subarray(this.#at);
    const joined = new Uint8Array(rest.length + chunk.length);
    joined.set(rest, 0);
    joined.set(chunk, rest.length);
    this.#buffer = joined;
    this.#at = 0;
  }

  /** The next complete frame, or undefined when more bytes are needed. Throws H2Error. */
  next(): Frame | undefined {
    // Each turn consumes one frame; a CONTINUATION returns nothing until the block ends, hence a loop,
    // bounded by the frames the buffer can hold.
    for (let guard = 0; guard <= this.#buffer.length; guard++) {
      const available = this.#buffer.length - this.#at;
      if (available < FRAME_HEADER_BYTES) return undefined;
      const b = this.#buffer;
      const at = this.#at;
      const length = (b[at]! << 16) | (b[at + 1]! << 8) | b[at + 2]!;
      const type = b[at + 3]!;
      const flags = b[at + 4]!;
      const streamId = ((b[at + 5]! & 0x7f) << 24 | (b[at + 6]! << 16) | (b[at + 7]! << 8) | b[at + 8]!) >>> 0;
      if (length > this.maxFrameBytes) throw new H2Error(ErrorCode.FRAME_SIZE_ERROR, `frame of ${length} bytes over ${this.maxFrameBytes}`);
      if (available < FRAME_HEADER_BYTES + length) return undefined;
      const payload = b.subarray(at + FRAME_HEADER_BYTES, at + FRAME_HEADER_BYTES + length);
      this.#at = at + FRAME_HEADER_BYTES + length;
      if (this.#open !== undefined && type !== FrameType.CONTINUATION) {
        throw new H2Error(ErrorCode.PROTOCOL_ERROR, "a header block interrupted by another frame");
      }
      const frame = this.#parse(type, flags, streamId, payload);
      if (frame !== undefined) return frame;
    }
    throw new Error("h2: frame reader loop bound reached");
  }

  #parse(type: number, flags: number, streamId: number, payload: Uint8Array): Frame | undefined {
    switch (type) {
      case FrameType.DATA: {
        needStream(streamId, "DATA");
        const data = unpad(payload, flags, 0);
        return { type, streamId, endStream: (flags & Flag.END_STREAM) !== 0, data, flowBytes: payload.length };
      }
      case FrameType.HEADERS:
        return this.#headers(flags, streamId, payload);
      case FrameType.CONTINUATION:
        return this.#continuation(flags, streamId, payload);
      case FrameType.PRIORITY:
        needStream(streamId, "PRIORITY");
        if (payload.length !== 5) throw new H2Error(ErrorCode.FRAME_SIZE_ERROR, "PRIORITY not 5 bytes", streamId);
        return { type, streamId, dependsOn: readU31(payload, 0) };
      case FrameType.RST_STREAM:
        needStream(streamId, "RST_STREAM");
        if (payload.length !== 4) throw new H2Error(ErrorCode.FRAME_SIZE_ERROR, "RST_STREAM not 4 bytes");
        return { type, streamId, code: readU32(payload, 0) };
      case FrameType.SETTINGS:
        return settingsFrame(flags, streamId, payload);
      case FrameType.PUSH_PROMISE:
        throw new H2Error(ErrorCode.PROTOCOL_ERROR, "PUSH_PROMISE from a client");
      case FrameType.PING:
        if (streamId !== 0) throw new H2Error(ErrorCode.PROTOCOL_ERROR, "PING on a stream");
        if (payload.length !== 8) throw new H2Error(ErrorCode.FRAME_SIZE_ERROR, "PING not 8 bytes");
        return { type, ack: (flags & Flag.ACK) !== 0, payload: payload.slice() };
      case FrameType.GOAWAY:
        if (streamId !== 0) throw new H2Error(ErrorCode.PROTOCOL_ERROR, "GOAWAY on a stream");
        if (payload.length < 8) throw new H2Error(ErrorCode.FRAME_SIZE_ERROR, "GOAWAY under 8 bytes");
        return { type, lastStreamId: readU31(payload, 0), code: readU32(payload, 4), debug: payload.slice(8) };
      case FrameType.WINDOW_UPDATE: {
        if (payload.length !== 4) throw new H2Error(ErrorCode.FRAME_SIZE_ERROR, "WINDOW_UPDATE not 4 bytes");
        const increment = readU31(payload, 0);
        if (increment === 0) throw new H2Error(ErrorCode.PROTOCOL_ERROR, "WINDOW_UPDATE of 0", streamId);
        return { type, streamId, increment };
      }
      default:
        return { type: "unknown", frameType: type, streamId }; // §4.1: unknown types are ignored
    }
  }

  #headers(flags: number, streamId: number, payload: Uint8Array): Frame | undefined {
    needStream(streamId, "HEADERS");
    let fragment = unpad(payload, flags, (flags & Flag.PRIORITY) !== 0 ? 5 : 0);
    let dependsOn: number | undefined;
    if ((flags & Flag.PRIORITY) !== 0) {
      dependsOn = readU31(fragment, 0);
      fragment = fragment.subarray(5);
    }
    const endStream = (flags & Flag.END_STREAM) !== 0;
    if ((flags & Flag.END_HEADERS) !== 0) {
      const frame: Frame = { type: FrameType.HEADERS, streamId, endStream, block: fragment.slice() };
      if (dependsOn !== undefined) frame.dependsOn = dependsOn;
      return frame;
    }
    this.#open = { streamId, endStream, parts: [fragment.slice()], bytes: fragment.length };
    if (dependsOn !== undefined) this.#open.dependsOn = dependsOn;
    this.#checkBlock();
    return undefined;
  }

  #continuation(flags: number, streamId: number, payload: Uint8Array): Frame | undefined {
    const open = this.#open;
    if (open === undefined || open.streamId !== streamId) {
      throw new H2Error(ErrorCode.PROTOCOL_ERROR, "CONTINUATION without an open header block on its stream");
    }
    open.parts.push(payload.slice());
    open.bytes += payload.length;
    this.#checkBlock();
    if ((flags & Flag.END_HEADERS) === 0) return undefined;
    this.#open = undefined;
    const block = new Uint8Array(open.bytes);
    let at = 0;
    for (const part of open.parts) {
      block.set(part, at);
      at += part.length;
    }
    const frame: Frame = { type: FrameType.HEADERS, streamId, endStream: open.endStream, block };
    if (open.dependsOn !== undefined) frame.dependsOn = open.dependsOn;
    return frame;
  }

  #checkBlock(): void {
    // Bounds CONTINUATION floods: a header block is held whole until it ends.
    if (this.#open !== undefined && this.#open.bytes > this.maxHeaderBlockBytes) {
      throw new H2Error(ErrorCode.ENHANCE_YOUR_CALM, `header block over ${this.maxHeaderBlockBytes} bytes`);
    }
  }
}

function needStream(streamId: number, name: string): void {
  if (streamId === 0) throw new H2Error(ErrorCode.PROTOCOL_ERROR, `${name} on stream 0`);
}

/** A payload without its padding (§6.1): `fixedBytes` are fields between the pad length and the data. */
function unpad(payload: Uint8Array, flags: number, fixedBytes: number): Uint8Array {
  if ((flags & Flag.PADDED) === 0) {
    if (payload.length < fixedBytes) throw new H2Error(ErrorCode.FRAME_SIZE_ERROR, "frame shorter than its fields");
    return payload;
  }
  if (payload.length < 1 + fixedBytes) throw new H2Error(ErrorCode.FRAME_SIZE_ERROR, "padded frame without its pad length");
  const padBytes = payload[0]!;
  if (padBytes > payload.length - 1 - fixedBytes) throw new H2Error(ErrorCode.PROTOCOL_ERROR, "padding longer than the payload");
  return payload.subarray(1, payload.length - padBytes);
}

function settingsFrame(flags: number, streamId: number, payload: Uint8Array): Frame {
  if (streamId !== 0) throw new H2Error(ErrorCode.PROTOCOL_ERROR, "SETTINGS on a stream");
  const ack = (flags & Flag.ACK) !== 0;
  if (ack && payload.length !== 0) throw new H2Error(ErrorCode.FRAME_SIZE_ERROR, "SETTINGS ACK with a payload");
  if (payload.length % 6 !== 0) throw new H2Error(ErrorCode.FRAME_SIZE_ERROR, "SETTINGS not a multiple of 6 bytes");
  const settings: Array<[number, number]> = [];
  for (let at = 0; at < payload.length; at += 6) {
    const id = (payload[at]! << 8) | payload[at + 1]!;
    const value = readU32(payload, at + 2);
    checkSetting(id, value);
    settings.push([id, value]);
  }
  return { type: FrameType.SETTINGS, ack, settings };
}

/** §6.5.2's bounds on the values a peer may set. */
function checkSetting(id: number, value: number): void {
  if (id === Setting.ENABLE_PUSH && value > 1) throw new H2Error(ErrorCode.PROTOCOL_ERROR, "ENABLE_PUSH not 0 or 1");
  if (id === Setting.INITIAL_WINDOW_SIZE && value > MAX_WINDOW) throw new H2Error(ErrorCode.FLOW_CONTROL_ERROR, "INITIAL_WINDOW_SIZE over 2^31-1");
  if (id === Setting.MAX_FRAME_SIZE && (value < DEFAULT_MAX_FRAME_BYTES || value > 0xffffff)) {
    throw new H2Error(ErrorCode.PROTOCOL_ERROR, "MAX_FRAME_SIZE out of range");
  }
}

function readU32(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
}

function readU31(bytes: Uint8Array, at: number): number {
  return readU32(bytes, at) & 0x7fffffff;
}

/** Writes one frame's 9-byte header into `out` at `at`. */
export function writeFrameHeader(out: Uint8Array, at: number, length: number, type: number, flags: number, streamId: number): void {
  if (length > 0xffffff || streamId > 0x7fffffff) throw new Error("h2: frame length or stream id out of range");
  out[at] = length >>> 16;
  out[at + 1] = (length >>> 8) & 0xff;
  out[at + 2] = length & 0xff;
  out[at + 3] = type;
  out[at + 4] = flags;
  out[at + 5] = (streamId >>> 24) & 0x7f;
  out[at + 6] = (streamId >>> 16) & 0xff;
  out[at + 7] = (streamId >>> 8) & 0xff;
  out[at + 8] = streamId & 0xff;
}

/** One frame as bytes. */
export function encodeFrame(type: number, flags: number, streamId: number, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  const out = new Uint8Array(FRAME_HEADER_BYTES + payload.length);
  writeFrameHeader(out, 0, payload.length, type, flags, streamId);
  out.set(payload, FRAME_HEADER_BYTES);
  return out;
}

/** A SETTINGS frame with the given [id, value] pairs (none and `ack`: the acknowledgement). */
export function encodeSettings(settings: ReadonlyArray<readonly [number, number]>, ack = false): Uint8Array {
  const payload = new Uint8Array(6 * settings.length);
  const view = new DataView(payload.buffer);
  settings.forEach(([id, value], i) => {
    view.setUint16(6 * i, id);
    view.setUint32(6 * i + 2, value);
  });
  return encodeFrame(FrameType.SETTINGS, ack ? Flag.ACK : 0, 0, payload);
}

/** A WINDOW_UPDATE (stream 0: the connection's window). */
export function encodeWindowUpdate(streamId: number, increment: number): Uint8Array {
  if (increment < 1 || increment > MAX_WINDOW) throw new Error(`h2: window increment ${increment} out of range`);
  const payload = new Uint8Array(4);
  new DataView(payload.buffer).setUint32(0, increment);
  return encodeFrame(FrameType.WINDOW_UPDATE, 0, streamId, payload);
}

/** A RST_STREAM with an error code. */
export function encodeRstStream(streamId: number, code: number): Uint8Array {
  const payload = new Uint8Array(4);
  new DataView(payload.buffer).setUint32(0, code);
  return encodeFrame(FrameType.RST_STREAM, 0, streamId, payload);
}

/** A GOAWAY naming the last stream processed, a code and optional debug text. */
export function encodeGoaway(lastStreamId: number, code: number, debug = ""): Uint8Array {
  const text = new TextEncoder().encode(debug);
  const payload = new Uint8Array(8 + text.length);
  const view = new DataView(payload.buffer);
  view.setUint32(0, lastStreamId & 0x7fffffff);
  view.setUint32(4, code);
  payload.set(text, 8);
  return encodeFrame(FrameType.GOAWAY, 0, 0, payload);
}

/** A PING (or its ACK) with 8 bytes of opaque data. */
export function encodePing(payload: Uint8Array, ack: boolean): Uint8Array {
  if (payload.length !== 8) throw new Error("h2: PING payload must be 8 bytes");
  return encodeFrame(FrameType.PING, ack ? Flag.ACK : 0, 0, payload);
}

/**
 * A header block as HEADERS plus as many CONTINUATIONs as `maxFrameBytes` needs, in one buffer.
 */
export function encodeHeaderFrames(streamId: number, block: Uint8Array, endStream: boolean, maxFrameBytes: number): Uint8Array {
  const frames = Math.max(1, Math.ceil(block.length / maxFrameBytes));
  const out = new Uint8Array(frames * FRAME_HEADER_BYTES + block.length);
  let at = 0;
  for (let i = 0; i < frames; i++) {
    const part = block.subarray(i * maxFrameBytes, Math.min(block.length, (i + 1) * maxFrameBytes));
    const last = i === frames - 1;
    const type = i === 0 ? FrameType.HEADERS : FrameType.CONTINUATION;
    const flags = (last ? Flag.END_HEADERS : 0) | (i === 0 && endStream ? Flag.END_STREAM : 0);
    writeFrameHeader(out, at, part.length, type, flags, streamId);
    out.set(part, at + FRAME_HEADER_BYTES);
    at += FRAME_HEADER_BYTES + part.length;
  }
  return out;
}
