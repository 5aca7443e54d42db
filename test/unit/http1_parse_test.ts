/**
 * src/http1/head.ts, chunked.ts and respond.ts, from hand-built bytes: a request head and a chunked body
 * read alike whatever the split of their bytes (every boundary), the smuggling-prone framings are refused,
 * the bounds hold, and response heads say their framing.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { parseHead, type RequestHead } from "../../src/http1/head.ts";
import { ChunkedDecoder, MAX_CHUNK_LINE_CHARS } from "../../src/http1/chunked.ts";
import { chunkSizeLine, responseHead } from "../../src/http1/respond.ts";

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const LIMIT = { maxHeadBytes: 1024 };

function head(s: string): RequestHead {
  const result = parseHead(bytes(s), LIMIT);
  if (result.kind !== "head") throw new Error(`not a head: ${JSON.stringify(result)}`);
  return result;
}

test("a POST head: method, target, lower-cased fields in order, Content-Length framing, keep-alive", () => {
  const text = "POST /v3/kv/range?x=1 HTTP/1.1\r\nHost: a:1\r\nContent-Type: application/json\r\nX-A:  v1 \r\nx-a: v2\r\nContent-Length: 14\r\n\r\n";
  const h = head(`${text}{"key":"Zm9v"}`);
  assert.is(h.method, "POST");
  assert.is(h.target, "/v3/kv/range?x=1");
  assert.is(h.minorVersion, 1);
  assert.equal(h.headers, [["host", "a:1"], ["content-type", "application/json"], ["x-a", "v1"], ["x-a", "v2"], ["content-length", "14"]]);
  assert.equal(h.body, { kind: "length", bytes: 14 });
  assert.is(h.keepAlive, true);
  assert.is(h.expectContinue, false);
  assert.is(h.headBytes, text.length);
});

test("every split of a head: 'more' until the blank line is complete, then the same head", () => {
  const text = "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  for (let cut = 0; cut < text.length; cut++) {
    assert.equal(parseHead(bytes(text.slice(0, cut)), LIMIT), { kind: "more" }, `cut at ${cut}`);
  }
  const h = head(text);
  assert.is(h.keepAlive, false);
  assert.equal(h.body, { kind: "none" });
});

test("keep-alive: 1.1 unless close, 1.0 only with keep-alive; Expect: 100-continue only with a body", () => {
  assert.is(head("GET / HTTP/1.0\r\n\r\n").keepAlive, false);
  assert.is(head("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n").keepAlive, true);
  assert.is(head("GET / HTTP/1.1\r\nConnection: foo, Close\r\n\r\n").keepAlive, false);
  assert.is(head("POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n").expectContinue, true);
  assert.is(head("POST / HTTP/1.1\r\nExpect: 100-continue\r\n\r\n").expectContinue, false);
  assert.is(head("POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n").expectContinue, false);
});

test("framing: chunked, equal repeated lengths; smuggling shapes and bad lengths refused", () => {
  assert.equal(head("POST / HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n").body, { kind: "chunked" });
  assert.equal(head("POST / HTTP/1.1\r\nContent-Length: 5, 5\r\nContent-Length: 5\r\n\r\n").body, { kind: "length", bytes: 5 });
  assert.equal(head("POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n").body, { kind: "none" });
  const refused: [string, number][] = [
    ["POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", 400],
    ["POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", 400],
    ["POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400],
    ["POST / HTTP/1.1\r\nContent-Length: 0x10\r\n\r\n", 400],
    ["POST / HTTP/1.1\r\nContent-Length: 1234567890123456\r\n\r\n", 400],
    ["POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501],
    ["POST / HTTP/1.1\r\nTransfer-Encoding: identity\r\n\r\n", 501],
    ["POST / HTTP/1.1\r\nHost : x\r\n\r\n", 400],
    ["POST / HTTP/1.1\r\n: x\r\n\r\n", 400],
    ["POST / HTTP/1.1\r\nno colon\r\n\r\n", 400],
    ["POST / HTTP/1.1\r\nX: a\x01b\r\n\r\n", 400],
    ["POST /  HTTP/1.1\r\n\r\n", 400],
    ["POST / HTTP/2.0\r\n\r\n", 400],
    ["POST /a b HTTP/1.1\r\n\r\n", 400],
    ["P(ST / HTTP/1.1\r\n\r\n", 400],
    ["GET /\xff HTTP/1.1\r\n\r\n", 400],
  ];
  for (const [text, status] of refused) {
    const result = parseHead(Uint8Array.from(text, (c) => c.charCodeAt(0)), LIMIT);
    assert.is(result.kind, "error", JSON.stringify(text));
    assert.is((result as { status: number }).status, status, JSON.stringify(text));
  }
});

test("bounds: a head past maxHeadBytes is 431 whether or not its end has come; too many fields is 431", () => {
  const long = `GET / HTTP/1.1\r\nX: ${"a".repeat(2000)}\r\n\r\n`;
  assert.equal(parseHead(bytes(long), LIMIT).kind, "error");
  assert.is((parseHead(bytes(long), LIMIT) as { status: number }).status, 431);
  assert.is((parseHead(bytes(long.slice(0, 1100)), LIMIT) as { status: number }).status, 431);
  assert.equal(parseHead(bytes(long.slice(0, 1000)), LIMIT), { kind: "more" });
  const many = `GET / HTTP/1.1\r\n${"a: b\r\n".repeat(201)}\r\n`;
  assert.is((parseHead(bytes(many), { maxHeadBytes: 100_000 }) as { status: number }).status, 431);
  // Exactly at the bound is accepted.
  const exact = `GET / HTTP/1.1\r\nX: ${"a".repeat(1024 - 19)}\r\n\r\n`;
  assert.is(exact.length, 1024 + 4);
  assert.is(parseHead(bytes(exact), LIMIT).kind, "head");
  const over = `GET / HTTP/1.1\r\nX: ${"a".repeat(1024 - 18)}\r\n\r\n`;
  assert.is((parseHead(bytes(over), LIMIT) as { status: number }).status, 431);
});

/** Feeds `wire` in pieces cut at `cuts`; returns the body, the bytes after it, and whether it ended. */
function decode(wire: Uint8Array, cuts: number[]): { body: string; rest: string; done: boolean } | { error: string } {
  const decoder = new ChunkedDecoder();
  const parts: Uint8Array[] = [];
  let rest = "";
  const edges = [0, ...cuts, wire.length];
  for (let i = 0; i + 1 < edges.length; i++) {
    const piece = wire.subarray(edges[i], edges[i + 1]);
    if (decoder.done) {
      rest += new TextDecoder().decode(piece);
      continue;
    }
    const step = decoder.feed(piece);
    if ("error" in step) return step;
    parts.push(...step.data);
    rest += new TextDecoder().decode(piece.subarray(step.consumed));
  }
  return { body: parts.map((p) => new TextDecoder().decode(p)).join(""), rest, done: decoder.done };
}

test("chunked: every single and double split of a body with extensions and a trailer decodes the same", () => {
  const wire = bytes("4;ext=1\r\n{\"ke\r\nA\r\ny\":\"Zm9v\"}\r\n0\r\nX-T: 1\r\n\r\nGET / HTTP/1.1");
  const whole = decode(wire, []);
  assert.equal(whole, { body: '{"key":"Zm9v"}', rest: "GET / HTTP/1.1", done: true });
  for (let a = 0; a <= wire.length; a++) {
    assert.equal(decode(wire, [a]), whole, `cut at ${a}`);
    for (let b = a; b <= wire.length; b += 3) assert.equal(decode(wire, [a, b]), whole, `cuts at ${a},${b}`);
  }
  // Not ended yet: everything before the trailer's blank line.
  assert.equal(decode(wire.subarray(0, wire.indexOf(0x47) - 1), []), { body: '{"key":"Zm9v"}', rest: "", done: false });
});

test("chunked: malformed sizes, missing CRLF after data, bare LF and an endless size line are errors", () => {
  for (const text of ["g\r\n", "\r\n", "4\r\nabcdX\r\n", "4\r\nabcdXY0\r\n\r\n", "4\nabcd", "1234567890abcdef0\r\n", "-1\r\n"]) {
    assert.ok("error" in decode(bytes(text), []), JSON.stringify(text));
  }
  const endless = bytes(`1;${"x".repeat(MAX_CHUNK_LINE_CHARS + 10)}`);
  assert.ok("error" in decode(endless, [100, 2000]));
  const feedAfterEnd = new ChunkedDecoder();
  feedAfterEnd.feed(bytes("0\r\n\r\n"));
  assert.throws(() => feedAfterEnd.feed(bytes("x")));
});

test("response heads: status line, handler fields minus the framing ones, then the framing and close", () => {
  const fields: [string, string][] = [["content-type", "application/json"], ["Content-Length", "999"], ["connection", "x"]];
  assert.is(
    responseHead(200, fields, { framing: { kind: "length", bytes: 2 }, keepAlive: true }),
    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n",
  );
  assert.is(
    responseHead(404, [], { framing: { kind: "chunked" }, keepAlive: false, date: "D" }),
    "HTTP/1.1 404 Not Found\r\ndate: D\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n",
  );
  assert.is(chunkSizeLine(26), "1a\r\n");
  assert.throws(() => chunkSizeLine(0));
  assert.throws(() => responseHead(99, [], { framing: { kind: "chunked" }, keepAlive: true }));
});

test.run();
