/**
 * `tsetcd snapshot save|status` (and `restore`, commands/snapshot_restore.ts): etcdctl 3.4's snapshot
 * commands. `save` asks one member for a consistent copy of its database and writes it as a snapshot file
 * (src/server/snapshot_file.ts); `status` reads such a file offline (src/server/snapshot_status.ts).
 *
 * Where we differ from etcdctl: it logs zap JSON lines on stderr; we print nothing there unless a save
 * runs longer than a second, then one `fetching snapshot from <endpoint>: <size> received` line per
 * second. Without --command-timeout etcdctl waits forever for an unreachable member; we stop after the
 * client's start bound (130 s) with the same `context deadline exceeded`.
 * @module
 */
import { EtcdError, GrpcCode } from "../src/codec/errors.ts";
import { snapshotStatus, type SnapshotStatus } from "../src/server/snapshot_status.ts";
import { type CommandContext, type CommandSpec, clientFrom, type Io, printOptionsFrom } from "./command.ts";
import { CliError, ExitCode } from "./errors.ts";
import { humanizeBytes, renderTable } from "./format.ts";
import type { PrintOptions } from "./printer.ts";
import { SNAPSHOT_RESTORE_COMMAND } from "./snapshot_restore.ts";

/** Progress lines on stderr at most this often, and only once a save has run this long. */
const PROGRESS_INTERVAL_MS = 1_000;

async function runSave(ctx: CommandContext): Promise<number> {
  if (ctx.args.length !== 1) throw new CliError(ExitCode.BadArgs, "snapshot save expects one argument");
  const path = ctx.args[0]!;
  const client = clientFrom(ctx.globals);
  const endpoints = ctx.globals.endpoints;
  if (endpoints.length !== 1) {
    // etcdctl's snapshot.Save refuses before dialing; Go prints the slice space-separated.
    const list = `[${endpoints.join(" ")}]`;
    throw new CliError(ExitCode.Interrupted, `snapshot must be requested to one selected node, not multiple ${list}`);
  }
  const timeoutMs = ctx.globals.commandTimeoutGiven ? ctx.globals.commandTimeoutMs : undefined;
  const deadline = timeoutMs === undefined ? undefined : AbortSignal.timeout(timeoutMs);
  const options = {
    ...(deadline === undefined ? {} : { signal: deadline, startTimeoutMs: timeoutMs }),
    onProgress: progressPrinter(ctx.io, endpoints[0]!),
  };
  try {
    await client.saveSnapshot(path, options);
  } catch (error) {
    throw new CliError(ExitCode.Interrupted, saveErrorText(error, deadline));
  }
  ctx.io.stdout(`Snapshot saved at ${path}\n`);
  return 0;
}

/** etcdctl's wording: the command deadline reads as gRPC's "context deadline exceeded". */
function saveErrorText(error: unknown, deadline: AbortSignal | undefined): string {
  if (deadline?.aborted === true) return "context deadline exceeded";
  if (error instanceof EtcdError && error.code === GrpcCode.DeadlineExceeded) return "context deadline exceeded";
  return error instanceof Error ? error.message : String(error);
}

/** A stderr line per second once the download has taken a second: quiet for small snapshots. */
function progressPrinter(io: Io, endpoint: string): (receivedBytes: number) => void {
  const startMs = Date.now();
  let lastMs = startMs;
  return (receivedBytes) => {
    const nowMs = Date.now();
    if (nowMs - lastMs < PROGRESS_INTERVAL_MS) return;
    lastMs = nowMs;
    io.stderr(`fetching snapshot from ${endpoint}: ${humanizeBytes(receivedBytes)} received\n`);
  };
}

async function runStatus(ctx: CommandContext): Promise<number> {
  if (ctx.args.length !== 1) throw new CliError(ExitCode.BadArgs, "snapshot status requires exactly one argument");
  const options = printOptionsFrom(ctx.globals);
  let status: SnapshotStatus;
  try {
    status = snapshotStatus(ctx.args[0]!);
  } catch (error) {
    throw new CliError(ExitCode.Error, error instanceof Error ? error.message : String(error));
  }
  ctx.io.stdout(printSnapshotStatus(status, options));
  return 0;
}

/** etcdctl's DBStatus printers: simple, table, json and fields (protobuf is refused, exit 4). */
export function printSnapshotStatus(status: SnapshotStatus, options: PrintOptions): string {
  // Go's %x: lower-case hex without padding.
  const row = [status.hash.toString(16), String(status.revision), String(status.totalKey), humanizeBytes(status.totalSize)];
  switch (options.format) {
    case "simple":
      return `${row.join(", ")}\n`;
    case "table":
      return renderTable(["hash", "revision", "total keys", "total size"], [row]);
    case "json":
      return `{"hash":${status.hash},"revision":${status.revision},"totalKey":${status.totalKey},` +
        `"totalSize":${status.totalSize}}\n`;
    case "fields":
      return `"Hash" : ${status.hash}\n"Revision" : ${status.revision}\n"Keys" : ${status.totalKey}\n` +
        `"Size" : ${status.totalSize}\n`;
    default:
      throw new CliError(ExitCode.BadFeature, `${options.format} not supported as output format`);
  }
}

/** `snapshot save <filename>`. */
export const SNAPSHOT_SAVE_COMMAND: CommandSpec = {
  path: ["snapshot", "save"],
  use: "snapshot save <filename>",
  short: "Stores an etcd node backend snapshot to a given file",
  examples: ["tsetcd --endpoints 127.0.0.1:2379 snapshot save backup.db"],
  flags: [],
  run: runSave,
};

/** `snapshot status <filename>`. */
export const SNAPSHOT_STATUS_COMMAND: CommandSpec = {
  path: ["snapshot", "status"],
  use: "snapshot status <filename>",
  short: "Gets backend snapshot status of a given file",
  long: "Hash is a CRC-32 of the key-value and lease tables (not etcd's bolt hash); total keys counts their rows.",
  examples: ["tsetcd snapshot status backup.db -w table"],
  flags: [],
  run: runStatus,
};

/** The snapshot commands in help order. */
export const SNAPSHOT_COMMANDS: CommandSpec[] = [SNAPSHOT_RESTORE_COMMAND, SNAPSHOT_SAVE_COMMAND, SNAPSHOT_STATUS_COMMAND];
