import { test } from "uvu";
import * as assert from "uvu/assert";
import { b64, followersOf, leaderOf, post, startCluster, unb64, waitFor } from "./cluster_helpers.ts";

test("three founders elect one leader; writes through every member; followers read their writes", async () => {
  const c = await startCluster(["a", "b", "c"], 29000);
  try {
    const leader = leaderOf(c)!;
    assert.ok(leader !== undefined);
    const ids = new Set([...c.servers.values()].map((s) => s.clusterId));
    assert.is(ids.size, 1, "one cluster id");
    let i = 0;
    for (const server of c.servers.values()) {
      const [status, put] = await post(server.clientUrl, "/v3/kv/put", { key: b64(`k${i}`), value: b64(`v${i}`) });
      assert.is(status, 200, JSON.stringify(put));
      assert.is(put.header.member_id, String(server.memberId));
      // A linearizable read on the same member sees the write at once (ReadIndex through the leader).
      const [, got] = await post(server.clientUrl, "/v3/kv/range", { key: b64(`k${i}`) });
      assert.is(unb64(got.kvs[0].value), `v${i}`, `read-your-write on ${server.name}`);
      i++;
    }
    // Every member holds every write, at the same revision.
    for (const server of c.servers.values()) {
      await waitFor(() => server.member.revision() === 4, 5_000, `${server.name} did not apply every write`);
      const [, all] = await post(server.clientUrl, "/v3/kv/range", { key: b64("k"), range_end: b64("l") });
      assert.equal(all.kvs.map((kv: { key: string }) => unb64(kv.key)), ["k0", "k1", "k2"]);
    }
    // Serializable reads are local: answered by a follower without the leader.
    const follower = followersOf(c)[0]!;
    const [, local] = await post(follower.clientUrl, "/v3/kv/range", { key: b64("k0"), serializable: true });
    assert.is(unb64(local.kvs[0].value), "v0");
    // Status per member names the same leader; /health says so.
    for (const server of c.servers.values()) {
      const [, status] = await post(server.clientUrl, "/v3/maintenance/status", {});
      assert.is(status.leader, String(leader.memberId));
      assert.is(status.header.member_id, String(server.memberId));
      const health = await fetch(`${server.clientUrl}/health`);
      assert.is(health.status, 200);
    }
    // Every member published its client URLs: member list shows them from any member.
    await waitFor(async () => {
      const [, list] = await post(follower.clientUrl, "/v3/cluster/member/list", {});
      return list.members.length === 3 && list.members.every((m: { clientURLs?: string[] }) => m.clientURLs?.length === 1);
    }, 5_000, "members did not publish their client URLs");
  } finally {
    await c.destroy();
  }
});

test("the leader goes away: the others elect a new one and keep serving", async () => {
  const c = await startCluster(["a", "b", "c"], 29010);
  try {
    const leader = leaderOf(c)!;
    await leader.close(); // hands over first, as etcd's Stop
    c.servers.delete(leader.name);
    await waitFor(() => leaderOf(c) !== undefined, 5_000, "no new leader");
    const [status, put] = await post(followersOf(c)[0]!.clientUrl, "/v3/kv/put", { key: b64("x"), value: b64("1") });
    assert.is(status, 200, JSON.stringify(put));
  } finally {
    await c.destroy();
  }
});

test.run();
