// POST /v3/watch against an in-process Bun.serve: the NDJSON lines are compared with what etcd 3.4.23's
// gateway wrote for the same requests (captured with curl on a real etcd; ids and term are that member's).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { decodeCbor, encodeCbor } from "../../src/codec/cbor.ts";
import type { ResponseHeader, WatchResponse } from "../../src/codec/messages.ts";
import { handleWatch } from "../../src/api/watch_route.ts";
import { encodeFrame, FrameDecoder } from "../../src/watch/frames.ts";
import { b, brief, Fixture } from "./harness.ts";

const CLUSTER_ID = 14683696539752221034n;
const MEMBER_ID = 9791106034210434137n;
const H = `"cluster_id":"${CLUSTER_ID}","member_id":"${MEMBER_ID}"`;

function etcdHeader(revision: number): ResponseHeader {
  return { cluster_id: CLUSTER_ID, member_id: MEMBER_ID, revision, raft_term: 2 };
}

interface Served {
  f: Fixture;
  url: string;
  stop(): void;
}

function serve(options: { highWaterMark?: number; maxBufferedResponses?: number } = {}): Served {
  let fixture: Fixture | undefined;
  const f = new Fixture({
    header: etcdHeader,
    maxBufferedResponses: options.maxBufferedResponses,
    requestStep: () => setTimeout(() => fixture?.hub.step(), 1),
  });
  fixture = f;
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch: (request, srv) =>
      handleWatch(request, f.hub, { highWaterMark: options.highWaterMark, onStreamStart: (r) => srv.timeout(r, 0) }),
  });
  return { f, url: `http://127.0.0.1:${server.port}/v3/watch`, stop: () => server.stop(true) };
}

/** Reads a streaming body until `count` newline-terminated lines arrived or the time is up. */
function readLines(response: Response, count: number, timeoutMs = 3_000): Promise<string[]> {
  return readUntil(response, (lines) => lines.length >= count, timeoutMs);
}

/** Reads a streaming body until `done(lines)` holds or the time is up. */
async function readUntil(response: Response, done: (lines: string[]) => boolean, timeoutMs: number): Promise<string[]> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  const deadline = Date.now() + timeoutMs;
  const complete = (): string[] => text.split("\n").slice(0, -1);
  while (!done(complete()) && Date.now() < deadline) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<{ done: true; value: undefined }>((resolve) => {
      timer = setTimeout(() => resolve({ done: true, value: undefined }), Math.max(1, deadline - Date.now()));
    });
    const chunk = await Promise.race([reader.read(), timeout]);
    clearTimeout(timer);
    if (chunk.done === true) break;
    text += decoder.decode(chunk.value as Uint8Array, { stream: true });
  }
  await reader.cancel().catch(() => {});
  return complete();
}

function post(url: string, body: string | Uint8Array, contentType = "application/json"): Promise<Response> {
  return fetch(url, { method: "POST", body, headers: { "content-type": contentType } });
}

async function waitFor(check: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check() && Date.now() < deadline) await Bun.sleep(5);
  assert.ok(check(), "condition not reached in time");
}

test("created line, then an event with prev_kv: byte for byte as etcd", async () => {
  const s = serve();
  try {
    s.f.put("a", "1"); // revision 2
    const response = await post(s.url, '{"create_request":{"key":"YQ==","prev_kv":true}}');
    assert.is(response.status, 200);
    assert.is(response.headers.get("content-type"), "application/json");
    const lines = readLines(response, 2);
    await waitFor(() => s.f.hub.counts().watchers === 1);
    s.f.put("a", "2");
    assert.equal(await lines, [
      `{"result":{"header":{${H},"revision":"2","raft_term":"2"},"created":true}}`,
      `{"result":{"header":{${H},"revision":"3","raft_term":"2"},"events":[{"kv":{"key":"YQ==","create_revision":"2","mod_revision":"3","version":"2","value":"Mg=="},"prev_kv":{"key":"YQ==","create_revision":"2","mod_revision":"2","version":"1","value":"MQ=="}}]}}`,
    ]);
  } finally {
    s.stop();
  }
});

test("several requests in one body: ids, duplicate, progress, cancel, unknown cancel ignored", async () => {
  const s = serve();
  try {
    s.f.put("a", "1");
    s.f.put("a", "2"); // revision 3, as on the etcd we compared with
    const body = '{"create_request":{"key":"YQ=="}} {"create_request":{"key":"Yg==","watch_id":7}} ' +
      '{"progress_request":{}} {"create_request":{"key":"Yg==","watch_id":7}} {} ' +
      '{"cancel_request":{"watch_id":0}} {"cancel_request":{"watch_id":5}}';
    const lines = await readLines(await post(s.url, body), 6, 300);
    const h = `{"header":{${H},"revision":"3","raft_term":"2"}`;
    assert.equal(lines, [
      `{"result":${h},"created":true}}`,
      `{"result":${h},"watch_id":"7","created":true}}`,
      `{"result":${h},"watch_id":"-1"}}`,
      `{"result":${h},"watch_id":"-1","created":true,"canceled":true,"cancel_reason":"mvcc: duplicate watch ID provided on the WatchStream"}}`,
      `{"result":${h},"canceled":true}}`,
    ]);
  } finally {
    s.stop();
  }
});

test("history from revision 1 and a compacted start, as etcd", async () => {
  const s = serve();
  try {
    s.f.put("a", "1");
    s.f.put("a", "2");
    const history = await readLines(await post(s.url, '{"create_request":{"key":"YQ==","start_revision":1}}'), 2);
    assert.equal(history[1], `{"result":{"header":{${H},"revision":"3","raft_term":"2"},"events":[{"kv":{"key":"YQ==","create_revision":"2","mod_revision":"2","version":"1","value":"MQ=="}},{"kv":{"key":"YQ==","create_revision":"2","mod_revision":"3","version":"2","value":"Mg=="}}]}}`);
    s.f.put("b", "v1");
    s.f.put("b", "v2");
    s.f.put("b", "v3");
    s.f.del("b");
    s.f.store.compact(5);
    const compacted = await readLines(await post(s.url, '{"create_request":{"key":"Yg==","start_revision":2}}'), 2);
    assert.equal(compacted, [
      `{"result":{"header":{${H},"revision":"7","raft_term":"2"},"created":true}}`,
      `{"result":{"header":{${H},"raft_term":"2"},"canceled":true,"compact_revision":"5"}}`,
    ]);
    const filtered = await readLines(
      await post(s.url, '{"create_request":{"key":"Yg==","start_revision":5,"filters":["NOPUT"],"prev_kv":true}}'),
      2,
    );
    assert.equal(filtered[1], `{"result":{"header":{${H},"revision":"7","raft_term":"2"},"events":[{"type":"DELETE","kv":{"key":"Yg==","mod_revision":"7"},"prev_kv":{"key":"Yg==","create_revision":"4","mod_revision":"6","version":"3","value":"djM="}}]}}`);
  } finally {
    s.stop();
  }
});

test("a bad first request is a 500 with code 2; GET is 405; an empty body opens a stream", async () => {
  const s = serve();
  try {
    const cases: [string, string][] = [
      ['{"create_request":{"key":1}}', "json: cannot unmarshal number into Go value of type []uint8"],
      ["xx", "invalid character 'x' looking for beginning of value"],
      ['{"create_request":', "unexpected EOF"],
      ["[]", "json: cannot unmarshal array into Go value of type map[string]json.RawMessage"],
      ['"x"', "json: cannot unmarshal string into Go value of type map[string]json.RawMessage"],
      ['{"create_request":{"key":"YQ==","filters":["NOPE"]}}', 'unknown value "NOPE" for enum etcdserverpb.WatchCreateRequest_FilterType'],
      ['{"create_request":{"start_revision":"x"}}', "invalid character 'x' looking for beginning of value"],
    ];
    for (const [body, message] of cases) {
      const response = await post(s.url, body);
      assert.is(response.status, 500, body);
      const m = JSON.stringify(message);
      assert.is(await response.text(), `{"error":${m},"message":${m},"code":2}`);
    }
    const get = await fetch(s.url);
    assert.is(get.status, 405);
    await get.text();
    // Nothing to answer yet: like the gateway (Go writes headers with the first message), no bytes at all.
    const controller = new AbortController();
    const open = fetch(s.url, { method: "POST", body: "", signal: controller.signal }).catch((e) => e);
    await waitFor(() => s.f.hub.counts().streams === 1);
    controller.abort();
    await open;
    await waitFor(() => s.f.hub.counts().streams === 0);
  } finally {
    s.stop();
  }
});

test("the stream ends with the client: its watchers are removed", async () => {
  const s = serve();
  try {
    const controller = new AbortController();
    const response = await fetch(s.url, {
      method: "POST",
      body: '{"create_request":{"key":"YQ=="}}',
      signal: controller.signal,
    });
    await waitFor(() => s.f.hub.counts().watchers === 1);
    controller.abort();
    await response.body?.cancel().catch(() => {});
    await waitFor(() => s.f.hub.counts().streams === 0);
  } finally {
    s.stop();
  }
});

test("CBOR frames both ways", async () => {
  const s = serve();
  try {
    const request = encodeFrame(encodeCbor({ create_request: { key: b("k"), range_end: b("l") } }));
    const response = await post(s.url, request, "application/cbor");
    assert.is(response.headers.get("content-type"), "application/cbor");
    await waitFor(() => s.f.hub.counts().watchers === 1);
    s.f.put("k1", "x");
    s.f.putMany([["k2", "y"], ["k3", "z"]]);
    const frames = new FrameDecoder();
    const got: WatchResponse[] = [];
    const reader = response.body!.getReader();
    const deadline = Date.now() + 3_000;
    while (got.length < 3 && Date.now() < deadline) {
      const chunk = await reader.read();
      if (chunk.done) break;
      for (const frame of frames.push(chunk.value)) got.push(decodeCbor<WatchResponse>("WatchResponse", frame));
    }
    await reader.cancel();
    assert.equal(got.map((r) => [r.created, r.events.length, r.header.member_id]), [
      [true, 0, MEMBER_ID],
      [false, 1, MEMBER_ID],
      [false, 2, MEMBER_ID],
    ]);
    assert.equal(got.flatMap((r) => r.events).map(brief), ["PUT k1=x@2", "PUT k2=y@3", "PUT k3=z@3"]);
  } finally {
    s.stop();
  }
});

test("a client that does not read is paused, then caught up from history without a gap", async () => {
  const s = serve({ highWaterMark: 2, maxBufferedResponses: 4 });
  try {
    const response = await post(s.url, '{"create_request":{"key":"aw==","range_end":"bA=="}}');
    await waitFor(() => s.f.hub.counts().watchers === 1);
    const big = "v".repeat(2_000);
    for (let i = 0; i < 1_500; i++) s.f.put(`k${i % 50}`, `${big}${i}`);
    assert.ok(s.f.hub.counts().unsynced === 1, "the unread stream should have fallen behind");
    const eventsOf = (lines: string[]): unknown[] => lines.flatMap((line) => JSON.parse(line).result.events ?? []);
    const lines = await readUntil(response, (got) => eventsOf(got).length >= 1_500, 15_000);
    const events = eventsOf(lines) as { kv: { mod_revision: string } }[];
    const revisions = events.map((e) => Number(e.kv.mod_revision));
    assert.is(revisions.length, 1_500);
    assert.equal(revisions, Array.from({ length: 1_500 }, (_v, i) => i + 2));
  } finally {
    s.stop();
  }
});

test.run();
