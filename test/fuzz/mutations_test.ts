/**
 * The fuzzer's pure parts: the wire writers, the seeded mutation generators (deterministic, covering every
 * field of every request kind and every route the server has, never able to touch the sentinels or the
 * membership with a valid request), the judging of answers and the folding of findings into classes.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { decodeCborValue } from "../../src/codec/cbor.ts";
import { decodeStdBase64 } from "../../src/codec/go_base64.ts";
import { fieldsOf, type FieldDef, type MessageKind } from "../../src/codec/schema.ts";
import { Prng } from "../../src/sim/prng.ts";
import { classify, judgeHttp, summariseError } from "./findings.ts";
import { peerGarbage } from "./peer_garbage.ts";
import { baselineOf, type Encoding, ENCODINGS, FUZZ_KEY_PREFIX, type Mutation, type MutationOptions } from "./baselines.ts";
import { fieldPaths, valuesForField } from "./field_mutations.ts";
import { routeMutations } from "./mutations.ts";
import { betaAlias, canonicalPath, RPC_ROUTES, type RouteSpec } from "./routes.ts";
import { encodeWire, Raw, toCbor, toJson, WireMap, wmap } from "./wire.ts";

const OPTIONS: MutationOptions = { maxRequestBytes: 1_572_864, topValuesPerField: 100, nestedValuesPerField: 6 };
const REPO = join(import.meta.dir, "..", "..");
const UTF8 = new TextDecoder();

/** Generating every route's bodies takes seconds; tests that only read them share one copy per seed. */
const CACHE = new Map<string, Mutation[]>();
function cached(r: RouteSpec, encoding: Encoding, seed: number): Mutation[] {
  const key = `${r.path} ${encoding} ${seed}`;
  let out = CACHE.get(key);
  if (out === undefined) CACHE.set(key, out = routeMutations(r, encoding, new Prng(seed), OPTIONS));
  return out;
}

function route(path: string) {
  const r = RPC_ROUTES.find((x) => x.path === path);
  if (r === undefined) throw new Error(`no route ${path}`);
  return r;
}

test("wire: JSON keeps what JSON.stringify cannot say (NaN, huge integers, duplicate keys, raw bytes)", () => {
  const tree = new WireMap([["a", Number.NaN], ["a", 2n ** 70n], ["b", new Raw('"\\ud800"', Uint8Array.of(0))], ["c", -0]]);
  assert.is(UTF8.decode(toJson(tree)), '{"a":NaN,"a":1180591620717411303424,"b":"\\ud800","c":-0}');
  assert.is(UTF8.decode(toJson(wmap({ k: Uint8Array.of(1, 2, 3) }))), '{"k":"AQID"}');
});

test("wire: CBOR decodes back with cbor-x, 64-bit integers exact, bignums tagged", () => {
  const tree = wmap({ s: "x", n: -5, big: 2n ** 64n - 1n, neg: -(2n ** 63n), bytes: Uint8Array.of(9), list: [true, null, 1.5] });
  const back = decodeCborValue(toCbor(tree)) as Record<string, unknown>;
  assert.is(back.s, "x");
  assert.is(back.n, -5);
  assert.is(back.big, 2n ** 64n - 1n);
  assert.is(back.neg, -(2n ** 63n));
  assert.equal([...(back.bytes as Uint8Array)], [9]);
  assert.equal(back.list, [true, null, 1.5]);
  assert.is(toCbor(2n ** 70n)[0], 0xc2, "past 64 bits: tag 2");
  assert.is(toCbor(-(2n ** 70n))[0], 0xc3, "negative past 64 bits: tag 3");
});

test("mutations: the same seed gives the same bodies, another seed other values", () => {
  const grant = route("/v3/kv/txn");
  for (const encoding of ENCODINGS) {
    const a = routeMutations(grant, encoding, new Prng(7), OPTIONS);
    const b = routeMutations(grant, encoding, new Prng(7), OPTIONS);
    const c = routeMutations(grant, encoding, new Prng(8), OPTIONS);
    assert.equal(a.map((m) => m.name), b.map((m) => m.name));
    assert.ok(a.every((m, i) => Buffer.from(m.body).equals(Buffer.from(b[i]!.body))), `${encoding}: bodies differ for one seed`);
    const differs = a.some((m, i) => m.name !== c[i]?.name || !Buffer.from(m.body).equals(Buffer.from(c[i]!.body)));
    assert.ok(differs, `${encoding}: seeds 7 and 8 gave identical plans`);
  }
});

test("mutations: every field of every request kind gets wrong types and is left out, nested fields too", () => {
  // With the sample size the cluster test uses: the wrong types and boundaries are never sampled away.
  const sampled: MutationOptions = { ...OPTIONS, topValuesPerField: 8 };
  for (const r of RPC_ROUTES) {
    if (r.kind === undefined) continue;
    for (const encoding of ENCODINGS) {
      const names = new Set(routeMutations(r, encoding, new Prng(1), sampled).map((m) => m.name));
      for (const path of fieldPaths(r.kind)) {
        assert.ok(names.has(`field ${path.label}: left out`), `${r.path} ${encoding}: ${path.label} never left out`);
        const wrong = [...names].filter((n) => n.startsWith(`field ${path.label}: `) && !n.endsWith("left out"));
        const want = path.defs.length === 1 ? 10 : OPTIONS.nestedValuesPerField;
        assert.ok(wrong.length >= want, `${r.path} ${encoding}: ${path.label} got ${wrong.length} bad values`);
      }
      for (const def of fieldsOf(r.kind)) {
        if (def.kind === "message") continue;
        const always = ["string", "object", "array", "bool", "null"];
        if (["int64", "uint64", "id64", "uid64", "int32", "uint32"].includes(def.kind)) always.push("int64 max", "uint64 max", "NaN");
        if (def.kind === "enum") always.push("enum past the last value");
        if (def.kind === "string") always.push("URL with a path");
        for (const kind of always) {
          const name = def.repeated ? `field ${def.name}: list element ${kind}` : `field ${def.name}: ${kind}`;
          assert.ok(names.has(name), `${r.path}: no ${name}`);
        }
      }
    }
  }
  // Nested: a txn reaches the put inside a success op and the compare's oneof members.
  const txn = new Set(cached(route("/v3/kv/txn"), "json", 1).map((m) => m.name));
  assert.ok(txn.has("field success[0].request_put.lease: left out"));
  assert.ok(txn.has("field compare[0].mod_revision: left out"));
});

test("mutations: integer and enum fields get NaN, ±Infinity, out-of-range int64 strings, bad names", () => {
  const grant = cached(route("/v3/lease/grant"), "cbor", 1);
  const byName = new Map(grant.map((m) => [m.name, m.body]));
  const ttlNaN = decodeCborValue(byName.get("field TTL: NaN")!) as Record<string, unknown>;
  assert.ok(Number.isNaN(ttlNaN.TTL), "CBOR NaN reaches the TTL field as a float");
  const inf = decodeCborValue(byName.get("field TTL: -Infinity")!) as Record<string, unknown>;
  assert.is(inf.TTL, Number.NEGATIVE_INFINITY);
  const json = new Map(cached(route("/v3/lease/grant"), "json", 1).map((m) => [m.name, UTF8.decode(m.body)]));
  assert.is(json.get("field TTL: int64 max+1 string"), '{"TTL":"9223372036854775808"}');
  assert.is(json.get("field TTL: uint64 max+1 string"), '{"TTL":"18446744073709551616"}');
  assert.is(json.get("field TTL: NaN"), '{"TTL":NaN}');
  const range = new Map(cached(route("/v3/kv/range"), "json", 1).map((m) => [m.name, UTF8.decode(m.body)]));
  assert.match(range.get("field sort_order: enum unknown name")!, '"sort_order":"FUZZ_NOT_A_VALUE"');
  assert.match(range.get("field sort_order: enum -1")!, '"sort_order":-1');
});

test("mutations: the empty-body lease grant of issue 9 is in the plan, in both encodings", () => {
  for (const encoding of ENCODINGS) {
    const empty = cached(route("/v3/lease/grant"), encoding, 1).find((m) => m.name === "body: empty");
    assert.ok(empty !== undefined && empty.body.length === 0 && (empty.method ?? "POST") === "POST");
  }
});

test("mutations: oversized bodies are past --max-request-bytes; truncated CBOR does not decode; nested txns nest", () => {
  for (const r of RPC_ROUTES) {
    for (const encoding of ENCODINGS) {
      const all = cached(r, encoding, 1);
      const over = all.filter((m) => m.oversized === true);
      assert.ok(over.length >= 1, `${r.path} ${encoding}: no oversized body`);
      for (const m of over) assert.ok(m.body.length > OPTIONS.maxRequestBytes, `${r.path} ${m.name}: ${m.body.length} bytes`);
    }
  }
  const put = cached(route("/v3/kv/put"), "cbor", 1);
  for (const m of put.filter((x) => x.name.startsWith("body: truncated"))) {
    assert.throws(() => decodeCborValue(m.body), undefined, `${m.name} decodes`);
  }
  const txn = cached(route("/v3/kv/txn"), "json", 1).find((m) => m.name === "body: txn nested 8 deep")!;
  let node = JSON.parse(UTF8.decode(txn.body)) as { success: { request_txn?: unknown; request_put?: unknown }[] };
  let depth = 0;
  for (; node.success[0]!.request_txn !== undefined && depth < 100; depth++) node = node.success[0]!.request_txn as typeof node;
  assert.is(depth, 8);
  assert.ok(node.success[0]!.request_put !== undefined, "a put at the bottom");
  const cborTxn = cached(route("/v3/kv/txn"), "cbor", 1).find((m) => m.name === "body: txn nested 8 deep")!;
  assert.equal(JSON.stringify(decodeCborValue(cborTxn.body)).split("request_txn").length - 1, 8);
});

test("mutations: no valid key reaches before zfuzz/ and no member URL is valid (the sentinels and membership stay safe)", () => {
  const rng = new Prng(11);
  const bytesDefs: FieldDef[] = fieldsOf("DeleteRangeRequest").filter((d) => d.kind === "bytes");
  assert.equal(bytesDefs.map((d) => d.name), ["key", "range_end"]);
  for (const def of bytesDefs) {
    for (const [name, value] of valuesForField(def, rng)) {
      let bytes: Uint8Array | undefined;
      if (value instanceof Uint8Array) bytes = value;
      if (typeof value === "string") {
        try {
          bytes = decodeStdBase64(value);
        } catch {
          continue; // invalid base64: refused before anything runs
        }
      }
      if (bytes === undefined || bytes.length === 0) continue;
      const text = Buffer.from(bytes).toString("latin1");
      const ok = text.startsWith(FUZZ_KEY_PREFIX) || (def.name === "range_end" && text === "\0");
      assert.ok(ok, `${def.name} ${name}: valid bytes ${JSON.stringify(text.slice(0, 20))} sort before ${FUZZ_KEY_PREFIX}`);
    }
  }
  for (const kind of ["MemberAddRequest", "MemberUpdateRequest"] as MessageKind[]) {
    for (const encoding of ENCODINGS) {
      const r = RPC_ROUTES.find((x) => x.kind === kind)!;
      for (const m of cached(r, encoding, 1)) {
        // etcd takes scheme://host:port and nothing more; every URL here lacks the port or has a path.
        for (const url of Buffer.from(m.body).toString("latin1").match(/(https?|unixs?):\/\/[^"\s]*/g) ?? []) {
          assert.ok(!/^[a-z]+:\/\/[^/:]+:\d+$/.test(url), `${kind} ${m.name} carries a valid URL ${url}`);
        }
      }
      const urls = cached(r, encoding, 1).filter((m) => m.name.includes("URL with a path"));
      assert.ok(urls.length > 0, `${kind}: no URL with a path`);
    }
  }
  assert.is(UTF8.decode(encodeWire(baselineOf("DeleteRangeRequest"), "json")), '{"key":"emZ1enovZA==","range_end":"emZ1enovZQ==","prev_kv":true}');
});

test("routes: every route in src/api is fuzzed, with the request kind the server decodes", () => {
  const http = readFileSync(join(REPO, "src", "api", "http.ts"), "utf8");
  const lease = readFileSync(join(REPO, "src", "api", "lease_routes.ts"), "utf8");
  const found = new Map<string, string>();
  for (const m of http.matchAll(/"(\/v3\/[^"]+)": \{\s*request: "(\w+)"/g)) found.set(m[1]!, m[2]!);
  const consts = new Map<string, string>();
  for (const m of lease.matchAll(/const (\w+): UnaryRoute = \{\s*request: "(\w+)"/g)) consts.set(m[1]!, m[2]!);
  for (const m of lease.matchAll(/"(\/v3\/[^"]+)": (\w+),/g)) found.set(m[1]!, consts.get(m[2]!) ?? "?");
  for (const m of lease.matchAll(/path === "(\/v3\/[^"]+)"/g)) found.set(m[1]!, m[1] === "/v3/watch" ? "WatchRequest" : "LeaseKeepAliveRequest");
  assert.ok(found.size >= 21, `read only ${found.size} routes from src/api: the patterns no longer match the source`);
  for (const [path, kind] of found) {
    const r = RPC_ROUTES.find((x) => x.path === path);
    assert.ok(r !== undefined, `${path} is served but not fuzzed`);
    assert.is(r.kind, kind, `${path} reads ${kind}`);
  }
  // Any route path named in any src/api file (a new route module included) must be fuzzed.
  for (const file of readdirSync(join(REPO, "src", "api")).filter((f) => f.endsWith(".ts"))) {
    const text = readFileSync(join(REPO, "src", "api", file), "utf8");
    for (const m of text.matchAll(/"(\/v3\/[a-z-]+\/[a-z/-]+)"/g)) {
      assert.ok(RPC_ROUTES.some((r) => r.path === m[1]), `src/api/${file} names ${m[1]}, which is not fuzzed`);
    }
  }
  assert.ok(RPC_ROUTES.some((r) => r.path === "/v3/maintenance/snapshot"));
  assert.is(canonicalPath(betaAlias(route("/v3/kv/put")).path), "/v3/kv/put");
});

test("peer garbage: framing violations announce absurd lengths; a good handshake carries the cluster's token and ids", () => {
  const id = { clusterToken: "tok-x", memberId: 0xabcn, peerId: 0xdefn };
  const all = peerGarbage(new Prng(1), id);
  const absurd = all.find((g) => g.name === "absurd length prefix")!;
  assert.equal([...absurd.bytes.subarray(0, 4)], [255, 255, 255, 255]);
  const raft = all.find((g) => g.name === "raft channel: garbage batch")!;
  const length = new DataView(raft.bytes.buffer, raft.bytes.byteOffset).getUint32(0);
  assert.is(raft.bytes[4], 1, "handshake frame kind");
  assert.equal(decodeCborValue(raft.bytes.subarray(5, 4 + length)), [1, "tok-x", 0xdef, 0xabc, 0]); // small ids decode as numbers
  assert.ok(all.filter((g) => g.mustClose).length >= 15);
  assert.equal(peerGarbage(new Prng(1), id).map((g) => [...g.bytes].join()), all.map((g) => [...g.bytes].join()));
});

test("findings: hangs, drops, 5xx and leaked JavaScript errors are findings; etcd's own watch 500 is not", () => {
  const ctx = {
    route: "/v3/kv/range",
    encoding: "json",
    mutation: "m",
    request: "r",
    oversized: false,
    unary: true,
    sentFormat: "json" as const,
    timeoutMs: 100,
  };
  const json = (v: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(v));
  const ok = { timedOut: false, elapsedMs: 1, contentType: "application/json" };
  assert.is(judgeHttp({ timedOut: true, elapsedMs: 100 }, ctx)?.kind, "hang");
  assert.is(judgeHttp({ timedOut: false, elapsedMs: 1, error: "ECONNRESET" }, ctx)?.kind, "dropped");
  assert.is(judgeHttp({ timedOut: false, elapsedMs: 1, error: "ECONNRESET" }, { ...ctx, oversized: true }), undefined);
  assert.is(judgeHttp({ ...ok, status: 400, body: json({ code: 3, message: "bad" }) }, ctx), undefined);
  assert.is(judgeHttp({ ...ok, status: 503, body: json({ code: 14, message: "no leader" }) }, ctx)?.kind, "5xx");
  const watch500 = { ...ok, status: 500, body: json({ code: 2, message: "json: cannot unmarshal" }) };
  assert.is(judgeHttp(watch500, { ...ctx, route: "/v3/watch" }), undefined);
  assert.is(judgeHttp(watch500, ctx)?.kind, "5xx");
  assert.is(judgeHttp(watch500, { ...ctx, route: "/v3/watch", sentFormat: "cbor" })?.kind, "5xx", "CBOR is ours: a 400");
  const leaked = { ...ok, status: 500, body: json({ code: 2, message: "TypeError: undefined is not an object" }) };
  assert.is(judgeHttp(leaked, { ...ctx, route: "/v3/watch" })?.kind, "5xx");
  const leaked400 = { ...ok, status: 400, body: json({ code: 3, message: "cbor: Maximum call stack size exceeded." }) };
  assert.is(judgeHttp(leaked400, ctx)?.kind, "internal");
  assert.is(judgeHttp({ ...ok, status: 400, body: new TextEncoder().encode("{not json") }, ctx)?.kind, "undecodable");
  const lines = { ...ok, status: 200, body: new TextEncoder().encode('{"result":{}}\n{"result":{}}\n') };
  assert.is(judgeHttp(lines, ctx)?.kind, "undecodable", "a unary answer is one message");
  assert.is(judgeHttp(lines, { ...ctx, route: "/v3/lease/keepalive", unary: false }), undefined, "a stream is many");
});

test("findings: classes fold numbers, quoted values and routes of one error; generic kinds stay per route", () => {
  const f = (route: string, detail: string, mutation = "m") => ({ kind: "5xx" as const, route, encoding: "json", mutation, detail });
  const classes = classify([
    f("/v3/kv/range", "500 code 2: mvcc: unknown sort order -1", "a"),
    f("/v3/kv/range", "500 code 2: mvcc: unknown sort order 100", "b"),
    f("/v3/kv/txn", "500 code 2: mvcc: unknown sort order 100"),
    f("/v3/kv/range", '500 code 2: bad "x"'),
    { ...f("/v3/kv/range", "no answer within 8000 ms"), kind: "hang" },
    { ...f("/v3/kv/put", "no answer within 8000 ms"), kind: "hang" },
  ]);
  assert.is(classes.length, 4);
  assert.is(classes[0]!.count, 3);
  assert.equal(classes[0]!.alsoBy, ["json b", "/v3/kv/txn json m"]);
  assert.equal(classes.filter((c) => c.first.kind === "hang").map((c) => c.first.route), ["/v3/kv/range", "/v3/kv/put"]);
});

test("findings: a Bun error print becomes one line: prefix, message, first frame", () => {
  const lines = [
    "tsetcd: fatal: the Ready loop failed: 33 | export function x() {",
    "34 |   throw new Error(`lease TTL must be an integer, got ${ttl}`);",
    "                 ^",
    "error: lease TTL must be an integer, got undefined",
    "      at grantedTtlS (/tmp/x/src/lease/rules.ts:35:11)",
    "      at grant (/tmp/x/src/lease/mod.ts:80:3)",
  ];
  assert.is(
    summariseError(lines, 0),
    "tsetcd: fatal: the Ready loop failed: lease TTL must be an integer, got undefined (at grantedTtlS rules.ts:35)",
  );
  const dom = ["tsetcd: internal error serving a request: DOMException {", "  code: 20,", '  name: "AbortError",',
    '  message: "The operation was aborted.",', "  INDEX_SIZE_ERR: 1,"];
  assert.is(summariseError(dom, 0), "tsetcd: internal error serving a request: AbortError: The operation was aborted.");
});

test.run();
