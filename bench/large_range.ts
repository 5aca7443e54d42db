/**
 * Issue 12's large range: one range over a keyspace of ≥ 500 MB (default 5,000 keys × 100 KiB values), on
 * etcd 3.4 and on tsetcd, same data, one server at a time on a fresh data dir. For each server and each
 * path — etcdctl `get --prefix` (gRPC) and the gateway's /v3/kv/range (JSON) — it samples the server's
 * memory from /proc/<pid>/status: VmRSS just before the range (after resetting VmHWM through clear_refs)
 * and VmHWM once it returned, i.e. the peak while the answer was built and sent.
 *
 *   node_modules/.bin/bun bench/large_range.ts [--keys 5000] [--value-kib 100] [--targets etcd,tsetcd] [--write]
 *
 * --write puts the table in bench/LARGE_RANGE.md. Ports 22500–22501 (this bench's own); the servers are
 * stopped by their PID, data dirs removed.
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";

const BENCH_DIR = dirname(new URL(import.meta.url).pathname);
const ROOT = resolve(BENCH_DIR, "..");
const BUN = join(ROOT, "node_modules/.bin/bun");
const CLIENT_PORT = 22500;
const PEER_PORT = 22501;
const READY_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 10_000;
const CALL_TIMEOUT_MS = 600_000;
/** Puts per txn: 10 × 100 KiB stays under --max-request-bytes (1.5 MiB). */
const PUTS_PER_TXN = 10;
const LOAD_CONCURRENCY = 4;
const SAMPLE_MS = 50;

type Target = "etcd" | "tsetcd";

interface Options {
  keys: number;
  valueBytes: number;
  targets: Target[];
  write: boolean;
}

function parseOptions(argv: string[]): Options {
  const options: Options = { keys: 5_000, valueBytes: 100 * 1024, targets: ["etcd", "tsetcd"], write: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--keys") options.keys = Number(argv[++i]);
    else if (arg === "--value-kib") options.valueBytes = Number(argv[++i]) * 1024;
    else if (arg === "--targets") options.targets = argv[++i]!.split(",") as Target[];
    else if (arg === "--write") options.write = true;
    else throw new Error(`large_range: unknown argument ${arg}`);
  }
  if (!(options.keys >= 1 && options.valueBytes >= 1)) throw new Error("large_range: --keys and --value-kib must be positive");
  return options;
}

/** Memory of a process from /proc/<pid>/status, in bytes. */
function memoryOf(pid: number): { peakBytes: number; rssBytes: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = (name: string): number => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)![1]) * 1024;
  return { peakBytes: kib("VmHWM"), rssBytes: kib("VmRSS") };
}

/** Linux: writing 5 to clear_refs resets VmHWM to the current RSS. */
function resetPeak(pid: number): void {
  writeFileSync(`/proc/${pid}/clear_refs`, "5");
}

interface Server {
  child: ChildProcess;
  pid: number;
  url: string;
  dir: string;
}

function flags(dataDir: string): string[] {
  const client = `http://127.0.0.1:${CLIENT_PORT}`;
  const peer = `http://127.0.0.1:${PEER_PORT}`;
  return [
    "--name", "default", "--data-dir", dataDir,
    "--listen-client-urls", client, "--advertise-client-urls", client,
    "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
    "--initial-cluster", `default=${peer}`,
    // Room for the data set (etcd's default quota is 2 GiB; the same for both).
    "--quota-backend-bytes", String(8 * 1024 ** 3),
  ];
}

async function start(target: Target): Promise<Server> {
  const dir = mkdtempSync(join(tmpdir(), `large-range-${target}-`));
  const dataDir = join(dir, "data");
  const [command, args] = target === "etcd" ? ["etcd", flags(dataDir)] : [BUN, ["mod.ts", "server", ...flags(dataDir)]];
  const child = spawn(command, args, { cwd: ROOT, stdio: ["ignore", "ignore", "ignore"] });
  const url = `http://127.0.0.1:${CLIENT_PORT}`;
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    try {
      const res = await fetch(`${url}/v3/kv/range`, { method: "POST", body: '{"key":"AA=="}', signal: AbortSignal.timeout(1_000) });
      if (res.status === 200) return { child, pid: child.pid!, url, dir };
    } catch {
      // not up yet
    }
    await Bun.sleep(100);
  }
  await stop({ child, pid: child.pid!, url, dir });
  throw new Error(`${target} did not start`);
}

async function stop(server: Server): Promise<void> {
  if (server.child.exitCode === null && server.child.signalCode === null) {
    const exited = new Promise<void>((done) => server.child.once("exit", () => done()));
    server.child.kill("SIGTERM");
    const timer = setTimeout(() => server.child.kill("SIGKILL"), STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
  }
  rmSync(server.dir, { recursive: true, force: true });
}

const b64 = (s: string | Uint8Array): string => Buffer.from(s).toString("base64");
const keyOf = (i: number): string => `big/${String(i).padStart(6, "0")}`;

/** Writes the keys in txns of PUTS_PER_TXN, LOAD_CONCURRENCY at a time. */
async function load(url: string, options: Options): Promise<void> {
  const value = b64(new Uint8Array(options.valueBytes).fill(0x61));
  const txns = Math.ceil(options.keys / PUTS_PER_TXN);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let t = next++; t < txns; t = next++) {
      const success = [];
      for (let i = t * PUTS_PER_TXN; i < Math.min(options.keys, (t + 1) * PUTS_PER_TXN); i++) {
        success.push({ request_put: { key: b64(keyOf(i)), value } });
      }
      const res = await fetch(`${url}/v3/kv/txn`, { method: "POST", body: JSON.stringify({ success }), signal: AbortSignal.timeout(60_000) });
      if (res.status !== 200) throw new Error(`load: txn answered ${res.status}: ${await res.text()}`);
    }
  };
  await Promise.all(Array.from({ length: LOAD_CONCURRENCY }, worker));
}

/** utime + stime of a process in seconds (USER_HZ = 100). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(rest[11]) + Number(rest[12])) / 100;
}

interface Measure {
  path: string;
  cpuSeconds: number;
  beforeBytes: number;
  peakBytes: number;
  answerBytes: number;
  seconds: number;
}

/** Runs `call` while sampling; the peak is VmHWM (reset first), which no sampling interval can miss. */
async function measure(pid: number, path: string, call: () => Promise<number>): Promise<Measure> {
  resetPeak(pid);
  const beforeBytes = memoryOf(pid).rssBytes;
  const startMs = performance.now();
  const startCpu = cpuSeconds(pid);
  let answerBytes = 0;
  const sampler = setInterval(() => void memoryOf(pid), SAMPLE_MS); // keeps /proc readable while it runs
  try {
    answerBytes = await call();
  } finally {
    clearInterval(sampler);
  }
  const seconds = (performance.now() - startMs) / 1000;
  return { path, beforeBytes, peakBytes: memoryOf(pid).peakBytes, answerBytes, seconds, cpuSeconds: cpuSeconds(pid) - startCpu };
}

/** etcdctl get over gRPC; its output (every key and value) is counted, not kept. */
function etcdctlGet(url: string): Promise<number> {
  return new Promise((done, fail) => {
    const child = spawn("etcdctl", [`--endpoints=${url}`, "--command-timeout=600s", "get", "--prefix", "big/"], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ETCDCTL_API: "3" },
    });
    let bytes = 0;
    let stderr = "";
    child.stdout!.on("data", (chunk: Buffer) => (bytes += chunk.length));
    child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), CALL_TIMEOUT_MS);
    child.on("exit", (code) => {
      clearTimeout(timer);
      if (code === 0) done(bytes);
      else fail(new Error(`etcdctl get exited ${code}: ${stderr.slice(0, 500)}`));
    });
  });
}

/** The gateway's range as a stream of bytes, counted as they arrive. */
async function gatewayGet(url: string): Promise<number> {
  const res = await fetch(`${url}/v3/kv/range`, {
    method: "POST",
    body: JSON.stringify({ key: b64("big/"), range_end: b64("big0") }),
    signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
  });
  if (res.status !== 200) throw new Error(`gateway range answered ${res.status}`);
  let bytes = 0;
  const reader = res.body!.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.length;
  }
  return bytes;
}

const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(0);

async function runTarget(target: Target, options: Options): Promise<Measure[]> {
  const server = await start(target);
  try {
    const loadStart = performance.now();
    await load(server.url, options);
    console.error(`${target}: loaded ${options.keys} × ${options.valueBytes} B in ${((performance.now() - loadStart) / 1000).toFixed(1)} s`);
    const results: Measure[] = [];
    results.push(await measure(server.pid, "etcdctl get --prefix (gRPC)", () => etcdctlGet(server.url)));
    results.push(await measure(server.pid, "gateway /v3/kv/range (JSON)", () => gatewayGet(server.url)));
    for (const m of results) {
      console.error(`${target} ${m.path}: RSS ${mib(m.beforeBytes)} MiB before, peak ${mib(m.peakBytes)} MiB (+${mib(m.peakBytes - m.beforeBytes)}), ${mib(m.answerBytes)} MiB answered in ${m.seconds.toFixed(1)} s, server CPU ${m.cpuSeconds.toFixed(1)} s`);
    }
    return results;
  } finally {
    await stop(server);
  }
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const rows: string[] = [];
  for (const target of options.targets) {
    for (const m of await runTarget(target, options)) {
      rows.push(`| ${target} | ${m.path} | ${mib(m.beforeBytes)} | ${mib(m.peakBytes)} | **+${mib(m.peakBytes - m.beforeBytes)}** | ${mib(m.answerBytes)} | ${m.seconds.toFixed(1)} | ${m.cpuSeconds.toFixed(1)} |`);
    }
  }
  const dataMiB = mib(options.keys * options.valueBytes);
  const table = [
    `Keyspace: ${options.keys} keys × ${options.valueBytes / 1024} KiB values = ${dataMiB} MiB; one range over all of it.`,
    "",
    "| server | path | RSS before (MiB) | peak RSS (MiB) | growth (MiB) | answer (MiB) | time (s) | server CPU (s) |",
    "|---|---|---:|---:|---:|---:|---:|---:|",
    ...rows,
  ].join("\n");
  console.log(table);
  if (options.write) {
    const head = readFileSync(join(BENCH_DIR, "LARGE_RANGE.md"), "utf8").split("<!-- table -->")[0]!;
    writeFileSync(join(BENCH_DIR, "LARGE_RANGE.md"), `${head}<!-- table -->\n\n${table}\n\nMachine: ${cpus().length} cores; ${new Date().toISOString()}.\n`);
  }
}

await main();
