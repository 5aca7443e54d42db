/**
 * `tsetcd lease grant|revoke|timetolive|list|keep-alive`: etcdctl 3.4's lease commands, with its output
 * (simple, json, fields) and exit codes.
 * @module
 */
import { LeaseClient } from "../src/client/lease.ts";
import type {
  LeaseGrantResponse,
  LeaseKeepAliveResponse,
  LeaseLeasesResponse,
  LeaseRevokeResponse,
  LeaseTimeToLiveResponse,
  ResponseHeader,
} from "../src/codec/messages.ts";
import { asCliError, type CommandContext, type CommandSpec, clientFrom, emit, printOptionsFrom } from "./command.ts";
import { CliError, ExitCode } from "./errors.ts";
import { flagBool } from "./flags.ts";
import { base64, bytesToText, goJsonString, goQuote } from "./format.ts";
import type { Printed, PrintOptions } from "./printer.ts";
import { parseGoInt } from "./requests.ts";

// ---- arguments ----

/** A lease id given in hex, as etcdctl's leaseFromArgs parses it. */
export function leaseIdFromArg(arg: string): bigint {
  const id = parseGoInt(arg, 16);
  if (typeof id === "string") throw new CliError(ExitCode.BadArgs, `bad lease ID arg (${id}), expecting ID in Hex`);
  return id;
}

function needArg(args: string[], message: string): string {
  if (args.length !== 1) throw new CliError(ExitCode.BadArgs, message);
  return args[0]!;
}

// ---- printing (etcdctl's printers for lease responses) ----

/** Go's `%016x` of an int64. */
export function leaseHex(id: bigint): string {
  return id < 0n ? "-" + (-id).toString(16).padStart(15, "0") : id.toString(16).padStart(16, "0");
}

function out(stdout: string): Printed {
  return { stdout, stderr: "" };
}

function unsupported(format: string): CliError {
  return new CliError(ExitCode.BadFeature, `${format} not supported as output format`);
}

/** The embedded response header as encoding/json writes it: zero fields omitted, as leading members. */
function jsonHeaderFields(h: ResponseHeader): string[] {
  const fields: [string, bigint | number][] = [["cluster_id", h.cluster_id], ["member_id", h.member_id],
    ["revision", h.revision], ["raft_term", h.raft_term]];
  return fields.filter(([, v]) => v !== 0 && v !== 0n).map(([n, v]) => `"${n}":${v}`);
}

function fieldsHeader(h: ResponseHeader): string {
  return `"ClusterID" : ${h.cluster_id}\n"MemberID" : ${h.member_id}\n"Revision" : ${h.revision}\n"RaftTerm" : ${h.raft_term}\n`;
}

function varint(value: bigint, into: number[]): void {
  let v = value < 0n ? value + (1n << 64n) : value; // int64 travels as its two's complement
  for (let i = 0; i < 10; i++) {
    const low = Number(v & 0x7fn);
    v >>= 7n;
    if (v === 0n) {
      into.push(low);
      return;
    }
    into.push(low | 0x80);
  }
}

/**
 * etcdctl's `-w protobuf` for lease responses: the clientv3 response embeds the header, and what gets
 * marshalled is that header alone (fields 1–4, zero values skipped), written raw.
 */
export function protoHeader(h: ResponseHeader): Uint8Array {
  const bytes: number[] = [];
  const fields: [number, bigint][] = [[1, h.cluster_id], [2, h.member_id], [3, BigInt(h.revision)], [4, BigInt(h.raft_term)]];
  for (const [field, value] of fields) {
    if (value === 0n) continue;
    varint(BigInt(field << 3), bytes);
    varint(value, bytes);
  }
  return new Uint8Array(bytes);
}

/** The header as Go's %v prints a gogo-protobuf message: `{cluster_id:1 member_id:2 revision:3 raft_term:4 }`. */
function goProtoText(h: ResponseHeader): string {
  const fields: [string, bigint | number][] = [["cluster_id", h.cluster_id], ["member_id", h.member_id],
    ["revision", h.revision], ["raft_term", h.raft_term]];
  return `{${fields.filter(([, v]) => v !== 0 && v !== 0n).map(([n, v]) => `${n}:${v} `).join("")}}`;
}

function printBy(
  options: PrintOptions,
  simple: () => string,
  json: () => string,
  fields: () => string,
  header: ResponseHeader | undefined,
): Printed {
  switch (options.format) {
    case "simple":
      return out(simple());
    case "json":
      return out(json() + "\n");
    case "fields":
      return out(fields());
    case "protobuf":
      if (header === undefined) throw unsupported(options.format);
      return { stdout: "", stderr: "", stdoutBytes: protoHeader(header) };
    default:
      throw unsupported(options.format);
  }
}

/** `lease grant`'s output. */
export function printGrant(r: LeaseGrantResponse, options: PrintOptions): Printed {
  return printBy(
    options,
    () => `lease ${leaseHex(r.ID)} granted with TTL(${r.TTL}s)\n`,
    () => `{${[...jsonHeaderFields(r.header), `"ID":${r.ID}`, `"TTL":${r.TTL}`, `"Error":${goJsonString(r.error ?? "")}`].join(",")}}`,
    () => fieldsHeader(r.header) + `"ID" : ${r.ID}\n"TTL" : ${r.TTL}\n`,
    r.header,
  );
}

/** `lease revoke`'s output. */
export function printRevoke(id: bigint, r: LeaseRevokeResponse, options: PrintOptions): Printed {
  if (options.format === "protobuf") {
    // etcdctl cannot marshal this one (the revoke has happened by then).
    throw new CliError(ExitCode.BadFeature,
      `marshal unsupported for type clientv3.LeaseRevokeResponse (${goProtoText(r.header)})`);
  }
  return printBy(
    options,
    () => `lease ${leaseHex(id)} revoked\n`,
    () => `{"header":{${jsonHeaderFields(r.header).join(",")}}}`,
    () => fieldsHeader(r.header),
    undefined,
  );
}

/** `lease keep-alive`'s output for one response. */
export function printKeepAlive(r: LeaseKeepAliveResponse, options: PrintOptions): Printed {
  return printBy(
    options,
    () => `lease ${leaseHex(r.ID)} keepalived with TTL(${r.TTL})\n`,
    () => `{${[...jsonHeaderFields(r.header), `"ID":${r.ID}`, `"TTL":${r.TTL}`].join(",")}}`,
    () => fieldsHeader(r.header) + `"ID" : ${r.ID}\n"TTL" : ${r.TTL}\n`,
    r.header,
  );
}

/** `lease timetolive`'s output. */
export function printTimeToLive(r: LeaseTimeToLiveResponse, keys: boolean, options: PrintOptions): Printed {
  const simple = (): string => {
    if (r.grantedTTL === 0 && r.TTL === -1) return `lease ${leaseHex(r.ID)} already expired\n`;
    let text = `lease ${leaseHex(r.ID)} granted with TTL(${r.grantedTTL}s), remaining(${r.TTL}s)`;
    if (keys) text += `, attached keys([${r.keys.map(bytesToText).join(" ")}])`;
    return text + "\n";
  };
  const json = (): string => {
    const list = r.keys.length === 0 ? "null" : `[${r.keys.map((k) => `"${base64(k)}"`).join(",")}]`;
    return `{${[...jsonHeaderFields(r.header), `"id":${r.ID}`, `"ttl":${r.TTL}`, `"granted-ttl":${r.grantedTTL}`,
      `"keys":${list}`].join(",")}}`;
  };
  const fields = (): string =>
    fieldsHeader(r.header) + `"ID" : ${r.ID}\n"TTL" : ${r.TTL}\n"GrantedTTL" : ${r.grantedTTL}\n` +
    r.keys.map((k) => `"Key" : ${goQuote(k)}\n`).join("");
  return printBy(options, simple, json, fields, r.header);
}

/** `lease list`'s output. */
export function printLeases(r: LeaseLeasesResponse, options: PrintOptions): Printed {
  return printBy(
    options,
    () => `found ${r.leases.length} leases\n` + r.leases.map((l) => `${leaseHex(l.ID)}\n`).join(""),
    () => {
      const items = r.leases.length === 0 ? "null" : `[${r.leases.map((l) => `{"id":${l.ID}}`).join(",")}]`;
      return `{${[...jsonHeaderFields(r.header), `"leases":${items}`].join(",")}}`;
    },
    () => fieldsHeader(r.header) + r.leases.map((l) => `"ID" : ${l.ID}\n`).join(""),
    r.header,
  );
}

// ---- commands ----

/** Runs `fn`; an etcd error becomes etcdctl's `Error: <wrap(message)>` with `exitCode`. */
async function failingWith<T>(exitCode: number, wrap: (message: string) => string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    const cli = asCliError(error);
    if (cli === undefined || error instanceof CliError) throw error;
    throw new CliError(exitCode, wrap(cli.message));
  }
}

async function grant(ctx: CommandContext): Promise<number> {
  const text = needArg(ctx.args, "lease grant command needs TTL argument");
  const ttl = parseGoInt(text, 10);
  if (typeof ttl === "string") throw new CliError(ExitCode.BadArgs, `bad TTL (${ttl})`);
  const options = printOptionsFrom(ctx.globals);
  const leases = new LeaseClient(clientFrom(ctx.globals));
  const response = await failingWith(ExitCode.Error, (m) => `failed to grant lease (${m})`, () =>
    leases.grant(Number(ttl)));
  emit(ctx.io, printGrant(response, options));
  return 0;
}

async function revoke(ctx: CommandContext): Promise<number> {
  const id = leaseIdFromArg(needArg(ctx.args, "lease revoke command needs 1 argument"));
  const options = printOptionsFrom(ctx.globals);
  const leases = new LeaseClient(clientFrom(ctx.globals));
  const response = await failingWith(ExitCode.Error, (m) => `failed to revoke lease (${m})`, () => leases.revoke(id));
  emit(ctx.io, printRevoke(id, response, options));
  return 0;
}

async function timeToLive(ctx: CommandContext): Promise<number> {
  const id = leaseIdFromArg(needArg(ctx.args, "lease timetolive command needs lease ID as argument"));
  const keys = flagBool(ctx.flags, "keys");
  const options = printOptionsFrom(ctx.globals);
  const leases = new LeaseClient(clientFrom(ctx.globals));
  const response = await failingWith(ExitCode.BadConnection, (m) => m, () => leases.timeToLive(id, { keys }));
  emit(ctx.io, printTimeToLive(response, keys, options));
  return 0;
}

async function list(ctx: CommandContext): Promise<number> {
  const options = printOptionsFrom(ctx.globals);
  const leases = new LeaseClient(clientFrom(ctx.globals));
  const response = await failingWith(ExitCode.BadConnection, (m) => m, () => leases.leases());
  emit(ctx.io, printLeases(response, options));
  return 0;
}

async function keepAlive(ctx: CommandContext): Promise<number> {
  const id = leaseIdFromArg(needArg(ctx.args, "lease keep-alive command needs lease ID as argument"));
  const options = printOptionsFrom(ctx.globals);
  const leases = new LeaseClient(clientFrom(ctx.globals));
  if (flagBool(ctx.flags, "once")) {
    const response = await failingWith(ExitCode.BadConnection, (m) => m, () => leases.keepAliveOnce(id));
    // etcd's client turns a TTL ≤ 0 answer (the lease is gone) into this error.
    if (response.TTL <= 0) throw new CliError(ExitCode.BadConnection, "etcdserver: requested lease not found");
    emit(ctx.io, printKeepAlive(response, options));
    return 0;
  }
  const stream = leases.keepAlive(id);
  await failingWith(ExitCode.BadConnection, (m) => m, async () => {
    for await (const response of stream) emit(ctx.io, printKeepAlive(response, options));
  });
  if (options.format === "simple") ctx.io.stdout(`lease ${leaseHex(id)} expired or revoked.\n`);
  return 0;
}

const LEASE_LONG = "Lease commands.";

/** `lease grant`. */
export const LEASE_GRANT_COMMAND: CommandSpec = {
  path: ["lease", "grant"],
  use: "lease grant <ttl>",
  short: "Creates leases",
  long: `${LEASE_LONG}\nCreates a lease with the given TTL in seconds.`,
  examples: ["tsetcd lease grant 60", "tsetcd put --lease=$(tsetcd lease grant 10 | cut -d' ' -f2) job/owner me"],
  flags: [],
  run: grant,
};

/** `lease revoke`. */
export const LEASE_REVOKE_COMMAND: CommandSpec = {
  path: ["lease", "revoke"],
  use: "lease revoke <leaseID>",
  short: "Revokes leases",
  long: "Revokes a lease: every key attached to it is deleted.",
  examples: ["tsetcd lease revoke 694d7a5c2a5a9b0f"],
  flags: [],
  run: revoke,
};

/** `lease timetolive`. */
export const LEASE_TIMETOLIVE_COMMAND: CommandSpec = {
  path: ["lease", "timetolive"],
  use: "lease timetolive <leaseID> [options]",
  short: "Get lease information",
  long: "Prints a lease's granted and remaining TTL, and with --keys the keys attached to it.",
  examples: ["tsetcd lease timetolive 694d7a5c2a5a9b0f --keys"],
  flags: [{ name: "keys", kind: "bool", defaultText: "false", description: "Get keys attached to this lease" }],
  run: timeToLive,
};

/** `lease list`. */
export const LEASE_LIST_COMMAND: CommandSpec = {
  path: ["lease", "list"],
  use: "lease list",
  short: "List all active leases",
  long: "Lists every active lease.",
  examples: ["tsetcd lease list"],
  flags: [],
  run: list,
};

/** `lease keep-alive`. */
export const LEASE_KEEP_ALIVE_COMMAND: CommandSpec = {
  path: ["lease", "keep-alive"],
  use: "lease keep-alive [options] <leaseID>",
  short: "Keeps leases alive (renew)",
  long: "Renews a lease at a third of its TTL until interrupted, or once with --once.",
  examples: ["tsetcd lease keep-alive 694d7a5c2a5a9b0f", "tsetcd lease keep-alive --once 694d7a5c2a5a9b0f"],
  flags: [{ name: "once", kind: "bool", defaultText: "false", description: "Resets the keep-alive time to its original value and exits immediately" }],
  run: keepAlive,
};

/** Every lease subcommand, in help order. */
export const LEASE_COMMANDS: CommandSpec[] = [
  LEASE_GRANT_COMMAND,
  LEASE_KEEP_ALIVE_COMMAND,
  LEASE_LIST_COMMAND,
  LEASE_REVOKE_COMMAND,
  LEASE_TIMETOLIVE_COMMAND,
];
