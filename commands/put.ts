/**
 * `tsetcd put [options] <key> <value>`: writes a key (value from stdin when omitted), as etcdctl put.
 * @module
 */
import { type CommandContext, type CommandSpec, clientFrom, emit, printOptionsFrom } from "./command.ts";
import { PUT_FLAGS, PUT_USE } from "./specs.ts";
import { flagBool, flagString } from "./flags.ts";
import { printPut } from "./printer.ts";
import { putRequestFromArgs } from "./requests.ts";

async function run(ctx: CommandContext): Promise<number> {
  const request = putRequestFromArgs(ctx.args, {
    lease: flagString(ctx.flags, "lease"),
    prevKv: flagBool(ctx.flags, "prev-kv"),
    ignoreValue: flagBool(ctx.flags, "ignore-value"),
    ignoreLease: flagBool(ctx.flags, "ignore-lease"),
  }, () => ctx.io.readStdin());
  const options = printOptionsFrom(ctx.globals);
  const response = await clientFrom(ctx.globals).put(request);
  emit(ctx.io, printPut(response, options));
  return 0;
}

/** The put command. */
export const PUT_COMMAND: CommandSpec = {
  path: ["put"],
  use: PUT_USE,
  short: "Puts the given key into the store",
  long: `Puts the given key into the store.

When <value> begins with '-', <value> is interpreted as a flag.
Insert '--' for workaround:

$ put <key> -- <value>
$ put -- <key> <value>

If <value> isn't given as a command line argument and '--ignore-value' is not specified,
this command tries to read the value from standard input.`,
  examples: [
    "tsetcd put greeting hello",
    "cat config.json | tsetcd put app/config",
    "tsetcd put greeting hi --prev-kv -w json",
    "tsetcd put greeting --ignore-value --lease=694d7a5c2a5a9b0f",
  ],
  flags: PUT_FLAGS,
  run,
};
