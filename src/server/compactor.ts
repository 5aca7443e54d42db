/**
 * Automatic compaction (--auto-compaction-mode / --auto-compaction-retention), as etcd 3.4 decides it.
 * Pure: the member's ticker feeds it the time and the current revision; it answers which revision to
 * compact now, if any.
 *
 * - periodic: the retention is a duration ("1h", "30m", or a bare number of hours). The revision is sampled
 *   every tenth of the retention (at most hourly); once a sample is a full retention old, the store is
 *   compacted at it, so history of about one retention window is kept.
 * - revision: the retention is a number of revisions; every 5 minutes the store is compacted at
 *   current − retention when that is ahead of the last compaction.
 * A retention of 0 disables it.
 * @module
 */

/** How often revision mode checks, as etcd. */
export const REVISION_CHECK_INTERVAL_MS = 5 * 60_000;
const HOUR_MS = 3_600_000;
/** Bound on kept samples (a retention window holds about ten). */
const MAX_SAMPLES = 64;

/** Parses a retention for `mode`; throws on a bad value. Returns 0 for "disabled". */
export function parseRetention(mode: "periodic" | "revision", text: string): number {
  if (mode === "revision") {
    if (!/^\d+$/.test(text)) throw new Error(`invalid auto-compaction-retention for revision mode: ${text}`);
    return Number(text);
  }
  if (/^\d+$/.test(text)) return Number(text) * HOUR_MS;
  let totalMs = 0;
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, ms: 1, s: 1_000, m: 60_000, h: HOUR_MS };
  const re = /(\d+(?:\.\d+)?)(ns|us|ms|s|m|h)/g;
  let consumed = 0;
  for (let match = re.exec(text); match !== null; match = re.exec(text)) {
    totalMs += Number(match[1]) * units[match[2]!]!;
    consumed += match[0].length;
  }
  if (consumed !== text.length || text.length === 0) throw new Error(`invalid auto-compaction-retention: ${text}`);
  return totalMs;
}

/** Decides when to compact. */
export class AutoCompactor {
  readonly #mode: "periodic" | "revision";
  readonly #retention: number;
  readonly #intervalMs: number;
  #samples: { atMs: number; revision: number }[] = [];
  #lastCheckMs: number | undefined;
  #lastCompacted = 0;

  constructor(mode: "periodic" | "revision", retentionText: string) {
    this.#mode = mode;
    this.#retention = parseRetention(mode, retentionText);
    this.#intervalMs = mode === "revision"
      ? REVISION_CHECK_INTERVAL_MS
      : Math.max(1, Math.min(HOUR_MS, this.#retention / 10));
  }

  /** False when the retention is 0. */
  get enabled(): boolean {
    return this.#retention > 0;
  }

  /** The revision to compact at now, or undefined. */
  tick(nowMs: number, currentRevision: number): number | undefined {
    if (!this.enabled) return undefined;
    if (this.#lastCheckMs !== undefined && nowMs - this.#lastCheckMs < this.#intervalMs) return undefined;
    this.#lastCheckMs = nowMs;
    const target = this.#mode === "revision"
      ? currentRevision - this.#retention
      : this.#periodicTarget(nowMs, currentRevision);
    if (target === undefined || target <= this.#lastCompacted || target < 1) return undefined;
    this.#lastCompacted = target;
    return target;
  }

  #periodicTarget(nowMs: number, currentRevision: number): number | undefined {
    this.#samples.push({ atMs: nowMs, revision: currentRevision });
    if (this.#samples.length > MAX_SAMPLES) this.#samples.shift();
    let target: number | undefined;
    while (this.#samples.length > 0 && nowMs - this.#samples[0]!.atMs >= this.#retention) {
      target = this.#samples.shift()!.revision;
    }
    return target;
  }
}
