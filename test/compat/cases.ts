/**
 * The scenarios of the differential suite, in the order they run against both servers (state carries over:
 * revisions must line up). Expectations (`status`, `includes`) were recorded from etcd 3.4.23.
 */
import { b64, type Step } from "./harness.ts";

/** Both servers run with this --max-request-bytes so oversize cases stay small and fast. */
export const MAX_REQUEST_BYTES = 1024;

const j = JSON.stringify;

function put(name: string, body: Record<string, unknown>, status = 200): Step {
  return { name, path: "/v3/kv/put", body: j(body), status };
}

function range(name: string, body: Record<string, unknown>, status = 200): Step {
  return { name, path: "/v3/kv/range", body: j(body), status };
}

const ALL = { key: b64("\0"), range_end: b64("\0") };

/** Writes that give keys distinct versions, create and mod revisions and values for the sort cases. */
export const PUT_AND_RANGE: Step[] = [
  put("put foo", { key: b64("foo"), value: b64("bar") }),
  put("put foo again with prev_kv", { key: b64("foo"), value: b64("baz"), prev_kv: true }),
  put("put ignore_value keeps the value", { key: b64("foo"), ignore_value: true, prev_kv: true }),
  put("put a", { key: b64("a"), value: b64("3") }),
  put("put b", { key: b64("b"), value: b64("1") }),
  put("put c twice (1)", { key: b64("c"), value: b64("2") }),
  put("put c twice (2)", { key: b64("c"), value: b64("0") }),
  put("put empty value", { key: b64("e"), value: "" }),
  put("put binary key", { key: Buffer.from([0xff, 0x00, 0x80]).toString("base64"), value: b64("bin") }),
  put("put with lowerCamel prevKv and numeric-string lease 0", { key: b64("a"), value: b64("4"), prevKv: true, lease: "0" }),
  { ...put("put value with ignore_value", { key: b64("foo"), value: b64("x"), ignore_value: true }, 400), includes: "value is provided" },
  { ...put("put lease with ignore_lease", { key: b64("foo"), lease: "5", ignore_lease: true }, 400), includes: "lease is provided" },
  { ...put("put ignore_value on a missing key", { key: b64("nokey"), ignore_value: true }, 400), includes: "key not found" },
  { ...put("put with a lease that does not exist", { key: b64("foo"), value: b64("x"), lease: "12345" }, 404), includes: "requested lease not found" },
  range("range one key", { key: b64("foo") }),
  range("range a missing key", { key: b64("nope") }),
  range("range [a, c)", { key: b64("a"), range_end: b64("c") }),
  range("range prefix f", { key: b64("f"), range_end: b64("g") }),
  range("range from key b", { key: b64("b"), range_end: b64("\0") }),
  range("range all", ALL),
  range("range all limit 2", { ...ALL, limit: 2 }),
  range("range all limit as string", { ...ALL, limit: "3" }),
  range("range all negative limit", { ...ALL, limit: -1 }),
  range("range all keys_only", { ...ALL, keys_only: true }),
  range("range all count_only", { ...ALL, count_only: true }),
  range("range all count_only with limit", { ...ALL, count_only: true, limit: 1 }),
  range("range all serializable", { ...ALL, serializable: true }),
  range("range at revision 3", { ...ALL, revision: 3 }),
  range("range at revision 2 as string", { ...ALL, revision: "2" }),
  range("range at a future revision", { ...ALL, revision: 1000 }, 400),
  range("range min_mod_revision", { ...ALL, min_mod_revision: 6 }),
  range("range max_mod_revision", { ...ALL, max_mod_revision: 5 }),
  range("range min_create_revision", { ...ALL, min_create_revision: 5 }),
  range("range max_create_revision", { ...ALL, max_create_revision: 4 }),
  range("range mod window with limit", { ...ALL, min_mod_revision: 3, max_mod_revision: 9, limit: 2 }),
  ...["NONE", "ASCEND", "DESCEND"].flatMap((order) =>
    ["KEY", "VERSION", "CREATE", "MOD", "VALUE"].map((target) =>
      range(`range sort ${order} by ${target}`, { ...ALL, sort_order: order, sort_target: target })
    )
  ),
  range("range sort by numbers", { ...ALL, sort_order: 2, sort_target: 4 }),
  range("range sort DESCEND by MOD with limit", { ...ALL, sort_order: "DESCEND", sort_target: "MOD", limit: 2 }),
  range("range lowerCamel names", { key: b64("a"), rangeEnd: b64("z"), sortOrder: "DESCEND", keysOnly: true }),
  range("range unknown field ignored", { key: b64("foo"), bogus: [1, 2] }),
];

export const DELETE_RANGE: Step[] = [
  put("put d1", { key: b64("d1"), value: b64("1") }),
  put("put d2", { key: b64("d2"), value: b64("2") }),
  put("put d3", { key: b64("d3"), value: b64("3") }),
  { name: "delete d1", path: "/v3/kv/deleterange", body: j({ key: b64("d1") }), status: 200 },
  { name: "delete a missing key", path: "/v3/kv/deleterange", body: j({ key: b64("d1") }), status: 200 },
  {
    name: "delete prefix d with prev_kv",
    path: "/v3/kv/deleterange",
    body: j({ key: b64("d"), range_end: b64("e"), prev_kv: true }),
    status: 200,
  },
  { name: "delete with empty key", path: "/v3/kv/deleterange", body: "{}", status: 400, includes: "key is not provided" },
  range("range after deletes", ALL),
];

function cmp(result: string, target: string, key: string, extra: Record<string, unknown>): Record<string, unknown> {
  return { result, target, key: b64(key), ...extra };
}

function txn(name: string, body: Record<string, unknown>, status = 200): Step {
  return { name, path: "/v3/kv/txn", body: j(body), status };
}

const putOp = (key: string, value: string): Record<string, unknown> => ({
  request_put: { key: b64(key), value: b64(value) },
});
const rangeOp = (key: string, rangeEnd?: string): Record<string, unknown> => ({
  request_range: rangeEnd === undefined ? { key: b64(key) } : { key: b64(key), range_end: b64(rangeEnd) },
});

export const TXN: Step[] = [
  txn("empty txn", {}),
  txn("value EQUAL true", {
    compare: [cmp("EQUAL", "VALUE", "foo", { value: b64("baz") })],
    success: [putOp("t1", "yes"), rangeOp("foo")],
    failure: [putOp("t1", "no")],
  }),
  txn("value EQUAL false", {
    compare: [cmp("EQUAL", "VALUE", "foo", { value: b64("nope") })],
    success: [putOp("t1", "yes")],
    failure: [rangeOp("t1"), { request_delete_range: { key: b64("t1"), prev_kv: true } }],
  }),
  txn("version GREATER", { compare: [cmp("GREATER", "VERSION", "c", { version: 1 })], success: [rangeOp("c")] }),
  txn("version LESS as string", { compare: [cmp("LESS", "VERSION", "c", { version: "2" })], failure: [rangeOp("c")] }),
  txn("create NOT_EQUAL", { compare: [cmp("NOT_EQUAL", "CREATE", "a", { create_revision: 0 })], success: [rangeOp("a")] }),
  txn("mod LESS", { compare: [cmp("LESS", "MOD", "b", { mod_revision: 100 })], success: [rangeOp("b")] }),
  txn("missing key version EQUAL 0", { compare: [cmp("EQUAL", "VERSION", "ghost", { version: 0 })], success: [putOp("ghost", "g")] }),
  txn("missing key create EQUAL 0 fails now", { compare: [cmp("EQUAL", "CREATE", "ghost", { create_revision: 0 })] }),
  txn("lease EQUAL 0", { compare: [cmp("EQUAL", "LEASE", "foo", { lease: 0 })], success: [rangeOp("foo")] }),
  txn("compare over a range", {
    compare: [cmp("GREATER", "MOD", "a", { range_end: b64("d"), mod_revision: 1 })],
    success: [rangeOp("a", "d")],
  }),
  txn("compare over a range, one fails", {
    compare: [cmp("EQUAL", "VERSION", "a", { range_end: b64("d"), version: 1 })],
    failure: [rangeOp("a", "d")],
  }),
  txn("several compares by number enums", {
    compare: [
      { result: 0, target: 3, key: b64("foo"), value: b64("baz") },
      { result: 1, target: 0, key: b64("c"), version: "1" },
    ],
    success: [putOp("t2", "both")],
  }),
  txn("nested txn", {
    success: [{
      request_txn: {
        compare: [cmp("EQUAL", "VALUE", "t2", { value: b64("both") })],
        success: [putOp("t3", "nested"), { request_txn: { success: [rangeOp("t3")] } }],
      },
    }],
  }),
  txn("put with prev_kv and delete in one txn", {
    success: [
      { request_put: { key: b64("t4"), value: b64("v"), prev_kv: true } },
      { request_delete_range: { key: b64("t2"), prev_kv: true } },
    ],
  }),
  { ...txn("duplicate put keys", { success: [putOp("dup", "1"), putOp("dup", "2")] }, 400), includes: "duplicate key" },
  {
    ...txn("put and delete of the same key", {
      success: [putOp("dup", "1"), { request_delete_range: { key: b64("dup") } }],
    }, 400),
    includes: "duplicate key",
  },
  { ...txn("txn put with empty key", { success: [{ request_put: { key: "" } }] }, 400), includes: "key is not provided" },
  { ...txn("too many ops", { success: Array.from({ length: 129 }, (_, i) => putOp(`op${i}`, "x")) }, 400), includes: "too many operations" },
  txn("128 ranges is the limit", { success: Array.from({ length: 128 }, () => rangeOp("foo")) }),
  { ...txn("txn range at a future revision", { success: [{ request_range: { key: b64("foo"), revision: 999 } }] }, 400), includes: "future revision" },
  range("range after txns", ALL),
];

export const COMPACTION: Step[] = [
  { name: "compact to 5", path: "/v3/kv/compaction", body: j({ revision: "5" }), status: 200 },
  { name: "compact to 5 again", path: "/v3/kv/compaction", body: j({ revision: 5 }), status: 400, includes: "compacted" },
  { name: "compact to 4", path: "/v3/kv/compaction", body: j({ revision: 4 }), status: 400, includes: "compacted" },
  { name: "compact to the future", path: "/v3/kv/compaction", body: j({ revision: 100000 }), status: 400, includes: "future revision" },
  range("range at a compacted revision", { ...ALL, revision: 4 }, 400),
  range("range at the compaction revision", { ...ALL, revision: 5 }),
  range("range at revision 6", { ...ALL, revision: 6 }),
  { name: "compact physical to 7", path: "/v3/kv/compaction", body: j({ revision: 7, physical: true }), status: 200 },
  range("range at 6 after physical compaction", { ...ALL, revision: 6 }, 400),
  range("range at 7 after physical compaction", { ...ALL, revision: 7 }),
  { name: "compact with empty body", path: "/v3/kv/compaction", body: "", status: 400, includes: "compacted" },
];

export const SERVICE_ROUTES: Step[] = [
  { name: "status", path: "/v3/maintenance/status", body: "{}", status: 200 },
  { name: "status empty body", path: "/v3/maintenance/status", status: 200 },
  {
    name: "member list",
    path: "/v3/cluster/member/list",
    body: "{}",
    status: 200,
    normalize: (body) => body.replace(/"ID":"\d+"/g, '"ID":"<member>"'),
  },
  { name: "health", path: "/health", method: "GET", status: 200 },
  { name: "version", path: "/version", method: "GET", status: 200 },
];

/** Bodies etcd rejects on /v3/kv/range with 400 and Go's decoder text. */
const BAD_RANGE_BODIES: string[] = [
  "{",
  '{"key":"Zm9v"',
  "[1]",
  "5",
  '"x"',
  '{"key":"Zm9v",}',
  "{key:1}",
  '{"key":"Zm9v" "a":1}',
  '{"a":tru}',
  '{"a":"\\q"}',
  '{"a":<}',
  '{"key":"Zm9"}',
  '{"key":"Zm9v!"}',
  '{"key":"Zm9-"}',
  '{"key":"Zm8=x"}',
  '{"key":123}',
  '{"key":"Zm9v","limit":"x"}',
  '{"key":"Zm9v","limit":1.5}',
  '{"key":"Zm9v","limit":"99999999999999999999"}',
  '{"key":"Zm9v","limit":true}',
  '{"key":"Zm9v","limit":"-"}',
  '{"key":"Zm9v","limit":""}',
  '{"key":"Zm9v","sort_order":"BOGUS"}',
  '{"key":"Zm9v","sort_order":1.5}',
  '{"key":"Zm9v","serializable":"true"}',
  '{"limit":true,"key":5}',
  "[".repeat(10_001) + "]".repeat(10_001),
  '{"key":"Zm9v","x":' + "[".repeat(10_001) + "]".repeat(10_001) + "}",
];

export const BAD_INPUT: Step[] = [
  ...BAD_RANGE_BODIES.map((body): Step => ({
    name: `bad range body ${body.length > 40 ? body.slice(0, 40) + "…" : body}`,
    path: "/v3/kv/range",
    body,
    status: 400,
  })),
  { name: "range with empty body", path: "/v3/kv/range", body: "", status: 400, includes: "key is not provided" },
  { name: "range with null body", path: "/v3/kv/range", body: "null", status: 400, includes: "key is not provided" },
  { name: "range with empty key", path: "/v3/kv/range", body: '{"key":""}', status: 400, includes: "key is not provided" },
  { name: "put with empty body", path: "/v3/kv/put", body: "", status: 400, includes: "key is not provided" },
  { name: "put without key", path: "/v3/kv/put", body: j({ value: b64("v") }), status: 400, includes: "key is not provided" },
  { name: "put bad value base64", path: "/v3/kv/put", body: '{"key":"YQ==","value":"%%"}', status: 400 },
  { name: "put lease as object", path: "/v3/kv/put", body: '{"key":"YQ==","lease":{}}', status: 400 },
  { name: "put lease too big", path: "/v3/kv/put", body: '{"key":"YQ==","lease":"9223372036854775808"}', status: 400 },
  { name: "txn compare not a list", path: "/v3/kv/txn", body: '{"compare":5}', status: 400 },
  { name: "txn op not an object", path: "/v3/kv/txn", body: '{"success":[{"request_put":5}]}', status: 400 },
  { name: "txn bad compare enum", path: "/v3/kv/txn", body: '{"compare":[{"result":"SAME"}]}', status: 400 },
  { name: "deleterange bad json", path: "/v3/kv/deleterange", body: "{]", status: 400 },
  { name: "compaction revision as bool", path: "/v3/kv/compaction", body: '{"revision":true}', status: 400 },
  {
    name: "put over --max-request-bytes",
    path: "/v3/kv/put",
    body: j({ key: b64("big"), value: Buffer.alloc(MAX_REQUEST_BYTES + 100, 0x78).toString("base64") }),
    status: 400,
    includes: "request is too large",
  },
  {
    name: "put over the gRPC limit (max-request-bytes + 512 KiB)",
    path: "/v3/kv/put",
    body: j({ key: b64("huge"), value: Buffer.alloc(600_000, 0x78).toString("base64") }),
    status: 429,
    includes: "grpc: received message larger than max (600010 vs. 525312)",
  },
  {
    name: "a large body of unknown fields is not counted",
    path: "/v3/kv/range",
    body: j({ key: b64("foo"), junk: "x".repeat(4_000) }),
    status: 200,
  },
  { name: "unknown /v3 route", path: "/v3/nope", body: "{}", status: 404 },
  { name: "unknown kv route", path: "/v3/kv/rangex", body: "{}", status: 404 },
  { name: "unknown root route", path: "/nope", body: "{}", status: 404 },
  { name: "GET on a POST route", path: "/v3/kv/range", method: "GET", status: 405 },
  { name: "PUT on a POST route", path: "/v3/kv/put", method: "PUT", body: '{"key":"Zm9v"}', status: 405 },
  { name: "GET status", path: "/v3/maintenance/status", method: "GET", status: 405 },
  { name: "POST /health", path: "/health", body: "{}", status: 405 },
  { name: "POST /version", path: "/version", body: "{}", status: 405 },
  range("the store is intact after bad input", ALL),
];

/** The same kinds of requests sent to tsetcd in CBOR: the answers, as messages, must equal etcd's JSON ones. */
export const CBOR: Step[] = [
  put("cbor put", { key: b64("cb1"), value: Buffer.from([0, 1, 2, 255]).toString("base64") }),
  put("cbor put with prev_kv", { key: b64("cb1"), value: b64("two"), prev_kv: true }),
  put("cbor put with a lease", { key: b64("cb2"), value: b64("x"), lease: "777" }, 404),
  put("cbor put without key", { value: b64("x") }, 400),
  range("cbor range prefix", { key: b64("cb"), range_end: b64("cc") }),
  range("cbor range sorted with limit", { ...ALL, sort_order: "DESCEND", sort_target: "MOD", limit: 3 }),
  range("cbor range count_only", { ...ALL, count_only: true }),
  range("cbor range at a compacted revision", { ...ALL, revision: 2 }, 400),
  txn("cbor txn", {
    compare: [cmp("EQUAL", "VALUE", "cb1", { value: b64("two") })],
    success: [putOp("cb3", "3"), { request_txn: { success: [rangeOp("cb", "cc")] } }],
    failure: [rangeOp("cb1")],
  }),
  { ...txn("cbor txn duplicate keys", { success: [putOp("cb9", "1"), putOp("cb9", "2")] }, 400), includes: "duplicate key" },
  { name: "cbor delete with prev_kv", path: "/v3/kv/deleterange", body: j({ key: b64("cb"), range_end: b64("cc"), prev_kv: true }), status: 200 },
  { name: "cbor compact to the future", path: "/v3/kv/compaction", body: j({ revision: 99999 }), status: 400 },
  { name: "cbor status", path: "/v3/maintenance/status", body: "{}", status: 200 },
].map((step) => ({ ...step, cbor: true }));

/** Routing corners etcd's Go mux and gateway handle in their own ways. */
export const ROUTING: Step[] = [
  { name: "OPTIONS (CORS preflight)", path: "/v3/kv/range", method: "OPTIONS", status: 200 },
  { name: "HEAD /health", path: "/health", method: "HEAD", status: 405 },
  { name: "DELETE on a POST route", path: "/v3/kv/range", method: "DELETE", status: 405 },
  { name: "query string is ignored", path: "/v3/kv/range?x=1", body: j({ key: b64("foo") }), status: 200 },
  { name: "trailing slash", path: "/v3/kv/range/", body: "{}", status: 404 },
  { name: "upper-case prefix", path: "/V3/kv/range", body: "{}", status: 404 },
  { name: "v3beta prefix is served", path: "/v3beta/kv/range", body: j({ key: b64("foo") }), status: 200 },
  { name: "v3alpha prefix is not", path: "/v3alpha/kv/range", body: j({ key: b64("foo") }), status: 404 },
  { name: "health with serializable", path: "/health?serializable=true", method: "GET", status: 200 },
  { name: "version with trailing slash", path: "/version/", method: "GET", status: 404 },
];

const TIE_KEYS = 24;

/** Many equal sort keys: etcd's order among ties comes from Go's unstable sort, which tsetcd must mirror. */
export const SORT_TIES: Step[] = [
  ...Array.from({ length: TIE_KEYS }, (_, i) =>
    put(`tie put ${i}`, { key: b64(`tie${String((i * 7) % TIE_KEYS).padStart(2, "0")}`), value: b64(String(i % 3)) })
  ),
  put("tie put again 5", { key: b64("tie05"), value: b64("1") }),
  put("tie put again 11", { key: b64("tie11"), value: b64("2") }),
  ...["ASCEND", "DESCEND"].flatMap((order) =>
    ["VERSION", "CREATE", "MOD", "VALUE"].map((target) =>
      range(`ties ${order} by ${target}`, {
        key: b64("tie"),
        range_end: b64("tif"),
        sort_order: order,
        sort_target: target,
        keys_only: true,
      })
    )
  ),
  range("ties by VALUE with limit", { key: b64("tie"), range_end: b64("tif"), sort_order: "ASCEND", sort_target: "VALUE", limit: 13 }),
];

function watch(name: string, lines: number, body: (lastRevision: number) => string): Step {
  return { name, path: "/v3/watch", body, streamLines: lines, status: 200 };
}

/**
 * Watch streams (gateway NDJSON): history replay from a revision, prev_kv, filters, a compacted start.
 * Line counts are what etcd sends (a "created" line, then one line with all replayed events).
 */
export const WATCH: Step[] = [
  put("watch put w1", { key: b64("w1"), value: b64("1") }),
  put("watch put w2", { key: b64("w2"), value: b64("2") }),
  put("watch put w1 again", { key: b64("w1"), value: b64("11") }),
  { name: "watch delete w2", path: "/v3/kv/deleterange", body: j({ key: b64("w2") }), status: 200 },
  watch("watch replay of a prefix from 3 revisions back", 2, (rev) =>
    j({ create_request: { key: b64("w"), range_end: b64("x"), start_revision: rev - 3 } })),
  watch("watch replay with prev_kv", 2, (rev) =>
    j({ create_request: { key: b64("w"), range_end: b64("x"), start_revision: rev - 3, prev_kv: true } })),
  watch("watch replay without deletes", 2, (rev) =>
    j({ create_request: { key: b64("w"), range_end: b64("x"), start_revision: rev - 3, filters: ["NODELETE"] } })),
  watch("watch one key from the start of its history", 2, (rev) =>
    j({ create_request: { key: b64("w1"), start_revision: rev - 3 } })),
  watch("watch from a compacted revision", 2, () => j({ create_request: { key: b64("w"), start_revision: 1 } })),
  // etcd answers a stream that fails to decode with 500 and code 2 (Unknown), unlike unary routes.
  { ...watch("watch with a bad body", 1, () => '{"create_request":{"key":5}}'), status: 500 },
];

/** etcd lists a lease's keys in Go map order (random per call), so the keys array is compared as a set. */
const keysAsSet = (body: string): string =>
  body.replace(/"keys":\[([^\]]*)\]/, (_, list: string) => `"keys":[${list.split(",").sort().join(",")}]`);

/**
 * The remaining TTL, compared as a number: both leases got 100 s one request apart and each server
 * truncates what is left to whole seconds, so a correct answer is within 1 s of etcd's (99 vs 100 at most).
 */
const REMAINING_TTL = { pattern: /"TTL":"(\d+)"/g, maxDiff: 1 };

/** Leases with explicit ids (random ids would differ): grant, attach, list, time-to-live, revoke. */
export const LEASE: Step[] = [
  { name: "lease grant id 1001", path: "/v3/lease/grant", body: j({ TTL: 100, ID: 1001 }), status: 200 },
  { name: "lease grant the same id", path: "/v3/lease/grant", body: j({ TTL: 100, ID: "1001" }), status: 412 },
  { name: "lease grant too large a TTL", path: "/v3/lease/grant", body: j({ TTL: 9_999_999_999_999, ID: 1002 }), status: 400 },
  { name: "lease grant bad TTL type", path: "/v3/lease/grant", body: '{"TTL":"x"}', status: 400 },
  put("lease put attached", { key: b64("lk1"), value: b64("v"), lease: "1001" }),
  put("lease put attached 2", { key: b64("lk2"), value: b64("v"), lease: 1001 }),
  range("lease range shows the lease", { key: b64("lk"), range_end: b64("ll") }),
  { name: "lease list", path: "/v3/lease/leases", body: "{}", status: 200 },
  { name: "lease time to live with keys", path: "/v3/lease/timetolive", body: j({ ID: "1001", keys: true }), status: 200, normalize: keysAsSet, approx: REMAINING_TTL },
  { name: "lease time to live of a missing lease", path: "/v3/lease/timetolive", body: j({ ID: "4242" }), status: 200 },
  { name: "lease revoke", path: "/v3/lease/revoke", body: j({ ID: "1001" }), status: 200 },
  { name: "lease revoke again", path: "/v3/lease/revoke", body: j({ ID: "1001" }), status: 404 },
  range("lease keys are gone", { key: b64("lk"), range_end: b64("ll") }),
];
