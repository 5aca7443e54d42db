/**
 * The numbers and verdicts of `check perf` and `check datascale`, as etcdctl 3.4 computes and words them:
 * the workload models, the latency report over the requests (etcd's pkg/report: successes only, population
 * standard deviation, requests per second over the whole run), and the PASS/FAIL lines. Pure.
 * @module
 */

/** One `check perf` workload: a rate limit (puts per second), concurrent clients, how long. */
export interface PerfLoad {
  limitPerSecond: number;
  clients: number;
  durationSeconds: number;
}

/** One `check datascale` workload: how many puts, bytes per key-value, concurrent clients. */
export interface DatascaleLoad {
  limit: number;
  kvSizeBytes: number;
  clients: number;
}

/** etcdctl 3.4's perf models (checkPerfCfgMap). */
export const PERF_LOADS: Readonly<Record<string, PerfLoad>> = {
  s: { limitPerSecond: 150, clients: 50, durationSeconds: 60 },
  m: { limitPerSecond: 1000, clients: 200, durationSeconds: 60 },
  l: { limitPerSecond: 8000, clients: 500, durationSeconds: 60 },
  xl: { limitPerSecond: 15000, clients: 1000, durationSeconds: 60 },
};

/** etcdctl 3.4's datascale models (checkDatascaleCfgMap). */
export const DATASCALE_LOADS: Readonly<Record<string, DatascaleLoad>> = {
  s: { limit: 10_000, kvSizeBytes: 1024, clients: 50 },
  m: { limit: 100_000, kvSizeBytes: 1024, clients: 200 },
  l: { limit: 1_000_000, kvSizeBytes: 1024, clients: 500 },
  xl: { limit: 3_000_000, kvSizeBytes: 1024, clients: 1000 },
};

const LOAD_ALIASES: Readonly<Record<string, string>> = {
  s: "s",
  small: "s",
  m: "m",
  medium: "m",
  l: "l",
  large: "l",
  xl: "xl",
  xLarge: "xl",
};

/** The model name of a --load value (`small` → `s`); undefined when etcdctl would not know it. */
export function loadModel(load: string): string | undefined {
  return Object.hasOwn(LOAD_ALIASES, load) ? LOAD_ALIASES[load] : undefined;
}

/** What the report says about a run. */
export interface LoadStats {
  /** Requests that succeeded. */
  succeeded: number;
  /** Successful requests per second over the whole run. */
  rps: number;
  /** The slowest success, seconds (0 when none). */
  slowestSeconds: number;
  /** Population standard deviation of the successes' latencies, seconds (NaN when none, as Go's 0/0). */
  stddevSeconds: number;
  /** Failed requests by error text, in first-seen order. */
  errors: Map<string, number>;
}

/**
 * Collects request outcomes. Latencies are kept as running sums (count, sum, sum of squares, max), so a
 * run of millions of puts holds a few numbers, not an array.
 */
export class LatencyReport {
  #count = 0;
  #sumSeconds = 0;
  #sumSquares = 0;
  #slowestSeconds = 0;
  readonly #errors = new Map<string, number>();

  /** One request: its latency in seconds, or the text of its error. */
  record(latencySeconds: number, error?: string): void {
    if (error !== undefined) {
      this.#errors.set(error, (this.#errors.get(error) ?? 0) + 1);
      return;
    }
    if (!(latencySeconds >= 0)) throw new Error(`latency must be >= 0, got ${latencySeconds}`);
    this.#count++;
    this.#sumSeconds += latencySeconds;
    this.#sumSquares += latencySeconds * latencySeconds;
    if (latencySeconds > this.#slowestSeconds) this.#slowestSeconds = latencySeconds;
  }

  /** The totals, over a run that took `totalSeconds`. */
  stats(totalSeconds: number): LoadStats {
    if (!(totalSeconds > 0)) throw new Error(`a run takes time, got ${totalSeconds} s`);
    const mean = this.#sumSeconds / this.#count;
    // E[x²] − mean²: rounding may take it a hair below zero for equal latencies.
    const variance = Math.max(0, this.#sumSquares / this.#count - mean * mean);
    return {
      succeeded: this.#count,
      rps: this.#count / totalSeconds,
      slowestSeconds: this.#slowestSeconds,
      stddevSeconds: this.#count === 0 ? NaN : Math.sqrt(variance),
      errors: new Map(this.#errors),
    };
  }
}

/** Go's `%f`: six decimals, NaN as "NaN". */
function goFloat(value: number): string {
  return Number.isNaN(value) ? "NaN" : value.toFixed(6);
}

function errorLines(errors: Map<string, number>): string[] {
  if (errors.size === 0) return [];
  return ["FAIL: too many errors", ...[...errors].map(([text, count]) => `FAIL: ERROR(${text}) -> ${count}`)];
}

/** The verdict of `check perf`: etcdctl's lines (each ends with "\n") and whether it passed (exit 0). */
export function perfVerdict(stats: LoadStats, limitPerSecond: number): { text: string; ok: boolean } {
  if (!(limitPerSecond > 0)) throw new Error("the rate limit must be > 0");
  const lines = errorLines(stats.errors);
  let ok = lines.length === 0;
  const throughput = Math.trunc(stats.rps) + 1;
  if (stats.rps / limitPerSecond <= 0.9) {
    lines.push(`FAIL: Throughput too low: ${throughput} writes/s`);
    ok = false;
  } else {
    lines.push(`PASS: Throughput is ${throughput} writes/s`);
  }
  // etcdctl's own wording: these two failures carry no "FAIL:".
  if (stats.slowestSeconds > 0.5) {
    lines.push(`Slowest request took too long: ${goFloat(stats.slowestSeconds)}s`);
    ok = false;
  } else {
    lines.push(`PASS: Slowest request took ${goFloat(stats.slowestSeconds)}s`);
  }
  if (stats.stddevSeconds > 0.1) {
    lines.push(`Stddev too high: ${goFloat(stats.stddevSeconds)}s`);
    ok = false;
  } else {
    lines.push(`PASS: Stddev is ${goFloat(stats.stddevSeconds)}s`);
  }
  lines.push(ok ? "PASS" : "FAIL");
  return { text: lines.map((line) => line + "\n").join(""), ok };
}

/**
 * The verdict of `check datascale`: the resident memory the puts added (MiB, two decimals), or the
 * errors. A negative difference is printed as it is, as etcdctl does.
 */
export function datascaleVerdict(stats: LoadStats, rssBeforeBytes: number, rssAfterBytes: number): { text: string; ok: boolean } {
  const lines = errorLines(stats.errors);
  if (lines.length > 0) return { text: lines.map((line) => line + "\n").join(""), ok: false };
  const usedMiB = (rssAfterBytes - rssBeforeBytes) / (1024 * 1024);
  return { text: `PASS: Approximate system memory used : ${usedMiB.toFixed(2)} MB.\n`, ok: true };
}

/**
 * A key of the check's keyspace: the prefix, then `keySizeBytes` bytes that start with the zig-zag varint
 * of a random non-negative 63-bit number (Go's binary.PutVarint) and are zero after it.
 */
export function checkKey(prefix: Uint8Array, keySizeBytes: number, random: () => number): Uint8Array {
  if (keySizeBytes < 10) throw new Error("a key needs room for a 10-byte varint");
  const key = new Uint8Array(prefix.length + keySizeBytes);
  key.set(prefix);
  // 63 random bits, built from two doubles (Math.random has 52 bits).
  const high = BigInt(Math.floor(random() * 2 ** 31));
  const low = BigInt(Math.floor(random() * 2 ** 32));
  let zigzag = ((high << 32n) | low) << 1n; // non-negative: zig-zag is a plain doubling
  let offset = prefix.length;
  for (let i = 0; i < 10; i++) {
    if (zigzag < 0x80n) {
      key[offset] = Number(zigzag);
      return key;
    }
    key[offset++] = Number(zigzag & 0x7fn) | 0x80;
    zigzag >>= 7n;
  }
  throw new Error("unreachable: a 64-bit varint takes at most 10 bytes");
}
