/**
 * The HTTP/2 server connection (src/h2/connection.ts, stream.ts) driven by hand-built client bytes, its
 * output read back as frames: the preface and SETTINGS exchange, a gRPC-shaped call fed split at every byte
 * boundary and answered in one output buffer, flow control both ways (the client's INITIAL_WINDOW_SIZE,
 * MAX_FRAME_SIZE and WINDOW_UPDATEs; our credit returned as data is consumed), REFUSED_STREAM past
 * maxConcurrentStreams, resets both ways, PING both ways, and each protocol error's GOAWAY code.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { H2Connection, type H2ConnectionOptions } from "../../src/h2/connection.ts";
import {
  encodeFrame, encodeHeaderFrames, encodePing, encodeRstStream, encodeSettings, encodeWindowUpdate, ErrorCode, Flag, type Frame,
  FrameReader, FrameType, PREFACE, Setting,
} from "../../src/h2/frames.ts";
import { encodeHeaders, type HeaderField, HpackDecoder } from "../../src/h2/hpack.ts";
import { HIGH_WATER_BYTES, type H2Stream } from "../../src/h2/stream.ts";

const REQUEST: HeaderField[] = [[":method", "POST"], [":scheme", "http"], [":path", "/etcdserverpb.KV/Put"], ["content-type", "application/grpc"], ["te", "trailers"]];

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** A connection under test with a client's view of its output. */
function harness(options: Partial<H2ConnectionOptions> = {}) {
  const streams: Array<{ stream: H2Stream; headers: HeaderField[] }> = [];
  const connection = new H2Connection({ onStream: (stream, headers) => streams.push({ stream, headers }), onOutput: () => {}, ...options });
  const reader = new FrameReader({ maxFrameBytes: 1 << 24 });
  const decoder = new HpackDecoder();
  /** Frames the server wrote since the last call (header blocks decoded). */
  const output = (): Array<Frame & { fields?: HeaderField[] }> => {
    const out = connection.takeOutput();
    if (out !== undefined) reader.push(out);
    const frames: Array<Frame & { fields?: HeaderField[] }> = [];
    for (let frame = reader.next(); frame !== undefined; frame = reader.next()) {
      frames.push(frame.type === FrameType.HEADERS ? { ...frame, fields: decoder.decode(frame.block) } : frame);
    }
    return frames;
  };
  return { connection, streams, output };
}

const OPENING = concat([PREFACE, encodeSettings([])]);

function headers(streamId: number, fields: HeaderField[], endStream: boolean): Uint8Array {
  return encodeHeaderFrames(streamId, encodeHeaders(fields), endStream, 16_384);
}

function goawayCode(frames: Frame[]): number | undefined {
  const goaway = frames.find((f) => f.type === FrameType.GOAWAY);
  return goaway?.type === FrameType.GOAWAY ? goaway.code : undefined;
}

test("opening: our SETTINGS and connection window first, the client's SETTINGS acknowledged", () => {
  const { connection, output } = harness({ maxConcurrentStreams: 7, streamWindowBytes: 100_000 });
  connection.receive(OPENING);
  const frames = output();
  assert.equal(frames.map((f) => f.type), [FrameType.SETTINGS, FrameType.WINDOW_UPDATE, FrameType.SETTINGS]);
  const ours = frames[0]!;
  assert.ok(ours.type === FrameType.SETTINGS && !ours.ack);
  if (ours.type === FrameType.SETTINGS) {
    assert.equal(ours.settings.slice(0, 2), [[Setting.MAX_CONCURRENT_STREAMS, 7], [Setting.INITIAL_WINDOW_SIZE, 100_000]]);
  }
  assert.ok(frames[2]!.type === FrameType.SETTINGS && frames[2]!.ack);
});

test("opening: a wrong preface, or a first frame other than SETTINGS, is a PROTOCOL_ERROR GOAWAY", () => {
  const bad = harness();
  bad.connection.receive(new TextEncoder().encode("GET / HTTP/1.1\r\n\r\n"));
  assert.is(goawayCode(bad.output()), ErrorCode.PROTOCOL_ERROR);
  assert.ok(bad.connection.ending);
  const noSettings = harness();
  noSettings.connection.receive(concat([PREFACE, encodePing(new Uint8Array(8), false)]));
  assert.is(goawayCode(noSettings.output()), ErrorCode.PROTOCOL_ERROR);
});

test("a unary call split at every byte boundary: headers and body in, headers + message + trailers out in one buffer", async () => {
  const body = Uint8Array.of(0, 0, 0, 0, 3, 10, 1, 97);
  const input = concat([OPENING, headers(1, REQUEST, false), encodeFrame(FrameType.DATA, Flag.END_STREAM, 1, body)]);
  for (let cut = 1; cut < input.length; cut++) {
    const { connection, streams, output } = harness();
    connection.receive(input.subarray(0, cut));
    connection.receive(input.subarray(cut));
    output();
    assert.is(streams.length, 1, `cut ${cut}`);
    const { stream, headers: got } = streams[0]!;
    assert.equal(got, REQUEST);
    const chunks: number[] = [];
    let ended = false;
    stream.on("data", (chunk: Uint8Array) => chunks.push(...chunk));
    stream.on("end", () => (ended = true)); // added after 'data', as src/grpc/unary.ts does
    await Promise.resolve();
    assert.equal(chunks, [...body]);
    assert.ok(ended);
    stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
    stream.once("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
    stream.end(Uint8Array.of(0, 0, 0, 0, 0));
    const out = connection.takeOutput()!;
    const frames = new FrameReader();
    frames.push(out);
    const types: number[] = [];
    for (let f = frames.next(); f !== undefined; f = frames.next()) types.push(f.type as number);
    assert.equal(types, [FrameType.HEADERS, FrameType.DATA, FrameType.HEADERS]);
    assert.ok(stream.closed);
    assert.is(connection.openStreams, 0);
  }
});

test("flow control out: the client's INITIAL_WINDOW_SIZE and MAX_FRAME_SIZE, stream and connection WINDOW_UPDATEs, write() false then 'drain'", () => {
  const { connection, streams, output } = harness();
  connection.receive(concat([PREFACE, encodeSettings([[Setting.INITIAL_WINDOW_SIZE, 10]]), headers(1, REQUEST, false)]));
  output();
  const stream = streams[0]!.stream;
  stream.respond({ ":status": 200 });
  assert.ok(stream.write(new Uint8Array(25).fill(1)));
  let frames = output();
  const dataBytes = (fs: Frame[]): number[] => fs.flatMap((f) => (f.type === FrameType.DATA ? [f.data.length] : []));
  assert.equal(dataBytes(frames), [10]);
  connection.receive(encodeWindowUpdate(1, 10));
  assert.equal(dataBytes(output()), [10]);
  // Raising the initial window by 100 raises the open stream's window by 100 too.
  connection.receive(encodeSettings([[Setting.INITIAL_WINDOW_SIZE, 110]]));
  assert.equal(dataBytes(output()), [5]);
  // The connection window (65,535 at first; 25 spent) binds next; frames keep to 16,384 bytes.
  connection.receive(encodeWindowUpdate(1, 200_000));
  let drained = false;
  stream.on("drain", () => (drained = true));
  assert.ok(stream.write(new Uint8Array(HIGH_WATER_BYTES + 10))); // 36 bytes left queued: under the mark
  assert.not.ok(stream.write(new Uint8Array(HIGH_WATER_BYTES)));
  frames = output();
  assert.equal(dataBytes(frames), [16_384, 16_384, 16_384, 16_358]);
  assert.not.ok(drained);
  connection.receive(encodeWindowUpdate(0, 100_000));
  assert.equal(dataBytes(output()), [36, 16_384, 16_384, 16_384, 16_384]);
  assert.ok(drained);
  // A larger MAX_FRAME_SIZE lets larger frames out.
  connection.receive(encodeSettings([[Setting.MAX_FRAME_SIZE, 40_000]]));
  connection.receive(encodeWindowUpdate(0, 100_000)); // 34,428 left of the connection window: make room
  stream.write(new Uint8Array(50_000));
  assert.equal(dataBytes(output()), [40_000, 10_000]);
});

test("flow control in: credit returns once data is delivered, not while the stream is paused; overrunning a window is an error", async () => {
  const { connection, streams, output } = harness({ streamWindowBytes: 1_000, connectionWindowBytes: 65_535 });
  connection.receive(concat([OPENING, headers(1, REQUEST, false)]));
  output();
  const stream = streams[0]!.stream;
  connection.receive(encodeFrame(FrameType.DATA, 0, 1, new Uint8Array(400)));
  assert.equal(output().filter((f) => f.type === FrameType.WINDOW_UPDATE), []); // paused: held, no credit
  let got = 0;
  stream.on("data", (chunk: Uint8Array) => (got += chunk.length));
  await Promise.resolve();
  assert.is(got, 400);
  const updates = output().filter((f) => f.type === FrameType.WINDOW_UPDATE);
  assert.equal(updates.map((f) => (f.type === FrameType.WINDOW_UPDATE ? [f.streamId, f.increment] : [])), [[1, 400]]);
  // 1,001 bytes into a 1,000-byte window: the stream is reset with FLOW_CONTROL_ERROR.
  connection.receive(encodeFrame(FrameType.DATA, 0, 1, new Uint8Array(1_001)));
  const reset = output().find((f) => f.type === FrameType.RST_STREAM);
  assert.ok(reset?.type === FrameType.RST_STREAM && reset.code === ErrorCode.FLOW_CONTROL_ERROR);
  // Past the connection window: GOAWAY FLOW_CONTROL_ERROR.
  const second = harness({ streamWindowBytes: 70_000, connectionWindowBytes: 65_535 });
  second.connection.receive(concat([OPENING, headers(1, REQUEST, false)]));
  for (let i = 0; i < 4; i++) second.connection.receive(encodeFrame(FrameType.DATA, 0, 1, new Uint8Array(16_384)));
  assert.is(goawayCode(second.output()), ErrorCode.FLOW_CONTROL_ERROR);
});

test("maxConcurrentStreams: the next stream is REFUSED_STREAM; once one closes another is accepted", () => {
  const { connection, streams, output } = harness({ maxConcurrentStreams: 1 });
  connection.receive(concat([OPENING, headers(1, REQUEST, false), headers(3, REQUEST, false)]));
  const refused = output().find((f) => f.type === FrameType.RST_STREAM);
  assert.ok(refused?.type === FrameType.RST_STREAM && refused.streamId === 3 && refused.code === ErrorCode.REFUSED_STREAM);
  assert.is(streams.length, 1);
  connection.receive(encodeRstStream(1, ErrorCode.CANCEL));
  assert.ok(streams[0]!.stream.destroyed);
  connection.receive(headers(5, REQUEST, true));
  assert.is(streams.length, 2);
  assert.is(streams[1]!.stream.id, 5);
});

test("resets: the client's RST_STREAM closes the stream ('close' event); ours goes out with its code; a reply before the client's end adds RST NO_ERROR", async () => {
  const { connection, streams, output } = harness();
  connection.receive(concat([OPENING, headers(1, REQUEST, false), headers(3, REQUEST, false), headers(5, REQUEST, false)]));
  output();
  let closed = false;
  streams[0]!.stream.on("close", () => (closed = true));
  connection.receive(encodeRstStream(1, ErrorCode.CANCEL));
  await Promise.resolve();
  assert.ok(closed);
  assert.is(streams[0]!.stream.rstCode, ErrorCode.CANCEL);
  streams[1]!.stream.close(ErrorCode.CANCEL);
  const ours = output().find((f) => f.type === FrameType.RST_STREAM);
  assert.ok(ours?.type === FrameType.RST_STREAM && ours.streamId === 3 && ours.code === ErrorCode.CANCEL);
  streams[2]!.stream.respond({ ":status": 200, "grpc-status": "12" }, { endStream: true });
  const after = output();
  assert.equal(after.map((f) => f.type), [FrameType.HEADERS, FrameType.RST_STREAM]);
  assert.ok(after[1]!.type === FrameType.RST_STREAM && after[1]!.code === ErrorCode.NO_ERROR);
  // Frames for closed streams are ignored, not errors.
  connection.receive(encodeFrame(FrameType.DATA, 0, 3, new Uint8Array(5)));
  assert.is(goawayCode(output()), undefined);
});

test("an answer sent from the 'data' listener of the stream's last DATA closes it without an RST_STREAM", async () => {
  const { connection, streams, output } = harness();
  connection.receive(concat([OPENING, headers(1, REQUEST, false)]));
  output();
  const stream = streams[0]!.stream;
  stream.on("data", () => stream.respond({ ":status": 200, "grpc-status": "0" }, { endStream: true }));
  await Promise.resolve();
  connection.receive(encodeFrame(FrameType.DATA, Flag.END_STREAM, 1, Uint8Array.of(0, 0, 0, 0, 0)));
  assert.equal(output().map((f) => f.type), [FrameType.HEADERS]);
  assert.ok(stream.closed);
});

test("ping: the client's PING is acknowledged with its payload and heard as 'ping'; ours calls back on its ACK", () => {
  const { connection, output } = harness();
  connection.receive(OPENING);
  output();
  let heard = 0;
  connection.on("ping", () => heard++);
  connection.receive(encodePing(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8), false));
  const ack = output()[0]!;
  assert.ok(ack.type === FrameType.PING && ack.ack && ack.payload[7] === 8);
  assert.is(heard, 1);
  let answered = false;
  assert.ok(connection.ping((error) => (answered = error === null)));
  const ours = output()[0]!;
  assert.ok(ours.type === FrameType.PING && !ours.ack);
  if (ours.type === FrameType.PING) connection.receive(encodePing(ours.payload, true));
  assert.ok(answered);
});

test("protocol errors end the connection with their code: PUSH_PROMISE, bad HPACK, an even stream id, DATA on an idle stream", () => {
  const cases: Array<[string, Uint8Array, number]> = [
    ["PUSH_PROMISE", encodeFrame(FrameType.PUSH_PROMISE, Flag.END_HEADERS, 1, Uint8Array.of(0, 0, 0, 2)), ErrorCode.PROTOCOL_ERROR],
    ["bad HPACK", encodeFrame(FrameType.HEADERS, Flag.END_HEADERS, 1, Uint8Array.of(0x80 | 70)), ErrorCode.COMPRESSION_ERROR],
    ["even stream id", headers(2, REQUEST, true), ErrorCode.PROTOCOL_ERROR],
    ["DATA on an idle stream", encodeFrame(FrameType.DATA, 0, 9, Uint8Array.of(1)), ErrorCode.PROTOCOL_ERROR],
    ["frame over 16,384 bytes", encodeFrame(FrameType.DATA, 0, 1, new Uint8Array(16_385)), ErrorCode.FRAME_SIZE_ERROR],
  ];
  for (const [name, bytes, code] of cases) {
    const { connection, output } = harness();
    connection.receive(concat([OPENING, bytes]));
    assert.is(goawayCode(output()), code, name);
    assert.ok(connection.ending, name);
  }
});

test("header limits: an oversized list refuses its stream only (HPACK stays in step); a malformed request is reset", () => {
  const { connection, streams, output } = harness({ maxHeaderListBytes: 300 });
  // The big block adds an entry to the dynamic table (incremental indexing) that the next block refers to.
  const big = Uint8Array.of(...encodeHeaders(REQUEST), 0x40, 5, ...new TextEncoder().encode("x-big"), 0x7f, 0x81, 0x01, ...new Uint8Array(256).fill(97));
  connection.receive(concat([OPENING, encodeFrame(FrameType.HEADERS, Flag.END_HEADERS, 1, big)]));
  const refused = output().find((f) => f.type === FrameType.RST_STREAM);
  assert.ok(refused?.type === FrameType.RST_STREAM && refused.code === ErrorCode.REFUSED_STREAM);
  connection.receive(encodeFrame(FrameType.HEADERS, Flag.END_HEADERS | Flag.END_STREAM, 3, Uint8Array.of(...encodeHeaders(REQUEST.slice(0, 3)))));
  assert.is(streams.length, 1);
  connection.receive(headers(5, [[":path", "/x"]], true)); // no :method
  const reset = output().find((f) => f.type === FrameType.RST_STREAM);
  assert.ok(reset?.type === FrameType.RST_STREAM && reset.streamId === 5 && reset.code === ErrorCode.PROTOCOL_ERROR);
});

test.run();
