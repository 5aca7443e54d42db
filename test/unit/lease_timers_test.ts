// The leader's lease clocks alone: checkpoint order and bounds, stall accounting, renew rules.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { LeaseTimers } from "../../src/lease/timers.ts";
import { renewDelayMs, StreamFrameReader, encodeStreamFrame, messageOfFrame } from "../../src/client/lease.ts";
import { EtcdError } from "../../src/codec/errors.ts";

test("checkpoints: renewed leases first, then due ones; bounded per call; none before the interval", () => {
  const t = new LeaseTimers(0, { checkpointIntervalMs: 1_000, maxCheckpointsPerCall: 2, stallThresholdMs: 10_000 });
  for (const id of [1n, 2n, 3n]) t.start(id, 60_000, 0);
  assert.equal(t.checkpoints(500), []);
  t.renew(3n, 60_000, 600);
  assert.equal(t.checkpoints(600).map((c) => c.id), [3n]); // renewed: at once, whatever the interval
  const due = t.checkpoints(1_000);
  assert.equal(due.map((c) => c.id), [1n, 2n]);
  assert.equal(due.map((c) => c.remainingMs), [59_000, 59_000]);
  assert.equal(t.checkpoints(1_100).map((c) => c.id), []); // 3 was checkpointed at 600: due at 1 600
  assert.equal(t.checkpoints(1_600).map((c) => c.id), [3n]);
});

test("an expired lease is not checkpointed (its revoke is the next step)", () => {
  const t = new LeaseTimers(0, { checkpointIntervalMs: 1_000, stallThresholdMs: 10_000 });
  t.start(1n, 500, 0);
  assert.equal(t.checkpoints(1_000), []);
});

test("stalls are counted once per gap and only above the threshold", () => {
  const t = new LeaseTimers(0, { stallThresholdMs: 1_000 });
  t.start(1n, 5_000, 0);
  assert.is(t.remainingMs(1n, 1_000), 4_000); // a gap of exactly the threshold is not a stall
  assert.is(t.stalledMs, 0);
  assert.is(t.remainingMs(1n, 3_500), 4_000); // 2.5 s gap: moved by 2.5 s
  assert.is(t.stalledMs, 2_500);
  assert.throws(() => t.extendAll(-1), /cannot extend/);
});

test("renew of an unknown lease is a bug; remove forgets everything", () => {
  const t = new LeaseTimers(0);
  assert.throws(() => t.renew(9n, 1_000, 0), /unknown lease/);
  t.start(9n, 1_000, 0);
  t.remove(9n);
  assert.not.ok(t.has(9n));
  assert.is(t.remainingMs(9n, 0), undefined);
  assert.equal(t.expired(5_000), []);
});

test("bad options are refused", () => {
  assert.throws(() => new LeaseTimers(0, { maxExpiredPerCall: 0 }), /at least 1/);
  assert.throws(() => new LeaseTimers(0, { stallThresholdMs: 0 }), /positive/);
});

test("client renewal interval: a third of the TTL, never below 500 ms", () => {
  assert.is(renewDelayMs(60), 20_000);
  assert.is(renewDelayMs(1), 500);
  assert.is(renewDelayMs(2), 666);
});

test("stream frames: split across chunks, several per chunk, errors carried", () => {
  const a = encodeStreamFrame({ result: { ID: 5n, TTL: 10 } });
  const b = encodeStreamFrame({ error: { code: 5, message: "etcdserver: requested lease not found" } });
  const all = new Uint8Array([...a, ...b]);
  const reader = new StreamFrameReader();
  assert.equal(reader.push(all.subarray(0, 3)), []);
  const first = reader.push(all.subarray(3, a.length + 2));
  assert.is(first.length, 1);
  assert.equal(messageOfFrame("LeaseKeepAliveResponse", first[0]!), {
    header: { cluster_id: 0n, member_id: 0n, revision: 0, raft_term: 0 },
    ID: 5n,
    TTL: 10,
  });
  assert.is(reader.pendingBytes, 2);
  const second = reader.push(all.subarray(a.length + 2));
  assert.is(second.length, 1);
  assert.throws(() => messageOfFrame("LeaseKeepAliveResponse", second[0]!), (e: unknown) =>
    e instanceof EtcdError && e.code === 5);
  assert.is(reader.pendingBytes, 0);
  const huge = new Uint8Array([0xff, 0xff, 0xff, 0xff]);
  assert.throws(() => new StreamFrameReader().push(huge), /too large/);
});

test.run();
