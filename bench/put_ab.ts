/**
 * A/B of tsetcd put throughput, back to back on the same busy machine: `bun bench/put_ab.ts` runs wrk's
 * put script (bench/wrk/put.lua, 8-byte keys over 100,000, 256-byte values) against each variant in turn,
 * alternating, on a fresh data dir each time, and prints req/s and p50/p99 per variant and concurrency
 * with the median pass. Ports 32379/32380 (the PERF helper's range), so it never meets bench/run.ts.
 *
 * Variants (AB_VARIANTS, comma-separated): `work` (this tree), `work-nothread` (this tree, WAL checkpoint
 * thread off), `work-split` (this tree, gateway on --listen-client-http-urls: no client front), `work-commitN` (this tree, state commit every N ms), `base` (the commit in AB_BASE, default HEAD, unpacked into a temp dir; its own defaults).
 * Other knobs: AB_CONNS (default "16,64,256"), AB_PASSES (default 3), AB_SECONDS (default 6).
 * @module
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { parseWrkOutput, requestsPerSecond } from "./lib/report.ts";

const BENCH_DIR = dirname(new URL(import.meta.url).pathname);
const REPO = resolve(BENCH_DIR, "..");
const BUN = join(REPO, "node_modules", ".bin", "bun");
const CLIENT = "http://127.0.0.1:32379";
const PEER = "http://127.0.0.1:32380";
const GRPC_BESIDE = "http://127.0.0.1:32378";
const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 15_000;

const variants = (process.env.AB_VARIANTS ?? "base,work").split(",");
const conns = (process.env.AB_CONNS ?? "16,64,256").split(",").map(Number);
const passes = Number(process.env.AB_PASSES ?? "3");
const seconds = Number(process.env.AB_SECONDS ?? "6");
if (!(passes >= 1 && passes <= 20 && seconds >= 1 && seconds <= 60)) throw new Error("AB_PASSES 1–20, AB_SECONDS 1–60");

function unpackBase(): string {
  const dir = mkdtempSync(join(tmpdir(), "tsetcd-ab-base-"));
  const rev = process.env.AB_BASE ?? "HEAD";
  const archive = spawnSync("sh", ["-c", `git -C ${REPO} archive ${rev} | tar -x -C ${dir}`]);
  if (archive.status !== 0) throw new Error(`could not unpack ${rev}: ${archive.stderr}`);
  symlinkSync(join(REPO, "node_modules"), join(dir, "node_modules"));
  return dir;
}

const roots = new Map<string, { root: string; env: Record<string, string> }>();
const temp: string[] = [];
for (const v of variants) {
  if (v === "work") roots.set(v, { root: REPO, env: {} });
  else if (v === "work-nothread") roots.set(v, { root: REPO, env: { AB_WAL_THREAD: "0" } });
  else if (v === "work-split") roots.set(v, { root: REPO, env: { AB_SPLIT: "1" } });
  else if (v.startsWith("work-commit")) roots.set(v, { root: REPO, env: { AB_STATE_COMMIT_MS: v.slice(11) } });
  else if (v === "base") {
    const dir = unpackBase();
    temp.push(dir);
    roots.set(v, { root: dir, env: {} });
  } else throw new Error(`unknown variant ${v}`);
}

async function waitReady(child: ReturnType<typeof spawn>): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited (${child.exitCode})`);
    try {
      const r = await fetch(`${CLIENT}/v3/kv/range`, { method: "POST", body: JSON.stringify({ key: "YQ==" }) });
      if (r.status === 200) return;
    } catch {
      // not listening yet
    }
    await Bun.sleep(100);
  }
  throw new Error("server not ready in time");
}

async function stop(child: ReturnType<typeof spawn>): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

async function runOne(variant: string, c: number): Promise<{ rps: number; p50: number; p99: number }> {
  const { root, env } = roots.get(variant)!;
  const dataDir = mkdtempSync(join(tmpdir(), "tsetcd-ab-data-"));
  // work-split: etcd 3.5's split, the gateway alone on CLIENT (no client front), gRPC one port below.
  const clientUrls = env.AB_SPLIT === "1"
    ? ["--listen-client-urls", GRPC_BESIDE, "--listen-client-http-urls", CLIENT]
    : ["--listen-client-urls", CLIENT];
  const flags = ["--name", "default", "--data-dir", join(dataDir, "d"), ...clientUrls,
    "--advertise-client-urls", CLIENT, "--listen-peer-urls", PEER, "--initial-advertise-peer-urls", PEER,
    "--initial-cluster", `default=${PEER}`];
  const child = spawn(BUN, [join(BENCH_DIR, "ab_server.ts"), root, ...flags], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "ignore", "inherit"],
  });
  try {
    await waitReady(child);
    const wrk = spawnSync("wrk", ["-t", "1", "-c", String(c), "-d", `${seconds + 1}s`, "--timeout", "5s", "-s",
      join(BENCH_DIR, "wrk", "put.lua"), CLIENT, "--", "keyspace=100000", "value_bytes=256"], { encoding: "utf8" });
    const r = parseWrkOutput(wrk.stdout);
    return { rps: requestsPerSecond(r), p50: r.p50Us / 1000, p99: r.p99Us / 1000 };
  } finally {
    await stop(child);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const results = new Map<string, { rps: number; p50: number; p99: number }[]>();
console.log(`load before: ${loadavg().map((x) => x.toFixed(2)).join(" ")}`);
for (let pass = 0; pass < passes; pass++) {
  for (const c of conns) {
    const order = pass % 2 === 0 ? variants : [...variants].reverse();
    for (const v of order) {
      const r = await runOne(v, c);
      const key = `${v} c=${c}`;
      results.set(key, [...(results.get(key) ?? []), r]);
      console.log(`pass ${pass + 1} ${key}: ${Math.round(r.rps)} req/s, p50 ${r.p50.toFixed(2)} p99 ${r.p99.toFixed(1)} ms`);
    }
  }
}
console.log(`load after: ${loadavg().map((x) => x.toFixed(2)).join(" ")}`);
console.log("| variant | c | median req/s | passes |");
console.log("|---|---:|---:|---|");
for (const c of conns) {
  for (const v of variants) {
    const rs = results.get(`${v} c=${c}`)!.map((r) => r.rps).sort((a, b) => a - b);
    console.log(`| ${v} | ${c} | ${Math.round(rs[Math.floor((rs.length - 1) / 2)]!)} | ${rs.map(Math.round).join(" / ")} |`);
  }
}
for (const dir of temp) rmSync(dir, { recursive: true, force: true });
