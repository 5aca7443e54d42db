/**
 * The password prompt on Deno prints what it prints on Bun (and etcdctl): `stty` complains about a stdin
 * that is not a terminal under its own name ("stty: …"), not the path Deno's child_process resolves
 * ("/usr/bin/stty: …"; src/runtime/spawn_named.ts). The full auth CLI suite runs with the CLI on Deno by
 * `TSETCD_TEST_CLI_RUNTIME=deno bun test/run.ts test/cli/auth_diff_test.ts` (about 100 s, so not here).
 */
import { spawnSync } from "node:child_process";
import { join, resolve } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";

const ROOT = resolve(import.meta.dir, "../..");
const RUN_LIMIT_MS = 30_000;
/** Nothing listens here (helper U's range): the command fails after its prompts, the same on both. */
const DEAD_ENDPOINT = "127.0.0.1:25798";

function userAdd(command: string[]): { code: number | null; stdout: string; stderr: string } {
  const args = [...command.slice(1), `--endpoints=${DEAD_ENDPOINT}`, "--dial-timeout=300ms", "user", "add", "bob"];
  const run = spawnSync(command[0]!, args, { cwd: ROOT, input: "x\ny\n", encoding: "utf8", timeout: RUN_LIMIT_MS });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

test("user add's two prompts and stty's complaints: Deno prints what Bun prints", () => {
  const onBun = userAdd([join(ROOT, "node_modules/.bin/bun"), join(ROOT, "mod.ts")]);
  const onDeno = userAdd([join(ROOT, "node_modules/.bin/deno"), "run", "-A", join(ROOT, "mod.ts")]);
  assert.is(onBun.stdout, "Password of bob: \nType password of bob again for confirmation: \n");
  assert.match(onBun.stderr, /^stty: 'standard input': Inappropriate ioctl for device\n/);
  assert.equal(onDeno, onBun);
});

test.run();
