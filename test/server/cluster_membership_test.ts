import { test } from "uvu";
import * as assert from "uvu/assert";
import { join } from "node:path";
import { openDatabase } from "../../src/storage/sqlite_bun.ts";
import { b64, followersOf, leaderOf, post, startCluster, unb64, waitFor } from "./cluster_helpers.ts";

test("member add (learner) on a follower, join with existing, snapshot catch-up, promote, remove", async () => {
  const c = await startCluster(["a", "b", "c"], 29100, { snapshotCount: 10 });
  try {
    // Enough writes that the log is compacted: the new member can only catch up from a snapshot.
    const leader = leaderOf(c)!;
    for (let i = 0; i < 60; i++) {
      const [status] = await post(leader.clientUrl, "/v3/kv/put", { key: b64(`k${i}`), value: b64(`v${i}`) });
      assert.is(status, 200);
    }
    assert.ok(leader.member.info().lastIndex > 0);
    // Compaction prepared a snapshot on the worker thread (the copy a lagging member gets without blocking).
    await waitFor(() => leader.snapshots.prepared >= 1, 5_000, "no snapshot prepared in the background");
    const follower = followersOf(c)[0]!;
    const dUrl = c.peerUrl("d");
    const [addStatus, added] = await post(follower.clientUrl, "/v3/cluster/member/add", {
      peerURLs: [dUrl],
      isLearner: true,
    });
    assert.is(addStatus, 200, JSON.stringify(added));
    assert.equal(added.member.peerURLs, [dUrl]);
    assert.is(added.member.isLearner, true);
    assert.is(added.members.length, 4);
    // etcd's errors: the same peer URLs again, and a second learner.
    const [, again] = await post(leader.clientUrl, "/v3/cluster/member/add", { peerURLs: [dUrl], isLearner: true });
    assert.is(again.message, "etcdserver: Peer URLs already exists");
    const [, second] = await post(leader.clientUrl, "/v3/cluster/member/add", {
      peerURLs: ["http://127.0.0.1:29199"],
      isLearner: true,
    });
    assert.is(second.message, "etcdserver: too many learner members in cluster");
    // Promoting a learner that has not started: not in sync.
    const [, early] = await post(leader.clientUrl, "/v3/cluster/member/promote", { ID: added.member.ID });
    assert.is(early.message, "etcdserver: can only promote a learner member which is in sync with leader");
    const [, notLearner] = await post(leader.clientUrl, "/v3/cluster/member/promote", { ID: String(leader.memberId) });
    assert.is(notLearner.message, "etcdserver: can only promote a learner member");

    // member update: etcd's errors, then a real change of the (not yet started) learner's URLs, and back.
    const [, missing] = await post(leader.clientUrl, "/v3/cluster/member/update", { ID: "99", peerURLs: [dUrl] });
    assert.is(missing.message, "etcdserver: member not found");
    const [, taken] = await post(follower.clientUrl, "/v3/cluster/member/update", {
      ID: added.member.ID,
      peerURLs: [c.peerUrl("a")],
    });
    assert.is(taken.message, "etcdserver: Peer URLs already exists");
    const [, moved] = await post(follower.clientUrl, "/v3/cluster/member/update", {
      ID: added.member.ID,
      peerURLs: ["http://127.0.0.1:29198"],
    });
    assert.ok(moved.members.some((m: { peerURLs: string[] }) => m.peerURLs[0] === "http://127.0.0.1:29198"));
    const [updateStatus] = await post(leader.clientUrl, "/v3/cluster/member/update", {
      ID: added.member.ID,
      peerURLs: [dUrl],
    });
    assert.is(updateStatus, 200);
    const initialCluster = new Map([...c.initialCluster, ["d", [dUrl]]]);
    let d = await c.start("d", { initialClusterState: "existing", initialCluster });
    assert.is(d.memberId, BigInt(added.member.ID));
    assert.is(d.clusterId, leader.clusterId);
    await waitFor(() => d.member.revision() === leader.member.revision(), 10_000, "the learner did not catch up");
    assert.ok(leader.snapshots.made >= 1, "the leader made a snapshot");
    assert.is(d.snapshots.installed, 1, "the learner installed it");
    const [, onD] = await post(d.clientUrl, "/v3/kv/range", { key: b64("k59"), serializable: true });
    assert.is(unb64(onD.kvs[0].value), "v59");
    const [, status] = await post(d.clientUrl, "/v3/maintenance/status", {});
    assert.is(status.isLearner, true);
    // etcd 3.4: a learner serves serializable reads and status only.
    const [, learnerRead] = await post(d.clientUrl, "/v3/kv/range", { key: b64("k59") });
    assert.is(learnerRead.message, "etcdserver: rpc not supported for learner");
    const [, learnerPut] = await post(d.clientUrl, "/v3/kv/put", { key: b64("k59"), value: b64("x") });
    assert.is(learnerPut.message, "etcdserver: rpc not supported for learner");

    // A crash between saving the snapshot and installing it (state rolled back, log past it): the restart
    // installs the saved snapshot before anything else.
    await d.close();
    c.servers.delete("d");
    const stateDb = openDatabase(join(c.dirs.get("d")!, "state.db"), { durable: false });
    stateDb.exec("DELETE FROM mvcc_revisions; DELETE FROM mvcc_latest; UPDATE raft_meta SET value = '0' WHERE key = 'applied'");
    stateDb.close();
    const restarted = await c.start("d", { initialClusterState: "existing", initialCluster });
    assert.is(restarted.snapshots.installed, 1, "the saved snapshot was installed at start");
    await waitFor(() => restarted.member.revision() === leader.member.revision(), 5_000, "the restarted learner lags");
    const [, again59] = await post(restarted.clientUrl, "/v3/kv/range", { key: b64("k59"), serializable: true });
    assert.is(unb64(again59.kvs[0].value), "v59");
    d = restarted;

    const [promoteStatus, promoted] = await post(leader.clientUrl, "/v3/cluster/member/promote", { ID: added.member.ID });
    assert.is(promoteStatus, 200, JSON.stringify(promoted));
    assert.ok(promoted.members.every((m: { isLearner?: boolean }) => m.isLearner !== true));
    // Writes continue after the promotion, through the new voter too.
    const [putStatus, putBody] = await post(d.clientUrl, "/v3/kv/put", { key: b64("after"), value: b64("promote") });
    assert.is(putStatus, 200, JSON.stringify(putBody));

    // Remove a follower: it stops itself; the members shrink everywhere.
    const victim = followersOf(c).find((s) => s !== d)!;
    // The joined member published its name and client URLs.
    await waitFor(async () => {
      const [, list] = await post(leader.clientUrl, "/v3/cluster/member/list", {});
      const m = list.members.find((x: { ID: string }) => x.ID === added.member.ID);
      return m?.name === "d" && m?.clientURLs?.[0] === d.clientUrl;
    }, 5_000, "the joined member did not publish");
    // Asked of the member being removed (a follower: it forwards), the answer is the new member list.
    const [removeStatus, removed] = await post(victim.clientUrl, "/v3/cluster/member/remove", {
      ID: String(victim.memberId),
    });
    assert.is(removeStatus, 200, JSON.stringify(removed));
    assert.is(removed.members.length, 3);
    await victim.removed;
    c.servers.delete(victim.name);
    const [, unknown] = await post(leader.clientUrl, "/v3/cluster/member/remove", { ID: String(victim.memberId) });
    assert.is(unknown.message, "etcdserver: member not found");
  } finally {
    await c.destroy();
  }
});

test("transfer-leadership: only on the leader, to a voter; removing the leader hands over first", async () => {
  const c = await startCluster(["a", "b", "c"], 29120);
  try {
    const leader = leaderOf(c)!;
    const [target, other] = followersOf(c);
    const [, onFollower] = await post(target!.clientUrl, "/v3/maintenance/transfer-leadership", {
      targetID: String(other!.memberId),
    });
    assert.is(onFollower.message, "etcdserver: not leader");
    const [, bad] = await post(leader.clientUrl, "/v3/maintenance/transfer-leadership", { targetID: "12345" });
    assert.is(bad.message, "etcdserver: bad leader transferee");
    const [moveStatus, moved] = await post(leader.clientUrl, "/v3/maintenance/transfer-leadership", {
      targetID: String(target!.memberId),
    });
    assert.is(moveStatus, 200, JSON.stringify(moved));
    await waitFor(() => leaderOf(c) === target, 5_000, "the target does not lead");

    // Remove the (new) leader through itself: it hands over, is removed, and stops.
    const [removeStatus, removed] = await post(target!.clientUrl, "/v3/cluster/member/remove", {
      ID: String(target!.memberId),
    });
    assert.is(removeStatus, 200, JSON.stringify(removed));
    assert.is(removed.members.length, 2);
    await target!.removed;
    c.servers.delete(target!.name);
    await waitFor(() => leaderOf(c) !== undefined, 5_000, "no leader after removing the old one");
    const [putStatus, putBody] = await post(other!.clientUrl, "/v3/kv/put", { key: b64("x"), value: b64("y") });
    assert.is(putStatus, 200, JSON.stringify(putBody));
  } finally {
    await c.destroy();
  }
});

test("a wiped data dir is refused with new, and rejoins after member remove + add + existing", async () => {
  const c = await startCluster(["a", "b", "c"], 29240);
  try {
    const victim = followersOf(c)[0]!;
    const name = victim.name;
    await waitFor(async () => {
      const [, list] = await post(leaderOf(c)!.clientUrl, "/v3/cluster/member/list", {});
      return list.members.every((m: { clientURLs?: string[] }) => (m.clientURLs?.length ?? 0) > 0);
    }, 5_000, "members did not publish");
    await victim.close();
    c.servers.delete(name);
    const { rmSync } = await import("node:fs");
    rmSync(c.dirs.get(name)!, { recursive: true, force: true });
    let refused = "";
    try {
      await c.start(name);
    } catch (err) {
      refused = (err as Error).message;
    }
    assert.match(refused, `member ${victim.memberId.toString(16)} has already been bootstrapped`);

    const leader = leaderOf(c)!;
    const [removeStatus] = await post(leader.clientUrl, "/v3/cluster/member/remove", { ID: String(victim.memberId) });
    assert.is(removeStatus, 200);
    const [addStatus, added] = await post(leader.clientUrl, "/v3/cluster/member/add", { peerURLs: [c.peerUrl(name)] });
    assert.is(addStatus, 200, JSON.stringify(added));
    const back = await c.start(name, { initialClusterState: "existing" });
    assert.is(back.memberId, BigInt(added.member.ID));
    await waitFor(() => back.member.info().leader === leader.memberId, 5_000, "the re-added member has no leader");
    const [putStatus, putBody] = await post(back.clientUrl, "/v3/kv/put", { key: b64("back"), value: b64("1") });
    assert.is(putStatus, 200, JSON.stringify(putBody));
  } finally {
    await c.destroy();
  }
});

test("a peer with another cluster token is refused", async () => {
  const c = await startCluster(["a", "b"], 29260);
  try {
    const intruderUrl = c.peerUrl("a"); // an address the members know, but another token
    let error = "";
    try {
      const { createTransport } = await import("../../src/transport/mod.ts");
      const t = createTransport({
        memberId: 7n,
        clusterToken: "other-token",
        listenUrls: [],
        onMessage: () => {},
        onUnreachable: () => {},
        onSnapshotStatus: () => {},
        logger: { info: () => {}, warn: () => {} },
      });
      try {
        await t.request(intruderUrl, new Uint8Array([0xa0]), { timeoutMs: 2_000 });
      } finally {
        await t.close();
      }
    } catch (err) {
      error = (err as Error).message;
    }
    assert.match(error, "cluster token mismatch");
    // The wrong token also keeps a would-be founder out: it sees no bootstrapped peer and starts alone,
    // but can never talk to the real members.
    assert.ok(leaderOf(c) !== undefined);
  } finally {
    await c.destroy();
  }
});

test.run();
