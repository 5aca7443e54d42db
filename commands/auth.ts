/**
 * `tsetcd auth enable|disable`, as etcdctl 3.4's (which has no `auth status`): enable creates the root
 * role and grants it to root when only that is missing, then tries again.
 * @module
 */
import { AuthClient } from "../src/client/auth.ts";
import { EtcdError } from "../src/codec/errors.ts";
import { type CommandContext, type CommandSpec, clientFrom, printOptionsFrom } from "./command.ts";
import { CliError, ExitCode } from "./errors.ts";

/** AuthEnable's answer when root exists but lacks the root role: etcdctl then makes the role and retries. */
const ROOT_ROLE_MISSING = "etcdserver: root user does not have root role";
/** etcdctl loops until enable succeeds or fails otherwise; one repair is all it can need. */
const MAX_ENABLE_TRIES = 2;

function noArguments(ctx: CommandContext, name: string): void {
  if (ctx.args.length !== 0) throw new CliError(ExitCode.BadArgs, `auth ${name} command does not accept any arguments`);
}

async function runEnable(ctx: CommandContext): Promise<number> {
  noArguments(ctx, "enable");
  printOptionsFrom(ctx.globals);
  const auth = new AuthClient(clientFrom(ctx.globals));
  for (let attempt = 1; attempt <= MAX_ENABLE_TRIES; attempt++) {
    try {
      await auth.authEnable();
      ctx.io.stdout("Authentication Enabled\n");
      return 0;
    } catch (error) {
      const repairable = error instanceof EtcdError && error.message === ROOT_ROLE_MISSING;
      if (!repairable || attempt === MAX_ENABLE_TRIES) throw error;
    }
    await auth.roleAdd("root");
    await auth.userGrantRole("root", "root");
  }
  throw new Error("unreachable: the loop returns or throws");
}

async function runDisable(ctx: CommandContext): Promise<number> {
  noArguments(ctx, "disable");
  printOptionsFrom(ctx.globals);
  await new AuthClient(clientFrom(ctx.globals)).authDisable();
  ctx.io.stdout("Authentication Disabled\n");
  return 0;
}

/** auth enable and auth disable. */
export const AUTH_COMMANDS: CommandSpec[] = [
  {
    path: ["auth", "disable"],
    use: "auth disable",
    short: "Disables authentication",
    examples: ["tsetcd --user root:secret auth disable"],
    flags: [],
    run: runDisable,
  },
  {
    path: ["auth", "enable"],
    use: "auth enable",
    short: "Enables authentication",
    long: "Needs a user named root; creates the root role and grants it to root if that is all that is missing.",
    examples: ["tsetcd user add root:secret && tsetcd auth enable"],
    flags: [],
    run: runEnable,
  },
];
