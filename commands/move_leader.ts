/**
 * `tsetcd move-leader <hex id>`: asks the leader to hand leadership to another voting member, as etcdctl's
 * move-leader (the leader is found among --endpoints by their status; only the leader is asked).
 * @module
 */
import type { MoveLeaderResponse } from "../src/codec/messages.ts";
import { type CommandContext, type CommandSpec, clientFrom, emit, printOptionsFrom } from "./command.ts";
import { CliError, ExitCode } from "./errors.ts";
import { parseHexUint64 } from "./member.ts";
import type { Printed, PrintOptions } from "./printer.ts";

/** etcdctl's move-leader output: one line in simple, the (header-only) response in json or protobuf. */
export function printMoveLeader(
  leaderId: bigint,
  targetId: bigint,
  r: MoveLeaderResponse,
  options: PrintOptions,
): Printed {
  switch (options.format) {
    case "simple":
      return { stdout: `Leadership transferred from ${leaderId.toString(16)} to ${targetId.toString(16)}\n`, stderr: "" };
    case "json":
      return { stdout: moveLeaderJson(r) + "\n", stderr: "" };
    case "protobuf":
      return { stdout: "", stderr: "", stdoutBytes: moveLeaderProtobuf(r) };
    default:
      throw new CliError(ExitCode.BadFeature, `${options.format} not supported as output format`);
  }
}

/** encoding/json of the response: zero fields omitted, an absent header omitted (etcd 3.4 sends none). */
function moveLeaderJson(r: MoveLeaderResponse): string {
  const h = r.header;
  if (h === undefined || h === null) return "{}";
  const fields = [["cluster_id", h.cluster_id], ["member_id", h.member_id], ["revision", h.revision], [
    "raft_term",
    h.raft_term,
  ]] as const;
  const present = fields.filter(([, v]) => v !== undefined && BigInt(v) !== 0n).map(([n, v]) => `"${n}":${BigInt(v!)}`);
  return `{"header":{${present.join(",")}}}`;
}

function varint(value: bigint, out: number[]): void {
  let v = value;
  for (let i = 0; i < 10; i++) {
    const low = Number(v & 0x7fn);
    v >>= 7n;
    if (v === 0n) {
      out.push(low);
      return;
    }
    out.push(low | 0x80);
  }
}

function moveLeaderProtobuf(r: MoveLeaderResponse): Uint8Array {
  const h = r.header;
  if (h === undefined || h === null) return new Uint8Array();
  const inner: number[] = [];
  const values = [h.cluster_id, h.member_id, h.revision, h.raft_term];
  values.forEach((v, i) => {
    if (v === undefined || BigInt(v) === 0n) return;
    inner.push(((i + 1) << 3) | 0);
    varint(BigInt(v), inner);
  });
  const out = [0x0a];
  varint(BigInt(inner.length), out);
  return new Uint8Array([...out, ...inner]);
}

/** Go's fmt %v of a string slice: `[a b]`. */
function goSlice(items: readonly string[]): string {
  return `[${items.join(" ")}]`;
}

async function run(ctx: CommandContext): Promise<number> {
  if (ctx.args.length !== 1) throw new CliError(ExitCode.BadArgs, "move-leader command needs 1 argument");
  const target = parseHexUint64(ctx.args[0]!);
  if (typeof target === "string") throw new CliError(ExitCode.BadArgs, target);
  const options = printOptionsFrom(ctx.globals);
  const client = clientFrom(ctx.globals);
  const endpoints = client.endpoints;
  for (const endpoint of endpoints) {
    const status = await client.status(endpoint);
    if (status.header.member_id !== status.leader) continue;
    const response = await client.moveLeader({ targetID: target }, endpoint);
    emit(ctx.io, printMoveLeader(status.leader, target, response, options));
    return 0;
  }
  throw new CliError(ExitCode.BadArgs, `no leader endpoint given at ${goSlice(endpoints)}`);
}

/** The move-leader command. */
export const MOVE_LEADER_COMMAND: CommandSpec = {
  path: ["move-leader"],
  use: "move-leader <transferee-member-id>",
  short: "Transfers leadership to another etcd cluster member.",
  examples: ["tsetcd --endpoints=127.0.0.1:2379,127.0.0.1:22379 move-leader 8e9e05c52164694d"],
  flags: [],
  run,
};
