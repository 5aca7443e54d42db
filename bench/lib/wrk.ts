/**
 * Runs one row of the matrix with wrk (bench/wrk/*.lua) against a URL and parses its report.
 * @module
 */
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { type Row, threadsFor, wrkScript } from "./matrix.ts";
import { type Outcome, parseWrkOutput } from "./report.ts";

const WRK_DIR = join(dirname(new URL(import.meta.url).pathname), "..", "wrk");
/** wrk's per-request timeout: a request slower than this counts as an error. */
const WRK_TIMEOUT = "5s";
/** Beyond the run itself, how long wrk may take to start and report. */
const WRK_SLACK_S = 30;

/** One wrk run of `row` for `seconds` with at most `threads` threads. */
export function runWrk(url: string, row: Row, threads: number, seconds: number): Outcome {
  const { script, args } = wrkScript(row.workload);
  const wrkArgs = [
    "-t", String(threadsFor(row, threads)), "-c", String(row.connections), "-d", `${seconds}s`,
    "--timeout", WRK_TIMEOUT, "-s", join(WRK_DIR, script), url, "--", ...args,
  ];
  const run = spawnSync("wrk", wrkArgs, { encoding: "utf8", timeout: (seconds + WRK_SLACK_S) * 1000 });
  if (run.error !== undefined) return { ok: false, reason: run.error.message };
  if (run.status !== 0) return { ok: false, reason: `wrk exited ${run.status}: ${run.stderr.trim()}` };
  try {
    return { ok: true, result: parseWrkOutput(run.stdout) };
  } catch (error) {
    return { ok: false, reason: (error as Error).message };
  }
}
