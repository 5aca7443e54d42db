/**
 * Runs the CLI in this process, as a user would from a shell without a TTY, and captures what it prints.
 * @module
 */
import type { Io } from "../../commands/command.ts";
import { runCli } from "../../commands/mod.ts";

/** What one CLI run printed and returned. */
export interface CliRun {
  code: number;
  out: string;
  err: string;
}

/** `tsetcd <args>` with empty stdin and environment; binary stdout is dropped. */
export async function runCliCaptured(args: string[]): Promise<CliRun> {
  const io: Io & { out: string; err: string } = {
    out: "",
    err: "",
    stdout: (t) => void (io.out += t),
    stdoutBytes: () => {},
    stderr: (t) => void (io.err += t),
    readStdin: () => new Uint8Array(),
    readStdinLine: () => undefined,
    env: {},
    stdoutIsTty: false,
  };
  const code = await runCli(args, io);
  return { code, out: io.out, err: io.err };
}
