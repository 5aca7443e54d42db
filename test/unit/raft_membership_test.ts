import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  ConfChangeType,
  decodeConfChange,
  encodeConfChange,
  MemoryStorage,
  MessageType,
  ProposalError,
  StateRole,
} from "../../src/raft/mod.ts";
import { bytes, TestCluster } from "../../src/raft/testing.ts";

const VOTERS = [1n, 2n, 3n];

function sorted(ids: bigint[]): bigint[] {
  return [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

test("conf changes round-trip through their encoding", () => {
  const cc = { type: ConfChangeType.AddLearnerNode, nodeId: 0xffff_ffff_ffff_fffen, context: bytes("peer-url") };
  assert.equal(decodeConfChange(encodeConfChange(cc)), cc);
  assert.equal(decodeConfChange(encodeConfChange({ type: ConfChangeType.RemoveNode, nodeId: 7n })), {
    type: ConfChangeType.RemoveNode,
    nodeId: 7n,
  });
  assert.throws(() => decodeConfChange(new Uint8Array(3)));
});

test("adding a voter: the new member joins from empty storage, gets the log and counts for quorum", () => {
  const c = new TestCluster(VOTERS);
  c.elect(1n);
  c.node(1n).propose(bytes("before"));
  c.stabilize();
  c.add(4n, new MemoryStorage());
  assert.is(c.node(1n).proposeConfChange({ type: ConfChangeType.AddNode, nodeId: 4n }), undefined);
  c.stabilize();
  c.tickAll(2);
  for (const id of [1n, 2n, 3n, 4n]) assert.equal(sorted(c.get(id).confState.voters), [1n, 2n, 3n, 4n], `member ${id}`);
  assert.is(c.get(4n).applied.length, 1);
  // Four voters: a quorum is three, so with 2 and 3 gone nothing commits.
  c.isolate(2n);
  c.isolate(3n);
  const commit = c.node(1n).status().commit;
  c.node(1n).propose(bytes("stuck"));
  c.tickAll(2);
  assert.is(c.node(1n).status().commit, commit);
});

test("one change at a time: a second proposal waits until the first is applied", () => {
  const c = new TestCluster(VOTERS);
  c.elect(1n);
  assert.is(c.node(1n).proposeConfChange({ type: ConfChangeType.AddLearnerNode, nodeId: 4n }), undefined);
  assert.is(
    c.node(1n).proposeConfChange({ type: ConfChangeType.AddLearnerNode, nodeId: 5n }),
    ProposalError.ConfChangePending,
  );
  c.stabilize();
  assert.is(c.node(1n).proposeConfChange({ type: ConfChangeType.AddLearnerNode, nodeId: 5n }), undefined);
});

test("a new leader refuses conf changes until its log is applied", () => {
  const c = new TestCluster(VOTERS);
  c.elect(1n);
  // "held" reaches the followers, but no ack reaches the leader: it is in 2's log, uncommitted.
  c.filter = (m) => m.type !== MessageType.AppResp;
  c.node(1n).propose(bytes("held"));
  c.stabilize();
  c.isolate(1n);
  c.elect(2n);
  assert.is(c.node(2n).status().role, StateRole.Leader);
  assert.is(
    c.node(2n).proposeConfChange({ type: ConfChangeType.AddLearnerNode, nodeId: 4n }),
    ProposalError.ConfChangePending,
  );
  c.filter = undefined;
  c.tickAll(2);
  assert.equal(c.get(2n).applied.map((e) => new TextDecoder().decode(e.data)), ["held"]);
  assert.is(c.node(2n).proposeConfChange({ type: ConfChangeType.AddLearnerNode, nodeId: 4n }), undefined);
});

test("learners receive the log but never vote, count for commit or campaign", () => {
  const c = new TestCluster(VOTERS, {}, [4n]);
  c.elect(1n);
  c.node(1n).propose(bytes("x"));
  c.stabilize();
  assert.is(c.get(4n).applied.length, 1);
  assert.is(c.node(1n).status().progress.get(4n)?.isLearner, true);
  // Leader + learner are no quorum.
  c.isolate(2n);
  c.isolate(3n);
  const commit = c.node(1n).status().commit;
  c.node(1n).propose(bytes("y"));
  c.tickAll(3);
  assert.is(c.node(1n).status().commit, commit);
  // The learner never campaigns.
  c.heal();
  c.isolate(4n);
  const term = c.node(4n).status().term;
  c.tickAll(60);
  assert.is(c.node(4n).status().term, term);
  assert.is(c.node(4n).status().role, StateRole.Follower);
  assert.ok(!c.sent.some((m) => m.from === 4n && (m.type === MessageType.Vote || m.type === MessageType.PreVote)));
});

test("promoting a learner: refused until it has caught up, then it becomes a voter", () => {
  const c = new TestCluster(VOTERS, {}, [4n]);
  c.elect(1n);
  c.isolate(4n);
  for (let i = 0; i < 20; i++) c.node(1n).propose(bytes(`v${i}`));
  c.stabilize();
  assert.is(
    c.node(1n).proposeConfChange({ type: ConfChangeType.AddNode, nodeId: 4n }),
    ProposalError.NotLearnerCaughtUp,
  );
  c.heal();
  c.tickAll(2);
  assert.is(c.node(1n).proposeConfChange({ type: ConfChangeType.AddNode, nodeId: 4n }), undefined);
  c.stabilize();
  for (const id of [1n, 2n, 3n, 4n]) {
    assert.equal(sorted(c.get(id).confState.voters), [1n, 2n, 3n, 4n]);
    assert.equal(c.get(id).confState.learners, []);
  }
  assert.is(c.node(1n).status().progress.get(4n)?.isLearner, false);
});

test("a change that would leave fewer active voters than the new quorum is refused unless forced", () => {
  const c = new TestCluster(VOTERS);
  c.isolate(3n);
  c.elect(1n);
  // 3 never answered this leader: removing 2 would leave {1, 3} with only 1 active.
  assert.is(
    c.node(1n).proposeConfChange({ type: ConfChangeType.RemoveNode, nodeId: 2n }),
    ProposalError.WouldLoseQuorum,
  );
  // Adding a fifth... fourth voter while 3 is down: four voters need three active, we have two.
  assert.is(
    c.node(1n).proposeConfChange({ type: ConfChangeType.AddNode, nodeId: 4n }),
    ProposalError.WouldLoseQuorum,
  );
  // Removing the dead member is fine.
  assert.is(c.node(1n).proposeConfChange({ type: ConfChangeType.RemoveNode, nodeId: 3n }), undefined);
  c.stabilize();
  assert.equal(sorted(c.get(1n).confState.voters), [1n, 2n]);
  // Forced, the risky change goes through.
  const f = new TestCluster(VOTERS);
  f.isolate(3n);
  f.elect(1n);
  assert.is(f.node(1n).proposeConfChange({ type: ConfChangeType.RemoveNode, nodeId: 2n }, { force: true }), undefined);
});

test("check-quorum marks silent voters inactive for the quorum check", () => {
  const c = new TestCluster(VOTERS, { checkQuorum: true, preVote: true });
  c.elect(1n);
  c.isolate(3n);
  c.tickAll(25);
  assert.is(c.node(1n).status().progress.get(3n)?.recentActive, false);
  assert.is(
    c.node(1n).proposeConfChange({ type: ConfChangeType.RemoveNode, nodeId: 2n }),
    ProposalError.WouldLoseQuorum,
  );
});

test("growing a single-member cluster to two is allowed", () => {
  const c = new TestCluster([1n]);
  c.elect(1n);
  c.add(2n, new MemoryStorage());
  assert.is(c.node(1n).proposeConfChange({ type: ConfChangeType.AddNode, nodeId: 2n }), undefined);
  c.stabilize();
  c.tickAll(2);
  assert.equal(sorted(c.get(2n).confState.voters), [1n, 2n]);
  c.node(1n).propose(bytes("two"));
  c.stabilize();
  assert.is(c.get(2n).applied.length, 1);
});

test("removing a voter: the rest go on with a smaller quorum; the removed member stops campaigning", () => {
  const c = new TestCluster(VOTERS, { preVote: true, checkQuorum: true });
  c.elect(1n);
  assert.is(c.node(1n).proposeConfChange({ type: ConfChangeType.RemoveNode, nodeId: 3n }), undefined);
  c.stabilize();
  assert.equal(sorted(c.get(3n).confState.voters), [1n, 2n]);
  c.isolate(3n);
  const mark = c.sent.length;
  c.tickAll(80);
  assert.ok(!c.sent.slice(mark).some((m) => m.from === 3n && (m.type === MessageType.Vote || m.type === MessageType.PreVote)));
  c.node(1n).propose(bytes("two-of-two"));
  c.stabilize();
  assert.is(c.get(2n).applied.length, 1);
});

test("a removed leader steps down once the change is applied and hands over to an up-to-date voter", () => {
  const c = new TestCluster(VOTERS);
  c.elect(1n);
  assert.is(c.node(1n).proposeConfChange({ type: ConfChangeType.RemoveNode, nodeId: 1n }), undefined);
  c.stabilize();
  assert.is(c.node(1n).status().role, StateRole.Follower);
  const leader = c.leader();
  assert.ok(leader !== undefined && leader.id !== 1n, "a successor took over at once");
  assert.equal(sorted(leader.confState.voters), [2n, 3n]);
  leader.node.propose(bytes("after"));
  c.stabilize();
  assert.is(c.get(leader.id === 2n ? 3n : 2n).applied.length, 1);
  // The old leader is out: it never campaigns.
  const mark = c.sent.length;
  c.tickAll(50);
  assert.ok(!c.sent.slice(mark).some((m) => m.from === 1n && m.type === MessageType.Vote));
});

test("a member removed and then proposing is told there is no leader only when none is known", () => {
  const c = new TestCluster(VOTERS);
  c.elect(1n);
  assert.is(c.node(2n).proposeConfChange({ type: ConfChangeType.AddLearnerNode, nodeId: 9n }), undefined);
  c.stabilize();
  assert.equal(c.get(1n).confState.learners, [9n]);
});

test.run();
