/**
 * The HTTP/2 frame reader and writers (src/h2/frames.ts) from hand-built bytes: every frame type fed whole and
 * split at every byte boundary, HEADERS + CONTINUATION joined, padding and PRIORITY fields stripped, unknown
 * types passed over, and each malformed frame refused with RFC 9113's error code (connection or stream).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  encodeFrame, encodeGoaway, encodeHeaderFrames, encodePing, encodeRstStream, encodeSettings, encodeWindowUpdate,
  ErrorCode, Flag, type Frame, FrameReader, FrameType, H2Error,
} from "../../src/h2/frames.ts";

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** Every frame `bytes` holds, fed in pieces cut at `cuts`. */
function readAll(bytes: Uint8Array, cuts: number[] = [], options = {}): Frame[] {
  const reader = new FrameReader(options);
  const frames: Frame[] = [];
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    reader.push(bytes.slice(from, cut));
    from = cut;
    for (let frame = reader.next(); frame !== undefined; frame = reader.next()) frames.push(frame);
  }
  assert.is(reader.bufferedBytes, 0);
  return frames;
}

function errorOf(bytes: Uint8Array, options = {}): H2Error {
  try {
    readAll(bytes, [], options);
  } catch (error) {
    assert.instance(error, H2Error);
    return error as H2Error;
  }
  throw new Error("expected an H2Error");
}

const u8 = (...bytes: number[]): Uint8Array => Uint8Array.from(bytes);

const SAMPLE = concat([
  encodeSettings([[4, 65_535], [5, 16_384]]),
  encodeSettings([], true),
  encodeHeaderFrames(1, new Uint8Array(40).fill(0x82), false, 16), // HEADERS + 2 CONTINUATION
  encodeFrame(FrameType.DATA, Flag.PADDED | Flag.END_STREAM, 1, u8(3, 9, 8, 7, 0, 0, 0)),
  encodeFrame(FrameType.HEADERS, Flag.END_HEADERS | Flag.PRIORITY | Flag.PADDED, 3, u8(2, 0, 0, 0, 1, 16, 0x83, 0, 0)),
  encodeFrame(FrameType.PRIORITY, 0, 3, u8(0, 0, 0, 1, 16)),
  encodeFrame(0x42, 0xff, 5, u8(1, 2, 3)),
  encodePing(u8(1, 2, 3, 4, 5, 6, 7, 8), false),
  encodeWindowUpdate(0, 1000),
  encodeRstStream(3, ErrorCode.CANCEL),
  encodeGoaway(7, ErrorCode.NO_ERROR, "bye"),
]);

const EXPECTED: unknown[] = [
  { type: FrameType.SETTINGS, ack: false, settings: [[4, 65_535], [5, 16_384]] },
  { type: FrameType.SETTINGS, ack: true, settings: [] },
  { type: FrameType.HEADERS, streamId: 1, endStream: false, block: new Uint8Array(40).fill(0x82) },
  { type: FrameType.DATA, streamId: 1, endStream: true, data: u8(9, 8, 7), flowBytes: 7 },
  { type: FrameType.HEADERS, streamId: 3, endStream: false, block: u8(0x83), dependsOn: 1 },
  { type: FrameType.PRIORITY, streamId: 3, dependsOn: 1 },
  { type: "unknown", frameType: 0x42, streamId: 5 },
  { type: FrameType.PING, ack: false, payload: u8(1, 2, 3, 4, 5, 6, 7, 8) },
  { type: FrameType.WINDOW_UPDATE, streamId: 0, increment: 1000 },
  { type: FrameType.RST_STREAM, streamId: 3, code: ErrorCode.CANCEL },
  { type: FrameType.GOAWAY, lastStreamId: 7, code: 0, debug: new TextEncoder().encode("bye") },
];

function plain(frames: Frame[]): unknown[] {
  return frames.map((frame) => {
    const out: Record<string, unknown> = { ...frame };
    for (const key of ["block", "data", "payload", "debug"]) if (out[key] instanceof Uint8Array) out[key] = [...(out[key] as Uint8Array)];
    return out;
  });
}

test("reader: every frame type, whole", () => {
  assert.equal(plain(readAll(SAMPLE)), plain(EXPECTED as Frame[]));
});

test("reader: the same frames split at every byte boundary, and byte by byte", () => {
  for (let cut = 1; cut < SAMPLE.length; cut++) assert.equal(plain(readAll(SAMPLE, [cut])), plain(EXPECTED as Frame[]), `cut at ${cut}`);
  const everyByte = Array.from({ length: SAMPLE.length - 1 }, (_, i) => i + 1);
  assert.equal(plain(readAll(SAMPLE, everyByte)), plain(EXPECTED as Frame[]));
});

test("reader: connection errors with RFC 9113's codes", () => {
  const cases: Array<[string, Uint8Array, number]> = [
    ["PUSH_PROMISE from a client", encodeFrame(FrameType.PUSH_PROMISE, Flag.END_HEADERS, 1, u8(0, 0, 0, 2)), ErrorCode.PROTOCOL_ERROR],
    ["frame over the max size", encodeFrame(FrameType.DATA, 0, 1, new Uint8Array(16_385)), ErrorCode.FRAME_SIZE_ERROR],
    ["DATA on stream 0", encodeFrame(FrameType.DATA, 0, 0, u8(1)), ErrorCode.PROTOCOL_ERROR],
    ["HEADERS on stream 0", encodeFrame(FrameType.HEADERS, Flag.END_HEADERS, 0, u8(0x82)), ErrorCode.PROTOCOL_ERROR],
    ["SETTINGS on a stream", encodeFrame(FrameType.SETTINGS, 0, 1), ErrorCode.PROTOCOL_ERROR],
    ["SETTINGS of 5 bytes", encodeFrame(FrameType.SETTINGS, 0, 0, u8(0, 4, 0, 0, 1)), ErrorCode.FRAME_SIZE_ERROR],
    ["SETTINGS ACK with a payload", encodeFrame(FrameType.SETTINGS, Flag.ACK, 0, u8(0, 4, 0, 0, 0, 1)), ErrorCode.FRAME_SIZE_ERROR],
    ["INITIAL_WINDOW_SIZE over 2^31-1", encodeSettings([[4, 0x80000000]]), ErrorCode.FLOW_CONTROL_ERROR],
    ["MAX_FRAME_SIZE under 16384", encodeSettings([[5, 16_383]]), ErrorCode.PROTOCOL_ERROR],
    ["ENABLE_PUSH of 2", encodeSettings([[2, 2]]), ErrorCode.PROTOCOL_ERROR],
    ["PING of 7 bytes", encodeFrame(FrameType.PING, 0, 0, new Uint8Array(7)), ErrorCode.FRAME_SIZE_ERROR],
    ["PING on a stream", encodeFrame(FrameType.PING, 0, 1, new Uint8Array(8)), ErrorCode.PROTOCOL_ERROR],
    ["GOAWAY of 7 bytes", encodeFrame(FrameType.GOAWAY, 0, 0, new Uint8Array(7)), ErrorCode.FRAME_SIZE_ERROR],
    ["connection WINDOW_UPDATE of 0", encodeFrame(FrameType.WINDOW_UPDATE, 0, 0, u8(0, 0, 0, 0)), ErrorCode.PROTOCOL_ERROR],
    ["WINDOW_UPDATE of 3 bytes", encodeFrame(FrameType.WINDOW_UPDATE, 0, 0, u8(0, 0, 1)), ErrorCode.FRAME_SIZE_ERROR],
    ["RST_STREAM on stream 0", encodeRstStream(0, 0), ErrorCode.PROTOCOL_ERROR],
    ["RST_STREAM of 3 bytes", encodeFrame(FrameType.RST_STREAM, 0, 1, u8(0, 0, 8)), ErrorCode.FRAME_SIZE_ERROR],
    ["padding longer than the payload", encodeFrame(FrameType.DATA, Flag.PADDED, 1, u8(5, 1, 2)), ErrorCode.PROTOCOL_ERROR],
    ["padded with no pad length", encodeFrame(FrameType.DATA, Flag.PADDED, 1), ErrorCode.FRAME_SIZE_ERROR],
    ["CONTINUATION with no HEADERS", encodeFrame(FrameType.CONTINUATION, Flag.END_HEADERS, 1, u8(0x82)), ErrorCode.PROTOCOL_ERROR],
    ["a header block cut by another frame", concat([encodeFrame(FrameType.HEADERS, 0, 1, u8(0x82)), encodePing(new Uint8Array(8), false)]), ErrorCode.PROTOCOL_ERROR],
    ["CONTINUATION on another stream", concat([encodeFrame(FrameType.HEADERS, 0, 1, u8(0x82)), encodeFrame(FrameType.CONTINUATION, Flag.END_HEADERS, 3, u8(0x82))]), ErrorCode.PROTOCOL_ERROR],
  ];
  for (const [name, bytes, code] of cases) {
    const error = errorOf(bytes);
    assert.is(error.code, code, name);
    assert.is(error.streamId, 0, name);
  }
});

test("reader: stream errors name their stream (a stream WINDOW_UPDATE of 0, a PRIORITY of 4 bytes)", () => {
  const zero = errorOf(encodeFrame(FrameType.WINDOW_UPDATE, 0, 5, u8(0, 0, 0, 0)));
  assert.equal([zero.code, zero.streamId], [ErrorCode.PROTOCOL_ERROR, 5]);
  const priority = errorOf(encodeFrame(FrameType.PRIORITY, 0, 7, u8(0, 0, 0, 1)));
  assert.equal([priority.code, priority.streamId], [ErrorCode.FRAME_SIZE_ERROR, 7]);
});

test("reader: a CONTINUATION flood past the header block bound ends the connection; a larger max frame size is honoured", () => {
  const flood = [encodeFrame(FrameType.HEADERS, 0, 1, new Uint8Array(1000))];
  for (let i = 0; i < 70; i++) flood.push(encodeFrame(FrameType.CONTINUATION, 0, 1, new Uint8Array(1000)));
  const error = errorOf(concat(flood), { maxHeaderBlockBytes: 65_536 });
  assert.is(error.code, ErrorCode.ENHANCE_YOUR_CALM);
  const frames = readAll(encodeFrame(FrameType.DATA, 0, 1, new Uint8Array(20_000)), [], { maxFrameBytes: 65_536 });
  assert.is(frames.length, 1);
});

test("writers: header frames split at the peer's max frame size, END_STREAM on the first, END_HEADERS on the last", () => {
  const bytes = encodeHeaderFrames(9, new Uint8Array(33).fill(1), true, 16);
  assert.is(bytes.length, 3 * 9 + 33);
  assert.equal([...bytes.subarray(0, 9)], [0, 0, 16, FrameType.HEADERS, Flag.END_STREAM, 0, 0, 0, 9]);
  assert.equal([...bytes.subarray(25, 34)], [0, 0, 16, FrameType.CONTINUATION, 0, 0, 0, 0, 9]);
  assert.equal([...bytes.subarray(50, 59)], [0, 0, 1, FrameType.CONTINUATION, Flag.END_HEADERS, 0, 0, 0, 9]);
  assert.throws(() => encodeWindowUpdate(1, 0));
  assert.throws(() => encodePing(new Uint8Array(4), true));
});

test.run();
