/**
 * HPACK (src/h2/hpack.ts, huffman.ts, hpack_static.ts): integers and Huffman strings from hand-built bytes,
 * the dynamic table's eviction and size updates, the bounds, and node:http2 as an oracle both ways — its
 * client's header blocks (Huffman-coded, dynamic table in use across requests) decode to what it sent, and
 * the blocks our encoder writes come out of its client as we wrote them.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { connect } from "node:http2";
import { createServer, type Socket } from "node:net";
import { HUFFMAN_CODES, HUFFMAN_LENGTHS, huffmanDecode, huffmanEncodeInto, huffmanLength } from "../../src/h2/huffman.ts";
import { DynamicTable, encodeHeaders, HeaderListTooLarge, HpackDecoder, HpackError, type HeaderField } from "../../src/h2/hpack.ts";
import { encodeFrame, encodeHeaderFrames, encodeSettings, Flag, FrameReader, FrameType, PREFACE } from "../../src/h2/frames.ts";

const ascii = (text: string): number[] => [...text].map((c) => c.charCodeAt(0));

test("huffman: the table is a complete canonical code ending in the 30-bit all-ones EOS", () => {
  assert.is(HUFFMAN_LENGTHS.length, 257);
  let kraft = 0;
  for (const bits of HUFFMAN_LENGTHS) kraft += 2 ** -bits;
  assert.is(kraft, 1);
  assert.is(HUFFMAN_CODES[256], 0x3fffffff);
  // Facts from RFC 7541 Appendix B: '0' is 00000 (5 bits), 'a' is 00011, ' ' is 010100 (6 bits).
  assert.equal([HUFFMAN_CODES[48], HUFFMAN_LENGTHS[48]], [0b00000, 5]);
  assert.equal([HUFFMAN_CODES[97], HUFFMAN_LENGTHS[97]], [0b00011, 5]);
  assert.equal([HUFFMAN_CODES[32], HUFFMAN_LENGTHS[32]], [0b010100, 6]);
});

test("huffman: every octet round-trips, alone and in one string", () => {
  let all = "";
  for (let octet = 0; octet < 256; octet++) {
    const text = String.fromCharCode(octet);
    all += text;
    const out = new Uint8Array(huffmanLength(text));
    assert.is(huffmanEncodeInto(text, out, 0), out.length);
    assert.is(huffmanDecode(out), text);
  }
  const out = new Uint8Array(huffmanLength(all));
  huffmanEncodeInto(all, out, 0);
  assert.is(huffmanDecode(out), all);
});

test("huffman: bad padding and an encoded EOS are refused", () => {
  // '0' (00000) then 3 padding bits of ones: 0b00000111 is fine; 0b00000101 has a zero in the padding.
  assert.is(huffmanDecode(Uint8Array.of(0b00000111)), "0");
  assert.throws(() => huffmanDecode(Uint8Array.of(0b00000101)), /padding/);
  // A whole byte of ones after a symbol is 8 padding bits: too long.
  assert.throws(() => huffmanDecode(Uint8Array.of(0b00000111, 0xff)), /padding/);
  // EOS itself (30 ones) followed by 2 padding ones.
  assert.throws(() => huffmanDecode(Uint8Array.of(0xff, 0xff, 0xff, 0xff)), /EOS/);
});

test("integers: RFC 7541 C.1's three examples and the bounds", () => {
  const decoder = new HpackDecoder();
  // 10 in a 5-bit prefix is one byte; the block here is a size update (001xxxxx) so the prefix is 5 bits.
  decoder.decode(Uint8Array.of(0x20 | 10));
  assert.is(decoder.table.maxBytes, 10);
  // 1337 with a 5-bit prefix: 31, then 1306 = 0x9a 0x0a.
  const big = new HpackDecoder({ maxTableBytes: 2000 });
  big.decode(Uint8Array.of(0x20 | 31, 0x9a, 0x0a));
  assert.is(big.table.maxBytes, 1337);
  // Above the advertised table size: a compression error.
  assert.throws(() => new HpackDecoder().decode(Uint8Array.of(0x3f, 0xe9, 0x26)), (e: unknown) => e instanceof HpackError); // 5000 > 4096
  // Too many continuation bytes, and running off the block.
  assert.throws(() => decoder.decode(Uint8Array.of(0x3f, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01)), (e: unknown) => e instanceof HpackError);
  assert.throws(() => decoder.decode(Uint8Array.of(0x3f, 0xff)), (e: unknown) => e instanceof HpackError);
});

test("decoder: indexed, literal with and without indexing, never indexed; the dynamic table grows and is indexed from 62", () => {
  const decoder = new HpackDecoder();
  const block = Uint8Array.of(
    0x83, // :method POST
    0x44, 0x04, ...ascii("/foo"), // :path /foo, incremental indexing, name index 4
    0x40, 0x03, ...ascii("x-a"), 0x01, ...ascii("1"), // x-a: 1, new name, indexed
    0x0f, 0x10, 0x04, ...ascii("text"), // content-type (31 = 15 + 16): text, without indexing
    0x10, 0x03, ...ascii("x-s"), 0x01, ...ascii("s"), // never indexed
  );
  assert.equal(decoder.decode(block), [[":method", "POST"], [":path", "/foo"], ["x-a", "1"], ["content-type", "text"], ["x-s", "s"]]);
  assert.is(decoder.table.length, 2);
  assert.is(decoder.table.sizeBytes, (5 + 4 + 32) + (3 + 1 + 32));
  // 62 is the newest (x-a: 1), 63 the older (:path /foo).
  assert.equal(decoder.decode(Uint8Array.of(0x80 | 62, 0x80 | 63)), [["x-a", "1"], [":path", "/foo"]]);
  assert.throws(() => decoder.decode(Uint8Array.of(0x80 | 64)), (e: unknown) => e instanceof HpackError);
  assert.throws(() => decoder.decode(Uint8Array.of(0x80)), (e: unknown) => e instanceof HpackError);
  // A size update after a field, and a size update to 0 that empties the table.
  assert.throws(() => decoder.decode(Uint8Array.of(0x82, 0x20)), (e: unknown) => e instanceof HpackError);
  decoder.decode(Uint8Array.of(0x20));
  assert.is(decoder.table.length, 0);
  assert.is(decoder.table.sizeBytes, 0);
});

test("dynamic table: eviction keeps the newest within the limit; an entry larger than the table empties it", () => {
  const table = new DynamicTable(100);
  table.add(["a", "1"]); // 34
  table.add(["b", "2"]); // 68
  table.add(["c", "3"]); // 102 > 100: a goes
  assert.is(table.length, 2);
  assert.equal(table.field(62), ["c", "3"]);
  assert.equal(table.field(63), ["b", "2"]);
  table.add(["big", "x".repeat(100)]);
  assert.is(table.length, 0);
  assert.is(table.sizeBytes, 0);
});

test("decoder: a header list over the limit is HeaderListTooLarge after the whole block (the table stays in step)", () => {
  const decoder = new HpackDecoder({ maxHeaderListBytes: 100 });
  const block = Uint8Array.of(0x40, 0x01, ...ascii("a"), 0x32, ...ascii("v".repeat(50)), 0x40, 0x01, ...ascii("b"), 0x32, ...ascii("w".repeat(50)));
  assert.throws(() => decoder.decode(block), (e: unknown) => e instanceof HeaderListTooLarge);
  assert.is(decoder.table.length, 2); // both entries were added as the peer's encoder did
  // A string that runs past its block, and a Huffman string with bad padding.
  assert.throws(() => decoder.decode(Uint8Array.of(0x00, 0x05, ...ascii("ab"))), (e: unknown) => e instanceof HpackError);
  assert.throws(() => decoder.decode(Uint8Array.of(0x00, 0x81, 0b00000101, 0x00)), (e: unknown) => e instanceof HpackError);
});

test("encoder: static hits are one byte, names from the static table, Huffman only when shorter; our decoder reads it back", () => {
  const fields: HeaderField[] = [[":status", "200"], ["content-type", "application/grpc"], ["grpc-status", "0"], ["grpc-message", "%00\u00ff"]];
  const block = encodeHeaders(fields);
  assert.is(block[0], 0x88);
  assert.is(block[1], 0x0f); // content-type's index 31 in a 4-bit prefix: 15, then 16
  assert.is(block[2], 0x10);
  assert.equal(new HpackDecoder().decode(block), fields);
  // A long value takes the multi-byte length.
  const long: HeaderField[] = [["x-long", "z".repeat(300)]];
  assert.equal(new HpackDecoder().decode(encodeHeaders(long)), long);
});

/** A raw HTTP/2 server on node:net for the oracle tests: decodes each request's headers, answers with `answer`. */
function oracleServer(port: number, answer: (streamId: number) => Uint8Array[]): Promise<{ seen: HeaderField[][]; close: () => void }> {
  const seen: HeaderField[][] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    const reader = new FrameReader();
    const decoder = new HpackDecoder();
    let prefaceLeft = PREFACE.length;
    socket.write(encodeSettings([]));
    socket.on("error", () => {});
    socket.on("data", (chunk: Buffer) => {
      let bytes = new Uint8Array(chunk);
      if (prefaceLeft > 0) {
        const take = Math.min(prefaceLeft, bytes.length);
        prefaceLeft -= take;
        bytes = bytes.subarray(take);
      }
      reader.push(bytes);
      for (let i = 0; i < 1000; i++) {
        const frame = reader.next();
        if (frame === undefined) break;
        if (frame.type === FrameType.SETTINGS && !frame.ack) socket.write(encodeSettings([], true));
        if (frame.type === FrameType.HEADERS) {
          seen.push(decoder.decode(frame.block));
          for (const out of answer(frame.streamId)) socket.write(out);
        }
      }
    });
  });
  return new Promise((resolve) => {
    server.listen(port, "127.0.0.1", () =>
      resolve({
        seen,
        close: () => {
          for (const socket of sockets) socket.destroy();
          server.close();
        },
      }));
  });
}

test("oracle: node:http2's client header blocks (Huffman, dynamic table across requests) decode to what it sent", async () => {
  const answer = (streamId: number): Uint8Array[] => [
    encodeHeaderFrames(streamId, encodeHeaders([[":status", "200"]]), true, 16_384),
  ];
  const server = await oracleServer(27501, answer);
  const client = connect("http://127.0.0.1:27501");
  client.on("error", () => {});
  try {
    const sent: Record<string, string>[] = [];
    for (let i = 0; i < 5; i++) {
      const headers = {
        ":method": "POST",
        ":path": `/etcdserverpb.KV/Put`,
        "content-type": "application/grpc",
        te: "trailers",
        "user-agent": "grpc-go/1.26.0",
        "x-token": `token-${"ab".repeat(i * 20)}-${i}`,
        "x-binary-bin": Buffer.from([i, 255, 0, 7]).toString("base64"),
      };
      sent.push(headers);
      await new Promise<void>((resolve, reject) => {
        const request = client.request(headers, { endStream: true });
        request.on("response", () => {});
        request.on("error", reject);
        request.on("close", () => resolve());
        request.resume();
      });
    }
    assert.is(server.seen.length, 5);
    for (let i = 0; i < 5; i++) {
      const got = Object.fromEntries(server.seen[i]!.filter(([name]) => name !== ":scheme" && name !== ":authority"));
      assert.equal(got, sent[i]);
    }
  } finally {
    client.close();
    server.close();
  }
});

test("oracle: node:http2's client reads our encoder's headers, a CONTINUATION-split block and trailers as we wrote them", async () => {
  const message = "bad key: ü 100% done"; // octets ≥ 0x80 are allowed in a value (CR and LF are not)
  const answer = (streamId: number): Uint8Array[] => {
    const big = encodeHeaders([[":status", "200"], ["content-type", "application/grpc"], ["x-padding", "q".repeat(40_000)]]);
    return [
      encodeHeaderFrames(streamId, big, false, 16_384), // three frames: HEADERS + 2 CONTINUATION
      encodeFrame(FrameType.DATA, 0, streamId, Uint8Array.of(0, 0, 0, 0, 1, 42)),
      encodeHeaderFrames(streamId, encodeHeaders([["grpc-status", "3"], ["grpc-message", Buffer.from(message).toString("latin1")]]), true, 16_384),
    ];
  };
  const server = await oracleServer(27502, answer);
  const client = connect("http://127.0.0.1:27502");
  client.on("error", () => {});
  try {
    const result = await new Promise<{ headers: Record<string, unknown>; trailers: Record<string, unknown>; body: Buffer }>((resolve, reject) => {
      const request = client.request({ ":method": "POST", ":path": "/x" }, { endStream: true });
      let headers: Record<string, unknown> = {};
      let trailers: Record<string, unknown> = {};
      const chunks: Buffer[] = [];
      request.on("response", (h) => (headers = h));
      request.on("trailers", (t) => (trailers = t));
      request.on("data", (c: Buffer) => chunks.push(c));
      request.on("error", reject);
      request.on("close", () => resolve({ headers, trailers, body: Buffer.concat(chunks) }));
    });
    assert.is(result.headers[":status"], 200);
    assert.is(result.headers["content-type"], "application/grpc");
    assert.is(String(result.headers["x-padding"]).length, 40_000);
    assert.equal([...result.body], [0, 0, 0, 0, 1, 42]);
    assert.is(result.trailers["grpc-status"], "3");
    assert.is(Buffer.from(String(result.trailers["grpc-message"]), "latin1").toString(), message);
  } finally {
    client.close();
    server.close();
  }
});

test.run();
