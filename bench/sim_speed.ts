/**
 * The simulator's speed and its seeds' outcomes, for changes that must make runs cheaper without changing
 * any of them.
 *
 *   bun bench/sim_speed.ts speed [--start 1000] [--count 100] [--rounds 5] [--src DIR,DIR…]
 *     CPU time (process.cpuUsage, user + system) of runSeeds over the range, per source tree, alternating the
 *     trees round by round (the box is shared: back to back is the only fair comparison); prints each round
 *     and the median seeds per CPU second.
 *   bun bench/sim_speed.ts fingerprint [--start 1000] [--count 300] [--bug NAME [--control]]
 *       [--garbage-rate P] [--trace] [--src DIR]
 *     One line per seed: violations, linearizability verdict, stats (message count, commits …), a hash of
 *     the history, and a hash of every call the run made to its safety checker (leaders, persisted entries,
 *     hard states, applied entries and their outcomes, in order: the whole replicated log as each member
 *     saw it). `--trace` adds a hash of the event trace. Two trees are equivalent on a range when these
 *     outputs are byte-identical (diff them).
 *
 * `--src` names a copy of the repository's src/ (for the old code, e.g. `git archive <rev> src/sim src/raft`
 * unpacked somewhere); the default is this checkout's src/.
 * @module
 */
import { fileURLToPath } from "node:url";

/** Bounds on the command line's ranges (a typo must not start a run of hours). */
const MAX_SEEDS = 100_000;
const MAX_ROUNDS = 50;
const DEFAULT_SRC = fileURLToPath(new URL("../src", import.meta.url));

interface Args {
  mode: "speed" | "fingerprint";
  start: number;
  count: number;
  rounds: number;
  srcs: string[];
  bug?: string;
  control: boolean;
  garbageRate?: number;
  trace: boolean;
}

/** The parts of src/sim/mod.ts and src/sim/checks.ts this script uses (any revision has them). */
interface SimModule {
  runSeed(options: Record<string, unknown>): {
    violations: { kind: string; message: string }[];
    linearizability: string;
    stats: Record<string, number>;
    history: unknown[];
    trace: string[];
  };
  runSeeds(range: { start: number; count: number }, options: Record<string, unknown>): { runs: number; violations: number };
}
interface ChecksModule {
  SafetyChecker: { prototype: Record<string, unknown> };
}

function parseArgs(argv: readonly string[]): Args {
  const mode = argv[0];
  if (mode !== "speed" && mode !== "fingerprint") throw new Error("first argument: speed or fingerprint");
  const args: Args = { mode, start: 1_000, count: mode === "speed" ? 100 : 300, rounds: 5, srcs: [DEFAULT_SRC], control: false, trace: false };
  for (let i = 1; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    if (flag === "--start") args.start = bounded(flag, value(), 0, Number.MAX_SAFE_INTEGER);
    else if (flag === "--count") args.count = bounded(flag, value(), 1, MAX_SEEDS);
    else if (flag === "--rounds") args.rounds = bounded(flag, value(), 1, MAX_ROUNDS);
    else if (flag === "--src") args.srcs = value().split(",");
    else if (flag === "--bug") args.bug = value();
    else if (flag === "--control") args.control = true;
    else if (flag === "--garbage-rate") args.garbageRate = Number(value());
    else if (flag === "--trace") args.trace = true;
    else throw new Error(`unknown flag ${flag}`);
  }
  return args;
}

function bounded(flag: string, text: string, lo: number, hi: number): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < lo || n > hi) throw new Error(`${flag}: want an integer in [${lo}, ${hi}], got ${text}`);
  return n;
}

async function loadSim(src: string): Promise<SimModule> {
  return await import(`${src}/sim/mod.ts`) as SimModule;
}

/** FNV-1a over a string's UTF-16 code units, folded into a running 32-bit hash. */
function fnv(h: number, text: string): number {
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

const FNV_START = 0x811c9dc5;

function bytesHex(data: Uint8Array): string {
  let h = FNV_START;
  for (let i = 0; i < data.length; i++) h = Math.imul(h ^ data[i]!, 0x01000193);
  return `${data.length}:${(h >>> 0).toString(16)}`;
}

/** A stable text for the checker calls' arguments (bigints, byte arrays, entries, hard states). */
function describeArg(value: unknown): string {
  if (typeof value === "bigint") return `${value}n`;
  if (value instanceof Uint8Array) return bytesHex(value);
  if (Array.isArray(value)) return `[${value.map(describeArg).join(",")}]`;
  if (value !== null && typeof value === "object") {
    // A storage: its durable shape, not its internals.
    const s = value as { firstIndex?: () => number; lastIndex?: () => number };
    if (typeof s.firstIndex === "function" && typeof s.lastIndex === "function") return `storage ${s.firstIndex()}..${s.lastIndex()}`;
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${k}=${describeArg((value as Record<string, unknown>)[k])}`).join(",")}}`;
  }
  return String(value);
}

/** Methods of SafetyChecker whose every call (arguments and answer) goes into a run's checker hash. */
const HOOKED = ["onLeader", "onPersist", "onDurableCommit", "onHardState", "onApply", "onOutcome", "onSnapshot", "checkLeaderComplete"];

/** Wraps the checker's methods so that each call folds into `state.hash`; returns the shared state. */
function hookChecker(checks: ChecksModule): { hash: number; calls: number } {
  const state = { hash: FNV_START, calls: 0 };
  const proto = checks.SafetyChecker.prototype;
  for (const name of HOOKED) {
    const original = proto[name] as (...a: unknown[]) => unknown;
    if (typeof original !== "function") throw new Error(`SafetyChecker has no ${name}`);
    proto[name] = function (this: unknown, ...callArgs: unknown[]): unknown {
      const answer = original.apply(this, callArgs);
      state.calls++;
      state.hash = fnv(state.hash, `${name}(${callArgs.map(describeArg).join(";")})=${String(answer)}\n`);
      return answer;
    };
  }
  return state;
}

async function fingerprint(args: Args): Promise<void> {
  if (args.srcs.length !== 1) throw new Error("fingerprint takes one --src");
  const src = args.srcs[0]!;
  const sim = await loadSim(src);
  const checker = hookChecker(await import(`${src}/sim/checks.ts`) as ChecksModule);
  for (let seed = args.start; seed < args.start + args.count; seed++) {
    checker.hash = FNV_START;
    checker.calls = 0;
    const r = sim.runSeed({ seed, bug: args.bug, control: args.control, garbageRate: args.garbageRate, trace: args.trace });
    const history = fnv(FNV_START, JSON.stringify(r.history)).toString(16);
    const trace = args.trace ? ` trace ${r.trace.length}:${fnv(FNV_START, r.trace.join("\n")).toString(16)}` : "";
    console.log(`seed ${seed} ${r.linearizability} violations ${JSON.stringify(r.violations)} stats ${JSON.stringify(r.stats)} ` +
      `history ${r.history.length}:${history} checker ${checker.calls}:${checker.hash.toString(16)}${trace}`);
  }
}

function median(xs: readonly number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

async function speed(args: Args): Promise<void> {
  const sims = await Promise.all(args.srcs.map(loadSim));
  const perSecond: number[][] = args.srcs.map(() => []);
  for (let round = 0; round < args.rounds; round++) {
    for (let t = 0; t < sims.length; t++) {
      const before = process.cpuUsage();
      const summary = sims[t]!.runSeeds({ start: args.start, count: args.count }, {});
      const used = process.cpuUsage(before);
      const cpuS = (used.user + used.system) / 1e6;
      perSecond[t]!.push(summary.runs / cpuS);
      console.log(`round ${round + 1} ${args.srcs[t]}: ${summary.runs} seeds, ${cpuS.toFixed(2)} s CPU, ` +
        `${(summary.runs / cpuS).toFixed(1)} seeds/CPU-s, ${summary.violations} violations`);
    }
  }
  for (let t = 0; t < sims.length; t++) {
    console.log(`median ${args.srcs[t]}: ${median(perSecond[t]!).toFixed(1)} seeds/CPU-s over ${args.rounds} rounds`);
  }
  if (sims.length === 2) console.log(`ratio second/first: ${(median(perSecond[1]!) / median(perSecond[0]!)).toFixed(2)}x`);
}

const args = parseArgs(process.argv.slice(2));
if (args.mode === "speed") await speed(args);
else await fingerprint(args);
