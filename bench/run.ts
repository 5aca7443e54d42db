/**
 * tsetcd vs etcd 3.4, side by side: the same wrk Lua scripts (bench/wrk) speak etcd's gateway JSON to each
 * server in turn, on a fresh data dir, never both at once. Prints a markdown table; a full run of both
 * targets writes bench/RESULTS.md. `npm run bench -- --help` lists the options.
 *
 * Needs wrk, fio and etcd on PATH (`apt-get install -y wrk fio etcd-server`); installs nothing itself.
 * @module
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fioCommand, runFio, type FioResult } from "./lib/fio.ts";
import {
  type BenchOptions, defaultRows, parseOptions, rowMatches, RANGE_KEYSPACE, type Row, type Target, USAGE,
  VALUE_BYTES,
} from "./lib/matrix.ts";
import { describeInterval, lastInterval } from "./lib/instrument_report.ts";
import {
  formatDocument, formatTable, medianPerRow, type Outcome, type RunFacts,
} from "./lib/report.ts";
import { CLIENT_PORT, launchSpec, type RunningServer, seedAndVerify, startServer, stopServer } from "./lib/servers.ts";
import { runWrk } from "./lib/wrk.ts";

const BENCH_DIR = dirname(new URL(import.meta.url).pathname);
const REPO_ROOT = resolve(BENCH_DIR, "..");
const RESULTS_PATH = join(BENCH_DIR, "RESULTS.md");
const INSTRUMENT_SETTLE_MS = 200;
const CLOCK_TICKS_PER_S = 100; // Linux USER_HZ, the unit of utime/stime in /proc/<pid>/stat

/** Per row and target: what the server process used while wrk ran. */
interface RowDetail {
  cpuPercent: number | undefined;
}

function which(tool: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${tool}`], { encoding: "utf8" }).status === 0;
}

function missingTools(targets: Target[], fioSeconds: number): string[] {
  const needed = ["wrk", ...(fioSeconds > 0 ? ["fio"] : []), ...(targets.includes("etcd") ? ["etcd"] : [])];
  return needed.filter((tool) => !which(tool));
}

function firstLine(command: string, args: string[]): string {
  const run = spawnSync(command, args, { encoding: "utf8" });
  return `${run.stdout ?? ""}${run.stderr ?? ""}`.split("\n")[0]?.trim() || "unknown";
}

/** The commit measured, and whether the code the server runs differs from it (others work in this tree). */
function gitRevision(): string {
  const head = firstLine("git", ["-C", REPO_ROOT, "rev-parse", "--short", "HEAD"]);
  const dirty = spawnSync("git", ["-C", REPO_ROOT, "status", "--porcelain", "--", "src", "commands", "mod.ts"], {
    encoding: "utf8",
  }).stdout.trim();
  return dirty === "" ? head : `${head} + uncommitted changes in src/ or commands/`;
}

function formatLoad(): string {
  return loadavg().map((n) => n.toFixed(2)).join(" ");
}

/** utime + stime of a process in seconds, or undefined when /proc is unavailable. */
function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may contain spaces) start at field 3.
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(rest[11]) + Number(rest[12])) / CLOCK_TICKS_PER_S;
  } catch {
    return undefined;
  }
}

async function portInUse(port: number): Promise<boolean> {
  try {
    await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(1_000) });
    return true;
  } catch (error) {
    return !/ECONNREFUSED|Unable to connect|ConnectionRefused/i.test(String((error as Error).message ?? error));
  }
}

/** Asks the preloaded instrument to write its figures since the last signal, and gives it time to. */
async function signalInstrument(pid: number): Promise<void> {
  process.kill(pid, "SIGUSR2");
  await Bun.sleep(INSTRUMENT_SETTLE_MS);
}

async function benchTarget(
  target: Target, rows: Row[], opts: BenchOptions, details: Map<string, RowDetail>, instrumentLines: string[],
): Promise<Map<string, Outcome>> {
  const outcomes = new Map<string, Outcome>();
  const workDir = mkdtempSync(join(tmpdir(), `tsetcd-bench-${target}-`));
  const logPath = join(workDir, "server.log");
  const instrumentOut = opts.instrument && target === "tsetcd" ? join(workDir, "instrument.jsonl") : undefined;
  const spec = launchSpec(target, join(workDir, "data"), REPO_ROOT, {
    profileDir: target === "tsetcd" ? opts.profileDir : undefined,
    instrumentOut,
  });
  let server: RunningServer | undefined;
  try {
    if (await portInUse(CLIENT_PORT)) throw new Error(`port ${CLIENT_PORT} is already in use`);
    console.error(`[${target}] starting: ${spec.command} ${spec.args.join(" ")}`);
    server = await startServer(target, spec, logPath);
    let seeded = false;
    for (const row of rows) {
      if (row.workload !== "put" && !seeded) {
        await seedAndVerify(server.url, RANGE_KEYSPACE, VALUE_BYTES);
        seeded = true;
      }
      if (opts.warmupS > 0) {
        const warmup = runWrk(server.url, row, opts.threads, opts.warmupS);
        if (!warmup.ok) console.error(`[${target}] ${row.label} warm-up failed: ${warmup.reason}`);
      }
      if (instrumentOut !== undefined) await signalInstrument(server.pid); // drop the warm-up's figures
      const cpuBefore = cpuSeconds(server.pid);
      const startMs = performance.now();
      const outcome = runWrk(server.url, row, opts.threads, opts.durationS);
      const elapsedS = (performance.now() - startMs) / 1000;
      const cpuAfter = cpuSeconds(server.pid);
      const cpuPercent = cpuBefore === undefined || cpuAfter === undefined ? undefined :
        ((cpuAfter - cpuBefore) / elapsedS) * 100;
      details.set(`${target} ${row.label}`, { cpuPercent });
      if (instrumentOut !== undefined && outcome.ok) {
        await signalInstrument(server.pid);
        const figures = existsSync(instrumentOut) ? lastInterval(readFileSync(instrumentOut, "utf8")) : undefined;
        if (figures !== undefined) instrumentLines.push(...describeInterval(row.label, figures, outcome.result.requests));
      }
      outcomes.set(row.label, outcome);
      if (server.child.exitCode !== null || server.child.signalCode !== null) {
        const tail = readFileSync(logPath, "utf8").split("\n").slice(-25).join("\n");
        throw new Error(`${target} exited during "${row.label}" (code ${server.child.exitCode}, signal ` +
          `${server.child.signalCode})\n--- log tail ---\n${tail}`);
      }
      console.error(`[${target}] ${row.label}: ${describe(outcome)}` +
        (cpuPercent === undefined ? "" : `, server CPU ${cpuPercent.toFixed(0)} %`));
    }
  } catch (error) {
    const reason = (error as Error).message;
    console.error(`[${target}] failed: ${reason}`);
    const short = reason.split("\n")[0]!;
    for (const row of rows) if (!outcomes.has(row.label)) outcomes.set(row.label, { ok: false, reason: short });
  } finally {
    if (server !== undefined) await stopServer(server);
    rmSync(workDir, { recursive: true, force: true });
  }
  return outcomes;
}

function describe(outcome: Outcome): string {
  if (!outcome.ok) return `failed (${outcome.reason.split("\n")[0]})`;
  const r = outcome.result;
  const rps = (r.requests - r.errStatus) / (r.durationUs / 1e6);
  return `${rps.toFixed(0)} req/s, p50 ${(r.p50Us / 1000).toFixed(2)} ms, p99 ${(r.p99Us / 1000).toFixed(2)} ms` +
    `, errors ${r.errConnect + r.errRead + r.errWrite + r.errStatus + r.errTimeout}`;
}

function measureDisk(seconds: number): { result: FioResult | undefined; note: string } {
  if (seconds <= 0) return { result: undefined, note: "--no-fio" };
  const dir = mkdtempSync(join(tmpdir(), "tsetcd-bench-fio-"));
  try {
    const result = runFio(dir, seconds);
    const note = `p50 ${result.syncP50Us.toFixed(0)} µs, p99 ${result.syncP99Us.toFixed(0)} µs; ` +
      `\`${fioCommand(seconds)}\``;
    return { result, note };
  } catch (error) {
    return { result: undefined, note: `fio failed: ${(error as Error).message}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function detailsTable(rows: Row[], targets: Target[], details: Map<string, RowDetail>): string {
  const lines = ["| row | " + targets.map((t) => `${t} server CPU`).join(" | ") + " |",
    "|---|" + targets.map(() => "---:").join("|") + "|"];
  for (const row of rows) {
    const cells = targets.map((t) => {
      const cpu = details.get(`${t} ${row.label}`)?.cpuPercent;
      return cpu === undefined ? "–" : `${cpu.toFixed(0)} %`;
    });
    lines.push(`| ${row.label} | ${cells.join(" | ")} |`);
  }
  return lines.join("\n");
}

async function main(argv: string[]): Promise<number> {
  let opts: BenchOptions | "help";
  try {
    opts = parseOptions(argv, RESULTS_PATH);
  } catch (error) {
    console.error(`bench: ${(error as Error).message}`);
    return 2;
  }
  if (opts === "help") {
    console.log(USAGE);
    return 0;
  }
  const missing = missingTools(opts.targets, opts.fioSeconds);
  if (missing.length > 0) {
    console.error(`bench: ${missing.join(", ")} not found on PATH. Install with: apt-get install -y wrk fio etcd-server`);
    return 2;
  }
  if (opts.profileDir !== undefined) mkdirSync(opts.profileDir, { recursive: true });
  const rowFilter = opts.rowFilter;
  const rows = defaultRows().filter((row) => rowFilter === undefined || rowMatches(row.label, rowFilter));
  if (rows.length === 0) {
    console.error(`bench: no row matches "${rowFilter}"`);
    return 2;
  }
  const loadBefore = formatLoad();
  const disk = measureDisk(opts.fioSeconds);
  if (disk.result !== undefined) console.error(`[fio] ${disk.result.syncsPerS.toFixed(0)} fdatasync/s, ${disk.note}`);
  const outcomes = new Map<Target, Map<string, Outcome>>();
  const details = new Map<string, RowDetail>();
  const instrumentLines: string[] = [];
  const passes = new Map<Target, Map<string, Outcome>[]>();
  for (let pass = 0; pass < opts.repeat; pass++) {
    for (const target of opts.targets) {
      if (opts.repeat > 1) console.error(`[${target}] pass ${pass + 1} of ${opts.repeat}`);
      const result = await benchTarget(target, rows, opts, details, instrumentLines);
      passes.set(target, [...(passes.get(target) ?? []), result]);
    }
  }
  for (const [target, medians] of medianPerRow(rows, passes)) outcomes.set(target, medians);
  const facts: RunFacts = {
    dateIso: new Date().toISOString(),
    command: ["npm run bench", ...(argv.length > 0 ? ["--", ...argv] : [])].join(" "),
    nproc: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? "unknown",
    bunVersion: Bun.version,
    gitRevision: gitRevision(),
    etcdVersion: firstLine("etcd", ["--version"]),
    wrkVersion: firstLine("wrk", ["-v"]).replace(/\s+Copyright.*$/, ""),
    loadBefore,
    loadAfter: formatLoad(),
    threads: opts.threads,
    durationS: opts.durationS,
    warmupS: opts.warmupS,
    repeat: opts.repeat,
    fioSyncsPerS: disk.result?.syncsPerS,
    fioNote: disk.note,
  };
  const putC1 = new Map<Target, Outcome | undefined>(
    (["etcd", "tsetcd"] as Target[]).map((t) => [t, outcomes.get(t)?.get("put c=1")]),
  );
  const document = formatDocument(facts, formatTable(rows, outcomes), putC1) + "\n" +
    "Server CPU while wrk ran (100 % = one core of the machine's " + `${facts.nproc}` +
    (opts.repeat > 1 ? "; last pass" : "") + "):\n\n" +
    detailsTable(rows, opts.targets, details) + "\n" +
    (instrumentLines.length === 0 ? "" : "\nSQLite transactions in tsetcd (bench/lib/instrument.ts):\n\n" +
      instrumentLines.join("\n") + "\n");
  console.log(document);
  if (opts.outPath !== undefined) {
    writeFileSync(opts.outPath, keepProfileSection(opts.outPath, document));
    console.error(`bench: wrote ${opts.outPath}`);
  }
  const failed = [...outcomes.values()].some((m) => [...m.values()].some((o) => !o.ok));
  return failed ? 1 : 0;
}

/** A rerun replaces the measurements but keeps the hand-written "## Profile" section below them. */
function keepProfileSection(path: string, document: string): string {
  if (!existsSync(path)) return document;
  const old = readFileSync(path, "utf8");
  const at = old.indexOf("\n## Profile");
  return at < 0 ? document : document + old.slice(at);
}

process.exit(await main(process.argv.slice(2)));
