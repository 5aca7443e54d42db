/**
 * Seeded generators of bad request bodies for every route of the client API, in JSON and CBOR. Pure: the
 * same seed gives the same bodies, so a failure replays from the seed the fuzzer prints.
 *
 * What is generated, per route and encoding:
 * - per field (every field of the route's request, nested messages included, driven by src/codec/schema.ts):
 *   wrong JSON/CBOR types, out-of-range and non-integer numbers (NaN, ±Infinity, 2^53+1, int64 strings past
 *   the range, bignums), bad enum numbers and names, bad base64, bad UTF-8, huge strings and arrays, and the
 *   field left out of an otherwise valid request;
 * - per body: empty, `null`, arrays, scalars, trailing garbage, truncation, deep nesting (and nested txns),
 *   duplicate and `__proto__` keys, bodies past --max-request-bytes, random bytes, CBOR items no encoder
 *   writes (undefined, tags, indefinite lengths, absurd declared lengths); for the streaming routes, CBOR
 *   frames with absurd or cut length prefixes and valid requests followed by garbage.
 *
 * Safety of the cluster under test is part of the design: every key the generators can make valid sorts at
 * or after "zfuzz/", so no request can legitimately delete the sentinels (kept under "sentinel/"); member
 * URLs are never valid URLs, so no request can legitimately change membership; lease and member ids are
 * small or extreme numbers no real id equals.
 * @module
 */
import { type FieldDef, fieldsOf, type MessageKind } from "../../src/codec/schema.ts";
import type { Prng } from "../../src/sim/prng.ts";
import type { RouteSpec } from "./routes.ts";
import { cborHead, cloneWire, concatBytes, encodeWire, Raw, type Wire, WireMap, wmap } from "./wire.ts";

/** The two encodings every route is fuzzed in. */
export type Encoding = "json" | "cbor";
export const ENCODINGS: readonly Encoding[] = ["json", "cbor"];

/** One request the fuzzer sends. */
export interface Mutation {
  /** What was done, e.g. "field success[0].request_put.key: bad base64 chars" or "body: empty". */
  name: string;
  body: Uint8Array;
  /** Default POST. */
  method?: string;
  /** Default: the encoding's own (application/json or application/cbor). */
  contentType?: string;
  /** The body is bigger than the server may accept: a connection closed early is an acceptable answer. */
  oversized?: boolean;
}

/** Limits the generators must exceed. */
export interface MutationOptions {
  /** The servers' --max-request-bytes (default 1.5 MiB). */
  maxRequestBytes: number;
  /** Values tried per field at the top level of a request besides ALWAYS_TRIED (a seeded sample). */
  topValuesPerField: number;
  /** Values tried per field below the top level of a request (a seeded sample). */
  nestedValuesPerField: number;
}

/** Keys the fuzzer may make valid all start with this; sentinels sort before it. */
export const FUZZ_KEY_PREFIX = "zfuzz/";
const TEXT = new TextEncoder();

function b(text: string): Uint8Array {
  return TEXT.encode(text);
}
function b64(bytes: Uint8Array | string): string {
  return Buffer.from(typeof bytes === "string" ? b(bytes) : bytes).toString("base64");
}

/** A valid message of each kind the routes read; fields absent here take their zero value. */
function baseline(kind: MessageKind): WireMap {
  switch (kind) {
    case "RangeRequest":
      return wmap({ key: b("zfuzz/r"), range_end: b("zfuzz/s"), limit: 10, sort_order: "ASCEND", serializable: true });
    case "PutRequest":
      return wmap({ key: b("zfuzz/p"), value: b("fuzz"), prev_kv: true });
    case "DeleteRangeRequest":
      return wmap({ key: b("zfuzz/d"), range_end: b("zfuzz/e"), prev_kv: true });
    case "Compare":
      return wmap({ result: "EQUAL", target: "VERSION", key: b("zfuzz/t"), version: 0 });
    case "RequestOp":
      return wmap({ request_put: baseline("PutRequest") });
    case "TxnRequest":
      return wmap({
        compare: [baseline("Compare")],
        success: [baseline("RequestOp")],
        failure: [wmap({ request_range: baseline("RangeRequest") })],
      });
    case "CompactionRequest":
      return wmap({ revision: 1, physical: false });
    case "MemberListRequest":
      return wmap({ linearizable: true });
    case "MemberAddRequest":
      return wmap({ peerURLs: ["fuzz-not-a-url"], isLearner: true });
    case "MemberUpdateRequest":
      return wmap({ ID: 1n, peerURLs: ["fuzz-not-a-url"] });
    case "MemberRemoveRequest":
    case "MemberPromoteRequest":
    case "LeaseRevokeRequest":
    case "LeaseKeepAliveRequest":
      return wmap({ ID: 1n });
    case "MoveLeaderRequest":
      return wmap({ targetID: 1n });
    case "LeaseGrantRequest":
      return wmap({ TTL: 60 });
    case "LeaseTimeToLiveRequest":
      return wmap({ ID: 1n, keys: true });
    case "WatchCreateRequest":
      return wmap({
        key: b("zfuzz/w"),
        range_end: b("zfuzz/x"),
        start_revision: 0,
        filters: ["NODELETE"],
        prev_kv: true,
      });
    case "WatchRequest":
      return wmap({ create_request: baseline("WatchCreateRequest") });
    default:
      return new WireMap();
  }
}

/** The valid baseline request of a kind (a copy), as the routes' "all fields present" case. */
export function baselineOf(kind: MessageKind | undefined): WireMap {
  return kind === undefined ? new WireMap() : (cloneWire(baseline(kind)) as WireMap);
}

/** A path to one field: the defs from the top message down, and the kind each def belongs to. */
export interface FieldPath {
  defs: FieldDef[];
  kinds: MessageKind[];
  /** e.g. "success[0].request_put.key" */
  label: string;
}

/** Every field path of `kind`, nested messages included down to `maxDepth` levels. */
export function fieldPaths(kind: MessageKind, maxDepth = 3): FieldPath[] {
  const out: FieldPath[] = [];
  walk(kind, [], [], "", maxDepth, out);
  return out;
}

function walk(kind: MessageKind, defs: FieldDef[], kinds: MessageKind[], prefix: string, left: number, out: FieldPath[]): void {
  if (left <= 0) return;
  for (const def of fieldsOf(kind)) {
    const label = `${prefix}${def.name}`;
    const path = { defs: [...defs, def], kinds: [...kinds, kind], label };
    out.push(path);
    if (def.kind === "message") {
      walk(def.message!, path.defs, path.kinds, `${label}${def.repeated ? "[0]" : ""}.`, left - 1, out);
    }
  }
}

const REMOVE = Symbol("remove");

/** The baseline of `root` with the field at `path` set to `value` (or removed); oneof siblings are dropped. */
export function withField(root: MessageKind, path: FieldPath, value: Wire | typeof REMOVE): WireMap {
  if (path.kinds[0] !== root) throw new Error(`fuzz: path ${path.label} is not a path of ${root}`);
  const top = baselineOf(root);
  let node = top;
  for (let i = 0; i < path.defs.length; i++) {
    const def = path.defs[i]!;
    if (def.oneof !== undefined) dropOneofSiblings(node, path.kinds[i]!, def);
    if (i === path.defs.length - 1) {
      if (value === REMOVE) node.delete(def.name);
      else node.set(def.name, value);
      break;
    }
    const child = node.get(def.name);
    if (def.repeated) {
      const first = Array.isArray(child) ? child[0] : undefined;
      const element = first instanceof WireMap ? first : baselineOf(def.message!);
      node.set(def.name, [element]);
      node = element;
    } else {
      const element = child instanceof WireMap ? child : baselineOf(def.message!);
      node.set(def.name, element);
      node = element;
    }
  }
  return top;
}

function dropOneofSiblings(node: WireMap, kind: MessageKind, def: FieldDef): void {
  for (const other of fieldsOf(kind)) {
    if (other.oneof === def.oneof && other.name !== def.name) node.delete(other.name);
  }
}

/** A JSON string holding raw invalid UTF-8; the same bytes as a CBOR text string. */
function badUtf8(bytes: number[]): Raw {
  const raw = Uint8Array.from(bytes);
  return new Raw(concatBytes(b('"'), raw, b('"')), concatBytes(cborHead(3, raw.length), raw));
}

const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

/**
 * Values every top-level field gets whatever the seed: the wrong types, and the boundaries that have
 * stopped members before (64-bit extremes, NaN, an enum past its last value, a member URL with a path).
 */
const ALWAYS_TRIED: ReadonlySet<string> = new Set([
  "string", "object", "array", "bool", "null", "CBOR undefined",
  "negative", "non-integer", "int64 max", "int64 min string", "uint64 max", "NaN", "Infinity",
  "enum -1", "enum past the last value", "enum unknown name",
  "bad base64 chars", "raw invalid UTF-8 in the string", "URL with a path",
]);

/** Values of the wrong JSON/CBOR type for any scalar field. */
function wrongTypes(): [string, Wire][] {
  return [
    ["string", "fuzz!"],
    ["object", new WireMap()],
    ["array", [1]],
    ["bool", true],
    ["null", null],
    ["CBOR undefined", undefined],
  ];
}

/** Numbers an integer field must refuse or clamp; every one has crashed or misled some decoder. */
function intValues(rng: Prng): [string, Wire][] {
  const digits = String(rng.range(1, 9)) + "0".repeat(rng.range(20, 40));
  return [
    ["negative", -1],
    ["non-integer", 1.5],
    ["non-integer string", "0.5"],
    ["huge float", 1e300],
    ["float past int64", new Raw("1e400", Uint8Array.of(0xfb, 0x7f, 0xef, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff))],
    ["2^53+1", 2n ** 53n + 1n],
    ["int64 max", INT64_MAX],
    ["int64 max string", INT64_MAX.toString()],
    ["int64 max+1 string", (INT64_MAX + 1n).toString()],
    ["int64 min string", (-INT64_MAX - 1n).toString()],
    ["int64 min-1 string", (-INT64_MAX - 2n).toString()],
    ["uint64 max", UINT64_MAX],
    ["uint64 max+1 string", (UINT64_MAX + 1n).toString()],
    ["many digits", BigInt(digits)],
    ["many digits string", digits],
    ["bignum past 64 bits", 2n ** 70n],
    ["negative bignum past 64 bits", -(2n ** 70n)],
    ["minus zero", -0],
    ["NaN", Number.NaN],
    ["Infinity", Number.POSITIVE_INFINITY],
    ["-Infinity", Number.NEGATIVE_INFINITY],
    ["NaN string", "NaN"],
    ["Infinity string", "Infinity"],
    ["exponent string", "1e3"],
    ["hex string", "0x10"],
    ["empty string", ""],
    ["padded string", " 1"],
    ["plus string", "+1"],
    ["int32 max+1", 2 ** 31],
  ];
}

function enumValues(def: FieldDef): [string, Wire][] {
  const first = def.enumDef!.names[1] ?? def.enumDef!.names[0]!;
  return [
    ["enum -1", -1],
    ["enum past the last value", def.enumDef!.names.length + 97],
    ["enum int32 max+1", 2 ** 31],
    ["enum non-integer", 1.5],
    ["enum unknown name", "FUZZ_NOT_A_VALUE"],
    ["enum name in lower case", first.toLowerCase()],
    ["enum empty name", ""],
    ["enum number as string", "1"],
    ["enum NaN", Number.NaN],
    ["enum bignum", 2n ** 70n],
  ];
}

/**
 * Bytes values. Every one that is valid base64 decodes to a key at or after "zfuzz/" (checked by the unit
 * test): a delete built from any of them can never reach the sentinels.
 */
function bytesValues(def: FieldDef, rng: Prng): [string, Wire][] {
  const longKey = b(FUZZ_KEY_PREFIX + "k".repeat(rng.range(60_000, 70_000)));
  const out: [string, Wire][] = [
    ["bad base64 chars", "!!!!"],
    ["base64 of one char", "e"],
    ["base64 without padding", b64("zfuzz/ab").replace(/=+$/, "")],
    ["base64 padding inside", "emZ1=enov"],
    ["URL-safe base64", b64(Uint8Array.of(...b("zfuzz/"), 0xfb, 0xff)).replace(/\+/g, "-").replace(/\//g, "_")],
    ["base64 with a space", ` ${b64("zfuzz/s")}`],
    ["base64 with a newline", `${b64("zfuzz/")}\n${b64("nl")}`],
    ["key of invalid UTF-8", Uint8Array.of(...b("zfuzz/"), 0xff, 0xfe, 0xc0, 0x80)],
    ["key of 64 KiB", longKey],
    ["raw invalid UTF-8 in the string", badUtf8([0xff, 0xfe, 0x80])],
    ["number", 12345],
    ["array of numbers", [1, 2, 3]],
    ["CBOR typed-array tag", new Raw('"emZ1enov"', concatBytes(cborHead(6, 72), cborHead(2, 2), b("zz")))],
  ];
  if (def.name === "range_end") out.push(["range end \\0 (every key from key)", "AA=="]);
  return out;
}

function boolValues(): [string, Wire][] {
  return [["bool as string", "true"], ["bool as 1", 1], ["bool as 0", 0], ["bool empty string", ""]];
}

/**
 * Strings (member URLs): none is a valid peer URL by etcd's rules (http/https/unix/unixs, host:port, no
 * path), so no member add or update can succeed; a server that takes one changes membership, a finding.
 */
function stringValues(rng: Prng): [string, Wire][] {
  return [
    ["URL with a path", "http://127.0.0.1:1/fuzz"],
    ["URL without a port", "http://127.0.0.1"],
    ["URL with another scheme", "ftp://127.0.0.1:1"],
    ["string as number", 1],
    ["string of 64 KiB", "u".repeat(rng.range(60_000, 70_000))],
    ["string with NUL", "fuzz\u0000url"],
    ["lone surrogate", new Raw('"\\ud800"', Uint8Array.of(0x63, 0xed, 0xa0, 0x80))],
    ["raw invalid UTF-8 in the string", badUtf8([0xc3, 0x28, 0xff])],
    ["string of spaces", "   "],
    ["scheme only", "fuzz:"],
  ];
}

function messageValues(): [string, Wire][] {
  let deep: Wire = new WireMap();
  for (let i = 0; i < 150; i++) deep = wmap({ a: deep });
  return [["message as number", 1], ["message as string", "x"], ["message as array", [new WireMap()]],
    ["deeply nested unknown fields", deep]];
}

/** Values for a repeated field: the element's values, plus what only a list can be. */
function repeatedValues(def: FieldDef, element: [string, Wire][]): [string, Wire][] {
  const item: Wire = def.kind === "message" ? baselineOf(def.message!) : elementSample(def);
  const big = new Array<Wire>(10_000).fill(item);
  return [
    ["list as string", "x"],
    ["list as object", new WireMap()],
    ["list of null", [null]],
    ["nested list", [[item]]],
    ["list of 10000 elements", big],
    ...element.map(([name, value]): [string, Wire] => [`list element ${name}`, [value]]),
  ];
}

/** A valid value of a field (a baseline message for message fields). */
function sampleOf(def: FieldDef): Wire {
  return def.kind === "message" ? baselineOf(def.message!) : elementSample(def);
}

function elementSample(def: FieldDef): Wire {
  switch (def.kind) {
    case "enum":
      return def.enumDef!.names[0]!;
    case "bytes":
      return b("zfuzz/l");
    case "string":
      return "fuzz-not-a-url";
    case "bool":
      return false;
    default:
      return 1;
  }
}

/** Every value tried for one field. */
export function valuesForField(def: FieldDef, rng: Prng): [string, Wire][] {
  let own: [string, Wire][];
  switch (def.kind) {
    case "int64":
    case "uint64":
    case "int32":
    case "uint32":
    case "id64":
    case "uid64":
      own = intValues(rng);
      break;
    case "enum":
      own = enumValues(def);
      break;
    case "bytes":
      own = bytesValues(def, rng);
      break;
    case "bool":
      own = boolValues();
      break;
    case "string":
      own = stringValues(rng);
      break;
    case "message":
      own = messageValues();
      break;
  }
  const single = [...wrongTypes(), ...own];
  return def.repeated ? repeatedValues(def, single) : single;
}

/** Per-field mutations of one message kind: every value for every field path, and each field left out. */
export function fieldMutations(kind: MessageKind, rng: Prng, options: MutationOptions): { name: string; tree: WireMap }[] {
  const out: { name: string; tree: WireMap }[] = [];
  for (const path of fieldPaths(kind)) {
    const all = valuesForField(path.defs[path.defs.length - 1]!, rng);
    // ALWAYS_TRIED always; of the rest a seeded sample (every value of every field is too many for the
    // time bound, and another seed tries others).
    const typed = all.filter(([name]) => ALWAYS_TRIED.has(name.replace(/^list element /, "")));
    const rest = rng.shuffle(all.filter((v) => !typed.includes(v)));
    const values = path.defs.length > 1
      ? rng.shuffle(all).slice(0, options.nestedValuesPerField)
      : [...typed, ...rest.slice(0, options.topValuesPerField)];
    for (const [name, value] of values) out.push({ name: `field ${path.label}: ${name}`, tree: withField(kind, path, value) });
    out.push({ name: `field ${path.label}: left out`, tree: withField(kind, path, REMOVE) });
    const oneof = path.defs[path.defs.length - 1]!.oneof;
    if (oneof !== undefined && path.defs.length === 1) {
      // Two members of one oneof at once: jsonpb keeps the later one; neither may crash anything.
      const both = withField(kind, path, sampleOf(path.defs[0]!));
      const other = fieldsOf(kind).find((f) => f.oneof === oneof && f.name !== path.defs[0]!.name);
      if (other !== undefined) {
        both.set(other.name, sampleOf(other));
        out.push({ name: `field ${path.label}: with a second member of oneof ${oneof}`, tree: both });
      }
    }
  }
  return out;
}

/** JSON text nested `depth` deep by repeating `open` and `close` around `inner`. */
function nestedText(open: string, inner: string, close: string, depth: number): Uint8Array {
  return b(open.repeat(depth) + inner + close.repeat(depth));
}

/** A TxnRequest with `depth` txns nested inside each other, a put at the bottom. */
function nestedTxn(depth: number, encoding: Encoding): Uint8Array {
  const put = wmap({ request_put: wmap({ key: b("zfuzz/deep"), value: b("x") }) });
  if (encoding === "json") {
    return nestedText('{"success":[{"request_txn":', new TextDecoder().decode(encodeWire(wmap({ success: [put] }), "json")), "}]}", depth);
  }
  // CBOR has definite lengths, so nesting is a repeated prefix: {success: [{request_txn: …}]}.
  const prefix = concatBytes(cborHead(5, 1), encodeWire("success", "cbor"), cborHead(4, 1), cborHead(5, 1),
    encodeWire("request_txn", "cbor"));
  const parts: Uint8Array[] = new Array(depth).fill(prefix);
  return concatBytes(...parts, encodeWire(wmap({ success: [put] }), "cbor"));
}

/** Cuts `body` at a seeded point strictly inside it. */
function truncate(body: Uint8Array, rng: Prng): Uint8Array {
  if (body.length < 2) return body.subarray(0, 0);
  return body.slice(0, rng.range(1, body.length - 1));
}

/** 1 to `maxBytes` seeded random bytes. */
export function randomBytes(rng: Prng, maxBytes: number): Uint8Array {
  const out = new Uint8Array(rng.range(1, maxBytes));
  for (let i = 0; i < out.length; i++) out[i] = rng.int(256);
  return out;
}

/** A body over a size limit: the request's baseline plus padding in a field the server must read past. */
function oversizedBody(kind: MessageKind | undefined, encoding: Encoding, sizeBytes: number): Uint8Array {
  const tree = baselineOf(kind);
  const pad = new Uint8Array(sizeBytes).fill(0x61);
  // PutRequest pads its value (a real field, so the decoded message is that big); others an unknown field.
  if (kind === "PutRequest") tree.set("value", pad);
  else tree.set("fuzzpad", encoding === "json" ? Buffer.from(pad).toString("latin1") : pad);
  return encodeWire(tree, encoding);
}

/** Whole-body mutations shared by every route. */
export function bodyMutations(kind: MessageKind | undefined, encoding: Encoding, rng: Prng, options: MutationOptions): Mutation[] {
  const base = encodeWire(baselineOf(kind), encoding);
  const out: Mutation[] = [
    { name: "body: valid baseline", body: base },
    { name: "body: empty", body: new Uint8Array(0) },
    { name: "body: truncated", body: truncate(base, rng) },
    { name: "body: truncated again", body: truncate(base, rng) },
    { name: "body: random bytes", body: randomBytes(rng, 512) },
    { name: "body: more random bytes", body: randomBytes(rng, 64) },
    { name: "body: two bodies", body: concatBytes(base, base) },
    { name: "body: baseline with an unknown field", body: encodeWire(withExtra(kind, "fuzz_unknown", 1), encoding) },
    { name: "body: __proto__ key", body: encodeWire(withExtra(kind, "__proto__", wmap({ polluted: true })), encoding) },
    { name: "body: constructor key", body: encodeWire(withExtra(kind, "constructor", wmap({ prototype: 1 })), encoding) },
    { name: "body: duplicate keys", body: encodeWire(duplicateKeys(kind), encoding) },
  ];
  for (const [name, value] of [["null", null], ["array", []], ["array of an object", [new WireMap()]],
    ["number", 1], ["string", "s"], ["bool", true], ["float NaN", Number.NaN]] as [string, Wire][]) {
    out.push({ name: `body: ${name}`, body: encodeWire(value, encoding) });
  }
  out.push(...(encoding === "json" ? jsonOnly(kind, base) : cborOnly(base)));
  out.push(...oversized(kind, encoding, rng, options));
  if (kind === "TxnRequest") {
    for (const depth of [8, 300, 5_000]) out.push({ name: `body: txn nested ${depth} deep`, body: nestedTxn(depth, encoding) });
  }
  return out;
}

function withExtra(kind: MessageKind | undefined, key: string, value: Wire): WireMap {
  const tree = baselineOf(kind);
  tree.entries.unshift([key, value]);
  return tree;
}

/** The baseline with its first field given twice (an invalid value first) — the later one must win. */
function duplicateKeys(kind: MessageKind | undefined): WireMap {
  const tree = baselineOf(kind);
  const first = tree.entries[0];
  if (first === undefined) return new WireMap([["fuzz", 1], ["fuzz", "x"]]);
  return new WireMap([[first[0], wmap({ not: "this" })], ...tree.entries]);
}

function jsonOnly(kind: MessageKind | undefined, base: Uint8Array): Mutation[] {
  const firstField = kind === undefined ? "fuzz" : fieldsOf(kind)[0]?.name ?? "fuzz";
  return [
    { name: "body: trailing garbage", body: concatBytes(base, b(" }x")) },
    { name: "body: unclosed object", body: b("{") },
    { name: "body: field without value", body: b(`{"${firstField}":`) },
    { name: "body: byte order mark", body: concatBytes(Uint8Array.of(0xef, 0xbb, 0xbf), base) },
    { name: "body: whitespace only", body: b(" \n\t ") },
    { name: "body: key of invalid UTF-8", body: concatBytes(b('{"'), Uint8Array.of(0xff, 0xfe), b('":1}')) },
    { name: "body: overlong UTF-8 quote", body: concatBytes(b('{"a":"'), Uint8Array.of(0xc0, 0xa2), b("}")) },
    { name: "body: array nested 100000 deep", body: nestedText("[", "", "]", 100_000) },
    { name: "body: object nested 50000 deep", body: nestedText('{"a":', "1", "}", 50_000) },
    { name: `body: field ${firstField} nested 50000 deep`, body: b(`{"${firstField}":${"[".repeat(50_000)}${"]".repeat(50_000)}}`) },
    { name: "body: NaN literal", body: b(`{"${firstField}":NaN}`) },
    { name: "body: escaped NUL key", body: b('{"\\u0000":1}') },
  ];
}

function cborOnly(base: Uint8Array): Mutation[] {
  const huge = (major: number): Uint8Array => Uint8Array.of((major << 5) | 27, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff);
  return [
    { name: "body: CBOR indefinite map never closed", body: Uint8Array.of(0xbf, 0x61, 0x61) },
    { name: "body: CBOR lone break", body: Uint8Array.of(0xff) },
    { name: "body: CBOR reserved additional info", body: Uint8Array.of(0x1c) },
    { name: "body: CBOR byte string of 2^63 declared bytes", body: concatBytes(huge(2), b("ab")) },
    { name: "body: CBOR text string of 2^63 declared bytes", body: concatBytes(huge(3), b("ab")) },
    { name: "body: CBOR array of 2^63 declared items", body: concatBytes(huge(4), Uint8Array.of(0)) },
    { name: "body: CBOR map of 2^63 declared pairs", body: concatBytes(huge(5), Uint8Array.of(0)) },
    { name: "body: CBOR map with integer keys", body: Uint8Array.of(0xa2, 0x01, 0x02, 0x03, 0x04) },
    { name: "body: CBOR map with a map key", body: Uint8Array.of(0xa1, 0xa0, 0x01) },
    { name: "body: CBOR self-describe tag", body: concatBytes(Uint8Array.of(0xd9, 0xd9, 0xf7), base) },
    { name: "body: CBOR unknown tag", body: concatBytes(cborHead(6, 40_000), base) },
    { name: "body: CBOR record extension tag", body: concatBytes(Uint8Array.of(0xd9, 0xdf, 0xff), base) },
    { name: "body: CBOR epoch date", body: Uint8Array.of(0xc1, 0x1a, 0x51, 0x4b, 0x67, 0xb0) },
    { name: "body: CBOR bignum of 4000 bytes", body: concatBytes(Uint8Array.of(0xc2), cborHead(2, 4000), new Uint8Array(4000).fill(0xff)) },
    { name: "body: CBOR half-float NaN", body: Uint8Array.of(0xf9, 0x7e, 0x00) },
    { name: "body: CBOR simple value 99", body: Uint8Array.of(0xf8, 99) },
    { name: "body: CBOR indefinite byte string with a text chunk", body: Uint8Array.of(0x5f, 0x61, 0x61, 0xff) },
    { name: "body: CBOR arrays nested 100000 deep", body: concatBytes(new Uint8Array(100_000).fill(0x81), Uint8Array.of(0)) },
    { name: "body: CBOR maps nested 50000 deep", body: concatBytes(...new Array<Uint8Array>(50_000).fill(Uint8Array.of(0xa1, 0x61, 0x61)), Uint8Array.of(0)) },
  ];
}

/** Bodies past each size bound: --max-request-bytes, plus gRPC's allowance, and the server's read cap. */
function oversized(kind: MessageKind | undefined, encoding: Encoding, rng: Prng, options: MutationOptions): Mutation[] {
  const grpcLimit = options.maxRequestBytes + 512 * 1024;
  const sizes: [string, number][] = [
    ["past --max-request-bytes", options.maxRequestBytes + 1],
    ["past the gRPC limit", grpcLimit + 1],
    ["past the read cap", 2 * grpcLimit + 1024 * 1024 + 1],
  ];
  const chosen = kind === "PutRequest" ? sizes : [rng.pick(sizes)];
  return chosen.map(([name, size]) => ({ name: `body: oversized, ${name}`, body: oversizedBody(kind, encoding, size), oversized: true }));
}

/** Frame-level mutations of a CBOR request stream (watch, keep-alive): length prefixes are input too. */
function frameMutations(payload: Uint8Array, framed: Uint8Array): Mutation[] {
  const prefix = (n: number): Uint8Array => {
    const out = new Uint8Array(4);
    new DataView(out.buffer).setUint32(0, n);
    return out;
  };
  const inner = framed.subarray(4);
  return [
    { name: "stream: absurd length prefix", body: concatBytes(prefix(0xffff_ffff), inner) },
    { name: "stream: length prefix past the frame bound", body: concatBytes(prefix(64 * 1024 * 1024), inner) },
    { name: "stream: zero-length frame", body: prefix(0) },
    { name: "stream: frame cut short", body: concatBytes(prefix(inner.length + 100), inner) },
    { name: "stream: lone partial length prefix", body: Uint8Array.of(0, 0) },
    { name: "stream: unframed CBOR", body: payload },
    { name: "stream: valid frame then a garbage frame", body: concatBytes(framed, frame(Uint8Array.of(0xff, 0x00))) },
  ];
}

/** One length-prefixed frame. */
export function frame(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + payload.length);
  new DataView(out.buffer).setUint32(0, payload.length);
  out.set(payload, 4);
  return out;
}

/** Every mutation of one route in one encoding (bodies framed for CBOR streams). */
export function routeMutations(route: RouteSpec, encoding: Encoding, rng: Prng, options: MutationOptions): Mutation[] {
  const trees = route.kind === undefined ? [] : fieldMutations(route.kind, rng, options);
  const bodies: Mutation[] = [
    ...bodyMutations(route.kind, encoding, rng, options),
    ...trees.map(({ name, tree }) => ({ name, body: encodeWire(tree, encoding) })),
  ];
  const streamed = route.style === "watch" || route.style === "keepalive";
  const framed = streamed && encoding === "cbor";
  // A keep-alive frame carries a stream message, `{result: request}`; a watch frame the request itself.
  const inFrame = (body: Uint8Array): Uint8Array =>
    frame(route.style === "keepalive" ? concatBytes(cborHead(5, 1), encodeWire("result", "cbor"), body) : body);
  const base = encodeWire(baselineOf(route.kind), encoding);
  let out = framed ? bodies.map((m) => ({ ...m, body: m.body.length === 0 ? m.body : inFrame(m.body) })) : bodies;
  if (route.style === "watch") {
    // A watch stream with no watch in it rightly stays silent (etcd's gateway sends not even the status),
    // so a valid create follows every body: the stream must then answer in time, or it hangs.
    const tail = encoding === "json" ? concatBytes(b("\n"), base) : frame(base);
    out = out.filter((m) => m.body.length > 0).map((m) => ({ ...m, body: concatBytes(m.body, tail) }));
  }
  if (framed) {
    const tail = route.style === "watch" ? frame(base) : new Uint8Array(0);
    out.push(...frameMutations(base, inFrame(base)).map((m) => ({ ...m, body: concatBytes(m.body, tail) })));
  }
  if (framed && route.style === "keepalive") {
    const errorFrame = wmap({ error: wmap({ code: 99, message: new Raw('""', Uint8Array.of(0x62, 0xff, 0xfe)) }) });
    out.push({ name: "stream: an error frame from the client", body: frame(encodeWire(errorFrame, "cbor")) });
    out.push({ name: "stream: a frame with neither result nor error", body: frame(encodeWire(wmap({ x: 1 }), "cbor")) });
  }
  if (streamed && encoding === "json") {
    out.push({ name: "stream: valid request then garbage", body: concatBytes(base, b(" {\"x\": ]")) });
    out.push({ name: "stream: garbage then a valid request", body: concatBytes(b("x "), base) });
  }
  out.push(...httpMutations(encoding, framed ? inFrame(base) : base));
  return out;
}

/** Methods and content types the route must refuse or tolerate. */
function httpMutations(encoding: Encoding, base: Uint8Array): Mutation[] {
  const other = encoding === "json" ? "application/cbor" : "application/json";
  const own = encoding === "json" ? "application/json" : "application/cbor";
  return [
    { name: "http: GET", body: new Uint8Array(0), method: "GET" },
    { name: "http: PUT", body: base, method: "PUT" },
    { name: "http: DELETE", body: base, method: "DELETE" },
    { name: "http: the other encoding's content type", body: base, contentType: other },
    { name: "http: content type with parameters", body: base, contentType: `${own}; charset=utf-8; x=y` },
    { name: "http: content type in upper case", body: base, contentType: own.toUpperCase() },
    { name: "http: content type garbage", body: base, contentType: "\u0001;;;=" },
  ];
}

/** The /v3beta alias gets the whole-body mutations only (it is the same handler). */
export function aliasMutations(route: RouteSpec, encoding: Encoding, rng: Prng, options: MutationOptions): Mutation[] {
  const all = routeMutations(route, encoding, rng, options);
  return all.filter((m) => m.name.startsWith("body: ") && !m.oversized);
}

/** Requests to /health, /version, /metrics and unknown paths: every method, with and without bodies. */
export function plainMutations(rng: Prng): Mutation[] {
  const out: Mutation[] = [];
  for (const method of ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]) {
    const body = method === "GET" || method === "HEAD" ? new Uint8Array(0) : randomBytes(rng, 256);
    out.push({ name: `http: ${method}`, body, method });
  }
  out.push({ name: "http: POST JSON", body: b("{}"), method: "POST" });
  out.push({ name: "http: POST CBOR", body: Uint8Array.of(0xa0), method: "POST", contentType: "application/cbor" });
  return out;
}
