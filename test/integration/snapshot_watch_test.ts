// A watch on a follower that falls so far behind that the leader sends it a snapshot (3 real members,
// --snapshot-count 50, the follower SIGKILLed while 300 writes pass, then restarted): the client's watch
// reconnects to it, and once it installs the snapshot its watchers are caught up from history — every
// event once, in order, none skipped by the jump.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { connect } from "../../src/client/mod.ts";
import type { Event } from "../../src/codec/messages.ts";
import { Cluster, sleep } from "./procs.ts";

let cluster: Cluster;

test.before(async () => {
  cluster = new Cluster(3, { extraArgs: ["--snapshot-count", "50"] });
  await cluster.start(30_000);
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

test("a follower's watch survives the follower's snapshot install and misses nothing", async () => {
  const leader = await cluster.waitForLeader();
  const follower = cluster.members.find((m) => m !== leader)!;
  const writer = connect({ endpoints: [leader.clientUrl], commandTimeoutMs: 5_000 });
  const from = (await writer.get("sw/", { prefix: true })).header.revision + 1;
  const watchClient = connect({ endpoints: [follower.clientUrl] });
  const controller = new AbortController();
  const seen: Event[] = [];
  const watching = (async () => {
    for await (const e of watchClient.watch("sw/", { prefix: true, startRevision: from, signal: controller.signal })) seen.push(e);
  })();
  try {
    await scenario();
  } finally {
    controller.abort();
    await watching.catch(() => {});
  }

  async function scenario(): Promise<void> {
    for (let i = 0; i < 5; i++) await writer.put(`sw/${i}`, "a");
    await until(() => seen.length === 5, 5_000, "events before the pause");

    await cluster.kill(follower);
    const total = 305;
    await Promise.all(Array.from({ length: 10 }, async (_, w) => {
      for (let i = 5 + w; i < total; i += 10) await writer.put(`sw/${i}`, "b");
    }));
    assert.not.ok(existsSync(join(follower.dataDir, "snapshot.db")), "no snapshot received before the restart");
    // The others are paused while the follower restarts, so a watch can be created on it before the leader
    // sends the snapshot: the store then jumps past the watch's start revision in one step.
    const others = cluster.members.filter((m) => m !== follower);
    for (const m of others) cluster.signal(m, "SIGSTOP");
    let early: ReadableStreamDefaultReader<Uint8Array>;
    const earlyAbort = new AbortController();
    try {
      cluster.restart(follower);
      const deadline = Date.now() + 10_000;
      for (;;) {
        if ((await cluster.status(follower, 300)) !== undefined) break;
        if (Date.now() > deadline) throw new Error(`the follower did not come back\n${cluster.logs()}`);
        await sleep(50);
      }
      const key = Buffer.from("sw/").toString("base64");
      const end = Buffer.from("sw0").toString("base64");
      const response = await fetch(follower.clientUrl + "/v3/watch", {
        method: "POST",
        body: JSON.stringify({ create_request: { key, range_end: end, start_revision: String(from + 5) } }),
        signal: earlyAbort.signal,
      });
      early = response.body!.getReader() as ReadableStreamDefaultReader<Uint8Array>;
      const created = new TextDecoder().decode((await early.read()).value);
      assert.match(created, '"created":true');
      assert.not.ok(existsSync(join(follower.dataDir, "snapshot.db")), "no snapshot before the others continue");
    } finally {
      for (const m of others) cluster.signal(m, "SIGCONT");
    }
    const earlyRevisions: number[] = [];
    let buffered = "";
    const giveUp = setTimeout(() => earlyAbort.abort(), 20_000);
    for (let i = 0; i < 10_000 && earlyRevisions.length < total - 5; i++) {
      const chunk = await early!.read().catch(() => ({ done: true as const, value: undefined }));
      if (chunk.done) break;
      buffered += new TextDecoder().decode(chunk.value);
      const lines = buffered.split("\n");
      buffered = lines.pop()!;
      for (const line of lines) {
        const result = (JSON.parse(line) as { result: { events?: { kv: { mod_revision: string } }[] } }).result;
        for (const event of result.events ?? []) earlyRevisions.push(Number(event.kv.mod_revision));
      }
    }
    clearTimeout(giveUp);
    earlyAbort.abort();
    assert.equal(earlyRevisions, Array.from({ length: total - 5 }, (_, i) => from + 5 + i), "the watch created before the snapshot");
    await until(() => seen.length >= total, 20_000, `all ${total} events on the follower's watch (have ${seen.length})`);
    const revisions = seen.map((e) => e.kv.mod_revision);
    assert.equal(revisions, Array.from({ length: total }, (_, i) => from + i), "every revision once, in order");
    // The leader's log no longer held what the follower missed: it was sent a snapshot (saved as snapshot.db).
    assert.ok(existsSync(join(follower.dataDir, "snapshot.db")), "the follower received a snapshot");
  }
});

test.run();
