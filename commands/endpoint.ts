/**
 * `tsetcd endpoint status|health`: per-endpoint status and health, as etcdctl's endpoint commands
 * (each endpoint asked on its own; a failed endpoint is reported and makes the exit code 1).
 * @module
 */
import {
  type CommandContext,
  type CommandSpec,
  clientFrom,
  emit,
  printOptionsFrom,
} from "./command.ts";
import type { Client } from "../src/client/mod.ts";
import { CliError, ExitCode } from "./errors.ts";
import { flagBool, type FlagSpec } from "./flags.ts";
import { type EndpointHealth, type EndpointStatus, printEndpointHealth, printEndpointStatus } from "./printer.ts";
import { hashKvCommand } from "./endpoint_hashkv.ts";

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The client that asks for the member list. etcdctl's endpointsFromCluster ends with exit 1 (not 128) on a
 * bad TLS file; `endpoint status` has already opened its client by then, so only `health` shows it.
 */
function clientFromForCluster(ctx: CommandContext): Client {
  try {
    return clientFrom(ctx.globals);
  } catch (error) {
    if (error instanceof CliError) throw new CliError(ExitCode.Error, error.message);
    throw error;
  }
}

/** `--cluster`: every client URL of every member instead of `--endpoints`. */
export async function targetEndpoints(ctx: CommandContext): Promise<string[]> {
  if (!flagBool(ctx.flags, "cluster")) return ctx.globals.endpoints;
  // Outside the try: a bad TLS file is reported as itself, not as a member-list failure. The members'
  // client URLs keep their own scheme; the same TLS material goes with them (clientFrom).
  const client = clientFromForCluster(ctx);
  try {
    const { members } = await client.memberList();
    return members.flatMap((m) => m.clientURLs);
  } catch (error) {
    throw new CliError(ExitCode.Error, `failed to fetch endpoints from etcd cluster member list: ${errorText(error)}`);
  }
}

async function runStatus(ctx: CommandContext): Promise<number> {
  const options = printOptionsFrom(ctx.globals);
  const client = clientFrom(ctx.globals);
  const list: EndpointStatus[] = [];
  let failed = false;
  for (const endpoint of await targetEndpoints(ctx)) {
    try {
      list.push({ endpoint, status: await client.status(endpoint) });
    } catch (error) {
      failed = true;
      ctx.io.stderr(`Failed to get the status of endpoint ${endpoint} (${errorText(error)})\n`);
    }
  }
  emit(ctx.io, printEndpointStatus(list, options));
  return failed ? ExitCode.Error : 0;
}

/** Health as etcdctl measures it: a linearizable read of key "health" through consensus. */
async function checkOne(ctx: CommandContext, endpoint: string): Promise<EndpointHealth> {
  const client = clientFrom(ctx.globals, [endpoint]);
  const startNs = process.hrtime.bigint();
  try {
    await client.get("health");
    return { endpoint, health: true, tookNs: process.hrtime.bigint() - startNs };
  } catch (error) {
    return { endpoint, health: false, tookNs: process.hrtime.bigint() - startNs, error: errorText(error) };
  }
}

async function runHealth(ctx: CommandContext): Promise<number> {
  const options = printOptionsFrom(ctx.globals);
  const endpoints = await targetEndpoints(ctx);
  const list = await Promise.all(endpoints.map((endpoint) => checkOne(ctx, endpoint)));
  emit(ctx.io, printEndpointHealth(list, options));
  if (list.some((h) => h.error !== undefined)) throw new CliError(ExitCode.Error, "unhealthy cluster");
  return 0;
}

const CLUSTER_FLAG: FlagSpec = {
  name: "cluster",
  kind: "bool",
  defaultText: "false",
  description: "use all endpoints from the cluster member list",
};

/** The endpoint status command. */
export const ENDPOINT_STATUS_COMMAND: CommandSpec = {
  path: ["endpoint", "status"],
  use: "endpoint status",
  short: "Prints out the status of endpoints specified in `--endpoints` flag",
  long: `When --write-out is set to simple, this command prints out comma-separated status lists for each endpoint.
The items in the lists are endpoint, ID, version, db size, is leader, is learner, raft term, raft index, raft applied index, errors.`,
  examples: ["tsetcd endpoint status -w table", "tsetcd endpoint status --cluster", "tsetcd --endpoints=127.0.0.1:2379,127.0.0.1:22379 endpoint status"],
  flags: [CLUSTER_FLAG],
  run: runStatus,
};

/** The endpoint health command. */
export const ENDPOINT_HEALTH_COMMAND: CommandSpec = {
  path: ["endpoint", "health"],
  use: "endpoint health",
  short: "Checks the healthiness of endpoints specified in `--endpoints` flag",
  examples: ["tsetcd endpoint health", "tsetcd endpoint health -w json"],
  flags: [CLUSTER_FLAG],
  run: runHealth,
};

/** The endpoint hashkv command (commands/endpoint_hashkv.ts). */
export const ENDPOINT_HASHKV_COMMAND: CommandSpec = hashKvCommand([CLUSTER_FLAG], targetEndpoints);
