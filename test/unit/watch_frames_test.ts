// Message boundaries on watch streams: CBOR length-prefixed frames and successive JSON values.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { encodeFrame, FrameDecoder, JsonValueSplitter } from "../../src/watch/frames.ts";

test("frames survive any chunking", () => {
  const payloads = [new Uint8Array([1, 2, 3]), new Uint8Array(0), new Uint8Array(300).fill(7)];
  const stream = new Uint8Array(payloads.reduce((n, p) => n + 4 + p.length, 0));
  let offset = 0;
  for (const p of payloads) {
    stream.set(encodeFrame(p), offset);
    offset += 4 + p.length;
  }
  for (const size of [1, 2, 5, 64, stream.length]) {
    const decoder = new FrameDecoder();
    const got: Uint8Array[] = [];
    for (let i = 0; i < stream.length; i += size) got.push(...decoder.push(stream.slice(i, i + size)));
    assert.equal(got.map((f) => [...f]), payloads.map((p) => [...p]), `chunk size ${size}`);
    assert.is(decoder.pendingBytes, 0);
  }
});

test("a frame over the limit is refused before it is buffered", () => {
  const decoder = new FrameDecoder(10);
  assert.throws(() => decoder.push(encodeFrame(new Uint8Array(11))), /over the 10 limit/);
});

test("JSON values are split on top-level boundaries, strings with braces included", () => {
  const text = ' {"a":"}{\\"x"} [1,{"b":[]}]\n{"c":{"d":"\\\\"}}  ';
  for (const size of [1, 3, text.length]) {
    const splitter = new JsonValueSplitter();
    const values: string[] = [];
    for (let i = 0; i < text.length; i += size) values.push(...splitter.push(text.slice(i, i + size)).values);
    assert.equal(values, ['{"a":"}{\\"x"}', '[1,{"b":[]}]', '{"c":{"d":"\\\\"}}'], `chunk size ${size}`);
    assert.is(splitter.pending, "");
  }
});

test("a bare token at the top level is handed back whole; an unfinished value stays pending", () => {
  const splitter = new JsonValueSplitter();
  assert.equal(splitter.push('{"a":1} xx {"b":2}'), { values: ['{"a":1}'], bad: 'xx {"b":2}' });
  const open = new JsonValueSplitter();
  assert.equal(open.push('{"create_request":'), { values: [] });
  assert.is(open.pending, '{"create_request":');
});

test.run();
