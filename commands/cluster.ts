/**
 * `tsetcd cluster …`: a local cluster for trying tsetcd out. Only `up` for now; the group alone prints
 * its help, like the other groups.
 * @module
 */
import { MAX_MEMBERS, parseClusterUpArgs } from "../src/cluster_up/args.ts";
import { clusterUp } from "../src/cluster_up/mod.ts";

/** Help of the `cluster` group. */
export const CLUSTER_HELP = `NAME:
\tcluster - Runs a local cluster for development and demos

USAGE:
\ttsetcd cluster <subcommand>

COMMANDS:
\tup [N]\tStarts N members (default 3, at most ${MAX_MEMBERS}) on loopback until Ctrl-C

OPTIONS (cluster up):
\t--data-dir DIR             keep data in DIR/<name> and the ports in DIR/cluster-up.json between runs
\t--base-port PORT           use ports PORT.. (client, peer per member) instead of free ones from the OS
\t--name-prefix PREFIX       member names PREFIX1..PREFIXN (default m)
\t--kill-leader-every DUR    chaos: SIGKILL the leader every DUR (Go duration, like 10s) and restart it

EXAMPLES:
\ttsetcd cluster up
\ttsetcd cluster up 5 --data-dir /tmp/demo
\ttsetcd cluster up 3 --kill-leader-every 10s
`;

/** Runs `tsetcd cluster <args>`; resolves to the exit code. */
export async function runClusterCommand(args: string[]): Promise<number> {
  if (args[0] !== "up") {
    process.stdout.write(CLUSTER_HELP);
    return 0;
  }
  const parsed = parseClusterUpArgs(args.slice(1));
  if (parsed.kind === "help") {
    process.stdout.write(CLUSTER_HELP);
    return 0;
  }
  if (parsed.kind === "error") {
    process.stderr.write(`Error: ${parsed.message}\n`);
    return 1;
  }
  const color = process.stdout.isTTY === true && (process.env.NO_COLOR ?? "") === "";
  return await clusterUp(parsed.options, { out: (text) => void process.stdout.write(text), color });
}
