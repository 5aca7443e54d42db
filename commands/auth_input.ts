/**
 * Where the auth commands get secrets from, as etcdctl 3.4 does: `--user name[:password]` and
 * `--password`, a password prompt with echo off (speakeasy's way: `stty -echo`, one line, `stty echo`),
 * and `--interactive=false`'s single word read from stdin (Go's `fmt.Scanf("%s")`).
 *
 * Prompts talk to the process's own stdin and terminal, as speakeasy does: the prompt text goes through
 * Io.stdout (synchronous, so it appears before the read), the input is read byte by byte from fd 0 so
 * nothing past the line is consumed (a later prompt reads the next line).
 * @module
 */
import { spawnSyncNamed } from "../src/runtime/spawn_named.ts";
import { readSync, writeSync } from "node:fs";
import type { Credentials } from "../src/client/token.ts";
import { CliError, ExitCode } from "./errors.ts";

/** Longest line or word read from stdin; a password is far shorter. */
const MAX_INPUT_BYTES = 64 * 1024;
const NEWLINE = 0x0a;
/** Bound on EAGAIN retries of one byte from a non-blocking stdin (1 ms apart). */
const MAX_EAGAIN_RETRIES = 60_000;

/** One byte from stdin; undefined at EOF (or when stdin is closed or unreadable). */
export type ReadByte = () => number | undefined;

/** Reads fd 0 one byte at a time (EAGAIN from a non-blocking pipe is retried, within a bound). */
export function stdinByte(): number | undefined {
  const byte = new Uint8Array(1);
  for (let tries = 0; tries < MAX_EAGAIN_RETRIES; tries++) {
    try {
      return readSync(0, byte, 0, 1, null) === 0 ? undefined : byte[0];
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EAGAIN") return undefined;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
    }
  }
  return undefined;
}

/** Runs `stty <arg>` on our stdin/stdout/stderr, as speakeasy does (its complaint on a pipe included). */
function stty(arg: string): void {
  spawnSyncNamed("stty", [arg], { stdio: "inherit" });
}

/** The bytes up to "\n" or EOF (a last line without "\n" counts, as speakeasy reads it). */
function readLine(readByte: ReadByte): string {
  const bytes: number[] = [];
  while (bytes.length < MAX_INPUT_BYTES) {
    const byte = readByte();
    if (byte === undefined || byte === NEWLINE) break;
    bytes.push(byte);
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

/** Where prompts are written and input read; the real terminal unless a test says otherwise. */
export interface PromptIo {
  /** Default: written straight to fd 1, as speakeasy writes to os.Stdout. */
  stdout?: (text: string) => void;
  readByte?: ReadByte;
  /** Turns terminal echo off and on (default: stty). */
  echo?: (on: boolean) => void;
}

/**
 * speakeasy.Ask: prints `prompt`, reads one line with echo off, prints a newline; the answer trimmed of
 * white space. EOF gives what was read so far (at once: an empty password).
 */
export function askSecret(io: PromptIo, prompt: string): string {
  const echo = io.echo ?? ((on: boolean) => stty(on ? "echo" : "-echo"));
  const stdout = io.stdout ?? ((text: string) => void writeSync(1, text));
  stdout(prompt);
  echo(false);
  try {
    return readLine(io.readByte ?? stdinByte).trim();
  } finally {
    echo(true);
    stdout("\n");
  }
}

/** Go's unicode.IsSpace over single bytes, minus "\n", which Scanf treats apart. */
function isBlank(byte: number): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0b || byte === 0x0c || byte === 0x0d;
}

/**
 * fmt.Scanf("%s") on stdin: skips blanks, then one word up to white space or EOF. A newline or EOF before
 * any word gives "" (Scanf's "unexpected newline", which etcdctl ignores).
 */
export function scanWord(readByte: ReadByte = stdinByte): string {
  const bytes: number[] = [];
  for (let count = 0; count < MAX_INPUT_BYTES; count++) {
    const byte = readByte();
    if (byte === undefined || byte === NEWLINE) break;
    if (isBlank(byte)) {
      if (bytes.length > 0) break;
      continue;
    }
    bytes.push(byte);
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

/**
 * etcdctl's readPasswordInteractive for `user add` and `user passwd`: asks twice; an empty first answer or
 * two different answers end the command with exit code 128.
 */
export function askNewPassword(io: PromptIo, name: string): string {
  const first = askSecret(io, `Password of ${name}: `);
  if (first === "") throw new CliError(ExitCode.BadArgs, "empty password");
  const second = askSecret(io, `Type password of ${name} again for confirmation: `);
  if (first !== second) throw new CliError(ExitCode.BadArgs, "given passwords are different");
  return first;
}

/**
 * etcdctl's authCfgFromCmd: no `--user`, no credentials. With `--password`, `--user` is the whole name;
 * otherwise `name:password` splits at the first colon, and a bare name asks "Password: ".
 * Credentials with an empty name or password are returned as given: the client then sends no token
 * (clientv3 authenticates only when both are set), so the server answers "user name is empty".
 */
export function credentialsFrom(user: string, password: string, io: PromptIo): Credentials | undefined {
  if (user === "") return undefined;
  if (password !== "") return { username: user, password };
  const colon = user.indexOf(":");
  if (colon >= 0) return { username: user.slice(0, colon), password: user.slice(colon + 1) };
  return { username: user, password: askSecret(io, "Password: ") };
}
