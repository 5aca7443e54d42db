import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  bootstrapSnapshot,
  type Entry,
  EntryType,
  makeMessage,
  MemoryStorage,
  type Message,
  MessageType,
  type NodeId,
  ProposalError,
  RaftNode,
  StateRole,
} from "../../src/raft/mod.ts";
import { bytes, DEFAULT_TEST_CONFIG, TestCluster, text } from "../../src/raft/testing.ts";

const VOTERS = [1n, 2n, 3n];

function ent(index: number, term: number, data = ""): Entry {
  return { index, term, type: EntryType.Normal, data: bytes(data) };
}

/** Storage holding `terms[i]` as the term of entry i+1, at hard state `term`. */
function logOf(terms: number[], term: number, voters: NodeId[] = VOTERS): MemoryStorage {
  return new MemoryStorage({
    snapshot: bootstrapSnapshot({ voters, learners: [] }),
    hardState: { term, vote: 0n, commit: 0 },
    entries: terms.map((t, i) => ent(i + 1, t, `e${i + 1}`)),
  });
}

function apps(msgs: Message[], from: NodeId, to: NodeId): Message[] {
  return msgs.filter((m) => m.type === MessageType.App && m.from === from && m.to === to);
}

function appRespRejects(msgs: Message[], from: NodeId): number {
  return msgs.filter((m) => m.type === MessageType.AppResp && m.from === from && m.reject).length;
}

function termsOf(storage: MemoryStorage): number[] {
  const out: number[] = [];
  for (let i = storage.firstIndex(); i <= storage.lastIndex(); i++) out.push(storage.term(i));
  return out;
}

test("fast backtracking: a follower with a long conflicting suffix is repaired in one rejection", () => {
  const c = new TestCluster(VOTERS);
  const leaderTerms = [...Array(10).fill(1), ...Array(50).fill(3)];
  const followerTerms = [...Array(10).fill(1), ...Array(90).fill(2)];
  c.add(1n, logOf(leaderTerms, 3));
  c.add(2n, logOf(followerTerms, 2));
  c.add(3n, logOf(leaderTerms, 3));
  c.elect(1n);
  assert.is(c.node(1n).status().role, StateRole.Leader);
  assert.is(c.node(1n).status().term, 4);
  assert.ok(appRespRejects(c.delivered, 2n) <= 1, `rejections: ${appRespRejects(c.delivered, 2n)}`);
  assert.equal(termsOf(c.get(2n).storage), termsOf(c.get(1n).storage));
  assert.is(c.node(2n).status().commit, 61);
});

test("fast backtracking: a follower far behind says where its log ends", () => {
  const c = new TestCluster(VOTERS);
  const long = Array(200).fill(1);
  c.add(1n, logOf(long, 1));
  c.add(2n, logOf(long.slice(0, 5), 1));
  c.add(3n, logOf(long, 1));
  c.elect(1n);
  assert.ok(appRespRejects(c.delivered, 2n) <= 1);
  assert.is(c.get(2n).storage.lastIndex(), 201);
});

test("batching: one App per follower carries many proposals, bounded by maxSizePerMsgBytes", () => {
  const c = new TestCluster(VOTERS);
  c.elect(1n);
  const before = c.delivered.length;
  for (let i = 0; i < 100; i++) c.node(1n).propose(bytes(`v${i}`));
  c.stabilize();
  const sent = c.delivered.slice(before);
  const toTwo = apps(sent, 1n, 2n).filter((m) => m.entries.length > 0);
  assert.is(toTwo.length, 1);
  assert.is(toTwo[0]!.entries.length, 100);

  const small = new TestCluster(VOTERS, { maxSizePerMsgBytes: 100 });
  small.elect(1n);
  const mark = small.delivered.length;
  for (let i = 0; i < 20; i++) small.node(1n).propose(new Uint8Array(20));
  small.stabilize();
  const bounded = apps(small.delivered.slice(mark), 1n, 3n).filter((m) => m.entries.length > 0);
  assert.ok(bounded.length >= 10);
  for (const m of bounded) assert.ok(m.entries.length <= 2, `${m.entries.length} entries`);
  assert.is(small.get(3n).applied.length, 20);
});

test("pipelining: in replicate state the leader sends up to maxInflightMsgs Apps without waiting", () => {
  const c = new TestCluster(VOTERS, { maxSizePerMsgBytes: 1, maxInflightMsgs: 4 });
  c.elect(1n);
  assert.is(c.node(1n).status().progress.get(2n)?.state, "replicate");
  for (let i = 0; i < 10; i++) c.node(1n).propose(bytes(`p${i}`));
  const rd = c.takeReady(1n);
  assert.is(apps(rd.messages, 1n, 2n).length, 4);
  assert.is(apps(rd.messages, 1n, 3n).length, 4);
  c.stabilize();
  for (const id of VOTERS) assert.is(c.get(id).applied.length, 10);
});

test("a probing follower gets one App at a time", () => {
  const c = new TestCluster(VOTERS);
  c.elect(1n);
  c.isolate(3n);
  c.node(1n).reportUnreachable(3n);
  assert.is(c.node(1n).status().progress.get(3n)?.state, "probe");
  c.stabilize();
  const mark = c.sent.length;
  for (let i = 0; i < 5; i++) {
    c.node(1n).propose(bytes(`p${i}`));
    c.stabilize();
  }
  assert.is(apps(c.sent.slice(mark), 1n, 3n).length, 1);
  assert.is(apps(c.sent.slice(mark), 1n, 2n).filter((m) => m.entries.length > 0).length, 5);
  c.heal();
  c.tickAll(1); // heartbeat → response unpauses the probe
  assert.is(c.get(3n).applied.length, 5);
});

test("the leader commits only entries of its own term by counting (Raft figure 8)", () => {
  for (const bug of [false, true]) {
    const c = new TestCluster(VOTERS, { maxSizePerMsgBytes: 1, maxInflightMsgs: 1 }, []);
    const bugs = { commitPreviousTermByCounting: bug };
    c.add(1n, logOf([1, 2], 2), { bugs });
    c.add(2n, logOf([1], 1), { bugs });
    c.add(3n, logOf([1], 1), { bugs });
    // Followers never receive an entry of the new leader's term (3): Apps arrive with those stripped.
    c.filter = (m) => {
      if (m.type === MessageType.App) m.entries = m.entries.filter((e) => e.term !== 3);
      return true;
    };
    c.elect(1n);
    assert.is(c.node(1n).status().role, StateRole.Leader);
    assert.is(c.node(1n).status().progress.get(2n)?.match, 2);
    assert.is(c.node(1n).status().commit, bug ? 2 : 0, `bug ${bug}`);
    c.filter = undefined;
    c.tickAll(2);
    if (!bug) assert.is(c.node(1n).status().commit, 3);
  }
});

test("a follower truncates a conflicting suffix; bug keepConflictingSuffix keeps it", () => {
  for (const bug of [false, true]) {
    const storage = logOf([1, 1, 1], 1);
    const node = new RaftNode({
      ...DEFAULT_TEST_CONFIG,
      id: 2n,
      storage,
      random: () => 0,
      bugs: { keepConflictingSuffix: bug },
    });
    node.step(makeMessage({ type: MessageType.App, from: 1n, to: 2n, term: 2, index: 1, logTerm: 1, entries: [ent(2, 2)] }));
    const rd = node.ready();
    storage.append(rd.entries);
    node.advance();
    const resp = rd.messages.find((m) => m.type === MessageType.AppResp)!;
    assert.is(resp.reject, false);
    assert.is(resp.index, 2);
    assert.equal(termsOf(storage), bug ? [1, 1, 1] : [1, 2]);
  }
});

test("a leader ignores an ack of an entry it never had (a lie from the wire), and keeps replicating", () => {
  const c = new TestCluster(VOTERS);
  c.elect(1n);
  c.node(1n).propose(bytes("a"));
  c.stabilize();
  const leader = c.node(1n);
  const last = leader.status().progress.get(2n)!.match;
  const term = leader.status().term;
  // Before the check this pointed next past the log, and the next append threw ("beyond last index").
  leader.step(makeMessage({ type: MessageType.AppResp, from: 2n, to: 1n, term, index: 2 ** 40 }));
  assert.is(leader.status().progress.get(2n)!.match, last);
  leader.propose(bytes("b"));
  c.stabilize();
  assert.is(leader.status().progress.get(2n)!.match, last + 1);
  assert.is(leader.status().commit, last + 1);
});

test("an App whose previous entry does not match is rejected with a hint", () => {
  const storage = logOf([1, 1, 2, 2, 2], 2);
  const node = new RaftNode({ ...DEFAULT_TEST_CONFIG, id: 2n, storage, random: () => 0 });
  node.step(makeMessage({ type: MessageType.App, from: 1n, to: 2n, term: 3, index: 8, logTerm: 3, entries: [ent(9, 3)] }));
  const resp = node.ready().messages[0]!;
  assert.is(resp.reject, true);
  assert.is(resp.index, 8);
  assert.is(resp.rejectHint, 5); // our last index, whose term (2) is <= 3
  assert.is(resp.logTerm, 2);
});

test("maxUncommittedEntriesSizeBytes bounds proposals until entries commit", () => {
  const c = new TestCluster(VOTERS, { maxUncommittedEntriesSizeBytes: 100 });
  c.elect(1n);
  c.isolate(2n);
  c.isolate(3n);
  assert.is(c.node(1n).propose(new Uint8Array(60)), undefined);
  assert.is(c.node(1n).propose(new Uint8Array(60)), ProposalError.TooLarge);
  c.stabilize();
  c.heal();
  c.tickAll(2);
  assert.is(c.get(2n).applied.length, 1);
  assert.is(c.node(1n).propose(new Uint8Array(60)), undefined);
});

test("a restarted member keeps its term, vote and log, and applies the committed log again", () => {
  const c = new TestCluster(VOTERS);
  c.elect(1n);
  for (let i = 0; i < 5; i++) c.node(1n).propose(bytes(`v${i}`));
  c.stabilize();
  c.tickAll(1);
  const before = c.node(2n).status();
  const restarted = c.restart(2n);
  const after = restarted.node.status();
  assert.is(after.term, before.term);
  assert.is(after.vote, before.vote);
  assert.is(after.commit, before.commit);
  c.stabilize();
  assert.equal(restarted.applied.map((e) => text(e.data)), ["v0", "v1", "v2", "v3", "v4"]);
  // With `applied` given, nothing below it is handed out again.
  const again = c.restart(3n, { applied: c.node(3n).status().commit });
  c.stabilize();
  assert.is(again.applied.length, 0);
  c.node(1n).propose(bytes("after"));
  c.stabilize();
  assert.equal(again.applied.map((e) => text(e.data)), ["after"]);
});

test("a follower isolated for many entries catches up when the partition heals", () => {
  const c = new TestCluster(VOTERS, { maxSizePerMsgBytes: 256 });
  c.elect(1n);
  c.isolate(3n);
  for (let i = 0; i < 500; i++) c.node(1n).propose(bytes(`k${i}`));
  c.stabilize();
  assert.is(c.get(2n).applied.length, 500);
  assert.is(c.get(3n).applied.length, 0);
  c.heal();
  c.tickAll(3);
  assert.is(c.get(3n).applied.length, 500);
  assert.equal(c.get(3n).applied.map((e) => text(e.data)), c.get(1n).applied.map((e) => text(e.data)));
});

test("ready hands out committed entries only once they were handed out for persisting", () => {
  const c = new TestCluster([1n]);
  c.elect(1n);
  c.node(1n).propose(bytes("a"));
  const rd = c.takeReady(1n);
  // A single voter commits on its own append: the same Ready carries the entry to persist and to apply.
  assert.equal(rd.entries.map((e) => e.index), [3]);
  assert.equal(rd.committedEntries.map((e) => e.index), [3]);
  assert.is(rd.mustSync, true);
  c.node(1n).propose(bytes("b"));
  c.node(1n).ready();
  assert.throws(() => c.node(1n).ready(), /advance/);
  assert.is(c.node(1n).hasReady(), false);
});

test("heartbeat coalescing: a round skips followers just sent an App, unless a read needs confirming", () => {
  const c = new TestCluster(VOTERS);
  c.elect(1n);
  c.tickAll(2); // replication settles in Replicate state; a round with no appends sends heartbeats
  const beatsTo = (from: number, to: NodeId): number =>
    c.sent.slice(from).filter((m) => m.type === MessageType.Heartbeat && m.to === to).length;
  let mark = c.sent.length;
  c.tickAll(1);
  assert.is(beatsTo(mark, 2n) + beatsTo(mark, 3n), 2, "an idle round: one heartbeat each");
  mark = c.sent.length;
  c.node(1n).propose(bytes("w"));
  c.stabilize();
  c.tickAll(1);
  assert.is(beatsTo(mark, 2n) + beatsTo(mark, 3n), 0, "the appends did the round's work");
  mark = c.sent.length;
  c.tickAll(1);
  assert.is(beatsTo(mark, 2n) + beatsTo(mark, 3n), 2, "the next idle round sends them again");
  // A pending read is confirmed by heartbeats whatever was sent before.
  c.node(1n).propose(bytes("w2"));
  c.stabilize();
  c.isolate(3n);
  c.cutLink(1n, 2n);
  assert.is(c.node(1n).readIndex(bytes("rd")), undefined);
  c.stabilize();
  c.heal();
  mark = c.sent.length;
  c.tickAll(1);
  assert.ok(c.sent.slice(mark).some((m) => m.type === MessageType.Heartbeat && m.context !== undefined));
  assert.equal(c.get(1n).readStates.map((r) => text(r.requestCtx)), ["rd"]);
  // Followers never time out while appends flow without heartbeats.
  for (let i = 0; i < 30; i++) {
    c.node(1n).propose(bytes(`k${i}`));
    c.tickAll(1);
  }
  assert.is(c.leader()?.id, 1n);
  assert.is(c.node(2n).status().term, c.node(1n).status().term);
});

test.run();
