/**
 * etcd's require-leader on a real 3-member cluster (src/grpc/require_leader.ts): a follower cut off from
 * both others (SIGSTOPped) ends a watch whose metadata says `hasleader: true` (as etcdctl's does) with
 * Unavailable "etcdserver: no leader" after a few election timeouts, and refuses a new such call at once;
 * a watch without the metadata stays open; once the others are back, a require-leader watch is served.
 * Measured on etcd 3.4 with the same partition and a raw client: the stream ended 4.5 s after the cut
 * (election timeout 1 s) and a new call was refused with the same status at once. The cluster here runs
 * with a 500 ms election timeout, so the three checks take ~2 s instead of ~4 s (bounds scale with it).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { encodeProtobuf } from "../../src/codec/protobuf.ts";
import { ProcessCluster } from "../cluster/harness.ts";
import { grpcFrame } from "../fuzz/grpc_mutations.ts";
import { type GrpcOutcome, sendGrpc } from "../fuzz/grpc_probe.ts";

/** Election timeout of the cluster: short, so the member's three leaderless checks end soon. */
const ELECTION_MS = 500;
const HEARTBEAT_MS = 75;
/** Bound on the stream's end after the cut: 3 checks one election apart, after an election timeout. */
const END_WITHIN_MS = 10_000;
/** Earliest end: the member first misses its leader's heartbeats for an election, then checks twice more. */
const END_NOT_BEFORE_MS = 2 * ELECTION_MS;
/** How long the watch without hasleader must stay open (past the other's end: asserted below). */
const PLAIN_OPEN_MS = 4_500;
const ENC = new TextEncoder();

function watch(port: number, requireLeader: boolean, timeoutMs: number): Promise<GrpcOutcome> {
  const create = grpcFrame(encodeProtobuf("WatchRequest", { create_request: { key: ENC.encode("rl/") } }));
  return sendGrpc({
    port,
    headers: {
      ":method": "POST",
      ":path": "/etcdserverpb.Watch/Watch",
      "content-type": "application/grpc",
      te: "trailers",
      ...(requireLeader ? { hasleader: "true" } : {}),
    },
    data: create,
    after: "open",
    firstOnly: false,
    timeoutMs,
  });
}

test("a follower without a leader ends and refuses require-leader watches; others stay; the leader's return serves them", async () => {
  const cluster = new ProcessCluster({ size: 3, basePort: 30400, electionMs: ELECTION_MS, heartbeatMs: HEARTBEAT_MS });
  try {
    await cluster.start();
    const leader = await cluster.waitForLeader();
    const follower = cluster.slots.find((s) => s !== leader)!;
    const others = cluster.slots.filter((s) => s !== follower);
    const required = watch(follower.clientPort, true, END_WITHIN_MS + 5_000);
    let plainSettled = false;
    const plain = watch(follower.clientPort, false, PLAIN_OPEN_MS).finally(() => (plainSettled = true));
    await Bun.sleep(500); // both created
    const cutMs = Date.now();
    for (const slot of others) cluster.signal(slot, "SIGSTOP");
    const ended = await required;
    const endedAfterMs = Date.now() - cutMs;
    assert.equal([ended.messages, ended.grpcStatus, ended.grpcMessage], [1, "14", "etcdserver: no leader"], JSON.stringify(ended));
    assert.ok(endedAfterMs < END_WITHIN_MS, `ended ${endedAfterMs} ms after the cut`);
    assert.ok(!plainSettled, "the watch without hasleader was still open when the require-leader one ended");
    assert.ok(endedAfterMs >= END_NOT_BEFORE_MS, `ended ${endedAfterMs} ms after the cut: before the member could know it had no leader`);
    const refused = await watch(follower.clientPort, true, 5_000);
    assert.equal([refused.messages, refused.grpcStatus, refused.grpcMessage], [0, "14", "etcdserver: no leader"], JSON.stringify(refused));
    const stayed = await plain;
    assert.equal([stayed.messages, stayed.grpcStatus, stayed.timedOut], [1, undefined, true], `the watch without hasleader: ${JSON.stringify(stayed)}`);

    for (const slot of others) cluster.signal(slot, "SIGCONT");
    await cluster.waitForLeader(15_000);
    const served = await watch(follower.clientPort, true, 1_000);
    assert.equal([served.messages, served.grpcStatus, served.timedOut], [1, undefined, true], `after the leader's return: ${JSON.stringify(served)}`);
  } catch (error) {
    console.error(cluster.logs());
    throw error;
  } finally {
    await cluster.close();
  }
});

test.run();
