import { test } from "uvu";
import * as assert from "uvu/assert";
import { BUG_NAMES, runSeed, runSeeds } from "../../src/sim/mod.ts";

/** Seeds run per deliberate bug; at least one must report a violation. */
const SEEDS_PER_BUG = 200;

for (const bug of BUG_NAMES) {
  test(`deliberate bug ${bug} is caught, and its first failing seed replays`, () => {
    let first: ReturnType<typeof runSeed> | undefined;
    const summary = runSeeds({ start: 1, count: SEEDS_PER_BUG }, {
      bug,
      onResult: (r) => {
        if (first === undefined && r.violations.length > 0) first = r;
      },
    });
    assert.ok(first !== undefined, `no violation in ${summary.runs} seeds with ${bug}`);
    const replay = runSeed({ seed: first.seed, bug, trace: true });
    assert.equal(replay.violations, first.violations);
    assert.ok(replay.trace.some((line) => line.includes("VIOLATION")));
    console.log(`  ${bug}: ${summary.violations}/${summary.runs} seeds fail; first ${first.seed}: ${first.violations[0]}`);
  });
}

test("without a bug those same seeds pass", () => {
  const summary = runSeeds({ start: 1, count: 30 });
  assert.is(summary.violations, 0, summary.failures.map((r) => `${r.seed}: ${r.violations[0]}`).join("\n"));
});

test.run();
