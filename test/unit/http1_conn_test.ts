/**
 * src/http1/conn.ts on a real loopback socket with a handler written here: a client that goes mid-body
 * fails the handler's body read as an AbortError and aborts request.signal (what src/api/client_gone.ts
 * reads), a client that goes mid-response cancels the response's body (a watch's stream stops), and a
 * response body that outruns a client that does not read is held back by the socket (bounded memory).
 * Port 26070.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { connect, createServer, type Server, type Socket } from "node:net";
import { Http1Connection, type Http1Handler } from "../../src/http1/conn.ts";

const PORT = 26070;
const LIMIT_MS = 5_000;
let handler: Http1Handler = () => Promise.resolve(new Response("unset"));
let server: Server;

test.before(async () => {
  server = createServer((socket) => {
    new Http1Connection(socket, (request) => handler(request), {
      limits: { maxHeadBytes: 16_384, maxBodyBytes: 1 << 20 },
      origin: `http://127.0.0.1:${PORT}`,
    });
  });
  await new Promise<void>((done) => server.listen(PORT, "127.0.0.1", () => done()));
});

test.after(() => {
  server.close();
});

function client(): Socket {
  const socket = connect(PORT, "127.0.0.1");
  socket.on("error", () => {});
  return socket;
}

async function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<T>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no ${what} within ${LIMIT_MS} ms`)), LIMIT_MS);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

test("a client gone mid-body: the body read fails as an AbortError and request.signal is aborted", async () => {
  const seen = Promise.withResolvers<{ name: string; aborted: boolean }>();
  handler = async (request) => {
    try {
      await request.arrayBuffer();
      seen.resolve({ name: "none", aborted: request.signal.aborted });
    } catch (error) {
      seen.resolve({ name: (error as Error).name, aborted: request.signal.aborted });
    }
    return new Response("x");
  };
  const socket = client();
  socket.write("POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nhalf");
  await Bun.sleep(50);
  socket.destroy();
  const result = await within(seen.promise, "body failure");
  assert.equal(result, { name: "AbortError", aborted: true });
});

test("a client gone mid-response cancels the response body", async () => {
  const cancelled = Promise.withResolvers<string>();
  handler = () =>
    Promise.resolve(new Response(new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode("first\n"));
      },
      cancel() {
        cancelled.resolve("cancelled");
      },
    })));
  const socket = client();
  let received = "";
  socket.on("data", (chunk: Buffer) => (received += chunk.toString()));
  socket.write("GET /watch HTTP/1.1\r\nHost: x\r\n\r\n");
  for (let i = 0; i < 200 && !received.includes("first"); i++) await Bun.sleep(10);
  assert.match(received, /transfer-encoding: chunked\r\n/);
  assert.match(received, /\r\n6\r\nfirst\n\r\n/);
  socket.destroy();
  assert.is(await within(cancelled.promise, "cancel"), "cancelled");
});

test("a client that does not read holds the response body back: pulls stop well short of the whole body", async () => {
  const CHUNK_BYTES = 64 * 1024;
  const CHUNKS = 2_000; // 128 MiB if nothing held it back
  let pulled = 0;
  handler = () =>
    Promise.resolve(new Response(new ReadableStream<Uint8Array>({
      pull(controller) {
        if (pulled++ >= CHUNKS) return controller.close();
        controller.enqueue(new Uint8Array(CHUNK_BYTES));
      },
    }, { highWaterMark: 0 })));
  const socket = client();
  socket.pause();
  socket.write("GET /big HTTP/1.1\r\nHost: x\r\n\r\n");
  await Bun.sleep(1_000);
  const held = pulled;
  socket.destroy();
  assert.ok(held > 0, "nothing pulled");
  assert.ok(held < CHUNKS / 4, `pulled ${held} of ${CHUNKS} chunks with nobody reading`);
});

test.run();
