/**
 * Snapshot catch-up: with a small --snapshot-count the leader compacts its log while a member is down;
 * restarted, the member catches up (from a streamed snapshot, since the entries it lacks are gone) and
 * then has every key.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { connect } from "../../../src/client/mod.ts";
import { ProcessCluster } from "../harness.ts";
import { localSnapshot } from "../workload.ts";

const SNAPSHOT_COUNT = 100;
const KEYS_WHILE_DOWN = 1_500;
const WRITERS = 8;

test("a member down while the log is compacted catches up and has every key", async () => {
  const cluster = new ProcessCluster({ size: 3, basePort: 30280, snapshotCount: SNAPSHOT_COUNT });
  try {
    await cluster.start();
    const [m0, m1, m2] = cluster.slots as [typeof cluster.slots[0], typeof cluster.slots[0], typeof cluster.slots[0]];
    const client = connect({ endpoints: [m0.clientUrl, m1.clientUrl], commandTimeoutMs: 5_000 });
    for (let i = 0; i < 20; i++) await client.put(`snap/before/${i}`, `b${i}`);
    await cluster.waitForApplied((await cluster.status(m0))!.raftIndex);
    await cluster.kill(m2);

    let next = 0;
    async function writer(): Promise<void> {
      while (next < KEYS_WHILE_DOWN) {
        const i = next++;
        await client.put(`snap/down/${i}`, `d${i}`);
      }
    }
    await Promise.all(Array.from({ length: WRITERS }, writer));
    const logBefore = m2.log.length;
    cluster.restart(m2);
    const leader = await cluster.waitForLeader(20_000);
    await cluster.waitForApplied((await cluster.status(leader))!.raftIndex, cluster.slots, 30_000);

    const snapshot = await localSnapshot(m2.clientUrl, "snap/");
    for (let i = 0; i < 20; i++) assert.is(snapshot.get(`snap/before/${i}`), `b${i}`);
    for (let i = 0; i < KEYS_WHILE_DOWN; i++) assert.is(snapshot.get(`snap/down/${i}`), `d${i}`, `snap/down/${i}`);
    const restartLog = m2.log.slice(logBefore);
    assert.match(restartLog, /snapshot/i, `the restarted member does not report receiving a snapshot:\n${restartLog.slice(-2000)}`);
    console.log(`snapshot catch-up: ${KEYS_WHILE_DOWN} keys written while down (snapshot-count ${SNAPSHOT_COUNT}), all present`);
  } catch (error) {
    console.error(cluster.logs());
    throw error;
  } finally {
    await cluster.close();
  }
});

test.run();
