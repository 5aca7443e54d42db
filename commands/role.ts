/**
 * `tsetcd role add|delete|get|list|grant-permission|revoke-permission`, as etcdctl 3.4's: permission
 * types READ, WRITE, READWRITE in any case; a key, `key endkey`, `--prefix` or `--from-key` (an empty key
 * with either flag is the whole key space); output in every `-w` format, errors and exit codes.
 * @module
 */
import { AuthClient } from "../src/client/auth.ts";
import { NUL_KEY, prefixEnd } from "../src/client/keys.ts";
import { type Permission, PermissionType } from "../src/codec/messages.ts";
import { printHeaderOnly, printRoleGet, printRoleList, revokedPermissionText } from "./auth_print.ts";
import { type CommandContext, type CommandSpec, clientFrom, emit, printOptionsFrom } from "./command.ts";
import { CliError, ExitCode } from "./errors.ts";
import { type FlagSpec, flagBool } from "./flags.ts";
import { utf8 } from "./format.ts";
import type { PrintOptions } from "./printer.ts";

function authFrom(ctx: CommandContext): { auth: AuthClient; print: PrintOptions } {
  const print = printOptionsFrom(ctx.globals);
  return { auth: new AuthClient(clientFrom(ctx.globals)), print };
}

function oneRoleName(ctx: CommandContext, command: string): string {
  if (ctx.args.length !== 1) throw new CliError(ExitCode.BadArgs, `role ${command} command requires role name as its argument`);
  return ctx.args[0]!;
}

/** clientv3.StrToPermissionType: the enum's name in any case. */
function permissionType(text: string): PermissionType {
  const value = (PermissionType as Record<string, PermissionType>)[text.toUpperCase()];
  if (value === undefined) throw new CliError(ExitCode.BadArgs, `invalid permission type: ${text}`);
  return value;
}

function mutuallyExclusive(): CliError {
  return new CliError(ExitCode.BadArgs, "--from-key and --prefix flags are mutually exclusive");
}

/**
 * etcdctl's permRange over `key [endkey]`: an empty key is "\0" (with --prefix or --from-key, to the open
 * end "\0"; an endkey is then ignored, as etcdctl does); otherwise the flags or the endkey give the end.
 */
export function permissionRange(
  words: string[],
  flags: { prefix: boolean; fromKey: boolean },
): { key: Uint8Array; end: Uint8Array } {
  const key = utf8(words[0]!);
  if (key.length === 0) {
    if (flags.prefix && flags.fromKey) throw mutuallyExclusive();
    return { key: NUL_KEY, end: flags.prefix || flags.fromKey ? NUL_KEY : new Uint8Array() };
  }
  if (words.length === 1) {
    if (flags.prefix && flags.fromKey) throw mutuallyExclusive();
    if (flags.prefix) return { key, end: prefixEnd(key) };
    return { key, end: flags.fromKey ? NUL_KEY : new Uint8Array() };
  }
  if (flags.prefix) throw new CliError(ExitCode.BadArgs, "unexpected endkey argument with --prefix flag");
  if (flags.fromKey) throw new CliError(ExitCode.BadArgs, "unexpected endkey argument with --from-key flag");
  return { key, end: utf8(words[1]!) };
}

function rangeFlags(ctx: CommandContext): { prefix: boolean; fromKey: boolean } {
  return { prefix: flagBool(ctx.flags, "prefix"), fromKey: flagBool(ctx.flags, "from-key") };
}

async function runAdd(ctx: CommandContext): Promise<number> {
  const role = oneRoleName(ctx, "add");
  const { auth, print } = authFrom(ctx);
  emit(ctx.io, printHeaderOnly("AuthRoleAddResponse", await auth.roleAdd(role), `Role ${role} created\n`, print));
  return 0;
}

async function runDelete(ctx: CommandContext): Promise<number> {
  const role = oneRoleName(ctx, "delete");
  const { auth, print } = authFrom(ctx);
  emit(ctx.io, printHeaderOnly("AuthRoleDeleteResponse", await auth.roleDelete(role), `Role ${role} deleted\n`, print));
  return 0;
}

async function runGet(ctx: CommandContext): Promise<number> {
  const role = oneRoleName(ctx, "get");
  const { auth, print } = authFrom(ctx);
  emit(ctx.io, printRoleGet(role, await auth.roleGet(role), print));
  return 0;
}

async function runList(ctx: CommandContext): Promise<number> {
  if (ctx.args.length !== 0) throw new CliError(ExitCode.BadArgs, "role list command requires no arguments");
  const { auth, print } = authFrom(ctx);
  emit(ctx.io, printRoleList(await auth.roleList(), print));
  return 0;
}

async function runGrant(ctx: CommandContext): Promise<number> {
  if (ctx.args.length < 3) {
    const message = "role grant command requires role name, permission type, and key [endkey] as its argument";
    throw new CliError(ExitCode.BadArgs, message);
  }
  const role = ctx.args[0]!;
  const permType = permissionType(ctx.args[1]!);
  const { key, end } = permissionRange(ctx.args.slice(2), rangeFlags(ctx));
  const { auth, print } = authFrom(ctx);
  const perm: Permission = { permType, key, range_end: end };
  const response = await auth.roleGrantPermission(role, perm);
  emit(ctx.io, printHeaderOnly("AuthRoleGrantPermissionResponse", response, `Role ${role} updated\n`, print));
  return 0;
}

async function runRevoke(ctx: CommandContext): Promise<number> {
  if (ctx.args.length < 2) {
    throw new CliError(ExitCode.BadArgs, "role revoke-permission command requires role name and key [endkey] as its argument");
  }
  const role = ctx.args[0]!;
  const { key, end } = permissionRange(ctx.args.slice(1), rangeFlags(ctx));
  const { auth, print } = authFrom(ctx);
  const response = await auth.roleRevokePermission(role, key, end);
  const text = revokedPermissionText(role, ctx.args[1]!, end);
  emit(ctx.io, printHeaderOnly("AuthRoleRevokePermissionResponse", response, text, print));
  return 0;
}

function rangeFlagSpecs(verb: "grant" | "revoke"): FlagSpec[] {
  return [
    {
      name: "from-key",
      kind: "bool",
      defaultText: "false",
      description: `${verb} a permission of keys that are greater than or equal to the given key using byte compare`,
    },
    { name: "prefix", kind: "bool", defaultText: "false", description: `${verb} a prefix permission` },
  ];
}

/** The role commands, in etcdctl's help order. */
export const ROLE_COMMANDS: CommandSpec[] = [
  { path: ["role", "add"], use: "role add <role name>", short: "Adds a new role", examples: [], flags: [], run: runAdd },
  { path: ["role", "delete"], use: "role delete <role name>", short: "Deletes a role", examples: [], flags: [], run: runDelete },
  { path: ["role", "get"], use: "role get <role name>", short: "Gets detailed information of a role", examples: [], flags: [], run: runGet },
  {
    path: ["role", "grant-permission"],
    use: "role grant-permission [options] <role name> <permission type> <key> [endkey]",
    short: "Grants a key to a role",
    examples: ["tsetcd role grant-permission reader read --prefix app/", "tsetcd role grant-permission writer readwrite a z"],
    flags: rangeFlagSpecs("grant"),
    run: runGrant,
  },
  { path: ["role", "list"], use: "role list", short: "Lists all roles", examples: [], flags: [], run: runList },
  {
    path: ["role", "revoke-permission"],
    use: "role revoke-permission <role name> <key> [endkey]",
    short: "Revokes a key from a role",
    examples: ["tsetcd role revoke-permission reader --prefix app/"],
    flags: rangeFlagSpecs("revoke"),
    run: runRevoke,
  },
];
