/**
 * Chaos on a 3-member cluster with a small --snapshot-count: 25 seeded actions (SIGKILL + restart,
 * SIGSTOP + SIGCONT, SIGTERM + restart) on one member at a time while clients write and read; then the
 * usual checks (nothing acknowledged lost, members agree, revisions increase, history linearizable).
 * SEED=n and SNAP=n (snapshot count, default 50) pick the run. Pending: CLUSTER_FINDINGS F7.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ProcessCluster } from "../harness.ts";
import { checkLinearizable, localSnapshot, missingWrites, nonIncreasingRevisions, Workload } from "../workload.ts";
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const seed = Number(process.env.SEED ?? Date.now() % 100000);
let state = seed;
const rand = (n: number): number => { state = (state * 1103515245 + 12345) % 2147483648; return state % n; };
test(`chaos seed ${seed}`, async () => {
  const cluster = new ProcessCluster({ size: 3, basePort: 30700, snapshotCount: Number(process.env.SNAP ?? 50) });
  let workload: Workload | undefined;
  const actions: string[] = [];
  try {
    await cluster.start();
    workload = new Workload({ endpoints: cluster.slots.map((s) => s.clientUrl), clients: 6, sharedKeys: 8, prefix: "chaos/" });
    workload.start();
    for (let i = 0; i < 25; i++) {
      await sleep(200 + rand(1500));
      const victim = cluster.slots[rand(3)]!;
      const kind = rand(3);
      if (kind === 0) { actions.push(`kill ${victim.name}`); await cluster.kill(victim); await sleep(rand(1500)); cluster.restart(victim); }
      else if (kind === 1) { actions.push(`stop ${victim.name}`); cluster.signal(victim, "SIGSTOP"); await sleep(rand(3000)); cluster.signal(victim, "SIGCONT"); }
      else { actions.push(`term ${victim.name}`); const ex = victim.exited!; cluster.signal(victim, "SIGTERM"); await Promise.race([ex, sleep(10000)]); if (victim.child) { await cluster.kill(victim); } cluster.restart(victim); }
      await cluster.waitForLeader(30_000);
    }
    await sleep(1000);
    await workload.stop();
    const leader = await cluster.waitForLeader();
    await cluster.waitForApplied((await cluster.status(leader))!.raftIndex, cluster.slots, 30_000);
    await workload.finalReads(leader.clientUrl);
    for (const slot of cluster.slots) {
      const missing = missingWrites(workload.acked, await localSnapshot(slot.clientUrl, "chaos/"));
      assert.is(missing.length, 0, `${slot.name} lost ${missing.length}: ${JSON.stringify(missing.slice(0, 3))}`);
    }
    const snaps = await Promise.all(cluster.slots.map((s) => localSnapshot(s.clientUrl, "chaos/")));
    for (const o of snaps.slice(1)) assert.equal(o, snaps[0], "states differ");
    assert.equal(nonIncreasingRevisions(workload.revisions), []);
    const v = checkLinearizable(workload.history);
    assert.is(v.outcome, "ok", `${v.outcome} ${v.detail}`);
    console.log(`seed ${seed}: ${actions.join(", ")}; acked ${workload.stats.putsAcked}, unknown ${workload.stats.putsUnknown}`);
  } catch (e) { console.error(`seed ${seed} actions: ${actions.join(", ")}`); console.error(cluster.logs()); throw e; }
  finally { await workload?.stop(); await cluster.close(); }
});
test.run();
