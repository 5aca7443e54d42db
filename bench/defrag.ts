/**
 * Write stall during a defrag, tsetcd against etcd 3.4, same data. For each server: start it (fresh data dir,
 * loopback ports 23300–23321, helper D's range), write `sizeMB` of 64 KiB values twice over the same keys
 * (16 connections), compact at the head (physical) so the first copy is free space, then measure small puts
 * at 16 connections: for `baselineMs` without a defrag, then while Maintenance.Defragment runs (its own time
 * reported). Prints p50/p99/p100 put latency for both windows, the defrag's duration and the database size
 * before and after.
 * Usage: bun bench/defrag.ts [sizeMB=256] [servers=tsetcd,etcd]
 * DEFRAG_TEMPLATE=<dir>: the filled, compacted data dir of each server is kept at `<dir>-<server>` (made on
 * the first run, copied on later ones), so variants are compared on the same bytes without refilling.
 * DEFRAG_PRELOAD=<file>: a `bun --preload` for the tsetcd server (diagnosis probes).
 * DEFRAG_WARMUP_MS: load before the baseline that is not counted (default 5,000).
 * DEFRAG_BASELINE_MS: the window without a defrag (default 3,000; make it near the defrag's own length to
 * compare maxima over as many puts).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const sizeMB = Number(process.argv[2] ?? 256);
const kinds = (process.argv[3] ?? "tsetcd,etcd").split(",");
const CONNS = 16;
const VALUE_BYTES = 64 * 1024;
const BASELINE_MS = Number(process.env.DEFRAG_BASELINE_MS ?? 3_000);
const TAIL_MS = 500;
/** Load before the baseline, not counted: a restarted member's first seconds (log trim, caches) are not the defrag's. */
const WARMUP_MS = Number(process.env.DEFRAG_WARMUP_MS ?? 5_000);
const READY_TIMEOUT_MS = 30_000;
const ROOT = resolve(import.meta.dir, "..");
const b64 = (text: string): string => Buffer.from(text).toString("base64");
const template = process.env.DEFRAG_TEMPLATE;
const preload = process.env.DEFRAG_PRELOAD === undefined ? [] : ["--preload", process.env.DEFRAG_PRELOAD];

async function post(url: string, path: string, body: unknown): Promise<Record<string, unknown>> {
  const answer = await fetch(`${url}${path}`, { method: "POST", body: JSON.stringify(body), signal: AbortSignal.timeout(600_000) });
  const text = await answer.text();
  if (answer.status !== 200) throw new Error(`${path}: ${answer.status} ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

async function start(kind: string, port: number, dataDir: string): Promise<ChildProcess> {
  const client = `http://127.0.0.1:${port}`;
  const peer = `http://127.0.0.1:${port + 1}`;
  const args = ["--data-dir", dataDir, "--listen-client-urls", client, "--advertise-client-urls", client,
    "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer, "--initial-cluster", `default=${peer}`,
    "--quota-backend-bytes", String(8 * 1024 ** 3)];
  const child = kind === "etcd"
    ? spawn("/usr/bin/etcd", args, { stdio: "ignore" })
    : spawn(join(ROOT, "node_modules/.bin/bun"), [...preload, "mod.ts", "server", ...args], { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"] });
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    try {
      const status = await post(client, "/v3/maintenance/status", {});
      if (/^[1-9]/.test(String(status.leader))) return child;
    } catch {
      // not up yet
    }
    await Bun.sleep(100);
  }
  child.kill("SIGKILL");
  throw new Error(`${kind} did not start`);
}

async function fill(url: string): Promise<void> {
  const value = b64("v".repeat(VALUE_BYTES));
  const keys = Math.ceil((sizeMB * 1024 * 1024) / VALUE_BYTES);
  for (let round = 0; round < 2; round++) {
    let next = 0;
    await Promise.all(Array.from({ length: CONNS }, async () => {
      for (let i = next++; i < keys; i = next++) await post(url, "/v3/kv/put", { key: b64(`fill-${i}`), value });
    }));
  }
  const { header } = await post(url, "/v3/kv/put", { key: b64("mark"), value: b64("m") });
  await post(url, "/v3/kv/compaction", { revision: (header as { revision: string }).revision, physical: true });
}

/** Puts that failed (etcd answers "request timed out" past 7 s); their latency still counts. */
let failedPuts = 0;

/** Small puts at CONNS connections until `until` resolves; every latency in ms. */
async function load(url: string, until: Promise<unknown>): Promise<number[]> {
  const latencies: number[] = [];
  let done = false;
  void until.then(() => (done = true));
  await Promise.all(Array.from({ length: CONNS }, async (_, c) => {
    for (let i = 0; !done; i++) {
      const t = performance.now();
      await post(url, "/v3/kv/put", { key: b64(`load-${c}-${i % 100}`), value: b64("x".repeat(100)) }).catch(() => failedPuts++);
      latencies.push(performance.now() - t);
    }
  }));
  return latencies;
}

function summary(ms: number[]): string {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q: number): string => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(1);
  return `${sorted.length} puts, p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, p99.9 ${at(0.999)} ms, p100 ${sorted[sorted.length - 1]!.toFixed(1)} ms`;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((done) => child.once("exit", done));
  child.kill("SIGTERM");
  await exited;
}

for (const [n, kind] of kinds.entries()) {
  const port = 23300 + n * 10;
  const dir = mkdtempSync(join(tmpdir(), `defrag-bench-${kind}-`));
  const dataDir = join(dir, "data");
  const kept = template === undefined ? undefined : `${template}-${kind}`;
  const url = `http://127.0.0.1:${port}`;
  const t0 = performance.now();
  let child: ChildProcess;
  if (kept !== undefined && existsSync(kept)) {
    cpSync(kept, dataDir, { recursive: true });
    child = await start(kind, port, dataDir);
  } else {
    child = await start(kind, port, dataDir);
    await fill(url);
    if (kept !== undefined) {
      await stop(child);
      cpSync(dataDir, kept, { recursive: true });
      child = await start(kind, port, dataDir);
    }
  }
  try {
    const dbSize = async (): Promise<number> => Number((await post(url, "/v3/maintenance/status", {})).dbSize);
    const before = await dbSize();
    console.log(`${kind}: filled ${sizeMB} MB twice + compacted (or copied) in ${((performance.now() - t0) / 1000).toFixed(1)} s; db ${(before / 1e6).toFixed(0)} MB`);
    await load(url, Bun.sleep(WARMUP_MS));
    console.log(`${kind}: baseline   ${summary(await load(url, Bun.sleep(BASELINE_MS)))}`);
    let defragMs = 0;
    const defrag = (async () => {
      await Bun.sleep(TAIL_MS);
      const t = performance.now();
      // Through etcdctl (gRPC) for both: etcd 3.4's own gateway gives up on a long defrag ("transport is closing").
      const ctl = Bun.spawn(["etcdctl", `--endpoints=127.0.0.1:${port}`, "--command-timeout=600s", "defrag"], { stdout: "ignore", stderr: "pipe" });
      if ((await ctl.exited) !== 0) throw new Error(`etcdctl defrag failed: ${await new Response(ctl.stderr).text()}`);
      defragMs = performance.now() - t;
      await Bun.sleep(TAIL_MS);
    })();
    failedPuts = 0;
    const during = await load(url, defrag);
    const after = await dbSize();
    console.log(`${kind}: defrag     ${summary(during)}; ${failedPuts} failed; defrag took ${(defragMs / 1000).toFixed(2)} s; db ${(before / 1e6).toFixed(0)} → ${(after / 1e6).toFixed(0)} MB`);
  } finally {
    await stop(child);
    rmSync(dir, { recursive: true, force: true });
  }
}
