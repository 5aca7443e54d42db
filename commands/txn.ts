/**
 * `tsetcd txn [options]`: reads compares and success/failure requests from stdin (etcdctl's grammar,
 * see txn_parse.ts) and commits them as one transaction.
 * @module
 */
import { type CommandContext, type CommandSpec, clientFrom, emit, printOptionsFrom } from "./command.ts";
import { CliError, ExitCode } from "./errors.ts";
import { flagBool } from "./flags.ts";
import { printTxn } from "./printer.ts";
import { readTxn } from "./txn_parse.ts";

async function run(ctx: CommandContext): Promise<number> {
  if (ctx.args.length !== 0) throw new CliError(ExitCode.BadArgs, "txn command does not accept argument");
  const options = printOptionsFrom(ctx.globals);
  const client = clientFrom(ctx.globals);
  const interactive = flagBool(ctx.flags, "interactive");
  const request = readTxn(ctx.io.readStdinLine, (text) => {
    if (interactive) ctx.io.stdout(text + "\n");
  });
  const response = await client.txn(request);
  emit(ctx.io, printTxn(response, options));
  return 0;
}

/** The txn command. */
export const TXN_COMMAND: CommandSpec = {
  path: ["txn"],
  use: "txn [options]",
  short: "Txn processes all the requests in one transaction",
  long: `Txn reads three sections from standard input, each ended by an empty line:

  compares            <ver|version|c|create|m|mod|val|value>("<key>") <=|!=|<|>> "<value>"
  success requests    get, put or del command lines, run when every compare holds
  failure requests    get, put or del command lines, run otherwise`,
  examples: [
    `printf 'value("greeting") = "hello"\\n\\nput greeting bye\\n\\nget greeting\\n\\n' | tsetcd txn`,
    "tsetcd txn -i",
  ],
  flags: [{ name: "interactive", short: "i", kind: "bool", defaultText: "false", description: "Input transaction in interactive mode" }],
  run,
};
