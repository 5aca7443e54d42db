/**
 * Garbage in the log (issue 9, item 6): runs with the garbage fault forced on propose random bytes and
 * malformed puts through a client's path. Each committed one must be applied by every member as the same
 * error outcome (the deterministic-apply check), no member may stop (the liveness phase needs every member
 * to apply the final marker), and every safety and linearizability check must still hold.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { describeViolation, replayCommand, runSeed, runSeeds } from "../../src/sim/mod.ts";

const FIRST_SEED = 20_000;
const SEEDS = 150;
/** Per tick: about 150 garbage proposals in a 3,000-tick run. */
const GARBAGE_RATE = 0.05;

test(`${SEEDS} seeds with the garbage fault on: garbage committed and applied, no violation`, () => {
  const totals = { proposed: 0, committed: 0, applies: 0, opsOk: 0 };
  let runsWithGarbage = 0;
  const summary = runSeeds({ start: FIRST_SEED, count: SEEDS }, {
    garbageRate: GARBAGE_RATE,
    onResult: (r) => {
      totals.proposed += r.stats.garbageProposed;
      totals.committed += r.stats.garbageCommitted;
      totals.applies += r.stats.garbageApplies;
      totals.opsOk += r.stats.opsOk;
      if (r.stats.garbageCommitted > 0) runsWithGarbage++;
    },
  });
  const lines = summary.failures.map((r) =>
    `seed ${r.seed}: ${describeViolation(r.violations[0]!)} — ${replayCommand(r.seed)} --garbage-rate ${GARBAGE_RATE}`
  );
  assert.is(summary.runs, SEEDS);
  assert.is(summary.violations, 0, lines.join("\n"));
  assert.is(summary.unknown, 0);
  // The fault really fired, and its entries reached the state machines (on more than one member each).
  assert.ok(runsWithGarbage >= SEEDS * 0.9, `only ${runsWithGarbage}/${SEEDS} runs committed garbage`);
  assert.ok(totals.committed >= SEEDS * 20, `only ${totals.committed} garbage entries committed`);
  assert.ok(totals.committed <= totals.proposed * 2, "more garbage committed than a duplicating network explains");
  assert.ok(totals.applies > totals.committed * 2, `${totals.applies} applies of ${totals.committed} entries`);
  assert.ok(totals.opsOk > SEEDS * 50, `clients completed only ${totals.opsOk} operations`);
  console.log(`  ${SEEDS} seeds: ${totals.proposed} garbage proposed, ${totals.committed} committed, ` +
    `${totals.applies} applies as error outcomes, ${totals.opsOk} client operations; ` +
    `${(summary.elapsedMs / 1000).toFixed(1)} s`);
});

test("a garbage run replays identically, and its trace shows the error outcomes", () => {
  const a = runSeed({ seed: FIRST_SEED, garbageRate: GARBAGE_RATE, trace: true, chaosTicks: 800 });
  const b = runSeed({ seed: FIRST_SEED, garbageRate: GARBAGE_RATE, trace: true, chaosTicks: 800 });
  assert.equal(a.violations, []);
  assert.equal(a.trace, b.trace);
  assert.ok(a.stats.garbageCommitted > 0);
  assert.ok(a.trace.some((line) => /propose garbage .*: accepted/.test(line)));
  assert.ok(a.trace.some((line) => /apply \d+: no command \(.+\), error outcome/.test(line)));
});

test.run();
