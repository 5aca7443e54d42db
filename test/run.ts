/**
 * Runs every `*_test.ts` under test/ (or under the folders/files given as arguments), each in its own
 * process, and ends with the one line CI reads: `N passed, N failed` (then `, N skipped` when any were).
 *
 * Counts come from what each test did, never by subtraction: every test process is started with
 * test/runner/preload.ts, whose uvu reporter appends one line per test (pass, fail or skip) to a report file,
 * one line per `.only`, and an `end` line once its tests are done. A file also fails, by one count each, when
 * it registers no test, uses `.only`, dies or times out before its `end` line, leaves registered tests
 * unrun, or exits non-zero although no test failed (a crash after the last test). Skipped tests are reported
 * apart, never as passed.
 *
 * Two lanes: the deterministic simulator's files (test/sim/: pure CPU, no socket, no process, no clock)
 * run one after another beside the rest, at the lowest CPU priority so that the timing-sensitive cluster
 * files keep first call on the cores; everything else runs one file at a time, as always.
 * TSETCD_TEST_ONE_LANE=1 runs every file in one lane.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { setPriority, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const FILE_TIMEOUT_MS = Number(process.env.TSETCD_TEST_FILE_TIMEOUT_MS ?? 600_000);
const MAX_FILES = 1_000;
const OUTPUT_TAIL_LINES = 80;
const PRELOAD_PATH = fileURLToPath(new URL("./runner/preload.ts", import.meta.url));
const REPORT_LINE = /^@@tsetcd-(test pass|test fail|test skip|only|end) (.*)$/;
/** Files of the side lane: pure computation that neither waits on a clock nor opens a port. */
const SIDE_LANE_PREFIX = join("test", "sim") + "/";
/** The side lane's niceness: it takes what CPU the main lane leaves. */
const SIDE_LANE_NICE = 19;

function findTests(root: string, out: string[]): void {
  if (out.length >= MAX_FILES) return;
  const info = statSync(root);
  if (info.isFile()) {
    if (root.endsWith("_test.ts")) out.push(root);
    return;
  }
  for (const name of readdirSync(root).sort()) {
    if (name === "node_modules" || name.startsWith(".")) continue;
    findTests(join(root, name), out);
  }
}

/** What one file's report lines say. */
interface Report {
  passed: number;
  failed: number;
  skipped: number;
  only: string[];
  end?: { registered: number; reported: number };
}

interface FileResult {
  file: string;
  passed: number;
  failed: number;
  skipped: number;
  /** File-level reasons for failure, each counted as one failure. */
  problems: string[];
  durationMs: number;
  output: string;
}

/** Parses the reporter's lines; a line it cannot read is itself a problem, never skipped over. */
function parseReport(text: string, problems: string[]): Report {
  const report: Report = { passed: 0, failed: 0, skipped: 0, only: [] };
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const m = REPORT_LINE.exec(line);
    if (m === null) {
      problems.push(`unreadable report line: ${line.slice(0, 200)}`);
      continue;
    }
    const kind = m[1]!;
    if (kind === "test pass") report.passed++;
    else if (kind === "test fail") report.failed++;
    else if (kind === "test skip") report.skipped++;
    else if (kind === "only") report.only.push(JSON.parse(m[2]!) as string);
    else report.end = JSON.parse(m[2]!) as { registered: number; reported: number };
  }
  return report;
}

/** The file-level rules, applied to a finished process. */
function judge(report: Report, exit: { code: number | null; timedOut: boolean }, problems: string[]): void {
  if (exit.timedOut) problems.push(`timed out after ${FILE_TIMEOUT_MS} ms`);
  else if (report.end === undefined) problems.push(`exited ${exit.code} before its tests finished (no end line)`);
  if (report.end !== undefined && report.end.registered === 0) problems.push("registers no test");
  if (report.only.length > 0) problems.push(`uses .only (${report.only.map((n) => JSON.stringify(n)).join(", ")})`);
  if (report.end !== undefined && report.end.reported < report.end.registered) {
    problems.push(`${report.end.registered - report.end.reported} registered tests never ran`);
  }
  const cleanExit = exit.code === 0 && !exit.timedOut;
  if (!cleanExit && report.end !== undefined && report.failed === 0) problems.push(`exited ${exit.code} after its tests`);
}

function runFile(file: string, reportDir: string, index: number, nice: number): Promise<FileResult> {
  const startMs = Date.now();
  const reportPath = join(reportDir, `${index}.report`);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--preload", PRELOAD_PATH, file], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, FORCE_COLOR: "0", NO_COLOR: "1", TSETCD_TEST_REPORT: reportPath },
    });
    if (nice !== 0 && child.pid !== undefined) {
      try {
        setPriority(child.pid, nice);
      } catch {
        // Not allowed here: the file runs at normal priority, which only costs the other lane some CPU.
      }
    }
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, FILE_TIMEOUT_MS);
    child.on("close", (code) => {
      clearTimeout(timer);
      const problems: string[] = [];
      let text = "";
      try {
        text = readFileSync(reportPath, "utf8");
      } catch {
        // No report file: the process wrote no line at all; judge() names why.
      }
      const report = parseReport(text, problems);
      judge(report, { code, timedOut }, problems);
      resolve({
        file,
        passed: report.passed,
        failed: report.failed + problems.length,
        skipped: report.skipped,
        problems,
        durationMs: Date.now() - startMs,
        output,
      });
    });
  });
}

function fileLine(r: FileResult): string {
  const mark = r.failed > 0 ? "FAIL" : "ok  ";
  const skipped = r.skipped > 0 ? `, ${r.skipped} skipped` : "";
  return `${mark} ${r.file}  ${r.passed} passed, ${r.failed} failed${skipped} (${r.durationMs} ms)`;
}

async function main(): Promise<void> {
  const roots = process.argv.slice(2);
  const files: string[] = [];
  for (const root of roots.length > 0 ? roots : ["test"]) findTests(root, files);
  const reportDir = mkdtempSync(join(tmpdir(), "tsetcd-test-reports-"));
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  const record = (result: FileResult): void => {
    passed += result.passed;
    failed += result.failed;
    skipped += result.skipped;
    console.log(fileLine(result));
    if (result.failed === 0) return;
    console.log(result.output.split("\n").slice(-OUTPUT_TAIL_LINES).join("\n"));
    for (const problem of result.problems) console.log(`  ${result.file}: ${problem}`);
  };
  const oneLane = process.env.TSETCD_TEST_ONE_LANE === "1";
  const indexed = files.map((file, index) => ({ file, index }));
  const side = oneLane ? [] : indexed.filter((f) => f.file.startsWith(SIDE_LANE_PREFIX));
  const main = indexed.filter((f) => !side.includes(f));
  const runLane = async (lane: { file: string; index: number }[], nice: number): Promise<void> => {
    for (const { file, index } of lane) record(await runFile(file, reportDir, index, nice));
  };
  try {
    await Promise.all([runLane(main, 0), runLane(side, SIDE_LANE_NICE)]);
  } finally {
    rmSync(reportDir, { recursive: true, force: true });
  }
  if (files.length === 0) failed += 1; // running no test at all is a failure, not a pass
  const tail = skipped > 0 ? `, ${skipped} skipped` : "";
  console.log(`${passed} passed, ${failed} failed${tail}`);
  process.exit(failed > 0 ? 1 : 0);
}

await main();
