/**
 * The wrk matrix (bench/lib/matrix.ts rows, bench/wrk scripts) against a 3-member tsetcd cluster and a
 * 3-member etcd 3.4 cluster on this machine, one after the other, never both at once. Each cluster starts
 * on fresh temp data dirs with the same etcd flags and default timing; wrk drives the leader's client URL
 * with etcd's gateway JSON. Writes the table (ratio per row) to bench/CLUSTER_RESULTS.md.
 *
 * Usage: node_modules/.bin/bun bench/cluster.ts [--quick] [--duration S] [--warmup S] [--rows TEXT]
 *        [--targets etcd,tsetcd] [--repeat N] [--out PATH]
 * With --repeat N the targets alternate N times (etcd, tsetcd, etcd, …), each pass on fresh clusters, and
 * the table shows each row's median pass per target; the ratios of every pass are listed under it, since
 * on a shared 2-core machine one pass can swing by ±20 %.
 * Needs wrk and etcd on PATH. Ports 30400–30411 (etcd) and 30500–30511 (tsetcd).
 * @module
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { defaultRows, RANGE_KEYSPACE, type Row, rowMatches, type Target, VALUE_BYTES } from "./lib/matrix.ts";
import { formatTable, medianPerRow, type Outcome, ratio, requestsPerSecond } from "./lib/report.ts";
import { runWrk } from "./lib/wrk.ts";
import { seedAndVerify } from "./lib/servers.ts";

const BENCH_DIR = dirname(new URL(import.meta.url).pathname);
const REPO_ROOT = resolve(BENCH_DIR, "..");
/** wrk threads at most (it shares the 2 cores with three members). */
const WRK_THREADS = 2;
const RESULTS_PATH = join(BENCH_DIR, "CLUSTER_RESULTS.md");
const MEMBERS = 3;
const BASE_PORT: Record<Target, number> = { etcd: 30400, tsetcd: 30500 };
const READY_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 10_000;

interface Options {
  durationS: number;
  warmupS: number;
  rowFilter: string | undefined;
  targets: Target[];
  outPath: string;
  repeat: number;
}

interface Member {
  name: string;
  clientUrl: string;
  child: ChildProcess;
}

function parseArgs(argv: string[]): Options {
  const options: Options = { durationS: 10, warmupS: 2, rowFilter: undefined, targets: ["etcd", "tsetcd"], outPath: RESULTS_PATH, repeat: 1 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (): string => {
      const next = argv[++i];
      if (next === undefined) throw new Error(`${arg} needs a value`);
      return next;
    };
    if (arg === "--quick") Object.assign(options, { durationS: 2, warmupS: 1 });
    else if (arg === "--duration") options.durationS = Number(value());
    else if (arg === "--warmup") options.warmupS = Number(value());
    else if (arg === "--rows") options.rowFilter = value();
    else if (arg === "--out") options.outPath = resolve(value());
    else if (arg === "--repeat") options.repeat = Number(value());
    else if (arg === "--targets") options.targets = value().split(",") as Target[];
    else throw new Error(`unknown option ${arg}`);
  }
  if (!(options.durationS > 0 && options.warmupS >= 0)) throw new Error("bad --duration or --warmup");
  if (!(Number.isInteger(options.repeat) && options.repeat >= 1 && options.repeat <= 9)) throw new Error("--repeat takes 1–9");
  if (options.targets.some((t) => t !== "etcd" && t !== "tsetcd")) throw new Error("--targets takes etcd,tsetcd");
  return options;
}

/** etcd's flags for member i of the cluster; both servers take the same ones. */
function memberArgs(target: Target, i: number, dataDir: string): string[] {
  const port = (j: number, peer: boolean): number => BASE_PORT[target] + 2 * j + (peer ? 1 : 0);
  const cluster = Array.from({ length: MEMBERS }, (_v, j) => `b${j}=http://127.0.0.1:${port(j, true)}`).join(",");
  return [
    "--name", `b${i}`,
    "--data-dir", join(dataDir, `b${i}`),
    "--listen-client-urls", `http://127.0.0.1:${port(i, false)}`,
    "--advertise-client-urls", `http://127.0.0.1:${port(i, false)}`,
    "--listen-peer-urls", `http://127.0.0.1:${port(i, true)}`,
    "--initial-advertise-peer-urls", `http://127.0.0.1:${port(i, true)}`,
    "--initial-cluster", cluster,
    "--initial-cluster-state", "new",
    "--initial-cluster-token", `bench-${target}`,
  ];
}

function startMembers(target: Target, dataDir: string, logPath: string): Member[] {
  const members: Member[] = [];
  for (let i = 0; i < MEMBERS; i++) {
    const logFd = openSync(logPath, "a");
    const args = memberArgs(target, i, dataDir);
    const child = target === "etcd"
      ? spawn("etcd", args, { stdio: ["ignore", logFd, logFd] })
      : spawn(join(REPO_ROOT, "node_modules", ".bin", "bun"), ["mod.ts", "server", ...args], {
        cwd: REPO_ROOT,
        stdio: ["ignore", logFd, logFd],
      });
    closeSync(logFd);
    members.push({ name: `b${i}`, clientUrl: `http://127.0.0.1:${BASE_PORT[target] + 2 * i}`, child });
  }
  return members;
}

async function statusOf(url: string): Promise<{ memberId: string; leader: string } | undefined> {
  try {
    const response = await fetch(`${url}/v3/maintenance/status`, {
      method: "POST",
      body: "{}",
      signal: AbortSignal.timeout(1_000),
    });
    if (response.status !== 200) return undefined;
    const body = (await response.json()) as { header?: { member_id?: string }; leader?: string };
    return { memberId: String(body.header?.member_id ?? ""), leader: String(body.leader ?? "") };
  } catch {
    return undefined;
  }
}

/** Waits until every member answers and they agree on a leader; returns the leader's client URL. */
async function waitForLeader(members: Member[]): Promise<string> {
  const deadlineMs = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadlineMs) {
    if (members.some((m) => m.child.exitCode !== null || m.child.signalCode !== null)) throw new Error("a member exited");
    const statuses = await Promise.all(members.map((m) => statusOf(m.clientUrl)));
    const leaders = new Set(statuses.map((s) => s?.leader));
    if (statuses.every((s) => s !== undefined) && leaders.size === 1 && !leaders.has("0") && !leaders.has("")) {
      const index = statuses.findIndex((s) => s!.memberId === s!.leader);
      if (index >= 0) return members[index]!.clientUrl;
    }
    await Bun.sleep(200);
  }
  throw new Error(`no leader within ${READY_TIMEOUT_MS} ms`);
}

async function stopMembers(members: Member[]): Promise<void> {
  await Promise.all(members.map(async (m) => {
    if (m.child.exitCode !== null || m.child.signalCode !== null || m.child.pid === undefined) return;
    const exited = new Promise<void>((done) => m.child.once("exit", () => done()));
    process.kill(m.child.pid, "SIGTERM");
    const timer = setTimeout(() => m.child.pid !== undefined && process.kill(m.child.pid, "SIGKILL"), STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
  }));
}

async function benchTarget(target: Target, rows: Row[], options: Options): Promise<Map<string, Outcome>> {
  const outcomes = new Map<string, Outcome>();
  const workDir = mkdtempSync(join(tmpdir(), `tsetcd-cluster-bench-${target}-`));
  const logPath = join(workDir, "members.log");
  let members: Member[] = [];
  try {
    members = startMembers(target, workDir, logPath);
    const leaderUrl = await waitForLeader(members);
    console.error(`[${target}] 3 members up, leader ${leaderUrl}`);
    let seeded = false;
    for (const row of rows) {
      if (row.workload !== "put" && !seeded) {
        await seedAndVerify(leaderUrl, RANGE_KEYSPACE, VALUE_BYTES);
        seeded = true;
      }
      if (options.warmupS > 0) runWrk(leaderUrl, row, WRK_THREADS, options.warmupS);
      const outcome = runWrk(leaderUrl, row, WRK_THREADS, options.durationS);
      outcomes.set(row.label, outcome);
      const text = outcome.ok ? `${requestsPerSecond(outcome.result).toFixed(0)} req/s` : `failed: ${outcome.reason}`;
      console.error(`[${target}] ${row.label}: ${text}`);
    }
  } catch (error) {
    const tail = readFileSync(logPath, "utf8").split("\n").slice(-20).join("\n");
    console.error(`[${target}] failed: ${(error as Error).message}\n${tail}`);
    for (const row of rows) if (!outcomes.has(row.label)) outcomes.set(row.label, { ok: false, reason: (error as Error).message });
  } finally {
    await stopMembers(members);
    rmSync(workDir, { recursive: true, force: true });
  }
  return outcomes;
}

/** Each pass's ratio per row (pass i of tsetcd against pass i of etcd), so the spread is visible. */
function passRatios(rows: Row[], passes: Map<Target, Map<string, Outcome>[]>): string {
  const lines = ["Ratio of each pass (tsetcd pass i / etcd pass i):", ""];
  for (const row of rows) {
    const etcd = passes.get("etcd") ?? [];
    const ours = passes.get("tsetcd") ?? [];
    const ratios = etcd.map((e, i) => ratio(e.get(row.label), ours[i]?.get(row.label)));
    lines.push(`- ${row.label}: ${ratios.join(", ")}`);
  }
  return lines.join("\n");
}

function firstLine(command: string, args: string[]): string {
  const run = spawnSync(command, args, { encoding: "utf8" });
  return `${run.stdout ?? ""}${run.stderr ?? ""}`.split("\n")[0]?.trim() || "unknown";
}

async function main(argv: string[]): Promise<number> {
  const options = parseArgs(argv);
  const rows = defaultRows().filter((r) => options.rowFilter === undefined || rowMatches(r.label, options.rowFilter));
  const loadBefore = loadavg().map((n) => n.toFixed(2)).join(" ");
  const passes = new Map<Target, Map<string, Outcome>[]>();
  for (let pass = 0; pass < options.repeat; pass++) {
    for (const target of options.targets) {
      if (options.repeat > 1) console.error(`[${target}] pass ${pass + 1} of ${options.repeat}`);
      passes.set(target, [...(passes.get(target) ?? []), await benchTarget(target, rows, options)]);
    }
  }
  const outcomes = medianPerRow(rows, passes);
  const command = ["node_modules/.bin/bun bench/cluster.ts", ...argv].join(" ");
  const document = [
    "# 3-member tsetcd vs 3-member etcd 3.4 — gateway JSON benchmark",
    "",
    `Reproduce with \`${command}\` (needs wrk and etcd on PATH).`,
    "",
    `- Date: ${new Date().toISOString()}`,
    `- Machine: ${cpus().length} cores (${cpus()[0]?.model.trim()}), shared by wrk and all 3 members; ` +
    `load average before ${loadBefore}, after ${loadavg().map((n) => n.toFixed(2)).join(" ")}`,
    `- Versions: tsetcd ${firstLine("git", ["-C", REPO_ROOT, "rev-parse", "--short", "HEAD"])}, bun ${Bun.version}, ` +
    `${firstLine("etcd", ["--version"])}`,
    `- Each cluster: 3 members on loopback, fresh temp data dirs, default timing; wrk (≤ 2 threads) sends to the ` +
    `leader's client URL; ${options.warmupS} s warm-up + ${options.durationS} s measured per row; the two clusters ` +
    "never run at the same time." +
    (options.repeat > 1 ? ` ${options.repeat} alternating passes; each cell is the row's median pass.` : ""),
    "",
    formatTable(rows, outcomes),
    "",
    ...(options.repeat > 1 ? [passRatios(rows, passes), ""] : []),
  ].join("\n");
  console.log(document);
  if (options.rowFilter === undefined && options.targets.length === 2) writeFileSync(options.outPath, document);
  return 0;
}

process.exit(await main(process.argv.slice(2)));
