import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  bootstrapSnapshot,
  EntryType,
  makeMessage,
  MemoryStorage,
  MessageType,
  ProposalError,
  RaftNode,
  StateRole,
} from "../../src/raft/mod.ts";
import { RaftLog } from "../../src/raft/log.ts";
import { bytes, DEFAULT_TEST_CONFIG, TestCluster, text } from "../../src/raft/testing.ts";

function ent(index: number, term: number) {
  return { index, term, type: EntryType.Normal, data: new Uint8Array(0) };
}

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

test("local-only kinds from the network are ignored", () => {
  const c = new TestCluster([1n, 2n, 3n]);
  for (const type of [MessageType.Hup, MessageType.Beat, MessageType.CheckQuorum, MessageType.Unreachable]) {
    c.node(2n).step(makeMessage({ type, from: 3n, to: 2n }));
  }
  c.stabilize();
  assert.is(c.node(2n).status().role, StateRole.Follower);
  assert.is(c.node(2n).status().term, 1);
  c.elect(1n);
  // A response from a member we do not know is dropped.
  c.node(1n).step(makeMessage({ type: MessageType.AppResp, from: 9n, to: 1n, term: 2, index: 100 }));
  assert.equal([...c.node(1n).status().progress.keys()], [1n, 2n, 3n]);
});

test("the founding configuration is written into the log once, identically on every founder", () => {
  const c = new TestCluster([3n, 1n, 2n], {}, [5n]);
  for (const id of [1n, 2n, 3n, 5n]) {
    const s = c.get(id).storage;
    assert.is(s.lastIndex(), 4);
    const ents = s.entries(1, 5, Infinity);
    assert.ok(ents.every((e) => e.term === 1 && e.type === EntryType.ConfChange));
    assert.equal(s.hardState(), { term: 1, vote: 0n, commit: 4 });
  }
  // A restart from that storage does not write it again (it only hands the committed entries out to apply).
  const again = c.restart(2n);
  const rd = again.node.ready();
  assert.equal(rd.entries, []);
  assert.is(rd.hardState, undefined);
  assert.equal(rd.committedEntries.map((e) => e.index), [1, 2, 3, 4]);
});

test("configuration and invariant violations throw", () => {
  const storage = new MemoryStorage({ snapshot: bootstrapSnapshot({ voters: [1n], learners: [] }) });
  const base = { ...DEFAULT_TEST_CONFIG, id: 1n, storage, random: () => 0 };
  assert.throws(() => new RaftNode({ ...base, id: 0n }), /none as id/);
  assert.throws(() => new RaftNode({ ...base, electionTick: 1, heartbeatTick: 1 }), /electionTick/);
  assert.throws(() => new RaftNode({ ...base, maxInflightMsgs: 0 }), /maxInflightMsgs/);
  assert.throws(() => new RaftNode({ ...base, random: () => 1 }), /outside/);
  const node = new RaftNode(base);
  assert.throws(() => node.advance(), /without a ready/);
  // A log asked to overwrite a committed entry stops loudly.
  const log = new RaftLog(new MemoryStorage({ entries: [ent(1, 1), ent(2, 1)] }), {
    maxCommittedSizePerReadyBytes: Infinity,
    keepConflictingSuffix: false,
  });
  log.commitTo(2);
  assert.throws(() => log.maybeAppend(1, 1, 2, [ent(2, 2)]), /conflicts with committed/);
  assert.throws(() => log.commitTo(3), /out of range/);
});

test.run();
