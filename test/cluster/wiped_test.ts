/**
 * A member restarted with a wiped data dir must not silently rejoin with an empty log. With
 * `--initial-cluster-state new` it is refused as etcd refuses it ("member … has already been
 * bootstrapped", non-zero exit); etcd's documented path — member remove, member add, start with
 * `--initial-cluster-state existing` — brings it back with every key.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { rmSync } from "node:fs";
import { connect } from "../../src/client/mod.ts";
import { ProcessCluster, runServerOnce } from "./harness.ts";
import { localSnapshot } from "./workload.ts";

const KEYS = 200;

test("wiped data dir: `new` is refused; remove + add + `existing` rejoins with every key", async () => {
  const cluster = new ProcessCluster({ size: 3, basePort: 30260 });
  try {
    await cluster.start();
    const [m0, m1, m2] = cluster.slots as [typeof cluster.slots[0], typeof cluster.slots[0], typeof cluster.slots[0]];
    const client = connect({ endpoints: [m0.clientUrl, m1.clientUrl], commandTimeoutMs: 5_000 });
    for (let i = 0; i < KEYS; i++) await client.put(`wipe/${i}`, `v${i}`);
    const oldId = (await cluster.status(m2))!.header.member_id;

    await cluster.kill(m2);
    rmSync(m2.dataDir, { recursive: true, force: true });
    const refused = await runServerOnce(cluster.serverArgs(m2, "new", cluster.initialCluster()), 20_000);
    assert.ok(refused.code !== 0, `a wiped member restarted with state new was not refused (exit ${refused.code}):\n${refused.output.slice(-2000)}`);
    assert.match(refused.output, /has already been bootstrapped/, refused.output.slice(-2000));
    assert.ok(refused.code !== "SIGKILL", "it did not exit by itself");

    const removed = await client.memberRemove({ ID: oldId });
    assert.ok(removed.members.every((m) => m.ID !== oldId));
    const added = await client.memberAdd({ peerURLs: [m2.peerUrl] });
    assert.ok(added.member.ID !== oldId, "re-added member got its old id");
    rmSync(m2.dataDir, { recursive: true, force: true });
    cluster.restart(m2, "existing", cluster.initialCluster());
    const leader = await cluster.waitForLeader(20_000);
    await cluster.waitForApplied((await cluster.status(leader))!.raftIndex, cluster.slots, 30_000);

    const snapshot = await localSnapshot(m2.clientUrl, "wipe/");
    for (let i = 0; i < KEYS; i++) assert.is(snapshot.get(`wipe/${i}`), `v${i}`, `wipe/${i} on the re-added member`);
    assert.is((await cluster.status(m2))!.header.member_id, added.member.ID);
    console.log(`wiped member refused (exit ${refused.code}); re-added as ${added.member.ID.toString(16)} with ${KEYS} keys`);
  } catch (error) {
    console.error(cluster.logs());
    throw error;
  } finally {
    await cluster.close();
  }
});

test.run();
