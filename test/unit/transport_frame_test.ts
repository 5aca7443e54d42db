/** Frame decoder: partial frames, many frames per chunk, byte-at-a-time input, and framing violations. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { encodeFrame, type Frame, FrameDecoder, FrameError, FrameKind } from "../../src/transport/frame.ts";

function bytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function sameFrames(actual: Frame[], expected: { kind: FrameKind; body: Uint8Array }[]): void {
  assert.is(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    assert.is(actual[i].kind, expected[i].kind);
    assert.equal(Array.from(actual[i].body), Array.from(expected[i].body));
  }
}

test("a frame is length (kind + body), kind, body", () => {
  const f = encodeFrame(FrameKind.Messages, Uint8Array.of(7, 8));
  assert.equal(Array.from(f), [0, 0, 0, 3, FrameKind.Messages, 7, 8]);
});

test("many frames in one chunk come out in order, empty bodies included", () => {
  const expected = [
    { kind: FrameKind.Handshake, body: bytes(10, 1) },
    { kind: FrameKind.SnapEnd, body: new Uint8Array(0) },
    { kind: FrameKind.Messages, body: bytes(1000, 2) },
  ];
  const d = new FrameDecoder(4096);
  sameFrames(d.push(concat(expected.map((e) => encodeFrame(e.kind, e.body)))), expected);
  assert.is(d.bufferedBytes, 0);
});

test("frames split at every possible point are reassembled", () => {
  const expected = [
    { kind: FrameKind.Request, body: bytes(13, 3) },
    { kind: FrameKind.Response, body: bytes(5, 4) },
  ];
  const wire = concat(expected.map((e) => encodeFrame(e.kind, e.body)));
  for (let cut = 0; cut <= wire.length; cut++) {
    const d = new FrameDecoder(64);
    const got = [...d.push(wire.subarray(0, cut)), ...d.push(wire.subarray(cut))];
    sameFrames(got, expected);
    assert.is(d.bufferedBytes, 0);
  }
});

test("one byte at a time: a large frame completes only with its last byte", () => {
  const body = bytes(3000, 5);
  const wire = encodeFrame(FrameKind.SnapChunk, body);
  const d = new FrameDecoder(4096);
  for (let i = 0; i < wire.length - 1; i++) assert.is(d.push(wire.subarray(i, i + 1)).length, 0);
  assert.is(d.bufferedBytes, wire.length - 1);
  sameFrames(d.push(wire.subarray(wire.length - 1)), [{ kind: FrameKind.SnapChunk, body }]);
});

test("a partial frame followed by whole frames in the same chunk", () => {
  const a = encodeFrame(FrameKind.Messages, bytes(100, 6));
  const b = encodeFrame(FrameKind.Messages, bytes(50, 7));
  const c = encodeFrame(FrameKind.Messages, bytes(1, 8));
  const d = new FrameDecoder(1024);
  assert.is(d.push(a.subarray(0, 60)).length, 0);
  const got = d.push(concat([a.subarray(60), b, c.subarray(0, 2)]));
  assert.is(got.length, 2);
  assert.is(got[1].body.length, 50);
  assert.is(d.push(c.subarray(2)).length, 1);
});

test("an oversized frame is an error as soon as its header arrives", () => {
  const d = new FrameDecoder(100);
  const header = Uint8Array.of(0, 0, 0, 101);
  assert.throws(() => d.push(header), (e: unknown) => e instanceof FrameError && /exceeds the limit/.test(e.message));
  // Split header: the error still comes when the 4th byte arrives.
  const d2 = new FrameDecoder(100);
  assert.is(d2.push(header.subarray(0, 2)).length, 0);
  assert.throws(() => d2.push(header.subarray(2)), (e: unknown) => e instanceof FrameError);
  // Exactly at the limit is fine.
  const d3 = new FrameDecoder(101);
  assert.is(d3.push(encodeFrame(FrameKind.Messages, bytes(100, 9))).length, 1);
});

test("an empty frame and an unknown kind are errors", () => {
  assert.throws(() => new FrameDecoder(10).push(Uint8Array.of(0, 0, 0, 0)), /empty frame/);
  assert.throws(() => new FrameDecoder(10).push(Uint8Array.of(0, 0, 0, 1, 200)), /unknown frame kind 200/);
});

test("returned frames stay valid after later pushes", () => {
  const d = new FrameDecoder(64);
  const first = d.push(encodeFrame(FrameKind.Messages, bytes(10, 10)));
  d.push(encodeFrame(FrameKind.Messages, bytes(10, 11)).subarray(0, 7));
  assert.equal(Array.from(first[0].body), Array.from(bytes(10, 10)));
});

test.run();
