/**
 * Whole-body mutations, the same for every route: empty, `null`, arrays, scalars, trailing garbage,
 * truncation, deep nesting (and txns nested in txns), duplicate and `__proto__` keys, bodies past
 * --max-request-bytes, random bytes, invalid UTF-8, CBOR items no encoder writes (undefined, tags,
 * indefinite lengths, absurd declared lengths); length-prefixed frames for the CBOR streams; methods and
 * content types. Pure and seeded.
 * @module
 */
import { fieldsOf, type MessageKind } from "../../src/codec/schema.ts";
import type { Prng } from "../../src/sim/prng.ts";
import { baselineOf, bytesOf, type Encoding, type Mutation, type MutationOptions } from "./baselines.ts";
import { cborHead, concatBytes, encodeWire, type Wire, WireMap, wmap } from "./wire.ts";

/** JSON text nested `depth` deep by repeating `open` and `close` around `inner`. */
function nestedText(open: string, inner: string, close: string, depth: number): Uint8Array {
  return bytesOf(open.repeat(depth) + inner + close.repeat(depth));
}

/** A TxnRequest with `depth` txns nested inside each other, a put at the bottom. */
function nestedTxn(depth: number, encoding: Encoding): Uint8Array {
  const put = wmap({ request_put: wmap({ key: bytesOf("zfuzz/deep"), value: bytesOf("x") }) });
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
    { name: "body: trailing garbage", body: concatBytes(base, bytesOf(" }x")) },
    { name: "body: unclosed object", body: bytesOf("{") },
    { name: "body: field without value", body: bytesOf(`{"${firstField}":`) },
    { name: "body: byte order mark", body: concatBytes(Uint8Array.of(0xef, 0xbb, 0xbf), base) },
    { name: "body: whitespace only", body: bytesOf(" \n\t ") },
    { name: "body: key of invalid UTF-8", body: concatBytes(bytesOf('{"'), Uint8Array.of(0xff, 0xfe), bytesOf('":1}')) },
    { name: "body: overlong UTF-8 quote", body: concatBytes(bytesOf('{"a":"'), Uint8Array.of(0xc0, 0xa2), bytesOf("}")) },
    { name: "body: array nested 100000 deep", body: nestedText("[", "", "]", 100_000) },
    { name: "body: object nested 50000 deep", body: nestedText('{"a":', "1", "}", 50_000) },
    { name: `body: field ${firstField} nested 50000 deep`, body: bytesOf(`{"${firstField}":${"[".repeat(50_000)}${"]".repeat(50_000)}}`) },
    { name: "body: NaN literal", body: bytesOf(`{"${firstField}":NaN}`) },
    { name: "body: escaped NUL key", body: bytesOf('{"\\u0000":1}') },
  ];
}

function cborOnly(base: Uint8Array): Mutation[] {
  const huge = (major: number): Uint8Array => Uint8Array.of((major << 5) | 27, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff);
  return [
    { name: "body: CBOR indefinite map never closed", body: Uint8Array.of(0xbf, 0x61, 0x61) },
    { name: "body: CBOR lone break", body: Uint8Array.of(0xff) },
    { name: "body: CBOR reserved additional info", body: Uint8Array.of(0x1c) },
    { name: "body: CBOR byte string of 2^63 declared bytes", body: concatBytes(huge(2), bytesOf("ab")) },
    { name: "body: CBOR text string of 2^63 declared bytes", body: concatBytes(huge(3), bytesOf("ab")) },
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
export function frameMutations(payload: Uint8Array, framed: Uint8Array): Mutation[] {
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

/** Methods and content types the route must refuse or tolerate. */
export function httpMutations(encoding: Encoding, base: Uint8Array): Mutation[] {
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

/** Requests to /health, /version, /metrics and unknown paths: every method, with and without bodies. */
export function plainMutations(rng: Prng): Mutation[] {
  const out: Mutation[] = [];
  for (const method of ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]) {
    const body = method === "GET" || method === "HEAD" ? new Uint8Array(0) : randomBytes(rng, 256);
    out.push({ name: `http: ${method}`, body, method });
  }
  out.push({ name: "http: POST JSON", body: bytesOf("{}"), method: "POST" });
  out.push({ name: "http: POST CBOR", body: Uint8Array.of(0xa0), method: "POST", contentType: "application/cbor" });
  return out;
}
