/**
 * Help text in etcdctl's layout (NAME, USAGE, DESCRIPTION, OPTIONS, GLOBAL OPTIONS) plus EXAMPLES.
 * Section titles are bold only when writing to a terminal. Pure.
 * @module
 */
import { createColors } from "picocolors";
import type { CommandSpec } from "./command.ts";
import { type FlagSpec, GLOBAL_FLAGS } from "./flags.ts";

/** One-line description of the program. */
export const PROGRAM_DESCRIPTION = "A strongly consistent distributed key-value store with etcd v3's model.";

function flagLine(spec: FlagSpec): string {
  const short = spec.short !== undefined ? `  -${spec.short}, ` : "      ";
  const value = spec.kind === "bool" ? `[=${spec.defaultText}]` : `=${spec.defaultText}`;
  const left = `${short}--${spec.name}${value}`;
  // Column 40 as before; a longer flag (--insecure-skip-tls-verify[=false]) still gets one space.
  return `${left.padEnd(39)} ${spec.description}\n`;
}

function flagLines(specs: FlagSpec[]): string {
  return [...specs].sort((a, b) => a.name.localeCompare(b.name)).map(flagLine).join("");
}

/** Help of one command. */
export function commandHelp(spec: CommandSpec, options: { color: boolean }): string {
  const c = createColors(options.color);
  const name = spec.path.join(" ");
  let text = `${c.bold("NAME:")}\n\t${name} - ${spec.short}\n\n${c.bold("USAGE:")}\n\ttsetcd ${spec.use} [flags]\n\n`;
  if (spec.long !== undefined) {
    text += `${c.bold("DESCRIPTION:")}\n${spec.long.split("\n").map((l) => (l === "" ? "" : `\t${l}`)).join("\n")}\n\n`;
  }
  if (spec.examples.length > 0) text += `${c.bold("EXAMPLES:")}\n${spec.examples.map((e) => `\t${e}\n`).join("")}\n`;
  const help: FlagSpec = { name: "help", short: "h", kind: "bool", defaultText: "false", description: `help for ${spec.path.at(-1)}` };
  text += `${c.bold("OPTIONS:")}\n${flagLines([...spec.flags, help])}\n`;
  text += `${c.bold("GLOBAL OPTIONS:")}\n${flagLines(GLOBAL_FLAGS)}\n`;
  return text;
}

/** Help of the whole program: every command with its one-line description. */
export function rootHelp(
  commands: CommandSpec[],
  versions: { tsetcd: string; api: string },
  options: { color: boolean },
): string {
  const c = createColors(options.color);
  const rows = [
    ...commands.map((spec) => [spec.path.join(" "), spec.short]),
    ["server", "Starts a tsetcd member (etcd's flags; see tsetcd server --help)"],
    ["cluster up", "Starts a local cluster of N members until Ctrl-C (see tsetcd cluster --help)"],
  ].sort((a, b) => a[0]!.localeCompare(b[0]!));
  let text = `${c.bold("NAME:")}\n\ttsetcd - ${PROGRAM_DESCRIPTION}\n\n`;
  text += `${c.bold("USAGE:")}\n\ttsetcd [flags] <command>\n\n`;
  text += `${c.bold("VERSION:")}\n\t${versions.tsetcd}\n\n${c.bold("API VERSION:")}\n\t${versions.api}\n\n\n`;
  text += `${c.bold("COMMANDS:")}\n${rows.map(([n, d]) => `\t${n!.padEnd(19)} ${d}\n`).join("")}\n`;
  text += `${c.bold("EXAMPLES:")}\n\ttsetcd server --data-dir /tmp/tsetcd\n\ttsetcd put greeting hello\n` +
    `\ttsetcd get greeting -w json\n\ttsetcd get '' --prefix --keys-only\n\ttsetcd endpoint status -w table\n\n`;
  text += `${c.bold("OPTIONS:")}\n${flagLines([{ name: "help", short: "h", kind: "bool", defaultText: "false", description: "help for tsetcd" }])}` +
    `${flagLines(GLOBAL_FLAGS)}\n`;
  return text;
}

/**
 * etcdctl 3.4's command groups: the one-line description and usage word of each, and the flags the group
 * declares for all its subcommands (cobra's persistent flags, listed under the group's OPTIONS).
 */
const GROUPS: Record<string, { short: string; usage: string; persistent?: string[] }> = {
  alarm: { short: "Alarm related commands", usage: "<subcommand>" },
  auth: { short: "Enable or disable authentication", usage: "<enable or disable>" },
  check: { short: "commands for checking properties of the etcd cluster", usage: "<subcommand>" },
  endpoint: { short: "Endpoint related commands", usage: "<subcommand>", persistent: ["cluster"] },
  lease: { short: "Lease related commands", usage: "<subcommand>" },
  member: { short: "Membership related commands", usage: "<subcommand>" },
  role: { short: "Role related commands", usage: "<subcommand>" },
  snapshot: { short: "Manages etcd node snapshots", usage: "<subcommand>" },
  user: { short: "User related commands", usage: "<subcommand>" },
};

/**
 * Help of a command group (`tsetcd user`), in etcdctl's layout: printed for the group alone and for a
 * subcommand it does not have, as etcdctl 3.4 (cobra) prints it, with exit code 0.
 */
export function groupHelp(group: string, commands: CommandSpec[], options: { color: boolean; api: string }): string {
  const c = createColors(options.color);
  const known = GROUPS[group] ?? { short: `${group} related commands`, usage: "<subcommand>" };
  const rows = commands.map((spec) => [spec.path.at(-1)!, spec.short]).sort((a, b) => a[0]!.localeCompare(b[0]!));
  let text = `${c.bold("NAME:")}\n\t${group} - ${known.short}\n\n`;
  text += `${c.bold("USAGE:")}\n\ttsetcd ${group} ${known.usage} [flags]\n\n`;
  text += `${c.bold("API VERSION:")}\n\t${options.api}\n\n\n`;
  text += `${c.bold("COMMANDS:")}\n${rows.map(([n, d]) => `\t${n!.padEnd(19)} ${d}\n`).join("")}\n`;
  const help: FlagSpec = { name: "help", short: "h", kind: "bool", defaultText: "false", description: `help for ${group}` };
  const persistent = (known.persistent ?? []).map((name) => commands.flatMap((spec) => spec.flags).find((f) => f.name === name));
  const flags = persistent.filter((f): f is FlagSpec => f !== undefined);
  text += `${c.bold("OPTIONS:")}\n${flagLines([...flags, help])}\n`;
  text += `${c.bold("GLOBAL OPTIONS:")}\n${flagLines(GLOBAL_FLAGS)}\n`;
  return text;
}
