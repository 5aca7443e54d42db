/**
 * Command-line parsing for the client commands: cac reads argv into arguments and option values; this
 * module declares etcdctl's flags and checks what cac read the way cobra/pflag do, so unknown flags and
 * bad values fail with etcdctl's exact messages. Pure apart from cac.
 * @module
 */
import { cac } from "cac";
import { CliError, ExitCode } from "./errors.ts";
import { parseGoDurationMs } from "./format.ts";
import { parseGoInt } from "./requests.ts";
import type { FlagSpec } from "./specs.ts";

export type { FlagKind, FlagSpec } from "./specs.ts";

/** Parsed flag values by flag name: booleans, strings, bigint for ints, ms for durations, lists. */
export type FlagValue = boolean | string | bigint | number | string[];
/** Every flag of a command line by name, defaults filled in. */
export type FlagValues = Map<string, FlagValue>;

/** The root's persistent flags (etcdctl's globals that tsetcd honours or accepts). */
export const GLOBAL_FLAGS: FlagSpec[] = [
  { name: "cacert", kind: "string", defaultText: '""', description: "verify certificates of TLS-enabled secure servers using this CA bundle" },
  { name: "cert", kind: "string", defaultText: '""', description: "identify secure client using this TLS certificate file" },
  { name: "command-timeout", kind: "duration", defaultText: "5s", description: "timeout for short running command (excluding dial timeout)" },
  { name: "debug", kind: "bool", defaultText: "false", description: "enable client-side debug logging" },
  { name: "dial-timeout", kind: "duration", defaultText: "2s", description: "dial timeout for client connections" },
  { name: "endpoints", kind: "stringSlice", defaultText: "[127.0.0.1:2379]", description: "gRPC endpoints" },
  { name: "hex", kind: "bool", defaultText: "false", description: "print byte strings as hex encoded strings" },
  { name: "insecure-discovery", kind: "bool", defaultText: "true", description: "accept insecure SRV records describing cluster endpoints" },
  {
    name: "insecure-skip-tls-verify",
    kind: "bool",
    defaultText: "false",
    description: "skip server certificate verification (CAUTION: this option should be enabled only for testing purposes)",
  },
  { name: "insecure-transport", kind: "bool", defaultText: "true", description: "disable transport security for client connections" },
  { name: "keepalive-time", kind: "duration", defaultText: "2s", description: "keepalive time for client connections" },
  { name: "keepalive-timeout", kind: "duration", defaultText: "6s", description: "keepalive timeout for client connections" },
  { name: "key", kind: "string", defaultText: '""', description: "identify secure client using this TLS key file" },
  {
    name: "password",
    kind: "string",
    defaultText: '""',
    description: "password for authentication (if this option is used, --user option shouldn't include password)",
  },
  { name: "user", kind: "string", defaultText: '""', description: "username[:password] for authentication (prompt if password is not supplied)" },
  { name: "write-out", short: "w", kind: "string", defaultText: '"simple"', description: "set the output format (fields, json, protobuf, simple, table)" },
];

const HELP_FLAG: FlagSpec = { name: "help", short: "h", kind: "bool", defaultText: "false", description: "help" };

const TRUE_TEXTS = ["1", "t", "T", "TRUE", "true", "True"];
const FALSE_TEXTS = ["0", "f", "F", "FALSE", "false", "False"];

/** cobra's flag error: usage on stdout, `Error: …` twice on stderr, exit 1. */
export class FlagError extends CliError {
  constructor(message: string) {
    super(ExitCode.Error, message);
    this.name = "FlagError";
  }
}

function convert(spec: FlagSpec, text: string): FlagValue {
  const invalid = (why: string): FlagError =>
    new FlagError(`invalid argument ${JSON.stringify(text)} for "--${spec.name}" flag: ${why}`);
  switch (spec.kind) {
    case "bool":
      if (TRUE_TEXTS.includes(text)) return true;
      if (FALSE_TEXTS.includes(text)) return false;
      throw invalid(`strconv.ParseBool: parsing ${JSON.stringify(text)}: invalid syntax`);
    case "int": {
      const value = parseGoInt(text, 10);
      if (typeof value === "string") throw invalid(value);
      return value;
    }
    case "duration": {
      const ms = parseGoDurationMs(text);
      if (ms === undefined) throw invalid(`time: invalid duration ${JSON.stringify(text)}`);
      return ms;
    }
    case "stringSlice":
      return text === "" ? [] : text.split(",").map((s) => s.trim());
    default:
      return text;
  }
}

function defaultOf(spec: FlagSpec): FlagValue {
  const text = spec.defaultText;
  if (spec.kind === "stringSlice") return text.slice(1, -1) === "" ? [] : text.slice(1, -1).split(",");
  if (spec.kind === "string") return text.slice(1, -1);
  return convert(spec, text);
}

/** What the command line said, after validation. */
export interface ParsedLine {
  args: string[];
  flags: FlagValues;
  /** Flags given explicitly (the rest are defaults, or come from the environment). */
  explicit: Set<string>;
  help: boolean;
}

interface Token {
  spec: FlagSpec;
  value: string;
}

/** Walks argv as pflag does, collecting flag texts; throws FlagError on what pflag rejects. */
function scanFlags(argv: string[], specs: FlagSpec[]): { tokens: Token[]; positional: string[] } {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const byShort = new Map(specs.filter((s) => s.short !== undefined).map((s) => [s.short!, s]));
  const tokens: Token[] = [];
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    if (word === "--") {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (word.startsWith("--")) {
      const eq = word.indexOf("=");
      const name = eq < 0 ? word.slice(2) : word.slice(2, eq);
      const spec = byName.get(name);
      if (spec === undefined) throw new FlagError(`unknown flag: --${name}`);
      if (eq >= 0) tokens.push({ spec, value: word.slice(eq + 1) });
      else if (spec.kind === "bool") tokens.push({ spec, value: "true" });
      else if (i + 1 < argv.length) tokens.push({ spec, value: argv[++i]! });
      else throw new FlagError(`flag needs an argument: --${name}`);
      continue;
    }
    if (word.startsWith("-") && word.length > 1) {
      // Shorthands may be grouped (-ih) and the last may take a value (-wjson, -w json).
      for (let c = 1; c < word.length; c++) {
        const letter = word[c]!;
        const spec = byShort.get(letter);
        if (spec === undefined) throw new FlagError(`unknown shorthand flag: '${letter}' in ${word}`);
        if (spec.kind === "bool") {
          tokens.push({ spec, value: word[c + 1] === "=" ? word.slice(c + 2) : "true" });
          if (word[c + 1] === "=") break;
          continue;
        }
        const rest = word.slice(c + 1).replace(/^=/, "");
        if (rest !== "") tokens.push({ spec, value: rest });
        else if (i + 1 < argv.length) tokens.push({ spec, value: argv[++i]! });
        else throw new FlagError(`flag needs an argument: '${letter}' in ${word}`);
        break;
      }
      continue;
    }
    positional.push(word);
  }
  return { tokens, positional };
}

/** cac's camelCase key for a flag name. */
function camel(name: string): string {
  return name.replace(/-([a-z])/g, (_m, ch: string) => ch.toUpperCase());
}

/**
 * Reads the canonical command line with cac: every flag as `--name=value`, then `--` and the positional
 * arguments. (cac 7 declares kebab-case booleans to mri under their camelCase names, so given raw argv it
 * would swallow the word after `--ignore-value` as its value; pflag's word-by-word rules are applied by
 * scanFlags first, and cac reads the unambiguous form.)
 */
function parseWithCac(tokens: Token[], positional: string[], specs: FlagSpec[]): { args: string[]; options: Record<string, unknown> } {
  const cli = cac("tsetcd");
  // cac reads a declared `--no-x` as "x defaults to true" and `--no-x` given as "x is false" (it would set
  // --password); such flags are neither declared nor passed to it, and cacValue reads them from the tokens.
  for (const spec of specs) {
    if (!spec.name.startsWith("no-")) cli.option(`--${spec.name} <value>`, spec.description, { type: [String] });
  }
  const forCac = tokens.filter((t) => !t.spec.name.startsWith("no-"));
  const canonical = [...forCac.map((t) => `--${t.spec.name}=${t.value}`), "--", ...positional];
  const parsed = cli.parse(["bun", "tsetcd", ...canonical], { run: false });
  const rest = (parsed.options["--"] as string[] | undefined) ?? [];
  // cac reads `--x=` as true; pflag (etcdctl) reads it as the empty string, which commands then reject.
  for (const token of forCac) {
    if (token.value === "" && token.spec.kind !== "bool") parsed.options[camel(token.spec.name)] = "";
  }
  return { args: [...parsed.args.map(String), ...rest], options: parsed.options };
}

/** cac's value for a flag: the last one given, as text. */
function cacValue(options: Record<string, unknown>, spec: FlagSpec, tokens: Token[]): string | undefined {
  // A `no-x` flag never goes through cac (see parseWithCac).
  if (spec.name.startsWith("no-")) return tokens.findLast((t) => t.spec === spec)?.value;
  const raw = options[camel(spec.name)];
  if (raw === undefined) return undefined;
  const last: unknown = Array.isArray(raw) ? raw[raw.length - 1] : raw;
  return last === undefined ? undefined : String(last);
}

/**
 * Parses a command's argv (after the command words) against its flags plus the globals.
 * `env` supplies unset global flags as TSETCD_<NAME> or ETCDCTL_<NAME>.
 * @example parseCommandLine(["foo", "--prefix"], GET_FLAG_SPECS, {})
 */
export function parseCommandLine(
  argv: string[],
  commandFlags: FlagSpec[],
  env: Record<string, string | undefined>,
): ParsedLine {
  const specs = [...commandFlags, ...GLOBAL_FLAGS, HELP_FLAG];
  const { tokens, positional } = scanFlags(argv, specs);
  for (const token of tokens) convert(token.spec, token.value); // pflag rejects bad values in argv order
  const { args, options } = parseWithCac(tokens, positional, specs);
  const flags: FlagValues = new Map();
  const explicit = new Set<string>();
  for (const spec of specs) {
    const text = cacValue(options, spec, tokens); // the last occurrence wins, as in pflag
    if (text !== undefined) {
      flags.set(spec.name, convert(spec, text));
      explicit.add(spec.name);
      continue;
    }
    const fromEnv = GLOBAL_FLAGS.includes(spec) ? envValue(env, spec.name) : undefined;
    flags.set(spec.name, fromEnv !== undefined ? convert(spec, fromEnv) : defaultOf(spec));
  }
  return { args, flags, explicit, help: flags.get("help") === true };
}

/** A global flag's value from TSETCD_<NAME> or ETCDCTL_<NAME>; empty counts as unset, as etcdctl's env. */
function envValue(env: Record<string, string | undefined>, name: string): string | undefined {
  const envName = name.toUpperCase().replace(/-/g, "_");
  const value = env[`TSETCD_${envName}`] || env[`ETCDCTL_${envName}`];
  return value === "" ? undefined : value;
}

/** A bool flag's value; the typed readers throw if the spec declared another type. */
export function flagBool(flags: FlagValues, name: string): boolean {
  const value = flags.get(name);
  if (typeof value !== "boolean") throw new Error(`flag ${name} is not a bool`);
  return value;
}

/** A string flag's value. */
export function flagString(flags: FlagValues, name: string): string {
  const value = flags.get(name);
  if (typeof value !== "string") throw new Error(`flag ${name} is not a string`);
  return value;
}

/** An int flag's value (etcdctl's int64 flags stay far below 2^53 in practice). */
export function flagInt(flags: FlagValues, name: string): number {
  const value = flags.get(name);
  if (typeof value !== "bigint") throw new Error(`flag ${name} is not an int`);
  return Number(value);
}

/** A duration flag's value in milliseconds. */
export function flagDurationMs(flags: FlagValues, name: string): number {
  const value = flags.get(name);
  if (typeof value !== "number") throw new Error(`flag ${name} is not a duration`);
  return value;
}

/** A string-slice flag's values (`--endpoints a,b`). */
export function flagList(flags: FlagValues, name: string): string[] {
  const value = flags.get(name);
  if (!Array.isArray(value)) throw new Error(`flag ${name} is not a list`);
  return value;
}
