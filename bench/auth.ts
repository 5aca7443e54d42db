/**
 * What auth costs on the gateway's put and range rows: one tsetcd server, the same wrk rows (bench/wrk) run
 * first with auth off, then — same server, same run — with auth on as a non-root user whose role grants
 * READWRITE on the bench keys' prefix (every request resolves its token and checks its key; writes are
 * checked again at apply). Rows alternate off/on per pass; each row reports its median pass.
 *
 * Usage: bun bench/auth.ts [--duration 5] [--repeat 3]. Ports 28300–28301 (this work's range).
 * @module
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type Row, threadsFor, wrkScript, RANGE_KEYSPACE, VALUE_BYTES } from "./lib/matrix.ts";
import { parseWrkOutput, type WrkResult } from "./lib/report.ts";
import { seedAndVerify } from "./lib/servers.ts";

const ROOT = resolve(import.meta.dir, "..");
const WRK_DIR = join(ROOT, "bench", "wrk");
const CLIENT = "http://127.0.0.1:28300";
const PEER = "http://127.0.0.1:28301";
const THREADS = 2;

const ROWS: Row[] = [
  { label: "put c=16", workload: "put", connections: 16 },
  { label: "put c=64", workload: "put", connections: 64 },
  { label: "range (lin) c=64", workload: "range-linearizable", connections: 64 },
  { label: "range (ser) c=64", workload: "range-serializable", connections: 64 },
];

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at < 0 ? fallback : Number(process.argv[at + 1]);
}

function wrk(row: Row, seconds: number, token: string | undefined): WrkResult {
  const { script, args } = wrkScript(row.workload);
  const header = token === undefined ? [] : ["-H", `Authorization: ${token}`];
  const run = spawnSync("wrk", [
    "-t", String(threadsFor(row, THREADS)), "-c", String(row.connections), "-d", `${seconds}s`, "--timeout", "5s",
    ...header, "-s", join(WRK_DIR, script), CLIENT, "--", ...args,
  ], { encoding: "utf8", timeout: (seconds + 30) * 1000 });
  if (run.status !== 0) throw new Error(`wrk failed: ${run.stderr}`);
  const result = parseWrkOutput(run.stdout);
  const errors = result.errConnect + result.errRead + result.errWrite + result.errStatus + result.errTimeout;
  if (errors > 0) throw new Error(`${row.label}: ${errors} errors (auth ${token === undefined ? "off" : "on"})`);
  return result;
}

async function post(path: string, body: unknown, token?: string): Promise<Record<string, unknown>> {
  const response = await fetch(CLIENT + path, {
    method: "POST",
    headers: token === undefined ? {} : { authorization: token },
    body: JSON.stringify(body),
  });
  const value = (await response.json()) as Record<string, unknown>;
  if (response.status !== 200) throw new Error(`${path}: ${JSON.stringify(value)}`);
  return value;
}

const b64 = (text: string): string => Buffer.from(text).toString("base64");

/** root, a role granting READWRITE on prefix "k" (every bench key), user "bench" holding it; auth on. */
async function enableAuth(): Promise<void> {
  await post("/v3/auth/user/add", { name: "root", password: "rootpw" });
  await post("/v3/auth/user/grant", { user: "root", role: "root" });
  await post("/v3/auth/role/add", { name: "bench" });
  await post("/v3/auth/role/grant", { name: "bench", perm: { permType: "READWRITE", key: b64("k"), range_end: b64("l") } });
  await post("/v3/auth/user/add", { name: "bench", password: "benchpw" });
  await post("/v3/auth/user/grant", { user: "bench", role: "bench" });
  await post("/v3/auth/enable", {});
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const seconds = option("duration", 5);
const repeat = option("repeat", 3);
const dir = mkdtempSync(join(tmpdir(), "bench-auth-"));
const bun = join(ROOT, "node_modules", ".bin", "bun");
const args = [
  "mod.ts", "server", "--name", "default", "--data-dir", join(dir, "data"),
  "--listen-client-urls", CLIENT, "--advertise-client-urls", CLIENT,
  "--listen-peer-urls", PEER, "--initial-advertise-peer-urls", PEER, "--initial-cluster", `default=${PEER}`,
];
const child = spawn(bun, args, { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"] });
await waitServing();
try {
  await seedAndVerify(CLIENT, RANGE_KEYSPACE, VALUE_BYTES);
  const results = new Map<string, { off: number[]; on: number[] }>(ROWS.map((r) => [r.label, { off: [], on: [] }]));
  // Users and roles once; then each pass runs the rows with auth disabled, then enabled (one entry each).
  await enableAuth();
  for (let pass = 0; pass < repeat; pass++) {
    // Disabling drops every token (as etcd's), so root logs in again each pass.
    const rootToken = String((await post("/v3/auth/authenticate", { name: "root", password: "rootpw" })).token);
    await post("/v3/auth/disable", {}, rootToken);
    for (const row of ROWS) results.get(row.label)!.off.push(throughput(wrk(row, seconds, undefined)));
    await post("/v3/auth/enable", {});
    const user = String((await post("/v3/auth/authenticate", { name: "bench", password: "benchpw" })).token);
    for (const row of ROWS) results.get(row.label)!.on.push(throughput(wrk(row, seconds, user)));
  }
  console.log(`load ${loadavg().map((n) => n.toFixed(2)).join(" ")}, ${repeat} passes of ${seconds} s per row, median pass\n`);
  console.log("| row | auth off (req/s) | auth on (req/s) | cost |");
  console.log("|---|---:|---:|---:|");
  for (const row of ROWS) {
    const r = results.get(row.label)!;
    const off = median(r.off);
    const on = median(r.on);
    console.log(`| ${row.label} | ${off.toFixed(0)} | ${on.toFixed(0)} | ${(((off - on) / off) * 100).toFixed(1)}% |`);
  }
} finally {
  await stop();
  rmSync(dir, { recursive: true, force: true });
}

/** Polls a range until the server answers (bounded: 30 s). */
async function waitServing(): Promise<void> {
  for (let i = 0; i < 300; i++) {
    try {
      const response = await fetch(`${CLIENT}/v3/kv/range`, { method: "POST", body: JSON.stringify({ key: b64("probe") }) });
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await Bun.sleep(100);
  }
  await stop();
  throw new Error("the server did not start");
}

/** SIGTERM to the server this script started, SIGKILL after 10 s. */
async function stop(): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

function throughput(result: WrkResult): number {
  return result.requests / (result.durationUs / 1e6);
}
