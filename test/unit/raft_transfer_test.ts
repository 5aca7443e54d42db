import { test } from "uvu";
import * as assert from "uvu/assert";
import { MessageType, ProposalError, StateRole } from "../../src/raft/mod.ts";
import { bytes, TestCluster } from "../../src/raft/testing.ts";

const VOTERS = [1n, 2n, 3n];

test("transfer to an up-to-date follower: TimeoutNow, it campaigns at once despite the leader lease", () => {
  const c = new TestCluster(VOTERS, { checkQuorum: true, preVote: true });
  c.elect(1n);
  c.node(1n).propose(bytes("x"));
  c.stabilize();
  const term = c.node(1n).status().term;
  c.node(1n).transferLeader(2n);
  c.stabilize();
  assert.is(c.leader()?.id, 2n);
  assert.is(c.node(2n).status().term, term + 1);
  assert.is(c.node(1n).status().role, StateRole.Follower);
  assert.ok(c.delivered.some((m) => m.type === MessageType.TimeoutNow && m.to === 2n));
  c.node(2n).propose(bytes("y"));
  c.stabilize();
  assert.is(c.get(1n).applied.length, 2);
});

test("transfer to a lagging follower: the leader catches it up first, and refuses proposals meanwhile", () => {
  const c = new TestCluster(VOTERS);
  c.elect(1n);
  c.isolate(3n);
  for (let i = 0; i < 10; i++) c.node(1n).propose(bytes(`v${i}`));
  c.stabilize();
  c.node(1n).transferLeader(3n);
  assert.is(c.node(1n).status().leadTransferee, 3n);
  assert.is(c.node(1n).propose(bytes("no")), ProposalError.Transferring);
  c.stabilize();
  assert.ok(!c.sent.some((m) => m.type === MessageType.TimeoutNow), "not before it has caught up");
  c.heal();
  c.tickAll(2);
  assert.is(c.leader()?.id, 3n);
  assert.is(c.get(3n).applied.length, 10);
});

test("a transfer that does not finish within an election timeout is abandoned", () => {
  const c = new TestCluster(VOTERS);
  c.elect(1n);
  c.isolate(3n);
  c.node(1n).transferLeader(3n);
  assert.is(c.node(1n).propose(bytes("no")), ProposalError.Transferring);
  c.tickAll(10);
  assert.is(c.node(1n).status().leadTransferee, 0n);
  assert.is(c.node(1n).status().role, StateRole.Leader);
  assert.is(c.node(1n).propose(bytes("yes")), undefined);
});

test("transfer requested on a follower is forwarded to the leader", () => {
  const c = new TestCluster(VOTERS);
  c.elect(1n);
  c.node(3n).transferLeader(3n);
  c.stabilize();
  assert.is(c.leader()?.id, 3n);
});

test("transfer to a learner, to itself or to a stranger does nothing", () => {
  const c = new TestCluster(VOTERS, {}, [4n]);
  c.elect(1n);
  c.node(1n).transferLeader(4n);
  c.node(1n).transferLeader(1n);
  c.node(1n).transferLeader(9n);
  assert.is(c.node(1n).status().leadTransferee, 0n);
  c.stabilize();
  assert.is(c.leader()?.id, 1n);
});

test("a TimeoutNow is ignored by a member that cannot campaign (a learner)", () => {
  const c = new TestCluster(VOTERS, {}, [4n]);
  c.elect(1n);
  const term = c.node(4n).status().term;
  c.node(4n).step({ ...c.delivered[0]!, type: MessageType.TimeoutNow, from: 1n, to: 4n, term, entries: [] });
  c.stabilize();
  assert.is(c.node(4n).status().role, StateRole.Follower);
  assert.is(c.leader()?.id, 1n);
});

test.run();
