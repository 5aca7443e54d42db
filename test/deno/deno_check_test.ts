/**
 * `deno check mod.ts` passes: Deno's type checker accepts our imports (`.ts` extensions, `node:` modules,
 * npm packages through package.json and node_modules) and types over the whole graph, the server's dynamic
 * imports included, with deno.json's Deno libraries and types/bun_for_deno.d.ts for the Bun-only code.
 * Without that file (or with a Bun-only API used outside it) the check fails.
 */
import { spawnSync } from "node:child_process";
import { join, resolve } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";

const ROOT = resolve(import.meta.dir, "../..");
const DENO = join(ROOT, "node_modules/.bin/deno");
const CHECK_LIMIT_MS = 120_000;

test("deno check mod.ts: no type errors on Deno", () => {
  const run = spawnSync(DENO, ["check", "--quiet", "mod.ts"], { cwd: ROOT, encoding: "utf8", timeout: CHECK_LIMIT_MS, env: { ...process.env, NO_COLOR: "1" } });
  assert.is(run.status, 0, `${run.stdout}${run.stderr}`.slice(0, 4_000));
  assert.not.match(run.stderr, /error/i);
});

test.run();
