import { test } from "uvu";
import * as assert from "uvu/assert";
import { MessageType, ProposalError, StateRole } from "../../src/raft/mod.ts";
import { bytes, TestCluster, text } from "../../src/raft/testing.ts";

test("a three-member cluster elects the campaigner and replicates and commits a proposal everywhere", () => {
  const c = new TestCluster([1n, 2n, 3n]);
  c.elect(1n);
  const st = c.node(1n).status();
  assert.is(st.role, StateRole.Leader);
  assert.is(st.term, 2); // term 1 holds the founding configuration entries
  assert.is(c.node(2n).status().lead, 1n);
  assert.is(c.node(1n).propose(bytes("hello")), undefined);
  c.stabilize();
  for (const id of [1n, 2n, 3n]) {
    const m = c.get(id);
    assert.equal(m.applied.map((e) => text(e.data)), ["hello"], `member ${id}`);
    assert.is(m.node.status().commit, 5); // 3 founding entries, the leader's empty entry, then ours
    assert.is(m.storage.lastIndex(), 5);
  }
});

test("a follower forwards proposals to the leader; with no leader propose says NoLeader", () => {
  const c = new TestCluster([1n, 2n, 3n]);
  assert.is(c.node(2n).propose(bytes("x")), ProposalError.NoLeader);
  c.elect(1n);
  assert.is(c.node(2n).propose(bytes("via-follower")), undefined);
  c.stabilize();
  assert.equal(c.get(3n).applied.map((e) => text(e.data)), ["via-follower"]);
});

test("a single-member cluster commits on its own", () => {
  const c = new TestCluster([1n]);
  c.elect(1n);
  assert.is(c.node(1n).status().role, StateRole.Leader);
  c.node(1n).propose(bytes("a"));
  c.node(1n).propose(bytes("b"));
  c.stabilize();
  assert.equal(c.get(1n).applied.map((e) => text(e.data)), ["a", "b"]);
});

test("elections happen by ticking: someone becomes leader within two election timeouts", () => {
  const c = new TestCluster([1n, 2n, 3n]);
  c.tickAll(20);
  const leader = c.leader();
  assert.ok(leader !== undefined);
  assert.ok(c.delivered.some((m) => m.type === MessageType.Vote));
});

test.run();
