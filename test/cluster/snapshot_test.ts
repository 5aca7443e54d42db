/**
 * Snapshot catch-up: with a small --snapshot-count the leader compacts its log while a member is down;
 * restarted, the member catches up (from a streamed snapshot, since the entries it lacks are gone) and
 * then has every key.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { type Client, connect } from "../../src/client/mod.ts";
import { SNAPSHOT_FILE } from "../../src/server/snapshots.ts";
import { ProcessCluster } from "./harness.ts";
import { localSnapshot } from "./workload.ts";

const SNAPSHOT_COUNT = 100;
const KEYS_WHILE_DOWN = 1_500;
const WRITERS = 8;
const PUT_ATTEMPTS = 4;

/**
 * A put forwarded to a member that dies can be lost and time out (as in etcd); re-putting the same value
 * of a unique key is harmless, and this test is about catching up, not availability.
 */
async function putWithRetries(client: Client, key: string, value: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await client.put(key, value);
      return;
    } catch (error) {
      if (attempt >= PUT_ATTEMPTS) throw error;
    }
  }
}

test("a member down while the log is compacted catches up and has every key", async () => {
  const cluster = new ProcessCluster({ size: 3, basePort: 30280, snapshotCount: SNAPSHOT_COUNT });
  try {
    await cluster.start();
    const [m0, m1, m2] = cluster.slots as [typeof cluster.slots[0], typeof cluster.slots[0], typeof cluster.slots[0]];
    const client = connect({ endpoints: [m0.clientUrl, m1.clientUrl], commandTimeoutMs: 5_000 });
    for (let i = 0; i < 20; i++) await putWithRetries(client, `snap/before/${i}`, `b${i}`);
    await cluster.waitForApplied((await cluster.status(m0))!.raftIndex);
    await cluster.kill(m2);

    let next = 0;
    async function writer(): Promise<void> {
      while (next < KEYS_WHILE_DOWN) {
        const i = next++;
        await putWithRetries(client, `snap/down/${i}`, `d${i}`);
      }
    }
    await Promise.all(Array.from({ length: WRITERS }, writer));
    const snapshotPath = join(m2.dataDir, SNAPSHOT_FILE);
    assert.ok(!existsSync(snapshotPath), "the member had a received snapshot before it went down");
    cluster.restart(m2);
    const leader = await cluster.waitForLeader(20_000);
    await cluster.waitForApplied((await cluster.status(leader))!.raftIndex, cluster.slots, 30_000);

    const snapshot = await localSnapshot(m2.clientUrl, "snap/");
    for (let i = 0; i < 20; i++) assert.is(snapshot.get(`snap/before/${i}`), `b${i}`);
    for (let i = 0; i < KEYS_WHILE_DOWN; i++) assert.is(snapshot.get(`snap/down/${i}`), `d${i}`, `snap/down/${i}`);
    // A member keeps the snapshot it received in its data dir: the evidence it did not replay a log.
    assert.ok(existsSync(snapshotPath), "the restarted member caught up without receiving a snapshot");
    console.log(`snapshot catch-up: ${KEYS_WHILE_DOWN} keys written while down (snapshot-count ${SNAPSHOT_COUNT}), all present`);
  } catch (error) {
    console.error(cluster.logs());
    throw error;
  } finally {
    await cluster.close();
  }
});

test.run();
