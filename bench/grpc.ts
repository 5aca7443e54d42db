/**
 * gRPC load, tsetcd vs etcd 3.4, with etcd's own load tool `benchmark` (tools/benchmark of etcd 3.4, the
 * tool behind etcd's published figures): Put and linearizable Range at 1, 16, 64 and 256 concurrent streams
 * (one connection per 16 streams), 256-byte values, 8-byte keys. The servers run one at a time, each pass
 * on a fresh data dir, and the passes alternate (etcd first on odd passes, tsetcd first on even ones) so
 * that load from other users of the machine falls on both; each cell is the median of the passes. Also the
 * server's CPU per request (from /proc/<pid>/stat) and how busy the whole machine was.
 *
 *   bun bench/grpc.ts                       # 3 passes, writes bench/GRPC_RESULTS.md
 *   bun bench/grpc.ts --passes 1 --no-write # a quick look
 *   bun bench/grpc.ts --check-perf s,m,l    # also `etcdctl check perf` at those loads against each server
 *   bun bench/grpc.ts --rows none --check-perf l --passes 1   # check perf only
 *   bun bench/grpc.ts --same-port           # tsetcd's default single client URL (bench/GRPC_SAME_PORT.md)
 *
 * Needs `etcd`, `etcdctl` and `benchmark` (BENCHMARK=/path, else `benchmark` on PATH); see
 * bench/grpc_build_benchmark.sh for building it from Debian's packages. Ports 27600–27602 (this bench's range).
 * @module
 */
import { type Subprocess, spawn, spawnSync } from "bun";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";

const BENCH_DIR = dirname(new URL(import.meta.url).pathname);
const REPO_ROOT = resolve(BENCH_DIR, "..");
const RESULTS_PATH = join(BENCH_DIR, "GRPC_RESULTS.md");
/** A check-perf-only run (`--rows none`) writes here, so it does not replace the table. */
const CHECK_PERF_PATH = join(BENCH_DIR, "GRPC_CHECK_PERF.md");
/** A `--same-port` run writes here. */
const SAME_PORT_PATH = join(BENCH_DIR, "GRPC_SAME_PORT.md");
const GRPC_PORT = 27600;
const PEER_PORT = 27601;
const HTTP_PORT = 27602;
const ENDPOINT = `127.0.0.1:${GRPC_PORT}`;
const READY_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 10_000;
const RUN_LIMIT_MS = 180_000;
const CLOCK_TICKS_PER_S = 100; // Linux USER_HZ, the unit of utime/stime in /proc/<pid>/stat
const STREAMS = [1, 16, 64, 256] as const;
const STREAMS_PER_CONNECTION = 16;
const VALUE_BYTES = 256;
const RANGE_KEY = "grpc-bench-range";

type Target = "etcd" | "tsetcd";
type Op = "put" | "range";

/** One row's figures for one target in one pass. */
interface Sample {
  requestsPerS: number;
  /** Server CPU (user + system) per request, microseconds. */
  serverCpuUs: number;
  /** Share of both cores busy during the run (all processes, ours or not), 0–100. */
  machineBusyPercent: number;
}

interface Options {
  passes: number;
  write: boolean;
  /** Loads for `etcdctl check perf` (s, m, l, xl), none by default. */
  checkPerf: string[];
  /** False with `--rows none`: only check perf. */
  rows: boolean;
  /**
   * `--same-port`: tsetcd with its default single client URL (gRPC and the gateway on one port, split by its
   * front thread) instead of etcd 3.5's split (--listen-client-http-urls, gRPC straight to node:http2).
   */
  samePort: boolean;
  benchmark: string;
}

function parseOptions(args: string[]): Options {
  const options: Options = { passes: 3, write: true, checkPerf: [], rows: true, samePort: false, benchmark: process.env.BENCHMARK ?? "benchmark" };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--passes") options.passes = Number(args[++i]);
    else if (arg === "--no-write") options.write = false;
    else if (arg === "--check-perf") options.checkPerf = (args[++i] ?? "").split(",");
    else if (arg === "--rows") options.rows = args[++i] !== "none";
    else if (arg === "--same-port") options.samePort = true;
    else throw new Error(`unknown argument ${arg} (see the header of bench/grpc.ts)`);
  }
  if (!(Number.isInteger(options.passes) && options.passes >= 1 && options.passes <= 9)) throw new Error("--passes: 1 to 9");
  if (options.checkPerf.some((load) => !["s", "m", "l", "xl"].includes(load))) throw new Error("--check-perf: s, m, l or xl, comma-separated");
  return options;
}

/** Requests per row: about 2–4 s of load each on this class of machine. */
function totalFor(streams: number): number {
  return streams === 1 ? 2_000 : streams === 16 ? 10_000 : streams === 64 ? 20_000 : 30_000;
}

interface Server {
  process: Subprocess;
  dataDir: string;
}

function serverArgs(target: Target, dataDir: string, samePort: boolean): string[] {
  const client = `http://${ENDPOINT}`;
  const peer = `http://127.0.0.1:${PEER_PORT}`;
  const member = [
    "--data-dir", dataDir,
    "--listen-client-urls", client,
    "--advertise-client-urls", client,
    "--listen-peer-urls", peer,
    "--initial-advertise-peer-urls", peer,
    "--initial-cluster", `default=${peer}`,
  ];
  if (target === "etcd") return ["etcd", ...member];
  const bun = join(REPO_ROOT, "node_modules", ".bin", "bun");
  const split = samePort ? [] : ["--listen-client-http-urls", `http://127.0.0.1:${HTTP_PORT}`];
  return [bun, join(REPO_ROOT, "mod.ts"), "server", ...member, ...split];
}

async function startTarget(target: Target, samePort: boolean): Promise<Server> {
  const dataDir = mkdtempSync(join(tmpdir(), `grpc-bench-${target}-`));
  const logPath = join(dataDir, "server.log");
  const log = Bun.file(logPath);
  const child = spawn(serverArgs(target, join(dataDir, "data"), samePort), { cwd: REPO_ROOT, stdout: log, stderr: log });
  const deadline = Date.now() + READY_TIMEOUT_MS;
  // Ready once a linearizable write through gRPC succeeds (the same check for both servers).
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${target} exited early with ${child.exitCode}: ${readFileSync(logPath, "utf8").slice(-2_000)}`);
    const put = etcdctl(["put", RANGE_KEY, "v".repeat(VALUE_BYTES)], 5_000);
    if (put.ok) return { process: child, dataDir };
    await Bun.sleep(200);
  }
  const tail = readFileSync(logPath, "utf8").split("\n").slice(-15).join("\n");
  await stopTarget({ process: child, dataDir });
  throw new Error(`${target} not serving gRPC on ${ENDPOINT} after ${READY_TIMEOUT_MS} ms; its log ends:\n${tail}`);
}

async function stopTarget(server: Server): Promise<void> {
  server.process.kill("SIGTERM");
  const timer = setTimeout(() => server.process.kill("SIGKILL"), STOP_GRACE_MS);
  await server.process.exited;
  clearTimeout(timer);
  rmSync(server.dataDir, { recursive: true, force: true });
}

function etcdctl(args: string[], limitMs: number): { ok: boolean; output: string } {
  const run = spawnSync(["etcdctl", "--endpoints", ENDPOINT, ...args], { env: { ...process.env, ETCDCTL_API: "3" }, timeout: limitMs });
  return { ok: run.exitCode === 0, output: `${run.stdout.toString()}${run.stderr.toString()}` };
}

function processCpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return Number(fields[11]) + Number(fields[12]); // utime, stime
}

/** Busy and total jiffies of the whole machine, from the first line of /proc/stat. */
function machineTicks(): { busy: number; total: number } {
  const values = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = values.reduce((a, b) => a + b, 0);
  return { busy: total - values[3]! - values[4]!, total };
}

/** Runs one row with `benchmark` and measures the server meanwhile. */
function runRow(options: Options, server: Server, op: Op, streams: number): Sample {
  const total = totalFor(streams);
  const conns = Math.max(1, Math.ceil(streams / STREAMS_PER_CONNECTION));
  const common = ["--endpoints", ENDPOINT, "--conns", String(conns), "--clients", String(streams)];
  const command = op === "put"
    ? [...common, "put", "--total", String(total), "--val-size", String(VALUE_BYTES), "--key-size", "8", "--sequential-keys", "--key-space-size", "100000"]
    : [...common, "range", RANGE_KEY, "--total", String(total), "--consistency", "l"];
  const cpuBefore = processCpuTicks(server.process.pid);
  const machineBefore = machineTicks();
  const run = spawnSync([options.benchmark, ...command], { timeout: RUN_LIMIT_MS });
  const cpuAfter = processCpuTicks(server.process.pid);
  const machineAfter = machineTicks();
  const output = `${run.stdout.toString()}${run.stderr.toString()}`;
  const rate = /Requests\/sec:\s+([0-9.]+)/.exec(output);
  const errors = /Error distribution:/.test(output);
  if (run.exitCode !== 0 || rate === null || errors) {
    throw new Error(`benchmark ${command.join(" ")} failed:\n${output.split("\n").filter((l) => !l.includes('"level":"warn"')).slice(-20).join("\n")}`);
  }
  return {
    requestsPerS: Number(rate[1]),
    serverCpuUs: ((cpuAfter - cpuBefore) / CLOCK_TICKS_PER_S) * 1e6 / total,
    machineBusyPercent: (100 * (machineAfter.busy - machineBefore.busy)) / Math.max(1, machineAfter.total - machineBefore.total),
  };
}

interface CheckPerf {
  load: string;
  verdict: string;
  serverCpuS: number;
  etcdctlCpuS: number;
  machineBusyPercent: number;
}

/** `etcdctl check perf --load=<load>` against the running server: its last lines and the CPU split. */
function runCheckPerf(server: Server, load: string): CheckPerf {
  const cpuBefore = processCpuTicks(server.process.pid);
  const machineBefore = machineTicks();
  const run = spawnSync(["/usr/bin/time", "-f", "etcdctl-cpu %U %S", "etcdctl", "--endpoints", ENDPOINT, "check", "perf", `--load=${load}`], {
    env: { ...process.env, ETCDCTL_API: "3" },
    timeout: RUN_LIMIT_MS,
  });
  const cpuAfter = processCpuTicks(server.process.pid);
  const machineAfter = machineTicks();
  const output = `${run.stdout.toString()}${run.stderr.toString()}`.replaceAll("\r", "\n");
  const lines = output.split("\n").filter((l) => /PASS|FAIL|writes\/s|took|Stddev/.test(l) && !l.includes('"level"'));
  const cpu = /etcdctl-cpu ([0-9.]+) ([0-9.]+)/.exec(output);
  return {
    load,
    verdict: lines.join("; "),
    serverCpuS: (cpuAfter - cpuBefore) / CLOCK_TICKS_PER_S,
    etcdctlCpuS: cpu === null ? NaN : Number(cpu[1]) + Number(cpu[2]),
    machineBusyPercent: (100 * (machineAfter.busy - machineBefore.busy)) / Math.max(1, machineAfter.total - machineBefore.total),
  };
}

interface CheckPerfRun {
  target: Target;
  pass: number;
  result: CheckPerf;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function rowKey(op: Op, streams: number): string {
  return `${op}/${streams}`;
}

function firstLine(command: string[]): string {
  const run = spawnSync(command);
  return `${run.stdout.toString()}${run.stderr.toString()}`.split("\n")[0]!.trim();
}

function formatResults(samples: Map<string, Sample[]>, checks: CheckPerfRun[], options: Options, startedAt: string): string {
  const rows: string[] = [];
  const spreads: number[] = [];
  const busy: number[] = [];
  for (const op of ["put", "range"] as const) {
    for (const streams of STREAMS) {
      const etcd = samples.get(`etcd:${rowKey(op, streams)}`) ?? [];
      const ts = samples.get(`tsetcd:${rowKey(op, streams)}`) ?? [];
      if (etcd.length === 0 || ts.length === 0) continue;
      const e = median(etcd.map((s) => s.requestsPerS));
      const t = median(ts.map((s) => s.requestsPerS));
      for (const set of [etcd, ts]) {
        const rates = set.map((s) => s.requestsPerS);
        spreads.push((Math.max(...rates) - Math.min(...rates)) / median(rates));
        busy.push(...set.map((s) => s.machineBusyPercent));
      }
      const passes = (set: Sample[]): string => set.map((s) => s.requestsPerS.toFixed(0)).join(", ");
      rows.push(
        `| ${op} | ${streams} (${Math.max(1, Math.ceil(streams / STREAMS_PER_CONNECTION))}) | ${e.toFixed(0)} | ${t.toFixed(0)} | ` +
          `${(t / e).toFixed(2)}× | ${median(etcd.map((s) => s.serverCpuUs)).toFixed(0)} | ${median(ts.map((s) => s.serverCpuUs)).toFixed(0)} | ` +
          `${passes(etcd)} | ${passes(ts)} |`,
      );
    }
  }
  const noise = spreads.length === 0 ? "" : options.passes === 1
    ? `Noise: one pass, so no spread measured; both cores were ${Math.min(...busy).toFixed(0)}–${Math.max(...busy).toFixed(0)} % ` +
      `busy during the rows (this run's server and load tool included).`
    : `Noise: the machine is shared; across passes a cell's spread (max − min) / median was ` +
    `${(100 * median(spreads)).toFixed(0)} % at the median and ${(100 * Math.max(...spreads)).toFixed(0)} % at worst; ` +
    `both cores were ${Math.min(...busy).toFixed(0)}–${Math.max(...busy).toFixed(0)} % busy during the rows (this run's ` +
    `server and load tool included).`;
  const lines = [
    rows.length > 0 ? "# gRPC: tsetcd vs etcd 3.4 (etcd's `benchmark`)" : "# etcdctl check perf: tsetcd vs etcd 3.4",
    "",
    options.samePort
      ? "tsetcd with one client URL (its default: gRPC and the gateway on one port, split by its front thread)."
      : "tsetcd with etcd 3.5's split (`--listen-client-http-urls`): gRPC straight to node:http2.",
    "",
    `Written by \`bun bench/grpc.ts ${process.argv.slice(2).join(" ")}\` at ${startedAt}; ${options.passes} alternating ` +
      `pass(es), median shown. ` +
      `Commit ${firstLine(["git", "-C", REPO_ROOT, "rev-parse", "--short", "HEAD"])}; ${firstLine(["etcd", "--version"])}; ` +
      `Bun ${firstLine([join(REPO_ROOT, "node_modules", ".bin", "bun"), "--version"])}; ${navigator.hardwareConcurrency} CPUs.`,
  ];
  if (rows.length > 0) {
    lines.push(
      "",
      "Put: `benchmark put --val-size 256 --key-size 8 --sequential-keys --key-space-size 100000`; Range: " +
        "`benchmark range <key> --consistency l` (one 256-byte key). Streams = `--clients`, connections = `--conns` " +
        "(one per 16 streams). CPU µs/req: the server process's user+system time per request (the load tool runs " +
        "on the same 2 cores and is not counted).",
      "",
      "| op | streams (conns) | etcd req/s | tsetcd req/s | tsetcd/etcd | etcd CPU µs/req | tsetcd CPU µs/req | etcd passes | tsetcd passes |",
      "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | --- |",
      ...rows,
      "",
      noise,
    );
  }
  if (checks.length > 0) {
    lines.push(
      "",
      "## etcdctl check perf",
      "",
      "Against a 1-member server, one run per load and pass. CPU split: the server process, etcdctl (its 50–1,000 " +
        "clients), and how busy both cores were in all (other users of the machine included).",
      "",
      "| load | server | pass | result | server CPU s | etcdctl CPU s | both cores busy |",
      "| --- | --- | --- | --- | ---: | ---: | ---: |",
    );
    for (const run of checks) {
      const r = run.result;
      lines.push(`| ${r.load} | ${run.target} | ${run.pass} | ${r.verdict} | ${r.serverCpuS.toFixed(1)} | ${r.etcdctlCpuS.toFixed(1)} | ${r.machineBusyPercent.toFixed(0)} % |`);
    }
  }
  return lines.join("\n") + "\n";
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  for (const tool of [options.benchmark, "etcd", "etcdctl"]) {
    if (spawnSync(["sh", "-c", `command -v ${tool}`]).exitCode !== 0) throw new Error(`${tool} not found (see the header of bench/grpc.ts)`);
  }
  const startedAt = new Date().toISOString().replace(/\.\d+Z$/, "Z");
  const samples = new Map<string, Sample[]>();
  const checks: CheckPerfRun[] = [];
  for (let pass = 1; pass <= options.passes; pass++) {
    const order: Target[] = pass % 2 === 1 ? ["etcd", "tsetcd"] : ["tsetcd", "etcd"];
    for (const target of order) {
      const server = await startTarget(target, options.samePort);
      try {
        for (const op of options.rows ? (["put", "range"] as const) : []) {
          for (const streams of STREAMS) {
            const sample = runRow(options, server, op, streams);
            const key = `${target}:${rowKey(op, streams)}`;
            samples.set(key, [...(samples.get(key) ?? []), sample]);
            console.log(
              `pass ${pass} ${target.padEnd(6)} ${op.padEnd(5)} streams=${String(streams).padEnd(3)} ` +
                `${sample.requestsPerS.toFixed(0).padStart(6)} req/s  server ${sample.serverCpuUs.toFixed(0)} µs/req  ` +
                `machine ${sample.machineBusyPercent.toFixed(0)} % busy`,
            );
          }
        }
        for (const load of options.checkPerf) {
          const result = runCheckPerf(server, load);
          checks.push({ target, pass, result });
          console.log(`pass ${pass} ${target} check perf --load=${load}: ${result.verdict} (server ${result.serverCpuS.toFixed(1)} s CPU, etcdctl ${result.etcdctlCpuS.toFixed(1)} s)`);
        }
      } finally {
        await stopTarget(server);
      }
    }
  }
  const document = formatResults(samples, checks, options, startedAt);
  console.log("\n" + document);
  if (options.write) writeFileSync(options.samePort ? SAME_PORT_PATH : options.rows ? RESULTS_PATH : CHECK_PERF_PATH, document);
}

await main();
