/**
 * `tsetcd snapshot restore <filename>`: a backup from `snapshot save` becomes a new member's data dir, with
 * etcdctl 3.4's flags, defaults and errors. Offline: it talks to no server.
 * @module
 */
import { existsSync } from "node:fs";
import type { CommandContext, CommandSpec } from "./command.ts";
import { CliError, ExitCode } from "./errors.ts";
import { flagBool, flagString } from "./flags.ts";

async function run(ctx: CommandContext): Promise<number> {
  if (ctx.args.length !== 1) throw new CliError(ExitCode.BadArgs, "snapshot restore requires exactly one argument");
  const snapshotPath = ctx.args[0]!;
  const options = {
    snapshotPath,
    dataDir: flagString(ctx.flags, "data-dir"),
    walDir: flagString(ctx.flags, "wal-dir"),
    name: flagString(ctx.flags, "name"),
    initialCluster: flagString(ctx.flags, "initial-cluster"),
    initialClusterToken: flagString(ctx.flags, "initial-cluster-token"),
    initialAdvertisePeerUrls: flagString(ctx.flags, "initial-advertise-peer-urls"),
    skipHashCheck: flagBool(ctx.flags, "skip-hash-check"),
  };
  if (!existsSync(snapshotPath)) throw new CliError(ExitCode.Error, `open ${snapshotPath}: no such file or directory`);
  try {
    // Loaded here: it pulls in the server, which the other commands must not pay for at start.
    const { restoreSnapshot } = await import("../src/server/restore.ts");
    const restored = await restoreSnapshot(options);
    ctx.io.stderr(
      `restored snapshot ${snapshotPath} into ${restored.dataDir} (member ${restored.memberId.toString(16)}, ` +
        `cluster ${restored.clusterId.toString(16)})\n`,
    );
  } catch (err) {
    throw new CliError(ExitCode.Error, (err as Error).message);
  }
  return 0;
}

/** The snapshot restore command. */
export const SNAPSHOT_RESTORE_COMMAND: CommandSpec = {
  path: ["snapshot", "restore"],
  use: "snapshot restore <filename> [options]",
  short: "Restores an etcd member snapshot to an etcd directory",
  examples: [
    "tsetcd snapshot restore backup.db --data-dir m1.tsetcd",
    "tsetcd snapshot restore backup.db --name m1 --initial-cluster m1=http://10.0.0.1:2380,m2=http://10.0.0.2:2380 " +
    "--initial-advertise-peer-urls http://10.0.0.1:2380 --initial-cluster-token new-token",
  ],
  flags: [
    { name: "data-dir", kind: "string", defaultText: '""', description: "Path to the data directory" },
    {
      name: "initial-advertise-peer-urls",
      kind: "string",
      defaultText: '"http://localhost:2380"',
      description: "List of this member's peer URLs to advertise to the rest of the cluster",
    },
    {
      name: "initial-cluster",
      kind: "string",
      defaultText: '"default=http://localhost:2380"',
      description: "Initial cluster configuration for restore bootstrap",
    },
    {
      name: "initial-cluster-token",
      kind: "string",
      defaultText: '"etcd-cluster"',
      description: "Initial cluster token for the etcd cluster during restore bootstrap",
    },
    { name: "name", kind: "string", defaultText: '"default"', description: "Human-readable name for this member" },
    {
      name: "skip-hash-check",
      kind: "bool",
      defaultText: "false",
      description: "Ignore snapshot integrity hash value (required if copied from data directory)",
    },
    { name: "wal-dir", kind: "string", defaultText: '""', description: "Path to the WAL directory (use --data-dir if none given)" },
  ],
  run,
};
