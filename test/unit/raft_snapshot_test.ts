import { test } from "uvu";
import * as assert from "uvu/assert";
import { bootstrapSnapshot, makeMessage, MemoryStorage, MessageType, RaftNode } from "../../src/raft/mod.ts";
import { bytes, DEFAULT_TEST_CONFIG, TestCluster, text } from "../../src/raft/testing.ts";

const VOTERS = [1n, 2n, 3n];

function fill(c: TestCluster, n: number, prefix = "v"): void {
  for (let i = 0; i < n; i++) c.node(1n).propose(bytes(`${prefix}${i}`));
  c.stabilize();
}

test("a follower that needs compacted entries gets the snapshot, restores it, then catches up", () => {
  const c = new TestCluster(VOTERS);
  c.elect(1n);
  c.isolate(3n);
  fill(c, 20);
  c.snapshot(1n);
  assert.is(c.get(1n).storage.firstIndex(), 25); // 3 founding entries, the empty entry, 20 values
  fill(c, 5, "after");
  c.heal();
  c.tickAll(3);
  const snaps = c.delivered.filter((m) => m.type === MessageType.Snap && m.to === 3n);
  assert.is(snaps.length, 1);
  assert.is(snaps[0]!.snapshot?.metadata.index, 24);
  const three = c.get(3n);
  assert.is(three.storage.firstIndex(), 25);
  assert.equal(three.applied.map((e) => text(e.data)), c.get(1n).applied.map((e) => text(e.data)));
  assert.is(three.applied.length, 25);
  assert.is(c.node(1n).status().progress.get(3n)?.state, "replicate");
});

test("snapshot state: nothing else is sent until the follower acks or the transport reports", () => {
  const c = new TestCluster(VOTERS);
  c.elect(1n);
  c.isolate(3n);
  fill(c, 10);
  c.snapshot(1n);
  c.heal();
  // Stop snapshots from arriving: the follower stays behind.
  c.filter = (m) => m.type !== MessageType.Snap;
  c.tickAll(2);
  assert.is(c.node(1n).status().progress.get(3n)?.state, "snapshot");
  const mark = c.sent.length;
  fill(c, 3, "more");
  assert.ok(!c.sent.slice(mark).some((m) => m.to === 3n && m.type === MessageType.App));
  c.node(1n).reportSnapshot(3n, false);
  assert.is(c.node(1n).status().progress.get(3n)?.state, "probe");
  c.filter = undefined;
  c.tickAll(3);
  assert.is(c.get(3n).applied.length, 13);
});

test("a follower ignores a snapshot older than its commit, and one that does not include it", () => {
  const storage = new MemoryStorage({ snapshot: bootstrapSnapshot({ voters: VOTERS, learners: [] }) });
  const node = new RaftNode({ ...DEFAULT_TEST_CONFIG, id: 2n, storage, random: () => 0 });
  let rd = node.ready(); // the founding entries, committed at 3
  storage.append(rd.entries);
  node.advance();
  const foreign = {
    metadata: { index: 10, term: 1, confState: { voters: [1n, 3n, 4n], learners: [] } },
    data: new Uint8Array(0),
  };
  node.step(makeMessage({ type: MessageType.Snap, from: 1n, to: 2n, term: 1, snapshot: foreign }));
  rd = node.ready();
  assert.is(rd.snapshot, undefined);
  assert.is(rd.messages[0]!.index, 3); // answered with its commit index
  node.advance();
  const good = { ...foreign, metadata: { ...foreign.metadata, confState: { voters: VOTERS, learners: [] } } };
  node.step(makeMessage({ type: MessageType.Snap, from: 1n, to: 2n, term: 1, snapshot: good }));
  rd = node.ready();
  assert.is(rd.snapshot?.metadata.index, 10);
  assert.is(rd.messages[0]!.index, 10);
  storage.applySnapshot(rd.snapshot!);
  node.advance();
  assert.is(node.status().applied, 10);
  assert.is(node.status().commit, 10);
  const older = { ...good, metadata: { ...good.metadata, index: 5 } };
  node.step(makeMessage({ type: MessageType.Snap, from: 1n, to: 2n, term: 1, snapshot: older }));
  rd = node.ready();
  assert.is(rd.snapshot, undefined);
  node.advance();
});

test("a member restarts from a compacted log and keeps replicating", () => {
  const c = new TestCluster(VOTERS);
  c.elect(1n);
  fill(c, 10);
  for (const id of VOTERS) c.snapshot(id, 2);
  const restarted = c.restart(2n, { applied: c.get(2n).storage.snapshot().metadata.index });
  fill(c, 3, "x");
  c.tickAll(2);
  assert.equal(restarted.applied.map((e) => text(e.data)), ["x0", "x1", "x2"]);
  assert.is(restarted.node.status().commit, c.node(1n).status().commit);
});

test.run();
