import { test } from "uvu";
import * as assert from "uvu/assert";
import { EventQueue } from "../../src/sim/event_queue.ts";
import { Network } from "../../src/sim/network.ts";
import { Prng } from "../../src/sim/prng.ts";

test("the PRNG is a pure function of its seed", () => {
  const a = new Prng(42);
  const b = new Prng(42);
  const c = new Prng(43);
  const seqA = Array.from({ length: 100 }, () => a.nextU32());
  const seqB = Array.from({ length: 100 }, () => b.nextU32());
  const seqC = Array.from({ length: 100 }, () => c.nextU32());
  assert.equal(seqA, seqB);
  assert.not.equal(seqA, seqC);
  // Forks are deterministic too, and differ from the parent stream.
  assert.equal(new Prng(7).fork().nextU32(), new Prng(7).fork().nextU32());
});

test("PRNG ranges stay in bounds and are roughly uniform", () => {
  const rng = new Prng(1);
  const counts = [0, 0, 0, 0, 0];
  for (let i = 0; i < 50_000; i++) {
    const f = rng.float();
    assert.ok(f >= 0 && f < 1);
    counts[rng.int(5)]!++;
    const r = rng.range(3, 5);
    assert.ok(r >= 3 && r <= 5 && Number.isInteger(r));
  }
  for (const c of counts) assert.ok(c > 9_000 && c < 11_000, `bucket ${c}`);
  assert.throws(() => rng.int(0));
  assert.throws(() => rng.pick([]));
  assert.equal(rng.shuffle([1, 2, 3, 4]).sort(), [1, 2, 3, 4]);
});

test("the event queue pops by time, then by scheduling order", () => {
  const q = new EventQueue<string>(100);
  q.push(5, "c");
  q.push(1, "a");
  q.push(5, "d");
  q.push(3, "b");
  q.push(1, "a2");
  const out: string[] = [];
  for (let e = q.pop(); e !== undefined; e = q.pop()) out.push(e.payload);
  assert.equal(out, ["a", "a2", "b", "c", "d"]);
  const rng = new Prng(9);
  const big = new EventQueue<number>(10_000);
  for (let i = 0; i < 5_000; i++) big.push(rng.int(100), i);
  let last = { time: -1, seq: -1 };
  for (let e = big.pop(); e !== undefined; e = big.pop()) {
    assert.ok(e.time > last.time || (e.time === last.time && e.seq > last.seq));
    last = e;
  }
  const tiny = new EventQueue<number>(1);
  tiny.push(0, 0);
  assert.throws(() => tiny.push(0, 1), /more than 1/);
});

test("the network drops, duplicates and delays by its profile, and partitions cut links", () => {
  const net = new Network();
  const rng = new Prng(3);
  net.profile = { dropRate: 0.2, duplicateRate: 0.1, minLatency: 2, maxLatency: 9, spikeRate: 0, spikeLatency: 0 };
  let lost = 0;
  let dup = 0;
  for (let i = 0; i < 10_000; i++) {
    const d = net.route(1n, 2n, rng);
    if (d.length === 0) lost++;
    if (d.length === 2) dup++;
    for (const x of d) assert.ok(x >= 2 && x <= 9);
  }
  assert.ok(lost > 1_700 && lost < 2_300, `lost ${lost}`);
  assert.ok(dup > 600 && dup < 1_000, `dup ${dup}`);
  net.profile = { ...net.profile, dropRate: 0, duplicateRate: 0 };
  net.partition([1n], [1n, 2n, 3n], true);
  assert.equal(net.route(1n, 2n, rng), []);
  assert.is(net.route(2n, 1n, rng).length, 1); // one way only
  assert.is(net.route(2n, 3n, rng).length, 1);
  net.heal();
  net.partition([1n, 2n], [1n, 2n, 3n], false);
  assert.equal(net.route(3n, 1n, rng), []);
  assert.equal(net.route(2n, 3n, rng), []);
  assert.is(net.route(1n, 2n, rng).length, 1);
  net.heal();
  assert.is(net.blockedLinks, 0);
});

test.run();
