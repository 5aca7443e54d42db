/**
 * /metrics as etcd 3.4 shapes it: a strict Prometheus text parse of a real scrape (every family has HELP
 * and TYPE), the names, types, help texts and label names of the families shared with a real etcd 3.4.23
 * scrape (test/ops/metrics_etcd34_scrape.txt), counters that move with load, and the --listen-metrics-urls
 * listener on its own port serving only /metrics and the health endpoints.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer, type TsetcdServer } from "../../src/server/mod.ts";
import { type ParsedFamily, parsePrometheusText, valueOf } from "./metrics_parse.ts";
import { KeyCount, newKvCounters } from "../../src/metrics/etcd.ts";

const PEER_PORT = 35020;
const dir = mkdtempSync(join(tmpdir(), "tsetcd-metrics-"));
let server: TsetcdServer;

const b64 = (s: string): string => Buffer.from(s).toString("base64");

async function scrape(base: string): Promise<Map<string, ParsedFamily>> {
  const res = await fetch(`${base}/metrics`);
  assert.is(res.status, 200);
  assert.is(res.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  return parsePrometheusText(await res.text());
}

async function gateway(path: string, body: object): Promise<void> {
  const res = await fetch(server.clientUrl + path, { method: "POST", body: JSON.stringify(body) });
  assert.is(res.status, 200, await res.text());
}

test.before(async () => {
  server = await startServer({
    name: "m",
    dataDir: join(dir, "m"),
    listenClientUrls: ["http://127.0.0.1:0"],
    listenPeerUrls: [`http://127.0.0.1:${PEER_PORT}`],
    initialAdvertisePeerUrls: [`http://127.0.0.1:${PEER_PORT}`],
    listenMetricsUrls: [new URL("http://127.0.0.1:0")],
  });
  const deadline = Date.now() + 10_000;
  while (!server.member.hasLeader() && Date.now() < deadline) await Bun.sleep(20);
});

test.after(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

test("keys_total counts the keyspace once, then follows the events; an unexplained revision recounts", () => {
  const counters = newKvCounters();
  const store = { keys: 10, rev: 5, counts: 0 };
  const keys = new KeyCount(counters, { count: () => (store.counts++, store.keys), revision: () => store.rev });
  assert.is(keys.value(), 10);
  // Two puts creating keys and one delete at revisions 6 and 7, as kv_machine notes them.
  counters.keysDelta += 2 - 1;
  counters.eventRevision = 7;
  store.rev = 7;
  store.keys = 11;
  assert.is(keys.value(), 11);
  assert.is(store.counts, 1, "counted the keyspace again though the events explained it");
  store.rev = 40; // a snapshot installed: the events do not explain it
  store.keys = 3;
  assert.is(keys.value(), 3);
  assert.is(store.counts, 2);
});

test("every family of both scrapes parses strictly, with HELP and TYPE", async () => {
  const client = await scrape(server.clientUrl);
  const metrics = await scrape(server.metricsUrls[0]!);
  assert.ok(client.size >= 25, `only ${client.size} families`);
  for (const families of [client, metrics]) {
    for (const f of families.values()) assert.ok(f.help.length > 0, `${f.name} has an empty HELP`);
  }
});

test("gRPC calls move grpc_server_started_total, handled_total by code, and the byte counters", async () => {
  const endpoint = server.grpcUrls[0]!;
  // Asynchronous: the server answers on this process' event loop.
  const etcdctl = async (...args: string[]): Promise<number> => {
    const child = Bun.spawn(["etcdctl", `--endpoints=${endpoint}`, "--command-timeout=5s", ...args], {
      env: { ...process.env, ETCDCTL_API: "3" },
      stdout: "ignore",
      stderr: "ignore",
    });
    return await child.exited;
  };
  assert.is(await etcdctl("put", "grpc/a", "1"), 0);
  assert.is(await etcdctl("put", "grpc/b", "2"), 0);
  assert.is.not(await etcdctl("get", "grpc/a", "--rev=1000000"), 0); // a future revision: OutOfRange
  const families = await scrape(server.metricsUrls[0]!);
  const put = { grpc_method: "Put", grpc_service: "etcdserverpb.KV", grpc_type: "unary" };
  assert.is(valueOf(families, "grpc_server_started_total", put), 2);
  assert.is(valueOf(families, "grpc_server_handled_total", { ...put, grpc_code: "OK" }), 2);
  const range = { grpc_method: "Range", grpc_service: "etcdserverpb.KV", grpc_type: "unary" };
  assert.is(valueOf(families, "grpc_server_handled_total", { ...range, grpc_code: "OutOfRange" }), 1);
  assert.ok(valueOf(families, "etcd_network_client_grpc_received_bytes_total") > 0);
  assert.ok(valueOf(families, "etcd_network_client_grpc_sent_bytes_total") > 0);
});

test("shared families have etcd 3.4's name, type, help and label names", async () => {
  const etcd = parsePrometheusText(readFileSync(join(import.meta.dir, "metrics_etcd34_scrape.txt"), "utf8"));
  const ours = await scrape(server.metricsUrls[0]!);
  const required = [
    "etcd_server_has_leader", "etcd_server_is_leader", "etcd_server_leader_changes_seen_total",
    "etcd_server_proposals_committed_total", "etcd_server_proposals_applied_total", "etcd_server_id",
    "etcd_server_proposals_failed_total", "etcd_server_proposals_pending",
    "etcd_server_version", "etcd_disk_wal_fsync_duration_seconds", "etcd_disk_backend_commit_duration_seconds",
    "etcd_mvcc_db_total_size_in_bytes", "etcd_mvcc_db_total_size_in_use_in_bytes", "etcd_debugging_mvcc_keys_total",
    "etcd_mvcc_put_total", "etcd_mvcc_delete_total", "etcd_mvcc_range_total", "etcd_mvcc_txn_total",
    "etcd_server_health_success", "etcd_server_health_failures", "process_resident_memory_bytes",
    "process_cpu_seconds_total", "process_open_fds", "process_start_time_seconds", "grpc_server_started_total",
    "grpc_server_handled_total", "etcd_network_client_grpc_sent_bytes_total", "etcd_network_client_grpc_received_bytes_total",
  ];
  for (const name of required) assert.ok(ours.has(name), `missing ${name}`);
  let compared = 0;
  for (const [name, mine] of ours) {
    const theirs = etcd.get(name);
    if (theirs === undefined) continue;
    compared++;
    assert.is(mine.type, theirs.type, `${name}: type`);
    assert.is(mine.help, theirs.help, `${name}: help`);
    const labelNames = (f: ParsedFamily): string =>
      [...new Set(f.samples.map((s) => `${s.name.slice(name.length)}:${Object.keys(s.labels).sort().join(",")}`))].sort().join(" ");
    assert.is(labelNames(mine), labelNames(theirs), `${name}: sample names and label names`);
    if (mine.type === "histogram") {
      const les = (f: ParsedFamily): string => f.samples.filter((s) => s.labels.le !== undefined).map((s) => s.labels.le).join(",");
      assert.is(les(mine), les(theirs), `${name}: buckets`);
    }
  }
  assert.ok(compared >= required.length, `compared only ${compared} families`);
  assert.is(valueOf(ours, "etcd_server_id", { server_id: server.memberId.toString(16) }), 1);
});

test("puts, deletes, ranges and txns move their counters and the proposals", async () => {
  const before = await scrape(server.clientUrl);
  const puts = 25;
  for (let i = 0; i < puts; i++) await gateway("/v3/kv/put", { key: b64(`metrics/${i}`), value: b64("v") });
  await gateway("/v3/kv/deleterange", { key: b64("metrics/0") });
  await gateway("/v3/kv/range", { key: b64("metrics/1") });
  await gateway("/v3/kv/txn", { success: [{ request_put: { key: b64("metrics/t"), value: b64("t") } }] });
  await Bun.sleep(250); // past the state database's 100 ms commit interval
  const after = await scrape(server.clientUrl);
  const delta = (name: string): number => valueOf(after, name) - valueOf(before, name);
  assert.is(delta("etcd_mvcc_put_total"), puts);
  assert.is(valueOf(after, "etcd_debugging_mvcc_keys_total"), puts + 2); // with the gRPC test's two keys
  assert.is(delta("etcd_mvcc_delete_total"), 1);
  assert.is(delta("etcd_mvcc_txn_total"), 1);
  assert.ok(delta("etcd_mvcc_range_total") >= 1);
  assert.ok(delta("etcd_server_proposals_committed_total") >= puts + 2, `committed +${delta("etcd_server_proposals_committed_total")}`);
  assert.ok(delta("etcd_server_proposals_applied_total") >= puts + 2);
  assert.is(valueOf(after, "etcd_server_has_leader"), 1);
  assert.is(valueOf(after, "etcd_server_is_leader"), 1);
  assert.is(valueOf(after, "etcd_server_leader_changes_seen_total"), 1);
  assert.ok(valueOf(after, "etcd_mvcc_db_total_size_in_bytes") > 0);
  assert.ok(delta("etcd_disk_wal_fsync_duration_seconds_count") >= puts, "a log sync per acknowledged put at least");
  assert.ok(delta("etcd_disk_wal_fsync_duration_seconds_sum") > 0);
  assert.ok(delta("etcd_disk_backend_commit_duration_seconds_count") >= 1, "no state commit observed");
});

test("the metrics listener serves /metrics and health on its own port, not the client API", async () => {
  const base = server.metricsUrls[0]!;
  assert.is.not(new URL(base).port, new URL(server.clientUrl).port);
  assert.is(await (await fetch(`${base}/health`)).text(), '{"health":"true"}');
  assert.is(await (await fetch(`${base}/livez`)).text(), "ok");
  assert.is(await (await fetch(`${base}/readyz`)).text(), "ok");
  const kv = await fetch(`${base}/v3/kv/range`, { method: "POST", body: JSON.stringify({ key: b64("a") }) });
  assert.is(kv.status, 404);
  assert.is(await kv.text(), "404 page not found\n");
  assert.is((await fetch(`${base}/version`)).status, 404); // etcd's metrics mux has no /version either
});

test("an https metrics URL serves with the client certificate, and refuses without the client TLS files", async () => {
  const fixtures = join(import.meta.dir, "../fixtures/tls");
  const tlsDir = join(dir, "tls");
  const base = {
    name: "mtls",
    dataDir: tlsDir,
    listenClientUrls: ["https://127.0.0.1:0"],
    listenPeerUrls: [`http://127.0.0.1:${PEER_PORT + 1}`],
    initialAdvertisePeerUrls: [`http://127.0.0.1:${PEER_PORT + 1}`],
    listenMetricsUrls: [new URL("https://127.0.0.1:0")],
  };
  const secure = await startServer({
    ...base,
    clientTls: {
      certFile: join(fixtures, "server.pem"),
      keyFile: join(fixtures, "server-key.pem"),
      trustedCaFile: "",
      clientCertAuth: false,
      autoTls: false,
    },
  });
  try {
    const url = secure.metricsUrls[0]!;
    assert.ok(url.startsWith("https://"), url);
    const ca = readFileSync(join(fixtures, "ca.pem"), "utf8");
    const res = await fetch(`${url}/metrics`, { tls: { ca } } as RequestInit);
    assert.is(res.status, 200);
    assert.ok(parsePrometheusText(await res.text()).has("etcd_server_has_leader"));
  } finally {
    await secure.close();
  }
  let refused: unknown;
  try {
    await (await startServer({ ...base, listenClientUrls: ["http://127.0.0.1:0"], dataDir: join(dir, "tls2") })).close();
  } catch (err) {
    refused = err;
  }
  assert.ok(refused instanceof Error, "an https metrics URL without --cert-file/--key-file started");
});

test.run();
