/**
 * Every request that stopped a member (or answered 5xx) before the request boundary, sent to a running
 * server as a user would send it: each gets etcd's answer, the member stays up and healthy after each,
 * and a restart on the same data dir (which replays nothing new but reopens the log holding them) serves.
 *
 * Before the boundary: the empty lease grant, a CBOR grant of TTL NaN's sibling (the undefined TTL), a
 * member add with a path in its URL, and a writing txn whose compare has an unknown target each killed
 * the member for good ("fatal: the Ready loop failed"); the others answered 500.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeCborValue, encodeCbor } from "../../src/codec/cbor.ts";
import { encodeFrame } from "../../src/codec/frames.ts";
import { b64, type ServerProcess, singleMemberArgs, spawnServer, stopServer } from "./process_helpers.ts";

const CLIENT_PORT = 31540;
const PEER_PORT = 31541;
const enc = new TextEncoder();

interface Case {
  name: string;
  path: string;
  /** A JSON body as text (sent as is), or bytes sent as CBOR. */
  body: string | Uint8Array;
  status: number;
  /** etcd's gRPC code and message for an error; undefined for a success. */
  error?: [number, string];
  /** What a successful answer must hold. */
  check?: (answer: Record<string, unknown>) => void;
}

const MIN_TTL = "2"; // defaults: 1.5 election timeouts of 1 s, rounded up
const TOO_LARGE_TTL: [number, string] = [11, "etcdserver: too large lease TTL"];
const BAD_URLS: [number, string] = [3, "etcdserver: given member URLs are invalid"];

/** Each request, with etcd 3.4.23's answer to it over the gateway (checked live) where etcd has one. */
const CASES: Case[] = [
  // etcd: 200, a lease of the minimum TTL.
  { name: "empty lease grant", path: "/v3/lease/grant", body: "", status: 200, check: (a) => assert.is(a.TTL, MIN_TTL) },
  { name: "{} lease grant", path: "/v3/lease/grant", body: "{}", status: 200, check: (a) => assert.is(a.TTL, MIN_TTL) },
  { name: "null lease grant", path: "/v3/lease/grant", body: "null", status: 200, check: (a) => assert.is(a.TTL, MIN_TTL) },
  { name: "empty CBOR lease grant", path: "/v3/lease/grant", body: new Uint8Array(0), status: 200, check: (a) => assert.is(a.TTL, 2) },
  { name: "CBOR grant, TTL undefined", path: "/v3/lease/grant", body: encodeCbor({ TTL: undefined }), status: 200 },
  {
    name: "CBOR grant, TTL NaN",
    path: "/v3/lease/grant",
    body: encodeCbor({ TTL: Number.NaN }),
    status: 400,
    error: [3, "json: cannot unmarshal number NaN into Go value of type int64"],
  },
  // etcd: 200 TTL "2" for a negative TTL; 400 code 11 above 9000000000.
  { name: "negative TTL", path: "/v3/lease/grant", body: '{"TTL":-5}', status: 200, check: (a) => assert.is(a.TTL, MIN_TTL) },
  { name: "TTL too large", path: "/v3/lease/grant", body: '{"TTL":"9223372036854775807"}', status: 400, error: TOO_LARGE_TTL },
  // A lease id above int64 in CBOR: read as protobuf reads it (-1), no longer a failure at apply.
  {
    name: "CBOR grant, id 2^64-1",
    path: "/v3/lease/grant",
    body: encodeCbor({ TTL: 5, ID: 2n ** 64n - 1n }),
    status: 200,
    check: (a) => assert.is(a.ID, -1n),
  },
  {
    name: "CBOR time-to-live, id 2^63",
    path: "/v3/lease/timetolive",
    body: encodeCbor({ ID: 2n ** 63n }),
    status: 200,
    check: (a) => assert.is(a.TTL, -1),
  },
  // etcd: 400 "given member URLs are invalid" (a path, even "/", is refused).
  { name: "member add, URL with a path", path: "/v3/cluster/member/add", body: '{"peerURLs":["http://1.2.3.4:5/path"]}', status: 400, error: BAD_URLS },
  { name: "member add, URL with /", path: "/v3/cluster/member/add", body: '{"peerURLs":["http://1.2.3.4:5/"]}', status: 400, error: BAD_URLS },
  { name: "member add, empty", path: "/v3/cluster/member/add", body: "", status: 400, error: BAD_URLS },
  // etcd: an unknown compare target compares as equal; the txn writes.
  {
    name: "writing txn, compare target 7",
    path: "/v3/kv/txn",
    body: JSON.stringify({
      compare: [{ key: b64("a"), target: 7, result: "EQUAL" }],
      success: [{ request_put: { key: b64("t7"), value: b64("v") } }],
    }),
    status: 200,
    check: (a) => assert.is(a.succeeded, true),
  },
  // etcd 3.4 crashes on an unknown sort target; tsetcd refuses it, alone or inside a writing txn.
  {
    name: "range, sort target 9",
    path: "/v3/kv/range",
    body: JSON.stringify({ key: b64("a"), sort_target: 9 }),
    status: 400,
    error: [3, "etcdserver: unknown sort target"],
  },
  {
    name: "writing txn, sort target 9",
    path: "/v3/kv/txn",
    body: JSON.stringify({
      success: [{ request_put: { key: b64("s9"), value: b64("v") } }, { request_range: { key: b64("a"), sort_target: 9 } }],
    }),
    status: 400,
    error: [3, "etcdserver: unknown sort target"],
  },
  // etcd: an unknown sort order leaves rows unsorted (key order): 200.
  { name: "range, sort order 7", path: "/v3/kv/range", body: JSON.stringify({ key: b64("a"), sort_order: 7, sort_target: "VALUE" }), status: 200 },
];

async function send(url: string, c: Case): Promise<[number, Record<string, unknown>]> {
  const cbor = c.body instanceof Uint8Array;
  const response = await fetch(url + c.path, {
    method: "POST",
    body: c.body,
    headers: cbor ? { "content-type": "application/cbor" } : {},
  });
  const bytes = new Uint8Array(await response.arrayBuffer());
  const answer = cbor ? decodeCborValue(bytes) : JSON.parse(new TextDecoder().decode(bytes));
  return [response.status, answer as Record<string, unknown>];
}

async function healthy(server: ServerProcess): Promise<void> {
  const response = await fetch(`${server.url}/health`);
  assert.is(response.status, 200);
  assert.equal(await response.json(), { health: "true" });
}

test("each request that crashed a member gets etcd's answer, and the member stays up, also after a restart", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tsetcd-crashing-"));
  let server: ServerProcess | undefined;
  try {
    server = await spawnServer(dir, CLIENT_PORT, { args: singleMemberArgs("c1", PEER_PORT) });
    await fetch(`${server.url}/v3/kv/put`, { method: "POST", body: JSON.stringify({ key: b64("a"), value: b64("1") }) });
    for (const c of CASES) {
      const [status, answer] = await send(server.url, c);
      assert.is(status, c.status, `${c.name}: ${JSON.stringify(answer, (_k, v) => typeof v === "bigint" ? String(v) : v)}`);
      if (c.error !== undefined) {
        assert.is(answer.code, c.error[0], c.name);
        assert.is(answer.message, c.error[1], c.name);
      } else {
        c.check?.(answer);
      }
      await healthy(server);
    }
    // The keep-alive stream: a client frame that claims to be an error is not a request (it answered
    // with the client's own code, a 500 for a code that is none).
    const frame = encodeFrame(encodeCbor({ error: { code: "x", message: 5 } }));
    const keepAlive = await fetch(`${server.url}/v3/lease/keepalive`, {
      method: "POST",
      body: frame,
      headers: { "content-type": "application/cbor" },
    });
    assert.is(keepAlive.status, 400);
    await keepAlive.arrayBuffer();
    await healthy(server);
    // A watch frame of wrong types, and one whose length prefix is absurd: the client's 400, not a 500.
    for (const body of [encodeFrame(encodeCbor({ create_request: { key: 5 } })), new Uint8Array([0xff, 0xff, 0xff, 0xff, 1])]) {
      const watch = await fetch(`${server.url}/v3/watch`, {
        method: "POST",
        body,
        headers: { "content-type": "application/cbor" },
      });
      assert.is(watch.status, 400);
      await watch.arrayBuffer();
      await healthy(server);
    }

    await stopServer(server);
    assert.not.match(server.stderr(), /fatal/);
    server = await spawnServer(dir, CLIENT_PORT, { args: singleMemberArgs("c1", PEER_PORT) });
    await healthy(server);
    const [status, range] = await send(server.url, { name: "read", path: "/v3/kv/range", body: JSON.stringify({ key: b64("t7") }), status: 200 });
    assert.is(status, 200);
    assert.is((range.kvs as unknown[]).length, 1);
    const [, s9] = await send(server.url, { name: "read", path: "/v3/kv/range", body: JSON.stringify({ key: b64("s9") }), status: 200 });
    assert.is(s9.kvs, undefined, "the refused txn wrote nothing");
  } finally {
    if (server !== undefined) await stopServer(server);
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
