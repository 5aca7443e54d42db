/**
 * The test runner's counting rules, proved on deliberately broken files: each case copies fixtures from
 * test/runner/fixtures/ into a scratch folder as `*_test.ts` (a dot folder, which the suite itself never
 * walks), runs test/run.ts on it, and checks the final line and the exit code.
 *
 * TSETCD_TEST_RUNNER=<path> runs these cases against another runner (e.g. an older test/run.ts) to show
 * which rules it breaks.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
const FIXTURES = fileURLToPath(new URL("./fixtures", import.meta.url));
const RUNNER = process.env.TSETCD_TEST_RUNNER ?? "test/run.ts";
const RUN_TIMEOUT_MS = 60_000;

interface RunnerOutcome {
  status: number | null;
  stdout: string;
  lastLine: string;
}

let scratchCount = 0;

/** Runs the runner on a scratch folder holding the named fixtures as `<name>_test.ts`. */
function runOn(fixtures: readonly string[], env: Record<string, string> = {}): RunnerOutcome {
  const dir = join(REPO_ROOT, "test", "runner", `.scratch-${process.pid}-${++scratchCount}`);
  mkdirSync(dir, { recursive: true });
  try {
    for (const name of fixtures) copyFileSync(join(FIXTURES, `${name}.fixture.ts`), join(dir, `${name}_test.ts`));
    const r = spawnSync(process.execPath, [RUNNER, dir], {
      cwd: REPO_ROOT,
      encoding: "utf8",
      timeout: RUN_TIMEOUT_MS,
      env: { ...process.env, ...env },
    });
    const stdout = r.stdout ?? "";
    return { status: r.status, stdout, lastLine: stdout.trim().split("\n").at(-1) ?? "" };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("all tests passing: every one counted, exit 0", () => {
  const r = runOn(["all_pass"]);
  assert.is(r.lastLine, "3 passed, 0 failed", r.stdout);
  assert.is(r.status, 0);
});

test("skips never count as passed and cannot cancel a failure in another file", () => {
  const r = runOn(["pass_skip", "fail_one"]);
  assert.is(r.lastLine, "1 passed, 1 failed, 2 skipped", r.stdout);
  assert.is(r.status, 1);
  // The failing file's output is shown, with the assertion's message.
  assert.match(r.stdout, /FAIL .*fail_one_test\.ts/);
  assert.match(r.stdout, /deliberate failure in fail_one/);
});

test("a failing .only among other tests fails the run: its failure plus the .only itself", () => {
  const r = runOn(["only_fail"]);
  assert.is(r.lastLine, "0 passed, 2 failed, 3 skipped", r.stdout);
  assert.is(r.status, 1);
  assert.match(r.stdout, /uses \.only \("focused and failing"\)/);
});

test("a passing .only still fails the run", () => {
  const r = runOn(["only_pass"]);
  assert.is(r.lastLine, "1 passed, 1 failed, 3 skipped", r.stdout);
  assert.is(r.status, 1);
});

test("a file that registers no test fails", () => {
  const r = runOn(["zero"]);
  assert.is(r.lastLine, "0 passed, 1 failed", r.stdout);
  assert.is(r.status, 1);
  assert.match(r.stdout, /registers no test/);
});

test("a file that registers tests but never runs them fails", () => {
  const r = runOn(["no_run"]);
  assert.is(r.lastLine, "0 passed, 1 failed", r.stdout);
  assert.is(r.status, 1);
});

test("a crash after the last test fails the file; its passes still count", () => {
  const r = runOn(["crash_after"]);
  assert.is(r.lastLine, "2 passed, 1 failed", r.stdout);
  assert.is(r.status, 1);
  assert.match(r.stdout, /deliberate crash after the last test/);
});

test("a process that exits 0 in the middle of its tests fails", () => {
  const r = runOn(["exit_mid"]);
  assert.is(r.lastLine, "1 passed, 1 failed", r.stdout);
  assert.is(r.status, 1);
});

test("a before hook that throws fails every test it guards", () => {
  const r = runOn(["hook_fail"]);
  assert.is(r.lastLine, "0 passed, 2 failed", r.stdout);
  assert.is(r.status, 1);
  assert.match(r.stdout, /deliberate before-hook failure/);
});

test("hooks run in uvu's order around each test", () => {
  const r = runOn(["hooks"]);
  assert.is(r.lastLine, "2 passed, 0 failed", r.stdout);
  assert.is(r.status, 0);
});

test("an after hook that throws is a failure of its own", () => {
  const r = runOn(["after_fail"]);
  assert.is(r.lastLine, "1 passed, 1 failed", r.stdout);
  assert.is(r.status, 1);
  assert.match(r.stdout, /deliberate after-hook failure/);
});

test("a file past its timeout is killed and fails", () => {
  const r = runOn(["hang"], { TSETCD_TEST_FILE_TIMEOUT_MS: "1500" });
  assert.is(r.lastLine, "0 passed, 1 failed", r.stdout);
  assert.is(r.status, 1);
  assert.match(r.stdout, /timed out after 1500 ms/);
});

test("counts add up across files, failed is never negative", () => {
  const r = runOn(["all_pass", "pass_skip", "only_fail", "zero", "crash_after"]);
  // passes 3 + 1 + 0 + 0 + 2; failures 0 + 0 + 2 + 1 + 1; skips 2 (pass_skip) + 3 (only_fail).
  assert.is(r.lastLine, "6 passed, 4 failed, 5 skipped", r.stdout);
  assert.is(r.status, 1);
});

test.run();
