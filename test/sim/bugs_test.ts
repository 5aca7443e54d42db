/**
 * Each deliberate bug must be caught by a safety or linearizability check (a liveness failure or an
 * exception is no proof that the checks see the bug) on at least one seed, and its control — the very same
 * seeds, knobs and draws with the bug switched off — must break nothing at all.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { BUG_NAMES, describeViolation, replayCommand, type RunResult, runSeed, runSeeds } from "../../src/sim/mod.ts";

/** Seeds run per deliberate bug, and the same seeds again for its control. */
const SEEDS_PER_BUG = 100;
const FIRST_SEED = 1;

/** A violation that proves the bug was seen by a check, not merely that the run went wrong. */
function caughtByCheck(r: RunResult): boolean {
  return r.violations.some((v) => v.kind === "safety" || v.kind === "linearizability");
}

for (const bug of BUG_NAMES) {
  test(`deliberate bug ${bug}: caught by a safety or linearizability check; its control breaks nothing`, () => {
    const kinds = new Map<string, number>();
    let first: RunResult | undefined;
    const buggy = runSeeds({ start: FIRST_SEED, count: SEEDS_PER_BUG }, {
      bug,
      onResult: (r) => {
        for (const kind of new Set(r.violations.map((v) => v.kind))) kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
        if (first === undefined && caughtByCheck(r)) first = r;
      },
    });
    const kindText = [...kinds].map(([k, n]) => `${k} on ${n}`).join(", ") || "none";
    assert.is(buggy.runs, SEEDS_PER_BUG);
    assert.ok(first !== undefined, `${bug}: no safety or linearizability violation in ${buggy.runs} seeds (${kindText})`);
    const replay = runSeed({ seed: first.seed, bug, trace: true });
    assert.equal(replay.violations, first.violations);
    assert.ok(replay.trace.some((line) => line.includes("VIOLATION")));

    const control = runSeeds({ start: FIRST_SEED, count: SEEDS_PER_BUG }, { bug, control: true });
    const failures = control.failures.map((r) =>
      `seed ${r.seed}: ${describeViolation(r.violations[0]!)} — ${replayCommand(r.seed, bug, { control: true })}`
    );
    assert.is(control.runs, buggy.runs);
    assert.is(control.violations, 0, failures.join("\n"));
    assert.is(control.unknown, 0);
    console.log(`  ${bug}: ${buggy.violations}/${buggy.runs} seeds fail (${kindText}); first caught ${first.seed}: ` +
      `${describeViolation(first.violations[0]!).split("\n")[0]}; control 0/${control.runs}`);
  });
}

test.run();
