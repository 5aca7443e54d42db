/**
 * A 5-member cluster survives the loss of a minority: the leader and a follower are SIGKILLed together
 * while clients write through every member; the three left keep committing; both come back and catch up.
 * Nothing acknowledged is lost and the history is linearizable.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ProcessCluster } from "./harness.ts";
import { assertNothingLost, Workload } from "./workload.ts";

const ROUNDS = 2;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

test("5 members: SIGKILL the leader and a follower together, twice; writes go on, nothing lost", async () => {
  const cluster = new ProcessCluster({ size: 5, basePort: 30380 });
  let workload: Workload | undefined;
  try {
    await cluster.start(40_000);
    workload = new Workload({ endpoints: cluster.slots.map((s) => s.clientUrl), clients: 5, sharedKeys: 8, prefix: "five/" });
    workload.start();
    for (let round = 0; round < ROUNDS; round++) {
      await sleep(1_500);
      const leader = await cluster.waitForLeader(20_000);
      const follower = cluster.slots.find((s) => s !== leader)!;
      await Promise.all([cluster.kill(leader), cluster.kill(follower)]);
      const ackedBefore = workload.stats.putsAcked;
      await cluster.waitForLeader(20_000);
      await sleep(2_000);
      assert.ok(workload.stats.putsAcked > ackedBefore, `round ${round}: no write acknowledged by the 3 left`);
      cluster.restart(leader);
      cluster.restart(follower);
      await cluster.waitForLeader(20_000);
    }
    await sleep(1_000);
    await workload.stop();
    const leader = await cluster.waitForLeader();
    await cluster.waitForApplied((await cluster.status(leader))!.raftIndex, cluster.slots, 30_000);
    await workload.finalReads(leader.clientUrl);
    await assertNothingLost(workload, cluster.slots, "five/");
    console.log(`5 members, ${ROUNDS} rounds of 2 kills: writes acknowledged ${workload.stats.putsAcked}, lost 0, history ${workload.history.length} ops`);
  } catch (error) {
    console.error(cluster.logs());
    throw error;
  } finally {
    await workload?.stop();
    await cluster.close();
  }
});

test.run();
