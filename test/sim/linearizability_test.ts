import { test } from "uvu";
import * as assert from "uvu/assert";
import { checkHistory, type Operation } from "../../src/sim/linearizability.ts";

function put(clientId: number, value: string, callTime: number, returnTime?: number, key = "k"): Operation {
  return { clientId, kind: "put", key, value, callTime, returnTime };
}
function get(clientId: number, value: string | null, callTime: number, returnTime?: number, key = "k"): Operation {
  return { clientId, kind: "get", key, value, callTime, returnTime };
}

test("empty history and sequential history are linearizable", () => {
  assert.is(checkHistory([]).outcome, "ok");
  const h = [get(1, null, 0, 1), put(1, "a", 2, 3), get(2, "a", 4, 5), put(2, "b", 6, 7), get(1, "b", 8, 9)];
  assert.is(checkHistory(h).outcome, "ok");
});

test("a stale read after a completed write is a violation", () => {
  const h = [put(1, "a", 0, 1), put(1, "b", 2, 3), get(2, "a", 4, 5)];
  const r = checkHistory(h);
  assert.is(r.outcome, "violation");
  assert.equal(r.violatingKeys, ["k"]);
  assert.ok(r.detail !== undefined && r.detail.includes("no linearization"));
});

test("reading a value never written is a violation", () => {
  assert.is(checkHistory([put(1, "a", 0, 1), get(2, "zz", 2, 3)]).outcome, "violation");
  assert.is(checkHistory([get(2, "a", 0, 1), put(1, "a", 2, 3)]).outcome, "violation");
});

test("concurrent write and reads may see either value", () => {
  // put b overlaps both reads: one may see a and the later b, but not b then a.
  const base = [put(1, "a", 0, 1), put(1, "b", 2, 10)];
  assert.is(checkHistory([...base, get(2, "a", 3, 4), get(2, "b", 5, 6)]).outcome, "ok");
  assert.is(checkHistory([...base, get(2, "b", 3, 4), get(3, "b", 5, 6)]).outcome, "ok");
  assert.is(checkHistory([...base, get(2, "b", 3, 4), get(2, "a", 5, 6)]).outcome, "violation");
  // Two overlapping reads can disagree in either order, as long as they overlap each other.
  assert.is(checkHistory([...base, get(2, "b", 3, 6), get(3, "a", 4, 7)]).outcome, "ok");
});

test("a return at an instant precedes a call at that instant", () => {
  // The write of b is acknowledged at 5; a read invoked at 5 comes after it and must not see a.
  const acked = [put(1, "a", 0, 1), put(1, "b", 2, 5)];
  assert.is(checkHistory([...acked, get(2, "a", 5, 6)]).outcome, "violation");
  assert.is(checkHistory([...acked, get(2, "b", 5, 6)]).outcome, "ok");
  // A read that returned a at 5 came before a write of b invoked at 5 ...
  assert.is(checkHistory([put(1, "a", 0, 1), get(2, "a", 3, 5), put(1, "b", 5, 6)]).outcome, "ok");
  // ... so it cannot have seen b, not even through a write whose outcome is unknown.
  assert.is(checkHistory([get(2, "b", 3, 5), put(1, "b", 5, 6)]).outcome, "violation");
  assert.is(checkHistory([get(2, "b", 3, 5), put(1, "b", 5)]).outcome, "violation");
  // An operation that starts and ends at one instant is ordered after returns and before calls there.
  assert.is(checkHistory([...acked, get(2, "a", 5, 5)]).outcome, "violation");
  assert.is(checkHistory([...acked, get(2, "b", 5, 5), put(3, "c", 5, 7), get(4, "b", 6, 6)]).outcome, "ok");
  assert.is(checkHistory([put(1, "a", 0, 1), get(2, "c", 5, 5), put(3, "c", 5, 7)]).outcome, "violation");
  // Two such operations at the same instant are concurrent with each other.
  assert.is(checkHistory([put(1, "a", 0, 1), put(2, "b", 5, 5), get(3, "a", 5, 5), get(4, "b", 6, 7)]).outcome, "ok");
});

test("concurrent writes: readers must agree on one order", () => {
  const writes = [put(1, "a", 0, 5), put(2, "b", 0, 5)];
  assert.is(checkHistory([...writes, get(3, "a", 6, 7), get(3, "a", 8, 9)]).outcome, "ok");
  assert.is(checkHistory([...writes, get(3, "b", 6, 7)]).outcome, "ok");
  assert.is(checkHistory([...writes, get(3, "a", 6, 7), get(4, "b", 8, 9)]).outcome, "violation");
});

test("a write with unknown outcome may or may not have happened, at any later time", () => {
  const lost = put(1, "x", 0); // no response
  assert.is(checkHistory([lost, get(2, null, 10, 11)]).outcome, "ok");
  assert.is(checkHistory([lost, get(2, "x", 10, 11)]).outcome, "ok");
  // It may even take effect long after the client gave up, but only once.
  assert.is(checkHistory([lost, get(2, null, 10, 11), get(2, "x", 20, 21)]).outcome, "ok");
  assert.is(checkHistory([lost, get(2, "x", 10, 11), get(2, null, 20, 21)]).outcome, "violation");
  // It cannot take effect before it was invoked.
  assert.is(checkHistory([get(2, "x", 0, 1), put(1, "x", 5)]).outcome, "violation");
  // A read with no response constrains nothing.
  assert.is(checkHistory([put(1, "a", 0, 1), get(2, "nonsense", 2)]).outcome, "ok");
});

test("keys are checked independently and a violating key is named", () => {
  const h = [
    put(1, "a", 0, 1, "x"), get(2, "a", 2, 3, "x"),
    put(1, "c", 0, 1, "y"), put(1, "d", 2, 3, "y"), get(2, "c", 4, 5, "y"),
  ];
  const r = checkHistory(h);
  assert.is(r.outcome, "violation");
  assert.equal(r.violatingKeys, ["y"]);
});

test("an exhausted step bound is reported as unknown, not ok", () => {
  const h: Operation[] = [];
  // Many lost writes concurrent with everything: a large search space.
  for (let i = 0; i < 30; i++) h.push(put(i, `v${i}`, i));
  for (let i = 0; i < 30; i++) h.push(get(100 + i, `v${29 - i}`, 100 + 2 * i, 101 + 2 * i));
  const r = checkHistory(h, { maxStepsPerKey: 50 });
  assert.is(r.outcome, "unknown");
  assert.equal(r.unknownKeys, ["k"]);
});

test("a larger random sequential-by-construction history passes", () => {
  // Build a history from a known linearization: each op takes effect at its midpoint.
  const h: Operation[] = [];
  let current: string | null = null;
  for (let t = 0; t < 400; t++) {
    const at = t * 10;
    if (t % 3 === 0) {
      current = `v${t}`;
      h.push(put(t % 5, current, at - (t % 7), at + (t % 4)));
    } else {
      h.push(get(t % 5, current, at - (t % 6), at + (t % 5)));
    }
  }
  assert.is(checkHistory(h).outcome, "ok");
  // Corrupt one read to a value overwritten long before: must be caught.
  const bad = h.slice();
  bad[200] = { ...bad[200]!, kind: "get", value: "v3" };
  assert.is(checkHistory(bad).outcome, "violation");
});

test.run();
