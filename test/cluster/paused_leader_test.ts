/**
 * A paused, not dead, leader: SIGSTOP it for longer than the election timeout while clients write and
 * read linearizably through the other members, then SIGCONT. The old leader must step down (its status
 * names another leader in a higher term), and no stale read may be served — including reads that were
 * sent to the paused member and answered after it resumed, which is where a leader that still believes
 * in its lease would answer from its old state.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ProcessCluster } from "./harness.ts";
import { assertNothingLost, Workload } from "./workload.ts";

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

const ELECTION_MS = 1_000;
const PAUSE_MS = 4 * ELECTION_MS;

test("SIGSTOP the leader past the election timeout: it steps down on SIGCONT, no stale read", async () => {
  const cluster = new ProcessCluster({ size: 3, basePort: 30220, electionMs: ELECTION_MS });
  let workload: Workload | undefined;
  try {
    await cluster.start();
    const leader = await cluster.waitForLeader();
    const before = (await cluster.status(leader))!;
    const others = cluster.slots.filter((s) => s !== leader).map((s) => s.clientUrl);
    // Four clients on the live members; two pinned to the leader, waiting out the pause (no failover).
    workload = new Workload({
      endpoints: others,
      clients: 6,
      sharedKeys: 6,
      prefix: "pause/",
      endpointsPerClient: [others, [...others].reverse(), others, [...others].reverse(), [leader.clientUrl], [leader.clientUrl]],
      opTimeoutPerClientMs: [3_000, 3_000, 3_000, 3_000, PAUSE_MS + 6_000, PAUSE_MS + 6_000],
    });
    workload.start();
    await sleep(1_500);
    cluster.signal(leader, "SIGSTOP");
    const pausedAtMs = workload.now();
    await sleep(PAUSE_MS);
    const ackedDuringPause = workload.acked.length;
    const newLeader = await cluster.waitForLeader(10_000, cluster.slots.filter((s) => s !== leader));
    cluster.signal(leader, "SIGCONT");
    const resumedAtMs = workload.now();
    await sleep(3_000);
    await workload.stop();

    const after = await cluster.waitForLeader(10_000);
    const oldStatus = (await cluster.status(leader))!;
    assert.ok(oldStatus.leader !== before.header.member_id, `the paused leader still calls itself leader (term ${oldStatus.raftTerm})`);
    assert.ok(oldStatus.raftTerm > before.raftTerm, `term did not move: ${before.raftTerm} → ${oldStatus.raftTerm}`);
    assert.ok(newLeader !== leader);

    const progress = workload.history.filter((op) =>
      op.kind === "put" && op.returnTime !== undefined && op.callTime > pausedAtMs && op.returnTime < resumedAtMs
    );
    assert.ok(progress.length > 0, "no write was acknowledged while the leader was paused");
    // Reads served by the resumed member: the ones a deposed leader could answer from its old state.
    const lateReads = workload.history.filter((op) =>
      op.kind === "get" && (op.clientId === 4 || op.clientId === 5) && op.returnTime !== undefined &&
      op.returnTime > resumedAtMs
    );
    assert.ok(lateReads.length > 0, "the resumed member served no linearizable read");

    const afterStatus = (await cluster.status(after))!;
    await cluster.waitForApplied(afterStatus.raftIndex);
    await workload.finalReads(after.clientUrl);
    await assertNothingLost(workload, cluster.slots, "pause/", { probeChecker: true });
    console.log(
      `paused leader ${leader.name} for ${PAUSE_MS} ms: new leader ${newLeader.name}, term ${before.raftTerm} → ` +
        `${oldStatus.raftTerm}, writes acked during pause ${progress.length} (${ackedDuringPause} unique total), ` +
        `reads to the paused member answered after resume: ${lateReads.length}, history ${workload.history.length} ops: ok`,
    );
    console.log(
      `errors seen: ${JSON.stringify([...workload.errors].filter(([k]) => k.startsWith("client 4") || k.startsWith("client 5")))}`,
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
