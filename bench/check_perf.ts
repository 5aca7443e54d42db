/**
 * `check perf` side by side: etcdctl 3.4's and tsetcd's, each against a 1-member etcd 3.4 and a 1-member
 * tsetcd, for the loads given (default s,m,l; each run takes the load's 60 s). Writes the table to
 * bench/CHECK_PERF.md and etcdctl's raw output of the first load against etcd to
 * test/fixtures/ops/check_perf_etcdctl.txt (the shape test/compat/ops_check_test.ts checks ours against).
 *
 * Usage: bun bench/check_perf.ts [--loads s,m,l] [--only client@server,…] [--out bench/CHECK_PERF.md] [--no-fixture]
 * Ports 23900–23903. Servers and clients are this process's children; all are stopped at the end.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dir, "..");
const BUN = join(ROOT, "node_modules/.bin/bun");
const RUN_LIMIT_MS = 180_000;
const READY_LIMIT_MS = 30_000;

const argv = process.argv.slice(2);
function option(name: string, fallback: string): string {
  const at = argv.indexOf(name);
  return at >= 0 && argv[at + 1] !== undefined ? argv[at + 1]! : fallback;
}
const loads = option("--loads", "s,m,l").split(",");
const outPath = resolve(ROOT, option("--out", "bench/CHECK_PERF.md"));
const writeFixture = !argv.includes("--no-fixture");
/** e.g. "tsetcd@etcd": only these client/server pairs (default: all four). */
const only = option("--only", "").split(",").filter((pair) => pair !== "");

interface Server {
  kind: "etcd" | "tsetcd";
  endpoint: string;
  child: ChildProcess;
  dir: string;
}

const children = new Set<ChildProcess>();
process.on("exit", () => {
  for (const child of children) child.kill("SIGKILL");
});

async function startServer(kind: "etcd" | "tsetcd", clientPort: number, peerPort: number): Promise<Server> {
  const dir = mkdtempSync(join(tmpdir(), `check-perf-${kind}-`));
  const client = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const flags = [
    "--name", "default", "--data-dir", join(dir, "data"),
    "--listen-client-urls", client, "--advertise-client-urls", client,
    "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
    "--initial-cluster", `default=${peer}`,
  ];
  const [bin, args] = kind === "etcd" ? ["/usr/bin/etcd", flags] : [BUN, ["mod.ts", "server", ...flags]];
  const child = spawn(bin, args, { cwd: ROOT, stdio: "ignore" });
  children.add(child);
  const deadline = Date.now() + READY_LIMIT_MS;
  while (Date.now() < deadline) {
    try {
      const answer = await fetch(`${client}/health`, { signal: AbortSignal.timeout(1_000) });
      if (answer.ok && (await answer.text()).includes("true")) return { kind, endpoint: `127.0.0.1:${clientPort}`, child, dir };
    } catch {
      // not listening yet
    }
    await Bun.sleep(200);
  }
  throw new Error(`${kind} did not become healthy within ${READY_LIMIT_MS} ms`);
}

async function stopServer(server: Server): Promise<void> {
  const exited = new Promise<void>((done) => server.child.once("exit", () => done()));
  server.child.kill("SIGTERM");
  const timer = setTimeout(() => server.child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
  children.delete(server.child);
  rmSync(server.dir, { recursive: true, force: true });
}

interface Outcome {
  stdout: string;
  /** What the client printed on stderr (an "Error: …" line), the time report taken off. */
  stderr: string;
  code: number;
  cpuSeconds: number;
}

/** Runs a client to its end; its CPU time from /proc before it is reaped is not available, so from `time`. */
function runClient(command: string[]): Promise<Outcome> {
  return new Promise((done, fail) => {
    // /usr/bin/time reports the child's user+system seconds on stderr.
    const child = spawn("/usr/bin/time", ["-f", "%U %S", ...command], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    children.add(child);
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (chunk) => (stdout += chunk));
    child.stderr!.on("data", (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), RUN_LIMIT_MS);
    child.on("error", fail);
    child.on("close", (code) => {
      clearTimeout(timer);
      children.delete(child);
      const lines = stderr.trim().split("\n");
      const [user, system] = (lines.at(-1) ?? "0 0").split(" ").map(Number);
      done({ stdout, stderr: lines.slice(0, -1).join("\n"), code: code ?? -1, cpuSeconds: (user ?? 0) + (system ?? 0) });
    });
  });
}

/** The server's CPU seconds so far (utime + stime from /proc). */
function serverCpuSeconds(server: Server): number {
  const stat = readFileSync(`/proc/${server.child.pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** The verdict lines without the progress bar etcdctl draws with carriage returns. */
function verdictOf(stdout: string): string {
  return stdout.split("\n").map((line) => line.split("\r").at(-1)!.trim())
    .filter((line) => /^(PASS|FAIL|Slowest|Stddev)/.test(line)).join("; ");
}

interface Row {
  load: string;
  client: string;
  server: string;
  verdict: string;
  code: number;
  clientCpuSeconds: number;
  serverCpuSeconds: number;
  loadAverage: string;
}

const rows: Row[] = [];
let fixture: string | undefined;
const servers = [await startServer("etcd", 23900, 23901), await startServer("tsetcd", 23902, 23903)];
try {
  for (const load of loads) {
    for (const server of servers) {
      for (const client of ["etcdctl", "tsetcd"]) {
        if (only.length > 0 && !only.includes(`${client}@${server.kind}`)) continue;
        const base = client === "etcdctl" ? ["etcdctl"] : [BUN, "mod.ts"];
        const cpuBefore = serverCpuSeconds(server);
        const outcome = await runClient([...base, `--endpoints=${server.endpoint}`, "check", "perf", `--load=${load}`]);
        const row: Row = {
          load,
          client,
          server: server.kind,
          verdict: [verdictOf(outcome.stdout), outcome.stderr.split("\n").filter((l) => l.startsWith("Error")).join("; ")]
            .filter((part) => part !== "").join("; "),
          code: outcome.code,
          clientCpuSeconds: outcome.cpuSeconds,
          serverCpuSeconds: serverCpuSeconds(server) - cpuBefore,
          loadAverage: loadavg()[0]!.toFixed(1),
        };
        rows.push(row);
        console.log(JSON.stringify(row));
        if (fixture === undefined && client === "etcdctl" && server.kind === "etcd") fixture = outcome.stdout;
      }
    }
  }
} finally {
  for (const server of servers) await stopServer(server);
}

const version = await runClient(["etcd", "--version"]);
const head = (await runClient(["git", "rev-parse", "--short", "HEAD"])).stdout.trim();
const table = [
  "| load | client | server | result | exit | client CPU s | server CPU s | load avg (1 min) |",
  "| --- | --- | --- | --- | ---: | ---: | ---: | ---: |",
  ...rows.map((r) =>
    `| ${r.load} | ${r.client} | ${r.server} | ${r.verdict} | ${r.code} | ${r.clientCpuSeconds.toFixed(1)} | ` +
    `${r.serverCpuSeconds.toFixed(1)} | ${r.loadAverage} |`
  ),
].join("\n");
writeFileSync(
  outPath,
  `# check perf: etcdctl 3.4 and tsetcd, against etcd 3.4 and tsetcd\n\n` +
    `Written by \`bun bench/check_perf.ts --loads ${loads.join(",")}\` at ${new Date().toISOString()}; commit ${head}; ` +
    `${version.stdout.split("\n")[0]}; Bun ${Bun.version}; ${cpus().length} CPUs. One 60 s run per row, 1-member servers.\n\n` +
    `${table}\n`,
);
if (writeFixture && fixture !== undefined) {
  mkdirSync(join(ROOT, "test/fixtures/ops"), { recursive: true });
  writeFileSync(join(ROOT, "test/fixtures/ops/check_perf_etcdctl.txt"), fixture);
}
console.log(`wrote ${outPath}`);
