import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  bootstrapSnapshot,
  makeMessage,
  MemoryStorage,
  type Message,
  MessageType,
  RaftNode,
  StateRole,
} from "../../src/raft/mod.ts";
import { bytes, DEFAULT_TEST_CONFIG, TestCluster } from "../../src/raft/testing.ts";

function lone(random: () => number, voters = [1n, 2n, 3n]): RaftNode {
  const storage = new MemoryStorage({ snapshot: bootstrapSnapshot({ voters, learners: [] }) });
  const node = new RaftNode({ ...DEFAULT_TEST_CONFIG, id: 1n, storage, random });
  storages.set(node, storage);
  drain(node); // the founding entries
  return node;
}

const storages = new WeakMap<RaftNode, MemoryStorage>();

/** Handles the node's Ready (persisting to its storage) and returns the messages. */
function drain(node: RaftNode): Message[] {
  if (!node.hasReady()) return [];
  const rd = node.ready();
  const storage = storages.get(node);
  if (storage !== undefined) {
    storage.append(rd.entries);
    if (rd.hardState !== undefined) storage.setHardState(rd.hardState);
  }
  node.advance();
  return rd.messages;
}

test("the election timeout is randomised in [electionTick, 2*electionTick) from config.random", () => {
  for (const [r, expected] of [[0, 10], [0.5, 15], [0.999, 19]] as const) {
    const node = lone(() => r);
    let ticks = 0;
    while (node.status().role === StateRole.Follower && ticks < 100) {
      node.tick();
      ticks++;
    }
    assert.is(ticks, expected, `random ${r}`);
    assert.is(node.status().role, StateRole.Candidate);
  }
});

test("a member grants one vote per term, and only to an up-to-date log", () => {
  const node = lone(() => 0);
  node.step(makeMessage({ type: MessageType.Vote, from: 2n, to: 1n, term: 2, index: 3, logTerm: 1 }));
  node.step(makeMessage({ type: MessageType.Vote, from: 3n, to: 1n, term: 2, index: 3, logTerm: 1 }));
  const resps = drain(node).filter((m) => m.type === MessageType.VoteResp);
  assert.equal(resps.map((m) => [m.to, m.reject]), [[2n, false], [3n, true]]);
  assert.is(node.status().vote, 2n);
  // The same candidate asking again gets the same answer.
  node.step(makeMessage({ type: MessageType.Vote, from: 2n, to: 1n, term: 2, index: 3, logTerm: 1 }));
  assert.is(drain(node)[0]!.reject, false);

  const c = new TestCluster([1n, 2n, 3n]);
  c.elect(1n);
  c.node(1n).propose(bytes("x"));
  c.stabilize();
  // A candidate whose log lacks the committed entries is refused.
  c.node(2n).step(makeMessage({ type: MessageType.Vote, from: 3n, to: 2n, term: 5, index: 4, logTerm: 2 }));
  const out = drain(c.node(2n)).filter((m) => m.type === MessageType.VoteResp);
  assert.is(out.length, 1);
  assert.is(out[0]!.reject, true);
});

test("bug voteTwice: the member grants a second vote in the same term", () => {
  const storage = new MemoryStorage({ snapshot: bootstrapSnapshot({ voters: [1n, 2n, 3n], learners: [] }) });
  const node = new RaftNode({ ...DEFAULT_TEST_CONFIG, id: 1n, storage, random: () => 0, bugs: { voteTwice: true } });
  storages.set(node, storage);
  drain(node);
  node.step(makeMessage({ type: MessageType.Vote, from: 2n, to: 1n, term: 2, index: 3, logTerm: 1 }));
  node.step(makeMessage({ type: MessageType.Vote, from: 3n, to: 1n, term: 2, index: 3, logTerm: 1 }));
  const resps = drain(node).filter((m) => m.type === MessageType.VoteResp);
  assert.equal(resps.map((m) => m.reject), [false, false]);
});

test("pre-vote: an isolated member does not raise its term, and rejoining does not disrupt the leader", () => {
  const c = new TestCluster([1n, 2n, 3n], { preVote: true, checkQuorum: true });
  c.elect(1n);
  assert.is(c.node(1n).status().term, 2);
  c.isolate(3n);
  c.tickAll(100);
  assert.is(c.node(3n).status().term, 2, "pre-candidate keeps its term");
  assert.is(c.node(3n).status().role, StateRole.PreCandidate);
  c.heal();
  c.tickAll(30);
  assert.is(c.leader()?.id, 1n);
  assert.is(c.node(1n).status().term, 2);
  assert.is(c.node(3n).status().lead, 1n);
});

test("pre-vote alone: a rejoining member whose log is behind cannot win a pre-vote", () => {
  const c = new TestCluster([1n, 2n, 3n], { preVote: true });
  c.elect(1n);
  c.isolate(3n);
  c.node(1n).propose(bytes("while-away"));
  c.stabilize();
  // Member 3 campaigns and asks 2 directly; 2's log is longer, so the pre-vote is refused.
  c.heal();
  c.cutLink(1n, 3n);
  c.cutLink(3n, 1n);
  c.node(3n).campaign();
  c.stabilize();
  assert.is(c.node(3n).status().term, 2);
  assert.is(c.node(1n).status().role, StateRole.Leader);
  assert.is(c.node(2n).status().term, 2);
});

test("without pre-vote, an isolated member raises its term and disrupts the leader when it returns", () => {
  const c = new TestCluster([1n, 2n, 3n], { preVote: false, checkQuorum: false });
  c.elect(1n);
  c.isolate(3n);
  c.tickAll(100);
  assert.ok(c.node(3n).status().term > 2);
  c.heal();
  c.tickAll(25);
  assert.ok(c.node(1n).status().term > 2, "the old leader saw the higher term");
});

test("check-quorum: a leader that hears from no quorum for an election timeout steps down", () => {
  const c = new TestCluster([1n, 2n, 3n], { checkQuorum: true });
  c.elect(1n);
  c.isolate(1n);
  c.tickAll(9);
  assert.is(c.node(1n).status().role, StateRole.Leader);
  c.tickAll(12);
  assert.is(c.node(1n).status().role, StateRole.Follower);
  assert.is(c.node(1n).status().lead, 0n);
});

test("check-quorum: a leader that hears from a quorum keeps leading", () => {
  const c = new TestCluster([1n, 2n, 3n], { checkQuorum: true, preVote: true });
  c.elect(1n);
  c.isolate(3n);
  c.tickAll(50);
  assert.is(c.node(1n).status().role, StateRole.Leader);
  assert.is(c.node(1n).status().term, 2);
});

test("leader stickiness: a follower that heard from the leader recently ignores a vote request", () => {
  const c = new TestCluster([1n, 2n, 3n], { checkQuorum: true });
  c.elect(1n);
  c.tickAll(2);
  c.node(2n).step(makeMessage({ type: MessageType.Vote, from: 3n, to: 2n, term: 3, index: 10, logTerm: 2 }));
  c.node(2n).step(makeMessage({ type: MessageType.PreVote, from: 3n, to: 2n, term: 3, index: 10, logTerm: 2 }));
  assert.is(c.node(2n).status().term, 2);
  assert.is(c.node(2n).status().vote, 1n);
  assert.equal(drain(c.node(2n)).filter((m) => m.type === MessageType.VoteResp || m.type === MessageType.PreVoteResp), []);
  // Once the lease has run out (no word from the leader for an election timeout), it listens again.
  for (let i = 0; i < 10; i++) c.node(2n).tick();
  c.node(2n).step(makeMessage({ type: MessageType.Vote, from: 3n, to: 2n, term: 5, index: 10, logTerm: 2 }));
  assert.is(c.node(2n).status().term, 5);
});

test("a candidate whose log is behind loses the vote and steps down; a leader is elected again", () => {
  const c = new TestCluster([1n, 2n, 3n]);
  c.elect(1n);
  c.node(1n).propose(bytes("x"));
  c.stabilize();
  // 3 misses the entry, then campaigns: 1 and 2 refuse (their logs are longer).
  c.isolate(3n);
  c.node(1n).propose(bytes("y"));
  c.stabilize();
  c.heal();
  c.node(3n).campaign();
  c.stabilize();
  assert.is(c.node(3n).status().role, StateRole.Follower);
  assert.is(c.node(3n).status().term, 3);
  // The old leader stepped down on seeing term 2; the next election (by ticks) restores a leader.
  c.tickAll(200);
  const leader = c.leader();
  assert.ok(leader !== undefined && leader.id !== 3n);
});

test("a leader elected by ticking is obeyed by all; each term has at most one leader", () => {
  for (let seed = 0; seed < 20; seed++) {
    const c = new TestCluster([1n, 2n, 3n, 4n, 5n], { preVote: seed % 2 === 0, checkQuorum: seed % 3 === 0 });
    c.tickAll(40);
    const leaders = [...c.members.values()].filter((m) => m.node.status().role === StateRole.Leader);
    const terms = new Set(leaders.map((m) => m.node.status().term));
    assert.is(terms.size, leaders.length);
    const leader = c.leader();
    assert.ok(leader !== undefined);
    for (const m of c.members.values()) assert.is(m.node.status().lead, leader.id);
  }
});

test.run();
