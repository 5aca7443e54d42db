/**
 * `tsetcd endpoint hashkv [--cluster] [--rev]`: each endpoint's HashKV, printed as etcdctl 3.4 prints it.
 * Each endpoint is asked on its own; one that fails is reported on stderr, the others still print, and the
 * command then ends with the last failure's "Error:" and exit code 1 (etcdctl's epHashKVCommandFunc).
 * @module
 */
import type { HashKVResponse, ResponseHeader } from "../src/codec/messages.ts";
import { type CommandContext, type CommandSpec, clientFrom, emit, printOptionsFrom } from "./command.ts";
import { CliError, ExitCode } from "./errors.ts";
import { flagInt, type FlagSpec } from "./flags.ts";
import { goJsonString, goQuote, renderTable } from "./format.ts";
import type { PrintOptions, Printed } from "./printer.ts";

/** One endpoint's answer. */
export interface EndpointHashKv {
  endpoint: string;
  response: HashKVResponse;
}

/** encoding/json over the gogo struct: zero fields left out, 64-bit integers as numbers. */
function jsonFields(fields: [string, string | number | bigint | undefined][]): string {
  const present = fields.filter(([, v]) => v !== undefined && v !== 0 && v !== 0n && v !== "");
  return `{${present.map(([name, v]) => `${goJsonString(name)}:${String(v)}`).join(",")}}`;
}

function jsonHeader(h: ResponseHeader): string {
  return jsonFields([
    ["cluster_id", h.cluster_id],
    ["member_id", h.member_id],
    ["revision", h.revision],
    ["raft_term", h.raft_term],
  ]);
}

function rows(list: EndpointHashKv[]): string[][] {
  return list.map((e) => [e.endpoint, String(e.response.hash)]);
}

/** etcdctl 3.4's output of `endpoint hashkv` in each -w format. */
export function printEndpointHashKv(list: EndpointHashKv[], options: PrintOptions): Printed {
  const out = (stdout: string): Printed => ({ stdout, stderr: "" });
  switch (options.format) {
    case "simple":
      return out(rows(list).map((row) => row.join(", ") + "\n").join(""));
    case "json": {
      const items = list.map((e) => {
        const r = e.response;
        const body = jsonFields([["header", jsonHeader(r.header)], ["hash", r.hash], ["compact_revision", r.compact_revision]]);
        return `{"Endpoint":${goJsonString(e.endpoint)},"HashKV":${body}}`;
      });
      return out(`[${items.join(",")}]\n`);
    }
    case "fields":
      return out(list.map(({ endpoint, response: r }) =>
        `"ClusterID" : ${r.header.cluster_id}\n"MemberID" : ${r.header.member_id}\n` +
        `"Revision" : ${r.header.revision}\n"RaftTerm" : ${r.header.raft_term}\n` +
        `"Endpoint" : ${goQuote(endpoint)}\n"Hash" : ${r.hash}\n\n`
      ).join(""));
    case "table":
      return out(renderTable(["endpoint", "hash"], rows(list)));
    default:
      throw new CliError(ExitCode.BadFeature, `${options.format} not supported as output format`);
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Runs the command over `endpoints` (already resolved, --cluster included). */
export async function runHashKv(ctx: CommandContext, endpoints: string[]): Promise<number> {
  const options = printOptionsFrom(ctx.globals);
  const revision = flagInt(ctx.flags, "rev");
  const client = clientFrom(ctx.globals);
  const list: EndpointHashKv[] = [];
  let lastError: string | undefined;
  for (const endpoint of endpoints) {
    try {
      list.push({ endpoint, response: await client.hashKv(endpoint, revision) });
    } catch (error) {
      lastError = errorText(error);
      ctx.io.stderr(`Failed to get the hash of endpoint ${endpoint} (${lastError})\n`);
    }
  }
  emit(ctx.io, printEndpointHashKv(list, options));
  if (lastError !== undefined) throw new CliError(ExitCode.Error, lastError);
  return 0;
}

/** The --rev flag of `endpoint hashkv`. */
export const HASHKV_REV_FLAG: FlagSpec = {
  name: "rev",
  kind: "int",
  defaultText: "0",
  description: "maximum revision to hash (default: all revisions)",
};

/** Builds the command spec around the shared endpoint resolution (commands/endpoint.ts). */
export function hashKvCommand(flags: FlagSpec[], resolve: (ctx: CommandContext) => Promise<string[]>): CommandSpec {
  return {
    path: ["endpoint", "hashkv"],
    use: "endpoint hashkv",
    short: "Prints the KV history hash for each endpoint in --endpoints",
    examples: ["tsetcd endpoint hashkv", "tsetcd endpoint hashkv --cluster -w table", "tsetcd endpoint hashkv --rev 42"],
    flags: [...flags, HASHKV_REV_FLAG],
    run: async (ctx) => runHashKv(ctx, await resolve(ctx)),
  };
}
