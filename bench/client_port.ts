/**
 * What serving gRPC and the gateway on one client port costs the gateway: the same wrk put and range rows
 * against a 1-member tsetcd in three listener modes, alternating, median pass per cell.
 *
 *   split   etcd 3.5's split (--listen-client-http-urls): Bun.serve owns the gateway's port (no front)
 *   thread  the default: the client front on its own thread splices to Bun.serve over a unix socket
 *   inproc  the same front on the main thread
 *
 * Usage: bun bench/client_port.ts [--repeat 3] [--duration 5] [--modes split,thread,inproc] [--rows put,range]
 * Ports 26379–26385 (this work's range). Prints a markdown table, with the server's CPU time per request
 * (all threads, and the main thread alone, from /proc): on a shared machine it moves less than req/s does.
 * @module
 */
import { spawn } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type Row, RANGE_KEYSPACE, VALUE_BYTES } from "./lib/matrix.ts";
import { type Outcome, medianOutcome, requestsPerSecond } from "./lib/report.ts";
import { type RunningServer, seedAndVerify, stopServer } from "./lib/servers.ts";
import { runWrk } from "./lib/wrk.ts";

type Mode = "split" | "thread" | "inproc";

const ROOT = resolve(import.meta.dir, "..");
/** Each mode's ports (client, peer, and the split's HTTP-only one), so all three run side by side. */
const PORTS = {
  split: { client: 26379, peer: 26380, http: 26381 },
  thread: { client: 26382, peer: 26383 },
  inproc: { client: 26384, peer: 26385 },
} as const;
const CONNECTIONS = [1, 16, 64, 256];
const WRK_THREADS = 2;
/** Clock ticks per second of /proc's utime and stime (USER_HZ; 100 on Linux). */
const USER_HZ = 100;

/** The server side: one member in `mode`, stopped by SIGTERM. */
async function serve(mode: Mode, dataDir: string): Promise<void> {
  const { startServer: start } = await import("../src/server/mod.ts");
  const { parseServerArgs } = await import("../src/server/config.ts");
  const client = `http://127.0.0.1:${PORTS[mode].client}`;
  const peer = `http://127.0.0.1:${PORTS[mode].peer}`;
  const args = [
    "--name", "default", "--data-dir", dataDir,
    "--listen-client-urls", client, "--advertise-client-urls", client,
    "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer, "--initial-cluster", `default=${peer}`,
  ];
  if (mode === "split") args.push("--listen-client-http-urls", `http://127.0.0.1:${PORTS.split.http}`);
  const parsed = parseServerArgs(args, {});
  if (parsed.kind !== "run") throw new Error(`client_port: bad server flags (${parsed.kind})`);
  const server = await start({ ...parsed.config, clientFrontThread: mode === "thread" });
  console.error(`client_port: ${mode} serving on ${server.clientUrls.join(",")}`);
  const stop = (): void => {
    server.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

interface Options {
  repeat: number;
  durationS: number;
  modes: Mode[];
  rows: Row[];
}

function parse(argv: string[]): Options {
  const options: Options = { repeat: 3, durationS: 5, modes: ["split", "thread", "inproc"], rows: [] };
  let kinds = ["put", "range"];
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1] ?? ""];
    if (flag === "--repeat") options.repeat = Number(value);
    else if (flag === "--duration") options.durationS = Number(value);
    else if (flag === "--modes") options.modes = value.split(",") as Mode[];
    else if (flag === "--rows") kinds = value.split(",");
    else throw new Error(`client_port: unknown flag ${flag}`);
  }
  for (const kind of kinds) {
    for (const connections of CONNECTIONS) {
      const workload = kind === "put" ? "put" : "range-linearizable";
      options.rows.push({ label: `${kind} c=${connections}`, workload, connections });
    }
  }
  return options;
}

/** One cell: wrk's outcome and the server's CPU over the row (share of one core). */
interface Cell {
  outcome: Outcome;
  cpuAll: number;
  cpuMain: number;
}

/**
 * Every mode's server runs at once (an idle one costs nothing), and each row alternates the modes pass by
 * pass, seconds apart: on a machine shared with other work, a burst of load then hits every mode alike.
 */
async function main(argv: string[]): Promise<void> {
  const options = parse(argv);
  const cells = new Map<string, Cell[]>();
  console.error(`load before: ${readFileSync("/proc/loadavg", "utf8").trim()}`);
  const running: { mode: Mode; server: RunningServer; dataDir: string }[] = [];
  try {
    for (const mode of options.modes) {
      const dataDir = mkdtempSync(join(tmpdir(), `client-port-${mode}-`));
      const server = await launch(mode, dataDir, urlOf(mode));
      running.push({ mode, server, dataDir });
      await seedAndVerify(urlOf(mode), RANGE_KEYSPACE, VALUE_BYTES);
    }
    for (const row of options.rows) {
      for (const { mode } of running) runWrk(urlOf(mode), row, WRK_THREADS, 1); // warm-up, not measured
      for (let pass = 0; pass < options.repeat; pass++) {
        for (const { mode, server } of running) {
          const cell = measure(urlOf(mode), row, server, options.durationS);
          const key = `${mode} ${row.label}`;
          cells.set(key, [...(cells.get(key) ?? []), cell]);
          console.error(`pass ${pass + 1} ${key}: ${describe(cell)}`);
        }
      }
    }
  } finally {
    for (const { server, dataDir } of running) {
      await stopServer(server);
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
  console.error(`load after: ${readFileSync("/proc/loadavg", "utf8").trim()}`);
  console.log(table(options, cells));
}

/** The gateway's URL in a mode: the HTTP-only port in the split, else the shared client port. */
function urlOf(mode: Mode): string {
  return `http://127.0.0.1:${mode === "split" ? PORTS.split.http : PORTS[mode].client}`;
}

/** One wrk run of `row` and the server's CPU meanwhile. */
function measure(url: string, row: Row, server: RunningServer, durationS: number): Cell {
  const before = cpuTicks(server);
  const outcome = runWrk(url, row, WRK_THREADS, durationS);
  const after = cpuTicks(server);
  const seconds = outcome.ok ? outcome.result.durationUs / 1e6 : durationS;
  return {
    outcome,
    cpuAll: (after.all - before.all) / USER_HZ / seconds,
    cpuMain: (after.main - before.main) / USER_HZ / seconds,
  };
}

const READY_TIMEOUT_MS = 30_000;

/** Spawns the server side of this script and waits (bounded) until the gateway answers a range. */
async function launch(mode: Mode, dataDir: string, url: string): Promise<RunningServer> {
  const logPath = join(dataDir, "server.log");
  const logFd = openSync(logPath, "a");
  const bun = join(ROOT, "node_modules", ".bin", "bun");
  const child = spawn(bun, [join(ROOT, "bench", "client_port.ts"), "--serve", mode, join(dataDir, "data")], {
    cwd: ROOT,
    stdio: ["ignore", logFd, logFd],
  });
  closeSync(logFd);
  const server: RunningServer = { target: "tsetcd", child, pid: child.pid!, url, logPath };
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline && child.exitCode === null) {
    try {
      const response = await fetch(`${url}/v3/kv/range`, { method: "POST", body: '{"key":"YQ=="}', signal: AbortSignal.timeout(1_000) });
      if (response.status === 200) return server;
    } catch {
      // not listening yet
    }
    await Bun.sleep(100);
  }
  await stopServer(server);
  throw new Error(`client_port: ${mode} server did not start:\n${readFileSync(logPath, "utf8").slice(-2_000)}`);
}

/** utime + stime of the whole process and of its main thread, in clock ticks. */
function cpuTicks(server: RunningServer): { all: number; main: number } {
  const ticks = (statPath: string): number => {
    const fields = readFileSync(statPath, "utf8").split(") ")[1]!.split(" ");
    return Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of stat)
  };
  let all = 0;
  for (const task of readdirSync(`/proc/${server.pid}/task`)) all += ticks(`/proc/${server.pid}/task/${task}/stat`);
  return { all, main: ticks(`/proc/${server.pid}/task/${server.pid}/stat`) };
}

function describe(cell: Cell): string {
  if (!cell.outcome.ok) return `failed: ${cell.outcome.reason}`;
  const r = cell.outcome.result;
  return `${Math.round(requestsPerSecond(r))} req/s, p50 ${(r.p50Us / 1000).toFixed(2)} ms, p99 ${(r.p99Us / 1000).toFixed(2)} ms, ` +
    `cpu ${cell.cpuAll.toFixed(2)} (main ${cell.cpuMain.toFixed(2)}), errors ${r.errConnect + r.errRead + r.errWrite + r.errStatus + r.errTimeout}`;
}

/** Median pass per cell (by req/s), then the best pass; each pass's req/s listed to show the noise. */
function table(options: Options, cells: Map<string, Cell[]>): string {
  const header = ["row", ...options.modes.map((m) => `${m}: median req/s · best · (passes) · median p50/p99 ms · CPU µs/req all/main`)];
  const lines = [`| ${header.join(" | ")} |`, `|${header.map(() => "---").join("|")}|`];
  for (const row of options.rows) {
    const parts = [row.label];
    for (const mode of options.modes) {
      const passes = cells.get(`${mode} ${row.label}`) ?? [];
      const median = medianOutcome(passes.map((c) => c.outcome));
      const cell = passes.find((c) => c.outcome === median);
      if (cell === undefined || !cell.outcome.ok) {
        parts.push("failed");
        continue;
      }
      const r = cell.outcome.result;
      const each = passes.map((c) => (c.outcome.ok ? Math.round(requestsPerSecond(c.outcome.result)) : "x")).join("/");
      const rps = requestsPerSecond(r);
      const perRequest = (share: number): string => (rps > 0 ? Math.round((share * 1e6) / rps).toString() : "–");
      const best = Math.max(...passes.map((c) => (c.outcome.ok ? requestsPerSecond(c.outcome.result) : 0)));
      parts.push(`${Math.round(rps).toLocaleString("en-US")} · ${Math.round(best).toLocaleString("en-US")} (${each}) · ` +
        `${(r.p50Us / 1000).toFixed(2)}/${(r.p99Us / 1000).toFixed(2)} · ${perRequest(cell.cpuAll)}/${perRequest(cell.cpuMain)}`);
    }
    lines.push(`| ${parts.join(" | ")} |`);
  }
  return lines.join("\n");
}

if (process.argv[2] === "--serve") await serve(process.argv[3] as Mode, process.argv[4]!);
else await main(process.argv.slice(2));
