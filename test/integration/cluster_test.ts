// Watch and leases on a real 3-member cluster of `tsetcd server` processes, across a leader SIGKILL:
// - a watch connected to the leader resumes on another member at its last revision + 1 and misses
//   nothing: its events equal the survivors' history, every acknowledged write among them, each once;
// - a lease kept alive through followers (which forward keep-alives to the leader) survives the leader
//   change, while a lease nobody keeps alive is expired by the new leader (followers never expire);
// - a new leader resumes a lease from its persisted checkpoint (the remaining TTL is kept, not reset);
// - no lease expires before its TTL (less EARLY_EXPIRY_TOLERANCE_MS), granted on the leader or across a
//   leader change.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { connect } from "../../src/client/mod.ts";
import { LeaseClient } from "../../src/client/lease.ts";
import type { Event } from "../../src/codec/messages.ts";
import { EventType } from "../../src/codec/messages.ts";
import { Cluster, type Member, sleep } from "./procs.ts";

/**
 * How much earlier than its TTL a lease may be seen to expire. The test reads the time before it sends the
 * grant; the leader starts the lease's clock only when the grant applies; a new leader restarts the clock
 * at its promotion from a remaining TTL checkpointed before it (so never sooner than the old leader would
 * have ended it); all on the same host's monotonic clock. A correct cluster is never early, and this covers
 * only the rounding of the timestamps. It is half a heartbeat (100 ms): a lessor that expired a lease even
 * one tick early fails.
 */
const EARLY_EXPIRY_TOLERANCE_MS = 50;
/** Etcd's extension of every lease when a new leader takes over: one election timeout (procs.ts: 1 s). */
const PROMOTE_EXTEND_MS = 1_000;

let cluster: Cluster;
let leader: Member;

test.before(async () => {
  cluster = new Cluster(3);
  leader = await cluster.start(30_000);
});
test.after(async () => {
  await cluster.close();
});

const dec = new TextDecoder();
function brief(e: Event): string {
  return `${e.type === EventType.DELETE ? "DELETE" : "PUT"} ${dec.decode(e.kv.key)}=${dec.decode(e.kv.value)}@${e.kv.mod_revision}`;
}

/** Puts until acknowledged (a write during the election may be refused); bounded in attempts. */
async function putAcked(client: ReturnType<typeof connect>, key: string, value: string): Promise<number> {
  let last: unknown;
  for (let attempt = 0; attempt < 40; attempt++) {
    try {
      return (await client.put(key, value)).header.revision;
    } catch (error) {
      last = error;
      await sleep(250);
    }
  }
  throw new Error(`put ${key} never acknowledged: ${last}\n${cluster.logs()}`);
}

/**
 * The first event under `prefix` from `startRevision` on, and when it arrived (performance.now()). The
 * watch starts at once; `arrived` waits for it, bounded in time.
 */
function firstEvent(
  client: ReturnType<typeof connect>,
  prefix: string,
  startRevision: number,
): { arrived: (timeoutMs: number) => Promise<{ event: Event; arrivedMs: number }> } {
  const controller = new AbortController();
  let first: { event: Event; arrivedMs: number } | undefined;
  const watching = (async () => {
    for await (const event of client.watch(prefix, { prefix: true, startRevision, signal: controller.signal })) {
      first = { event, arrivedMs: performance.now() };
      controller.abort();
    }
  })().catch(() => {});
  return {
    arrived: async (timeoutMs) => {
      try {
        await until(() => first !== undefined, timeoutMs, `an event under ${prefix}`);
      } finally {
        controller.abort();
        await watching;
      }
      return first!;
    },
  };
}

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}\n${cluster.logs()}`);
    await sleep(50);
  }
}

test("leader SIGKILL: the watch resumes elsewhere and misses nothing; a kept-alive lease survives", async () => {
  const followers = cluster.members.filter((m) => m !== leader);
  const writer = connect({ endpoints: followers.map((m) => m.clientUrl), commandTimeoutMs: 10_000 });
  const leases = new LeaseClient(connect({ endpoints: followers.map((m) => m.clientUrl), commandTimeoutMs: 10_000 }));

  // A 3 s lease kept alive through the followers, with a key on it; a second one left to expire.
  const kept = (await leases.grant(3)).ID;
  const keptRevision = (await writer.put("cl/kept", "x", { lease: kept })).header.revision;
  const keepAlive = leases.keepAlive(kept);
  const renewals = (async () => {
    let count = 0;
    for await (const _ of keepAlive) count += 1;
    return count;
  })();

  // The watch starts on the leader (first endpoint) from the next revision.
  const from = keptRevision + 1;
  const watchClient = connect({ endpoints: [leader.clientUrl, ...followers.map((m) => m.clientUrl)] });
  const controller = new AbortController();
  const seen: Event[] = [];
  const watching = (async () => {
    for await (const event of watchClient.watch("cw/", { prefix: true, startRevision: from, signal: controller.signal })) {
      seen.push(event);
    }
  })();

  const acked: string[] = [];
  for (let i = 0; i < 15; i++) acked.push(`cw/${i}@${await putAcked(writer, `cw/${i}`, `v${i}`)}`);
  await cluster.kill(leader);
  const killedAtMs = Date.now();
  for (let i = 15; i < 30; i++) acked.push(`cw/${i}@${await putAcked(writer, `cw/${i}`, `v${i}`)}`);
  const lastRevision = Number(acked[acked.length - 1]!.split("@")[1]);
  await until(() => seen.length > 0 && seen[seen.length - 1]!.kv.mod_revision >= lastRevision, 15_000, "watch catches up");
  controller.abort();
  await watching.catch(() => {});

  // Ordered and unique by revision; equal to the history a survivor replays; every acknowledged write in it.
  const revisions = seen.map((e) => e.kv.mod_revision);
  for (let i = 1; i < revisions.length; i++) assert.ok(revisions[i]! > revisions[i - 1]!, `order at ${i}: ${revisions}`);
  const history: Event[] = [];
  const replay = new AbortController();
  const survivor = connect({ endpoints: [followers[0]!.clientUrl] });
  for await (const event of survivor.watch("cw/", { prefix: true, startRevision: from, signal: replay.signal })) {
    history.push(event);
    if (event.kv.mod_revision >= lastRevision) replay.abort();
  }
  assert.equal(seen.map(brief), history.map(brief));
  const seenKeys = new Set(seen.map((e) => `${dec.decode(e.kv.key)}@${e.kv.mod_revision}`));
  for (const write of acked) assert.ok(seenKeys.has(write), `acknowledged ${write} missing from the watch`);

  // The kept lease outlived its TTL across the leader change (3 s TTL, at least 4 s since the kill).
  await sleep(Math.max(0, 4_000 - (Date.now() - killedAtMs)));
  const ttl = await leases.timeToLive(kept, { keys: true });
  assert.ok(ttl.TTL > 0, `lease TTL ${ttl.TTL} after the leader change`);
  assert.is((await writer.get("cl/kept")).kvs.length, 1, "the kept lease's key is still there");
  keepAlive.close();
  assert.ok((await renewals) >= 2, "renewed more than once");
});

test("a lease nobody keeps alive is expired by the new leader, with a DELETE event", async () => {
  const survivors = cluster.members.filter((m) => m.child !== undefined);
  const client = connect({ endpoints: survivors.map((m) => m.clientUrl), commandTimeoutMs: 10_000 });
  const leases = new LeaseClient(client);
  const grantSentMs = performance.now();
  const id = (await leases.grant(2)).ID;
  const revision = (await client.put("cx/a", "1", { lease: id })).header.revision;
  const expiry = firstEvent(client, "cx/", revision + 1);
  const { event, arrivedMs } = await expiry.arrived(10_000);
  // The first cx/ event is the expiry; its revision need not be revision + 1: the previous test's kept
  // lease, no longer renewed, may expire in between and take a revision of its own.
  assert.match(brief(event), /^DELETE cx\/a=@\d+$/);
  assert.ok(event.kv.mod_revision > revision, `expiry at ${event.kv.mod_revision}, put at ${revision}`);
  const livedMs = arrivedMs - grantSentMs;
  assert.ok(livedMs < 8_000, `expired ${livedMs.toFixed(0)} ms after the grant`);
  assert.ok(livedMs >= 2_000 - EARLY_EXPIRY_TOLERANCE_MS, `a 2 s lease expired ${livedMs.toFixed(0)} ms after its grant was sent`);
  assert.is((await leases.timeToLive(id)).TTL, -1);
});

test("a leader change resumes a lease from its checkpoint: the remaining TTL is kept, not reset", async () => {
  const killed = cluster.members.find((m) => m.child === undefined)!;
  cluster.restart(killed);
  leader = await cluster.waitForLeader(15_000);
  const others = cluster.members.filter((m) => m !== leader);
  const client = connect({ endpoints: others.map((m) => m.clientUrl), commandTimeoutMs: 10_000 });
  const leases = new LeaseClient(client);
  const grantSentMs = performance.now();
  const id = (await leases.grant(30)).ID;
  // A second lease, with a key, that must expire only after the leader change and not before its 10 s.
  const shortTtlS = 10;
  const shortId = (await leases.grant(shortTtlS)).ID;
  const shortRevision = (await client.put("cy/a", "1", { lease: shortId })).header.revision;
  const shortExpiry = firstEvent(client, "cy/", shortRevision + 1);
  // Past one checkpoint interval (5 s): the leader has persisted remaining TTLs of about 25 s and 5 s.
  await sleep(6_000);
  await cluster.kill(leader);
  await cluster.waitForLeader(15_000);
  const newLeaderMs = performance.now();
  const ttl = await leases.timeToLive(id);
  const elapsedS = (performance.now() - grantSentMs) / 1000;
  // etcd's default would restart the lease at 30 s; ours resumes ~25 s plus one election timeout (1 s).
  assert.ok(ttl.TTL > 0 && ttl.TTL <= 27, `TTL ${ttl.TTL} after ${elapsedS.toFixed(1)} s`);
  // And never less than what is left of 30 s since the grant was sent (whole seconds, truncated).
  assert.ok(ttl.TTL >= Math.floor(30 - elapsedS), `TTL ${ttl.TTL} after ${elapsedS.toFixed(1)} s: less than granted`);
  assert.is(ttl.grantedTTL, 30);

  // The short lease crossed the leader change: the new leader expires it, no earlier than its TTL, and no
  // later than a full TTL plus the promotion's extension from the moment the new leader was known.
  const { event, arrivedMs } = await shortExpiry.arrived(shortTtlS * 1000 + PROMOTE_EXTEND_MS + 5_000);
  assert.is(brief(event).split("@")[0], "DELETE cy/a=");
  const livedMs = arrivedMs - grantSentMs;
  assert.ok(
    livedMs >= shortTtlS * 1000 - EARLY_EXPIRY_TOLERANCE_MS,
    `a ${shortTtlS} s lease expired ${livedMs.toFixed(0)} ms after its grant was sent, across a leader change`,
  );
  const lateMs = arrivedMs - newLeaderMs - (shortTtlS * 1000 + PROMOTE_EXTEND_MS);
  assert.ok(lateMs < 2_000, `expired ${lateMs.toFixed(0)} ms past a full TTL from the new leader`);
});

test.run();
