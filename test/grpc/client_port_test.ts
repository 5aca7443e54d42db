/**
 * One client port for both APIs, as etcd: a default `tsetcd server` (no --listen-client-http-urls) answers
 * etcdctl 3.4 over gRPC and the HTTP gateway over HTTP/1.1 and over cleartext HTTP/2 (`curl
 * --http2-prior-knowledge`) on the same port; streams (watch, lease keep-alive) work on every protocol; a
 * client that sends nothing, half a preface or 1 MiB of garbage is closed and the member keeps serving.
 * Ports 26020–26021.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawn } from "node:child_process";
import { connect } from "node:net";
import { etcdctl, etcdctlBackground, startTsetcd, type TestServer } from "./servers.ts";

const PORTS = { grpc: 26020, peer: 26021 };
/** The front closes a connection that has not said what it is after 5 s (src/front/listener.ts). */
const OPENING_TIMEOUT_MS = 5_000;

let server: TestServer;
let endpoint: string;

test.before(async () => {
  server = await startTsetcd(PORTS);
  endpoint = server.grpcEndpoint;
  assert.is(server.httpUrl, `http://${endpoint}`, "the gateway is on the gRPC port");
});

test.after(async () => {
  await server?.stop();
});

const b64 = (text: string): string => Buffer.from(text).toString("base64");

test("etcdctl, fetch (HTTP/1.1) and curl --http2-prior-knowledge read and write the same keys on one port", async () => {
  const put = await etcdctl(endpoint, ["put", "shared", "from-grpc"]);
  assert.equal([put.stdout, put.code], ["OK\n", 0], put.stderr);
  const range = await gateway("/v3/kv/range", { key: b64("shared") });
  assert.is(range.status, 200);
  const body = await range.json() as { kvs: { value: string }[] };
  assert.is(body.kvs[0]!.value, b64("from-grpc"));
  const h2 = await curl(["--http2-prior-knowledge", "-sS", "-i", `http://${endpoint}/v3/kv/put`, "-d", JSON.stringify({ key: b64("shared"), value: b64("from-h2") })]);
  assert.match(h2.stdout, /^HTTP\/2 200 ?\r\n/);
  assert.match(h2.stdout, /"revision":"3"/);
  const get = await etcdctl(endpoint, ["get", "shared"]);
  assert.is(get.stdout, "shared\nfrom-h2\n");
  const status = await etcdctl(endpoint, ["endpoint", "status", "-w", "json"]);
  assert.is(status.code, 0, status.stderr);
  assert.match(status.stdout, /"leader":\d+/);
  const version = await curl(["--http2-prior-knowledge", "-sS", `http://${endpoint}/version`]);
  assert.match(version.stdout, /"etcdserver":"3\.4\./);
});

// With the scheme in --endpoints (how most users, and --cluster, give them) clientv3 3.4's status call sends
// the whole URL as :authority; Bun's node:http2 reset such streams (PROTOCOL_ERROR), grpc-go serves them.
test("etcdctl --endpoints=http://…: endpoint status, also --cluster, and a put are served", async () => {
  const url = `http://${endpoint}`;
  const status = await etcdctl(url, ["endpoint", "status"]);
  assert.is(status.code, 0, status.stderr);
  assert.match(status.stdout, new RegExp(`^${url}, [0-9a-f]+, `));
  const cluster = await etcdctl(endpoint, ["endpoint", "status", "--cluster"]);
  assert.is(cluster.code, 0, cluster.stderr);
  assert.match(cluster.stdout, new RegExp(`^${url}, [0-9a-f]+, `));
  const put = await etcdctl(url, ["put", "scheme", "ok"]);
  assert.equal([put.stdout, put.code], ["OK\n", 0], put.stderr);
});

test("a watch sees the same put over gRPC (etcdctl), HTTP/1.1 and HTTP/2 gateway streams at once", async () => {
  const grpcWatch = etcdctlBackground(endpoint, ["watch", "wkey"]);
  const h2Watch = curl(["--http2-prior-knowledge", "-sS", "-N", "--max-time", "6", `http://${endpoint}/v3/watch`, "-d", JSON.stringify({ create_request: { key: b64("wkey") } })], b64("watched"));
  const abort = new AbortController();
  const h1Seen = readUntil(`http://${endpoint}/v3/watch`, { create_request: { key: b64("wkey") } }, b64("watched"), abort.signal);
  try {
    await Bun.sleep(1_000); // every watch is created before the put
    const put = await gateway("/v3/kv/put", { key: b64("wkey"), value: b64("watched") });
    assert.is(put.status, 200);
    const deadline = Date.now() + 8_000;
    while (Date.now() < deadline && !grpcWatch.output().includes("watched")) await Bun.sleep(50);
    assert.is(grpcWatch.output(), "PUT\nwkey\nwatched\n");
    assert.ok(await h1Seen, "the HTTP/1.1 watch stream saw the put");
    const h2 = await h2Watch;
    assert.match(h2.stdout, /"created":true/);
    assert.ok(h2.stdout.includes(`"value":"${b64("watched")}"`), h2.stdout);
  } finally {
    abort.abort();
    await grpcWatch.stop();
  }
});

test("etcdctl lease keep-alive renews over gRPC while the gateway (HTTP/2) reads the lease's TTL", async () => {
  const grant = await etcdctl(endpoint, ["lease", "grant", "30"]);
  const id = /^lease ([0-9a-f]+) granted with TTL\(30s\)/.exec(grant.stdout)?.[1];
  assert.ok(id !== undefined, grant.stdout + grant.stderr);
  const keepAlive = etcdctlBackground(endpoint, ["lease", "keep-alive", id!]);
  try {
    const deadline = Date.now() + 8_000;
    while (Date.now() < deadline && (keepAlive.output().match(/keepalived/g) ?? []).length < 1) await Bun.sleep(50);
    assert.match(keepAlive.output(), new RegExp(`lease ${id} keepalived with TTL\\(30\\)`));
  } finally {
    await keepAlive.stop();
  }
  const ttl = await curl(["--http2-prior-knowledge", "-sS", `http://${endpoint}/v3/lease/timetolive`, "-d", JSON.stringify({ ID: BigInt(`0x${id}`).toString() })]);
  assert.match(ttl.stdout, /"grantedTTL":"30"/);
});

test("a client sending nothing, half a preface or 1 MiB of garbage is closed; the member keeps serving", async () => {
  const garbage = new Uint8Array(1024 * 1024).map((_, i) => (i * 7919) & 0xff);
  garbage[0] = 0x01; // neither a method letter nor the preface's P
  const [silent, halfPreface, junk] = await Promise.all([
    closedAfterMs(undefined),
    closedAfterMs(new TextEncoder().encode("PRI * HTTP/2.0\r\n")),
    closedAfterMs(garbage),
  ]);
  // Silent and half-preface clients are closed by the opening timeout, not before; garbage at once.
  assert.ok(silent >= OPENING_TIMEOUT_MS - 500 && silent < OPENING_TIMEOUT_MS + 4_000, `silent closed after ${silent} ms`);
  assert.ok(halfPreface >= OPENING_TIMEOUT_MS - 500 && halfPreface < OPENING_TIMEOUT_MS + 4_000, `half preface closed after ${halfPreface} ms`);
  assert.ok(junk >= 0 && junk < 3_000, `garbage closed after ${junk} ms`);
  const put = await etcdctl(endpoint, ["put", "after-bad-clients", "ok"]);
  assert.is(put.stdout, "OK\n");
  const range = await gateway("/v3/kv/range", { key: b64("after-bad-clients") });
  assert.ok((await range.text()).includes(b64("ok")));
});

/** POST to the gateway over HTTP/1.1 (Bun's fetch). */
function gateway(path: string, body: unknown): Promise<Response> {
  return fetch(`${server.httpUrl}${path}`, { method: "POST", body: JSON.stringify(body), signal: AbortSignal.timeout(5_000) });
}

/** Runs curl (killed past 10 s, or once its output holds `until`: a stream need not run to --max-time). */
function curl(args: string[], until?: string): Promise<{ stdout: string; code: number }> {
  return new Promise((done) => {
    const child = spawn("curl", args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    child.stdout!.on("data", (chunk) => {
      stdout += chunk;
      if (until !== undefined && stdout.includes(until)) child.kill("SIGTERM");
    });
    child.stderr!.on("data", () => {});
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      done({ stdout, code: code ?? -1 });
    });
  });
}

/** Opens a streaming POST and resolves true once `needle` appears in the response (false at its end). */
async function readUntil(url: string, body: unknown, needle: string, signal: AbortSignal): Promise<boolean> {
  try {
    const response = await fetch(url, { method: "POST", body: JSON.stringify(body), signal });
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let seen = "";
    for (let reads = 0; reads < 1_000; reads++) {
      const { done, value } = await reader.read();
      if (done) return false;
      seen += decoder.decode(value, { stream: true });
      if (seen.includes(needle)) {
        await reader.cancel();
        return true;
      }
    }
    return false;
  } catch {
    return false;
  }
}

/** Connects, sends `bytes` (if any) and resolves how long the server took to close the connection (-1: not in 12 s). */
function closedAfterMs(bytes: Uint8Array | undefined): Promise<number> {
  return new Promise((done) => {
    const started = Date.now();
    const socket = connect(PORTS.grpc, "127.0.0.1");
    const timer = setTimeout(() => {
      socket.destroy();
      done(-1);
    }, 12_000);
    socket.on("error", () => {}); // a reset while writing the garbage is a close too
    socket.on("data", () => {});
    socket.on("close", () => {
      clearTimeout(timer);
      done(Date.now() - started);
    });
    socket.on("connect", () => {
      if (bytes !== undefined) socket.write(bytes);
    });
  });
}

test.run();
