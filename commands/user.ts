/**
 * `tsetcd user add|delete|get|list|passwd|grant-role|revoke-role`, as etcdctl 3.4's: the same arguments,
 * password prompts and `--interactive=false` stdin reading, output in every `-w` format, errors and exit
 * codes. New passwords are read before the client is opened (and before a `--user` prompt), as etcdctl.
 * @module
 */
import { AuthClient } from "../src/client/auth.ts";
import { askNewPassword, scanWord } from "./auth_input.ts";
import { printHeaderOnly, printRoleGet, printUserGet, printUserList } from "./auth_print.ts";
import { type CommandContext, type CommandSpec, clientFrom, emit, printOptionsFrom } from "./command.ts";
import { CliError, ExitCode } from "./errors.ts";
import { flagBool, flagString } from "./flags.ts";
import type { PrintOptions } from "./printer.ts";

function needArgs(ctx: CommandContext, count: number, message: string): void {
  if (ctx.args.length !== count) throw new CliError(ExitCode.BadArgs, message);
}

/** Opens the client after the display check, as etcdctl's mustClientFromCmd. */
function authFrom(ctx: CommandContext): { auth: AuthClient; print: PrintOptions } {
  const print = printOptionsFrom(ctx.globals);
  return { auth: new AuthClient(clientFrom(ctx.globals)), print };
}

/** A new user's name and password per etcdctl's rules (flag, `name:password`, prompt or stdin word). */
function newUser(ctx: CommandContext): { name: string; password: string; noPassword: boolean } {
  const arg = ctx.args[0]!;
  if (flagBool(ctx.flags, "no-password")) return { name: arg, password: "", noPassword: true };
  const fromFlag = flagString(ctx.flags, "new-user-password");
  if (fromFlag !== "") return { name: arg, password: fromFlag, noPassword: false };
  const colon = arg.indexOf(":");
  if (colon >= 0) {
    if (colon === 0) throw new CliError(ExitCode.BadArgs, "empty user name is not allowed");
    return { name: arg.slice(0, colon), password: arg.slice(colon + 1), noPassword: false };
  }
  const password = flagBool(ctx.flags, "interactive") ? askNewPassword({ stdout: ctx.io.stdout }, arg) : scanWord();
  return { name: arg, password, noPassword: false };
}

async function runAdd(ctx: CommandContext): Promise<number> {
  needArgs(ctx, 1, "user add command requires user name as its argument");
  const user = newUser(ctx);
  const { auth, print } = authFrom(ctx);
  const response = await auth.userAdd(user.name, user.password, { noPassword: user.noPassword });
  emit(ctx.io, printHeaderOnly("AuthUserAddResponse", response, `User ${user.name} created\n`, print));
  return 0;
}

async function runDelete(ctx: CommandContext): Promise<number> {
  needArgs(ctx, 1, "user delete command requires user name as its argument");
  const { auth, print } = authFrom(ctx);
  const name = ctx.args[0]!;
  const response = await auth.userDelete(name);
  emit(ctx.io, printHeaderOnly("AuthUserDeleteResponse", response, `User ${name} deleted\n`, print));
  return 0;
}

async function runGet(ctx: CommandContext): Promise<number> {
  needArgs(ctx, 1, "user get command requires user name as its argument");
  const { auth, print } = authFrom(ctx);
  const name = ctx.args[0]!;
  const response = await auth.userGet(name);
  if (!flagBool(ctx.flags, "detail")) {
    emit(ctx.io, printUserGet(name, response, print));
    return 0;
  }
  // --detail prints its own first line, then each role as `role get` would, whatever -w says.
  ctx.io.stdout(`User: ${name}\n`);
  for (const role of response.roles ?? []) {
    ctx.io.stdout("\n");
    emit(ctx.io, printRoleGet(role, await auth.roleGet(role), print));
  }
  return 0;
}

async function runList(ctx: CommandContext): Promise<number> {
  needArgs(ctx, 0, "user list command requires no arguments");
  const { auth, print } = authFrom(ctx);
  emit(ctx.io, printUserList(await auth.userList(), print));
  return 0;
}

async function runPasswd(ctx: CommandContext): Promise<number> {
  needArgs(ctx, 1, "user passwd command requires user name as its argument");
  const name = ctx.args[0]!;
  const password = flagBool(ctx.flags, "interactive") ? askNewPassword({ stdout: ctx.io.stdout }, name) : scanWord();
  const { auth, print } = authFrom(ctx);
  const response = await auth.userChangePassword(name, password);
  emit(ctx.io, printHeaderOnly("AuthUserChangePasswordResponse", response, "Password updated\n", print));
  return 0;
}

async function runGrantRole(ctx: CommandContext): Promise<number> {
  needArgs(ctx, 2, "user grant command requires user name and role name as its argument");
  const { auth, print } = authFrom(ctx);
  const [user, role] = [ctx.args[0]!, ctx.args[1]!];
  const response = await auth.userGrantRole(user, role);
  emit(ctx.io, printHeaderOnly("AuthUserGrantRoleResponse", response, `Role ${role} is granted to user ${user}\n`, print));
  return 0;
}

async function runRevokeRole(ctx: CommandContext): Promise<number> {
  needArgs(ctx, 2, "user revoke-role requires user name and role name as its argument");
  const { auth, print } = authFrom(ctx);
  const [user, role] = [ctx.args[0]!, ctx.args[1]!];
  const response = await auth.userRevokeRole(user, role);
  emit(ctx.io, printHeaderOnly("AuthUserRevokeRoleResponse", response, `Role ${role} is revoked from user ${user}\n`, print));
  return 0;
}

/** The user commands, in etcdctl's help order. */
export const USER_COMMANDS: CommandSpec[] = [
  {
    path: ["user", "add"],
    use: "user add <user name or user:password> [options]",
    short: "Adds a new user",
    examples: ["tsetcd user add root:secret", "echo secret | tsetcd user add app --interactive=false"],
    flags: [
      { name: "interactive", kind: "bool", defaultText: "true", description: "Read password from stdin instead of interactive terminal" },
      { name: "new-user-password", kind: "string", defaultText: '""', description: "Supply password from the command line flag" },
      { name: "no-password", kind: "bool", defaultText: "false", description: "Create a user without password (CN based auth only)" },
    ],
    run: runAdd,
  },
  { path: ["user", "delete"], use: "user delete <user name>", short: "Deletes a user", examples: [], flags: [], run: runDelete },
  {
    path: ["user", "get"],
    use: "user get <user name> [options]",
    short: "Gets detailed information of a user",
    examples: ["tsetcd user get app --detail"],
    flags: [{ name: "detail", kind: "bool", defaultText: "false", description: "Show permissions of roles granted to the user" }],
    run: runGet,
  },
  {
    path: ["user", "grant-role"],
    use: "user grant-role <user name> <role name>",
    short: "Grants a role to a user",
    examples: [],
    flags: [],
    run: runGrantRole,
  },
  { path: ["user", "list"], use: "user list", short: "Lists all users", examples: [], flags: [], run: runList },
  {
    path: ["user", "passwd"],
    use: "user passwd <user name> [options]",
    short: "Changes password of user",
    examples: [],
    flags: [
      { name: "interactive", kind: "bool", defaultText: "true", description: "If true, read password from stdin instead of interactive terminal" },
    ],
    run: runPasswd,
  },
  {
    path: ["user", "revoke-role"],
    use: "user revoke-role <user name> <role name>",
    short: "Revokes a role from a user",
    examples: [],
    flags: [],
    run: runRevokeRole,
  },
];
