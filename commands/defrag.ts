/**
 * `tsetcd defrag [--cluster]`: asks each endpoint's member to hand its databases' free pages back
 * (Maintenance.Defragment), printing as etcdctl 3.4 does: "Finished defragmenting etcd member[<ep>]" on stdout
 * per success, "Failed to defragment etcd member[<ep>] (<error>)" on stderr per failure, exit 1 when any
 * failed. tsetcd's defrag does not stop writes (src/storage/defrag.ts); etcdctl's offline --data-dir mode is
 * refused, since a tsetcd data dir is defragmented by the server itself.
 * @module
 */
import { type CommandContext, type CommandSpec, clientFrom } from "./command.ts";
import { targetEndpoints } from "./endpoint.ts";
import { CliError, ExitCode } from "./errors.ts";
import { flagString } from "./flags.ts";

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function runDefrag(ctx: CommandContext): Promise<number> {
  if (flagString(ctx.flags, "data-dir") !== "") {
    throw new CliError(ExitCode.Error, "--data-dir (offline defragmentation) is not supported by tsetcd");
  }
  const client = clientFrom(ctx.globals);
  let failed = false;
  for (const endpoint of await targetEndpoints(ctx)) {
    try {
      await client.defragment(endpoint);
      ctx.io.stdout(`Finished defragmenting etcd member[${endpoint}]\n`);
    } catch (error) {
      failed = true;
      ctx.io.stderr(`Failed to defragment etcd member[${endpoint}] (${errorText(error)})\n`);
    }
  }
  return failed ? ExitCode.Error : 0;
}

/** The defrag command. */
export const DEFRAG_COMMAND: CommandSpec = {
  path: ["defrag"],
  use: "defrag",
  short: "Defragments the storage of the etcd members with given endpoints",
  examples: ["tsetcd defrag", "tsetcd defrag --cluster"],
  flags: [
    { name: "cluster", kind: "bool", defaultText: "false", description: "use all endpoints from the cluster member list" },
    { name: "data-dir", kind: "string", defaultText: '""', description: "Optional. If present, defragments a data directory not in use by etcd." },
  ],
  run: runDefrag,
};
