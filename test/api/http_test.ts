import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeCborValue, encodeCbor } from "../../src/codec/cbor.ts";
import { pathOf } from "../../src/api/http.ts";
import { startServer, type TsetcdServer } from "../../src/server/mod.ts";

const dir = mkdtempSync(join(tmpdir(), "tsetcd-http-"));
let server: TsetcdServer;

const b64 = (s: string): string => Buffer.from(s).toString("base64");
const unb64 = (s: string): string => Buffer.from(s, "base64").toString();

async function post(path: string, body: string | object): Promise<{ status: number; json: any; text: string }> {
  const res = await fetch(server.clientUrl + path, {
    method: "POST",
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text };
}

async function postCbor(path: string, body: Uint8Array): Promise<{ status: number; value: any; type: string | null }> {
  const res = await fetch(server.clientUrl + path, {
    method: "POST",
    body,
    headers: { "content-type": "application/cbor" },
  });
  const bytes = new Uint8Array(await res.arrayBuffer());
  return { status: res.status, value: decodeCborValue(bytes), type: res.headers.get("content-type") };
}

test.before(async () => {
  server = await startServer({
    dataDir: dir,
    listenClientUrls: ["http://127.0.0.1:0"],
    maxTxnOps: 4,
    maxRequestBytes: 4096,
  });
});

test.after(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

test("put then range in gateway JSON, with etcd's header and int64 strings", async () => {
  const put = await post("/v3/kv/put", { key: b64("foo"), value: b64("bar") });
  assert.is(put.status, 200);
  assert.is(put.json.header.revision, "2");
  assert.is(put.json.header.member_id, String(server.memberId));
  assert.is(put.json.header.cluster_id, String(server.clusterId));
  const range = await post("/v3/kv/range", { key: b64("foo") });
  assert.is(range.status, 200);
  assert.is(range.json.count, "1");
  assert.is(unb64(range.json.kvs[0].value), "bar");
  assert.is(range.json.kvs[0].create_revision, "2");
  assert.is(range.json.kvs[0].version, "1");
  const serializable = await post("/v3/kv/range", { key: b64("foo"), serializable: true });
  assert.is(serializable.json.kvs[0].mod_revision, "2");
  const prev = await post("/v3/kv/put", { key: b64("foo"), value: b64("baz"), prev_kv: true });
  assert.is(unb64(prev.json.prev_kv.value), "bar");
  assert.is(prev.json.header.revision, "3");
});

test("CBOR in, CBOR out, raw bytes and bigint ids", async () => {
  const key = new Uint8Array([0, 255, 1]);
  const put = await postCbor("/v3/kv/put", encodeCbor({ key, value: new Uint8Array([9, 9]) }));
  assert.is(put.status, 200);
  assert.is(put.type, "application/cbor");
  assert.is(BigInt(put.value.header.member_id), server.memberId);
  const range = await postCbor("/v3/kv/range", encodeCbor({ key }));
  assert.equal(Array.from(range.value.kvs[0].key), [0, 255, 1]);
  assert.equal(Array.from(range.value.kvs[0].value), [9, 9]);
  const bad = await postCbor("/v3/kv/put", encodeCbor({ key: new Uint8Array() }));
  assert.is(bad.status, 400);
  assert.is(bad.value.message, "etcdserver: key is not provided");
  assert.is(bad.value.code, 3);
});

test("txn, deleterange and compaction", async () => {
  const txn = await post("/v3/kv/txn", {
    compare: [{ key: b64("foo"), result: "EQUAL", target: "VALUE", value: b64("baz") }],
    success: [{ request_put: { key: b64("t1"), value: b64("v") } }, { request_range: { key: b64("foo") } }],
    failure: [],
  });
  assert.is(txn.status, 200);
  assert.is(txn.json.succeeded, true);
  assert.is(txn.json.responses.length, 2);
  const rev = Number(txn.json.header.revision);
  const readOnly = await post("/v3/kv/txn", { success: [{ request_range: { key: b64("t1") } }] });
  assert.is(readOnly.json.header.revision, String(rev));
  assert.is(unb64(readOnly.json.responses[0].response_range.kvs[0].value), "v");
  const del = await post("/v3/kv/deleterange", { key: b64("t1"), prev_kv: true });
  assert.is(del.json.deleted, "1");
  assert.is(unb64(del.json.prev_kvs[0].key), "t1");
  const compact = await post("/v3/kv/compaction", { revision: String(rev) });
  assert.is(compact.status, 200);
  const old = await post("/v3/kv/range", { key: b64("foo"), revision: "2" });
  assert.is(old.status, 400);
  assert.is(old.json.message, "etcdserver: mvcc: required revision has been compacted");
  const again = await post("/v3/kv/compaction", { revision: String(rev) });
  assert.is(again.json.code, 11);
  const future = await post("/v3/kv/compaction", { revision: "100000" });
  assert.is(future.json.message, "etcdserver: mvcc: required revision is a future revision");
});

test("status, member list, health, version, metrics", async () => {
  const status = await post("/v3/maintenance/status", {});
  assert.is(status.status, 200);
  assert.is(status.json.leader, String(server.memberId));
  assert.ok(Number(status.json.raftIndex) >= 2);
  assert.ok(Number(status.json.dbSize) > 0);
  assert.is(status.json.version, "3.4.30");
  const members = await post("/v3/cluster/member/list", {});
  assert.is(members.json.members.length, 1);
  assert.is(members.json.members[0].name, "default");
  assert.equal(members.json.members[0].clientURLs, [server.clientUrl]);
  assert.is(members.json.header.revision, undefined);
  const health = await fetch(server.clientUrl + "/health");
  assert.is(health.status, 200);
  assert.is(health.headers.get("content-type"), "text/plain; charset=utf-8");
  assert.equal(await health.json(), { health: "true" });
  const version = await fetch(server.clientUrl + "/version");
  const v = await version.json() as { etcdserver: string; etcdcluster: string };
  assert.match(v.etcdserver, /^3\.4\./);
  const metrics = await (await fetch(server.clientUrl + "/metrics")).text();
  assert.match(metrics, "etcd_server_has_leader 1");
});

test("bad input gets etcd's errors and leaves the store intact", async () => {
  const before = await post("/v3/kv/range", { key: b64("\0"), range_end: b64("\0") });
  const cases: [string, string, number, RegExp | string][] = [
    ["/v3/kv/put", "{not json", 400, /invalid character/],
    ["/v3/kv/put", '{"key":"!!!"}', 400, /illegal base64/],
    ["/v3/kv/put", '{"key":5}', 400, "json: cannot unmarshal number into Go value of type []uint8"],
    ["/v3/kv/put", '{"value":"YQ=="}', 400, "etcdserver: key is not provided"],
    ["/v3/kv/range", "{}", 400, "etcdserver: key is not provided"],
    ["/v3/kv/range", '{"key":"YQ==","limit":"x"}', 400, /cannot unmarshal|invalid/],
    ["/v3/kv/txn", '{"success":[{}]}', 400, "etcdserver: key not found"],
  ];
  for (const [path, body, status, message] of cases) {
    const res = await post(path, body);
    assert.is(res.status, status, `${path} ${body}: ${res.text}`);
    assert.is(res.json.code, 3, `${path} ${body}`);
    assert.match(res.json.message, message);
    assert.is(res.json.error, res.json.message);
  }
  const cbor = await postCbor("/v3/kv/put", new Uint8Array([0xff, 0x00, 0x13]));
  assert.is(cbor.status, 400);
  const tooManyOps = await post("/v3/kv/txn", {
    success: [1, 2, 3, 4, 5].map((i) => ({ request_put: { key: b64(`k${i}`) } })),
  });
  assert.is(tooManyOps.json.message, "etcdserver: too many operations in txn request");
  const large = await post("/v3/kv/put", { key: b64("big"), value: Buffer.alloc(5000).toString("base64") });
  assert.is(large.status, 400);
  assert.is(large.json.message, "etcdserver: request is too large");
  const huge = await post("/v3/kv/put", { key: b64("big"), value: Buffer.alloc(700 * 1024).toString("base64") });
  assert.is(huge.status, 429);
  // etcd counts the protobuf size of the request (value bytes + a few), not the base64 body.
  assert.match(huge.json.message, /^grpc: received message larger than max \((71\d{4}) vs\. 528384\)$/);
  const unknown = await fetch(server.clientUrl + "/v3/kv/nope", { method: "POST", body: "{}" });
  assert.is(unknown.status, 404);
  const elsewhere = await fetch(server.clientUrl + "/nope");
  assert.is(elsewhere.status, 404);
  const wrongMethod = await fetch(server.clientUrl + "/v3/kv/range");
  assert.is(wrongMethod.status, 405);
  const options = await fetch(server.clientUrl + "/v3/kv/put", { method: "OPTIONS" });
  assert.is(options.status, 200);
  assert.is(await options.text(), "");
  const head = await fetch(server.clientUrl + "/health", { method: "HEAD" });
  assert.is(head.status, 405);
  assert.is(head.headers.get("allow"), "GET");
  const alpha = await fetch(server.clientUrl + "/v3alpha/kv/range", { method: "POST", body: "{}" });
  assert.is(alpha.status, 404);
  assert.is(await alpha.text(), "404 page not found\n");
  const beta = await fetch(server.clientUrl + "/v3beta/kv/range", { method: "POST", body: JSON.stringify({ key: b64("foo") }) });
  assert.is(beta.status, 200);
  const after = await post("/v3/kv/range", { key: b64("\0"), range_end: b64("\0") });
  assert.equal(after.json, before.json);
});

test("concurrent puts are batched: far fewer transactions than requests", async () => {
  const before = server.member.info().fsyncs;
  const count = 200;
  const results = await Promise.all(
    Array.from({ length: count }, (_, i) => post("/v3/kv/put", { key: b64(`c${i}`), value: b64(`${i}`) })),
  );
  const revisions = new Set(results.map((r) => r.json.header.revision));
  assert.is(revisions.size, count);
  const used = server.member.info().fsyncs - before;
  assert.ok(used < count / 2, `${used} fsyncs for ${count} puts`);
  const range = await post("/v3/kv/range", { key: b64("c"), range_end: b64("d"), count_only: true });
  assert.is(range.json.count, String(count));
});

test("request paths are cut from the URL as URL would", () => {
  for (const url of ["http://h:1/v3/kv/put", "http://h:1/v3/kv/put?x=1", "http://h:1/", "http://h:1", "http://[::1]:5/health#x"]) {
    assert.is(pathOf(url), new URL(url).pathname, url);
  }
});

test.run();
