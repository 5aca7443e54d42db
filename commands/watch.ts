/**
 * `tsetcd watch [options] [key or prefix] [range_end] [--] [exec-command arg1 arg2 ...]`: prints events as
 * they happen, as etcdctl 3.4 watch — optionally running a command per event with ETCD_WATCH_REVISION,
 * ETCD_WATCH_EVENT_TYPE, ETCD_WATCH_KEY and ETCD_WATCH_VALUE set, or reading `watch …` / `progress` lines
 * from stdin with `-i`. It ends only when the server cancels the watch (exit 5) or the process is stopped.
 * @module
 */
import { spawnSync } from "node:child_process";
import { createInterface } from "node:readline";
import { createRequestOf, type WatchCanceledError, WatchControl, watchResponses, type WatchTarget } from "../src/client/watch.ts";
import { EtcdError } from "../src/codec/errors.ts";
import type { WatchCreateRequest, WatchResponse } from "../src/codec/messages.ts";
import { clientFrom, type CommandContext, type CommandSpec, type Io, printOptionsFrom } from "./command.ts";
import { CliError, ExitCode } from "./errors.ts";
import { type FlagSpec, flagBool, flagInt, parseCommandLine } from "./flags.ts";
import type { PrintOptions } from "./printer.ts";
import { argify } from "./txn_parse.ts";
import {
  displayWatch,
  eventEnv,
  goQuoteList,
  isProgressNotify,
  parseInteractiveWatchArgs,
  parseWatchArgs,
  WATCH_ERRORS,
} from "./watch_print.ts";

/** watch's flags, as etcdctl 3.4 declares them. */
export const WATCH_FLAGS: FlagSpec[] = [
  { name: "interactive", short: "i", kind: "bool", defaultText: "false", description: "Interactive mode" },
  { name: "prefix", kind: "bool", defaultText: "false", description: "Watch on a prefix if prefix is set" },
  { name: "prev-kv", kind: "bool", defaultText: "false", description: "get the previous key-value pair before the event happens" },
  { name: "rev", kind: "int", defaultText: "0", description: "Revision to start watching" },
];

/** What a command run per event reports: its exit status, or why it could not run. */
export interface ExecResult {
  status: number | null;
  signal?: string | null;
  error?: string;
}

/** The process surroundings watch needs beyond Io (injected by tests). */
export interface WatchDeps {
  /** argv after the program, as os.Args: where `--` was typed. */
  argv: string[];
  /** Lines of standard input, read without blocking the event loop (interactive mode). */
  lines(): AsyncIterable<string>;
  /** Runs one command with extra environment, its output going to ours; waits for it. */
  exec(args: string[], env: Record<string, string>): ExecResult;
  /** Ends every watch (tests); the process's watch runs until it is stopped. */
  signal?: AbortSignal;
}

interface WatchSettings {
  prefix: boolean;
  prevKv: boolean;
  rev: number;
}

/** Runs the watch command with `deps`; resolves to the exit code. */
export async function runWatch(ctx: CommandContext, deps: WatchDeps): Promise<number> {
  const envKey = ctx.io.env.ETCDCTL_WATCH_KEY ?? "";
  const envRange = ctx.io.env.ETCDCTL_WATCH_RANGE_END ?? "";
  if (envKey === "" && envRange !== "") {
    throw new CliError(ExitCode.BadArgs, `ETCDCTL_WATCH_KEY is empty but got ETCDCTL_WATCH_RANGE_END=${JSON.stringify(envRange)}`);
  }
  const options = printOptionsFrom(ctx.globals);
  // The client's endpoints and TLS: watch streams dial exactly as every other call (etcdctl's mustClientFromCmd).
  if (flagBool(ctx.flags, "interactive")) {
    return await interactive(ctx, deps, clientFrom(ctx.globals), options, { envKey, envRange });
  }
  const watchWord = deps.argv.indexOf("watch");
  const rawArgs = watchWord >= 0 ? deps.argv.slice(watchWord + 1) : ctx.args;
  const { watchArgs, execArgs } = parseWatchArgs(rawArgs, ctx.args, envKey, envRange);
  const settings = { prefix: flagBool(ctx.flags, "prefix"), prevKv: flagBool(ctx.flags, "prev-kv"), rev: flagInt(ctx.flags, "rev") };
  const request = createRequest(watchArgs, settings);
  const target: WatchTarget = clientFrom(ctx.globals);
  await printWatch(ctx.io, deps, target, request, options, execArgs, undefined);
  throw new CliError(ExitCode.Interrupted, "watch is canceled by the server");
}

/** etcdctl's getWatchChan: the create request of a key, an optional range end and the flags. */
function createRequest(args: string[], settings: WatchSettings): WatchCreateRequest {
  if (args.length < 1) throw new CliError(ExitCode.BadArgs, WATCH_ERRORS.badArgsNum);
  if (args.length === 2 && settings.prefix) throw new CliError(ExitCode.BadArgs, WATCH_ERRORS.prefixAndRange);
  const request = createRequestOf(args[0]!, {
    prefix: settings.prefix,
    rangeEnd: args.length === 2 ? args[1] : undefined,
    prevKv: settings.prevKv,
    startRevision: settings.rev,
  });
  return request;
}

/** etcdctl's printWatchCh: display each response, run the command per event; returns when canceled. */
async function printWatch(
  io: Io,
  deps: WatchDeps,
  target: WatchTarget,
  request: WatchCreateRequest,
  options: PrintOptions,
  execArgs: string[],
  control: WatchControl | undefined,
): Promise<void> {
  try {
    for await (const resp of watchResponses(target, request, { control, signal: deps.signal })) {
      if (isProgressNotify(resp)) io.stdout(`progress notify: ${resp.header.revision}\n`);
      display(io, resp, options);
      if (execArgs.length > 0) runPerEvent(deps, resp, execArgs);
    }
  } catch (error) {
    const canceled = error as WatchCanceledError;
    if (!(error instanceof EtcdError) || canceled.response === undefined) throw error;
    io.stderr(`watch was canceled (${error.message})\n`);
    display(io, canceled.response, options);
  }
}

function display(io: Io, resp: WatchResponse, options: PrintOptions): void {
  const shown = displayWatch(resp, options);
  if (typeof shown === "string") {
    if (shown !== "") io.stdout(shown);
  } else io.stdoutBytes(shown);
}

function runPerEvent(deps: WatchDeps, resp: WatchResponse, execArgs: string[]): void {
  for (const event of resp.events) {
    const result = deps.exec(execArgs, eventEnv(resp, event));
    const why = result.error ?? (result.signal ? `signal: ${signalName(result.signal)}` : result.status !== 0 ? `exit status ${result.status}` : undefined);
    if (why !== undefined) throw new CliError(ExitCode.Error, `command ${goQuoteList(execArgs)} error (${why})\n`, { raw: true });
  }
}

/** Go's names for the usual signals ("signal: killed"). */
function signalName(signal: string): string {
  const names: Record<string, string> = { SIGKILL: "killed", SIGTERM: "terminated", SIGINT: "interrupt", SIGSEGV: "segmentation fault", SIGPIPE: "broken pipe", SIGABRT: "aborted", SIGHUP: "hangup" };
  return names[signal] ?? signal;
}

/** `watch -i`: `watch …` lines start watches, `progress` asks every watch for a progress notification. */
async function interactive(
  ctx: CommandContext,
  deps: WatchDeps,
  target: WatchTarget,
  options: PrintOptions,
  env: { envKey: string; envRange: string },
): Promise<number> {
  const controls: WatchControl[] = [];
  // A watch that fails (its command failed) ends the process at once, as etcdctl's os.Exit does.
  let fail!: (error: unknown) => void;
  const failed = new Promise<never>((_resolve, reject) => (fail = reject));
  const lines = deps.lines()[Symbol.asyncIterator]();
  // Bounded by standard input: each turn consumes one line.
  for (;;) {
    const next = await Promise.race([lines.next(), failed]);
    if (next.done === true) break;
    const line = next.value;
    const words = argify(line);
    if (words.length < 1) {
      ctx.io.stderr(`Invalid command: ${line} (watch and progress supported)\n`);
      continue;
    }
    if (words[0] === "progress") {
      for (const control of controls) control.requestProgress();
      continue;
    }
    if (words[0] !== "watch") {
      ctx.io.stderr(`Invalid command ${line} (only support watch)\n`);
      continue;
    }
    if (words.length < 2 && env.envKey === "") {
      ctx.io.stderr(`Invalid command ${line} (command type or key is not provided)\n`);
      continue;
    }
    const parsed = parseLine(words.slice(1), env);
    let request: WatchCreateRequest;
    try {
      request = createRequest(parsed.args.watchArgs, parsed.settings);
    } catch (error) {
      ctx.io.stderr(`Invalid command ${line} (${(error as Error).message})\n`);
      continue;
    }
    const control = new WatchControl();
    controls.push(control);
    void printWatch(ctx.io, deps, target, request, options, parsed.args.execArgs, control).catch(fail);
  }
  throw new CliError(ExitCode.InvalidInput, "Error reading watch request line: EOF");
}

/** One interactive line after "watch": its own flags (a fresh flag set, as etcdctl) and arguments. */
function parseLine(words: string[], env: { envKey: string; envRange: string }): { args: { watchArgs: string[]; execArgs: string[] }; settings: WatchSettings } {
  const parsedFlags = (() => {
    try {
      return parseCommandLine(words, WATCH_FLAGS, {});
    } catch (error) {
      throw new CliError(ExitCode.BadArgs, (error as Error).message);
    }
  })();
  const args = parseInteractiveWatchArgs(words, parsedFlags.args, env.envKey, env.envRange);
  const settings = {
    prefix: flagBool(parsedFlags.flags, "prefix"),
    prevKv: flagBool(parsedFlags.flags, "prev-kv"),
    rev: flagInt(parsedFlags.flags, "rev"),
  };
  return { args, settings };
}

/** The real process: argv, stdin lines, commands run with inherited output. */
export function processWatchDeps(): WatchDeps {
  return {
    argv: process.argv.slice(2),
    lines: () => createInterface({ input: process.stdin, crlfDelay: Infinity, terminal: false }),
    exec: (args, env) => {
      const result = spawnSync(args[0]!, args.slice(1), { stdio: "inherit", env: { ...process.env, ...env } });
      if (result.error !== undefined) {
        const code = (result.error as NodeJS.ErrnoException).code;
        const message = code === "ENOENT" ? `exec: ${JSON.stringify(args[0])}: executable file not found in $PATH` : result.error.message;
        return { status: null, error: message };
      }
      return { status: result.status, signal: result.signal };
    },
  };
}

/** The watch command. */
export const WATCH_COMMAND: CommandSpec = {
  path: ["watch"],
  use: "watch [options] [key or prefix] [range_end] [--] [exec-command arg1 arg2 ...]",
  short: "Watches events stream on keys or prefixes",
  examples: [
    "tsetcd watch greeting",
    "tsetcd watch app/ --prefix --prev-kv",
    "tsetcd watch app/ --prefix --rev 42 -w json",
    "tsetcd watch config -- sh -c 'echo $ETCD_WATCH_EVENT_TYPE $ETCD_WATCH_KEY'",
    "tsetcd watch -i",
  ],
  flags: WATCH_FLAGS,
  run: (ctx) => runWatch(ctx, processWatchDeps()),
};
