/**
 * `tsetcd check perf` and `tsetcd check datascale`, as etcdctl 3.4's: the same workload models, key and
 * value sizes, pass/fail rules, output lines and exit codes (1 on FAIL, 3 when the prefix already has keys,
 * 4 for an unknown --load). The keys written are deleted at the end (then --auto-compact compacts at that
 * revision and --auto-defrag defragments each endpoint). `datascale` reads process_resident_memory_bytes
 * from the first endpoint's /metrics before and after, as etcdctl does.
 *
 * For tests, TSETCD_CHECK_PERF_DURATION_MS shortens perf's 60 s and TSETCD_CHECK_DATASCALE_LIMIT lowers
 * datascale's put count; neither exists in etcdctl.
 * @module
 */
import { type Client, connect } from "../src/client/mod.ts";
import { tlsFetchInit } from "../src/client/tls_fetch.ts";
import { type CommandContext, type CommandSpec, credentialsOf, type Globals, printOptionsFrom, tlsOf } from "./command.ts";
import { runLoad } from "./check_load.ts";
import { ProgressBar } from "./check_progress.ts";
import {
  checkKey,
  DATASCALE_LOADS,
  datascaleVerdict,
  LatencyReport,
  loadModel,
  PERF_LOADS,
  perfVerdict,
} from "./check_report.ts";
import { CliError, ExitCode } from "./errors.ts";
import { flagBool, type FlagSpec, flagString } from "./flags.ts";
import { goQuote } from "./format.ts";

const PERF_KEY_BYTES = 256;
const PERF_VALUE = new Uint8Array(1024);
const DATASCALE_KEY_BYTES = 512;
const DATASCALE_VALUE = new Uint8Array(512);
/** etcdctl's deadline for the final delete, the compaction and each defragmentation. */
const CLEANUP_TIMEOUT_MS = 30_000;
const METRICS_TIMEOUT_MS = 10_000;
const RESIDENT_MEMORY = "process_resident_memory_bytes";

/**
 * A client whose calls may take `timeoutMs` (the load's puts and the cleanup, which etcdctl runs without
 * --command-timeout), with the command line's TLS and credentials.
 */
function clientWithTimeout(globals: Globals, timeoutMs: number): Client {
  const tls = tlsOf(globals);
  const credentials = credentialsOf(globals);
  return connect({
    endpoints: globals.endpoints.length === 0 ? ["127.0.0.1:2379"] : globals.endpoints,
    dialTimeoutMs: globals.dialTimeoutMs > 0 ? globals.dialTimeoutMs : 2_000,
    commandTimeoutMs: timeoutMs,
    ...(tls === undefined ? {} : { tls }),
    ...(credentials === undefined ? {} : { username: credentials.username, password: credentials.password }),
  });
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** etcdctl's ExitWithError(ExitError, err) for a failed call. */
async function orExit<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(ExitCode.Error, errorText(error));
  }
}

/** Refuses a prefix that already holds keys: the check deletes its whole prefix afterwards. */
async function requireEmptyPrefix(client: Client, prefix: string): Promise<void> {
  const response = await orExit(client.get(prefix, { prefix: true, limit: 1 }));
  if ((response.kvs ?? []).length > 0) {
    throw new CliError(
      ExitCode.InvalidInput,
      `prefix ${goQuote(prefix)} has keys. Delete with etcdctl del --prefix ${prefix} first`,
    );
  }
}

/** Deletes the prefix, then --auto-compact and --auto-defrag, printing what etcdctl prints. */
async function cleanUp(ctx: CommandContext, client: Client, prefix: string): Promise<void> {
  const deleted = await orExit(client.delete(prefix, { prefix: true }));
  if (flagBool(ctx.flags, "auto-compact")) {
    const revision = deleted.header.revision;
    ctx.io.stdout(`Compacting with revision ${revision}\n`);
    await orExit(client.compact({ revision: Number(revision), physical: true }));
    ctx.io.stdout(`Compacted with revision ${revision}\n`);
  }
  if (flagBool(ctx.flags, "auto-defrag")) {
    for (const endpoint of client.endpoints) {
      ctx.io.stdout(`Defragmenting ${goQuote(endpoint)}\n`);
      await orExit(client.defragment(endpoint));
      ctx.io.stdout(`Defragmented ${goQuote(endpoint)}\n`);
    }
  }
}

function modelOf(ctx: CommandContext): string {
  const load = flagString(ctx.flags, "load");
  const model = loadModel(load);
  if (model === undefined) throw new CliError(ExitCode.BadFeature, `unknown load option ${load}`);
  return model;
}

/** A positive integer from the environment (test knobs), or undefined. */
function envInt(ctx: CommandContext, name: string): number | undefined {
  const text = ctx.io.env[name];
  if (text === undefined || text === "") return undefined;
  const value = Number(text);
  if (!(Number.isInteger(value) && value > 0)) throw new CliError(ExitCode.InvalidInput, `${name} must be a positive integer`);
  return value;
}

async function runPerf(ctx: CommandContext): Promise<number> {
  const load = PERF_LOADS[modelOf(ctx)]!;
  printOptionsFrom(ctx.globals);
  const prefix = flagString(ctx.flags, "prefix");
  const durationMs = envInt(ctx, "TSETCD_CHECK_PERF_DURATION_MS") ?? load.durationSeconds * 1000;
  // The load's puts and the first read wait as long as the run (etcdctl: no per-put deadline).
  const client = clientWithTimeout(ctx.globals, Math.max(durationMs, CLEANUP_TIMEOUT_MS));
  await requireEmptyPrefix(client, prefix);

  const prefixBytes = new TextEncoder().encode(prefix);
  const report = new LatencyReport();
  const seconds = Math.max(1, Math.ceil(durationMs / 1000));
  const bar = new ProgressBar(seconds, ctx.io.stdout, ctx.io.stdoutIsTty);
  const ticker = setInterval(() => bar.add(1), Math.max(1, durationMs / seconds));
  const startMs = performance.now();
  try {
    await runLoad({
      clients: load.clients,
      limitPerSecond: load.limitPerSecond,
      durationMs,
      nextKey: () => checkKey(prefixBytes, PERF_KEY_BYTES, Math.random),
      put: async (key) => void await client.put(key, PERF_VALUE),
      report,
    });
  } finally {
    clearInterval(ticker);
  }
  const stats = report.stats((performance.now() - startMs) / 1000);
  bar.finish();

  await cleanUp(ctx, client, prefix);
  const verdict = perfVerdict(stats, load.limitPerSecond);
  ctx.io.stdout(verdict.text);
  return verdict.ok ? 0 : ExitCode.Error;
}

/**
 * process_resident_memory_bytes of a member, read as etcdctl reads it: the first line starting with the
 * name, from http://<endpoint>/metrics. 0 after printing why when it cannot be read.
 */
async function residentMemoryBytes(ctx: CommandContext, endpoint: string): Promise<number> {
  const base = /^https?:\/\//.test(endpoint) ? endpoint : `http://${endpoint}`;
  const url = `${base.replace(/\/+$/, "")}/metrics`;
  let text: string;
  try {
    // etcdctl reads plain http only; an https endpoint is read here with the command line's TLS material.
    const tls = url.startsWith("https://") ? tlsFetchInit(tlsOf(ctx.globals)) : {};
    const response = await fetch(url, { signal: AbortSignal.timeout(METRICS_TIMEOUT_MS), ...tls } as RequestInit);
    text = await response.text();
  } catch (error) {
    ctx.io.stdout(`fetch error: ${errorText(error)}\n`);
    return 0;
  }
  const line = text.split("\n").find((l) => l.startsWith(RESIDENT_MEMORY));
  if (line === undefined) {
    ctx.io.stdout(`could not find: ${RESIDENT_MEMORY}\n`);
    return 0;
  }
  const value = Number(line.slice(RESIDENT_MEMORY.length).trim());
  if (!Number.isFinite(value)) {
    ctx.io.stdout(`parse error: cannot parse ${JSON.stringify(line)}\n`);
    return 0;
  }
  return value;
}

function memoryFailure(ctx: CommandContext, when: "before" | "after"): number {
  ctx.io.stdout(`FAIL: Could not read process_resident_memory_bytes ${when} the put operations.\n`);
  return ExitCode.Error;
}

async function runDatascale(ctx: CommandContext): Promise<number> {
  const load = DATASCALE_LOADS[modelOf(ctx)]!;
  printOptionsFrom(ctx.globals);
  const prefix = flagString(ctx.flags, "prefix");
  const count = envInt(ctx, "TSETCD_CHECK_DATASCALE_LIMIT") ?? load.limit;
  const client = clientWithTimeout(ctx.globals, CLEANUP_TIMEOUT_MS);
  const firstEndpoint = ctx.globals.endpoints[0] ?? "127.0.0.1:2379";
  await requireEmptyPrefix(client, prefix);

  const before = await residentMemoryBytes(ctx, firstEndpoint);
  if (before === 0) return memoryFailure(ctx, "before");
  ctx.io.stdout(
    `Start data scale check for work load [${load.limit} key-value pairs, ${load.kvSizeBytes} bytes per key-value, ` +
      `${load.clients} concurrent clients].\n`,
  );
  const prefixBytes = new TextEncoder().encode(prefix);
  const report = new LatencyReport();
  const bar = new ProgressBar(count, ctx.io.stdout, ctx.io.stdoutIsTty);
  const startMs = performance.now();
  await runLoad({
    clients: load.clients,
    count,
    nextKey: () => checkKey(prefixBytes, DATASCALE_KEY_BYTES, Math.random),
    put: async (key) => void await client.put(key, DATASCALE_VALUE),
    report,
    onResult: () => bar.add(1),
  });
  bar.finish();
  const stats = report.stats(Math.max(1e-9, (performance.now() - startMs) / 1000));

  const after = await residentMemoryBytes(ctx, firstEndpoint);
  if (after === 0) return memoryFailure(ctx, "after");
  await cleanUp(ctx, client, prefix);
  const verdict = datascaleVerdict(stats, before, after);
  ctx.io.stdout(verdict.text);
  return verdict.ok ? 0 : ExitCode.Error;
}

const AUTO_FLAGS: FlagSpec[] = [
  { name: "auto-compact", kind: "bool", defaultText: "false", description: "Compact storage with last revision after test is finished." },
  { name: "auto-defrag", kind: "bool", defaultText: "false", description: "Defragment storage after test is finished." },
];

/** `check perf`. */
export const CHECK_PERF_COMMAND: CommandSpec = {
  path: ["check", "perf"],
  use: "check perf [options]",
  short: "Check the performance of the etcd cluster",
  examples: ["tsetcd check perf", "tsetcd check perf --load=m --auto-compact --auto-defrag"],
  flags: [
    ...AUTO_FLAGS,
    {
      name: "load",
      kind: "string",
      defaultText: '"s"',
      description: "The performance check's workload model. Accepted workloads: s(small), m(medium), l(large), xl(xLarge)",
    },
    { name: "prefix", kind: "string", defaultText: '"/etcdctl-check-perf/"', description: "The prefix for writing the performance check's keys." },
  ],
  run: runPerf,
};

/** `check datascale`. */
export const CHECK_DATASCALE_COMMAND: CommandSpec = {
  path: ["check", "datascale"],
  use: "check datascale [options]",
  short: "Check the memory usage of holding data for different workloads on a given server endpoint.",
  long: "If no endpoint is provided, localhost will be used. If multiple endpoints are provided, first endpoint will be used.",
  examples: ["tsetcd check datascale", "tsetcd check datascale --load=m --auto-compact --auto-defrag"],
  flags: [
    ...AUTO_FLAGS,
    {
      name: "load",
      kind: "string",
      defaultText: '"s"',
      description: "The datascale check's workload model. Accepted workloads: s(small), m(medium), l(large), xl(xLarge)",
    },
    { name: "prefix", kind: "string", defaultText: '"/etcdctl-check-datascale/"', description: "The prefix for writing the datascale check's keys." },
  ],
  run: runDatascale,
};

/** Both check commands, in help order. */
export const CHECK_COMMANDS: CommandSpec[] = [CHECK_DATASCALE_COMMAND, CHECK_PERF_COMMAND];
