/**
 * `tsetcd lock <lockname> [exec-command arg1 arg2 ...] [--ttl N]`: acquires a distributed lock (etcd's
 * algorithm, see src/client/concurrency.ts). Without a command it prints the lock key and holds the lock
 * until SIGINT/SIGTERM; with one it runs it holding the lock, with ETCD_LOCK_KEY and ETCD_LOCK_REV in its
 * environment, releases the lock, and exits with the command's status.
 *
 * Unlike etcdctl 3.4 (which exits 1 with "Error: exit status N" when the command fails), the command's
 * own exit status is passed through, so scripts can tell its failures apart.
 * @module
 */
import { spawn } from "node:child_process";
import { Mutex, Session } from "../src/client/concurrency.ts";
import { type CommandContext, type CommandSpec, clientFrom, emit, printOptionsFrom } from "./command.ts";
import { CliError, ExitCode } from "./errors.ts";
import { flagInt } from "./flags.ts";
import { printGet } from "./printer.ts";

/** An AbortSignal that fires on SIGINT or SIGTERM while `fn` runs (the handlers are removed after). */
export async function untilInterrupted<T>(fn: (interrupted: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSignal = (): void => controller.abort();
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    return await fn(controller.signal);
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

/** Resolves when `signal` aborts. */
export function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    signal.addEventListener("abort", () => resolve(), { once: true });
  });
}

/** Runs `argv` with inherited stdio and extra environment; resolves to its exit status (128+n on signal n). */
export function runChild(argv: string[], env: Record<string, string | undefined>): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: "inherit", env: { ...process.env, ...env } });
    child.on("error", (error) => reject(new CliError(ExitCode.Error, `fork/exec ${argv[0]}: ${errnoText(error)}`)));
    child.on("exit", (code, signal) => {
      if (code !== null) return resolve(code);
      const number = signal === null ? 0 : ({ SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 } as Record<string, number>)[signal] ?? 1;
      resolve(128 + number);
    });
  });
}

/** Go's text for the errno of a failed exec (what etcdctl prints after "fork/exec <path>: "). */
function errnoText(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "no such file or directory";
  if (code === "EACCES") return "permission denied";
  if (code === "ENOEXEC") return "exec format error";
  return error.message;
}

async function run(ctx: CommandContext): Promise<number> {
  if (ctx.args.length === 0) {
    throw new CliError(ExitCode.BadArgs, "lock takes a lock name argument and an optional command to execute");
  }
  const [name, ...command] = ctx.args as [string, ...string[]];
  const ttlS = flagInt(ctx.flags, "ttl");
  const options = printOptionsFrom(ctx.globals);
  const client = clientFrom(ctx.globals);
  const session = await Session.create(client, { ttlS });
  try {
    return await untilInterrupted(async (interrupted) => {
      const mutex = new Mutex(session, name);
      await mutex.lock({ signal: interrupted });
      if (command.length > 0) {
        const env = { ETCD_LOCK_KEY: new TextDecoder().decode(mutex.key), ETCD_LOCK_REV: String(mutex.header.revision) };
        try {
          return await runChild(command, env);
        } finally {
          await mutex.unlock();
        }
      }
      const held = await client.range({ key: mutex.key }, { signal: interrupted });
      if (held.kvs.length === 0) throw new CliError(ExitCode.Error, "lock lost on init");
      emit(ctx.io, printGet(held, options));
      const ended = await Promise.race([aborted(interrupted).then(() => "interrupted"), session.done]);
      if (ended !== "interrupted") throw new CliError(ExitCode.Error, "session expired");
      await mutex.unlock();
      return 0;
    });
  } finally {
    await session.close().catch(() => {});
  }
}

/** The lock command. */
export const LOCK_COMMAND: CommandSpec = {
  path: ["lock"],
  use: "lock <lockname> [exec-command arg1 arg2 ...]",
  short: "Acquires a named lock",
  long: `Acquires a named lock.

The lock is held through a lease (--ttl seconds, kept alive while this command runs). A holder that is
paused longer than the TTL loses the lock without knowing it: guard the protected resource with the lock
revision (ETCD_LOCK_REV), which grows with every new holder.`,
  examples: [
    "tsetcd lock jobs/nightly",
    "tsetcd lock --ttl 30 jobs/nightly -- ./nightly.sh",
  ],
  flags: [{ name: "ttl", kind: "int", defaultText: "10", description: "timeout for session" }],
  run,
};
