// Watch against a real single-member `tsetcd server`: the CLI (`tsetcd watch`) prints events as etcdctl
// does, replays history from an old revision and is canceled on a compacted one; the gateway's
// POST /v3/watch streams the same events as NDJSON lines.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { connect } from "../../src/client/mod.ts";
import { b64, background, Cluster, gateway, tsetcd } from "./procs.ts";

let cluster: Cluster;
let endpoints: string[];

test.before(async () => {
  cluster = new Cluster(1);
  await cluster.start();
  endpoints = cluster.endpoints;
});
test.after(async () => {
  await cluster.close();
});

async function revision(): Promise<number> {
  const client = connect({ endpoints });
  return (await client.get("nothing-here")).header.revision;
}

test("tsetcd watch --prefix --prev-kv prints PUT and DELETE events as etcdctl", async () => {
  const client = connect({ endpoints });
  // Starting at the next revision makes the output independent of when the watch connects.
  const start = (await revision()) + 1;
  const watcher = background(endpoints, ["watch", "w1/", "--prefix", "--prev-kv", "--rev", String(start)]);
  try {
    await client.put("w1/a", "1");
    await client.put("w1/a", "2");
    await client.put("other", "x");
    await client.delete("w1/a");
    const expected = "PUT\nw1/a\n1\nPUT\nw1/a\n1\nw1/a\n2\nDELETE\nw1/a\n2\nw1/a\n\n";
    await watcher.waitFor((out) => out.length >= expected.length);
    const run = await watcher.stop("SIGINT");
    assert.is(run.stdout, expected);
  } finally {
    await watcher.stop("SIGKILL");
  }
});

test("tsetcd watch --rev replays history, -w json carries the revisions", async () => {
  const client = connect({ endpoints });
  const first = (await client.put("w2/k", "a")).header.revision;
  await client.put("w2/k", "b");
  const watcher = background(endpoints, ["watch", "w2/k", "--rev", String(first), "-w", "json"]);
  try {
    // History replay may put both revisions in one response (as etcd does): count the events.
    const revisionsIn = (out: string): number[] =>
      out.split("\n").filter((l) => l.startsWith("{")).flatMap((l) =>
        (JSON.parse(l) as { Events: { kv: { mod_revision: number } }[] }).Events.map((e) => e.kv.mod_revision)
      );
    const out = await watcher.waitFor((o) => revisionsIn(o).length >= 2);
    const revisions = revisionsIn(out);
    assert.equal(revisions, [first, first + 1]);
  } finally {
    await watcher.stop("SIGKILL");
  }
});

test("a compacted start revision: the watch is canceled as etcd cancels it", async () => {
  const client = connect({ endpoints });
  await client.put("w3/k", "1");
  const rev = (await client.put("w3/k", "2")).header.revision;
  await client.compact({ revision: rev });
  const run = await tsetcd(endpoints, ["watch", "w3/k", "--rev", "1"], { timeoutMs: 10_000 });
  assert.is(run.stdout, "");
  assert.is(
    run.stderr,
    "watch was canceled (etcdserver: mvcc: required revision has been compacted)\nError: watch is canceled by the server\n",
  );
  assert.is(run.code, 5);
  // The gateway says the same with the compact revision.
  const response = await fetch(endpoints[0] + "/v3/watch", {
    method: "POST",
    body: JSON.stringify({ create_request: { key: b64("w3/k"), start_revision: "1" } }),
  });
  const reader = response.body!.getReader();
  let text = "";
  for (let i = 0; i < 20 && text.split("\n").length < 3; i++) {
    const chunk = await reader.read();
    if (chunk.done) break;
    text += new TextDecoder().decode(chunk.value);
  }
  await reader.cancel();
  const results = text.trim().split("\n").map((l) => (JSON.parse(l) as { result: Record<string, unknown> }).result);
  const canceled = results.find((r) => r.canceled === true);
  assert.ok(canceled !== undefined, text);
  assert.is(canceled!.compact_revision, String(rev));
});

test("gateway POST /v3/watch streams put and delete events as NDJSON", async () => {
  const url = endpoints[0]!;
  const start = (await revision()) + 1;
  const controller = new AbortController();
  const response = await fetch(url + "/v3/watch", {
    method: "POST",
    body: JSON.stringify({ create_request: { key: b64("w4/"), range_end: b64("w40"), start_revision: String(start) } }),
    signal: controller.signal,
  });
  assert.is(response.status, 200);
  await gateway(url, "/v3/kv/put", { key: b64("w4/x"), value: b64("v") });
  await gateway(url, "/v3/kv/deleterange", { key: b64("w4/x") });
  const reader = response.body!.getReader();
  const events: { type?: string; kv: { key: string; mod_revision: string } }[] = [];
  let buffered = "";
  for (let i = 0; i < 50 && events.length < 2; i++) {
    const chunk = await reader.read();
    if (chunk.done) break;
    buffered += new TextDecoder().decode(chunk.value);
    const lines = buffered.split("\n");
    buffered = lines.pop()!;
    for (const line of lines) {
      const result = (JSON.parse(line) as { result: { events?: typeof events } }).result;
      events.push(...(result.events ?? []));
    }
  }
  controller.abort();
  assert.equal(events.map((e) => [e.type ?? "PUT", Buffer.from(e.kv.key, "base64").toString(), e.kv.mod_revision]), [
    ["PUT", "w4/x", String(start)],
    ["DELETE", "w4/x", String(start + 1)],
  ]);
});

test("a watcher that stops reading under heavy writes still gets every event, in order, once", async () => {
  const url = endpoints[0]!;
  const client = connect({ endpoints });
  const start = (await revision()) + 1;
  const controller = new AbortController();
  const response = await fetch(url + "/v3/watch", {
    method: "POST",
    body: JSON.stringify({ create_request: { key: b64("w5/"), range_end: b64("w50"), start_revision: String(start) } }),
    signal: controller.signal,
  });
  const reader = response.body!.getReader();
  // ~12 MB of events while nobody reads: far past the socket buffers and the hub's per-stream buffer, so
  // the server must pause this stream and catch its watcher up from history later.
  const writers = 16;
  const perWriter = 125;
  const value = "x".repeat(4096);
  await Promise.all(Array.from({ length: writers }, async (_, w) => {
    for (let i = 0; i < perWriter; i++) await client.put(`w5/${w}/${i}`, value);
  }));
  const total = writers * perWriter;
  const revisions: number[] = [];
  let buffered = "";
  const decoder = new TextDecoder();
  for (let i = 0; i < 100_000 && revisions.length < total; i++) {
    const chunk = await reader.read();
    if (chunk.done) break;
    buffered += decoder.decode(chunk.value, { stream: true });
    const lines = buffered.split("\n");
    buffered = lines.pop()!;
    for (const line of lines) {
      const result = (JSON.parse(line) as { result: { events?: { kv: { mod_revision: string } }[] } }).result;
      for (const event of result.events ?? []) revisions.push(Number(event.kv.mod_revision));
    }
  }
  controller.abort();
  assert.is(revisions.length, total);
  assert.equal(revisions, Array.from({ length: total }, (_, i) => start + i), "every revision once, in order");
});

test.run();
