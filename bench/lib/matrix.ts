/**
 * The benchmark's plan: which rows run, how long, with what wrk arguments, and the command-line options
 * of bench/run.ts. Pure: no I/O.
 * @module
 */

/** A server under test. */
export type Target = "etcd" | "tsetcd";

/** The workload a row drives. */
export type Workload = "put" | "range-linearizable" | "range-serializable";

/** One row of the matrix: a workload at a number of connections. */
export interface Row {
  /** The label printed in the table, e.g. "put c=16". */
  label: string;
  workload: Workload;
  connections: number;
}

/** Options of bench/run.ts. */
export interface BenchOptions {
  /** Short rows (2 s) for a smoke run. */
  quick: boolean;
  /** The targets to run, in order (etcd first so the baseline exists even if ours fails). */
  targets: Target[];
  /** wrk threads per row; the machine has 2 cores shared with the server under test. */
  threads: number;
  /** Measured seconds per row. */
  durationS: number;
  /** Warm-up seconds per row, not measured. */
  warmupS: number;
  /** Where the markdown goes; undefined means stdout only. */
  outPath: string | undefined;
  /** Run the tsetcd server under `bun --cpu-prof-md` and keep the profile in this folder. */
  profileDir: string | undefined;
  /** Run the tsetcd server with bench/lib/instrument.ts preloaded and report SQLite transaction figures. */
  instrument: boolean;
  /** Restrict to rows whose label contains this text. */
  rowFilter: string | undefined;
  /** Passes over the targets (etcd, tsetcd, etcd, tsetcd, …); each row reports its median pass. */
  repeat: number;
  /** Seconds fio measures fdatasync for; 0 skips fio. */
  fioSeconds: number;
}

/** Keys the put rows draw from (uniformly). */
export const PUT_KEYSPACE = 100_000;
/** Keys the range rows read; run.ts writes all of them before the first range row. */
export const RANGE_KEYSPACE = 1_000;
/** Value size of every put. */
export const VALUE_BYTES = 256;

/** The matrix issue 4 asks for, in the order it runs. */
export function defaultRows(): Row[] {
  const rows: Row[] = [];
  for (const connections of [1, 16, 64, 256]) rows.push(row("put", connections));
  for (const connections of [1, 64]) rows.push(row("range-linearizable", connections));
  for (const connections of [1, 64]) rows.push(row("range-serializable", connections));
  return rows;
}

function row(workload: Workload, connections: number): Row {
  const name = workload === "put" ? "put" : workload === "range-linearizable" ? "range (lin)" : "range (ser)";
  return { label: `${name} c=${connections}`, workload, connections };
}

/** The wrk script (relative to bench/wrk) and its `--` arguments for a row. */
export function wrkScript(workload: Workload): { script: string; args: string[] } {
  if (workload === "put") {
    return { script: "put.lua", args: [`keyspace=${PUT_KEYSPACE}`, `value_bytes=${VALUE_BYTES}`] };
  }
  const serializable = workload === "range-serializable";
  return { script: "range.lua", args: [`keyspace=${RANGE_KEYSPACE}`, `serializable=${serializable}`] };
}

/**
 * Whether a row is selected by `--rows`: a comma-separated list of label fragments, where a fragment that
 * ends in a number does not match a longer number ("c=1" selects "put c=1", not "put c=16").
 */
export function rowMatches(label: string, filter: string): boolean {
  return filter.split(",").map((f) => f.trim()).filter((f) => f.length > 0).some((fragment) => {
    for (let at = label.indexOf(fragment); at >= 0; at = label.indexOf(fragment, at + 1)) {
      const after = label[at + fragment.length];
      if (!(/\d$/.test(fragment) && after !== undefined && /\d/.test(after))) return true;
    }
    return false;
  });
}

/** wrk threads for a row: never more threads than connections. */
export function threadsFor(row: Row, threads: number): number {
  return Math.max(1, Math.min(threads, row.connections));
}

/** The usage text of bench/run.ts. */
export const USAGE = `Usage: bun bench/run.ts [options]   (npm run bench)

Runs the same wrk scripts against etcd 3.4 and tsetcd, one after the other, and prints a markdown table.
A full run of both targets writes bench/RESULTS.md.

Options:
  --quick               2 s rows, 1 s warm-up, 3 s fio (does not write bench/RESULTS.md)
  --only etcd|tsetcd    run one target only (does not write bench/RESULTS.md)
  --rows TEXT[,TEXT]    only rows whose label contains one TEXT, e.g. "put", "c=64", "put c=1,range (ser)"
  --threads N           wrk threads (default 1)
  --duration S          measured whole seconds per row (default 8; wrk takes whole seconds)
  --warmup S            warm-up whole seconds per row (default 1; 0 for none)
  --out PATH            write the markdown here (overrides the defaults above)
  --profile DIR         run tsetcd under bun --cpu-prof-md, profile written to DIR
  --repeat N            N passes, targets alternating, each row reports its median pass (default 1)
  --instrument          preload bench/lib/instrument.ts into tsetcd: per row, SQLite transactions/s, batch
                        size, body and COMMIT (fsync) time
  --no-fio              skip the fio fdatasync measurement
  -h, --help            this text
`;

/** Parses bench/run.ts's arguments; throws an Error with a clear message on a bad one. */
export function parseOptions(argv: string[], defaultOutPath: string): BenchOptions | "help" {
  const opts: BenchOptions = {
    quick: false,
    targets: ["etcd", "tsetcd"],
    threads: 1,
    durationS: 8,
    warmupS: 1,
    outPath: undefined,
    profileDir: undefined,
    instrument: false,
    rowFilter: undefined,
    fioSeconds: 10,
    repeat: 1,
  };
  let explicitOut: string | undefined;
  let explicitDuration = false;
  let explicitWarmup = false;
  let noFio = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (): string => {
      const next = argv[++i];
      if (next === undefined) throw new Error(`${arg} needs a value`);
      return next;
    };
    if (arg === "-h" || arg === "--help") return "help";
    else if (arg === "--quick") opts.quick = true;
    else if (arg === "--only") opts.targets = [parseTarget(value())];
    else if (arg === "--rows") opts.rowFilter = value();
    else if (arg === "--threads") opts.threads = parsePositive(arg, value(), 64);
    else if (arg === "--duration") (opts.durationS = parsePositive(arg, value(), 600)), (explicitDuration = true);
    else if (arg === "--warmup") (opts.warmupS = parseNonNegative(arg, value(), 60)), (explicitWarmup = true);
    else if (arg === "--out") explicitOut = value();
    else if (arg === "--profile") opts.profileDir = value();
    else if (arg === "--repeat") opts.repeat = parsePositive(arg, value(), 9);
    else if (arg === "--instrument") opts.instrument = true;
    else if (arg === "--no-fio") noFio = true;
    else throw new Error(`unknown option ${arg} (see --help)`);
  }
  if (opts.quick) {
    if (!explicitDuration) opts.durationS = 2;
    if (!explicitWarmup) opts.warmupS = 1;
    opts.fioSeconds = 3;
  }
  if (noFio) opts.fioSeconds = 0;
  const fullRun = !opts.quick && opts.targets.length === 2 && opts.rowFilter === undefined &&
    opts.profileDir === undefined && !opts.instrument;
  opts.outPath = explicitOut ?? (fullRun ? defaultOutPath : undefined);
  return opts;
}

function parseTarget(text: string): Target {
  if (text === "etcd" || text === "tsetcd") return text;
  throw new Error(`--only takes etcd or tsetcd, not "${text}"`);
}

function parsePositive(flag: string, text: string, max: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0 || n > max) throw new Error(`${flag} must be a whole number in [1, ${max}]`);
  return n;
}

function parseNonNegative(flag: string, text: string, max: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > max) throw new Error(`${flag} must be a whole number in [0, ${max}]`);
  return n;
}
