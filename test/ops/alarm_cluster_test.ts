/**
 * Alarms across members, on an in-process 3-member cluster with --snapshot-count 10: an alarm raised while
 * a member was down reaches it in the leader's snapshot, and the member refuses writes at apply as the
 * others do (its in-memory view of the alarms is reloaded with the snapshot: with a stale one, a put it
 * proposed would apply on it alone). And a member past its own quota raises NOSPACE when it applies a
 * write, though no client writes to it (etcd's quotaApplierV3).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { b64, leaderOf, post, startCluster, type TestCluster, waitFor } from "../server/cluster_helpers.ts";

const PEER_BASE_PORT = 21260;
const NOSPACE_TEXT = "etcdserver: mvcc: database space exceeded";
let cluster: TestCluster | undefined;

test.after(async () => {
  await cluster?.destroy();
});

test("a member restarted past a log compaction gets the alarm in a snapshot and refuses writes", async () => {
  cluster = await startCluster(["a", "b", "c"], PEER_BASE_PORT, { snapshotCount: 10 });
  const leader = leaderOf(cluster)!;
  const name = ["a", "b", "c"].find((n) => cluster!.servers.get(n) !== leader)!;
  await cluster.servers.get(name)!.close();
  cluster.servers.delete(name);
  for (let i = 0; i < 20; i++) {
    const [status] = await post(leader.clientUrl, "/v3/kv/put", { key: b64(`k${i}`), value: b64("v") });
    assert.is(status, 200);
  }
  const [raised] = await post(leader.clientUrl, "/v3/maintenance/alarm", { action: "ACTIVATE", memberID: "77", alarm: "NOSPACE" });
  assert.is(raised, 200);
  // Deletes still pass under NOSPACE: enough entries that the log the member missed is compacted away.
  for (let i = 0; i < 40; i++) {
    const [status] = await post(leader.clientUrl, "/v3/kv/deleterange", { key: b64(`none${i}`) });
    assert.is(status, 200);
  }
  const member = await cluster.start(name, { snapshotCount: 10 });
  await waitFor(() => member.snapshots.installed >= 1, 10_000, "the restarted member installed no snapshot");
  const [listed, list] = await post(member.clientUrl, "/v3/maintenance/alarm", { action: "GET" });
  assert.is(listed, 200);
  assert.equal(list.alarms, [{ memberID: "77", alarm: "NOSPACE" }]);
  // Proposed by the restarted member itself: its own apply decides its answer.
  const [status, body] = await post(member.clientUrl, "/v3/kv/put", { key: b64("after"), value: b64("x") });
  assert.is(status, 429, JSON.stringify(body));
  assert.is(body.error, NOSPACE_TEXT);
  const [, read] = await post(member.clientUrl, "/v3/kv/range", { key: b64("after"), serializable: true });
  assert.is(read.kvs, undefined, "the refused put applied nowhere, this member included");
});

test("a member past its quota raises NOSPACE when it applies a write through another member", async () => {
  await post(leaderOf(cluster!)!.clientUrl, "/v3/maintenance/alarm", { action: "DEACTIVATE", memberID: "77", alarm: "NOSPACE" });
  const leader = leaderOf(cluster!)!;
  const name = ["a", "b", "c"].find((n) => cluster!.servers.get(n) !== leader)!;
  await cluster!.servers.get(name)!.close();
  const small = await cluster!.start(name, { snapshotCount: 10, quotaBackendBytes: 1 });
  const [ok] = await post(leader.clientUrl, "/v3/kv/put", { key: b64("through-the-leader"), value: b64("x") });
  assert.is(ok, 200, "the leader, under its quota, takes the write");
  const raisedBySmall = async (): Promise<boolean> => {
    const [, list] = await post(leader.clientUrl, "/v3/maintenance/alarm", { action: "GET" });
    return (list.alarms ?? []).some((a: { memberID: string }) => a.memberID === String(small.memberId));
  };
  await waitFor(raisedBySmall, 10_000, "the member over its quota raised no alarm");
  const [status, body] = await post(leader.clientUrl, "/v3/kv/put", { key: b64("refused"), value: b64("x") });
  assert.is(status, 429, JSON.stringify(body));
});

test.run();
