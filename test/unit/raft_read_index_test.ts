import { test } from "uvu";
import * as assert from "uvu/assert";
import { MessageType, ProposalError } from "../../src/raft/mod.ts";
import { bytes, TestCluster, text } from "../../src/raft/testing.ts";

const VOTERS = [1n, 2n, 3n];

test("leader read: the read index is the commit index, confirmed by a quorum of heartbeat acks", () => {
  const c = new TestCluster(VOTERS);
  c.elect(1n);
  c.node(1n).propose(bytes("x"));
  c.stabilize();
  const commit = c.node(1n).status().commit;
  const mark = c.sent.length;
  assert.is(c.node(1n).readIndex(bytes("r1")), undefined);
  c.stabilize();
  const rs = c.get(1n).readStates;
  assert.equal(rs.map((r) => [r.index, text(r.requestCtx)]), [[commit, "r1"]]);
  const beats = c.sent.slice(mark).filter((m) => m.type === MessageType.Heartbeat);
  assert.ok(beats.length === 2 && beats.every((m) => m.context !== undefined && text(m.context) === "r1"));
});

test("leader read: without a quorum of acks there is no answer", () => {
  const c = new TestCluster(VOTERS);
  c.elect(1n);
  c.isolate(1n);
  c.node(1n).readIndex(bytes("lost"));
  c.tickAll(3);
  assert.equal(c.get(1n).readStates, []);
  // One ack (plus the leader's own) is a quorum of three.
  c.heal();
  c.cutLink(1n, 3n);
  c.tickAll(1);
  assert.equal(c.get(1n).readStates.map((r) => text(r.requestCtx)), ["lost"]);
});

test("follower read: the request is forwarded and the ReadState appears on the follower", () => {
  const c = new TestCluster(VOTERS);
  c.elect(1n);
  for (let i = 0; i < 3; i++) c.node(1n).propose(bytes(`v${i}`));
  c.stabilize();
  assert.is(c.node(2n).readIndex(bytes("f1")), undefined);
  c.stabilize();
  const rs = c.get(2n).readStates;
  assert.equal(rs.map((r) => [r.index, text(r.requestCtx)]), [[c.node(1n).status().commit, "f1"]]);
  assert.equal(c.get(1n).readStates, []);
});

test("read with no leader is refused at once", () => {
  const c = new TestCluster(VOTERS);
  assert.is(c.node(2n).readIndex(bytes("r")), ProposalError.NoLeader);
});

test("single voter: the read is answered at once, without messages", () => {
  const c = new TestCluster([1n]);
  c.elect(1n);
  c.node(1n).readIndex(bytes("solo"));
  const rd = c.takeReady(1n);
  assert.equal(rd.readStates.map((r) => [r.index, text(r.requestCtx)]), [[2, "solo"]]); // founding entry + empty entry
  assert.equal(rd.messages, []);
});

test("reads before the leader's first commit in its term wait for it, then are served", () => {
  const c = new TestCluster(VOTERS);
  // Acks of appends never reach the leader, so its empty entry does not commit.
  c.filter = (m) => m.type !== MessageType.AppResp;
  c.elect(1n);
  assert.is(c.node(1n).status().commit, 3); // the founding entries only
  const mark = c.sent.length;
  c.node(1n).readIndex(bytes("early"));
  c.node(2n).readIndex(bytes("early-f"));
  c.stabilize();
  assert.ok(!c.sent.slice(mark).some((m) => m.type === MessageType.Heartbeat && m.context !== undefined));
  assert.equal(c.get(1n).readStates, []);
  c.filter = undefined;
  c.tickAll(2);
  assert.is(c.node(1n).status().commit, 4);
  assert.equal(c.get(1n).readStates.map((r) => [r.index, text(r.requestCtx)]), [[4, "early"]]);
  assert.equal(c.get(2n).readStates.map((r) => [r.index, text(r.requestCtx)]), [[4, "early-f"]]);
});

test("pending reads are bounded", () => {
  const c = new TestCluster(VOTERS, { maxPendingReadIndex: 2 });
  c.elect(1n);
  c.isolate(1n);
  assert.is(c.node(1n).readIndex(bytes("a")), undefined);
  assert.is(c.node(1n).readIndex(bytes("b")), undefined);
  assert.is(c.node(1n).readIndex(bytes("c")), ProposalError.TooManyReads);
});

test("several reads are confirmed together by the acks of the newest", () => {
  const c = new TestCluster(VOTERS);
  c.elect(1n);
  c.isolate(1n);
  c.node(1n).readIndex(bytes("a"));
  c.node(1n).readIndex(bytes("b"));
  c.node(1n).readIndex(bytes("c"));
  c.stabilize();
  c.heal();
  c.tickAll(1);
  assert.equal(c.get(1n).readStates.map((r) => text(r.requestCtx)), ["a", "b", "c"]);
});

test.run();
