/**
 * What the cluster fuzzer (test/fuzz) found after the request boundary landed (issue 9, seed 372698601),
 * sent to a running server as a user would: each now gets etcd 3.4's answer (checked live with etcd 3.4.23
 * over its gateway where etcd has one) or a clean InvalidArgument, never a 5xx of our own, never a
 * JavaScript engine's text, and the member stays healthy after each. Before the fixes:
 * - int64 extremes etcd accepts (a lease TTL of int64 min, a compare against int64 max/min) were proposed
 *   and failed at apply: 500 "request could not be applied: … cannot unmarshal number -9223372036854776000";
 * - a keep-alive JSON value nested past Go's depth bound or over the stream's bound: 500 "JSON value over
 *   65536 characters";
 * - CBOR nested 50,000+ deep: 400 "cbor: Maximum call stack size exceeded."; a CBOR txn nested 5,000 deep:
 *   500 "Maximum call stack size exceeded.";
 * - a CBOR watch body cut inside its first frame: 500 "unexpected EOF";
 * - a client abandoning a keep-alive stream: "tsetcd: internal error serving a lease request: AbortError".
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeCborValue, encodeCbor } from "../../src/codec/cbor.ts";
import { encodeFrame } from "../../src/codec/frames.ts";
import { b64, type ServerProcess, singleMemberArgs, spawnServer, stopServer } from "./process_helpers.ts";

const CLIENT_PORT = 34100;
const PEER_PORT = 34101;
const REQUEST_TIMEOUT_MS = 10_000;
const enc = new TextEncoder();

type Answer = Record<string, unknown>;

interface Case {
  name: string;
  path: string;
  /** A JSON body as text, or bytes sent as CBOR. */
  body: string | Uint8Array;
  status: number;
  /** The gRPC code and message of an error answer; undefined for a success. */
  error?: [number, string];
  check?: (answer: Answer) => void;
}

const MIN_TTL = "2"; // etcd 3.4.23 with its defaults answers TTL "2" for TTL ≤ 0, int64 min included
const INT64_MAX = "9223372036854775807";
const INT64_MIN = "-9223372036854775808";
const CBOR_TOO_DEEP: [number, string] = [3, "cbor: exceeded max depth 10000"];

function repeated(prefix: number[], times: number, tail: number[]): Uint8Array {
  const out = new Uint8Array(prefix.length * times + tail.length);
  for (let i = 0; i < times; i++) out.set(prefix, i * prefix.length);
  out.set(tail, prefix.length * times);
  return out;
}

/** CBOR {"a": {"a": … null}} nested `depth` maps deep. */
const cborMaps = (depth: number): Uint8Array => repeated([0xa1, 0x61, 0x61], depth, [0xf6]);
/** CBOR [[[… null]]] nested `depth` arrays deep. */
const cborArrays = (depth: number): Uint8Array => repeated([0x81], depth, [0xf6]);

/** A txn nested `depth` levels through success[0].request_txn, as a plain value. */
function nestedTxn(depth: number): unknown {
  let txn: unknown = {};
  for (let i = 0; i < depth; i++) txn = { success: [{ request_txn: txn }] };
  return txn;
}

/** A txn of `depth` levels as CBOR bytes, written without recursion (the encoder's own would overflow). */
function cborNestedTxn(depth: number): Uint8Array {
  const level = [0xa1, 0x67, ...enc.encode("success"), 0x81, 0xa1, 0x6b, ...enc.encode("request_txn")];
  return repeated(level, depth, [0xa0]);
}

const CASES: Case[] = [
  // 1. int64 extremes: etcd answers them as legal requests.
  { name: "grant TTL int64 min", path: "/v3/lease/grant", body: `{"TTL":"${INT64_MIN}"}`, status: 200, check: (a) => assert.is(a.TTL, MIN_TTL) },
  { name: "CBOR grant TTL int64 min", path: "/v3/lease/grant", body: encodeCbor({ TTL: -(2n ** 63n) }), status: 200, check: (a) => assert.is(a.TTL, 2) },
  {
    name: "txn: version < int64 max",
    path: "/v3/kv/txn",
    body: JSON.stringify({ compare: [{ key: b64("a"), target: "VERSION", result: "LESS", version: INT64_MAX }] }),
    status: 200,
    check: (a) => assert.is(a.succeeded, true),
  },
  {
    name: "txn: mod_revision > int64 min",
    path: "/v3/kv/txn",
    body: JSON.stringify({ compare: [{ key: b64("a"), target: "MOD", result: "GREATER", mod_revision: INT64_MIN }] }),
    status: 200,
    check: (a) => assert.is(a.succeeded, true),
  },
  {
    name: "txn: mod_revision > int64 max",
    path: "/v3/kv/txn",
    body: JSON.stringify({ compare: [{ key: b64("a"), target: "MOD", result: "GREATER", mod_revision: INT64_MAX }] }),
    status: 200,
    check: (a) => assert.is(a.succeeded, undefined), // false: the gateway leaves it out
  },
  {
    name: "CBOR txn: version < int64 max, a put on success",
    path: "/v3/kv/txn",
    body: encodeCbor({
      compare: [{ key: enc.encode("a"), target: 0, result: 2, version: 2n ** 63n - 1n }],
      success: [{ request_put: { key: enc.encode("b"), value: enc.encode("1") } }],
    }),
    status: 200,
    check: (a) => assert.is(a.succeeded, true),
  },
  {
    name: "compaction at int64 max",
    path: "/v3/kv/compaction",
    body: `{"revision":"${INT64_MAX}"}`,
    status: 400,
    error: [11, "etcdserver: mvcc: required revision is a future revision"],
  },
  // 2. keep-alive JSON too deep (etcd's text; etcd's gateway says 500 code 2, ours is the client's 400) or too big.
  {
    name: "keep-alive: object nested 50,000 deep",
    path: "/v3/lease/keepalive",
    body: '{"ID":'.repeat(50_000) + "1" + "}".repeat(50_000),
    status: 400,
    error: [3, "invalid character '{' exceeded max depth"],
  },
  {
    name: "keep-alive: array nested 100,000 deep",
    path: "/v3/lease/keepalive",
    body: "[".repeat(100_000) + "]".repeat(100_000),
    status: 400,
    error: [3, "invalid character '[' exceeded max depth"],
  },
  {
    name: "keep-alive: one value of 2 MB",
    path: "/v3/lease/keepalive",
    body: `{"ID":"1","x":"${"a".repeat(2_000_000)}"}`,
    status: 400,
    error: [3, "request message over 65536 characters is too large"],
  },
  // 3, 4. CBOR nested past the bound, on every route that decodes CBOR.
  { name: "keep-alive: CBOR frame of arrays 100,000 deep", path: "/v3/lease/keepalive", body: encodeFrame(cborArrays(100_000)), status: 400, error: CBOR_TOO_DEEP },
  { name: "keep-alive: CBOR frame of maps 50,000 deep", path: "/v3/lease/keepalive", body: encodeFrame(cborMaps(50_000)), status: 400, error: CBOR_TOO_DEEP },
  { name: "watch: CBOR frame of maps 50,000 deep", path: "/v3/watch", body: encodeFrame(cborMaps(50_000)), status: 400, error: CBOR_TOO_DEEP },
  { name: "range: CBOR maps 50,000 deep", path: "/v3/kv/range", body: cborMaps(50_000), status: 400, error: CBOR_TOO_DEEP },
  { name: "put: CBOR arrays 100,000 deep", path: "/v3/kv/put", body: cborArrays(100_000), status: 400, error: CBOR_TOO_DEEP },
  // 5. A CBOR watch body cut inside its first frame (a 100-byte frame with 15 bytes sent).
  {
    name: "watch: CBOR frame cut short",
    path: "/v3/watch",
    body: new Uint8Array([0, 0, 0, 100, 0xa1, 0x6e, ...enc.encode("create_request")]),
    status: 400,
    error: [3, "unexpected EOF"],
  },
  // 6. Nested txns: etcd's answers in JSON; CBOR is refused by its depth before any recursion.
  { name: "CBOR txn nested 5,000 deep", path: "/v3/kv/txn", body: cborNestedTxn(5_000), status: 400, error: CBOR_TOO_DEEP },
  {
    name: "CBOR txn nested 3,000 deep",
    path: "/v3/kv/txn",
    body: cborNestedTxn(3_000),
    status: 400,
    error: [3, "etcdserver: too many operations in txn request"],
  },
  {
    name: "JSON txn nested 5,000 deep",
    path: "/v3/kv/txn",
    body: JSON.stringify(nestedTxn(5_000)),
    status: 400,
    error: [3, "invalid character '[' exceeded max depth"],
  },
  {
    name: "JSON txn nested 3,000 deep",
    path: "/v3/kv/txn",
    body: JSON.stringify(nestedTxn(3_000)),
    status: 400,
    error: [3, "etcdserver: too many operations in txn request"],
  },
];

async function send(url: string, c: Case): Promise<[number, Answer]> {
  const cbor = c.body instanceof Uint8Array;
  const response = await fetch(url + c.path, {
    method: "POST",
    body: c.body,
    headers: cbor ? { "content-type": "application/cbor" } : {},
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const bytes = new Uint8Array(await response.arrayBuffer());
  // A stream's error answer (status ≥ 400) is one body, not frames.
  const answer = cbor ? decodeCborValue(bytes) : JSON.parse(new TextDecoder().decode(bytes));
  return [response.status, answer as Answer];
}

async function healthy(server: ServerProcess, label: string): Promise<void> {
  const response = await fetch(`${server.url}/health`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  assert.is(response.status, 200, `unhealthy after ${label}`);
  assert.equal(await response.json(), { health: "true" }, `unhealthy after ${label}`);
}

/**
 * Opens a keep-alive stream whose body sends `sent` and then stays open, and abandons it after `afterMs`:
 * the client goes away while the server waits for the rest.
 */
async function abandonKeepAlive(url: string, sent: Uint8Array, cbor: boolean, afterMs: number): Promise<void> {
  const abort = new AbortController();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      if (sent.length > 0) controller.enqueue(sent);
    },
  });
  const pending = fetch(`${url}/v3/lease/keepalive`, {
    method: "POST",
    body,
    headers: cbor ? { "content-type": "application/cbor" } : {},
    signal: abort.signal,
    duplex: "half",
  }).then((r) => r.body?.cancel(), () => undefined);
  await Bun.sleep(afterMs);
  abort.abort();
  await pending;
}

test("each finding of the fuzzer gets etcd's answer or a clean 400, and the member stays healthy", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tsetcd-fuzz-findings-"));
  let server: ServerProcess | undefined;
  try {
    server = await spawnServer(dir, CLIENT_PORT, { args: singleMemberArgs("f1", PEER_PORT) });
    await fetch(`${server.url}/v3/kv/put`, { method: "POST", body: JSON.stringify({ key: b64("a"), value: b64("1") }) });
    // Every case is tried and every wrong answer listed, so one run shows all that differ.
    const wrong: string[] = [];
    for (const c of CASES) {
      const [status, answer] = await send(server.url, c);
      const shown = JSON.stringify(answer, (_k, v) => typeof v === "bigint" ? String(v) : v).slice(0, 300);
      try {
        assert.is(status, c.status);
        if (c.error !== undefined) assert.equal([answer.code, answer.message], c.error);
        else c.check?.(answer);
      } catch {
        wrong.push(`${c.name}: ${status} ${shown}`);
      }
      await healthy(server, c.name);
    }
    assert.equal(wrong, [], wrong.join("\n"));
    assert.not.match(server.stderr(), /internal error/, "no request above is our fault");
  } finally {
    if (server !== undefined) await stopServer(server);
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a client abandoning a keep-alive stream is no internal error", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tsetcd-fuzz-abandon-"));
  let server: ServerProcess | undefined;
  try {
    server = await spawnServer(dir, CLIENT_PORT, { args: singleMemberArgs("f1", PEER_PORT) });
    const grant = await fetch(`${server.url}/v3/lease/grant`, { method: "POST", body: '{"TTL":60}' });
    const id = String(((await grant.json()) as Answer).ID);
    const half = encodeFrame(encodeCbor({ result: { ID: BigInt(id) } })).slice(0, 6);
    // Before the first request is whole, and after it was answered, in both encodings.
    await abandonKeepAlive(server.url, new Uint8Array(0), false, 300);
    await abandonKeepAlive(server.url, enc.encode(`{"ID":"${id}"`), false, 300);
    await abandonKeepAlive(server.url, half, true, 300);
    await abandonKeepAlive(server.url, enc.encode(`{"ID":"${id}"}\n`), false, 300);
    await abandonKeepAlive(server.url, encodeFrame(encodeCbor({ result: { ID: BigInt(id) } })), true, 300);
    await Bun.sleep(500); // the server notices the closed connections
    await healthy(server, "abandoned streams");
    assert.not.match(server.stderr(), /internal error|AbortError/, server.stderr());
  } finally {
    if (server !== undefined) await stopServer(server);
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
