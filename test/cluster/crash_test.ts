/**
 * Crash rounds on a real 3-member cluster: clients spread over every member write and read while the
 * leader or a follower is SIGKILLed mid-write and restarted, round after round. At the end every
 * acknowledged write is on every member, each client's acknowledged revisions strictly increase, and the
 * recorded history is linearizable; the checker is shown to reject the same history plus one stale read.
 * CI runs ROUNDS (20) kills per run: short rounds (1 s of load, 0.5 s down) keep the file near a minute.
 * TSETCD_TEST_CRASH_ROUNDS sets another count (test/deno/crash_test.ts runs fewer on Deno members).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ProcessCluster } from "./harness.ts";
import { assertNothingLost, Workload } from "./workload.ts";

const ROUNDS = roundsFromEnv(process.env.TSETCD_TEST_CRASH_ROUNDS, 20);
/** Load on a full cluster before each kill: long enough that every kill lands among writes in flight. */
const LOAD_BEFORE_KILL_MS = 1_000;
/**
 * Longest a round's load window is stretched for its first acknowledged write: after a restart the cluster
 * may take more than LOAD_BEFORE_KILL_MS to take writes again (a second election on a loaded box), and a
 * kill must land on a cluster that is writing. None by then fails the run.
 */
const FIRST_ACK_WAIT_MS = 10_000;
const ACK_POLL_MS = 50;
/** How long the victim stays dead; a killed leader's successor is elected meanwhile or right after. */
const DOWN_MS = 500;
/** Floor on acknowledged writes over the run: 25 a round (a normal 20-round run acknowledges thousands). */
const MIN_PUTS_ACKED = 25 * ROUNDS;

function roundsFromEnv(text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const rounds = Number(text);
  if (!Number.isInteger(rounds) || rounds < 2 || rounds > 100) throw new Error(`TSETCD_TEST_CRASH_ROUNDS=${text}: 2-100`);
  return rounds;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

test(`SIGKILL the leader or a follower mid-write, ${ROUNDS} rounds: nothing acknowledged lost, history linearizable`, async () => {
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
    /** Writes acknowledged in each round's load window: each kill must land on a cluster that was writing. */
    const ackedPerRound: number[] = [];
    /** Rounds whose load window was stretched for a first acknowledged write (shown in the summary). */
    const stretched: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const ackedBefore = workload.stats.putsAcked;
      await sleep(LOAD_BEFORE_KILL_MS);
      let waitedMs = 0;
      for (; workload.stats.putsAcked === ackedBefore && waitedMs < FIRST_ACK_WAIT_MS; waitedMs += ACK_POLL_MS) {
        await sleep(ACK_POLL_MS);
      }
      if (waitedMs > 0) stretched.push(`round ${round}: +${waitedMs} ms`);
      const leader = await cluster.waitForLeader();
      ackedPerRound.push(workload.stats.putsAcked - ackedBefore);
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

    assert.is(victims.length, ROUNDS);
    assert.ok(workload.stats.putsAcked >= MIN_PUTS_ACKED, `too little load to mean anything: ${JSON.stringify(workload.stats)}`);
    const idle = ackedPerRound.flatMap((n, round) => (n === 0 ? [round] : []));
    assert.equal(idle, [], `rounds with no acknowledged write before their kill (${ackedPerRound.join(" ")})`);
    const verdict = await assertNothingLost(workload, cluster.slots, "crash/", { probeChecker: true });

    console.log(
      `crash rounds: ${ROUNDS} (${victims.join(", ")}), writes acknowledged: ${workload.stats.putsAcked} ` +
        `(per round before its kill: ${ackedPerRound.join(" ")}; stretched: ${stretched.join(", ") || "none"}), ` +
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
