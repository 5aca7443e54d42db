/**
 * Measures the disk's fdatasync rate with fio on the filesystem that holds the servers' data dirs.
 * @module
 */
import { spawnSync } from "node:child_process";

/** What fio reports about one run of 4 KiB writes, each followed by fdatasync. */
export interface FioResult {
  syncsPerS: number;
  syncP50Us: number;
  syncP99Us: number;
}

/** Extracts the fdatasync rate and latency from `fio --output-format=json`; throws on a shape it cannot read. */
export function parseFioJson(text: string): FioResult {
  const doc = JSON.parse(text) as { jobs?: Array<Record<string, unknown>> };
  const job = doc.jobs?.[0];
  if (job === undefined) throw new Error("fio JSON has no jobs");
  const runtimeMs = job.job_runtime;
  const sync = job.sync as { lat_ns?: { N?: number; percentile?: Record<string, number> } } | undefined;
  const count = sync?.lat_ns?.N;
  const percentiles = sync?.lat_ns?.percentile;
  if (typeof runtimeMs !== "number" || runtimeMs <= 0) throw new Error("fio JSON has no job_runtime");
  if (typeof count !== "number" || count <= 0 || percentiles === undefined) {
    throw new Error("fio JSON has no sync latencies (was --fdatasync=1 given?)");
  }
  const p50 = percentiles["50.000000"];
  const p99 = percentiles["99.000000"];
  if (p50 === undefined || p99 === undefined) throw new Error("fio JSON lacks the 50th/99th sync percentiles");
  return { syncsPerS: count / (runtimeMs / 1000), syncP50Us: p50 / 1000, syncP99Us: p99 / 1000 };
}

/** Runs fio for `seconds` in `directory` (which must exist and be on the data dirs' filesystem). */
export function runFio(directory: string, seconds: number): FioResult {
  if (!(seconds > 0 && seconds <= 120)) throw new Error("fio seconds must be in (0, 120]");
  const args = [
    "--name=fsync", "--rw=write", "--bs=4k", "--size=4m", "--fdatasync=1", `--directory=${directory}`,
    `--runtime=${seconds}`, "--time_based", "--output-format=json",
  ];
  const run = spawnSync("fio", args, { encoding: "utf8", timeout: (seconds + 30) * 1000 });
  if (run.error !== undefined) throw run.error;
  if (run.status !== 0) throw new Error(`fio exited ${run.status}: ${run.stderr.trim().slice(0, 300)}`);
  return parseFioJson(run.stdout);
}

/** The exact fio command line, for the report. */
export function fioCommand(seconds: number): string {
  return `fio --name=fsync --rw=write --bs=4k --size=4m --fdatasync=1 --directory=<tmp> --runtime=${seconds} ` +
    "--time_based";
}
