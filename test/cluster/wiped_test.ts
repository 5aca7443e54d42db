/**
 * A member restarted with a wiped data dir must not silently rejoin with an empty log. With
 * `--initial-cluster-state new` it is refused as etcd refuses it ("member … has already been
 * bootstrapped", non-zero exit); etcd's documented path — member remove, member add, start with
 * `--initial-cluster-state existing` — brings it back with every key.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { rmSync } from "node:fs";
import { type Client, connect } from "../../src/client/mod.ts";
import type { Member } from "../../src/codec/messages.ts";
import { ProcessCluster, runServerOnce } from "./harness.ts";
import { localSnapshot } from "./workload.ts";

const KEYS = 200;

const ATTEMPTS = 5;

function isTimeout(error: unknown): boolean {
  return error instanceof Error && /request timed out|no leader|leader changed/.test(error.message);
}

/**
 * Removes a member the way an operator does when the leader just died (the removed member may have been
 * it): a timed-out attempt may still have been applied, so a retry that says "member not found" is done.
 */
async function removeMember(client: Client, id: bigint): Promise<void> {
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    try {
      const response = await client.memberRemove({ ID: id });
      assert.ok(response.members.every((m) => m.ID !== id));
      return;
    } catch (error) {
      if (attempt > 1 && error instanceof Error && error.message === "etcdserver: member not found") return;
      if (!isTimeout(error) || attempt === ATTEMPTS) throw error;
    }
  }
}

/** Adds a voter; after a timed-out attempt the member list tells whether it was applied. */
async function addMember(client: Client, peerUrl: string): Promise<Member> {
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    try {
      return (await client.memberAdd({ peerURLs: [peerUrl] })).member;
    } catch (error) {
      if (!isTimeout(error) || attempt === ATTEMPTS) throw error;
      const existing = (await client.memberList()).members.find((m) => m.peerURLs.includes(peerUrl));
      if (existing !== undefined) return existing;
    }
  }
  throw new Error("unreachable");
}

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

    await removeMember(client, oldId);
    const added = await addMember(client, m2.peerUrl);
    assert.ok(added.ID !== oldId, "re-added member got its old id");
    rmSync(m2.dataDir, { recursive: true, force: true });
    cluster.restart(m2, "existing", cluster.initialCluster());
    const leader = await cluster.waitForLeader(20_000);
    await cluster.waitForApplied((await cluster.status(leader))!.raftIndex, cluster.slots, 30_000);

    const snapshot = await localSnapshot(m2.clientUrl, "wipe/");
    for (let i = 0; i < KEYS; i++) assert.is(snapshot.get(`wipe/${i}`), `v${i}`, `wipe/${i} on the re-added member`);
    assert.is((await cluster.status(m2))!.header.member_id, added.ID);
    console.log(`wiped member refused (exit ${refused.code}); re-added as ${added.ID.toString(16)} with ${KEYS} keys`);
  } catch (error) {
    console.error(cluster.logs());
    throw error;
  } finally {
    await cluster.close();
  }
});

test.run();
