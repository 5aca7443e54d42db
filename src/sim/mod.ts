/**
 * The deterministic cluster simulator: run one seed (`runSeed`) or a range of seeds (`runSeeds`).
 * @example const summary = runSeeds({ start: 1, count: 100 }); // summary.violations === 0
 * @module
 */
import { type BugName, type RunResult, runSeed } from "./cluster.ts";

export {
  BUG_NAMES,
  type BugName,
  describeViolation,
  type RunOptions,
  type RunResult,
  type RunStats,
  runSeed,
  TICK,
  type Violation,
  type ViolationKind,
} from "./cluster.ts";
export { checkHistory, type CheckResult, type Operation } from "./linearizability.ts";
export { Prng } from "./prng.ts";

/** Outcome of a range of seeds. */
export interface SeedsSummary {
  runs: number;
  /** Runs with at least one violation. */
  violations: number;
  /** Runs whose linearizability check exhausted its bound. */
  unknown: number;
  failures: RunResult[];
  elapsedMs: number;
}

/** Runs seeds start … start+count-1; `onResult` sees each run as it finishes. */
export function runSeeds(
  range: { start: number; count: number },
  options: {
    bug?: BugName;
    /** Run `bug`'s scenario with the bug switched off (its control). */
    control?: boolean;
    garbageRate?: number;
    chaosTicks?: number;
    onResult?: (r: RunResult) => void;
    /** Stop early once this many runs failed. */
    stopAfterFailures?: number;
  } = {},
): SeedsSummary {
  const startMs = performance.now();
  const summary: SeedsSummary = { runs: 0, violations: 0, unknown: 0, failures: [], elapsedMs: 0 };
  for (let i = 0; i < range.count; i++) {
    const result = runSeed({
      seed: range.start + i,
      bug: options.bug,
      control: options.control,
      garbageRate: options.garbageRate,
      chaosTicks: options.chaosTicks,
    });
    summary.runs++;
    if (result.violations.length > 0) {
      summary.violations++;
      summary.failures.push(result);
    } else if (result.linearizability === "unknown") {
      summary.unknown++;
    }
    options.onResult?.(result);
    if (options.stopAfterFailures !== undefined && summary.violations >= options.stopAfterFailures) break;
  }
  summary.elapsedMs = performance.now() - startMs;
  return summary;
}

/** The one-line command that replays a run with its trace. */
export function replayCommand(seed: number, bug?: BugName, options: { control?: boolean } = {}): string {
  const bugFlag = bug === undefined ? "" : ` --bug ${bug}${options.control === true ? " --control" : ""}`;
  return `npm run sim -- --seed ${seed} --trace${bugFlag}`;
}
