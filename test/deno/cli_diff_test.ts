/**
 * The CLI differential suites with the CLI on Deno: test/cli/cli_diff_test.ts (etcdctl against etcd beside
 * tsetcd against a Bun server), test/lease/cli_test.ts and test/lease/etcdctl_diff_test.ts, their cases and
 * expected texts unchanged, each command run as `deno run -A mod.ts …` (test/helpers/cli_runtime.ts). The
 * servers stay on Bun: this proves the client and CLI print on Deno exactly what they print on Bun.
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { CLI_RUNTIME_ENV } from "../helpers/cli_runtime.ts";

const DENO = join(resolve(import.meta.dir, "../.."), "node_modules/.bin/deno");
if (!existsSync(DENO)) throw new Error(`${DENO} is missing: npm ci installs Deno (the deno dev dependency)`);
process.env[CLI_RUNTIME_ENV] = "deno";
await import("../cli/cli_diff_test.ts");
await import("../lease/cli_test.ts");
await import("../lease/etcdctl_diff_test.ts");
