/**
 * `tsetcd get [options] <key> [range_end]`: reads a key or a range, as etcdctl get.
 * @module
 */
import { type CommandContext, type CommandSpec, clientFrom, emit, printOptionsFrom } from "./command.ts";
import { GET_FLAGS, GET_USE } from "./specs.ts";
import { flagBool, flagInt, flagString } from "./flags.ts";
import { printGet } from "./printer.ts";
import { rangeRequestFromArgs } from "./requests.ts";

async function run(ctx: CommandContext): Promise<number> {
  const request = rangeRequestFromArgs(ctx.args, {
    consistency: flagString(ctx.flags, "consistency"),
    order: flagString(ctx.flags, "order"),
    sortBy: flagString(ctx.flags, "sort-by"),
    limit: flagInt(ctx.flags, "limit"),
    prefix: flagBool(ctx.flags, "prefix"),
    fromKey: flagBool(ctx.flags, "from-key"),
    rev: flagInt(ctx.flags, "rev"),
    keysOnly: flagBool(ctx.flags, "keys-only"),
  });
  const options = printOptionsFrom(ctx.globals);
  const response = await clientFrom(ctx.globals).range(request);
  emit(ctx.io, printGet(response, { ...options, valueOnly: flagBool(ctx.flags, "print-value-only") }));
  return 0;
}

/** The get command. */
export const GET_COMMAND: CommandSpec = {
  path: ["get"],
  use: GET_USE,
  short: "Gets the key or a range of keys",
  examples: [
    "tsetcd get greeting",
    "tsetcd get app/ --prefix --keys-only",
    "tsetcd get a z --limit 10 --sort-by=MODIFY --order=DESCEND",
    "tsetcd get '' --from-key -w json",
    "tsetcd get greeting --rev=3 --consistency=s",
  ],
  flags: GET_FLAGS,
  run,
};
