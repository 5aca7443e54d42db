/**
 * A leader stopped with SIGTERM hands leadership over before it exits (etcd's TransferLeadership on
 * stop). With a long election timeout the difference is plain: a hand-over gives the cluster a new leader
 * within a few heartbeats, while a leader that just disappeared leaves the followers waiting a whole
 * election timeout before anyone campaigns.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ProcessCluster } from "./harness.ts";

const ELECTION_MS = 6_000;
/** Far below the election timeout, far above a hand-over on a loaded 2-core machine. */
const HANDOVER_BOUND_MS = 3_000;

test("SIGTERM on the leader: a new leader well before an election timeout, the old one exits 0", async () => {
  const cluster = new ProcessCluster({ size: 3, basePort: 30360, heartbeatMs: 100, electionMs: ELECTION_MS });
  try {
    await cluster.start(40_000);
    const leader = await cluster.waitForLeader(20_000);
    const before = (await cluster.status(leader))!;
    const others = cluster.slots.filter((s) => s !== leader);
    const startMs = Date.now();
    const exited = leader.exited!;
    cluster.signal(leader, "SIGTERM");
    const next = await cluster.waitForLeader(ELECTION_MS * 3, others);
    const handoverMs = Date.now() - startMs;
    // The timer is cleared at once: pending, it would hold the file's process open for the rest of 15 s.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const code = await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(() => resolve("still running"), 15_000)))]);
    clearTimeout(timer);
    assert.is(code, 0, `the old leader's exit: ${code}`);
    assert.ok(handoverMs < HANDOVER_BOUND_MS, `no hand-over: a new leader only after ${handoverMs} ms (election timeout ${ELECTION_MS} ms)`);
    const after = (await cluster.status(next))!;
    assert.ok(after.raftTerm > before.raftTerm);
    console.log(`SIGTERM hand-over: ${leader.name} → ${next.name} in ${handoverMs} ms (election timeout ${ELECTION_MS} ms)`);
  } catch (error) {
    console.error(cluster.logs());
    throw error;
  } finally {
    await cluster.close();
  }
});

test.run();
