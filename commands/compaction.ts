/**
 * `tsetcd compaction [options] <revision>`: discards history before a revision, as etcdctl compaction.
 * @module
 */
import { type CommandContext, type CommandSpec, clientFrom, printOptionsFrom } from "./command.ts";
import { CliError, ExitCode } from "./errors.ts";
import { flagBool } from "./flags.ts";
import { parseGoInt } from "./requests.ts";

async function run(ctx: CommandContext): Promise<number> {
  if (ctx.args.length !== 1) throw new CliError(ExitCode.BadArgs, "compaction command needs 1 argument");
  const revision = parseGoInt(ctx.args[0]!, 10);
  if (typeof revision === "string") throw new CliError(ExitCode.Error, revision);
  printOptionsFrom(ctx.globals);
  const physical = flagBool(ctx.flags, "physical");
  await clientFrom(ctx.globals).compact(physical ? { revision: Number(revision), physical } : { revision: Number(revision) });
  ctx.io.stdout(`compacted revision ${revision}\n`);
  return 0;
}

/** The compaction command. */
export const COMPACTION_COMMAND: CommandSpec = {
  path: ["compaction"],
  use: "compaction [options] <revision>",
  short: "Compacts the event history in etcd",
  examples: ["tsetcd compaction 42", "tsetcd compaction --physical 42"],
  flags: [{ name: "physical", kind: "bool", defaultText: "false", description: "'true' to wait for compaction to physically remove all old revisions" }],
  run,
};
