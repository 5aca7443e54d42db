/**
 * The two HTTP/2 engines of the gRPC front-end side by side: bench/grpc_layer.ts (a no-op KV, so only the
 * front-end's cost is measured) on node:http2 and on src/h2, loaded by etcd's `benchmark` put at 1, 16, 64
 * and 256 streams (one connection per 16 streams), the engines alternating in each pass so that load from
 * other users of the machine falls on both. Prints requests/s and the server's CPU per call (from
 * /proc/<pid>/stat), the median of the passes.
 *
 *   BENCHMARK=/tmp/dgo/benchmark bun bench/grpc_engines.ts [--passes 3] [--total 20000]
 *
 * Port 27550 (this bench's range).
 * @module
 */
import { spawn, spawnSync } from "bun";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";

const BENCH_DIR = dirname(new URL(import.meta.url).pathname);
const PORT = 27550;
const STREAMS = [1, 16, 64, 256] as const;
const ENGINES = ["node-http2", "own"] as const;
const CLOCK_TICKS_PER_S = 100;
const READY_TIMEOUT_MS = 10_000;
const RUN_LIMIT_MS = 120_000;

const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const at = args.indexOf(name);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const passes = option("--passes", 3);
const total = option("--total", 20_000);
const benchmark = process.env.BENCHMARK ?? "benchmark";

function cpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return Number(fields[11]) + Number(fields[12]); // utime + stime
}

async function startLayer(engine: string): Promise<ReturnType<typeof spawn>> {
  const child = spawn([process.execPath, join(BENCH_DIR, "grpc_layer.ts"), String(PORT), engine], { stdout: "pipe", stderr: "inherit" });
  const reader = (child.stdout as ReadableStream<Uint8Array>).getReader();
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let text = "";
  while (!text.includes("grpc_layer:") && Date.now() < deadline) {
    const { value, done } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
  }
  if (!text.includes("grpc_layer:")) throw new Error(`grpc_layer (${engine}) did not start`);
  return child;
}

/** One load: requests/s and server CPU µs per request. */
function load(pid: number, streams: number): { rps: number; cpuUs: number } {
  const conns = Math.max(1, Math.ceil(streams / 16));
  const before = cpuTicks(pid);
  const run = spawnSync([benchmark, "--endpoints", `127.0.0.1:${PORT}`, "--conns", String(conns), "--clients", String(streams), "put", "--total", String(total), "--val-size", "256", "--key-size", "8"], { timeout: RUN_LIMIT_MS });
  const after = cpuTicks(pid);
  const out = run.stdout.toString();
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN);
  return { rps, cpuUs: ((after - before) / CLOCK_TICKS_PER_S) * 1e6 / total };
}

const results = new Map<string, Array<{ rps: number; cpuUs: number }>>();
for (let pass = 0; pass < passes; pass++) {
  const order = pass % 2 === 0 ? ENGINES : [...ENGINES].reverse();
  for (const engine of order) {
    const child = await startLayer(engine);
    try {
      for (const streams of STREAMS) {
        const key = `${engine} ${streams}`;
        const cell = load(child.pid, streams);
        results.set(key, [...(results.get(key) ?? []), cell]);
        console.error(`pass ${pass + 1} ${key}: ${cell.rps.toFixed(0)} req/s, ${cell.cpuUs.toFixed(1)} µs CPU/call`);
      }
    } finally {
      child.kill("SIGTERM");
      await child.exited;
    }
  }
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
console.log(`| streams | node:http2 req/s | own req/s | node:http2 µs CPU/call | own µs CPU/call |`);
console.log(`|---|---|---|---|---|`);
for (const streams of STREAMS) {
  const node = results.get(`node-http2 ${streams}`)!;
  const own = results.get(`own ${streams}`)!;
  const cell = (cells: Array<{ rps: number; cpuUs: number }>, pick: "rps" | "cpuUs"): string => median(cells.map((c) => c[pick])).toFixed(pick === "rps" ? 0 : 1);
  console.log(`| ${streams} | ${cell(node, "rps")} | ${cell(own, "rps")} | ${cell(node, "cpuUs")} | ${cell(own, "cpuUs")} |`);
}
