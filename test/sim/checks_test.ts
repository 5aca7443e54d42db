import { test } from "uvu";
import * as assert from "uvu/assert";
import { SafetyChecker } from "../../src/sim/checks.ts";
import { drawGarbage } from "../../src/sim/garbage.ts";
import { decodeCommand, encodeMarker, encodePut, KvStateMachine, MAX_COMMAND_BYTES } from "../../src/sim/kv.ts";
import { Prng } from "../../src/sim/prng.ts";
import { type Entry, EntryType, type RaftStorage, type Snapshot } from "../../src/raft/types.ts";

const enc = new TextEncoder();

function entry(index: number, term: number, text: string): Entry {
  return { index, term, type: EntryType.Normal, data: enc.encode(text) };
}

/** A minimal storage over a plain array (index 1 at position 0), enough for the checker. */
function logOf(entries: Entry[]): RaftStorage {
  return {
    initialState: () => ({ hardState: { term: 0, vote: 0n, commit: 0 }, confState: { voters: [], learners: [] } }),
    entries: () => entries,
    term: (i: number) => (i === 0 ? 0 : entries[i - 1]!.term),
    lastIndex: () => entries.length,
    firstIndex: () => 1,
    snapshot: () => ({ metadata: { index: 0, term: 0, confState: { voters: [], learners: [] } }, data: new Uint8Array() }) as Snapshot,
  };
}

test("two leaders in one term are caught, re-reporting the same leader is fine", () => {
  const c = new SafetyChecker();
  assert.is(c.onLeader(1n, 2), undefined);
  assert.is(c.onLeader(1n, 2), undefined);
  assert.is(c.onLeader(2n, 3), undefined);
  assert.match(c.onLeader(3n, 2) ?? "", /two leaders in term 2/);
});

test("log matching: same index and term with different content or different predecessor", () => {
  const c = new SafetyChecker();
  const a = [entry(1, 1, "x"), entry(2, 1, "y")];
  assert.is(c.onPersist(1n, a, logOf(a)), undefined);
  assert.is(c.onPersist(2n, a, logOf(a)), undefined);
  const b = [entry(1, 1, "x"), entry(2, 1, "z")];
  assert.match(c.onPersist(3n, b.slice(1), logOf(b)) ?? "", /log matching: entry 2:1 differs/);
  const d = [entry(1, 2, "q"), entry(2, 3, "r")];
  const e = [entry(1, 1, "x"), entry(2, 3, "r")];
  assert.is(c.onPersist(4n, d, logOf(d)), undefined);
  assert.match(c.onPersist(5n, e.slice(1), logOf(e)) ?? "", /follows term 2 .* but 1/);
});

test("state machine safety, committed overwrite and leader completeness", () => {
  const c = new SafetyChecker();
  assert.is(c.onApply(1n, entry(1, 1, "x")), undefined);
  assert.is(c.onApply(2n, entry(1, 1, "x")), undefined);
  assert.match(c.onApply(3n, entry(1, 2, "y")) ?? "", /state machine safety: index 1/);
  assert.is(c.onApply(1n, entry(2, 1, "w")), undefined);
  const overwriting = [entry(1, 1, "x"), entry(2, 2, "other")];
  // A lagging member may hold a stale entry above its own commit index, never at or below it.
  assert.is(c.onDurableCommit(4n, logOf(overwriting), 1, 1), undefined);
  assert.match(c.onDurableCommit(4n, logOf(overwriting), 1, 2) ?? "", /committed entry 2 .* is term 2 .* commit 2/);
  assert.match(c.checkLeaderComplete(5n, 3, logOf([entry(1, 1, "x")])) ?? "", /leader completeness.*last index 1/);
  assert.match(c.checkLeaderComplete(5n, 3, logOf(overwriting)) ?? "", /leader completeness.*term 2 at committed index 2/);
  assert.is(c.checkLeaderComplete(5n, 3, logOf([entry(1, 1, "x"), entry(2, 1, "w"), entry(3, 3, "")])), undefined);
  assert.match(c.onSnapshot(6n, 2, 5) ?? "", /snapshot at 2/);
  assert.is(c.onSnapshot(6n, 2, 1), undefined);
});

test("durable hard state only moves forward", () => {
  const c = new SafetyChecker();
  const hs = (term: number, vote: bigint, commit: number) => ({ term, vote, commit });
  assert.is(c.onHardState(1n, hs(1, 0n, 0), hs(1, 2n, 0)), undefined);
  assert.is(c.onHardState(1n, hs(1, 2n, 0), hs(2, 3n, 1)), undefined);
  assert.match(c.onHardState(1n, hs(2, 2n, 0), hs(2, 3n, 0)) ?? "", /vote in term 2 changed from 2 to 3/);
  assert.match(c.onHardState(1n, hs(3, 0n, 0), hs(2, 0n, 0)) ?? "", /term went back/);
  assert.match(c.onHardState(1n, hs(3, 0n, 5), hs(3, 0n, 4)) ?? "", /commit went back/);
});

test("KV commands round-trip and duplicates are applied once", () => {
  const cmd = { clientId: 2, reqId: 7, key: "k1", value: "2.7" };
  assert.equal(decodeCommand(encodePut(cmd)), { kind: "put", put: cmd });
  assert.equal(decodeCommand(new Uint8Array()), { kind: "empty" });
  assert.equal(decodeCommand(encodeMarker(3)), { kind: "marker", marker: 3 });
  assert.throws(() => encodeMarker(0));
  const sm = new KvStateMachine();
  assert.ok(sm.applyPut(cmd));
  assert.not.ok(sm.applyPut(cmd));
  assert.not.ok(sm.applyPut({ ...cmd, reqId: 6, value: "old" }));
  assert.is(sm.get("k1"), "2.7");
  assert.is(sm.get("nope"), null);
  const copy = KvStateMachine.decode(sm.encode());
  assert.is(copy.get("k1"), "2.7");
  assert.not.ok(copy.applyPut(cmd));
  assert.equal(KvStateMachine.decode(new Uint8Array()).values.size, 0);
});

test("decoding is total: malformed commands and random bytes are invalid, never an exception", () => {
  const invalid = (text: string) => decodeCommand(enc.encode(text)).kind;
  for (const text of ["[", "[1,2,\"k\"]", "[1,2,\"k\",\"v\",5]", "[\"1\",2,\"k\",\"v\"]", "[-1,2,\"k\",\"v\"]",
    "[1,0,\"k\",\"v\"]", "[1.5,2,\"k\",\"v\"]", "[1,2,\"\",\"v\"]", "[1,2,\"k\",null]", "{}", "null", "marker:",
    "marker:0", "marker:x", "hello"]) {
    assert.is(invalid(text), "invalid", text);
  }
  assert.is(decodeCommand(Uint8Array.of(0x5b, 0xff, 0x5d)).kind, "invalid"); // not UTF-8
  assert.is(decodeCommand(new Uint8Array(MAX_COMMAND_BYTES + 1).fill(0x5b)).kind, "invalid");
  assert.is(invalid(`${"[".repeat(5_000)}${"]".repeat(5_000)}`), "invalid");
  // The simulator's garbage is never a valid command, and decoding the same bytes twice agrees.
  const rng = new Prng(5);
  const reasons = new Set<string>();
  for (let i = 0; i < 5_000; i++) {
    const data = drawGarbage(rng);
    const first = decodeCommand(data);
    assert.is(first.kind, "invalid");
    assert.equal(decodeCommand(data.slice()), first);
    if (first.kind === "invalid") reasons.add(first.reason);
  }
  assert.ok(reasons.size >= 8, `garbage reaches only ${[...reasons].join(", ")}`);
});

test("deterministic apply: the same entry must give the same outcome on every member", () => {
  const c = new SafetyChecker();
  assert.is(c.onOutcome(1n, 4, "error: not JSON"), undefined);
  assert.is(c.onOutcome(2n, 4, "error: not JSON"), undefined);
  assert.match(c.onOutcome(3n, 4, "put") ?? "", /deterministic apply: entry 4 gave "error: not JSON" on 1 but "put" on 3/);
});

test.run();
