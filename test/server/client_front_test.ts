/**
 * The client front in a member (src/front), in-process: a client URL with port 0 resolves to one port for
 * gRPC and the gateway; on close() the front lets go of everything — a silent connection, a spliced
 * HTTP/1.1 keep-alive connection and an HTTP/2 session are closed, and the port can be listened on again.
 * Both ways of running the front: its own thread (the default) and the main thread. Ports 26050–26053.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, rmSync } from "node:fs";
import { connect as h2connect } from "node:http2";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer } from "../../src/server/mod.ts";

const CLOSE_LIMIT_MS = 5_000;

for (const [thread, peerPort] of [[true, 26051], [false, 26053]] as const) {
  test(`front on ${thread ? "its own thread" : "the main thread"}: port 0 resolves; close() drops every connection and frees the port`, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "client-front-"));
    const peer = `http://127.0.0.1:${peerPort}`;
    const server = await startServer({
      dataDir,
      listenClientUrls: ["http://127.0.0.1:0"],
      listenPeerUrls: [peer],
      initialAdvertisePeerUrls: [peer],
      initialCluster: new Map([["default", [peer]]]),
      clientFrontThread: thread,
    });
    let closed = false;
    try {
      const url = server.clientUrl;
      const port = Number(new URL(url).port);
      assert.ok(port > 0, url);
      assert.equal(server.grpcUrls, [url]);
      // A spliced HTTP/1.1 keep-alive connection, an HTTP/2 session and a silent connection, all open.
      const keepAlive = await rawHttp1(port);
      const session = h2connect(url);
      session.on("error", () => {});
      const h2Status = await new Promise<number>((done) => {
        const stream = session.request({ ":path": "/version" });
        stream.on("response", (headers) => done(Number(headers[":status"])));
        stream.on("error", () => done(-1));
        stream.resume();
      });
      assert.is(h2Status, 200);
      const silent = connect(port, "127.0.0.1");
      silent.on("error", () => {});
      await new Promise((done) => silent.once("connect", done));
      const sessionClosed = new Promise<void>((done) => session.once("close", () => done()));
      const started = Date.now();
      await server.close();
      closed = true;
      assert.ok(Date.now() - started < CLOSE_LIMIT_MS, `close took ${Date.now() - started} ms`);
      await Promise.all([closedWithin(keepAlive, 3_000), closedWithin(silent, 3_000), withinMs(sessionClosed, 3_000, "h2 session")]);
      // The port is free again.
      const again = Bun.listen({ hostname: "127.0.0.1", port, socket: { data() {} } });
      again.stop(true);
    } finally {
      if (!closed) await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
}

/** A connection that has had one keep-alive HTTP/1.1 answer through the front, left open. */
function rawHttp1(port: number): Promise<Socket> {
  return new Promise((done, fail) => {
    const socket = connect(port, "127.0.0.1");
    let seen = "";
    const timer = setTimeout(() => fail(new Error(`no HTTP/1.1 answer: ${JSON.stringify(seen)}`)), 5_000);
    socket.on("error", () => {});
    socket.on("connect", () => socket.write("GET /version HTTP/1.1\r\nHost: x\r\n\r\n"));
    socket.on("data", (chunk) => {
      seen += chunk.toString();
      if (seen.includes("etcdserver")) {
        clearTimeout(timer);
        assert.match(seen, /^HTTP\/1\.1 200/);
        done(socket);
      }
    });
  });
}

function closedWithin(socket: Socket, limitMs: number): Promise<void> {
  if (socket.destroyed || socket.readyState === "closed") return Promise.resolve();
  return withinMs(new Promise<void>((done) => socket.once("close", () => done())), limitMs, "socket");
}

function withinMs(promise: Promise<void>, limitMs: number, what: string): Promise<void> {
  return new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`${what} not closed within ${limitMs} ms`)), limitMs);
    promise.then(() => {
      clearTimeout(timer);
      done();
    });
  });
}

test.run();
