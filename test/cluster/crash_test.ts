/**
 * Crash rounds on a real 3-member cluster: clients spread over every member write and read while the
 * leader or a follower is SIGKILLed mid-write and restarted, round after round. At the end every
 * acknowledged write is on every member, each client's acknowledged revisions strictly increase, and the
 * recorded history is linearizable.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ProcessCluster } from "./harness.ts";
import { assertNothingLost, Workload } from "./workload.ts";

const ROUNDS = 6;
const LOAD_BEFORE_KILL_MS = 2_000;
const DOWN_MS = 1_500;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

test("SIGKILL the leader or a follower mid-write, 6 rounds: nothing acknowledged lost, history linearizable", async () => {
  const cluster = new ProcessCluster({ size: 3, basePort: 30200 });
  let workload: Workload | undefined;
  try {
    await cluster.start();
    workload = new Workload({
      endpoints: cluster.slots.map((s) => s.clientUrl),
      clients: 6,
      sharedKeys: 12,
      prefix: "crash/",
    });
    workload.start();
    const victims: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      await sleep(LOAD_BEFORE_KILL_MS);
      const leader = await cluster.waitForLeader();
      const victim = round % 2 === 0 ? leader : cluster.slots.find((s) => s !== leader)!;
      victims.push(`${victim.name}${victim === leader ? "(leader)" : ""}`);
      await cluster.kill(victim);
      await sleep(DOWN_MS);
      cluster.restart(victim);
      await cluster.waitForLeader(20_000);
    }
    await sleep(LOAD_BEFORE_KILL_MS);
    await workload.stop();

    const leader = await cluster.waitForLeader();
    const leaderStatus = (await cluster.status(leader))!;
    await cluster.waitForApplied(leaderStatus.raftIndex);
    await workload.finalReads(leader.clientUrl);

    assert.ok(workload.stats.putsAcked > 100, `too little load to mean anything: ${JSON.stringify(workload.stats)}`);
    const verdict = await assertNothingLost(workload, cluster.slots, "crash/", { probeChecker: true });

    console.log(
      `crash rounds: ${ROUNDS} (${victims.join(", ")}), writes acknowledged: ${workload.stats.putsAcked}, ` +
        `unknown: ${workload.stats.putsUnknown}, reads: ${workload.stats.readsOk}, lost: 0, ` +
        `history ops: ${workload.history.length}, checker steps: ${verdict.steps}`,
    );
  } catch (error) {
    console.error(cluster.logs());
    throw error;
  } finally {
    await workload?.stop();
    await cluster.close();
  }
});

test.run();
