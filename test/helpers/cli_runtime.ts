/**
 * Which runtime a CLI test runs `tsetcd` under: Bun unless TSETCD_TEST_CLI_RUNTIME says "deno". The server a
 * test talks to stays on Bun either way; test/deno/ sets the switch and then runs the same test files, so
 * the Deno CLI meets the very cases (and expected texts) the Bun CLI meets.
 * @module
 */
import { join } from "node:path";

/** The environment variable that picks the CLI's runtime for a test process. */
export const CLI_RUNTIME_ENV = "TSETCD_TEST_CLI_RUNTIME";

/** The runtimes a CLI test knows. */
export type CliRuntime = "bun" | "deno";

/** The runtime chosen for this test process; anything but "bun" or "deno" is a mistake, thrown. */
export function cliRuntime(): CliRuntime {
  const chosen = process.env[CLI_RUNTIME_ENV] ?? "bun";
  if (chosen !== "bun" && chosen !== "deno") throw new Error(`${CLI_RUNTIME_ENV}=${chosen}: expected bun or deno`);
  return chosen;
}

/**
 * The argv prefix that runs the CLI (mod.ts) from the repository at `root`; append the CLI's own arguments.
 * @example spawn(...[...cliCommand(ROOT), "get", "k"]) // bun mod.ts get k, or deno run -A mod.ts get k
 */
export function cliCommand(root: string): string[] {
  const entry = join(root, "mod.ts");
  if (cliRuntime() === "deno") return [join(root, "node_modules/.bin/deno"), "run", "-A", entry];
  return [join(root, "node_modules/.bin/bun"), entry];
}

/**
 * Ports a test file moves by when it runs under Deno, so that its Deno run (test/deno/) and its Bun run can
 * go at the same time without colliding: 0 on Bun; on Deno 500, which puts fixed 223xx ports into 228xx.
 */
export function cliPortShift(): number {
  return cliRuntime() === "deno" ? 500 : 0;
}

/** The environment variable that picks the runtime of the tsetcd servers a test process starts. */
export const SERVER_RUNTIME_ENV = "TSETCD_TEST_SERVER_RUNTIME";

/**
 * The argv that runs `tsetcd server` from the repository at `root`: on Bun, or on Deno when
 * TSETCD_TEST_SERVER_RUNTIME=deno (test/deno/ sets it, then runs the same suites against a Deno member).
 * @example const [bin, ...args] = serverCommand(ROOT); spawn(bin, [...args, "--data-dir", dir])
 */
export function serverCommand(root: string): string[] {
  const chosen = process.env[SERVER_RUNTIME_ENV] ?? "bun";
  if (chosen === "deno") return [join(root, "node_modules/.bin/deno"), "run", "-A", join(root, "mod.ts"), "server"];
  if (chosen !== "bun") throw new Error(`${SERVER_RUNTIME_ENV}=${chosen}: expected bun or deno`);
  return [join(root, "node_modules/.bin/bun"), join(root, "mod.ts"), "server"];
}
