/**
 * etcdctl's exit codes and the error a command raises to end with one; commands/mod.ts prints
 * `Error: <message>` on stderr and exits with `exitCode`.
 * @module
 */

/** etcdctl 3.4's exit codes (ctlv3/command/error.go). */
export const ExitCode = {
  Success: 0,
  Error: 1,
  BadConnection: 2,
  InvalidInput: 3,
  BadFeature: 4,
  Interrupted: 5,
  IO: 6,
  BadArgs: 128,
} as const;
/** One of etcdctl's exit codes. */
export type ExitCode = typeof ExitCode[keyof typeof ExitCode];

/**
 * A failure that ends the CLI with etcdctl's exit code. `raw` errors print their message verbatim
 * (cobra's flag errors, panics); others print as `Error: <message>`.
 * @example throw new CliError(ExitCode.BadArgs, "get command needs one argument as key")
 */
export class CliError extends Error {
  readonly exitCode: number;
  readonly raw: boolean;
  constructor(exitCode: number, message: string, options: { raw?: boolean } = {}) {
    super(message);
    this.name = "CliError";
    this.exitCode = exitCode;
    this.raw = options.raw ?? false;
  }
}
