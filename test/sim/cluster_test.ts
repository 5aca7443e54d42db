import { test } from "uvu";
import * as assert from "uvu/assert";
import { replayCommand, runSeed, runSeeds } from "../../src/sim/mod.ts";

const BATCHES = 5;
const SEEDS_PER_BATCH = 100;

test("same seed gives the identical trace; another seed a different one", () => {
  const a = runSeed({ seed: 11, trace: true, chaosTicks: 600 });
  const b = runSeed({ seed: 11, trace: true, chaosTicks: 600 });
  const c = runSeed({ seed: 12, trace: true, chaosTicks: 600 });
  assert.ok(a.trace.length > 100, `trace has ${a.trace.length} lines`);
  assert.equal(a.trace, b.trace);
  assert.equal(a.stats, b.stats);
  assert.not.equal(a.trace, c.trace);
});

test("a run does real work: leaders, commits, client operations, faults", () => {
  const summary = { committed: 0, opsOk: 0, crashes: 0, partitions: 0, snapshots: 0, confChanges: 0 };
  for (let seed = 1; seed <= 20; seed++) {
    const r = runSeed({ seed });
    assert.equal(r.violations, [], `seed ${seed}: ${replayCommand(seed)}`);
    summary.committed += r.stats.committed;
    summary.opsOk += r.stats.opsOk;
    summary.crashes += r.stats.crashes;
    summary.partitions += r.stats.partitions;
    summary.snapshots += r.stats.snapshots;
    summary.confChanges += r.stats.confChanges;
  }
  for (const [name, n] of Object.entries(summary)) assert.ok(n > 0, `no ${name} in 20 runs`);
  assert.ok(summary.committed > 20 * 50, `only ${summary.committed} entries committed`);
});

for (let batch = 0; batch < BATCHES; batch++) {
  const start = 1_000 + batch * SEEDS_PER_BATCH;
  test(`seeds ${start}..${start + SEEDS_PER_BATCH - 1}: no violation, no unknown`, () => {
    const summary = runSeeds({ start, count: SEEDS_PER_BATCH });
    const lines = summary.failures.map((r) => `seed ${r.seed}: ${r.violations[0]} — ${replayCommand(r.seed)}`);
    assert.is(summary.runs, SEEDS_PER_BATCH);
    assert.is(summary.violations, 0, lines.join("\n"));
    assert.is(summary.unknown, 0);
    console.log(`  seeds ${start}..: ${(summary.runs / (summary.elapsedMs / 1000)).toFixed(1)} seeds/s`);
  });
}

test.run();
