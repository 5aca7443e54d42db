/**
 * etcdctl's `txn` stdin grammar (txn_command.go): three blank-line-terminated sections — compares,
 * success requests, failure requests. A compare is `<target>("<key>") <op> "<value>"` with target
 * ver|version, c|create, m|mod, val|value or lease and op one of = != < >; a request is a `get`, `put`
 * or `del` command line with its flags. Errors and exit codes follow etcdctl 3.4, quirks included.
 * Pure: the caller passes the whole input.
 * @module
 */
import {
  type Compare,
  CompareResult,
  CompareTarget,
  type RequestOp,
  type TxnRequest,
} from "../src/codec/messages.ts";
import { CliError, ExitCode } from "./errors.ts";
import { goQuote, utf8 } from "./format.ts";
import {
  cobraSubcommandUsage,
  DEL_FLAGS,
  DEL_USE,
  type FlagSpec,
  GET_FLAGS,
  GET_USE,
  PUT_FLAGS,
  PUT_USE,
} from "./specs.ts";
import {
  DEL_DEFAULTS,
  deleteRequestFromArgs,
  GET_DEFAULTS,
  parseGoInt,
  PUT_DEFAULTS,
  putRequestFromArgs,
  rangeRequestFromArgs,
} from "./requests.ts";

/** Prompts `txn -i` prints before each section. */
export const TXN_PROMPTS = [
  "compares:",
  "success requests (get, put, del):",
  "failure requests (get, put, del):",
] as const;

/** A Go panic in etcdctl: exit code 2 and `panic: <message>` on stderr. */
function goPanic(message: string): CliError {
  return new CliError(ExitCode.BadConnection, `panic: ${message}\n`, { raw: true });
}

const SIMPLE_ESCAPES: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, "\\": 92, '"': 34, "'": 39 };

/** Go's strconv.Unquote of a double-quoted literal (quotes included); undefined when malformed. */
export function goUnquote(literal: string): Uint8Array | undefined {
  if (literal.length < 2 || literal[0] !== '"' || literal[literal.length - 1] !== '"') return undefined;
  const body = literal.slice(1, -1);
  const out: number[] = [];
  let i = 0;
  while (i < body.length) {
    const ch = body[i]!;
    if (ch === '"' || ch === "\n") return undefined;
    if (ch !== "\\") {
      const cp = body.codePointAt(i)!;
      const text = String.fromCodePoint(cp);
      out.push(...utf8(text));
      i += text.length;
      continue;
    }
    const next = body[i + 1];
    if (next === undefined) return undefined;
    if (next in SIMPLE_ESCAPES && next !== "'") {
      out.push(SIMPLE_ESCAPES[next]!);
      i += 2;
    } else if (next === "x" && /^[0-9a-fA-F]{2}$/.test(body.slice(i + 2, i + 4))) {
      out.push(parseInt(body.slice(i + 2, i + 4), 16));
      i += 4;
    } else if (/^[0-7]{3}$/.test(body.slice(i + 1, i + 4)) && parseInt(body.slice(i + 1, i + 4), 8) < 256) {
      out.push(parseInt(body.slice(i + 1, i + 4), 8));
      i += 4;
    } else if ((next === "u" || next === "U") && /^[0-9a-fA-F]+$/.test(body.slice(i + 2, i + (next === "u" ? 6 : 10)))) {
      const hexLength = next === "u" ? 4 : 8;
      const hex = body.slice(i + 2, i + 2 + hexLength);
      if (hex.length !== hexLength) return undefined;
      const cp = parseInt(hex, 16);
      if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return undefined;
      out.push(...utf8(String.fromCodePoint(cp)));
      i += 2 + hexLength;
    } else return undefined;
  }
  return new Uint8Array(out);
}

const DECODER = new TextDecoder();

/**
 * Splits a request line into words as etcdctl's argify does: "double-quoted" (Go escapes), 'single-quoted'
 * or bare words. Single-quoted words keep etcdctl's slicing bug (it trims by the word count, not the
 * word's length); where that slice would panic in Go, this throws the panic.
 */
export function argify(line: string): string[] {
  const words = line.match(/"(?:[^"\\]|\\.)*"|'[^']*'|[^'"\s]\S*[^'"\s]?/g) ?? [];
  return words.map((word, _i, all) => {
    if (word.startsWith("'")) {
      const end = all.length - 1;
      if (end < 1 || end > word.length) {
        throw goPanic(`runtime error: slice bounds out of range [:${end}] with length ${word.length}`);
      }
      return word.slice(1, end);
    }
    if (word.startsWith('"')) {
      const bytes = goUnquote(word);
      if (bytes === undefined) throw new CliError(ExitCode.InvalidInput, "invalid syntax");
      return DECODER.decode(bytes);
    }
    return word;
  });
}

/** A tiny cursor reproducing fmt.Sscanf("%q) %s %q"). */
class Scanner {
  private pos = 0;
  constructor(private readonly text: string) {}

  private skipSpaces(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos]!)) this.pos++;
  }

  quoted(): Uint8Array | undefined {
    this.skipSpaces();
    const start = this.pos;
    const open = this.text[start];
    if (open === "`") {
      const close = this.text.indexOf("`", start + 1);
      if (close < 0) return undefined;
      this.pos = close + 1;
      return utf8(this.text.slice(start + 1, close));
    }
    if (open !== '"') return undefined;
    let i = start + 1;
    while (i < this.text.length && this.text[i] !== '"') i += this.text[i] === "\\" ? 2 : 1;
    if (i >= this.text.length) return undefined;
    this.pos = i + 1;
    return goUnquote(this.text.slice(start, i + 1));
  }

  literal(ch: string): boolean {
    if (this.text[this.pos] !== ch) return false;
    this.pos++;
    return true;
  }

  word(): string | undefined {
    this.skipSpaces();
    const start = this.pos;
    while (this.pos < this.text.length && !/\s/.test(this.text[this.pos]!)) this.pos++;
    return this.pos > start ? this.text.slice(start, this.pos) : undefined;
  }
}

const COMPARE_OPS: Record<string, CompareResult> = {
  "=": CompareResult.EQUAL,
  "!=": CompareResult.NOT_EQUAL,
  ">": CompareResult.GREATER,
  "<": CompareResult.LESS,
};

const REVISION_TARGETS: Record<string, CompareTarget> = {
  ver: CompareTarget.VERSION,
  version: CompareTarget.VERSION,
  c: CompareTarget.CREATE,
  create: CompareTarget.CREATE,
  m: CompareTarget.MOD,
  mod: CompareTarget.MOD,
};

const TARGET_FIELD: Record<number, "version" | "create_revision" | "mod_revision"> = {
  [CompareTarget.VERSION]: "version",
  [CompareTarget.CREATE]: "create_revision",
  [CompareTarget.MOD]: "mod_revision",
};

function compareResult(op: string): CompareResult {
  const result = COMPARE_OPS[op];
  if (result === undefined) throw goPanic("Unknown result op");
  return result;
}

/**
 * One compare line → Compare.
 * @example parseCompare('mod("foo") > "3"') // { key: "foo", target: MOD, result: GREATER, mod_revision: 3 }
 */
export function parseCompare(line: string): Compare {
  const paren = line.indexOf("(");
  if (paren < 0) throw new CliError(ExitCode.InvalidInput, `malformed comparison: ${line}`);
  const target = line.slice(0, paren);
  const scanner = new Scanner(line.slice(paren + 1));
  const key = scanner.quoted();
  const op = key !== undefined && scanner.literal(")") ? scanner.word() : undefined;
  const value = op !== undefined ? scanner.quoted() : undefined;
  if (key === undefined || op === undefined || value === undefined) {
    const got = `${target}(${goQuote(key ?? new Uint8Array())}) ${op ?? ""} ${goQuote(value ?? new Uint8Array())}`;
    throw new CliError(ExitCode.InvalidInput, `malformed comparison: ${line}; got ${got}`);
  }
  const revisionTarget = REVISION_TARGETS[target];
  if (revisionTarget !== undefined) {
    const parsed = parseGoInt(DECODER.decode(value), 10);
    if (typeof parsed === "string") throw new CliError(ExitCode.InvalidInput, `invalid txn compare request: ${line}`);
    const compare: Compare = { key, target: revisionTarget, result: compareResult(op) };
    compare[TARGET_FIELD[revisionTarget]!] = Number(parsed);
    return compare;
  }
  if (target === "val" || target === "value") {
    return { key, target: CompareTarget.VALUE, result: compareResult(op), value };
  }
  if (target === "lease") {
    compareResult(op);
    // etcdctl 3.4 hands the quoted text to clientv3.Compare, which panics on a string lease.
    throw goPanic("bad value");
  }
  throw new CliError(ExitCode.InvalidInput, `malformed comparison: ${line} (unknown target ${target})`);
}

const REQUEST_COMMANDS: Record<string, { use: string; flags: FlagSpec[] }> = {
  get: { use: GET_USE, flags: GET_FLAGS },
  put: { use: PUT_USE, flags: PUT_FLAGS },
  del: { use: DEL_USE, flags: DEL_FLAGS },
};

interface ParsedLine {
  command: string;
  args: string[];
  flags: Record<string, string | boolean>;
}

const TRUE_TEXTS = ["true", "1", "t", "TRUE", "True", "T"];
const FALSE_TEXTS = ["false", "0", "f", "FALSE", "False", "F"];

/** Reads one flag word (and maybe its value); false when pflag would reject it. */
function readFlag(
  words: string[],
  i: number,
  known: FlagSpec[],
  flags: Record<string, string | boolean>,
): { ok: boolean; next: number } {
  const word = words[i]!;
  const eq = word.indexOf("=");
  const name = eq < 0 ? word.slice(2) : word.slice(2, eq);
  const spec = known.find((f) => f.name === name);
  if (spec === undefined) return { ok: false, next: i };
  if (spec.kind === "bool") {
    const text = eq < 0 ? "true" : word.slice(eq + 1);
    if (!TRUE_TEXTS.includes(text) && !FALSE_TEXTS.includes(text)) return { ok: false, next: i };
    flags[name] = TRUE_TEXTS.includes(text);
    return { ok: true, next: i };
  }
  const next = eq < 0 ? i + 1 : i;
  const value = eq < 0 ? words[next] : word.slice(eq + 1);
  if (value === undefined) return { ok: false, next };
  if (spec.kind === "int" && typeof parseGoInt(value, 10) === "string") return { ok: false, next };
  flags[name] = value;
  return { ok: true, next };
}

/**
 * Parses a request line's words as cobra would for the put/get/del subcommands: undefined for an unknown
 * command, "usage" for a flag cobra rejects (it then prints the subcommand's usage).
 */
function parseRequestWords(words: string[]): ParsedLine | { usage: string } | undefined {
  const names = Object.keys(REQUEST_COMMANDS);
  const matches = names.filter((n) => n.startsWith(words[0]!));
  const command = names.includes(words[0]!) ? words[0]! : matches.length === 1 ? matches[0]! : undefined;
  if (command === undefined) return undefined;
  const { use, flags: known } = REQUEST_COMMANDS[command]!;
  const usage = { usage: cobraSubcommandUsage(use, known) };
  const flags: Record<string, string | boolean> = {};
  const args: string[] = [];
  for (let i = 1; i < words.length; i++) {
    const word = words[i]!;
    if (word === "--") {
      args.push(...words.slice(i + 1));
      break;
    }
    if (word.startsWith("--")) {
      const read = readFlag(words, i, known, flags);
      if (!read.ok) return usage;
      i = read.next;
    } else if (word.startsWith("-") && word.length > 1) return usage;
    else args.push(word);
  }
  return { command, args, flags };
}

function flagBool(flags: Record<string, string | boolean>, name: string): boolean {
  return flags[name] === true;
}

function flagString(flags: Record<string, string | boolean>, name: string, fallback: string): string {
  const value = flags[name];
  return typeof value === "string" ? value : fallback;
}

/** One request line (`get …`, `put …`, `del …`) → RequestOp. */
export function parseRequestOp(line: string): RequestOp {
  const words = argify(line);
  if (words.length < 2) throw new CliError(ExitCode.InvalidInput, `invalid txn compare request: ${line}`);
  const parsed = parseRequestWords(words);
  if (parsed === undefined) throw new CliError(ExitCode.InvalidInput, `invalid txn request: ${line}`);
  if ("usage" in parsed) {
    const message = `${parsed.usage}Error: invalid txn request: ${line}\n`;
    throw new CliError(ExitCode.InvalidInput, message, { raw: true });
  }
  const { command, args, flags } = parsed;
  if (command === "get") {
    return {
      request_range: rangeRequestFromArgs(args, {
        ...GET_DEFAULTS,
        consistency: flagString(flags, "consistency", GET_DEFAULTS.consistency),
        order: flagString(flags, "order", ""),
        sortBy: flagString(flags, "sort-by", ""),
        limit: Number(flagString(flags, "limit", "0")),
        rev: Number(flagString(flags, "rev", "0")),
        prefix: flagBool(flags, "prefix"),
        fromKey: flagBool(flags, "from-key"),
        keysOnly: flagBool(flags, "keys-only"),
      }),
    };
  }
  if (command === "put") {
    const request = putRequestFromArgs(args, {
      ...PUT_DEFAULTS,
      lease: flagString(flags, "lease", "0"),
      prevKv: flagBool(flags, "prev-kv"),
      ignoreValue: flagBool(flags, "ignore-value"),
      ignoreLease: flagBool(flags, "ignore-lease"),
    }, () => undefined); // stdin is the txn text itself, already consumed
    return { request_put: request };
  }
  return {
    request_delete_range: deleteRequestFromArgs(args, {
      ...DEL_DEFAULTS,
      prefix: flagBool(flags, "prefix"),
      prevKv: flagBool(flags, "prev-kv"),
      fromKey: flagBool(flags, "from-key"),
    }),
  };
}

/** What reading the txn input produced: the request, or the error etcdctl exits with, plus prompts printed. */
export interface TxnParse {
  request?: TxnRequest;
  error?: CliError;
  stdout: string;
}

const MAX_TXN_LINES = 1_000_000;

/** Gives the next newline-terminated line (without "\n"), or undefined at EOF. */
export type LineSource = () => string | undefined;

/** Reads and parses lines up to the first blank one; EOF before it is etcdctl's `Error: EOF`. */
function readSection<T>(nextLine: LineSource, parse: (line: string) => T): T[] {
  const section: T[] = [];
  for (let n = 0; n < MAX_TXN_LINES; n++) {
    const raw = nextLine();
    if (raw === undefined) throw new CliError(ExitCode.InvalidInput, "EOF");
    const line = raw.trim();
    if (line.length === 0) return section;
    section.push(parse(line));
  }
  throw new CliError(ExitCode.InvalidInput, "too many lines");
}

/**
 * Reads `txn`'s three sections from a line source, calling `prompt` before each one (for `-i`, so a
 * person at a terminal sees it before typing). Throws the CliError etcdctl exits with.
 */
export function readTxn(nextLine: LineSource, prompt: (text: string) => void): TxnRequest {
  prompt(TXN_PROMPTS[0]);
  const compare = readSection(nextLine, parseCompare);
  prompt(TXN_PROMPTS[1]);
  const success = readSection(nextLine, parseRequestOp);
  prompt(TXN_PROMPTS[2]);
  const failure = readSection(nextLine, parseRequestOp);
  return { compare, success, failure };
}

/** Splits text into its newline-terminated lines: a trailing fragment is EOF, as for Go's ReadString. */
export function linesOf(input: string): LineSource {
  const lines = input.split("\n").slice(0, -1);
  let index = 0;
  return () => (index < lines.length ? lines[index++] : undefined);
}

/**
 * The whole stdin of `txn` → TxnRequest, with the `-i` prompts it would print.
 * @example parseTxn('value("k") = "v"\n\nput k w\n\nget k\n\n', { interactive: false })
 */
export function parseTxn(input: string, options: { interactive: boolean }): TxnParse {
  let stdout = "";
  const prompt = (text: string): void => {
    if (options.interactive) stdout += text + "\n";
  };
  try {
    return { request: readTxn(linesOf(input), prompt), stdout };
  } catch (error) {
    if (error instanceof CliError) return { error, stdout };
    throw error;
  }
}
