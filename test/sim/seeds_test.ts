/**
 * The simulator's main run in CI: 1,000 seeds of the normal scenario (faults, membership changes, garbage
 * proposals on about half of them), each with every safety check, a liveness phase and a linearizability
 * check at its end. Any violation fails with the command that replays its seed.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { describeViolation, replayCommand, runSeeds } from "../../src/sim/mod.ts";

const FIRST_SEED = 1_000;
const BATCHES = 10;
const SEEDS_PER_BATCH = 100;

let totalMs = 0;
let totalRuns = 0;

for (let batch = 0; batch < BATCHES; batch++) {
  const start = FIRST_SEED + batch * SEEDS_PER_BATCH;
  test(`seeds ${start}..${start + SEEDS_PER_BATCH - 1}: no violation, no unknown`, () => {
    const summary = runSeeds({ start, count: SEEDS_PER_BATCH });
    const lines = summary.failures.map((r) =>
      `seed ${r.seed}: ${describeViolation(r.violations[0]!)} — ${replayCommand(r.seed)}`
    );
    assert.is(summary.runs, SEEDS_PER_BATCH);
    assert.is(summary.violations, 0, lines.join("\n"));
    assert.is(summary.unknown, 0);
    totalMs += summary.elapsedMs;
    totalRuns += summary.runs;
    console.log(`  seeds ${start}..: ${(summary.runs / (summary.elapsedMs / 1000)).toFixed(1)} seeds/s`);
  });
}

test("all 1,000 seeds ran", () => {
  assert.is(totalRuns, BATCHES * SEEDS_PER_BATCH);
  assert.ok(totalRuns >= 1_000);
  console.log(`  ${totalRuns} seeds in ${(totalMs / 1000).toFixed(1)} s: ${(totalRuns / (totalMs / 1000)).toFixed(1)} seeds/s`);
});

test.run();
