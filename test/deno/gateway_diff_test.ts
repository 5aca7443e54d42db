/**
 * The gateway differential suite (test/compat/gateway_test.ts: every HTTP/JSON and CBOR scenario of
 * test/compat/cases.ts against a real etcd 3.4 and a tsetcd member, answers compared byte for byte after
 * normalising) with the tsetcd member on Deno: `deno run -A mod.ts server` (test/helpers/cli_runtime.ts).
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { SERVER_RUNTIME_ENV } from "../helpers/cli_runtime.ts";

const DENO = join(resolve(import.meta.dir, "../.."), "node_modules/.bin/deno");
if (!existsSync(DENO)) throw new Error(`${DENO} is missing: npm ci installs Deno (the deno dev dependency)`);
process.env[SERVER_RUNTIME_ENV] = "deno";
await import("../compat/gateway_test.ts");
