/**
 * The flags Kubernetes passes: a member started with kubeadm's etcd static-pod argument list (its paths
 * replaced by the test certificates and a temp dir, its addresses by loopback ports) serves over mutual TLS,
 * serves /metrics and /health on the metrics URL, and sends watch progress notifications at
 * --experimental-watch-progress-notify-interval, as etcd 3.4.23 does (a created response, then a
 * header-only response per interval to a quiet progress_notify watcher). Then --config-file with
 * --wal-dir: the YAML wins over the flags, and the Raft log lives in the WAL dir across a restart.
 * Ports 21650–21659 (helper F's range).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { b64, call, spawnServer, stopServer, unb64 } from "./process_helpers.ts";
import { startServer } from "../../src/server/mod.ts";

const FIXTURES = join(import.meta.dir, "..", "fixtures", "tls");
const CLIENT_PORT = 21650;
const PEER_PORT = 21651;
const METRICS_PORT = 21652;
const PROGRESS_INTERVAL_MS = 500;

/** kubeadm's manifest (kubeadm 1.2x, stacked etcd), with the test's paths and loopback addresses. */
function kubeadmArgs(dataDir: string): string[] {
  const pki = (name: string): string => join(FIXTURES, name);
  const client = `https://127.0.0.1:${CLIENT_PORT}`;
  const peer = `https://127.0.0.1:${PEER_PORT}`;
  return [
    `--advertise-client-urls=${client}`,
    `--cert-file=${pki("server.pem")}`,
    "--client-cert-auth=true",
    `--data-dir=${dataDir}`,
    "--experimental-initial-corrupt-check=true",
    `--experimental-watch-progress-notify-interval=${PROGRESS_INTERVAL_MS / 1000}s`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=cp1=${peer}`,
    `--key-file=${pki("server-key.pem")}`,
    `--listen-client-urls=${client}`,
    `--listen-metrics-urls=http://127.0.0.1:${METRICS_PORT}`,
    `--listen-peer-urls=${peer}`,
    "--name=cp1",
    `--peer-cert-file=${pki("server.pem")}`,
    "--peer-client-cert-auth=true",
    `--peer-key-file=${pki("server-key.pem")}`,
    `--peer-trusted-ca-file=${pki("ca.pem")}`,
    "--snapshot-count=10000",
    `--trusted-ca-file=${pki("ca.pem")}`,
  ];
}

const clientTls = (): object => ({
  ca: readFileSync(join(FIXTURES, "ca.pem"), "utf8"),
  cert: readFileSync(join(FIXTURES, "client.pem"), "utf8"),
  key: readFileSync(join(FIXTURES, "client-key.pem"), "utf8"),
});

async function tlsCall(path: string, body: object): Promise<any> {
  const res = await fetch(`https://127.0.0.1:${CLIENT_PORT}${path}`, {
    method: "POST",
    body: JSON.stringify(body),
    tls: clientTls(),
  } as RequestInit);
  assert.is(res.status, 200, `${path}: HTTP ${res.status}`);
  return await res.json();
}

/** Reads a gateway watch stream until `count` responses came or `timeoutMs` passed. */
async function watchResponses(count: number, timeoutMs: number): Promise<{ atMs: number; body: any }[]> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  const startMs = performance.now();
  const out: { atMs: number; body: any }[] = [];
  try {
    const res = await fetch(`https://127.0.0.1:${CLIENT_PORT}/v3/watch`, {
      method: "POST",
      body: JSON.stringify({ create_request: { key: b64("k"), progress_notify: true } }),
      tls: clientTls(),
      signal: abort.signal,
    } as RequestInit);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let buffered = "";
    while (out.length < count) {
      const { value, done } = await reader.read();
      if (done) break;
      buffered += decoder.decode(value, { stream: true });
      let newline: number;
      while ((newline = buffered.indexOf("\n")) >= 0 && out.length < count) {
        const line = buffered.slice(0, newline).trim();
        buffered = buffered.slice(newline + 1);
        if (line !== "") out.push({ atMs: performance.now() - startMs, body: JSON.parse(line).result });
      }
    }
    abort.abort();
  } catch (err) {
    if ((err as Error).name !== "AbortError") throw err;
  } finally {
    clearTimeout(timer);
  }
  return out;
}

test("kubeadm's etcd arguments start a member that serves: TLS, metrics, progress notifications", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tsetcd-kubeadm-"));
  // spawnServer adds a plain --listen-client-urls/--advertise-client-urls first; kubeadm's (later) win.
  const server = await spawnServer(join(dir, "etcd"), CLIENT_PORT, { args: kubeadmArgs(join(dir, "etcd")) });
  try {
    await tlsCall("/v3/kv/put", { key: b64("k"), value: b64("v1") });
    const got = await tlsCall("/v3/kv/range", { key: b64("k") });
    assert.is(unb64(got.kvs[0].value), "v1");
    // --client-cert-auth: no client certificate, no answer.
    const refused = await fetch(`https://127.0.0.1:${CLIENT_PORT}/v3/kv/range`, {
      method: "POST",
      body: JSON.stringify({ key: b64("k") }),
      tls: { ca: readFileSync(join(FIXTURES, "ca.pem"), "utf8") },
    } as RequestInit).then(() => "answered", () => "refused");
    assert.is(refused, "refused");
    const metrics = await (await fetch(`http://127.0.0.1:${METRICS_PORT}/metrics`)).text();
    assert.match(metrics, /^etcd_server_has_leader 1$/m);
    // kubeadm's livenessProbe and startupProbe, as its manifest writes them.
    for (const probe of ["/health?exclude=NOSPACE&serializable=true", "/health?serializable=false"]) {
      const res = await fetch(`http://127.0.0.1:${METRICS_PORT}${probe}`);
      assert.equal([res.status, await res.json()], [200, { health: "true" }], probe);
    }
    // A quiet progress_notify watcher hears the revision about once per interval.
    const responses = await watchResponses(3, 4 * PROGRESS_INTERVAL_MS + 2_000);
    assert.is(responses.length, 3, JSON.stringify(responses));
    assert.is(responses[0]!.body.created, true);
    for (const { body } of responses.slice(1)) {
      assert.is(body.events, undefined);
      assert.is(body.header.revision, got.header.revision);
    }
    const gapMs = responses[2]!.atMs - responses[1]!.atMs;
    // About the interval (a loaded machine delays ticks by up to a second), never the 10-minute default.
    assert.ok(gapMs > 0.5 * PROGRESS_INTERVAL_MS && gapMs < 4 * PROGRESS_INTERVAL_MS + 1_000, `progress every ${gapMs} ms`);
  } finally {
    await stopServer(server);
    rmSync(dir, { recursive: true, force: true });
  }
});

test("--config-file with wal-dir: the file wins over flags, the log lives in the WAL dir across a restart", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tsetcd-config-file-"));
  const port = CLIENT_PORT + 5;
  const dataDir = join(dir, "data");
  const walDir = join(dir, "wal");
  const file = join(dir, "etcd.yml");
  writeFileSync(file, [
    "name: fromfile",
    `data-dir: ${dataDir}`,
    `wal-dir: ${walDir}`,
    `listen-client-urls: http://127.0.0.1:${port}`,
    `advertise-client-urls: http://127.0.0.1:${port}`,
    `listen-peer-urls: http://127.0.0.1:${port + 1}`,
    `initial-advertise-peer-urls: http://127.0.0.1:${port + 1}`,
    `initial-cluster: fromfile=http://127.0.0.1:${port + 1}`,
    "max-wals: 5",
    "",
  ].join("\n"));
  // spawnServer's own --data-dir and URL flags are ignored in favour of the file, as etcd 3.4 does.
  const start = () => spawnServer(join(dir, "ignored"), port, { args: ["--config-file", file, "--name", "fromflag"] });
  let server = await start();
  try {
    assert.match(server.stderr(), `Loading server configuration from ${JSON.stringify(file)}`);
    await call(server.url, "/v3/kv/put", { key: b64("w"), value: b64("1") });
    const members = (await call(server.url, "/v3/cluster/member/list", {})).members;
    assert.equal(members.map((m: any) => m.name), ["fromfile"]);
    assert.ok(existsSync(join(walDir, "raft.db")), "the log is not in the WAL dir");
    assert.not.ok(existsSync(join(dataDir, "raft.db")), "the log is in the data dir");
    assert.ok(existsSync(join(dataDir, "state.db")));
    assert.not.ok(existsSync(join(dir, "ignored")), "the flag's data dir was used");
    await stopServer(server);
    server = await start();
    const got = await call(server.url, "/v3/kv/range", { key: b64("w") });
    assert.is(unb64(got.kvs[0].value), "1");
    await stopServer(server);
    // The same data dir without its --wal-dir would start on an empty log over the old state: refused.
    const refusal = (options: object): Promise<string> =>
      startServer(options).then((s) => s.close().then(() => "started"), (err) => (err as Error).message);
    assert.match(await refusal({ name: "fromfile", dataDir }), "has a state database but no Raft log");
    // And a data dir that holds its own log is not given another one.
    const own = join(dir, "own");
    mkdirSync(own);
    writeFileSync(join(own, "raft.db"), "");
    assert.match(await refusal({ name: "own", dataDir: own, walDir: join(dir, "elsewhere") }), "holds its own Raft log (raft.db)");
    assert.not.ok(existsSync(join(dir, "elsewhere")));
  } finally {
    await stopServer(server);
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
