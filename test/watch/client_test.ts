// The client's watch over HTTP/CBOR: events in order, reconnect to another endpoint resuming at the last
// revision + 1 without gap or repeat, compaction as an error, abort as a quiet end.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { EtcdError } from "../../src/codec/errors.ts";
import type { Event } from "../../src/codec/messages.ts";
import { handleWatch } from "../../src/api/watch_route.ts";
import { createRequestOf, watch, WatchControl, watchResponses } from "../../src/client/watch.ts";
import { brief, Fixture } from "./harness.ts";

interface Member {
  endpoint: string;
  stop(): void;
}

function serveMember(f: Fixture): Member {
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch: (request, srv) => handleWatch(request, f.hub, { onStreamStart: (r) => srv.timeout(r, 0) }),
  });
  return { endpoint: `127.0.0.1:${server.port}`, stop: () => server.stop(true) };
}

function fixture(): Fixture {
  let f: Fixture | undefined;
  f = new Fixture({ requestStep: () => setTimeout(() => f?.hub.step(), 1) });
  return f;
}

async function collect(iterable: AsyncIterable<Event>, count: number, timeoutMs: number): Promise<Event[]> {
  const out: Event[] = [];
  const deadline = Date.now() + timeoutMs;
  for await (const event of iterable) {
    out.push(event);
    if (out.length >= count || Date.now() > deadline) break;
  }
  return out;
}

async function waitFor(check: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check() && Date.now() < deadline) await Bun.sleep(5);
  assert.ok(check(), "condition not reached in time");
}

test("events arrive in order with prev_kv; abort ends the iteration quietly", async () => {
  const f = fixture();
  const m = serveMember(f);
  try {
    f.put("cfg/a", "1");
    const controller = new AbortController();
    const seen: Event[] = [];
    const done = (async () => {
      for await (const event of watch({ endpoints: [m.endpoint] }, "cfg/", { prefix: true, prevKv: true, signal: controller.signal })) {
        seen.push(event);
      }
    })();
    await waitFor(() => f.hub.counts().watchers === 1);
    f.put("cfg/a", "2");
    f.put("other", "x");
    f.del("cfg/a");
    await waitFor(() => seen.length === 2);
    controller.abort();
    await done;
    assert.equal(seen.map(brief), ["PUT cfg/a=2@3<cfg/a=1@2", "DELETE cfg/a@5<cfg/a=2@3"]);
  } finally {
    m.stop();
  }
});

test("a member going away: the watch resumes on the next endpoint at the last revision + 1", async () => {
  const f = fixture();
  const first = serveMember(f);
  const second = serveMember(f);
  try {
    const controller = new AbortController();
    const seen: Event[] = [];
    const done = (async () => {
      const endpoints = [first.endpoint, second.endpoint];
      for await (const event of watch({ endpoints }, "k", { prefix: true, signal: controller.signal })) seen.push(event);
    })();
    await waitFor(() => f.hub.counts().watchers === 1);
    for (let i = 0; i < 50; i++) f.put(`k${i % 7}`, `${i}`);
    await waitFor(() => seen.length === 50);
    first.stop(); // connections cut: the client must move to the second member
    for (let i = 50; i < 120; i++) f.put(`k${i % 7}`, `${i}`); // written while it reconnects
    await waitFor(() => seen.length === 120, 5_000);
    for (let i = 120; i < 150; i++) f.put(`k${i % 7}`, `${i}`);
    await waitFor(() => seen.length === 150);
    controller.abort();
    await done;
    assert.equal(seen.map(brief), f.all.map((e) => brief({ type: e.type, kv: e.kv })));
  } finally {
    first.stop();
    second.stop();
  }
});

test("a compacted start revision is an error with etcd's text", async () => {
  const f = fixture();
  const m = serveMember(f);
  try {
    for (let i = 0; i < 5; i++) f.put("a", `${i}`);
    f.store.compact(4);
    let caught: unknown;
    try {
      await collect(watch({ endpoints: [m.endpoint] }, "a", { startRevision: 2 }), 10, 2_000);
    } catch (error) {
      caught = error;
    }
    assert.ok(caught instanceof EtcdError);
    assert.is((caught as EtcdError).message, "etcdserver: mvcc: required revision has been compacted");
    assert.is((caught as EtcdError & { compactRevision?: number }).compactRevision, 4);
  } finally {
    m.stop();
  }
});

test("history from a start revision, then live events", async () => {
  const f = fixture();
  const m = serveMember(f);
  try {
    f.put("h", "1");
    f.put("h", "2");
    const pending = collect(watch({ endpoints: [m.endpoint] }, "h", { startRevision: 2 }), 3, 3_000);
    await waitFor(() => f.hub.counts().watchers === 1);
    f.put("h", "3");
    assert.equal((await pending).map(brief), ["PUT h=1@2", "PUT h=2@3", "PUT h=3@4"]);
  } finally {
    m.stop();
  }
});

test("a progress request on the open stream answers with the delivered revision", async () => {
  const f = fixture();
  const m = serveMember(f);
  try {
    f.put("p", "1");
    f.put("q", "1"); // revision 3
    const control = new WatchControl();
    const controller = new AbortController();
    const got: [number, number, number][] = [];
    const done = (async () => {
      const options = { control, signal: controller.signal };
      for await (const resp of watchResponses({ endpoints: [m.endpoint] }, createRequestOf("p"), options)) {
        got.push([resp.watch_id, resp.header.revision, resp.events.length]);
      }
    })();
    await waitFor(() => f.hub.counts().watchers === 1);
    let sent = false;
    await waitFor(() => sent || (sent = control.requestProgress())); // once: waitFor re-checks at the end
    await waitFor(() => got.length === 1);
    f.put("p", "2");
    await waitFor(() => got.length === 2);
    controller.abort();
    await done;
    assert.equal(got, [[-1, 3, 0], [0, 4, 1]]);
  } finally {
    m.stop();
  }
});

test.run();
