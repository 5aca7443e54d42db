/**
 * What scraping /metrics costs the write path: `bun bench/metrics_scrape.ts` runs wrk's put script
 * (bench/wrk/put.lua: keys over 100,000, 256-byte values) at 64 connections against one tsetcd member, in
 * passes that alternate between no scraper and a scraper fetching /metrics (on --listen-metrics-urls) once a
 * second, and prints req/s and p99 per pass, the medians and their ratio. Ports 35100–35102 (helper H's).
 * Knobs: MS_PASSES (default 3), MS_SECONDS (default 8), MS_CONNS (default 64), MS_ROOT (tree to run,
 * default this one).
 * @module
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { parseWrkOutput, requestsPerSecond } from "./lib/report.ts";

const BENCH_DIR = dirname(new URL(import.meta.url).pathname);
const ROOT = resolve(process.env.MS_ROOT ?? join(BENCH_DIR, ".."));
const BUN = join(BENCH_DIR, "..", "node_modules", ".bin", "bun");
const CLIENT = "http://127.0.0.1:35100";
const PEER = "http://127.0.0.1:35101";
const METRICS = "http://127.0.0.1:35102";
const READY_TIMEOUT_MS = 30_000;
const SCRAPE_EVERY_MS = 1000;

const passes = Number(process.env.MS_PASSES ?? "3");
const seconds = Number(process.env.MS_SECONDS ?? "8");
const conns = Number(process.env.MS_CONNS ?? "64");
if (!(passes >= 1 && passes <= 20 && seconds >= 2 && seconds <= 60 && conns >= 1 && conns <= 1024)) {
  throw new Error("MS_PASSES 1–20, MS_SECONDS 2–60, MS_CONNS 1–1024");
}

async function waitReady(child: ReturnType<typeof spawn>): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited (${child.exitCode})`);
    try {
      if ((await fetch(`${METRICS}/health`)).status === 200) return;
    } catch {
      // not listening yet
    }
    await Bun.sleep(100);
  }
  throw new Error("server not ready in time");
}

/** Runs wrk without blocking this process (the scraper runs beside it). */
async function wrk(): Promise<{ rps: number; p99Ms: number }> {
  const child = Bun.spawn(["wrk", "-t", "1", "-c", String(conns), "-d", `${seconds}s`, "--timeout", "5s", "-s",
    join(BENCH_DIR, "wrk", "put.lua"), CLIENT, "--", "keyspace=100000", "value_bytes=256"], { stdout: "pipe" });
  const out = await new Response(child.stdout).text();
  await child.exited;
  const r = parseWrkOutput(out);
  return { rps: requestsPerSecond(r), p99Ms: r.p99Us / 1000 };
}

/** Scrapes once a second until `stop` resolves; returns the scrapes' durations (ms) and sizes. */
async function scrapeUntil(stop: Promise<unknown>): Promise<{ tookMs: number[]; bytes: number }> {
  let done = false;
  void stop.then(() => (done = true));
  const tookMs: number[] = [];
  let bytes = 0;
  const maxScrapes = seconds + 5;
  for (let i = 0; i < maxScrapes && !done; i++) {
    const started = performance.now();
    bytes = (await (await fetch(`${METRICS}/metrics`)).text()).length;
    tookMs.push(performance.now() - started);
    await Promise.race([Bun.sleep(SCRAPE_EVERY_MS), stop]);
  }
  return { tookMs, bytes };
}

const dataDir = mkdtempSync(join(tmpdir(), "tsetcd-metrics-bench-"));
const child = spawn(BUN, [join(BENCH_DIR, "ab_server.ts"), ROOT, "--name", "default", "--data-dir", join(dataDir, "d"),
  "--listen-client-urls", CLIENT, "--advertise-client-urls", CLIENT, "--listen-peer-urls", PEER,
  "--initial-advertise-peer-urls", PEER, "--initial-cluster", `default=${PEER}`, "--listen-metrics-urls", METRICS], {
  stdio: ["ignore", "ignore", "inherit"],
});
const results = { off: [] as number[], on: [] as number[] };
try {
  await waitReady(child);
  console.log(`load before: ${loadavg().map((x) => x.toFixed(2)).join(" ")}; c=${conns}, ${seconds} s a pass`);
  for (let pass = 0; pass < passes; pass++) {
    const order: ("off" | "on")[] = pass % 2 === 0 ? ["off", "on"] : ["on", "off"];
    for (const mode of order) {
      const load = wrk();
      const scraped = mode === "on" ? await scrapeUntil(load) : undefined;
      const r = await load;
      results[mode].push(r.rps);
      const scrapeNote = scraped === undefined ? "" :
        `, ${scraped.tookMs.length} scrapes of ${scraped.bytes} B, slowest ${Math.max(...scraped.tookMs).toFixed(1)} ms`;
      console.log(`pass ${pass + 1} scrape ${mode}: ${Math.round(r.rps)} req/s, p99 ${r.p99Ms.toFixed(1)} ms${scrapeNote}`);
    }
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
  console.log(`load after: ${loadavg().map((x) => x.toFixed(2)).join(" ")}`);
  console.log(`median req/s: without scraping ${Math.round(median(results.off))}, scraped every 1 s ${Math.round(median(results.on))}, ratio ${(median(results.on) / median(results.off)).toFixed(3)}`);
} finally {
  child.kill("SIGTERM");
  await new Promise<void>((r) => (child.exitCode !== null ? r() : child.once("exit", () => r())));
  rmSync(dataDir, { recursive: true, force: true });
}
