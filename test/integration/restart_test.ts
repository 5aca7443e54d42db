// A single real `tsetcd server` SIGKILLed and restarted on its data dir: a client watch reconnects and
// resumes at its last revision + 1 (every event once, in order), leases and their keys survive with their
// clocks restarted from the persisted state, and a short lease still expires after the restart.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { connect } from "../../src/client/mod.ts";
import { LeaseClient } from "../../src/client/lease.ts";
import type { Event } from "../../src/codec/messages.ts";
import { Cluster, sleep } from "./procs.ts";

let cluster: Cluster;

test.before(async () => {
  cluster = new Cluster(1);
  await cluster.start();
});
test.after(async () => {
  await cluster.close();
});

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}\n${cluster.logs()}`);
    await sleep(50);
  }
}

test("kill -9 and restart: the watch resumes without gaps or repeats, leases survive and still expire", async () => {
  const member = cluster.members[0]!;
  const client = connect({ endpoints: cluster.endpoints, commandTimeoutMs: 10_000 });
  const leases = new LeaseClient(client);
  const long = (await leases.grant(60)).ID;
  const short = (await leases.grant(2)).ID;
  await client.put("rs/long", "1", { lease: long });
  await client.put("rs/short", "1", { lease: short });

  const from = (await client.get("rs/w/", { prefix: true })).header.revision + 1;
  const controller = new AbortController();
  const seen: Event[] = [];
  const watching = (async () => {
    for await (const e of client.watch("rs/w/", { prefix: true, startRevision: from, signal: controller.signal })) seen.push(e);
  })();
  for (let i = 0; i < 5; i++) await client.put(`rs/w/${i}`, "a");
  await until(() => seen.length === 5, 5_000, "events before the kill");
  await cluster.kill(member);
  cluster.restart(member);
  await cluster.waitForLeader(15_000);
  let last = 0;
  for (let i = 5; i < 10; i++) last = (await client.put(`rs/w/${i}`, "b")).header.revision;
  await until(() => seen.length > 0 && seen[seen.length - 1]!.kv.mod_revision >= last, 10_000, "events after the restart");
  controller.abort();
  await watching.catch(() => {});
  const keys = seen.map((e) => new TextDecoder().decode(e.kv.key));
  assert.equal(keys, Array.from({ length: 10 }, (_, i) => `rs/w/${i}`));
  const revisions = seen.map((e) => e.kv.mod_revision);
  assert.equal(revisions, [...new Set(revisions)].sort((a, b) => a - b));

  const ttl = await leases.timeToLive(long, { keys: true });
  assert.ok(ttl.TTL > 50 && ttl.grantedTTL === 60, `long lease TTL ${ttl.TTL}/${ttl.grantedTTL}`);
  assert.equal(ttl.keys.map((k) => new TextDecoder().decode(k)), ["rs/long"]);
  const deadline = Date.now() + 8_000;
  while ((await client.get("rs/short")).kvs.length > 0) {
    if (Date.now() > deadline) throw new Error("the short lease never expired after the restart");
    await sleep(200);
  }
  assert.is((await leases.timeToLive(short)).TTL, -1);
  assert.is((await client.get("rs/long")).kvs.length, 1);
});

test.run();
