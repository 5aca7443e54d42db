import { test } from "uvu";
import * as assert from "uvu/assert";
import { checkHistory, describeViolation, replayCommand, runSeed } from "../../src/sim/mod.ts";

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
  const summary = {
    committed: 0, elections: 0, opsOk: 0, crashes: 0, partitions: 0, snapshots: 0, confChanges: 0, transfers: 0,
    readsSeeingWrites: 0, unknownOutcomes: 0, garbageCommitted: 0,
  };
  for (let seed = 1; seed <= 20; seed++) {
    const r = runSeed({ seed });
    assert.equal(r.violations, [], `seed ${seed}: ${r.violations.map(describeViolation).join("; ")} — ${replayCommand(seed)}`);
    summary.committed += r.stats.committed;
    summary.opsOk += r.stats.opsOk;
    summary.crashes += r.stats.crashes;
    summary.partitions += r.stats.partitions;
    summary.snapshots += r.stats.snapshots;
    summary.confChanges += r.stats.confChanges;
    summary.elections += r.stats.elections;
    summary.transfers += r.stats.transfers;
    summary.garbageCommitted += r.stats.garbageCommitted;
    summary.readsSeeingWrites += r.history.filter((o) => o.kind === "get" && o.returnTime !== undefined && o.value !== null).length;
    summary.unknownOutcomes += r.history.filter((o) => o.returnTime === undefined).length;
  }
  for (const [name, n] of Object.entries(summary)) assert.ok(n > 0, `no ${name} in 20 runs`);
  assert.ok(summary.committed > 20 * 50, `only ${summary.committed} entries committed`);
});

test("the linearizability checker sees real histories: a stale read planted in one is caught", () => {
  const r = runSeed({ seed: 21 });
  assert.equal(r.violations, []);
  assert.is(checkHistory(r.history).outcome, "ok");
  // Find a completed read that follows a completed write of a different value to the same key, and make it
  // return an older value of that key written before it (a stale read).
  const ops = r.history;
  let planted = false;
  for (let i = 0; i < ops.length && !planted; i++) {
    const w1 = ops[i]!;
    if (w1.kind !== "put" || w1.returnTime === undefined) continue;
    for (let j = i + 1; j < ops.length && !planted; j++) {
      const w2 = ops[j]!;
      if (w2.kind !== "put" || w2.key !== w1.key || w2.returnTime === undefined || w2.callTime <= w1.returnTime) continue;
      const readIndex = ops.findIndex((o) => o.kind === "get" && o.key === w1.key && o.returnTime !== undefined && o.callTime > w2.returnTime!);
      if (readIndex < 0) continue;
      const bad = ops.slice();
      bad[readIndex] = { ...bad[readIndex]!, value: w1.value };
      const verdict = checkHistory(bad);
      // w1 completed before w2 began and w2 before the read began: reading w1's value is stale.
      assert.is(verdict.outcome, "violation");
      planted = true;
    }
  }
  assert.ok(planted, "no write-write-read pattern in the history");
});

test.run();
