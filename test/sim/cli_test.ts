import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));

function sim(args: string[]): { status: number | null; stdout: string } {
  const r = spawnSync(process.execPath, ["src/sim/main.ts", ...args], {
    cwd: REPO_ROOT,
    encoding: "utf8",
    timeout: 120_000,
  });
  return { status: r.status, stdout: r.stdout };
}

test("--seeds N ends with the summary line and exits 0 when all pass", () => {
  const r = sim(["--seeds", "3", "--seed-start", "40"]);
  assert.is(r.status, 0, r.stdout);
  const lines = r.stdout.trim().split("\n");
  assert.is(lines.at(-1), "sim: 3 runs, 0 violations");
  assert.match(r.stdout, /seeds\/s/);
});

test("a failing run prints its replay command and exits 1; the replay prints the trace and the violation", () => {
  const r = sim(["--seeds", "2", "--seed-start", "1", "--bug", "localReads"]);
  assert.is(r.status, 1);
  assert.match(r.stdout, /FAIL seed 1: linearizability: .* replay: npm run sim -- --seed 1 --trace --bug localReads/);
  assert.is(r.stdout.trim().split("\n").at(-1), "sim: 2 runs, 2 violations");
  const replay = sim(["--seed", "1", "--trace", "--bug", "localReads"]);
  assert.is(replay.status, 1);
  assert.match(replay.stdout, /start 1 \(incarnation 1/);
  assert.match(replay.stdout, /VIOLATION linearizability/);
  assert.is(replay.stdout.trim().split("\n").at(-1), "sim: 1 runs, 1 violations");
});

test("--control runs a bug's scenario with the bug off: the failing seed passes", () => {
  const r = sim(["--seeds", "2", "--seed-start", "1", "--bug", "localReads", "--control"]);
  assert.is(r.status, 0, r.stdout);
  assert.is(r.stdout.trim().split("\n").at(-1), "sim: 2 runs, 0 violations");
});

test("bad flags are refused", () => {
  assert.is(sim(["--control"]).status, 2);
  assert.is(sim(["--garbage-rate", "2"]).status, 2);
  assert.is(sim(["--bug", "nope"]).status, 2);
  assert.is(sim(["--seeds", "-1"]).status, 2);
  assert.is(sim(["--frobnicate"]).status, 2);
});

test.run();
