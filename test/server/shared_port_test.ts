/**
 * The shared client port without a splice (src/front/shared.ts, src/http1): one member with
 * sharedClientPort on, spoken to in raw bytes over loopback. Pipelined requests answered in order, a
 * chunked request body, Expect: 100-continue, a 431 for an oversized head, a 413 for a Content-Length past
 * the gateway's cap and etcd's "request is too large" under it, a request cut half-way, HEAD and an unknown
 * method, HTTP/2 (gRPC and the h2 gateway) on the same port, and a watch left quiet for over 15 s that
 * still delivers its event. Peer port 26060.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, rmSync } from "node:fs";
import { connect as h2connect } from "node:http2";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer, type TsetcdServer } from "../../src/server/mod.ts";

const READ_LIMIT_MS = 5_000;
const QUIET_WATCH_MS = 15_500;
const b64 = (s: string): string => Buffer.from(s).toString("base64");

let server: TsetcdServer;
let port = 0;
let dataDir = "";

test.before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "shared-port-"));
  const peer = "http://127.0.0.1:26060";
  server = await startServer({
    dataDir,
    listenClientUrls: ["http://127.0.0.1:0"],
    listenPeerUrls: [peer],
    initialAdvertisePeerUrls: [peer],
    initialCluster: new Map([["default", [peer]]]),
    maxRequestBytes: 1024,
    sharedClientPort: true,
  });
  port = Number(new URL(server.clientUrl).port);
});

test.after(async () => {
  await server.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** A raw connection that collects what the server sends. */
class Raw {
  socket: Socket;
  received = "";
  ended = false;
  constructor() {
    this.socket = connect(port, "127.0.0.1");
    this.socket.on("data", (chunk: Buffer) => (this.received += chunk.toString("latin1")));
    this.socket.on("close", () => (this.ended = true));
    this.socket.on("error", () => {});
  }
  /** Waits (bounded) until `done` holds of what was received. */
  async until(done: (text: string) => boolean, what: string, limitMs = READ_LIMIT_MS): Promise<string> {
    const deadline = Date.now() + limitMs;
    while (!done(this.received)) {
      if (Date.now() > deadline) throw new Error(`no ${what} within ${limitMs} ms; got ${JSON.stringify(this.received.slice(0, 500))}`);
      await Bun.sleep(10);
    }
    return this.received;
  }
  untilClosed(): Promise<string> {
    return this.until(() => this.ended, "close");
  }
}

const post = (path: string, body: string, extra = ""): string =>
  `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n${extra}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

/** The status and body of each response in `text` (bodies framed by Content-Length here). */
function responses(text: string): { status: number; body: string }[] {
  const out: { status: number; body: string }[] = [];
  let at = 0;
  for (let i = 0; i < 20 && at < text.length; i++) {
    const end = text.indexOf("\r\n\r\n", at);
    if (end < 0) break;
    const head = text.slice(at, end);
    const length = Number(/\r\ncontent-length: (\d+)/i.exec(head)?.[1] ?? "0");
    out.push({ status: Number(head.slice(9, 12)), body: text.slice(end + 4, end + 4 + length) });
    at = end + 4 + length;
  }
  return out;
}

test("pipelined requests in one write are answered in order, the last one's close honoured", async () => {
  const raw = new Raw();
  raw.socket.write(
    post("/v3/kv/put", JSON.stringify({ key: b64("p1"), value: b64("one") })) +
      post("/v3/kv/range", JSON.stringify({ key: b64("p1") })) +
      "GET /version HTTP/1.1\r\nHost: x\r\n\r\n" +
      post("/v3/kv/range", JSON.stringify({ key: b64("nope") }), "Connection: close\r\n"),
  );
  const all = responses(await raw.untilClosed());
  assert.equal(all.map((r) => r.status), [200, 200, 200, 200]);
  assert.ok(!all[0]!.body.includes("kvs"));
  assert.is(JSON.parse(all[1]!.body).kvs[0].value, b64("one"));
  assert.ok(JSON.parse(all[2]!.body).etcdserver);
  assert.is(JSON.parse(all[3]!.body).kvs, undefined);
});

test("a chunked request body, sent a few bytes at a time, is read whole", async () => {
  const raw = new Raw();
  const body = JSON.stringify({ key: b64("p1") });
  raw.socket.write("POST /v3/kv/range HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
  for (let at = 0; at < body.length; at += 5) {
    const piece = body.slice(at, at + 5);
    raw.socket.write(`${piece.length.toString(16)}\r\n${piece}\r\n`);
    await Bun.sleep(2);
  }
  raw.socket.write("0\r\n\r\n");
  const [answer] = responses(await raw.untilClosed());
  assert.is(answer!.status, 200);
  assert.is(JSON.parse(answer!.body).kvs[0].value, b64("one"));
});

test("Expect: 100-continue gets 100 Continue before the body is sent, then the answer", async () => {
  const raw = new Raw();
  const body = JSON.stringify({ key: b64("p1") });
  raw.socket.write(`POST /v3/kv/range HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: ${body.length}\r\n\r\n`);
  await raw.until((t) => t.includes("\r\n\r\n"), "100 Continue");
  assert.ok(raw.received.startsWith("HTTP/1.1 100 Continue\r\n\r\n"), raw.received);
  raw.socket.write(body);
  const text = await raw.until((t) => t.includes('"kvs"'), "the range answer");
  const [, answer] = responses(text);
  assert.is(answer!.status, 200);
  raw.socket.destroy();
});

test("bounds: a 20 KB head is 431, a Content-Length past the cap is 413 unread, a body past --max-request-bytes is etcd's error", async () => {
  const head = new Raw();
  head.socket.write(`GET /version HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`);
  assert.is(responses(await head.untilClosed())[0]!.status, 431);
  const huge = new Raw();
  huge.socket.write("POST /v3/kv/put HTTP/1.1\r\nHost: x\r\nContent-Length: 900000000\r\n\r\n");
  assert.is(responses(await huge.untilClosed())[0]!.status, 413);
  const large = new Raw();
  large.socket.write(post("/v3/kv/put", JSON.stringify({ key: b64("big"), value: b64("v".repeat(4_000)) }), "Connection: close\r\n"));
  const [answer] = responses(await large.untilClosed());
  assert.is(JSON.parse(answer!.body).message, "etcdserver: request is too large");
});

test("a request cut half-way then closed harms nothing; HEAD has no body; an unknown method gets the gateway's answer", async () => {
  const cut = new Raw();
  cut.socket.write("POST /v3/kv/put HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"key\":");
  await Bun.sleep(50);
  cut.socket.destroy();
  const headOnly = new Raw();
  headOnly.socket.write("HEAD /version HTTP/1.1\r\nHost: x\r\n\r\nGET /version HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  const text = await headOnly.untilClosed();
  const first = text.slice(0, text.indexOf("\r\n\r\n"));
  // The GET's answer follows the HEAD's head directly: the HEAD's answer carried no body.
  assert.ok(text.slice(first.length + 4).startsWith("HTTP/1.1 "), text);
  const unknown = new Raw();
  unknown.socket.write("BREW /v3/kv/range HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  assert.is(responses(await unknown.untilClosed())[0]!.status, 405);
  // The member still serves.
  const after = await fetch(`${server.clientUrl}/v3/kv/range`, { method: "POST", body: JSON.stringify({ key: b64("p1") }) });
  assert.is(after.status, 200);
  assert.is(((await after.json()) as { kvs: { value: string }[] }).kvs[0]!.value, b64("one"));
});

test("HTTP/2 on the same port: the h2 gateway and a gRPC call", async () => {
  const session = h2connect(server.clientUrl);
  session.on("error", () => {});
  try {
    const status = await new Promise<number>((done) => {
      const stream = session.request({ ":path": "/version" });
      stream.on("response", (headers) => done(Number(headers[":status"])));
      stream.on("error", () => done(-1));
      stream.resume();
    });
    assert.is(status, 200);
    // Range{key:"p1"} as a gRPC message: field 1 (bytes) "p1".
    const message = Buffer.from([0x0a, 2, 0x70, 0x31]);
    const frame = Buffer.concat([Buffer.from([0, 0, 0, 0, message.length]), message]);
    const reply = await new Promise<{ grpcStatus: string; bytes: Buffer }>((done) => {
      const stream = session.request({ ":method": "POST", ":path": "/etcdserverpb.KV/Range", "content-type": "application/grpc", te: "trailers" });
      const parts: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => parts.push(chunk));
      stream.on("trailers", (trailers) => done({ grpcStatus: String(trailers["grpc-status"]), bytes: Buffer.concat(parts) }));
      stream.on("error", () => done({ grpcStatus: "error", bytes: Buffer.alloc(0) }));
      stream.end(frame);
    });
    assert.is(reply.grpcStatus, "0");
    assert.ok(reply.bytes.includes(Buffer.from("one")), reply.bytes.toString("hex"));
  } finally {
    session.destroy();
  }
});

test("a watch left quiet for over 15 s is still open and delivers the next event", async () => {
  const raw = new Raw();
  raw.socket.write(post("/v3/watch", JSON.stringify({ create_request: { key: b64("quiet") } })));
  await raw.until((t) => t.includes('"created":true'), "the watch's created message");
  assert.match(raw.received, /transfer-encoding: chunked/i);
  await Bun.sleep(QUIET_WATCH_MS);
  assert.is(raw.ended, false);
  const put = await fetch(`${server.clientUrl}/v3/kv/put`, { method: "POST", body: JSON.stringify({ key: b64("quiet"), value: b64("late") }) });
  assert.is(put.status, 200);
  await raw.until((t) => t.includes(b64("late")), "the event after the quiet");
  raw.socket.destroy();
});

test.run();
