/**
 * `tsetcd member list|add|remove|update|promote`: the cluster's membership, as etcdctl 3.4's member
 * commands (same argument checks, output lines, `ETCD_*` lines after `member add`, errors and exit codes).
 * The printing is pure and exported for tests; the commands only parse, call the client and print.
 * @module
 */
import type {
  MemberAddResponse,
  MemberListResponse,
  ResponseHeader,
} from "../src/codec/messages.ts";
import { type CommandContext, type CommandSpec, clientFrom, emit, printOptionsFrom } from "./command.ts";
import { CliError, ExitCode } from "./errors.ts";
import { flagBool, type FlagSpec, flagString } from "./flags.ts";
import { type Printed, printMemberList, type PrintOptions } from "./printer.ts";

const MAX_UINT64 = (1n << 64n) - 1n;
const HEX_DIGITS = /^[0-9a-fA-F]+$/;

/**
 * Go's strconv.ParseUint(text, 16, 64): the value, or the error text Go gives.
 * @example parseHexUint64("8e9e05c52164694d") // 10276657743932975437n
 */
export function parseHexUint64(text: string): bigint | string {
  const quoted = JSON.stringify(text);
  if (!HEX_DIGITS.test(text)) return `strconv.ParseUint: parsing ${quoted}: invalid syntax`;
  const value = BigInt(`0x${text}`);
  if (value > MAX_UINT64) return `strconv.ParseUint: parsing ${quoted}: value out of range`;
  return value;
}

/** The member id argument of remove/update/promote, as etcdctl checks it. */
export function memberIdArg(args: string[]): bigint {
  if (args.length !== 1) throw new CliError(ExitCode.BadArgs, "member ID is not provided");
  const parsed = parseHexUint64(args[0]!);
  if (typeof parsed === "string") {
    throw new CliError(ExitCode.BadArgs, `bad member ID arg (${parsed}), expecting ID in Hex`);
  }
  return parsed;
}

/**
 * etcd's types.NewURLs checks, which etcdctl's client runs before sending: a known scheme, a host:port,
 * no path. The error is a plain client error (exit 1).
 */
export function checkPeerUrls(urls: string[]): void {
  for (const text of urls) {
    const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(text)?.[1];
    if (scheme === undefined || !["http", "https", "unix", "unixs"].includes(scheme)) {
      throw new CliError(ExitCode.Error, `URL scheme must be http, https, unix, or unixs: ${text}`);
    }
    const rest = text.slice(scheme.length + 3);
    const slash = rest.indexOf("/");
    const host = slash < 0 ? rest : rest.slice(0, slash);
    if (!/^(\[[^\]]*\]|[^:\[\]]*):[0-9]*$/.test(host)) {
      throw new CliError(ExitCode.Error, `URL address does not have the form "host:port": ${text}`);
    }
    if (slash >= 0 && rest.slice(slash) !== "/") {
      throw new CliError(ExitCode.Error, `URL must not contain a path: ${text}`);
    }
  }
}

/** `--peer-urls` split as etcdctl splits it; an empty flag is the "not provided" error. */
function peerUrlsFlag(ctx: CommandContext): string[] {
  const text = flagString(ctx.flags, "peer-urls");
  if (text === "") throw new CliError(ExitCode.BadArgs, "member peer urls not provided");
  return text.split(",");
}

/** Go's %16x: lower-case hex, left-padded with spaces to 16 characters. */
export function hex16(id: bigint): string {
  return id.toString(16).padStart(16, " ");
}

function clusterIdOf(header: ResponseHeader | undefined): bigint {
  return header?.cluster_id ?? 0n;
}

function unsupported(format: string): CliError {
  return new CliError(ExitCode.BadFeature, `${format} not supported as output format`);
}

/** The `ETCD_*` lines etcdctl prints after a simple `member add`, for starting the new member. */
export function memberAddEnvLines(name: string, response: MemberAddResponse): string {
  const newId = response.member.ID;
  const cluster: string[] = [];
  for (const m of response.members ?? []) {
    const memberName = m.ID === newId ? name : m.name;
    for (const url of m.peerURLs ?? []) cluster.push(`${memberName}=${url}`);
  }
  return `ETCD_NAME=${JSON.stringify(name)}\n` +
    `ETCD_INITIAL_CLUSTER=${JSON.stringify(cluster.join(","))}\n` +
    `ETCD_INITIAL_ADVERTISE_PEER_URLS=${JSON.stringify((response.member.peerURLs ?? []).join(","))}\n` +
    `ETCD_INITIAL_CLUSTER_STATE="existing"\n`;
}

/**
 * Re-tags the repeated field 2 entries of a member-list protobuf as field `field` (MemberAddResponse puts
 * its single member at 2 and the list at 3), keeping the header (field 1) as is.
 */
function retagMembers(encoded: Uint8Array, field: number): Uint8Array {
  const out: number[] = [];
  let i = 0;
  while (i < encoded.length) {
    const tag = encoded[i]!;
    let length = 0;
    let shift = 0;
    let j = i + 1;
    for (; j < encoded.length && j < i + 11; j++) {
      length += (encoded[j]! & 0x7f) * 2 ** shift;
      shift += 7;
      if ((encoded[j]! & 0x80) === 0) break;
    }
    const end = j + 1 + length;
    if (end > encoded.length || (tag !== 0x0a && tag !== 0x12)) throw new Error("member protobuf: unexpected layout");
    out.push(tag === 0x12 ? (field << 3) | 2 : tag, ...encoded.subarray(i + 1, end));
    i = end;
  }
  return new Uint8Array(out);
}

function memberAddProtobuf(r: MemberAddResponse): Uint8Array {
  const withHeader = printMemberList({ header: r.header, members: [] }, { format: "protobuf", hex: false });
  const one = printMemberList({ header: undefined as unknown as ResponseHeader, members: [r.member] }, {
    format: "protobuf",
    hex: false,
  });
  const all = printMemberList({ header: undefined as unknown as ResponseHeader, members: r.members ?? [] }, {
    format: "protobuf",
    hex: false,
  });
  const parts = [withHeader.stdoutBytes!, one.stdoutBytes!, retagMembers(all.stdoutBytes!, 3)];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** The member list response's JSON with `member` inserted after the header (MemberAddResponse's order). */
function memberAddJson(r: MemberAddResponse): string {
  const memberJson = printMemberList({ header: undefined as unknown as ResponseHeader, members: [r.member] }, {
    format: "json",
    hex: false,
  }).stdout.trim();
  const single = memberJson.slice('{"members":['.length, -2);
  const listJson = printMemberList({ header: r.header, members: r.members ?? [] }, { format: "json", hex: false })
    .stdout.trim();
  const membersAt = listJson.indexOf(',"members":');
  const head = membersAt < 0 ? listJson.slice(0, -1) : listJson.slice(0, membersAt);
  const tail = membersAt < 0 ? "}" : listJson.slice(membersAt);
  const separator = head === "{" ? "" : ",";
  return `${head}${separator}"member":${single}${tail}`;
}

/** `member add`'s output for a format (the ETCD_* lines follow only in simple). */
export function printMemberAdd(name: string, r: MemberAddResponse, options: PrintOptions): Printed {
  switch (options.format) {
    case "simple":
      return {
        stdout: `Member ${hex16(r.member.ID)} added to cluster ${hex16(clusterIdOf(r.header))}\n\n` +
          memberAddEnvLines(name, r),
        stderr: "",
      };
    case "json":
      return { stdout: memberAddJson(r) + "\n", stderr: "" };
    case "protobuf":
      return { stdout: "", stderr: "", stdoutBytes: memberAddProtobuf(r) };
    default:
      throw unsupported(options.format);
  }
}

/** What remove/update/promote did, for the simple line. */
export type MemberChange = "removed from" | "updated in" | "promoted in";

/** remove/update/promote output: one line in simple, the member list response otherwise (no table/fields). */
export function printMemberChange(
  change: MemberChange,
  id: bigint,
  r: MemberListResponse,
  options: PrintOptions,
): Printed {
  if (options.format === "simple") {
    return { stdout: `Member ${hex16(id)} ${change} cluster ${hex16(clusterIdOf(r.header))}\n`, stderr: "" };
  }
  if (options.format === "json" || options.format === "protobuf") return printMemberList(r, options);
  throw unsupported(options.format);
}

async function runList(ctx: CommandContext): Promise<number> {
  const options = printOptionsFrom(ctx.globals);
  const response = await clientFrom(ctx.globals).memberList();
  emit(ctx.io, printMemberList(response, options));
  return 0;
}

/** etcdctl's hint when a peer URL was given as a second argument. */
function tooManyArguments(args: string[]): CliError {
  const url = args.find((a) => a.toLowerCase().startsWith("http"));
  const hint = url === undefined ? "" : `, did you mean --peer-urls=${url}`;
  return new CliError(ExitCode.BadArgs, `too many arguments${hint}`);
}

async function runAdd(ctx: CommandContext): Promise<number> {
  if (ctx.args.length < 1) throw new CliError(ExitCode.BadArgs, "member name not provided");
  if (ctx.args.length > 1) throw tooManyArguments(ctx.args);
  const name = ctx.args[0]!;
  const peerURLs = peerUrlsFlag(ctx);
  const options = printOptionsFrom(ctx.globals);
  checkPeerUrls(peerURLs);
  const isLearner = flagBool(ctx.flags, "learner");
  const response = await clientFrom(ctx.globals).memberAdd(isLearner ? { peerURLs, isLearner } : { peerURLs });
  emit(ctx.io, printMemberAdd(name, response, options));
  return 0;
}

async function runRemove(ctx: CommandContext): Promise<number> {
  const id = memberIdArg(ctx.args);
  const options = printOptionsFrom(ctx.globals);
  const response = await clientFrom(ctx.globals).memberRemove({ ID: id });
  emit(ctx.io, printMemberChange("removed from", id, response, options));
  return 0;
}

async function runUpdate(ctx: CommandContext): Promise<number> {
  const id = memberIdArg(ctx.args);
  const peerURLs = peerUrlsFlag(ctx);
  const options = printOptionsFrom(ctx.globals);
  checkPeerUrls(peerURLs);
  const response = await clientFrom(ctx.globals).memberUpdate({ ID: id, peerURLs });
  emit(ctx.io, printMemberChange("updated in", id, response, options));
  return 0;
}

async function runPromote(ctx: CommandContext): Promise<number> {
  const id = memberIdArg(ctx.args);
  const options = printOptionsFrom(ctx.globals);
  const response = await clientFrom(ctx.globals).memberPromote({ ID: id });
  emit(ctx.io, printMemberChange("promoted in", id, response, options));
  return 0;
}

const PEER_URLS_FLAG: FlagSpec = {
  name: "peer-urls",
  kind: "string",
  defaultText: '""',
  description: "comma separated peer URLs for the new member.",
};

/** The member list command. */
export const MEMBER_LIST_COMMAND: CommandSpec = {
  path: ["member", "list"],
  use: "member list",
  short: "Lists all members in the cluster",
  long: `When --write-out is set to simple, this command prints out comma-separated member lists for each endpoint.
The items in the lists are ID, Status, Name, Peer Addrs, Client Addrs, Is Learner.`,
  examples: ["tsetcd member list", "tsetcd member list -w table"],
  flags: [],
  run: runList,
};

/** The member add command. */
export const MEMBER_ADD_COMMAND: CommandSpec = {
  path: ["member", "add"],
  use: "member add <memberName> [options]",
  short: "Adds a member into the cluster",
  examples: [
    "tsetcd member add d --peer-urls=http://127.0.0.1:12380",
    "tsetcd member add d --peer-urls=http://127.0.0.1:12380 --learner",
  ],
  flags: [
    { name: "learner", kind: "bool", defaultText: "false", description: "indicates if the new member is raft learner" },
    PEER_URLS_FLAG,
  ],
  run: runAdd,
};

/** The member remove command. */
export const MEMBER_REMOVE_COMMAND: CommandSpec = {
  path: ["member", "remove"],
  use: "member remove <memberID>",
  short: "Removes a member from the cluster",
  examples: ["tsetcd member remove 8e9e05c52164694d"],
  flags: [],
  run: runRemove,
};

/** The member update command. */
export const MEMBER_UPDATE_COMMAND: CommandSpec = {
  path: ["member", "update"],
  use: "member update <memberID> [options]",
  short: "Updates a member in the cluster",
  examples: ["tsetcd member update 8e9e05c52164694d --peer-urls=http://127.0.0.1:12381"],
  flags: [{ ...PEER_URLS_FLAG, description: "comma separated peer URLs for the updated member." }],
  run: runUpdate,
};

/** The member promote command. */
export const MEMBER_PROMOTE_COMMAND: CommandSpec = {
  path: ["member", "promote"],
  use: "member promote <memberID>",
  short: "Promotes a non-voting member in the cluster",
  long: `Promotes a non-voting learner member to a voting one in the cluster.
`,
  examples: ["tsetcd member promote 8e9e05c52164694d"],
  flags: [],
  run: runPromote,
};

/** Every member subcommand, in help order. */
export const MEMBER_COMMANDS: CommandSpec[] = [
  MEMBER_ADD_COMMAND,
  MEMBER_LIST_COMMAND,
  MEMBER_PROMOTE_COMMAND,
  MEMBER_REMOVE_COMMAND,
  MEMBER_UPDATE_COMMAND,
];
