/**
 * The server's one logger: etcd's `--logger zap` JSON lines (`level`, `ts`, `caller` when given, `msg`, then
 * the fields) or capnslog-style text lines (etcd 3.4's default, for people reading a terminal), filtered by
 * `--log-level` and written to each of `--log-outputs` (stderr, stdout, default = stderr, or a file path,
 * appended to). Lines are written synchronously, so they are in order and none is lost on exit; stderr and
 * stdout through console.error and console.log, so whatever captures those (tests do) sees every line.
 *
 * The process has one current logger (`logger()`); `tsetcd server` replaces it from its flags with
 * `configureLogger`, a library user or a test may too.
 * @module
 */
import { closeSync, openSync, writeSync } from "node:fs";

/** etcd's levels, least severe first. */
export const LOG_LEVELS = ["debug", "info", "warn", "error", "panic", "fatal"] as const;
/** One of etcd's levels. */
export type LogLevel = typeof LOG_LEVELS[number];

/** Extra key/values of a line (zap's fields). */
export type LogFields = Record<string, unknown>;

/** How the logger writes. */
export interface LoggerOptions {
  /** "zap": JSON lines; "capnslog": text lines. */
  format?: "zap" | "capnslog";
  /** Lines below this level are dropped (default info). */
  level?: LogLevel;
  /** "stderr", "stdout", "default" (stderr) or file paths (default ["default"]). */
  outputs?: string[];
}

/** Bound on the outputs one logger writes to. */
const MAX_OUTPUTS = 16;

/** capnslog's one-letter level tags. */
const TEXT_TAGS: Record<LogLevel, string> = { debug: "D", info: "I", warn: "W", error: "E", panic: "P", fatal: "C" };

/** A leveled logger writing to fixed outputs. */
export class Logger {
  readonly format: "zap" | "capnslog";
  readonly #minRank: number;
  /** Where lines go: "stderr", "stdout", or a file descriptor this logger opened. */
  readonly #sinks: ("stderr" | "stdout" | number)[];
  readonly #owned: number[];

  constructor(options: LoggerOptions = {}) {
    this.format = options.format ?? "capnslog";
    this.#minRank = LOG_LEVELS.indexOf(options.level ?? "info");
    if (this.#minRank < 0) throw new Error(`unknown log level ${JSON.stringify(options.level)}`);
    const outputs = options.outputs ?? ["default"];
    if (outputs.length === 0 || outputs.length > MAX_OUTPUTS) throw new Error(`--log-outputs: 1..${MAX_OUTPUTS} outputs`);
    this.#sinks = [];
    this.#owned = [];
    for (const output of outputs) {
      if (output === "default" || output === "stderr") this.#sinks.push("stderr");
      else if (output === "stdout") this.#sinks.push("stdout");
      else {
        const fd = openSync(output, "a");
        this.#sinks.push(fd);
        this.#owned.push(fd);
      }
    }
  }

  /** True when a line at `level` would be written (to skip building costly fields). */
  enabled(level: LogLevel): boolean {
    return LOG_LEVELS.indexOf(level) >= this.#minRank;
  }

  debug(msg: string, fields?: LogFields): void {
    this.write("debug", msg, fields);
  }

  info(msg: string, fields?: LogFields): void {
    this.write("info", msg, fields);
  }

  warn(msg: string, fields?: LogFields): void {
    this.write("warn", msg, fields);
  }

  error(msg: string, fields?: LogFields): void {
    this.write("error", msg, fields);
  }

  /** Writes one line at `level` if it passes the filter. */
  write(level: LogLevel, msg: string, fields?: LogFields): void {
    if (!this.enabled(level)) return;
    const line = this.format === "zap" ? zapLine(level, msg, fields) : textLine(level, msg, fields);
    for (const sink of this.#sinks) {
      try {
        if (sink === "stderr") console.error(line.slice(0, -1));
        else if (sink === "stdout") console.log(line.slice(0, -1));
        else writeSync(sink, line);
      } catch {
        // A closed stderr or a full disk must not take the member down with it.
      }
    }
  }

  /** Closes the files this logger opened. */
  close(): void {
    for (const fd of this.#owned.splice(0)) closeSync(fd);
  }
}

/** zap's JSON encoder with etcd's keys: level, ts (ISO 8601), caller (from fields, when given), msg, fields. */
export function zapLine(level: LogLevel, msg: string, fields: LogFields = {}, now: Date = new Date()): string {
  const { caller, ...rest } = fields;
  const head: LogFields = { level, ts: now.toISOString() };
  if (caller !== undefined) head.caller = caller;
  head.msg = msg;
  return `${JSON.stringify({ ...head, ...rest }, jsonSafe)}\n`;
}

/** capnslog's layout, "tsetcd" as the package: `2026-12-07 23:05:01.123456 I | tsetcd: msg key=value`. */
export function textLine(level: LogLevel, msg: string, fields: LogFields = {}, now: Date = new Date()): string {
  const iso = now.toISOString(); // 2026-12-07T23:05:01.123Z
  const stamp = `${iso.slice(0, 10)} ${iso.slice(11, 23)}000`;
  let line = `${stamp} ${TEXT_TAGS[level]} | tsetcd: ${msg}`;
  for (const [key, value] of Object.entries(fields)) line += ` ${key}=${typeof value === "string" ? value : JSON.stringify(value, jsonSafe)}`;
  return `${line}\n`;
}

/** BigInts (member IDs) as decimal strings, errors as their message. */
function jsonSafe(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Error) return value.message;
  return value;
}

let current = new Logger();

/** The process' current logger. */
export function logger(): Logger {
  return current;
}

/** Replaces the process' logger (closing the files of the one before); returns the new one. */
export function configureLogger(options: LoggerOptions): Logger {
  const next = new Logger(options);
  const previous = current;
  current = next;
  previous.close();
  return next;
}
