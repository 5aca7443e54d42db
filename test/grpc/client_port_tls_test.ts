/**
 * One TLS client port for both APIs, as etcd: a default `tsetcd server` on an https client URL (test
 * certificates, --client-cert-auth) answers etcdctl 3.4 (ALPN h2 → gRPC) and curl's gateway calls over
 * HTTP/2 (curl's default ALPN) and HTTP/1.1 (--http1.1), and Bun's fetch; the front passes TLS through, so
 * a client without a certificate is still refused by the server behind it. A plaintext or truncated-TLS
 * client is closed and the member keeps serving. Ports 26030–26031.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawn } from "node:child_process";
import { connect } from "node:net";
import { join } from "node:path";
import { TLS_FIXTURES, testFetchTls } from "../helpers/etcd.ts";
import { etcdctl, startTsetcd, type TestServer } from "./servers.ts";

const PORTS = { grpc: 26030, peer: 26031 };
/**
 * The server's opening timeout, set short by its test-only knob (the 5 s default itself is held by
 * client_port_test): a truncated ClientHello waits this long, not 5 s.
 */
const OPENING_TIMEOUT_MS = 1_500;
/** Timer slack below the timeout; a close sooner than this did not wait for it. */
const EARLY_MS = 200;
const CA = ["--cacert", join(TLS_FIXTURES, "ca.pem")];
const CLIENT_CERT = ["--cert", join(TLS_FIXTURES, "client.pem"), "--key", join(TLS_FIXTURES, "client-key.pem")];

let server: TestServer;
let base: string;

test.before(async () => {
  server = await startTsetcd(PORTS, { tls: true, env: { TSETCD_CLIENT_OPENING_TIMEOUT_MS: String(OPENING_TIMEOUT_MS) } });
  base = `https://${server.grpcEndpoint}`;
  assert.is(server.httpUrl, base, "the gateway is on the gRPC port");
});

test.after(async () => {
  await server?.stop();
});

const b64 = (text: string): string => Buffer.from(text).toString("base64");

test("etcdctl over TLS and curl (HTTP/2 by ALPN, and --http1.1) and fetch read and write the same keys", async () => {
  const put = await etcdctl(base, ["put", "tls-key", "from-grpc"], { tls: true });
  assert.equal([put.stdout, put.code], ["OK\n", 0], put.stderr);
  const h2 = await curl([...CA, ...CLIENT_CERT, "-sS", "-i", `${base}/v3/kv/range`, "-d", JSON.stringify({ key: b64("tls-key") })]);
  assert.match(h2.stdout, /^HTTP\/2 200 ?\r\n/);
  assert.ok(h2.stdout.includes(`"value":"${b64("from-grpc")}"`), h2.stdout);
  const h1 = await curl([...CA, ...CLIENT_CERT, "--http1.1", "-sS", "-i", `${base}/v3/kv/put`, "-d", JSON.stringify({ key: b64("tls-key"), value: b64("from-h1") })]);
  assert.match(h1.stdout, /^HTTP\/1\.1 200 OK\r\n/);
  const fetched = await fetch(`${base}/v3/kv/range`, {
    method: "POST",
    body: JSON.stringify({ key: b64("tls-key") }),
    tls: testFetchTls(),
    signal: AbortSignal.timeout(5_000),
  } as RequestInit);
  assert.ok((await fetched.text()).includes(b64("from-h1")));
  const get = await etcdctl(base, ["get", "tls-key"], { tls: true });
  assert.is(get.stdout, "tls-key\nfrom-h1\n");
  const status = await etcdctl(base, ["endpoint", "status", "-w", "json"], { tls: true });
  assert.is(status.code, 0, status.stderr);
  assert.match(status.stdout, /"leader":\d+/);
});

test("a watch over TLS HTTP/2 (curl) streams the put etcdctl makes", async () => {
  const watch = curl([...CA, ...CLIENT_CERT, "-sS", "-N", "--max-time", "5", `${base}/v3/watch`, "-d", JSON.stringify({ create_request: { key: b64("tls-watch") } })]);
  await Bun.sleep(1_000);
  const put = await etcdctl(base, ["put", "tls-watch", "seen"], { tls: true });
  assert.is(put.code, 0, put.stderr);
  const out = await watch;
  assert.match(out.stdout, /"created":true/);
  assert.ok(out.stdout.includes(`"value":"${b64("seen")}"`), out.stdout);
});

test("without a client certificate: refused over HTTP/2 and HTTP/1.1 (--client-cert-auth holds behind the front)", async () => {
  const h2 = await curl([...CA, "-sS", `${base}/v3/kv/range`, "-d", "{}"]);
  const h1 = await curl([...CA, "--http1.1", "-sS", `${base}/v3/kv/range`, "-d", "{}"]);
  assert.is.not(h2.code, 0);
  assert.is.not(h1.code, 0);
  assert.not.match(h2.stdout + h1.stdout, /header/);
  const bare = await etcdctl(base, [...CA, "--dial-timeout=1s", "--command-timeout=2s", "get", "tls-key"]);
  assert.is.not(bare.code, 0);
});

test("a plaintext request on the TLS port is closed at once, a truncated ClientHello after the timeout; serving goes on", async () => {
  const [plain, truncated] = await Promise.all([
    closedAfterMs(new TextEncoder().encode("POST /v3/kv/range HTTP/1.1\r\nHost: x\r\n\r\n")),
    closedAfterMs(Uint8Array.of(0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01)),
  ]);
  assert.ok(plain >= 0 && plain < OPENING_TIMEOUT_MS - EARLY_MS, `plaintext closed after ${plain} ms: not at once`);
  assert.ok(truncated >= OPENING_TIMEOUT_MS - EARLY_MS && truncated < OPENING_TIMEOUT_MS + 3_000, `truncated closed after ${truncated} ms (the server default of 5 s would be past this)`);
  const get = await etcdctl(base, ["get", "tls-key", "--print-value-only"], { tls: true });
  assert.is(get.stdout, "from-h1\n");
});

function curl(args: string[]): Promise<{ stdout: string; code: number }> {
  return new Promise((done) => {
    const child = spawn("curl", args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    child.stdout!.on("data", (chunk) => (stdout += chunk));
    child.stderr!.on("data", () => {});
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      done({ stdout, code: code ?? -1 });
    });
  });
}

/** Connects, sends `bytes` and resolves how long the server took to close the connection (-1: not in 12 s). */
function closedAfterMs(bytes: Uint8Array): Promise<number> {
  return new Promise((done) => {
    const started = Date.now();
    const socket = connect(PORTS.grpc, "127.0.0.1");
    const timer = setTimeout(() => {
      socket.destroy();
      done(-1);
    }, 12_000);
    socket.on("error", () => {});
    socket.on("data", () => {});
    socket.on("close", () => {
      clearTimeout(timer);
      done(Date.now() - started);
    });
    socket.on("connect", () => socket.write(bytes));
  });
}

test.run();
