/**
 * The words of `tsetcd cluster up [N] [flags]`, parsed into options. Pure.
 * @example parseClusterUpArgs(["3", "--kill-leader-every", "10s"]) // { kind: "ok", options: { size: 3, … } }
 * @module
 */
import { parseGoDurationMs } from "../server/go_duration.ts";

/** The most members `cluster up` starts: a local demo, and an odd quorum beyond 9 teaches nothing new. */
export const MAX_MEMBERS = 9;
/** The shortest chaos interval: a member needs a moment to rejoin before the next kill. */
export const MIN_KILL_INTERVAL_MS = 1_000;

/** What `cluster up` was asked to do. */
export interface ClusterUpOptions {
  size: number;
  /** Kept data (DIR/<name>) and a state file of ports; undefined means fresh temporary dirs. */
  dataDir?: string;
  /** First of 2×size consecutive ports (client, peer per member); undefined asks the OS. */
  basePort?: number;
  namePrefix: string;
  /** Chaos mode's interval; undefined means off. */
  killLeaderEveryMs?: number;
}

/** A parse result: options, a request for help, or an error message for the user. */
export type ClusterUpParse =
  | { kind: "ok"; options: ClusterUpOptions }
  | { kind: "help" }
  | { kind: "error"; message: string };

const VALUE_FLAGS = new Set(["data-dir", "base-port", "name-prefix", "kill-leader-every"]);

/** Splits `--name=value` and `--name value`; a single dash works as in Go's flag package. */
function flagWords(words: string[]): { flags: Map<string, string>; args: string[]; error?: string } {
  const flags = new Map<string, string>();
  const args: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (!word.startsWith("-") || word === "-") {
      args.push(word);
      continue;
    }
    const body = word.replace(/^--?/, "");
    const eq = body.indexOf("=");
    const name = eq < 0 ? body : body.slice(0, eq);
    if (name === "help" || name === "h") {
      flags.set("help", "true");
      continue;
    }
    if (!VALUE_FLAGS.has(name)) return { flags, args, error: `unknown flag: --${name}` };
    if (eq >= 0) {
      flags.set(name, body.slice(eq + 1));
      continue;
    }
    if (i + 1 >= words.length) return { flags, args, error: `flag needs an argument: --${name}` };
    flags.set(name, words[++i]!);
  }
  return { flags, args };
}

/** Parses the words after `cluster up`. */
export function parseClusterUpArgs(words: string[]): ClusterUpParse {
  const { flags, args, error } = flagWords(words);
  if (error !== undefined) return { kind: "error", message: error };
  if (flags.has("help")) return { kind: "help" };
  if (args.length > 1) return { kind: "error", message: `expected at most one argument (the member count), got ${args.length}` };
  const size = args.length === 0 ? 3 : Number(args[0]);
  if (!Number.isInteger(size) || size < 1 || size > MAX_MEMBERS) {
    return { kind: "error", message: `member count must be a whole number from 1 to ${MAX_MEMBERS}, got ${JSON.stringify(args[0])}` };
  }
  const options: ClusterUpOptions = { size, namePrefix: flags.get("name-prefix") ?? "m" };
  if (!/^[A-Za-z0-9_-]{1,32}$/.test(options.namePrefix)) {
    return { kind: "error", message: `--name-prefix must be 1-32 letters, digits, '-' or '_', got ${JSON.stringify(options.namePrefix)}` };
  }
  const dataDir = flags.get("data-dir");
  if (dataDir !== undefined) {
    if (dataDir === "") return { kind: "error", message: "--data-dir must not be empty" };
    options.dataDir = dataDir;
  }
  const basePortText = flags.get("base-port");
  if (basePortText !== undefined) {
    const basePort = Number(basePortText);
    if (!Number.isInteger(basePort) || basePort < 1024 || basePort + 2 * size - 1 > 65_535) {
      return { kind: "error", message: `--base-port must leave ${2 * size} ports from 1024 to 65535, got ${JSON.stringify(basePortText)}` };
    }
    options.basePort = basePort;
  }
  const killText = flags.get("kill-leader-every");
  if (killText !== undefined) {
    const ms = parseGoDurationMs(killText);
    if (ms === undefined || ms < MIN_KILL_INTERVAL_MS) {
      return { kind: "error", message: `--kill-leader-every takes a Go duration of at least 1s (like 10s), got ${JSON.stringify(killText)}` };
    }
    if (size < 3) return { kind: "error", message: "--kill-leader-every needs at least 3 members, or no quorum is left" };
    options.killLeaderEveryMs = ms;
  }
  return { kind: "ok", options };
}
