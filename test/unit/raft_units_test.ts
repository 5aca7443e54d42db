import { test } from "uvu";
import * as assert from "uvu/assert";
import { Inflights } from "../../src/raft/inflights.ts";
import { RaftLog } from "../../src/raft/log.ts";
import { Progress } from "../../src/raft/progress.ts";
import { committedIndex, majority, VoteResult, voteResult } from "../../src/raft/quorum.ts";
import { ReadOnly } from "../../src/raft/read_only.ts";
import {
  type Entry,
  EntryType,
  ErrCompacted,
  ErrSnapOutOfDate,
  ErrUnavailable,
  makeMessage,
  MemoryStorage,
  MessageType,
} from "../../src/raft/mod.ts";

function ent(index: number, term: number, size = 0): Entry {
  return { index, term, type: EntryType.Normal, data: new Uint8Array(size) };
}

function ents(from: number, to: number, term: number): Entry[] {
  const out: Entry[] = [];
  for (let i = from; i <= to; i++) out.push(ent(i, term));
  return out;
}

test("quorum: majority, committed index and vote result", () => {
  assert.equal([0, 1, 2, 3, 4, 5].map(majority), [0, 1, 2, 2, 3, 3]);
  const match = new Map([[1n, 10], [2n, 7], [3n, 3]]);
  assert.is(committedIndex([1n, 2n, 3n], (id) => match.get(id) ?? 0), 7);
  assert.is(committedIndex([1n, 2n, 3n, 4n], (id) => match.get(id) ?? 0), 3);
  assert.is(committedIndex([1n], () => 5), 5);
  const votes = new Map([[1n, true]]);
  assert.is(voteResult([1n, 2n, 3n], votes), VoteResult.Pending);
  votes.set(2n, false);
  assert.is(voteResult([1n, 2n, 3n], votes), VoteResult.Pending);
  votes.set(3n, false);
  assert.is(voteResult([1n, 2n, 3n], votes), VoteResult.Lost);
  votes.set(3n, true);
  assert.is(voteResult([1n, 2n, 3n], votes), VoteResult.Won);
  votes.set(9n, true); // non-voters do not count
  assert.is(voteResult([1n, 2n, 3n, 4n, 5n], new Map([[1n, true], [9n, true], [8n, true]])), VoteResult.Pending);
});

test("inflights: a bounded ring freed by acks", () => {
  const inf = new Inflights(3);
  inf.add(5);
  inf.add(8);
  inf.add(12);
  assert.ok(inf.full());
  assert.throws(() => inf.add(13));
  inf.freeLE(7);
  assert.is(inf.length, 2);
  inf.add(15);
  inf.freeLE(12);
  assert.is(inf.length, 1);
  inf.freeFirstOne();
  assert.is(inf.length, 0);
  for (let i = 0; i < 10; i++) {
    inf.add(100 + i);
    inf.freeLE(100 + i);
  }
  assert.is(inf.length, 0);
});

test("progress: probe, replicate and snapshot transitions; fast decrement to the hint", () => {
  const pr = new Progress(11, 4, false);
  assert.is(pr.state, "probe");
  assert.ok(pr.maybeDecrTo(10, 4)); // rejected prev 10, follower says it may match at 4
  assert.is(pr.next, 5);
  assert.ok(!pr.maybeDecrTo(10, 2), "stale rejection");
  assert.ok(pr.maybeUpdate(6));
  pr.becomeReplicate();
  assert.is(pr.next, 7);
  pr.optimisticUpdate(20);
  pr.inflights.add(20);
  assert.is(pr.next, 21);
  assert.ok(!pr.maybeDecrTo(5, 5), "below match: stale");
  assert.ok(pr.maybeDecrTo(15, 0));
  assert.is(pr.next, 7);
  pr.becomeSnapshot(50);
  assert.ok(pr.isPaused());
  pr.becomeProbe();
  assert.is(pr.next, 51);
});

test("memory storage: append truncates a conflicting suffix; compact, snapshot and errors", () => {
  const s = new MemoryStorage();
  s.append(ents(1, 5, 1));
  assert.is(s.lastIndex(), 5);
  s.append([ent(4, 2), ent(5, 2), ent(6, 2)]);
  assert.equal([1, 2, 3, 4, 5, 6].map((i) => s.term(i)), [1, 1, 1, 2, 2, 2]);
  assert.throws(() => s.append([ent(9, 2)]), /missing/);
  assert.throws(() => s.entries(2, 9, Infinity), (e: unknown) => e instanceof ErrUnavailable);
  assert.equal(s.entries(2, 5, Infinity).map((e) => e.index), [2, 3, 4]);
  const big = new MemoryStorage({ entries: [ent(1, 1, 100), ent(2, 1, 100), ent(3, 1, 100)] });
  assert.is(big.entries(1, 4, 250).length, 2);
  assert.is(big.entries(1, 4, 1).length, 1);
  s.createSnapshot(4, { voters: [1n], learners: [] }, new Uint8Array([7]));
  s.compact(4);
  assert.is(s.firstIndex(), 5);
  assert.is(s.term(4), 2);
  assert.throws(() => s.term(3), (e: unknown) => e instanceof ErrCompacted);
  assert.throws(() => s.entries(4, 6, Infinity), (e: unknown) => e instanceof ErrCompacted);
  assert.throws(() => s.createSnapshot(3, { voters: [], learners: [] }, new Uint8Array()), (e: unknown) => e instanceof ErrSnapOutOfDate);
  s.applySnapshot({ metadata: { index: 10, term: 3, confState: { voters: [1n], learners: [] } }, data: new Uint8Array() });
  assert.is(s.firstIndex(), 11);
  assert.is(s.lastIndex(), 10);
  assert.is(s.term(10), 3);
  s.append([ent(11, 3)]);
  assert.is(s.lastIndex(), 11);
});

function logOver(storage: MemoryStorage): RaftLog {
  return new RaftLog(storage, { maxCommittedSizePerReadyBytes: Infinity, keepConflictingSuffix: false });
}

test("log: stable and unstable parts, conflicts, commit and apply bounds", () => {
  const storage = new MemoryStorage({ entries: ents(1, 3, 1) });
  const log = logOver(storage);
  log.append(ents(4, 6, 2));
  assert.is(log.lastIndex(), 6);
  assert.equal(log.slice(2, 6, Infinity)!.map((e) => e.index), [2, 3, 4, 5]);
  assert.is(log.term(5), 2);
  assert.is(log.term(7), -1);
  assert.is(log.findConflict([ent(5, 2), ent(6, 3)]), 6);
  assert.is(log.findConflictByTerm(6, 1), 3);
  assert.is(log.maybeAppend(5, 1, 0, []), -1, "prev term mismatch");
  assert.is(log.maybeAppend(4, 2, 5, [ent(5, 3)]), 5);
  assert.is(log.lastIndex(), 5);
  assert.is(log.committed, 5);
  assert.throws(() => log.commitTo(9), /out of range/);
  log.commitTo(2); // never decreases
  assert.is(log.committed, 5);
  assert.throws(() => log.append([ent(3, 9)]), /committed/);
  assert.throws(() => log.appliedTo(6), /out of range/);
  assert.equal(log.nextEnts().map((e) => e.index), [1, 2, 3, 4, 5]);
  log.appliedTo(5);
  assert.equal(log.nextEnts(), []);
  // Persisting moves entries out of the unstable part only if they were not overwritten meanwhile.
  storage.append(log.unstableEntries());
  log.stableTo(5, 2);
  assert.is(log.unstableEntries().length, 2);
  log.stableTo(5, 3);
  assert.is(log.unstableEntries().length, 0);
  assert.is(log.lastIndex(), 5);
  assert.ok(log.isUpToDate(5, 3));
  assert.ok(!log.isUpToDate(9, 2));
});

test("read-only queue: acks, advance in order, bound", () => {
  const ro = new ReadOnly(2);
  const a = new Uint8Array([1]);
  const b = new Uint8Array([2]);
  assert.ok(ro.addRequest(5, makeMessage({ type: MessageType.ReadIndex, context: a }), a));
  assert.ok(ro.addRequest(6, makeMessage({ type: MessageType.ReadIndex, context: b }), b));
  assert.ok(!ro.addRequest(7, makeMessage({ type: MessageType.ReadIndex }), new Uint8Array([3])));
  assert.equal(ro.lastPendingContext(), b);
  assert.is(ro.recvAck(2n, b)?.size, 1);
  assert.is(ro.recvAck(2n, new Uint8Array([9])), undefined);
  assert.equal(ro.advance(b).map((rs) => rs.index), [5, 6]);
  assert.is(ro.length, 0);
});

test.run();
