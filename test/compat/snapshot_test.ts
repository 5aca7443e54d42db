/**
 * Snapshot, differential: a real etcd 3.4 and tsetcd with the same writes. Their databases differ (bolt
 * against SQLite), so what is compared is shape: the JSON lines of POST /v3/maintenance/snapshot (field
 * names and order, 32 KiB chunks, remaining_bytes, a 32-byte SHA-256 last), the gateway's answers to bad
 * bodies, and etcdctl's argument errors against our CLI's (stdout, stderr without zap log lines, exit code).
 * etcd missing is a failure, not a skip.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { runCliCaptured as tsetcd } from "../helpers/cli.ts";
import { type ServerProcess, startEtcd, startTsetcd, runEtcdctl as etcdctl, type EtcdctlRun as Run } from "../helpers/etcd.ts";

const REQUEST_TIMEOUT_MS = 10_000;
const CHUNK_BYTES = 32 * 1024;

let etcd: ServerProcess | undefined;
let ours: ServerProcess | undefined;
const dir = mkdtempSync(join(tmpdir(), "tsetcd-snapshot-compat-"));


/** etcdctl's zap log lines are its own; what is compared is the rest. */
function withoutZap(run: Run): Run {
  const err = run.err.split("\n").filter((line) => !line.startsWith('{"level"')).join("\n");
  return { ...run, err };
}

function post(server: ServerProcess, path: string, body: string): Promise<Response> {
  return fetch(server.clientUrl + path, { method: "POST", body, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
}

/** The rules a snapshot stream follows, as a value two servers' streams can be compared by. */
async function streamShape(server: ServerProcess): Promise<Record<string, unknown>> {
  const response = await post(server, "/v3/maintenance/snapshot", "{}");
  const lines = (await response.text()).split("\n");
  const trailing = lines.pop();
  const parsed = lines.map((line) => JSON.parse(line) as { result: Record<string, string> });
  const blobs = parsed.map((p) => Buffer.from(p.result.blob!, "base64"));
  const data = blobs.slice(0, -1);
  const totalBytes = data.reduce((n, b) => n + b.length, 0);
  let sentBytes = 0;
  const remainingOk = parsed.slice(0, -1).every((p, i) => {
    sentBytes += data[i]!.length;
    const left = totalBytes - sentBytes;
    return left === 0 ? !("remaining_bytes" in p.result) : p.result.remaining_bytes === String(left);
  });
  return {
    status: response.status,
    contentType: response.headers.get("content-type"),
    endsWithNewline: trailing === "",
    topKeys: [...new Set(parsed.map((p) => Object.keys(p).join(",")))],
    resultKeys: [...new Set(parsed.map((p) => Object.keys(p.result).join(",")))].sort(),
    severalChunks: data.length > 1,
    fullChunksBeforeLast: data.slice(0, -1).every((b) => b.length === CHUNK_BYTES),
    remainingOk,
    lastKeys: Object.keys(parsed.at(-1)!.result),
    hashBytes: blobs.at(-1)!.length,
    hashOk: createHash("sha256").update(Buffer.concat(data)).digest().equals(blobs.at(-1)!),
  };
}

async function fill(server: ServerProcess): Promise<void> {
  // ~120 KB of values: several chunks on both servers.
  for (let i = 0; i < 40; i++) {
    const value = Buffer.from(`${i}`.padEnd(3_000, "v")).toString("base64");
    const key = Buffer.from(`snap/${i}`).toString("base64");
    const response = await post(server, "/v3/kv/put", JSON.stringify({ key, value }));
    assert.is(response.status, 200);
  }
}

test.before(async () => {
  [etcd, ours] = await Promise.all([startEtcd(), startTsetcd()]);
  await Promise.all([fill(etcd), fill(ours)]);
});

test.after(async () => {
  await Promise.all([etcd?.stop(), ours?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

test("/v3/maintenance/snapshot: the same JSON line structure", async () => {
  const theirs = await streamShape(etcd!);
  assert.equal(theirs.hashBytes, 32);
  assert.equal(theirs.severalChunks, true);
  assert.equal(await streamShape(ours!), theirs);
});

test("/v3/maintenance/snapshot: the same answers to bad bodies and methods", async () => {
  for (const body of ["{bad", "[]", '"x"', "1"]) {
    const [a, b] = await Promise.all([post(etcd!, "/v3/maintenance/snapshot", body), post(ours!, "/v3/maintenance/snapshot", body)]);
    assert.equal(`${b.status} ${await b.text()}`, `${a.status} ${await a.text()}`, body);
  }
  const [a, b] = await Promise.all([
    fetch(`${etcd!.clientUrl}/v3/maintenance/snapshot`),
    fetch(`${ours!.clientUrl}/v3/maintenance/snapshot`),
  ]);
  assert.equal(b.status, a.status);
});

test("snapshot argument errors: etcdctl's texts and exit codes", async () => {
  const etcdHost = etcd!.clientUrl.replace("http://", "");
  const ourHost = ours!.clientUrl.replace("http://", "");
  const cases: ((host: string) => string[])[] = [
    () => ["snapshot", "save"],
    () => ["snapshot", "save", "a.db", "b.db"],
    () => ["snapshot", "status"],
    () => ["snapshot", "status", "a.db", "b.db"],
    () => ["snapshot", "status", "nonexist.db"],
    () => ["--endpoints", "127.0.0.1:2579,127.0.0.1:2579", "snapshot", "save", join(dir, "two.db")],
    (host) => ["--endpoints", host, "snapshot", "save", "/nonexistent-dir/x.db"],
    () => ["--endpoints", "127.0.0.1:1", "--command-timeout", "1s", "snapshot", "save", join(dir, "down.db")],
  ];
  for (const make of cases) {
    const theirs = withoutZap(await etcdctl(make(etcdHost)));
    const mine = await tsetcd(make(ourHost));
    assert.equal(mine, theirs, make("<host>").join(" "));
  }
});

test("snapshot save: the same stdout and exit code", async () => {
  const theirs = withoutZap(await etcdctl(["--endpoints", etcd!.clientUrl, "snapshot", "save", join(dir, "etcd.db")]));
  const mine = await tsetcd(["--endpoints", ours!.clientUrl, "snapshot", "save", join(dir, "etcd.db")]);
  assert.equal(mine, theirs);
});

test.run();
