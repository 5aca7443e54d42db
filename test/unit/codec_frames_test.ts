// The shared length-prefixed frame codec (src/codec/frames.ts): raw frames and keep-alive stream messages.
import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  encodeFrame,
  encodeStreamFrame,
  FrameDecoder,
  messageOfFrame,
  StreamFrameReader,
} from "../../src/codec/frames.ts";

function joined(parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(parts.flatMap((p) => [...p]));
}

test("a frame cut anywhere comes out whole once its last byte arrives", () => {
  const stream = encodeFrame(new Uint8Array([9, 8, 7, 6, 5]));
  for (let cut = 0; cut <= stream.length; cut++) {
    const decoder = new FrameDecoder();
    assert.equal(decoder.push(stream.subarray(0, cut)).length, cut === stream.length ? 1 : 0, `cut at ${cut}`);
    assert.is(decoder.pendingBytes, cut === stream.length ? 0 : cut);
    const rest = decoder.push(stream.subarray(cut));
    if (cut < stream.length) assert.equal(rest.map((f) => [...f]), [[9, 8, 7, 6, 5]], `cut at ${cut}`);
    assert.is(decoder.pendingBytes, 0);
  }
});

test("several frames in one chunk come out in order, with the next one's head kept", () => {
  const frames = [new Uint8Array([1]), new Uint8Array(0), new Uint8Array([2, 3])];
  const next = encodeFrame(new Uint8Array([4, 4, 4]));
  const decoder = new FrameDecoder();
  const got = decoder.push(joined([...frames.map((f) => encodeFrame(f)), next.subarray(0, 5)]));
  assert.equal(got.map((f) => [...f]), [[1], [], [2, 3]]);
  assert.is(decoder.pendingBytes, 5);
  assert.equal(decoder.push(next.subarray(5)).map((f) => [...f]), [[4, 4, 4]]);
});

test("the size bound holds both ways, and is checked from the length prefix alone", () => {
  assert.is(encodeFrame(new Uint8Array(10), 10).length, 14);
  assert.throws(() => encodeFrame(new Uint8Array(11), 10), /too large: over the 10 limit/);
  const decoder = new FrameDecoder(10);
  assert.is(decoder.push(encodeFrame(new Uint8Array(10))).length, 1);
  // Only the 4-byte header of an 11-byte frame: refused before any of its body is buffered.
  assert.throws(() => decoder.push(encodeFrame(new Uint8Array(11)).subarray(0, 4)), /too large: over the 10 limit/);
});

test("stream messages: results and errors across chunks", () => {
  const bytes = joined([
    encodeStreamFrame({ result: { ID: 7n, TTL: 3 } }),
    encodeStreamFrame({ error: { code: 5, message: "etcdserver: requested lease not found" } }),
  ]);
  const reader = new StreamFrameReader();
  const frames = [...reader.push(bytes.subarray(0, 7)), ...reader.push(bytes.subarray(7))];
  assert.is(frames.length, 2);
  const first = messageOfFrame<{ ID: bigint; TTL: number }>("LeaseKeepAliveResponse", frames[0]!);
  assert.is(first.ID, 7n);
  assert.is(first.TTL, 3);
  assert.throws(() => messageOfFrame("LeaseKeepAliveResponse", frames[1]!), /requested lease not found/);
  assert.is(reader.pendingBytes, 0);
});

test.run();
