// Seeded random runs of lease and KV writes: after every step the lessor's key attachments must equal what
// the MVCC store says (every live key naming a lease is attached to exactly that lease, and nothing else
// is attached), no key names a lease that is gone, and two members applying the same steps agree.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { EtcdError } from "../../src/codec/errors.ts";
import type { RequestOp } from "../../src/codec/messages.ts";
import { Lessor } from "../../src/lease/mod.ts";
import { MvccStore } from "../../src/mvcc/mod.ts";
import { openDatabase } from "../../src/storage/sqlite_bun.ts";
import { seededRandom } from "../../src/raft/testing.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const SEEDS = 40;
const STEPS = 150;
const KEYS = ["a", "b", "c", "d", "e", "f"];
const LEASES = [1n, 2n, 3n, 4n];

interface Member {
  kv: MvccStore;
  lessor: Lessor;
}

function member(): Member {
  const db = openDatabase(":memory:", { durable: false });
  let lessor: Lessor | undefined;
  const kv = new MvccStore(db, { hasLease: (id) => lessor!.has(id) });
  lessor = new Lessor(db, kv, { minTtlS: 1 });
  return { kv, lessor };
}

type Step = (m: Member) => void;

function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)]!;
}

function randomStep(rand: () => number): Step {
  const key = enc.encode(pick(rand, KEYS));
  const lease = rand() < 0.3 ? 0n : pick(rand, LEASES);
  const roll = rand();
  if (roll < 0.15) return (m) => void m.lessor.grant(lease === 0n ? 1n : lease, 10);
  if (roll < 0.25) return (m) => void m.lessor.revoke(lease === 0n ? 1n : lease);
  if (roll < 0.55) return (m) => m.lessor.applyEvents(m.kv.put({ key, value: key, lease }).events);
  if (roll < 0.65) {
    return (m) => m.lessor.applyEvents(m.kv.put({ key, ignore_lease: true, value: enc.encode("x") }).events);
  }
  if (roll < 0.75) {
    return (m) => m.lessor.applyEvents(m.kv.deleteRange({ key, range_end: enc.encode("d") }).events);
  }
  if (roll < 0.8) return (m) => m.lessor.checkpoint(lease === 0n ? 2n : lease, 1 + Math.floor(rand() * 9_000));
  const ops: RequestOp[] = [
    { request_put: { key, lease } },
    { request_delete_range: { key: enc.encode(pick(rand, KEYS) + "z") } },
  ];
  return (m) => m.lessor.applyEvents(m.kv.txn({ success: ops }).events);
}

/** Runs a step; client errors (unknown lease, duplicate grant, missing key) are outcomes, compared too. */
function apply(step: Step, m: Member): string {
  try {
    step(m);
    return "ok";
  } catch (error) {
    if (!(error instanceof EtcdError)) throw error;
    return error.message;
  }
}

function checkAttachments(m: Member, context: string): string {
  const live = m.kv.range({ key: new Uint8Array([0]), range_end: new Uint8Array([0]) }).kvs;
  const expected = new Map<bigint, string[]>();
  for (const kv of live) {
    if (kv.lease === 0n) continue;
    assert.ok(m.lessor.has(kv.lease), `${context}: key ${dec.decode(kv.key)} names gone lease ${kv.lease}`);
    expected.set(kv.lease, [...(expected.get(kv.lease) ?? []), dec.decode(kv.key)]);
  }
  const state: string[] = [];
  for (const { ID } of m.lessor.leases().leases) {
    const keys = m.lessor.timeToLive({ ID, keys: true }, 0).keys.map((k) => dec.decode(k));
    assert.equal(keys, expected.get(ID) ?? [], `${context}: keys of lease ${ID}`);
    state.push(`${ID}:${keys.join(",")}`);
  }
  return `${m.kv.currentRevision()} ${state.join(" ")}`;
}

test(`lessor attachments track the MVCC store over ${SEEDS} seeded runs of ${STEPS} steps`, () => {
  let revokes = 0;
  for (let seed = 1; seed <= SEEDS; seed++) {
    const rand = seededRandom(seed);
    const members = [member(), member()];
    for (let i = 0; i < STEPS; i++) {
      const step = randomStep(rand);
      const outcomes = members.map((m) => apply(step, m));
      assert.is(outcomes[0], outcomes[1], `seed ${seed} step ${i}: outcomes differ`);
      const states = members.map((m) => checkAttachments(m, `seed ${seed} step ${i}`));
      assert.is(states[0], states[1], `seed ${seed} step ${i}: members differ`);
    }
    revokes += members[0]!.kv.currentRevision();
  }
  assert.ok(revokes > SEEDS * 10, "the runs did write");
});

test.run();
