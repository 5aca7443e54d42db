/**
 * `tsetcd elect <election-name> [proposal]`: campaigns with `proposal`, prints the leader key and value
 * once elected, holds leadership until SIGINT/SIGTERM and resigns; `elect -l <election-name>` observes and
 * prints each new leader (and each new proclamation). As etcdctl 3.4 elect.
 * @module
 */
import { Election, observeLeader, Session } from "../src/client/concurrency.ts";
import type { KeyValue, RangeResponse } from "../src/codec/messages.ts";
import { type CommandContext, type CommandSpec, clientFrom, emit, printOptionsFrom } from "./command.ts";
import { CliError, ExitCode } from "./errors.ts";
import { flagBool } from "./flags.ts";
import { aborted, untilInterrupted } from "./lock.ts";
import { printGet, type PrintOptions } from "./printer.ts";

/** How often an observer reads the leader (until the client has a watch stream). */
const OBSERVE_POLL_MS = 100;

function oneKv(kv: KeyValue): RangeResponse {
  return { header: { cluster_id: 0n, member_id: 0n, revision: 0, raft_term: 0 }, kvs: [kv], more: false, count: 1 };
}

async function campaign(ctx: CommandContext, name: string, proposal: string, options: PrintOptions): Promise<number> {
  const client = clientFrom(ctx.globals);
  const session = await Session.create(client);
  try {
    return await untilInterrupted(async (interrupted) => {
      const election = new Election(session, name);
      await election.campaign(proposal, { signal: interrupted });
      emit(ctx.io, printGet(await client.range({ key: election.key }, { signal: interrupted }), options));
      const ended = await Promise.race([aborted(interrupted).then(() => "interrupted"), session.done]);
      if (ended !== "interrupted") throw new CliError(ExitCode.Error, "elect: session expired");
      await election.resign();
      return 0;
    });
  } finally {
    await session.close().catch(() => {});
  }
}

async function observe(ctx: CommandContext, name: string, options: PrintOptions): Promise<number> {
  const client = clientFrom(ctx.globals);
  return await untilInterrupted(async (interrupted) => {
    for await (const kv of observeLeader(client, name, OBSERVE_POLL_MS, interrupted)) {
      emit(ctx.io, printGet(oneKv(kv), options));
    }
    return 0;
  });
}

async function run(ctx: CommandContext): Promise<number> {
  if (ctx.args.length !== 1 && ctx.args.length !== 2) {
    throw new CliError(ExitCode.BadArgs, "elect takes one election name argument and an optional proposal argument");
  }
  const listen = flagBool(ctx.flags, "listen");
  if (ctx.args.length === 1 && !listen) throw new CliError(ExitCode.BadArgs, "no proposal argument but -l not set");
  if (ctx.args.length === 2 && listen) throw new CliError(ExitCode.BadArgs, "proposal given but -l is set");
  const options = printOptionsFrom(ctx.globals);
  if (listen) return await observe(ctx, ctx.args[0]!, options);
  return await campaign(ctx, ctx.args[0]!, ctx.args[1]!, options);
}

/** The elect command. */
export const ELECT_COMMAND: CommandSpec = {
  path: ["elect"],
  use: "elect <election-name> [proposal]",
  short: "Observes and participates in leader election",
  long: `Observes and participates in leader election.

With a proposal, campaigns and prints the leader key and the proposal once elected, then holds
leadership until interrupted (resigning on exit). With -l, prints every new leader.`,
  examples: ["tsetcd elect jobs/leader host-a", "tsetcd elect -l jobs/leader"],
  flags: [{ name: "listen", short: "l", kind: "bool", defaultText: "false", description: "observation mode" }],
  run,
};
