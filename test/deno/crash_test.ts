/**
 * The crash rounds (test/cluster/crash_test.ts: a 3-member cluster under a linearizability-checked
 * workload, the leader or a follower SIGKILLed mid-write and restarted; nothing acknowledged may be lost)
 * with every member on Deno: node:sqlite's fsynced commits and the log replay after a kill, on Deno's
 * runtime (TSETCD_TEST_SERVER_RUNTIME=deno, test/helpers/cli_runtime.ts). Eight rounds, leader and follower
 * kills alike (the Bun run has 20): the rounds test the runtime's storage and restart, which every round
 * exercises the same way, and the suite's 15-minute budget holds both.
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { SERVER_RUNTIME_ENV } from "../helpers/cli_runtime.ts";

const DENO = join(resolve(import.meta.dir, "../.."), "node_modules/.bin/deno");
if (!existsSync(DENO)) throw new Error(`${DENO} is missing: npm ci installs Deno (the deno dev dependency)`);
process.env[SERVER_RUNTIME_ENV] = "deno";
process.env.TSETCD_TEST_CRASH_ROUNDS ??= "8";
await import("../cluster/crash_test.ts");
