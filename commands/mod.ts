/**
 * The CLI's dispatcher: `tsetcd server …` runs a member, every other subcommand is a thin client.
 * @module
 */

/** Runs the CLI with `args` (argv without the runtime and script) and resolves to the exit code. */
export async function runCli(args: string[]): Promise<number> {
  if (args[0] === "server") {
    const { runServerCommand } = await import("./server.ts");
    return await runServerCommand(args.slice(1));
  }
  console.error(`Error: unknown command "${args[0] ?? ""}"`);
  return 1;
}
