/**
 * `npm run sim -- --seeds N --seed-start S [--bug NAME [--control]] [--ticks T] [--garbage-rate P]` runs N
 * seeded simulations (`--control`: the bug's scenario with the bug switched off);
 * `npm run sim -- --seed S --trace` replays one and prints its event trace.
 * Ends with `sim: N runs, V violations` (and `, U unknown` when a checker bound was exhausted); exits 1 on
 * any violation.
 * @module
 */
import { BUG_NAMES, type BugName, describeViolation, replayCommand, type RunResult, runSeed, runSeeds } from "./mod.ts";

interface CliArgs {
  seeds: number;
  seedStart: number;
  seed?: number;
  trace: boolean;
  bug?: BugName;
  control: boolean;
  ticks?: number;
  garbageRate?: number;
}

function parseArgs(argv: readonly string[]): CliArgs {
  const args: CliArgs = { seeds: 100, seedStart: 1, trace: false, control: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    if (flag === "--seeds") args.seeds = parseCount(flag, value());
    else if (flag === "--seed-start") args.seedStart = parseCount(flag, value());
    else if (flag === "--seed") args.seed = parseCount(flag, value());
    else if (flag === "--ticks") args.ticks = parseCount(flag, value());
    else if (flag === "--trace") args.trace = true;
    else if (flag === "--bug") args.bug = parseBug(value());
    else if (flag === "--control") args.control = true;
    else if (flag === "--garbage-rate") args.garbageRate = parseRate(flag, value());
    else throw new Error(`unknown flag ${flag}`);
  }
  if (args.control && args.bug === undefined) throw new Error("--control needs --bug");
  return args;
}

function parseRate(flag: string, text: string): number {
  const p = Number(text);
  if (!(p >= 0 && p <= 1)) throw new Error(`${flag}: not a probability in [0, 1]: ${text}`);
  return p;
}

function parseCount(flag: string, text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${flag}: not a non-negative integer: ${text}`);
  return n;
}

function parseBug(name: string): BugName {
  const bug = BUG_NAMES.find((b) => b === name);
  if (bug === undefined) throw new Error(`--bug: unknown bug ${name} (known: ${BUG_NAMES.join(", ")})`);
  return bug;
}

function failureLine(r: RunResult): string {
  const first = describeViolation(r.violations[0]!).split("\n")[0];
  return `FAIL seed ${r.seed}: ${first}  — replay: ${replayCommand(r.seed, r.bug, { control: r.control })}`;
}

function summaryLine(runs: number, violations: number, unknown: number): string {
  return `sim: ${runs} runs, ${violations} violations${unknown > 0 ? `, ${unknown} unknown` : ""}`;
}

function replayOne(args: CliArgs, seed: number): number {
  const r = runSeed({
    seed,
    bug: args.bug,
    control: args.control,
    garbageRate: args.garbageRate,
    trace: args.trace,
    chaosTicks: args.ticks,
  });
  for (const line of r.trace) console.log(line);
  console.log(`stats ${JSON.stringify(r.stats)} linearizability ${r.linearizability}`);
  if (r.violations.length > 0) {
    for (const v of r.violations) console.log(`VIOLATION ${describeViolation(v)}`);
    console.log(failureLine(r));
  }
  console.log(summaryLine(1, r.violations.length > 0 ? 1 : 0, r.linearizability === "unknown" ? 1 : 0));
  return r.violations.length > 0 ? 1 : 0;
}

function runMany(args: CliArgs): number {
  const summary = runSeeds({ start: args.seedStart, count: args.seeds }, {
    bug: args.bug,
    control: args.control,
    garbageRate: args.garbageRate,
    chaosTicks: args.ticks,
    onResult: (r) => {
      if (r.violations.length > 0) console.log(failureLine(r));
      else if (r.linearizability === "unknown") console.log(`UNKNOWN seed ${r.seed}: linearizability bound exhausted`);
    },
  });
  const perSecond = summary.runs / Math.max(summary.elapsedMs / 1000, 1e-9);
  console.log(`(${summary.runs} seeds in ${(summary.elapsedMs / 1000).toFixed(1)} s: ${perSecond.toFixed(1)} seeds/s)`);
  console.log(summaryLine(summary.runs, summary.violations, summary.unknown));
  return summary.violations > 0 ? 1 : 0;
}

function main(argv: readonly string[]): number {
  let args: CliArgs;
  try {
    args = parseArgs(argv);
  } catch (err) {
    console.error(`sim: ${(err as Error).message}`);
    return 2;
  }
  return args.seed !== undefined ? replayOne(args, args.seed) : runMany(args);
}

process.exit(main(process.argv.slice(2)));
