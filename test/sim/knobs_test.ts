import { test } from "uvu";
import * as assert from "uvu/assert";
import { BUG_NAMES, type BugName, drawKnobs, drawSettings } from "../../src/sim/knobs.ts";
import { Prng } from "../../src/sim/prng.ts";

const SEEDS = 300;

/** Draws knobs then settings as a run does; returns them with the generator's next value (its position). */
function draw(seed: number, scenario: BugName | undefined, bugOn: boolean) {
  const rng = new Prng(seed);
  const knobs = drawKnobs(rng, scenario);
  const settings = drawSettings(rng, scenario, { bugOn });
  return { knobs, settings, next: rng.nextU32() };
}

test("a bug run and its control draw the same numbers and get the same knobs; only the bug differs", () => {
  for (const bug of BUG_NAMES) {
    for (let seed = 1; seed <= SEEDS; seed++) {
      const on = draw(seed, bug, true);
      const off = draw(seed, bug, false);
      assert.equal(off.knobs, on.knobs, `${bug} seed ${seed}`);
      assert.is(off.next, on.next, `${bug} seed ${seed}: draw sequence differs`);
      assert.equal({ ...off.settings, raftBugs: undefined, ackBeforePersist: false },
        { ...on.settings, raftBugs: undefined, ackBeforePersist: false });
      assert.is(off.settings.raftBugs, undefined);
      assert.is(off.settings.ackBeforePersist, false);
    }
  }
  assert.equal(draw(1, "voteTwice", true).settings.raftBugs, { voteTwice: true });
  assert.is(draw(1, "ackBeforePersist", true).settings.ackBeforePersist, true);
});

test("the number of draws does not depend on the scenario either", () => {
  for (let seed = 1; seed <= SEEDS; seed++) {
    const plain = draw(seed, undefined, false);
    for (const bug of BUG_NAMES) assert.is(draw(seed, bug, true).next, plain.next, `${bug} seed ${seed}`);
    // Cluster shape and workload are the same; a bug scenario only sharpens the fault rates.
    const harsh = draw(seed, "voteTwice", false).knobs;
    assert.is(harsh.voters, plain.knobs.voters);
    assert.is(harsh.clients, plain.knobs.clients);
    assert.ok(harsh.crashRate >= plain.knobs.crashRate && harsh.partitionRate >= plain.knobs.partitionRate);
  }
});

test.run();
