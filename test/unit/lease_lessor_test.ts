// The lessor on a real MvccStore over an in-memory SQLite database, with a fake clock (plain numbers).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { EtcdError } from "../../src/codec/errors.ts";
import { type Event, EventType } from "../../src/codec/messages.ts";
import { chooseLeaseId, Lessor, minLeaseTtlS } from "../../src/lease/mod.ts";
import { MvccStore } from "../../src/mvcc/mod.ts";
import type { SqlDatabase } from "../../src/storage/adapter.ts";
import { openDatabase } from "../../src/storage/sqlite_bun.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const b = (s: string): Uint8Array => enc.encode(s);

interface Member {
  db: SqlDatabase;
  kv: MvccStore;
  lessor: Lessor;
}

/** A member's state: one database holding MVCC and lease tables, as the server keeps them. */
function member(db: SqlDatabase = openDatabase(":memory:", { durable: false })): Member {
  let lessor: Lessor | undefined;
  const kv = new MvccStore(db, { hasLease: (id) => lessor!.has(id) });
  lessor = new Lessor(db, kv, { minTtlS: 2, timers: { stallThresholdMs: 1_000, checkpointIntervalMs: 5_000 } });
  return { db, kv, lessor };
}

/** A put applied as the server applies it: the MVCC write, then the lessor sees its events. */
function put(m: Member, key: string, lease = 0n): void {
  const { events } = m.kv.put({ key: b(key), value: b("v"), lease });
  m.lessor.applyEvents(events);
}

function keysOf(m: Member, id: bigint): string[] {
  return m.lessor.timeToLive({ ID: id, keys: true }, 0).keys.map((k) => dec.decode(k));
}

function expectEtcdError(fn: () => unknown, message: string): void {
  try {
    fn();
  } catch (error) {
    assert.instance(error, EtcdError);
    assert.is((error as EtcdError).message, message);
    return;
  }
  assert.unreachable(`expected ${message}`);
}

/**
 * The leader's loop as the server runs it: every `stepMs`, revoke what expired. Returns the revoke events.
 * Bounded by `untilMs`.
 */
function runLeader(m: Member, fromMs: number, untilMs: number, stepMs: number): Event[][] {
  const revoked: Event[][] = [];
  for (let now = fromMs; now <= untilMs; now += stepMs) {
    for (const id of m.lessor.expiredLeases(now)) revoked.push(m.lessor.revoke(id).events);
  }
  return revoked;
}

/** Calls `expiredLeases` every 500 ms from `fromMs` to `toMs` (a live leader loop); the ids reported. */
function tickTo(lessor: Lessor, fromMs: number, toMs: number): bigint[] {
  const reported: bigint[] = [];
  for (let now = fromMs; now <= toMs; now += 500) reported.push(...lessor.expiredLeases(now));
  if ((toMs - fromMs) % 500 !== 0) reported.push(...lessor.expiredLeases(toMs));
  return reported;
}

test("minimum TTL follows etcd's rule; grants are raised to it; too large fails", () => {
  assert.is(minLeaseTtlS(10, 100), 2); // etcd defaults: 1.5 s → 2 s
  assert.is(minLeaseTtlS(10, 1000), 15);
  assert.is(minLeaseTtlS(5, 100), 1); // (15/2)=7 ticks of 100 ms → 0.7 s → 1 s
  const m = member();
  assert.is(m.lessor.grant(1n, 1).TTL, 2);
  assert.is(m.lessor.grant(2n, 60).TTL, 60);
  expectEtcdError(() => m.lessor.grant(3n, 9_000_000_001), "etcdserver: too large lease TTL");
  assert.is(m.lessor.grant(3n, 9_000_000_000).TTL, 9_000_000_000);
  expectEtcdError(() => m.lessor.grant(2n, 10), "etcdserver: lease already exists");
  expectEtcdError(() => m.lessor.grant(0n, 10), "etcdserver: requested lease not found");
  assert.equal(m.lessor.leases().leases.map((l) => l.ID), [1n, 2n, 3n]);
});

test("chooseLeaseId keeps a chosen id, draws a positive 63-bit one otherwise", () => {
  assert.is(chooseLeaseId(42n, () => 7n), 42n);
  const draws = [0n, 1n << 63n, (1n << 64n) - 1n];
  assert.is(chooseLeaseId(0n, () => draws.shift()!), (1n << 63n) - 1n); // 0 and 2^63 mask to 0: drawn again
  assert.throws(() => chooseLeaseId(undefined, () => 0n), /zero/);
});

test("puts attach keys, later puts move them, deletes detach them; ignore_lease keeps the lease", () => {
  const m = member();
  m.lessor.grant(10n, 30);
  m.lessor.grant(11n, 30);
  put(m, "a", 10n);
  put(m, "b", 10n);
  put(m, "c", 11n);
  assert.equal(keysOf(m, 10n), ["a", "b"]);
  put(m, "b", 11n); // moves
  put(m, "a"); // no lease: detached
  assert.equal(keysOf(m, 10n), []);
  assert.equal(keysOf(m, 11n), ["b", "c"]);
  const r = m.kv.put({ key: b("c"), value: b("w"), ignore_lease: true });
  m.lessor.applyEvents(r.events);
  assert.equal(keysOf(m, 11n), ["b", "c"]);
  m.lessor.applyEvents(m.kv.deleteRange({ key: b("b") }).events);
  assert.equal(keysOf(m, 11n), ["c"]);
  // txn writes are followed too
  const t = m.kv.txn({ success: [{ request_put: { key: b("d"), lease: 10n } }, { request_delete_range: { key: b("c") } }] });
  m.lessor.applyEvents(t.events);
  assert.equal(keysOf(m, 10n), ["d"]);
  assert.equal(keysOf(m, 11n), []);
  expectEtcdError(() => m.kv.put({ key: b("x"), lease: 99n }), "etcdserver: requested lease not found");
});

test("revoke deletes every attached key in one revision with DELETE events; the lease is gone", () => {
  const m = member();
  m.lessor.grant(7n, 30);
  for (const k of ["k1", "k2", "k3"]) put(m, k, 7n);
  put(m, "other");
  const before = m.kv.currentRevision();
  const { response, events } = m.lessor.revoke(7n);
  assert.is(m.kv.currentRevision(), before + 1);
  assert.is(response.header.revision, before + 1);
  assert.equal(events.map((e) => [e.type, dec.decode(e.kv.key), e.kv.mod_revision]), [
    [EventType.DELETE, "k1", before + 1],
    [EventType.DELETE, "k2", before + 1],
    [EventType.DELETE, "k3", before + 1],
  ]);
  assert.is(m.kv.range({ key: b("k"), range_end: b("l") }).count, 0);
  assert.is(m.kv.range({ key: b("other") }).count, 1);
  assert.not.ok(m.lessor.has(7n));
  assert.equal(m.lessor.timeToLive({ ID: 7n }, 0), {
    header: m.lessor.timeToLive({ ID: 7n }, 0).header, ID: 7n, TTL: -1, grantedTTL: 0, keys: [],
  });
  expectEtcdError(() => m.lessor.revoke(7n), "etcdserver: requested lease not found");
  // a lease without keys takes no revision
  m.lessor.grant(8n, 30);
  m.lessor.revoke(8n);
  assert.is(m.kv.currentRevision(), before + 1);
});

test("leader expiry revokes the lease's keys; followers never expire on their own", () => {
  const leader = member();
  const follower = member();
  for (const m of [leader, follower]) {
    m.lessor.grant(5n, 10);
    put(m, "x", 5n);
  }
  assert.throws(() => follower.lessor.expiredLeases(60_000), (e: unknown) => (e as EtcdError).message.includes("not leader"));
  leader.lessor.promote(0);
  const early = runLeader(leader, 0, 9_500, 500);
  assert.equal(early, []);
  const revoked = runLeader(leader, 10_000, 10_000, 500);
  assert.is(revoked.length, 1);
  assert.equal(revoked[0]!.map((e) => [e.type, dec.decode(e.kv.key)]), [[EventType.DELETE, "x"]]);
  assert.not.ok(leader.lessor.has(5n));
  assert.ok(follower.lessor.has(5n)); // until the revoke entry reaches it
});

test("keep-alive keeps a lease past its TTL; it expires a TTL after the last keep-alive", () => {
  const m = member();
  m.lessor.grant(5n, 3);
  put(m, "held", 5n);
  m.lessor.promote(0);
  let now = 0;
  for (; now <= 20_000; now += 500) {
    if (now % 1_000 === 0) assert.is(m.lessor.renew(5n, now), 3);
    assert.equal(m.lessor.expiredLeases(now), [], `expired at ${now}`);
  }
  assert.is(m.lessor.timeToLive({ ID: 5n }, now).TTL, 2); // last renew at 20 000, now 20 500: 2.5 s → 2
  const lastRenewMs = 20_000;
  const revoked = runLeader(m, now, lastRenewMs + 5_000, 500);
  assert.is(revoked.length, 1);
  assert.not.ok(m.lessor.has(5n));
  expectEtcdError(() => m.lessor.renew(5n, lastRenewMs + 5_000), "etcdserver: requested lease not found");
});

test("a lease granted while leader starts its clock at the next leader call; a lost revoke is retried", () => {
  const m = member();
  m.lessor.promote(0);
  m.lessor.grant(9n, 2); // applied between 0 and 500: the clock starts at 500 (late, never early)
  assert.equal(tickTo(m.lessor, 500, 2_000), []);
  assert.equal(m.lessor.expiredLeases(2_500), [9n]);
  // the revoke was lost: not reported again while it could be in flight, but after the retry interval
  assert.equal(tickTo(m.lessor, 3_000, 5_000), []);
  assert.equal(m.lessor.expiredLeases(5_500), [9n]);
  // an expired lease cannot be revived by a late keep-alive while its revoke is on the way
  expectEtcdError(() => m.lessor.renew(9n, 5_600), "etcdserver: requested lease not found");
  assert.is(m.lessor.timeToLive({ ID: 9n }, 5_600).TTL, -3); // 3.1 s past its expiry, truncated as etcd
  m.lessor.revoke(9n);
  assert.equal(tickTo(m.lessor, 6_000, 12_000), []);
});

test("checkpoints survive a leader change: the new leader restores the remaining TTL", () => {
  // Two members share nothing but the log: every entry is applied to both.
  const a = member();
  const c = member();
  for (const m of [a, c]) m.lessor.grant(20n, 60);
  a.lessor.promote(0);
  // Leader a runs 10 s; checkpoints are due every 5 s and are applied on both.
  let checkpointed = 0;
  for (let now = 0; now <= 10_000; now += 500) {
    assert.equal(a.lessor.expiredLeases(now), []);
    for (const cp of a.lessor.checkpoints(now)) {
      for (const m of [a, c]) m.lessor.checkpoint(cp.id, cp.remainingMs);
      checkpointed += 1;
    }
  }
  assert.is(checkpointed, 2); // at 5 s and 10 s
  a.lessor.demote();
  // c becomes leader at 12 s (its own clock: 0 again, a fresh process) from the 10 s checkpoint: 50 s left.
  c.lessor.promote(0);
  assert.is(c.lessor.timeToLive({ ID: 20n }, 0).TTL, 50);
  assert.equal(tickTo(c.lessor, 0, 49_900), []);
  // …and the lessor rebuilt from the database (a restarted member) sees the same checkpoint.
  const restarted = new Lessor(c.db, c.kv, { minTtlS: 2 });
  restarted.promote(1_000);
  assert.is(restarted.timeToLive({ ID: 20n }, 1_000).TTL, 50);
  assert.equal(tickTo(restarted, 1_000, 50_999), []);
  assert.equal(restarted.expiredLeases(51_000), [20n]);
});

test("a keep-alive makes the next checkpoint due at once (a stale checkpoint would shorten the lease)", () => {
  const m = member();
  m.lessor.grant(30n, 60);
  m.lessor.promote(0);
  tickTo(m.lessor, 0, 5_000);
  for (const cp of m.lessor.checkpoints(5_000)) m.lessor.checkpoint(cp.id, cp.remainingMs);
  assert.is(m.lessor.timeToLive({ ID: 30n }, 5_000).TTL, 55);
  m.lessor.renew(30n, 6_000);
  const due = m.lessor.checkpoints(6_000);
  assert.equal(due, [{ id: 30n, remainingMs: 60_000 }]);
  for (const cp of due) m.lessor.checkpoint(cp.id, cp.remainingMs);
  m.lessor.demote();
  m.lessor.promote(0);
  assert.is(m.lessor.timeToLive({ ID: 30n }, 0).TTL, 60);
});

test("promote extends every lease; a lease never checkpointed restarts at its full TTL", () => {
  const m = member();
  m.lessor.grant(40n, 5);
  m.lessor.promote(100, { extendMs: 1_000 });
  assert.equal(tickTo(m.lessor, 100, 6_000), []);
  assert.equal(m.lessor.expiredLeases(6_100), [40n]);
});

test("stall protection: a leader that did not run for longer than the threshold revokes nothing", () => {
  const m = member();
  m.lessor.grant(50n, 4);
  m.lessor.promote(0);
  m.lessor.renew(50n, 0);
  for (let now = 500; now <= 3_000; now += 500) assert.equal(m.lessor.expiredLeases(now), []);
  // The loop was blocked (a slow fsync) from 3 s to 13 s: the lease's holder could not renew.
  assert.equal(m.lessor.expiredLeases(13_000), []);
  assert.is(m.lessor.stalledMs, 10_000);
  // The holder renews right after the stall: it keeps the lease.
  m.lessor.renew(50n, 13_100);
  assert.equal(runLeader(m, 13_500, 17_000, 500), []);
  // Without renewals it expires a TTL after the last one.
  assert.equal(runLeader(m, 17_100, 17_100, 500).length, 1);
});

test("a keep-alive after the expiry time but before the leader noticed is refused too", () => {
  const m = member();
  m.lessor.grant(11n, 2);
  m.lessor.promote(0);
  tickTo(m.lessor, 0, 1_500);
  expectEtcdError(() => m.lessor.renew(11n, 2_000), "etcdserver: requested lease not found");
  assert.equal(m.lessor.expiredLeases(2_000), [11n]);
});

test("stall protection also covers a measured slow persist (extendAll)", () => {
  const m = member();
  m.lessor.grant(60n, 2);
  m.lessor.promote(0);
  m.lessor.extendAll(700);
  assert.equal(tickTo(m.lessor, 0, 2_500), []);
  assert.equal(m.lessor.expiredLeases(2_700), [60n]);
});

test("time going backwards on the leader is a bug, caught", () => {
  const m = member();
  m.lessor.promote(1_000);
  m.lessor.grant(70n, 10);
  assert.throws(() => m.lessor.expiredLeases(500), /backwards/);
});

test("expiry is bounded per call; the rest come on later calls, oldest first", () => {
  const db = openDatabase(":memory:", { durable: false });
  let lessor: Lessor | undefined;
  const kv = new MvccStore(db, { hasLease: (id) => lessor!.has(id) });
  lessor = new Lessor(db, kv, { minTtlS: 1, timers: { maxExpiredPerCall: 3 } });
  for (let i = 1; i <= 7; i++) lessor.grant(BigInt(i), i <= 3 ? 10 : 5);
  lessor.promote(0);
  assert.equal(tickTo(lessor, 0, 4_500), []);
  // 5 s: the four 5 s leases are due, three reported; the fourth on the next call
  const first = lessor.expiredLeases(5_000);
  assert.equal(first, [4n, 5n, 6n]);
  for (const id of first) lessor.revoke(id);
  assert.equal(lessor.expiredLeases(5_500), [7n]);
  lessor.revoke(7n);
  assert.equal(tickTo(lessor, 6_000, 9_500), []);
  const second = lessor.expiredLeases(10_000);
  assert.equal(second, [1n, 2n, 3n]);
  for (const id of second) lessor.revoke(id);
  assert.equal(tickTo(lessor, 10_500, 20_000), []);
  
});

test("the leader lists leases soonest expiry first; others by id", () => {
  const m = member();
  m.lessor.grant(1n, 30);
  m.lessor.grant(2n, 10);
  m.lessor.grant(3n, 20);
  assert.equal(m.lessor.leases().leases.map((l) => l.ID), [1n, 2n, 3n]);
  m.lessor.promote(0);
  assert.equal(m.lessor.leases(0).leases.map((l) => l.ID), [2n, 3n, 1n]);
  tickTo(m.lessor, 0, 9_500);
  m.lessor.renew(2n, 9_500); // now expires at 19.5 s, before 3's 20 s
  assert.equal(m.lessor.leases(9_600).leases.map((l) => l.ID), [2n, 3n, 1n]);
  tickTo(m.lessor, 10_000, 15_000);
  m.lessor.renew(2n, 15_000); // 25 s: after 3
  assert.equal(m.lessor.leases(15_100).leases.map((l) => l.ID), [3n, 2n, 1n]);
});

test("apply is deterministic: members applying the same entries hold the same lease and key state", () => {
  const members = [member(), member()];
  const dump = (m: Member): string =>
    JSON.stringify({
      leases: m.lessor.leases().leases.map((l) => m.lessor.timeToLive({ ID: l.ID, keys: true }, 0)),
      rev: m.kv.currentRevision(),
    }, (_k, v) => (typeof v === "bigint" ? v.toString() : v instanceof Uint8Array ? dec.decode(v) : v));
  for (const m of members) {
    m.lessor.grant(1n, 10);
    m.lessor.grant(2n, 20);
    put(m, "a", 1n);
    put(m, "b", 2n);
    put(m, "c", 1n);
    m.lessor.checkpoint(2n, 15_000);
    m.lessor.applyEvents(m.kv.deleteRange({ key: b("c") }).events);
    m.lessor.revoke(1n);
    m.lessor.checkpoint(1n, 5_000); // after its revoke: ignored
  }
  // one member is leader and runs clocks; it must not change what apply produced
  members[0]!.lessor.promote(0);
  members[0]!.lessor.renew(2n, 100);
  members[0]!.lessor.demote();
  assert.is(dump(members[0]!), dump(members[1]!));
  assert.match(dump(members[0]!), /"grantedTTL":20,"keys":\["b"\]/);
  assert.match(dump(members[0]!), /"TTL":15/);
});

test("lease ids beyond 2^53 and negative ones are stored exactly", () => {
  const m = member();
  const big = (1n << 63n) - 1n;
  m.lessor.grant(big, 10);
  m.lessor.grant(-5n, 10);
  put(m, "k", big);
  assert.equal(m.lessor.leases().leases.map((l) => l.ID), [-5n, big]);
  assert.equal(keysOf(m, big), ["k"]);
  assert.is(m.kv.range({ key: b("k") }).kvs[0]!.lease, big);
});

test.run();
