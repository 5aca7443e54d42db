/**
 * etcdctl 3.4's output of the auth, user and role commands in every `-w` format: simple sentences,
 * encoding/json of the response, fields (a header, and the permissions or roles where etcdctl prints
 * them), protobuf, and "not supported" (exit 4) where etcdctl has no printer. Pure: no I/O.
 * @module
 */
import { encodeProtobuf } from "../src/codec/protobuf.ts";
import type {
  AuthHeaderResponse,
  AuthRoleGetResponse,
  AuthRoleListResponse,
  AuthUserGetResponse,
  AuthUserListResponse,
  Permission,
  ResponseHeader,
} from "../src/codec/messages.ts";
import type { MessageKind } from "../src/codec/schema.ts";
import { prefixEnd } from "../src/client/keys.ts";
import { CliError, ExitCode } from "./errors.ts";
import { base64, bytesToText, goJsonString, goQuote } from "./format.ts";
import type { Printed, PrintOptions } from "./printer.ts";

const PERM_NAMES = ["READ", "WRITE", "READWRITE"] as const;

function unsupported(format: string): CliError {
  return new CliError(ExitCode.BadFeature, `${format} not supported as output format`);
}

function out(stdout: string): Printed {
  return { stdout, stderr: "" };
}

/** encoding/json of pb.ResponseHeader: zero fields omitted, 64-bit numbers unquoted. */
function jsonHeader(h: ResponseHeader | undefined): string {
  const fields: [string, number | bigint | undefined][] = [
    ["cluster_id", h?.cluster_id],
    ["member_id", h?.member_id],
    ["revision", h?.revision],
    ["raft_term", h?.raft_term],
  ];
  const present = fields.filter(([, v]) => v !== undefined && v !== 0 && v !== 0n);
  return `{${present.map(([n, v]) => `"${n}":${v}`).join(",")}}`;
}

/** `{"header":…, "<name>":[…]}` with the list left out when empty (omitempty). */
function jsonWithList(h: ResponseHeader | undefined, name: string, items: string[]): string {
  const list = items.length === 0 ? "" : `,"${name}":[${items.join(",")}]`;
  return `{"header":${jsonHeader(h)}${list}}`;
}

function fieldsHeader(h: ResponseHeader | undefined): string {
  return `"ClusterID" : ${h?.cluster_id ?? 0}\n"MemberID" : ${h?.member_id ?? 0}\n` +
    `"Revision" : ${h?.revision ?? 0}\n"RaftTerm" : ${h?.raft_term ?? 0}\n`;
}

/** The formats every auth response shares: protobuf of `kind`, table refused. */
function common(kind: MessageKind, r: unknown, options: PrintOptions): Printed | undefined {
  if (options.format === "protobuf") return { stdout: "", stderr: "", stdoutBytes: encodeProtobuf(kind, r) };
  if (options.format === "table") throw unsupported("table");
  return undefined;
}

/**
 * A response that is only a header (enable, add, delete, grant, revoke, passwd): `simple` in simple form,
 * the header in json and fields.
 */
export function printHeaderOnly(kind: MessageKind, r: AuthHeaderResponse, simple: string, options: PrintOptions): Printed {
  const shared = common(kind, r, options);
  if (shared !== undefined) return shared;
  if (options.format === "json") return out(`{"header":${jsonHeader(r.header)}}\n`);
  if (options.format === "fields") return out(fieldsHeader(r.header));
  return out(simple);
}

/** `user get`: its roles. etcdctl has no fields printer for it. */
export function printUserGet(name: string, r: AuthUserGetResponse, options: PrintOptions): Printed {
  const shared = common("AuthUserGetResponse", r, options);
  if (shared !== undefined) return shared;
  const roles = r.roles ?? [];
  if (options.format === "json") return out(jsonWithList(r.header, "roles", roles.map(goJsonString)) + "\n");
  if (options.format === "fields") throw unsupported("fields");
  return out(`User: ${name}\nRoles:${roles.map((role) => ` ${role}`).join("")}\n`);
}

/** `user list`: one name a line. etcdctl has no fields printer for it. */
export function printUserList(r: AuthUserListResponse, options: PrintOptions): Printed {
  const shared = common("AuthUserListResponse", r, options);
  if (shared !== undefined) return shared;
  const users = r.users ?? [];
  if (options.format === "json") return out(jsonWithList(r.header, "users", users.map(goJsonString)) + "\n");
  if (options.format === "fields") throw unsupported("fields");
  return out(users.map((user) => `${user}\n`).join(""));
}

/** `role list`: one name a line; fields lists them quoted on one line. */
export function printRoleList(r: AuthRoleListResponse, options: PrintOptions): Printed {
  const shared = common("AuthRoleListResponse", r, options);
  if (shared !== undefined) return shared;
  const roles = r.roles ?? [];
  if (options.format === "json") return out(jsonWithList(r.header, "roles", roles.map(goJsonString)) + "\n");
  if (options.format === "fields") {
    return out(`${fieldsHeader(r.header)}"Roles" :${roles.map((role) => ` ${goQuote(role)}`).join("")}\n`);
  }
  return out(roles.map((role) => `${role}\n`).join(""));
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

function isOpenEnded(end: Uint8Array): boolean {
  return end.length === 1 && end[0] === 0;
}

/** One permission line of `role get`: a key, `[key, end)`, `[key, <open ended>`, and the prefix it is. */
function simplePermission(perm: Permission): string {
  const key = perm.key ?? new Uint8Array();
  const end = perm.range_end ?? new Uint8Array();
  if (end.length === 0) return `\t${bytesToText(key)}\n`;
  const range = isOpenEnded(end) ? `\t[${bytesToText(key)}, <open ended>` : `\t[${bytesToText(key)}, ${bytesToText(end)})`;
  const prefix = sameBytes(prefixEnd(key), end) ? ` (prefix ${bytesToText(key)})` : "";
  return `${range}${prefix}\n`;
}

function permType(perm: Permission): number {
  return perm.permType ?? 0;
}

function jsonPermission(perm: Permission): string {
  const fields: string[] = [];
  if (permType(perm) !== 0) fields.push(`"permType":${permType(perm)}`);
  if ((perm.key?.length ?? 0) > 0) fields.push(`"key":"${base64(perm.key)}"`);
  if ((perm.range_end?.length ?? 0) > 0) fields.push(`"range_end":"${base64(perm.range_end)}"`);
  return `{${fields.join(",")}}`;
}

function fieldsPermission(perm: Permission): string {
  const name = PERM_NAMES[permType(perm)] ?? String(permType(perm));
  return `"PermType" :  ${name}\n"Key" : ${goQuote(perm.key ?? new Uint8Array())}\n` +
    `"RangeEnd" : ${goQuote(perm.range_end ?? new Uint8Array())}\n`;
}

/** `role get`: the keys it may read, then the keys it may write. */
export function printRoleGet(role: string, r: AuthRoleGetResponse, options: PrintOptions): Printed {
  const shared = common("AuthRoleGetResponse", r, options);
  if (shared !== undefined) return shared;
  const perms = r.perm ?? [];
  if (options.format === "json") return out(jsonWithList(r.header, "perm", perms.map(jsonPermission)) + "\n");
  if (options.format === "fields") return out(fieldsHeader(r.header) + perms.map(fieldsPermission).join(""));
  const reads = perms.filter((p) => permType(p) === 0 || permType(p) === 2);
  const writes = perms.filter((p) => permType(p) === 1 || permType(p) === 2);
  const lines = (list: Permission[]): string => list.map(simplePermission).join("");
  return out(`Role ${role}\nKV Read:\n${lines(reads)}KV Write:\n${lines(writes)}`);
}

/** The sentence `role revoke-permission` prints: the key as typed, the end after --prefix/--from-key. */
export function revokedPermissionText(role: string, key: string, end: Uint8Array): string {
  if (end.length === 0) return `Permission of key ${key} is revoked from role ${role}\n`;
  if (isOpenEnded(end)) return `Permission of range [${key}, <open ended> is revoked from role ${role}\n`;
  return `Permission of range [${key}, ${bytesToText(end)}) is revoked from role ${role}\n`;
}
