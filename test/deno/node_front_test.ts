/**
 * The node:net client front (src/front/node_front.ts, the one a Deno member runs) on its own, here under
 * Bun's node:net: each connection reaches the server its first bytes ask for, with those bytes intact;
 * a garbage opening, a silent client and a client past the connection bound are closed; socket files a
 * killed member left are swept at the next start.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createConnection, createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { H2_PREFACE } from "../../src/front/opening.ts";
import { nodeTargets, removeTargets, startNodeFront, sweepStaleTargets } from "../../src/front/node_front.ts";

/** Loopback port of this file (helper U2's range). */
const FRONT_PORT = 25740;
const TALK_LIMIT_MS = 3_000;

/** A unix-socket server that answers each connection with `tag:` then the first bytes it got. */
async function echoServer(path: string, tag: string): Promise<Server> {
  const server = createServer((socket) => socket.once("data", (chunk: Buffer) => socket.end(Buffer.concat([Buffer.from(`${tag}:`), chunk]))));
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return server;
}

/** Connects to the front, writes `bytes`, and gathers what comes back until the front or server closes. */
function talk(bytes: Uint8Array): Promise<{ reply: string; closedAfterMs: number }> {
  const started = Date.now();
  return new Promise((done, fail) => {
    const socket = createConnection({ host: "127.0.0.1", port: FRONT_PORT });
    let reply = "";
    const timer = setTimeout(() => {
      socket.destroy();
      fail(new Error(`no close in ${TALK_LIMIT_MS} ms; got ${JSON.stringify(reply)}`));
    }, TALK_LIMIT_MS);
    socket.on("connect", () => socket.write(bytes));
    socket.on("data", (chunk) => (reply += chunk.toString("latin1")));
    socket.on("error", () => {});
    socket.on("close", () => {
      clearTimeout(timer);
      done({ reply, closedAfterMs: Date.now() - started });
    });
  });
}

test("routes HTTP/1 and HTTP/2 by their first bytes; refuses garbage, a silent client, one past the bound", async () => {
  const targets = nodeTargets("test");
  removeTargets(targets);
  const servers = [await echoServer(targets.h2, "h2"), await echoServer(targets.http1, "h1")];
  const front = await startNodeFront({ hostname: "127.0.0.1", port: FRONT_PORT, tls: false, targets,
    openingTimeoutMs: 300, maxConnections: 1 });
  try {
    assert.is(front.port, FRONT_PORT);
    assert.is((await talk(new TextEncoder().encode("GET /health HTTP/1.1\r\n"))).reply, "h1:GET /health HTTP/1.1\r\n");
    assert.is((await talk(H2_PREFACE)).reply, `h2:${new TextDecoder().decode(H2_PREFACE)}`);
    assert.is((await talk(new TextEncoder().encode("get / HTTP/1.1\r\n"))).reply, "");
    const silent = await talk(new TextEncoder().encode("GE"));
    assert.is(silent.reply, "");
    assert.ok(silent.closedAfterMs >= 250, `closed after ${silent.closedAfterMs} ms, before the opening timeout`);
    // The bound: while one client holds its (silent) opening, a second is closed at once.
    const first = talk(new TextEncoder().encode("GE"));
    await new Promise((r) => setTimeout(r, 100));
    const second = await talk(new TextEncoder().encode("GET / HTTP/1.1\r\n"));
    assert.is(second.reply, "");
    assert.ok(second.closedAfterMs < 250, `the second client was held ${second.closedAfterMs} ms`);
    await first;
  } finally {
    await front.close();
    for (const server of servers) await new Promise((r) => server.close(r));
    removeTargets(targets);
  }
});

test("a start sweeps socket files of members that died unclosed, never a live one's or another program's", () => {
  const dir = mkdtempSync(join(tmpdir(), "tsetcd-sweep-"));
  try {
    const dead = spawnSync("true").pid!; // exited and reaped: no such process now
    const names = [`tsetcd-${dead}-0-0-h2.sock`, `tsetcd-${dead}-0-0-http1.sock`, `tsetcd-${process.ppid}-3-1-h2.sock`,
      `tsetcd-${dead}-0-0-h2.txt`, "other-1-0-0-h2.sock"];
    for (const name of names) writeFileSync(join(dir, name), "");
    assert.is(sweepStaleTargets(dir), 2);
    assert.equal(readdirSync(dir).sort(), names.slice(2).sort());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
