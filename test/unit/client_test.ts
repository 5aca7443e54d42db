import { test } from "uvu";
import * as assert from "uvu/assert";
import { connect } from "../../src/client/mod.ts";
import { endpointUrl, prefixEnd } from "../../src/client/keys.ts";
import { decodeCborValue, encodeCbor } from "../../src/codec/cbor.ts";
import { EtcdError, Errors, GrpcCode } from "../../src/codec/errors.ts";
import { errorBodyCbor, httpStatusFromCode } from "../../src/codec/http.ts";
import { SortOrder, SortTarget } from "../../src/codec/messages.ts";

// A stand-in gateway: records what it receives and answers with CBOR, like tsetcd's HTTP front-end.
interface Seen {
  path: string;
  contentType: string | null;
  body: Record<string, unknown>;
}

const header = { cluster_id: 7n, member_id: 9n, revision: 3, raft_term: 1 };

function fakeServer(answer: (seen: Seen) => Response): { url: string; seen: Seen[]; stop(): void } {
  const seen: Seen[] = [];
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(request) {
      const bytes = new Uint8Array(await request.arrayBuffer());
      const body = (bytes.length === 0 ? {} : decodeCborValue(bytes)) as Record<string, unknown>;
      const entry = { path: new URL(request.url).pathname, contentType: request.headers.get("content-type"), body };
      seen.push(entry);
      return answer(entry);
    },
  });
  return { url: `127.0.0.1:${server.port}`, seen, stop: () => server.stop(true) };
}

function cbor(value: unknown, status = 200): Response {
  return new Response(encodeCbor(value), { status, headers: { "content-type": "application/cbor" } });
}

async function deadPort(): Promise<string> {
  const probe = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response("") });
  const port = probe.port;
  probe.stop(true);
  return `127.0.0.1:${port}`;
}

test("keys: prefix ends and endpoint URLs", () => {
  assert.equal(Array.from(prefixEnd(new TextEncoder().encode("ab"))), [0x61, 0x63]);
  assert.equal(Array.from(prefixEnd(new Uint8Array([0xff]))), [0]);
  assert.is(endpointUrl("127.0.0.1:2379"), "http://127.0.0.1:2379");
  assert.is(endpointUrl("https://h:1/"), "https://h:1");
  assert.throws(() => endpointUrl(" "));
});

test("range/put/delete speak CBOR to the gateway routes and decode responses", async () => {
  const server = fakeServer((seen) => {
    if (seen.path === "/v3/kv/range") {
      return cbor({ header, kvs: [{ key: new TextEncoder().encode("a"), value: new TextEncoder().encode("1"), create_revision: 2, mod_revision: 2, version: 1 }], count: 1 });
    }
    return cbor({ header, deleted: 1 });
  });
  try {
    const client = connect({ endpoints: [server.url] });
    const got = await client.get("a", { prefix: true, limit: 5, sortTarget: SortTarget.MOD, sortOrder: SortOrder.DESCEND });
    assert.is(got.count, 1);
    assert.is(new TextDecoder().decode(got.kvs[0]!.value), "1");
    assert.is(got.header.member_id, 9n);
    const sent = server.seen[0]!;
    assert.is(sent.path, "/v3/kv/range");
    assert.is(sent.contentType, "application/cbor");
    assert.equal(Array.from(sent.body.range_end as Uint8Array), [0x62]);
    assert.equal([sent.body.limit, sent.body.sort_target, sent.body.sort_order], [5, SortTarget.MOD, SortOrder.DESCEND]);
    await client.put("k", "v", { lease: 0x1fn, prevKv: true });
    assert.is(server.seen[1]!.path, "/v3/kv/put");
    assert.is(server.seen[1]!.body.lease, 0x1fn);
    const deleted = await client.delete("", { prefix: true });
    assert.is(deleted.deleted, 1);
    assert.equal(Array.from(server.seen[2]!.body.key as Uint8Array), [0]);
    assert.equal(Array.from(server.seen[2]!.body.range_end as Uint8Array), [0]);
  } finally {
    server.stop();
  }
});

test("an etcd error comes back as EtcdError and is not retried elsewhere", async () => {
  const failing = fakeServer(() => cbor(decodeCborValue(errorBodyCbor(Errors.compacted())), httpStatusFromCode(GrpcCode.OutOfRange)));
  const other = fakeServer(() => cbor({ header, kvs: [], count: 0 }));
  try {
    const client = connect({ endpoints: [failing.url, other.url] });
    const error = await client.range({ key: new Uint8Array([1]), revision: 1 }).catch((e: unknown) => e);
    assert.instance(error, EtcdError);
    assert.is((error as EtcdError).code, GrpcCode.OutOfRange);
    assert.is((error as EtcdError).message, "etcdserver: mvcc: required revision has been compacted");
    assert.is(other.seen.length, 0);
  } finally {
    failing.stop();
    other.stop();
  }
});

test("connection errors fail over to the next endpoint", async () => {
  const dead = await deadPort();
  const live = fakeServer(() => cbor({ header, members: [] }));
  try {
    const client = connect({ endpoints: [dead, live.url], commandTimeoutMs: 2_000 });
    const members = await client.memberList();
    assert.equal(members.members, []);
    assert.is(live.seen[0]!.path, "/v3/cluster/member/list");
  } finally {
    live.stop();
  }
});

test("a write whose connection breaks is reported, not re-sent; a read fails over", async () => {
  const net = await import("node:net");
  const resetter = net.createServer((socket) => socket.on("data", () => socket.destroy()));
  await new Promise<void>((done) => resetter.listen(0, "127.0.0.1", done));
  const resetUrl = `127.0.0.1:${(resetter.address() as { port: number }).port}`;
  const live = fakeServer(() => cbor({ header, kvs: [], count: 0 }));
  try {
    const client = connect({ endpoints: [resetUrl, live.url], commandTimeoutMs: 2_000 });
    const error = await client.put("k", "v").catch((e: unknown) => e);
    assert.instance(error, EtcdError);
    assert.is((error as EtcdError).code, GrpcCode.Unavailable);
    assert.is(live.seen.length, 0);
    const read = await client.get("k");
    assert.is(read.count, 0);
    assert.is(live.seen.length, 1);
  } finally {
    live.stop();
    resetter.close();
  }
});

test("no reachable endpoint ends with context deadline exceeded at the command timeout", async () => {
  const dead = await deadPort();
  const client = connect({ endpoints: [dead], commandTimeoutMs: 300 });
  const startMs = Date.now();
  const error = await client.get("a").catch((e: unknown) => e);
  const elapsedMs = Date.now() - startMs;
  assert.instance(error, EtcdError);
  assert.is((error as EtcdError).message, "context deadline exceeded");
  assert.is((error as EtcdError).code, GrpcCode.DeadlineExceeded);
  assert.ok(elapsedMs >= 250 && elapsedMs < 2_000, `took ${elapsedMs} ms`);
});

test("an aborted signal cancels the call", async () => {
  const slow = fakeServer(() => cbor({ header }));
  try {
    const client = connect({ endpoints: [slow.url] });
    const controller = new AbortController();
    controller.abort();
    const error = await client.put("k", "v", { signal: controller.signal }).catch((e: unknown) => e);
    assert.instance(error, EtcdError);
    assert.is((error as EtcdError).code, GrpcCode.Canceled);
    assert.is(slow.seen.length, 0);
  } finally {
    slow.stop();
  }
});

test("status is sent to the endpoint asked for", async () => {
  const first = fakeServer(() => cbor({ header, version: "3.4.30", dbSize: 1 }));
  const second = fakeServer(() => cbor({ header, version: "3.4.30", dbSize: 2 }));
  try {
    const client = connect({ endpoints: [first.url, second.url] });
    const status = await client.status(second.url);
    assert.is(status.dbSize, 2);
    assert.is(first.seen.length, 0);
  } finally {
    first.stop();
    second.stop();
  }
});

test("connect rejects an empty endpoint list and ambiguous range options", () => {
  assert.throws(() => connect({ endpoints: [] }));
  const client = connect({ endpoints: ["127.0.0.1:1"] });
  assert.throws(() => client.get("a", { prefix: true, fromKey: true }));
});

test.run();
