/**
 * `tsetcd del [options] <key> [range_end]`: deletes a key or a range, as etcdctl del.
 * @module
 */
import { type CommandContext, type CommandSpec, clientFrom, emit, printOptionsFrom } from "./command.ts";
import { DEL_FLAGS, DEL_USE } from "./specs.ts";
import { flagBool } from "./flags.ts";
import { printDel } from "./printer.ts";
import { deleteRequestFromArgs } from "./requests.ts";

async function run(ctx: CommandContext): Promise<number> {
  const request = deleteRequestFromArgs(ctx.args, {
    prefix: flagBool(ctx.flags, "prefix"),
    prevKv: flagBool(ctx.flags, "prev-kv"),
    fromKey: flagBool(ctx.flags, "from-key"),
  });
  const options = printOptionsFrom(ctx.globals);
  const response = await clientFrom(ctx.globals).deleteRange(request);
  emit(ctx.io, printDel(response, options));
  return 0;
}

/** The del command. */
export const DEL_COMMAND: CommandSpec = {
  path: ["del"],
  use: DEL_USE,
  short: "Removes the specified key or range of keys [key, range_end)",
  examples: ["tsetcd del greeting", "tsetcd del app/ --prefix --prev-kv", "tsetcd del a c"],
  flags: DEL_FLAGS,
  run,
};
