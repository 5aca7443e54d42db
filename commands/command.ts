/**
 * What every client subcommand shares: its declaration (CommandSpec), the I/O it may use (Io, injected so
 * tests can run commands in-process), the global settings, and the etcdctl steps common to all of them
 * (choosing the printer, opening the client, turning errors into exit codes).
 * @module
 */
import { type Client, connect, type ConnectOptions } from "../src/client/mod.ts";
import { EtcdError } from "../src/codec/errors.ts";
import { AuthenticationError, type Credentials } from "../src/client/token.ts";
import { credentialsFrom } from "./auth_input.ts";
import { CliError, ExitCode } from "./errors.ts";
import { type FlagSpec, type FlagValues, flagBool, flagDurationMs, flagList, flagString } from "./flags.ts";
import { OUTPUT_FORMATS, type OutputFormat, type Printed, type PrintOptions } from "./printer.ts";
import type { TlsClientMaterial } from "../src/tls/material.ts";
import { checkTlsFlags, type TlsFlags, tlsMaterialFrom } from "./tls.ts";

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
  /** --command-timeout was typed: `snapshot save` has no deadline otherwise, as etcdctl's. */
  commandTimeoutGiven: boolean;
  writeOut: string;
  hex: boolean;
  /** --cacert, --cert, --key, --insecure-skip-tls-verify, --insecure-transport: one setting for every dial. */
  tls: TlsFlags;
  /** --user name[:password] and --password (commands/auth_input.ts reads them as etcdctl). */
  user: string;
  password: string;
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

/**
 * Reads the global flags out of a parsed command line; `explicit` names the flags typed on it (an empty
 * `--cert=` there is an error, an empty ETCDCTL_CERT is not).
 */
export function globalsFrom(flags: FlagValues, explicit: ReadonlySet<string> = new Set()): Globals {
  return {
    endpoints: flagList(flags, "endpoints"),
    dialTimeoutMs: flagDurationMs(flags, "dial-timeout"),
    commandTimeoutMs: flagDurationMs(flags, "command-timeout"),
    commandTimeoutGiven: explicit.has("command-timeout"),
    writeOut: flagString(flags, "write-out"),
    hex: flagBool(flags, "hex"),
    tls: tlsFlagsFrom(flags, explicit),
    user: flagString(flags, "user"),
    password: flagString(flags, "password"),
  };
}

function tlsFlagsFrom(flags: FlagValues, explicit: ReadonlySet<string>): TlsFlags {
  const files = { cert: flagString(flags, "cert"), key: flagString(flags, "key"), cacert: flagString(flags, "cacert") };
  const names = ["cert", "key", "cacert"] as const;
  return {
    certFile: files.cert,
    keyFile: files.key,
    caFile: files.cacert,
    insecureTransport: flagBool(flags, "insecure-transport"),
    insecureSkipVerify: flagBool(flags, "insecure-skip-tls-verify"),
    emptyGiven: names.filter((name) => explicit.has(name) && files[name] === ""),
  };
}

/**
 * etcdctl's clientConfigFromCmd checks, before any request: empty TLS file flags, then the `--user`
 * password prompt, then the display (an unknown `-w`). The files themselves are read when the first
 * client is made, as etcdctl's mustClient.
 */
export function printOptionsFrom(globals: Globals): PrintOptions {
  checkTlsFlags(globals.tls);
  credentialsOf(globals); // etcdctl asks for a --user's password here, before it looks at -w
  if (!(OUTPUT_FORMATS as readonly string[]).includes(globals.writeOut)) {
    throw new CliError(ExitCode.BadFeature, "unsupported output format");
  }
  return { format: globals.writeOut as OutputFormat, hex: globals.hex };
}

/** Material read per TlsFlags: every client of one command (--cluster, lock, elect…) shares one read. */
const MATERIAL_READ = new WeakMap<TlsFlags, { material: TlsClientMaterial | undefined }>();

/**
 * The TLS material of the command line (undefined: none asked for), read from the files on first use only.
 * Throws CliError(128) with etcdctl's message when a file is missing, unreadable or not a usable pair.
 */
export function tlsOf(globals: Globals): TlsClientMaterial | undefined {
  const cached = MATERIAL_READ.get(globals.tls);
  if (cached !== undefined) return cached.material;
  const material = tlsMaterialFrom(globals.tls);
  MATERIAL_READ.set(globals.tls, { material });
  return material;
}

/** Credentials per Globals: a prompted password is asked once however many clients a command opens. */
const CREDENTIALS_READ = new WeakMap<Globals, { credentials: Credentials | undefined }>();

/** The command line's credentials (asking "Password: " for a bare `--user name`), read on first use only. */
export function credentialsOf(globals: Globals): Credentials | undefined {
  const cached = CREDENTIALS_READ.get(globals);
  if (cached !== undefined) return cached.credentials;
  const credentials = credentialsFrom(globals.user, globals.password, {});
  CREDENTIALS_READ.set(globals, { credentials });
  return credentials;
}

/**
 * Opens the client the way etcdctl's mustClientFromCmd does (display checked first). Every client a command
 * opens comes from here, so every dial (other endpoints, member URLs, watch streams) carries the same TLS.
 */
export function clientFrom(globals: Globals, endpoints: string[] = globals.endpoints): Client {
  // etcdctl dials with zero endpoints and then times out; a client needs at least one to try.
  const list = endpoints.length === 0 ? ["127.0.0.1:2379"] : endpoints;
  const options: ConnectOptions = {
    endpoints: list,
    dialTimeoutMs: globals.dialTimeoutMs > 0 ? globals.dialTimeoutMs : 2_000,
    commandTimeoutMs: globals.commandTimeoutMs > 0 ? globals.commandTimeoutMs : 5_000,
  };
  const tls = tlsOf(globals);
  if (tls !== undefined) options.tls = tls;
  const credentials = credentialsOf(globals);
  if (credentials !== undefined) {
    options.username = credentials.username;
    options.password = credentials.password;
  }
  return connect(options);
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
  // etcdctl authenticates while dialling, so a refused user name or password is a failed connection.
  if (error instanceof AuthenticationError) return new CliError(ExitCode.BadConnection, error.message);
  if (error instanceof EtcdError) return new CliError(ExitCode.Error, error.message);
  return undefined;
}
