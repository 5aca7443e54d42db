/**
 * `tsetcd member list`: the cluster's members, as etcdctl member list.
 * @module
 */
import { type CommandContext, type CommandSpec, clientFrom, emit, printOptionsFrom } from "./command.ts";
import { printMemberList } from "./printer.ts";

async function run(ctx: CommandContext): Promise<number> {
  const options = printOptionsFrom(ctx.globals);
  const response = await clientFrom(ctx.globals).memberList();
  emit(ctx.io, printMemberList(response, options));
  return 0;
}

/** The member list command. */
export const MEMBER_LIST_COMMAND: CommandSpec = {
  path: ["member", "list"],
  use: "member list",
  short: "Lists all members in the cluster",
  long: `When --write-out is set to simple, this command prints out comma-separated member lists for each endpoint.
The items in the lists are ID, Status, Name, Peer Addrs, Client Addrs, Is Learner.`,
  examples: ["tsetcd member list", "tsetcd member list -w table"],
  flags: [],
  run,
};
