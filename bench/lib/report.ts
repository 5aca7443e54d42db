/**
 * Turns wrk's output into numbers and the numbers into the markdown table of bench/RESULTS.md. Pure.
 * @module
 */
import type { Row, Target } from "./matrix.ts";

/** What one wrk run measured (the line bench/wrk/common.lua prints from `done()`). */
export interface WrkResult {
  requests: number;
  durationUs: number;
  p50Us: number;
  p90Us: number;
  p99Us: number;
  maxUs: number;
  meanUs: number;
  errConnect: number;
  errRead: number;
  errWrite: number;
  errStatus: number;
  errTimeout: number;
}

/** A row's outcome for one target: a measurement or the reason there is none. */
export type Outcome = { ok: true; result: WrkResult } | { ok: false; reason: string };

const RESULT_FIELDS: (keyof WrkResult)[] = [
  "requests", "durationUs", "p50Us", "p90Us", "p99Us", "maxUs", "meanUs",
  "errConnect", "errRead", "errWrite", "errStatus", "errTimeout",
];

/** Finds and validates the `WRK_RESULT {...}` line in wrk's stdout; throws if absent or malformed. */
export function parseWrkOutput(stdout: string): WrkResult {
  const line = stdout.split("\n").find((l) => l.startsWith("WRK_RESULT "));
  if (line === undefined) throw new Error("wrk printed no WRK_RESULT line (did the Lua done() hook run?)");
  const parsed = JSON.parse(line.slice("WRK_RESULT ".length)) as Record<string, unknown>;
  for (const field of RESULT_FIELDS) {
    const value = parsed[field];
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
      throw new Error(`WRK_RESULT field ${field} is not a non-negative number: ${JSON.stringify(value)}`);
    }
  }
  const result = parsed as unknown as WrkResult;
  if (result.durationUs <= 0) throw new Error("WRK_RESULT has a zero duration");
  return result;
}

/** Successful requests per second: wrk counts non-2xx responses in `requests` too, so they are removed. */
export function requestsPerSecond(r: WrkResult): number {
  const good = Math.max(0, r.requests - r.errStatus);
  return good / (r.durationUs / 1e6);
}

/**
 * The median of several passes of one row by successful req/s (the lower middle for an even count); a
 * failed pass counts as the slowest. Undefined for no passes.
 */
export function medianOutcome(passes: Outcome[]): Outcome | undefined {
  if (passes.length === 0) return undefined;
  const score = (o: Outcome): number => (o.ok ? requestsPerSecond(o.result) : -1);
  const sorted = [...passes].sort((a, b) => score(a) - score(b));
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

/** For each target, each row's median pass (rows with no pass are left out). */
export function medianPerRow(
  rows: Row[],
  passes: Map<Target, Map<string, Outcome>[]>,
): Map<Target, Map<string, Outcome>> {
  const outcomes = new Map<Target, Map<string, Outcome>>();
  for (const [target, results] of passes) {
    const medians = new Map<string, Outcome>();
    for (const row of rows) {
      const median = medianOutcome(results.map((r) => r.get(row.label)).filter((o) => o !== undefined));
      if (median !== undefined) medians.set(row.label, median);
    }
    outcomes.set(target, medians);
  }
  return outcomes;
}

/** Total errors of any kind in a run. */
export function errorCount(r: WrkResult): number {
  return r.errConnect + r.errRead + r.errWrite + r.errStatus + r.errTimeout;
}

function formatMs(us: number): string {
  const ms = us / 1000;
  return ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2);
}

function formatRps(rps: number): string {
  return Math.round(rps).toLocaleString("en-US");
}

function formatCell(outcome: Outcome | undefined): [string, string] {
  if (outcome === undefined) return ["–", "–"];
  if (!outcome.ok) return ["failed", outcome.reason.replaceAll("|", "/").slice(0, 60)];
  const r = outcome.result;
  const errors = errorCount(r);
  const flag = errors > 0 ? ` (${errors} errors)` : "";
  return [formatRps(requestsPerSecond(r)) + flag, `${formatMs(r.p50Us)} / ${formatMs(r.p99Us)}`];
}

/** Ours over etcd's throughput, as "1.23×", or "–" when either side is missing or failed. */
export function ratio(etcd: Outcome | undefined, ours: Outcome | undefined): string {
  if (etcd === undefined || ours === undefined || !etcd.ok || !ours.ok) return "–";
  const base = requestsPerSecond(etcd.result);
  if (base <= 0) return "–";
  return `${(requestsPerSecond(ours.result) / base).toFixed(2)}×`;
}

/** The results table: one line per row, etcd and tsetcd side by side. */
export function formatTable(rows: Row[], outcomes: Map<Target, Map<string, Outcome>>): string {
  const lines = [
    "| row | etcd req/s | etcd p50 / p99 ms | tsetcd req/s | tsetcd p50 / p99 ms | tsetcd / etcd |",
    "|---|---:|---:|---:|---:|---:|",
  ];
  for (const row of rows) {
    const etcd = outcomes.get("etcd")?.get(row.label);
    const ours = outcomes.get("tsetcd")?.get(row.label);
    const [etcdRps, etcdLat] = formatCell(etcd);
    const [oursRps, oursLat] = formatCell(ours);
    lines.push(`| ${row.label} | ${etcdRps} | ${etcdLat} | ${oursRps} | ${oursLat} | ${ratio(etcd, ours)} |`);
  }
  return lines.join("\n");
}

/** Facts about the run that go above the table. */
export interface RunFacts {
  dateIso: string;
  command: string;
  nproc: number;
  cpuModel: string;
  bunVersion: string;
  gitRevision: string;
  etcdVersion: string;
  wrkVersion: string;
  loadBefore: string;
  loadAfter: string;
  threads: number;
  durationS: number;
  warmupS: number;
  repeat: number;
  /** fdatasync/s from fio, undefined when skipped or failed. */
  fioSyncsPerS: number | undefined;
  fioNote: string;
}

/** How the 1-connection put row compares with the disk's fdatasync rate (issue 4's target: ≥ 90 %). */
export function fsyncShare(ours: Outcome | undefined, fioSyncsPerS: number | undefined): string {
  if (ours === undefined || !ours.ok || fioSyncsPerS === undefined || fioSyncsPerS <= 0) return "–";
  return `${((requestsPerSecond(ours.result) / fioSyncsPerS) * 100).toFixed(0)} %`;
}

/** The whole markdown document written to bench/RESULTS.md. */
export function formatDocument(facts: RunFacts, table: string, putC1: Map<Target, Outcome | undefined>): string {
  const fio = facts.fioSyncsPerS === undefined ? `not measured (${facts.fioNote})` :
    `${Math.round(facts.fioSyncsPerS).toLocaleString("en-US")} fdatasync/s (${facts.fioNote})`;
  return [
    "# tsetcd vs etcd 3.4 — gateway JSON benchmark",
    "",
    `Reproduce with \`${facts.command}\` (needs \`apt-get install -y wrk fio etcd-server\`).`,
    "",
    `- Date: ${facts.dateIso}`,
    `- Machine: ${facts.nproc} cores (${facts.cpuModel}); load average before ${facts.loadBefore}, after ` +
    `${facts.loadAfter}. The cores are shared by wrk and the server under test.`,
    `- Versions: tsetcd ${facts.gitRevision}, bun ${facts.bunVersion}, ${facts.etcdVersion}, ${facts.wrkVersion}`,
    `- wrk: ${facts.threads} thread(s) (never more than connections), ${facts.warmupS} s warm-up + ` +
    `${facts.durationS} s measured per row; each server starts on a fresh temp data dir with default ` +
    "settings, the two never run at the same time" + (facts.repeat > 1 ?
      `; ${facts.repeat} passes with the targets alternating, each cell is the row's median pass.` : "."),
    `- Workload: POST /v3/kv/put, 8-byte keys uniform over 100,000 keys, 256-byte values; POST /v3/kv/range of ` +
    "one key out of 1,000 written beforehand, linearizable or `\"serializable\": true`.",
    `- Disk (fio, same filesystem as the data dirs, 4 KiB writes + fdatasync): ${fio}`,
    `- put c=1 as a share of the fsync rate: etcd ${fsyncShare(putC1.get("etcd"), facts.fioSyncsPerS)}, ` +
    `tsetcd ${fsyncShare(putC1.get("tsetcd"), facts.fioSyncsPerS)} (target for tsetcd: ≥ 90 %)`,
    "- Latencies are wrk's (Lua `done()` hook), per request, in milliseconds. Errors (non-2xx, timeouts) are " +
    "shown next to req/s and excluded from it.",
    "",
    table,
    "",
  ].join("\n");
}
