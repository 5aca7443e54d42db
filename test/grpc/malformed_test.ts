/**
 * Malformed gRPC input against an in-process member with the split (gRPC and HTTP-only URLs), through a
 * raw node:http2 client: bad protobuf, a wrong content type, an oversized length prefix, streams cut or
 * reset mid-message, unknown methods, a bad grpc-timeout, connections dropped mid-watch. Each gets the
 * status etcd 3.4 answers (texts observed with the same raw client against etcd 3.4), and afterwards the
 * member still serves gRPC and HTTP with its data intact.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { type ClientHttp2Session, connect } from "node:http2";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { encodeProtobuf, decodeProtobuf } from "../../src/codec/protobuf.ts";
import { frameMessage } from "../../src/grpc/framing.ts";
import { decodeGrpcMessage } from "../../src/grpc/status.ts";
import { startServer, type TsetcdServer } from "../../src/server/mod.ts";

const GRPC_PORT = 33200;
const HTTP_PORT = 33201;
const PEER_PORT = 33202;
const CALL_LIMIT_MS = 5_000;

let server: TsetcdServer;
let dataDir: string;
const ENC = new TextEncoder();

/** What one raw call got back. */
interface RawAnswer {
  status?: string;
  message?: string;
  messages: Uint8Array[];
  httpStatus?: number;
  rstCode?: number;
}

/** One call: `chunks` written in order (then the end of the stream unless `keepOpen`); bounded in time. */
function rawCall(
  path: string,
  chunks: Uint8Array[],
  options: { contentType?: string; headers?: Record<string, string>; keepOpen?: boolean; waitMs?: number } = {},
): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const session = connect(`http://127.0.0.1:${GRPC_PORT}`);
    session.on("error", () => {});
    const stream = session.request({
      ":method": "POST",
      ":path": path,
      "content-type": options.contentType ?? "application/grpc",
      te: "trailers",
      ...options.headers,
    });
    const answer: RawAnswer = { messages: [] };
    let body = new Uint8Array(0);
    const take = (headers: Record<string, unknown>): void => {
      if (headers[":status"] !== undefined) answer.httpStatus = Number(headers[":status"]);
      if (headers["grpc-status"] !== undefined) answer.status = String(headers["grpc-status"]);
      if (headers["grpc-message"] !== undefined) answer.message = decodeGrpcMessage(String(headers["grpc-message"]));
    };
    stream.on("response", take);
    stream.on("trailers", take);
    stream.on("data", (chunk: Uint8Array) => {
      body = new Uint8Array([...body, ...chunk]);
    });
    stream.on("error", () => {});
    let finished = false;
    const done = (): void => {
      if (finished) return; // Bun may emit 'close' twice
      finished = true;
      clearTimeout(timer);
      for (let i = 0; i + 5 <= body.length;) {
        const size = new DataView(body.buffer, i + 1, 4).getUint32(0);
        answer.messages.push(body.slice(i + 5, i + 5 + size));
        i += 5 + size;
      }
      if (stream.rstCode !== undefined && stream.rstCode !== 0) answer.rstCode = stream.rstCode;
      session.destroy();
      resolve(answer);
    };
    stream.on("close", done);
    const timer = setTimeout(done, options.waitMs ?? CALL_LIMIT_MS);
    for (const chunk of chunks) stream.write(chunk);
    if (options.keepOpen !== true) stream.end();
  });
}

async function rangeValue(key: string): Promise<string | undefined> {
  const answer = await rawCall("/etcdserverpb.KV/Range", [frameMessage(encodeProtobuf("RangeRequest", { key: ENC.encode(key) }))]);
  assert.is(answer.status, "0", answer.message);
  const response = decodeProtobuf<{ kvs: { value: Uint8Array }[] }>("RangeResponse", answer.messages[0]!);
  return response.kvs[0] === undefined ? undefined : new TextDecoder().decode(response.kvs[0].value);
}

test.before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "grpc-malformed-"));
  server = await startServer({
    dataDir,
    listenClientUrls: [`http://127.0.0.1:${GRPC_PORT}`],
    listenClientHttpUrls: [new URL(`http://127.0.0.1:${HTTP_PORT}`)],
    listenPeerUrls: [`http://127.0.0.1:${PEER_PORT}`],
    initialAdvertisePeerUrls: [`http://127.0.0.1:${PEER_PORT}`],
    initialCluster: new Map([["default", [`http://127.0.0.1:${PEER_PORT}`]]]),
  });
  const put = await rawCall("/etcdserverpb.KV/Put", [frameMessage(encodeProtobuf("PutRequest", { key: ENC.encode("keep"), value: ENC.encode("me") }))]);
  assert.is(put.status, "0", put.message);
});

test.after(async () => {
  await server.close();
  rmSync(dataDir, { recursive: true, force: true });
});

test("the split: gRPC on the client URL, the gateway on the HTTP-only URL", () => {
  assert.equal(server.grpcUrls, [`http://127.0.0.1:${GRPC_PORT}`]);
  assert.equal(server.clientUrls, [`http://127.0.0.1:${HTTP_PORT}`]);
});

test("malformed unary calls get etcd 3.4's statuses and texts", async () => {
  const cases: [string, string, Uint8Array[], string, string][] = [
    ["bad protobuf", "/etcdserverpb.KV/Range", [Uint8Array.of(0, 0, 0, 0, 2, 0xff, 0xff)], "13", "grpc: error unmarshalling request: unexpected EOF"],
    ["huge length prefix", "/etcdserverpb.KV/Range", [Uint8Array.of(0, 0xff, 0xff, 0xff, 0xff, 0)], "8", "grpc: received message larger than max (4294967295 vs. 2097152)"],
    ["no message", "/etcdserverpb.KV/Range", [], "2", "EOF"],
    ["cut message", "/etcdserverpb.KV/Range", [Uint8Array.of(0, 0, 0, 0, 5, 0x0a, 0x01)], "2", "unexpected EOF"],
    ["empty key", "/etcdserverpb.KV/Put", [frameMessage(new Uint8Array(0))], "3", "etcdserver: key is not provided"],
    ["unknown method", "/etcdserverpb.KV/Nope", [], "12", "unknown method Nope for service etcdserverpb.KV"],
    ["unknown service", "/etcdserverpb.Nope/Range", [], "12", "unknown service etcdserverpb.Nope"],
    ["malformed name", "/nope", [], "8", 'malformed method name: "/nope"'],
    ["bad lease id", "/etcdserverpb.Lease/LeaseRevoke", [frameMessage(encodeProtobuf("LeaseRevokeRequest", { ID: 42n }))], "5", "etcdserver: requested lease not found"],
  ];
  for (const [name, path, chunks, status, message] of cases) {
    const answer = await rawCall(path, chunks);
    assert.is(answer.status, status, name);
    assert.is(answer.message, message, name);
  }
});

test("a message of another method's kind is decoded as this method's (protobuf cannot tell), and checked", async () => {
  // A WatchRequest with a create_request is field 1 (bytes): as a PutRequest, its key.
  const watch = encodeProtobuf("WatchRequest", { create_request: { key: ENC.encode("k") } });
  const answer = await rawCall("/etcdserverpb.KV/Put", [frameMessage(watch)]);
  assert.is(answer.status, "0", answer.message);
  // A wire type the field cannot have is refused with the unmarshaler's text.
  const wrongType = await rawCall("/etcdserverpb.KV/Range", [frameMessage(Uint8Array.of(0x08, 0x01))]);
  assert.is(wrongType.status, "13");
  assert.match(wrongType.message ?? "", /^grpc: error unmarshalling request: proto: wrong wireType = 0 for field Key/);
});

test("a stream that is not gRPC is refused as today's grpc-go refuses it (HTTP 415, Internal)", async () => {
  const answer = await rawCall("/etcdserverpb.KV/Range", [frameMessage(new Uint8Array(0))], { contentType: "text/plain" });
  assert.is(answer.httpStatus, 415);
  assert.is(answer.status, "13");
  assert.is(answer.message, 'invalid gRPC request content-type "text/plain"');
  assert.is(await rangeValue("keep"), "me");
});

test("grpc-timeout: a watch past its deadline ends with DeadlineExceeded; a bad header is refused", async () => {
  const create = frameMessage(encodeProtobuf("WatchRequest", { create_request: { key: ENC.encode("w") } }));
  const started = Date.now();
  const answer = await rawCall("/etcdserverpb.Watch/Watch", [create], { headers: { "grpc-timeout": "300m" }, keepOpen: true });
  assert.is(answer.status, "4");
  assert.is(answer.message, "context deadline exceeded");
  assert.ok(Date.now() - started >= 250, "ended before its deadline");
  assert.is(answer.messages.length, 1); // the created answer came first
  const bad = await rawCall("/etcdserverpb.KV/Range", [], { headers: { "grpc-timeout": "soon" } });
  assert.is(bad.status, "13");
});

test("a bad message on a watch stream ends that stream only", async () => {
  const create = frameMessage(encodeProtobuf("WatchRequest", { create_request: { key: ENC.encode("w") } }));
  const answer = await rawCall("/etcdserverpb.Watch/Watch", [create, Uint8Array.of(0, 0, 0, 0, 2, 0xff, 0xff)], { keepOpen: true });
  assert.is(answer.status, "13");
  assert.match(answer.message ?? "", /^grpc: failed to unmarshal the received message /);
  assert.is(answer.messages.length, 1);
});

test("streams reset mid-message and connections dropped mid-watch leave the member serving", async () => {
  const racingPuts: Promise<RawAnswer>[] = [];
  for (let round = 0; round < 20; round++) {
    const session: ClientHttp2Session = connect(`http://127.0.0.1:${GRPC_PORT}`);
    session.on("error", () => {});
    const headers = { ":method": "POST", "content-type": "application/grpc", te: "trailers" };
    const put = session.request({ ...headers, ":path": "/etcdserverpb.KV/Put" });
    put.on("error", () => {});
    put.write(Uint8Array.of(0, 0, 0, 0, 50, 0x0a)); // half a message, then a reset
    const watch = session.request({ ...headers, ":path": "/etcdserverpb.Watch/Watch" });
    watch.on("error", () => {});
    watch.write(frameMessage(encodeProtobuf("WatchRequest", { create_request: { key: ENC.encode("w"), prefix_end: Uint8Array.of(0) } })));
    const keep = session.request({ ...headers, ":path": "/etcdserverpb.Lease/LeaseKeepAlive" });
    keep.on("error", () => {});
    keep.write(frameMessage(encodeProtobuf("LeaseKeepAliveRequest", { ID: 7n })));
    await Bun.sleep(round % 2 === 0 ? 1 : 30);
    // A write to the watched key races the drop: the member may write to a stream that is going away.
    const racing = rawCall("/etcdserverpb.KV/Put", [frameMessage(encodeProtobuf("PutRequest", { key: ENC.encode("w"), value: ENC.encode(String(round)) }))]);
    put.close(8); // CANCEL
    if (round % 2 === 0) session.destroy();
    else session.close();
    racingPuts.push(racing);
  }
  const statuses = (await Promise.all(racingPuts)).map((answer) => answer.status);
  assert.equal(statuses, new Array(20).fill("0"));
  await Bun.sleep(100);
  assert.is(await rangeValue("keep"), "me");
  const http = await fetch(`http://127.0.0.1:${HTTP_PORT}/v3/kv/range`, { method: "POST", body: '{"key":"a2VlcA=="}' });
  assert.is(http.status, 200);
  assert.match(await http.text(), /"value":"bWU="/);
});

test.run();
