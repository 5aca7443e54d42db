/**
 * `tsetcd put [options] <key> <value>`: writes a key (value from stdin when omitted), as etcdctl put.
 * @module
 */
import { type CommandContext, type CommandSpec, clientFrom, emit, printOptionsFrom } from "./command.ts";
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
  use: "put [options] <key> <value> (<value> can also be given from stdin)",
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
  flags: [
    { name: "ignore-lease", kind: "bool", defaultText: "false", description: "updates the key using its current lease" },
    { name: "ignore-value", kind: "bool", defaultText: "false", description: "updates the key using its current value" },
    { name: "lease", kind: "string", defaultText: '"0"', description: "lease ID (in hexadecimal) to attach to the key" },
    { name: "prev-kv", kind: "bool", defaultText: "false", description: "return the previous key-value pair before modification" },
  ],
  run,
};
