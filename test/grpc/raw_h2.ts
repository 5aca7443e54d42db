/**
 * A raw HTTP/2 client on a TCP socket, for what node:http2's own client will not do: open more streams than
 * the server allows, ping as often as it likes, or never answer the server's pings. It writes frames by
 * hand (HPACK literals only) and records every frame the server sends, with the time it came.
 * @module
 */
import { connect, type Socket } from "node:net";

/** HTTP/2 frame types used here (RFC 9113 §6). */
export const FrameType = { DATA: 0, HEADERS: 1, RST_STREAM: 3, SETTINGS: 4, PING: 6, GOAWAY: 7 } as const;
const END_STREAM = 0x1;
const WINDOW_UPDATE = 0x8;
const ACK = 0x1;
const END_HEADERS = 0x4;
const PREFACE = new TextEncoder().encode("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
/** Bound on frames kept per connection, so a flood from the server cannot grow the test without end. */
const MAX_FRAMES = 10_000;

/** A frame the server sent. */
export interface Frame {
  type: number;
  flags: number;
  streamId: number;
  payload: Uint8Array;
  /** Milliseconds since the connection opened. */
  atMs: number;
}

/** One raw connection. */
export interface RawH2 {
  frames: Frame[];
  /** Milliseconds since open when the server closed the socket, or undefined while open. */
  closedAtMs(): number | undefined;
  /** Opens stream `streamId` (odd, increasing) as a gRPC call of `path`, without ending it. */
  openCall(streamId: number, path: string): void;
  /** Sends DATA on a stream; `end` half-closes it. */
  data(streamId: number, payload: Uint8Array, end: boolean): void;
  ping(payload: Uint8Array): void;
  /** Returns `bytes` of send window to the server on a stream (0: the connection). */
  windowUpdate(streamId: number, bytes: number): void;
  /** Resolves once a frame passes `match` (true) or `timeoutMs` passes (false). */
  waitFor(match: (frame: Frame) => boolean, timeoutMs: number): Promise<boolean>;
  /** Resolves once the server closed the socket (true) or `timeoutMs` passes (false). */
  waitClosed(timeoutMs: number): Promise<boolean>;
  destroy(): void;
}

/** Options of a raw connection. */
export interface RawH2Options {
  /** Answer the server's pings (default false: a silent client). Its SETTINGS are always acknowledged. */
  ackPings?: boolean;
}

/** Connects, sends the preface and empty SETTINGS, and resolves once the socket is open. */
export function openRawH2(port: number, options: RawH2Options = {}): Promise<RawH2> {
  const startMs = performance.now();
  const socket: Socket = connect(port, "127.0.0.1");
  const frames: Frame[] = [];
  let closedAtMs: number | undefined;
  let pending: Uint8Array = new Uint8Array(0);
  const waiters = new Set<() => void>();
  const wake = (): void => {
    for (const waiter of [...waiters]) waiter();
  };
  socket.on("data", (chunk: Uint8Array) => {
    pending = concat(pending, chunk);
    for (let frame = takeFrame(pending); frame !== undefined && frames.length < MAX_FRAMES; frame = takeFrame(pending)) {
      pending = pending.subarray(9 + frame.payload.length);
      const received = { ...frame, atMs: performance.now() - startMs };
      frames.push(received);
      if (received.type === FrameType.SETTINGS && (received.flags & ACK) === 0) socket.write(encodeFrame(FrameType.SETTINGS, ACK, 0, new Uint8Array(0)));
      if (received.type === FrameType.PING && (received.flags & ACK) === 0 && options.ackPings === true) {
        socket.write(encodeFrame(FrameType.PING, ACK, 0, received.payload));
      }
    }
    wake();
  });
  socket.on("error", () => {});
  socket.on("close", () => {
    closedAtMs = performance.now() - startMs;
    wake();
  });
  const raw: RawH2 = {
    frames,
    closedAtMs: () => closedAtMs,
    openCall: (streamId, path) => socket.write(encodeFrame(FrameType.HEADERS, END_HEADERS, streamId, grpcHeaders(path))),
    data: (streamId, payload, end) => socket.write(encodeFrame(FrameType.DATA, end ? END_STREAM : 0, streamId, payload)),
    ping: (payload) => socket.write(encodeFrame(FrameType.PING, 0, 0, payload)),
    windowUpdate: (streamId, bytes) => {
      const increment = new Uint8Array(4);
      new DataView(increment.buffer).setUint32(0, bytes);
      socket.write(encodeFrame(WINDOW_UPDATE, 0, streamId, increment));
    },
    waitFor: (match, timeoutMs) => waitUntil(() => frames.some(match), timeoutMs),
    waitClosed: (timeoutMs) => waitUntil(() => closedAtMs !== undefined, timeoutMs),
    destroy: () => socket.destroy(),
  };
  function waitUntil(done: () => boolean, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const check = (): void => {
        if (!done() && closedAtMs === undefined) return;
        finish(done());
      };
      const finish = (ok: boolean): void => {
        clearTimeout(timer);
        waiters.delete(check);
        resolve(ok);
      };
      const timer = setTimeout(() => finish(done()), timeoutMs);
      waiters.add(check);
      check();
    });
  }
  return new Promise((resolve, reject) => {
    socket.once("error", reject);
    socket.once("connect", () => {
      socket.off("error", reject);
      socket.write(concat(PREFACE, encodeFrame(FrameType.SETTINGS, 0, 0, new Uint8Array(0))));
      resolve(raw);
    });
  });
}

/** The 32-bit error code of a RST_STREAM or GOAWAY frame. */
export function errorCodeOf(frame: Frame): number {
  const view = new DataView(frame.payload.buffer, frame.payload.byteOffset, frame.payload.length);
  return view.getUint32(frame.type === FrameType.GOAWAY ? 4 : 0);
}

/** A GOAWAY's debug data as text. */
export function goawayDebugText(frame: Frame): string {
  return new TextDecoder().decode(frame.payload.subarray(8));
}

/** The value of a SETTINGS parameter in a frame, or undefined. */
export function settingOf(frame: Frame, id: number): number | undefined {
  const view = new DataView(frame.payload.buffer, frame.payload.byteOffset, frame.payload.length);
  for (let at = 0; at + 6 <= frame.payload.length; at += 6) {
    if (view.getUint16(at) === id) return view.getUint32(at + 2);
  }
  return undefined;
}

function takeFrame(bytes: Uint8Array): Omit<Frame, "atMs"> | undefined {
  if (bytes.length < 9) return undefined;
  const length = (bytes[0]! << 16) | (bytes[1]! << 8) | bytes[2]!;
  if (bytes.length < 9 + length) return undefined;
  const streamId = new DataView(bytes.buffer, bytes.byteOffset + 5, 4).getUint32(0) & 0x7fff_ffff;
  return { type: bytes[3]!, flags: bytes[4]!, streamId, payload: bytes.slice(9, 9 + length) };
}

function encodeFrame(type: number, flags: number, streamId: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(9 + payload.length);
  out[0] = (payload.length >> 16) & 0xff;
  out[1] = (payload.length >> 8) & 0xff;
  out[2] = payload.length & 0xff;
  out[3] = type;
  out[4] = flags;
  new DataView(out.buffer).setUint32(5, streamId);
  out.set(payload, 9);
  return out;
}

/** :method POST and :scheme http from HPACK's static table, the rest as literals without indexing. */
function grpcHeaders(path: string): Uint8Array {
  const parts: number[] = [0x83, 0x86];
  const literal = (nameIndex: number | string, value: string): void => {
    if (typeof nameIndex === "string") parts.push(0x00, ...stringBytes(nameIndex));
    else if (nameIndex < 15) parts.push(nameIndex);
    else parts.push(0x0f, nameIndex - 15);
    parts.push(...stringBytes(value));
  };
  literal(4, path); // :path
  literal(1, "127.0.0.1"); // :authority
  literal(31, "application/grpc"); // content-type
  literal("te", "trailers");
  return Uint8Array.from(parts);
}

function stringBytes(text: string): number[] {
  const bytes = new TextEncoder().encode(text);
  if (bytes.length > 126) throw new Error("raw_h2: header strings are kept under 127 bytes");
  return [bytes.length, ...bytes];
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
