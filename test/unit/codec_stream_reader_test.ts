// The shared streaming request-body reader (src/codec/stream_reader.ts) of the watch and keep-alive routes.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { encodeFrame } from "../../src/codec/frames.ts";
import { type StreamRequestDecoder, StreamRequestReader } from "../../src/codec/stream_reader.ts";

const ENCODER = new TextEncoder();

/** A POST whose body arrives in exactly these chunks. */
function requestOf(chunks: Uint8Array[]): Request {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });
  return new Request("http://localhost/", { method: "POST", body });
}

/** Frames carry one byte, JSON values are kept as text; 0 and `{}` are skipped. */
function decoder(badJson: (rest: string) => Error): StreamRequestDecoder<string> {
  return {
    frame: (payload) => (payload[0] === 0 ? undefined : `frame ${payload[0]}`),
    json: (text) => (text === "{}" ? undefined : text),
    oversizeFrame: (error) => new Error(`oversize: ${error.message}`),
    badJson,
  };
}
const LIMITS = { maxFrameBytes: 8, maxJsonChars: 16 };
const deferred = decoder((rest) => new Error(`bad: ${rest}`));

async function readAll(reader: StreamRequestReader<string>): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < 100; i++) {
    const next = await reader.next();
    if (next === undefined) return out;
    out.push(next);
  }
  throw new Error("reader did not end");
}

/** The error `read` fails with (the test fails if it does not). */
async function failure(read: () => Promise<unknown>): Promise<string> {
  try {
    await read();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("expected the read to fail");
}

function split(bytes: Uint8Array, size: number): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.slice(i, i + size));
  return chunks;
}

test("CBOR: frames split across chunks and several per chunk, skipped ones left out", async () => {
  const body = new Uint8Array([...encodeFrame(new Uint8Array([1])), ...encodeFrame(new Uint8Array([0])),
    ...encodeFrame(new Uint8Array([2, 9]))]);
  for (const size of [1, 3, 5, body.length]) {
    const reader = new StreamRequestReader(requestOf(split(body, size)), "cbor", deferred, LIMITS);
    assert.equal(await readAll(reader), ["frame 1", "frame 2"], `chunk size ${size}`);
    assert.is(reader.cut, false);
  }
});

test("JSON: values split across chunks (multi-byte characters too) and several per chunk", async () => {
  const body = ENCODER.encode('{"a":"é"} {}\n[1,2]{"b":{}}');
  for (const size of [1, 2, 7, body.length]) {
    const reader = new StreamRequestReader(requestOf(split(body, size)), "json", deferred, LIMITS);
    assert.equal(await readAll(reader), ['{"a":"é"}', "[1,2]", '{"b":{}}'], `chunk size ${size}`);
    assert.is(reader.cut, false);
  }
});

test("a body that ends inside a message is reported as cut", async () => {
  const frames = new StreamRequestReader(requestOf([encodeFrame(new Uint8Array([1, 2])).subarray(0, 5)]), "cbor",
    deferred, LIMITS);
  assert.equal(await readAll(frames), []);
  assert.is(frames.cut, true);
  const json = new StreamRequestReader(requestOf([ENCODER.encode('{"a":1} {"b":')]), "json", deferred, LIMITS);
  assert.equal(await readAll(json), ['{"a":1}']);
  assert.is(json.cut, true);
});

test("size bounds: an oversized frame or JSON value goes through the route's error, on every read", async () => {
  const big = new StreamRequestReader(requestOf([encodeFrame(new Uint8Array(9)).subarray(0, 4)]), "cbor", deferred,
    LIMITS);
  assert.match(await failure(() => big.next()), /oversize: frame of 9 bytes is too large: over the 8 limit/);
  const long = new StreamRequestReader(requestOf([ENCODER.encode('{"a":"' + "x".repeat(20))]), "json", deferred,
    LIMITS);
  assert.match(await failure(() => long.next()), /^oversize: request message over 16 characters is too large$/);
  assert.match(await failure(() => long.next()), /^oversize: request message over 16 characters/);
});

test("JSON nested past Go's depth bound is handed to the route as a bad value, before any size bound", async () => {
  const deep = "[".repeat(10_001);
  const reader = new StreamRequestReader(requestOf([ENCODER.encode('{"a":1} ' + deep)]), "json", deferred,
    { maxFrameBytes: 8, maxJsonChars: 1_000_000 });
  assert.is(await reader.next(), '{"a":1}');
  assert.is(await failure(() => reader.next()), `bad: ${deep}`);
  const fine = new StreamRequestReader(requestOf([ENCODER.encode("[".repeat(10_000) + "]".repeat(10_000))]), "json",
    deferred, { maxFrameBytes: 8, maxJsonChars: 1_000_000 });
  assert.equal(await readAll(fine), ["[".repeat(10_000) + "]".repeat(10_000)]);
});

test("a bad JSON token fails after the requests before it, then on every read", async () => {
  const reader = new StreamRequestReader(requestOf([ENCODER.encode('{"a":1} xx {"b":2}')]), "json", deferred, LIMITS);
  assert.is(await reader.next(), '{"a":1}');
  assert.match(await failure(() => reader.next()), /bad: xx \{"b":2\}/);
  assert.match(await failure(() => reader.next()), /bad: xx/);
});

test("a route whose badJson throws fails the read at once", async () => {
  const failFast = decoder(() => {
    throw new Error("at once");
  });
  const reader = new StreamRequestReader(requestOf([ENCODER.encode('{"a":1} xx')]), "json", failFast, LIMITS);
  assert.match(await failure(() => reader.next()), /at once/);
});

test("no body at all is an empty stream", async () => {
  const reader = new StreamRequestReader(new Request("http://localhost/", { method: "POST" }), "json", deferred,
    LIMITS);
  assert.is(await reader.next(), undefined);
  assert.is(reader.cut, false);
});

test.run();
