/**
 * What every client subcommand shares: its declaration (CommandSpec), the I/O it may use (Io, injected so
 * tests can run commands in-process), the global settings, and the etcdctl steps common to all of them
 * (choosing the printer, opening the client, turning errors into exit codes).
 * @module
 */
import { type Client, connect } from "../src/client/mod.ts";
import { EtcdError } from "../src/codec/errors.ts";
import { CliError, ExitCode } from "./errors.ts";
import { type FlagSpec, type FlagValues, flagBool, flagDurationMs, flagList, flagString } from "./flags.ts";
import { OUTPUT_FORMATS, type OutputFormat, type Printed, type PrintOptions } from "./printer.ts";

/** The process surroundings a command may touch. */
export interface Io {
  stdout(text: string): void;
  /** Raw bytes to stdout (protobuf output). */
  stdoutBytes(bytes: Uint8Array): void;
  stderr(text: string): void;
  /** Everything on standard input, read to EOF (only called when a command needs it). */
  readStdin(): Uint8Array;
  /** The next newline-terminated line of standard input without its "\n"; undefined at EOF. */
  readStdinLine(): string | undefined;
  env: Record<string, string | undefined>;
  stdoutIsTty: boolean;
}

/** The root flags every command sees. */
export interface Globals {
  endpoints: string[];
  dialTimeoutMs: number;
  commandTimeoutMs: number;
  writeOut: string;
  hex: boolean;
}

/** A parsed invocation of one command. */
export interface CommandContext {
  io: Io;
  args: string[];
  flags: FlagValues;
  globals: Globals;
}

/** One subcommand: how it is called, documented and run. */
export interface CommandSpec {
  /** Command words, e.g. ["endpoint", "status"]. */
  path: string[];
  /** Usage line after the program name, e.g. "get [options] <key> [range_end]". */
  use: string;
  short: string;
  long?: string;
  examples: string[];
  flags: FlagSpec[];
  /** Resolves to the exit code; throws CliError or EtcdError to fail. */
  run(ctx: CommandContext): Promise<number>;
}

/** Reads the global flags out of a parsed command line. */
export function globalsFrom(flags: FlagValues): Globals {
  return {
    endpoints: flagList(flags, "endpoints"),
    dialTimeoutMs: flagDurationMs(flags, "dial-timeout"),
    commandTimeoutMs: flagDurationMs(flags, "command-timeout"),
    writeOut: flagString(flags, "write-out"),
    hex: flagBool(flags, "hex"),
  };
}

/** etcdctl's display selection: an unknown `-w` ends the command before any request. */
export function printOptionsFrom(globals: Globals): PrintOptions {
  if (!(OUTPUT_FORMATS as readonly string[]).includes(globals.writeOut)) {
    throw new CliError(ExitCode.BadFeature, "unsupported output format");
  }
  return { format: globals.writeOut as OutputFormat, hex: globals.hex };
}

/** Opens the client the way etcdctl's mustClientFromCmd does (display checked first). */
export function clientFrom(globals: Globals, endpoints: string[] = globals.endpoints): Client {
  // etcdctl dials with zero endpoints and then times out; a client needs at least one to try.
  const list = endpoints.length === 0 ? ["127.0.0.1:2379"] : endpoints;
  return connect({
    endpoints: list,
    dialTimeoutMs: globals.dialTimeoutMs > 0 ? globals.dialTimeoutMs : 2_000,
    commandTimeoutMs: globals.commandTimeoutMs > 0 ? globals.commandTimeoutMs : 5_000,
  });
}

/** Writes a printer's output. */
export function emit(io: Io, printed: Printed): void {
  if (printed.stdout !== "") io.stdout(printed.stdout);
  if (printed.stdoutBytes !== undefined && printed.stdoutBytes.length > 0) io.stdoutBytes(printed.stdoutBytes);
  if (printed.stderr !== "") io.stderr(printed.stderr);
}

/** An etcd error from the server or client as etcdctl reports it: `Error: <message>`, exit 1. */
export function asCliError(error: unknown): CliError | undefined {
  if (error instanceof CliError) return error;
  if (error instanceof EtcdError) return new CliError(ExitCode.Error, error.message);
  return undefined;
}
