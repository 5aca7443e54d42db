// The lease client and the concurrency recipes against a real single-member server (test/lease/member.ts:
// Raft, the real lessor expiring leases through the log, the real routes), a fresh one per test. Raft timing
// 50 ms / 500 ms makes the minimum lease TTL 1 s, so expiries take about a second.
import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  type DeleteWaiter,
  Election,
  Mutex,
  observeLeader,
  pollingDeleteWaiter,
  Session,
  watchingDeleteWaiter,
} from "../../src/client/concurrency.ts";
import { LeaseClient } from "../../src/client/lease.ts";
import { type Client, connect } from "../../src/client/mod.ts";
import { EtcdError } from "../../src/codec/errors.ts";
import { CompareResult, CompareTarget } from "../../src/codec/messages.ts";
import { type LeaseMember, startMember, takeTestPort } from "./member.ts";

const dec = new TextDecoder();
const enc = new TextEncoder();
const FAST = { heartbeatMs: 50, electionMs: 500 };

let member: LeaseMember;
let client: Client;

test.before.each(async () => {
  member = await startMember(FAST);
  client = connect({ endpoints: [member.endpoint], commandTimeoutMs: 3_000 });
});
test.after.each(async () => {
  await member.close();
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * The real server always serves watch, so "a server without watch" cannot be made of it: this is an HTTP
 * proxy in front of the real member that forwards every unary call and answers POST /v3/watch with 404, as
 * a server (or a gateway) without the route does. It counts the watch requests it refused.
 */
function startNoWatchProxy(upstream: string): { endpoint: string; watchCalls: () => number; stop: () => Promise<void> } {
  let watchCalls = 0;
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: takeTestPort(),
    async fetch(request: Request): Promise<Response> {
      const path = new URL(request.url).pathname;
      if (path === "/v3/watch") {
        watchCalls += 1;
        return new Response("not found", { status: 404 });
      }
      const forwarded = await fetch(`http://${upstream}${path}`, {
        method: request.method,
        headers: { "content-type": request.headers.get("content-type") ?? "application/cbor" },
        body: await request.arrayBuffer(),
      });
      const headers = { "content-type": forwarded.headers.get("content-type") ?? "application/cbor" };
      return new Response(await forwarded.arrayBuffer(), { status: forwarded.status, headers });
    },
  });
  return { endpoint: `127.0.0.1:${server.port}`, watchCalls: () => watchCalls, stop: () => server.stop(true) };
}

/** The default waiter (a watch, polling as fallback), counting waits and how many fell back to polling. */
function countingWaiter(c: Client): { waiter: DeleteWaiter; waits: () => number; polls: () => number } {
  let waits = 0;
  let polls = 0;
  const poll = pollingDeleteWaiter(c, 20);
  const fallback: DeleteWaiter = (key, rev, o) => {
    polls += 1;
    return poll(key, rev, o);
  };
  const watching = watchingDeleteWaiter(c, fallback);
  const waiter: DeleteWaiter = (key, rev, o) => {
    waits += 1;
    return watching(key, rev, o);
  };
  return { waiter, waits: () => waits, polls: () => polls };
}

test("grant, time-to-live with keys, list, revoke deletes the keys", async () => {
  const leases = new LeaseClient(client);
  const granted = await leases.grant(30);
  assert.ok(granted.ID > 0n);
  assert.is(granted.TTL, 30);
  await client.put("a", "1", { lease: granted.ID });
  await client.put("b", "2", { lease: granted.ID });
  const ttl = await leases.timeToLive(granted.ID, { keys: true });
  assert.is(ttl.grantedTTL, 30);
  assert.ok(ttl.TTL >= 29 && ttl.TTL <= 30, `TTL ${ttl.TTL}`);
  assert.equal(ttl.keys.map((k) => dec.decode(k)), ["a", "b"]);
  assert.equal((await leases.leases()).leases.map((l) => l.ID), [granted.ID]);
  const chosen = await leases.grant(5, { id: 0x1234n });
  assert.is(chosen.ID, 0x1234n);
  try {
    await leases.grant(5, { id: 0x1234n });
    assert.unreachable("duplicate id");
  } catch (error) {
    assert.is((error as EtcdError).message, "etcdserver: lease already exists");
  }
  await leases.revoke(granted.ID);
  assert.is((await client.get("a", { prefix: false })).count, 0);
  assert.is((await leases.timeToLive(granted.ID)).TTL, -1);
});

test("keep-alive renews at a third of the TTL and keeps the lease past its TTL; it expires after close", async () => {
  const leases = new LeaseClient(client);
  const { ID } = await leases.grant(1);
  await client.put("held", "x", { lease: ID });
  const keepAlive = leases.keepAlive(ID);
  const responses: number[] = [];
  const started = Date.now();
  for await (const response of keepAlive) {
    responses.push(response.TTL);
    if (Date.now() - started > 2_500) break; // 2.5 TTLs
  }
  assert.ok(responses.length >= 5, `only ${responses.length} renewals in 2.5 s at TTL 1 s`);
  assert.ok(responses.every((ttl) => ttl === 1));
  assert.is((await client.get("held")).count, 1);
  assert.is(await keepAlive.done, "closed");
  await sleep(1_500);
  assert.is((await client.get("held")).count, 0, "the lease expired once no longer renewed");
});

test("keep-alive survives a short outage of the member (a real restart); reports expiry when the lease is gone", async () => {
  // A short command timeout, so a renewal sent during the outage fails instead of waiting it out.
  const leases = new LeaseClient(connect({ endpoints: [member.endpoint], commandTimeoutMs: 250 }));
  const { ID } = await leases.grant(3);
  const retries: unknown[] = [];
  const keepAlive = leases.keepAlive(ID, { onRetry: (e) => retries.push(e) });
  let renewals = 0;
  const drained = (async () => {
    for await (const _ of keepAlive) renewals += 1;
  })();
  for (let i = 0; i < 60 && renewals < 2; i++) await sleep(50);
  assert.is(renewals, 2, "two renewals before the outage");
  // Right after a renewal, the member stops and starts again on its data dir, down for 1.5 s (shorter than
  // the 3 s TTL): the next renewal falls in the outage and fails, the restarted leader resumes the lease,
  // and a retry renews it.
  await member.restart(1_500);
  for (let i = 0; i < 60 && renewals < 3; i++) await sleep(50);
  assert.ok(retries.length >= 1, "renewals failed during the outage");
  assert.ok(renewals >= 3, `renewed after the outage (${renewals} renewals)`);
  const ttl = await leases.timeToLive(ID);
  assert.is(ttl.grantedTTL, 3, "lease still alive");
  await leases.revoke(ID);
  assert.is(await keepAlive.done, "expired");
  await drained;
});

test("mutex: five contenders increment a shared counter with no overlap, in arrival order", async () => {
  let inside = 0;
  let maxInside = 0;
  let counter = 0;
  const order: number[] = [];
  const revisions: number[] = [];
  const counted = countingWaiter(client);
  async function worker(n: number): Promise<void> {
    const session = await Session.create(client, { ttlS: 5, pollIntervalMs: 20, waitForDelete: counted.waiter });
    const mutex = new Mutex(session, "locks/counter");
    for (let round = 0; round < 3; round++) {
      await mutex.lock();
      inside += 1;
      maxInside = Math.max(maxInside, inside);
      order.push(n);
      revisions.push(mutex.revision);
      const read = counter;
      await sleep(5);
      counter = read + 1;
      inside -= 1;
      await mutex.unlock();
    }
    await session.close();
  }
  await Promise.all([0, 1, 2, 3, 4].map(worker));
  assert.is(counter, 15);
  assert.is(maxInside, 1);
  assert.is(order.length, 15);
  for (let i = 1; i < revisions.length; i++) assert.ok(revisions[i]! > revisions[i - 1]!, "fencing tokens grow");
  assert.is((await client.get("locks/", { prefix: true })).count, 0, "every key released");
  assert.ok(counted.waits() > 0, "waiters waited for their predecessor");
  assert.is(counted.polls(), 0, "every wait ended on the watch, none fell back to polling");
});

test("mutex: without a watch (a proxy refusing /v3/watch), waiters fall back to polling their predecessor", async () => {
  const proxy = startNoWatchProxy(member.endpoint);
  try {
    const c = connect({ endpoints: [proxy.endpoint], commandTimeoutMs: 3_000 });
    const a = await Session.create(c, { ttlS: 5, pollIntervalMs: 20 });
    const counted = countingWaiter(c);
    const b = await Session.create(c, { ttlS: 5, pollIntervalMs: 20, waitForDelete: counted.waiter });
    const ma = new Mutex(a, "nowatch");
    await ma.lock();
    let bLocked = false;
    const locking = new Mutex(b, "nowatch").lock().then(() => (bLocked = true));
    await sleep(150);
    assert.is(bLocked, false);
    await ma.unlock();
    await locking;
    assert.ok(proxy.watchCalls() >= 1, "a watch was tried first");
    assert.is(counted.polls(), 1, "the wait fell back to polling");
    await a.close();
    await b.close();
  } finally {
    await proxy.stop();
  }
});

test("lock hand-over through a watch is prompt", async () => {
  const a = await Session.create(client, { ttlS: 5, pollIntervalMs: 5_000 }); // polling would take seconds
  const b = await Session.create(client, { ttlS: 5, pollIntervalMs: 5_000 });
  const ma = new Mutex(a, "prompt");
  await ma.lock();
  const locking = new Mutex(b, "prompt").lock();
  await sleep(100);
  const releasedMs = performance.now();
  await ma.unlock();
  await locking;
  const handoverMs = performance.now() - releasedMs;
  assert.ok(handoverMs < 1_000, `hand-over took ${handoverMs.toFixed(0)} ms`);
  await a.close();
  await b.close();
});

test("mutex: a waiter polls only its predecessor (no thundering herd)", async () => {
  const holder = await Session.create(client, { ttlS: 5 });
  const first = new Mutex(holder, "herd");
  await first.lock();
  const waited: string[] = [];
  const poll = pollingDeleteWaiter(client, 20);
  const recordingWaiter = (key: Uint8Array, rev: number, o: { signal?: AbortSignal }): Promise<void> => {
    waited.push(dec.decode(key));
    return poll(key, rev, o);
  };
  const waiters = await Promise.all([1, 2, 3].map(() => Session.create(client, { ttlS: 5, waitForDelete: recordingWaiter })));
  const mutexes = waiters.map((session) => new Mutex(session, "herd"));
  const locks = mutexes.map(async (m, i) => {
    await sleep(i * 30); // arrive in order
    await m.lock();
    await sleep(20);
    await m.unlock();
  });
  await sleep(200);
  const queue = [first.key, ...mutexes.map((m) => m.key)].map((k) => dec.decode(k));
  // each waiter waited on exactly the key before its own
  assert.equal(waited, queue.slice(0, 3));
  await first.unlock();
  await Promise.all(locks);
  assert.equal(waited, queue.slice(0, 3), "a release woke no one but the next in line");
  for (const s of [holder, ...waiters]) await s.close();
});

test("mutex: a holder whose session dies loses the lock to the next; fencing on the revision refuses it", async () => {
  const a = await Session.create(client, { ttlS: 1, pollIntervalMs: 20 });
  const b = await Session.create(client, { ttlS: 5, pollIntervalMs: 20 });
  const ma = new Mutex(a, "fence");
  const mb = new Mutex(b, "fence");
  await ma.lock();
  const tokenA = ma.revision;
  const bLocked = mb.lock();
  a.orphan(); // a "pauses": its keep-alive stops, the lease runs out
  await bLocked;
  assert.ok(mb.revision > tokenA);
  assert.is(await a.done, "closed");
  // a resumes and writes guarded by its token: refused
  const stale = await client.txn({
    compare: [{ key: ma.key, target: CompareTarget.CREATE, result: CompareResult.EQUAL, create_revision: tokenA }],
    success: [{ request_put: { key: enc.encode("resource"), value: enc.encode("from a") } }],
  });
  assert.is(stale.succeeded, false);
  const fresh = await client.txn({
    compare: [{ key: mb.key, target: CompareTarget.CREATE, result: CompareResult.EQUAL, create_revision: mb.revision }],
    success: [{ request_put: { key: enc.encode("resource"), value: enc.encode("from b") } }],
  });
  assert.is(fresh.succeeded, true);
  await mb.unlock();
  await b.close();
});

test("mutex and election: a waiter whose lease expired while waiting is told so, not given the lock", async () => {
  const holder = await Session.create(client, { ttlS: 5, pollIntervalMs: 20 });
  const doomed = await Session.create(client, { ttlS: 1, pollIntervalMs: 20 });
  const held = new Mutex(holder, "expiring");
  await held.lock();
  const waiting = new Mutex(doomed, "expiring").lock();
  const leader = new Election(holder, "expiring-e");
  await leader.campaign("a");
  const candidate = new Election(doomed, "expiring-e").campaign("b");
  doomed.orphan();
  await sleep(1_800); // the waiter's lease expires; its keys go
  await held.unlock();
  await leader.resign();
  await waiting.then(() => assert.unreachable("lock granted to an expired session"), (e) =>
    assert.is(e.message, "session expired"));
  await candidate.then(() => assert.unreachable("leadership granted to an expired session"), (e) =>
    assert.is(e.message, "session expired"));
  await holder.close();
});

test("mutex: cancelling a waiting lock removes its key", async () => {
  const a = await Session.create(client, { ttlS: 5 });
  const b = await Session.create(client, { ttlS: 5, pollIntervalMs: 20 });
  const ma = new Mutex(a, "cancel");
  await ma.lock();
  const abort = new AbortController();
  const waiting = new Mutex(b, "cancel").lock({ signal: abort.signal });
  await sleep(100);
  abort.abort();
  await waiting.then(() => assert.unreachable("lock should fail"), (e) => assert.instance(e, EtcdError));
  assert.is((await client.get("cancel/", { prefix: true })).count, 1, "only the holder's key remains");
  await ma.unlock();
  await a.close();
  await b.close();
});

test("election: campaign waits its turn, proclaim, leader, resign hands over, observe sees each leader", async () => {
  const s1 = await Session.create(client, { ttlS: 5, pollIntervalMs: 20 });
  const s2 = await Session.create(client, { ttlS: 5, pollIntervalMs: 20 });
  const e1 = new Election(s1, "elect/x");
  const e2 = new Election(s2, "elect/x");
  const abort = new AbortController();
  const seen: string[] = [];
  const observing = (async () => {
    for await (const kv of observeLeader(client, "elect/x", 20, abort.signal)) seen.push(dec.decode(kv.value));
  })();
  try {
    await e1.leader();
    assert.unreachable("no leader yet");
  } catch (error) {
    assert.is((error as Error).message, "election: no leader");
  }
  await e1.campaign("one");
  let e2Leader = false;
  const second = e2.campaign("two").then(() => (e2Leader = true));
  await sleep(150);
  assert.is(e2Leader, false);
  assert.is(dec.decode((await e2.leader()).value), "one");
  await e1.proclaim("one-b");
  await sleep(100);
  await e1.resign();
  await second;
  assert.is(dec.decode((await e1.leader()).value), "two");
  await e1.proclaim("late").then(() => assert.unreachable("resigned"), (e) => assert.is(e.message, "election: not leader"));
  await sleep(100);
  abort.abort();
  await observing;
  assert.equal(seen, ["one", "one-b", "two"]);
  await e2.resign();
  await s1.close();
  await s2.close();
});

test.run();
