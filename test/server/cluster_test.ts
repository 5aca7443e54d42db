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

test("a follower restarts and catches up; then the whole cluster restarts with its data", async () => {
  const c = await startCluster(["a", "b", "c"], 29020);
  try {
    const follower = followersOf(c)[0]!;
    await follower.close();
    c.servers.delete(follower.name);
    const leader = leaderOf(c)!;
    for (let i = 0; i < 20; i++) {
      const [status] = await post(leader.clientUrl, "/v3/kv/put", { key: b64(`r${i}`), value: b64(`${i}`) });
      assert.is(status, 200);
    }
    const back = await c.start(follower.name);
    assert.is(back.memberId, follower.memberId);
    await waitFor(() => back.member.revision() === leader.member.revision(), 5_000, "the restarted follower lags");
    // Everyone down, everyone up again: the same ids, a leader, the data.
    const revision = leader.member.revision();
    await Promise.all([...c.servers.values()].map((s) => s.close()));
    c.servers.clear();
    await Promise.all(["a", "b", "c"].map((name) => c.start(name)));
    await waitFor(() => leaderOf(c) !== undefined, 10_000, "no leader after a full restart");
    for (const server of c.servers.values()) {
      const [, got] = await post(server.clientUrl, "/v3/kv/range", { key: b64("r19") });
      assert.is(unb64(got.kvs[0].value), "19", `${server.name} lost data`);
      assert.is(Number(got.header.revision), revision);
    }
  } finally {
    await c.destroy();
  }
});

test("a member without a leader answers writes and linearizable reads with etcd's errors, not stale data", async () => {
  const c = await startCluster(["a", "b", "c"], 29030, { requestTimeoutMs: 1_500 });
  try {
    const [survivor] = followersOf(c);
    for (const server of [...c.servers.values()]) {
      if (server !== survivor) {
        await server.close();
        c.servers.delete(server.name);
      }
    }
    await waitFor(() => !survivor!.member.hasLeader(), 5_000, "the survivor still sees a leader");
    const [readStatus, read] = await post(survivor!.clientUrl, "/v3/kv/range", { key: b64("x") });
    assert.is(readStatus, 503, JSON.stringify(read));
    assert.match(read.message, /etcdserver: (no leader|request timed out|leader changed)/);
    const [writeStatus, write] = await post(survivor!.clientUrl, "/v3/kv/put", { key: b64("x"), value: b64("1") });
    assert.is(writeStatus, 503, JSON.stringify(write));
    assert.match(write.message, /etcdserver: (no leader|request timed out)/);
    const health = await fetch(`${survivor!.clientUrl}/health`);
    assert.is(health.status, 503);
  } finally {
    await c.destroy();
  }
});

test.run();
