/**
 * The CLI's dispatcher: `tsetcd server …` runs a member, every other subcommand is a thin client with
 * etcdctl 3.4's commands, flags, output and exit codes.
 * @module
 */
import { readFileSync, readSync, writeSync } from "node:fs";
import { ETCD_API_VERSION, TSETCD_VERSION } from "../src/server/version.ts";
import { ALARM_COMMANDS } from "./alarm.ts";
import { AUTH_COMMANDS } from "./auth.ts";
import { asCliError, type CommandSpec, globalsFrom, type Io } from "./command.ts";
import { CHECK_COMMANDS } from "./check.ts";
import { COMPACTION_COMMAND } from "./compaction.ts";
import { DEFRAG_COMMAND } from "./defrag.ts";
import { DEL_COMMAND } from "./del.ts";
import { ELECT_COMMAND } from "./elect.ts";
import { ENDPOINT_HASHKV_COMMAND, ENDPOINT_HEALTH_COMMAND, ENDPOINT_STATUS_COMMAND } from "./endpoint.ts";
import { FlagError, GLOBAL_FLAGS, parseCommandLine } from "./flags.ts";
import { GET_COMMAND } from "./get.ts";
import { commandHelp, groupHelp, rootHelp } from "./help.ts";
import { LEASE_COMMANDS } from "./lease.ts";
import { LOCK_COMMAND } from "./lock.ts";
import { MEMBER_COMMANDS } from "./member.ts";
import { MOVE_LEADER_COMMAND } from "./move_leader.ts";
import { PUT_COMMAND } from "./put.ts";
import { ROLE_COMMANDS } from "./role.ts";
import { SNAPSHOT_COMMANDS } from "./snapshot.ts";
import { TXN_COMMAND } from "./txn.ts";
import { USER_COMMANDS } from "./user.ts";
import { VERSION_COMMAND } from "./version.ts";
import { WATCH_COMMAND } from "./watch.ts";

/** Every client command, in help order. */
export const COMMANDS: CommandSpec[] = [
  ...ALARM_COMMANDS,
  ...AUTH_COMMANDS,
  ...CHECK_COMMANDS,
  COMPACTION_COMMAND,
  DEFRAG_COMMAND,
  DEL_COMMAND,
  ELECT_COMMAND,
  ENDPOINT_HEALTH_COMMAND,
  ENDPOINT_HASHKV_COMMAND,
  ENDPOINT_STATUS_COMMAND,
  GET_COMMAND,
  ...LEASE_COMMANDS,
  LOCK_COMMAND,
  ...MEMBER_COMMANDS,
  MOVE_LEADER_COMMAND,
  PUT_COMMAND,
  ...ROLE_COMMANDS,
  ...SNAPSHOT_COMMANDS,
  TXN_COMMAND,
  ...USER_COMMANDS,
  VERSION_COMMAND,
  WATCH_COMMAND,
];

const MAX_LINE_BYTES = 64 * 1024 * 1024;
const WRITE_STALL_LIMIT_MS = 60_000;
const ENCODER = new TextEncoder();

/**
 * Writes everything synchronously: the CLI exits right after printing, and an asynchronous write to a
 * pipe would be cut short (seen: 64 KiB of a 1 MB value). A non-blocking pipe that is full says EAGAIN;
 * wait a millisecond and retry, within a bound.
 */
function writeAll(fd: number, data: string | Uint8Array): void {
  const bytes = typeof data === "string" ? ENCODER.encode(data) : data;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  const startMs = Date.now();
  let offset = 0;
  while (offset < bytes.length) {
    try {
      offset += writeSync(fd, bytes, offset, bytes.length - offset);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EAGAIN") throw error;
      if (Date.now() - startMs > WRITE_STALL_LIMIT_MS) throw error;
      Atomics.wait(pause, 0, 0, 1);
    }
  }
}

/**
 * Reads stdin one line at a time, so `txn -i` prompts appear before the person types each section.
 * Byte-at-a-time keeps it from reading past the line; txn input is small.
 */
function stdinLineReader(): () => string | undefined {
  const byte = new Uint8Array(1);
  let eof = false;
  return () => {
    if (eof) return undefined;
    const line: number[] = [];
    while (line.length < MAX_LINE_BYTES) {
      let count = 0;
      try {
        count = readSync(0, byte, 0, 1, null);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "EAGAIN") continue;
        count = 0;
      }
      if (count === 0) {
        eof = true;
        return undefined; // a trailing fragment without "\n" is EOF, as Go's ReadString reports it
      }
      if (byte[0] === 0x0a) return new TextDecoder().decode(new Uint8Array(line));
      line.push(byte[0]!);
    }
    throw new Error(`stdin line longer than ${MAX_LINE_BYTES} bytes`);
  };
}

/** The real process: stdout/stderr, stdin read to EOF or by line, environment. */
function processIo(): Io {
  return {
    stdout: (text) => writeAll(1, text),
    stdoutBytes: (bytes) => writeAll(1, bytes),
    stderr: (text) => writeAll(2, text),
    readStdin: () => {
      try {
        return new Uint8Array(readFileSync(0));
      } catch {
        return new Uint8Array();
      }
    },
    readStdinLine: stdinLineReader(),
    env: process.env,
    stdoutIsTty: process.stdout.isTTY === true,
  };
}

/** Colour only on a terminal, and never when NO_COLOR is set (no-color.org). */
function useColor(io: Io): boolean {
  return io.stdoutIsTty && (io.env.NO_COLOR ?? "") === "";
}

const VALUE_GLOBALS = new Set(GLOBAL_FLAGS.filter((f) => f.kind !== "bool").flatMap((f) => [
  `--${f.name}`,
  ...(f.short !== undefined ? [`-${f.short}`] : []),
]));

/** Indices of the non-flag words in argv (global flag values skipped), up to `max`. */
function commandWordIndices(argv: string[], max: number): number[] {
  const found: number[] = [];
  for (let i = 0; i < argv.length && found.length < max; i++) {
    const word = argv[i]!;
    if (word === "--") break;
    if (word.startsWith("-") && word.length > 1) {
      if (VALUE_GLOBALS.has(word)) i++;
      continue;
    }
    found.push(i);
  }
  return found;
}

/** cobra's prefix matching: an exact name, or the one name the word is a prefix of. */
function matchName(word: string, names: string[]): string | undefined {
  if (names.includes(word)) return word;
  const matches = names.filter((n) => n.startsWith(word));
  return matches.length === 1 ? matches[0] : undefined;
}

function unknownCommand(io: Io, word: string, parent: string): number {
  const line = `Error: unknown command ${JSON.stringify(word)} for ${JSON.stringify(parent)}\n`;
  io.stderr(`${line}Run '${parent} --help' for usage.\n${line}`);
  return 1;
}

interface Resolved {
  spec?: CommandSpec;
  /** Print this help and exit 0 (a group without a subcommand, or `help`). */
  help?: string;
  exitCode?: number;
  rest: string[];
}

const API_VERSION = ETCD_API_VERSION.split(".").slice(0, 2).join(".");

function resolve(argv: string[], io: Io): Resolved {
  const color = useColor(io);
  const root = rootHelp(COMMANDS, { tsetcd: TSETCD_VERSION, api: API_VERSION }, { color });
  const [first, second] = commandWordIndices(argv, 2);
  if (first === undefined) return { help: root, rest: argv };
  const topNames = [...new Set(COMMANDS.map((c) => c.path[0]!)), "help"];
  const top = matchName(argv[first]!, topNames);
  if (top === undefined) return { exitCode: unknownCommand(io, argv[first]!, "tsetcd"), rest: argv };
  const without = (indices: number[]): string[] => argv.filter((_w, i) => !indices.includes(i));
  if (top === "help") {
    const target = COMMANDS.find((c) => c.path.join(" ") === without([first]).filter((w) => !w.startsWith("-")).join(" "));
    return { help: target === undefined ? root : commandHelp(target, { color }), rest: [] };
  }
  const group = COMMANDS.filter((c) => c.path[0] === top);
  if (group.length === 1 && group[0]!.path.length === 1) return { spec: group[0]!, rest: without([first]) };
  const subNames = group.map((c) => c.path[1]!);
  const help = groupHelp(top, group, { color, api: API_VERSION });
  if (second === undefined) return { help, rest: [] };
  const sub = matchName(argv[second]!, subNames);
  // etcdctl 3.4 (cobra) answers a subcommand a group does not have with the group's help, exit code 0.
  if (sub === undefined) return { help, rest: [] };
  return { spec: group.find((c) => c.path[1] === sub)!, rest: without([first, second]) };
}

/** Runs one client command after its words were resolved. */
async function runCommand(spec: CommandSpec, argv: string[], io: Io): Promise<number> {
  try {
    const line = parseCommandLine(argv, spec.flags, io.env);
    if (line.help) {
      io.stdout(commandHelp(spec, { color: useColor(io) }));
      return 0;
    }
    return await spec.run({ io, args: line.args, flags: line.flags, globals: globalsFrom(line.flags, line.explicit) });
  } catch (error) {
    if (error instanceof FlagError) {
      io.stdout(commandHelp(spec, { color: useColor(io) }));
      io.stderr(`Error: ${error.message}\n\nError: ${error.message}\n`);
      return error.exitCode;
    }
    const cliError = asCliError(error);
    if (cliError === undefined) throw error;
    io.stderr(cliError.raw ? cliError.message : `Error: ${cliError.message}\n`);
    return cliError.exitCode;
  }
}

/** Runs the CLI with `args` (argv without the runtime and script) and resolves to the exit code. */
export async function runCli(args: string[], io: Io = processIo()): Promise<number> {
  if (args[0] === "server") {
    const { runServerCommand } = await import("./server.ts");
    return await runServerCommand(args.slice(1));
  }
  if (args[0] === "cluster") {
    const { runClusterCommand } = await import("./cluster.ts");
    return await runClusterCommand(args.slice(1));
  }
  const resolved = resolve(args, io);
  if (resolved.exitCode !== undefined) return resolved.exitCode;
  if (resolved.help !== undefined) {
    io.stdout(resolved.help);
    return 0;
  }
  return await runCommand(resolved.spec!, resolved.rest, io);
}
