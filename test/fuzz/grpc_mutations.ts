/**
 * Seeded bad gRPC requests for every method of every service (src/grpc/routes.ts): a valid protobuf
 * baseline per request kind, written by the schema-driven encoder, then changed at three levels.
 * - The protobuf message: random bytes, cut short, unknown fields of every wire type (and the invalid
 *   ones, 6 and 7, and field number 0), a known field with the wrong wire type, another method's message,
 *   64-bit extremes and overlong varints, length prefixes past the end or past 2^32 and 2^63, groups nested
 *   far past any depth bound.
 * - The 5-byte gRPC frame: compressed flag set, declared lengths past the limit, past 2^31, past the bytes
 *   sent, shorter than them, two messages to a unary method, none at all.
 * - The call's headers: content-type, grpc-timeout, grpc-encoding, te, :method and unknown paths.
 * Pure: the same seed gives the same requests. Nothing here sends anything (test/fuzz/grpc_probe.ts does).
 *
 * Safety of the cluster under test: a mutation whose message still decodes as a valid request of its
 * method is kept only when every key it names sorts at or after "zfuzz/" and it names no "root" user or
 * role (`isSafe`), so a request can never legitimately delete a sentinel or turn authentication on.
 * @module
 */
import { decodeProtobuf, encodeProtobuf } from "../../src/codec/protobuf.ts";
import { fieldsOf, type FieldDef, type MessageKind } from "../../src/codec/schema.ts";
import { decodeJson } from "../../src/codec/json.ts";
import type { RequestKind } from "../../src/server/boundary.ts";
import type { Prng } from "../../src/sim/prng.ts";
import { baselineOf, bytesOf, FUZZ_KEY_PREFIX } from "./baselines.ts";
import { randomBytes } from "./body_mutations.ts";
import { concatBytes, encodeWire } from "./wire.ts";

/** One bad (or, as a control, good) call. */
export interface GrpcMutation {
  name: string;
  /** Bytes written on the stream, gRPC framing included. */
  data: Uint8Array;
  /** Headers changed from a valid call's; null removes one. */
  headers?: Record<string, string | null>;
  /** Bigger than the receive limit: a reset instead of a status is acceptable. */
  oversized?: boolean;
  /**
   * No gRPC status is owed: a request RFC 9113 calls malformed (a :path without its leading slash), which
   * the HTTP/2 layer (Bun's) resets before any handler sees it (grpc-go is lenient and serves the method;
   * the reset is the stricter answer), or a content type that is not gRPC's, which the shared client port
   * hands to the HTTP gateway (etcd resets those). Any answer but a 5xx, or a reset, is accepted.
   */
  resetOk?: boolean;
}

/** Limits the generators must exceed. */
export interface GrpcMutationOptions {
  /** The servers' receive limit: --max-request-bytes plus gRPC's 512 KiB. */
  maxMessageBytes: number;
  /** Known fields given a wrong wire type or a 64-bit extreme, per message (a seeded sample). */
  fieldsPerMessage: number;
  /** Unknown-field cases (of the 13: each wire type, invalid ones, extreme numbers) per message, a seeded sample. */
  unknownPerMessage: number;
  /**
   * When given, the unknown-field cases are taken in turn from this position (wrapping) instead of a seeded
   * sample: a plan that advances it by unknownPerMessage per message uses every case across its messages.
   */
  unknownRotation?: number;
}

const WIRE = { varint: 0, fixed64: 1, delimited: 2, startGroup: 3, endGroup: 4, fixed32: 5 } as const;
const U64_MASK = (1n << 64n) - 1n;

/** A varint of the low 64 bits of `value` (a negative number as protobuf writes it: 10 bytes). */
export function varint(value: bigint): Uint8Array {
  let v = value & U64_MASK;
  const out: number[] = [];
  // At most 10 bytes for 64 bits.
  for (let i = 0; i < 10; i++) {
    const low = Number(v & 0x7fn);
    v >>= 7n;
    if (v === 0n) {
      out.push(low);
      break;
    }
    out.push(low | 0x80);
  }
  return Uint8Array.from(out);
}

function tag(field: number, wireType: number): Uint8Array {
  return varint((BigInt(field) << 3n) | BigInt(wireType));
}

/** One field with any wire type; `payload` is what follows the tag (the caller makes it right or wrong). */
function raw(field: number, wireType: number, payload: Uint8Array): Uint8Array {
  return concatBytes(tag(field, wireType), payload);
}

function delimited(field: number, bytes: Uint8Array): Uint8Array {
  return raw(field, WIRE.delimited, concatBytes(varint(BigInt(bytes.length)), bytes));
}

/** A gRPC length-prefixed message; `declaredBytes` and `flag` may lie. */
export function grpcFrame(message: Uint8Array, options: { flag?: number; declaredBytes?: number } = {}): Uint8Array {
  const out = new Uint8Array(5 + message.length);
  out[0] = options.flag ?? 0;
  new DataView(out.buffer).setUint32(1, (options.declaredBytes ?? message.length) >>> 0);
  out.set(message, 5);
  return out;
}

/**
 * The baseline protobuf message of a request kind, through the gateway's JSON decoder (the baselines are
 * written once, test/fuzz/baselines.ts, for both fuzzers). Valid as a message; some are refused by the service on
 * purpose (member URLs that are not URLs).
 */
export function protobufBaseline(kind: RequestKind): Uint8Array {
  const tree = baselineOf(kind as MessageKind);
  const value = decodeJson<unknown>(kind as MessageKind, new TextDecoder().decode(encodeWire(tree, "json")));
  return encodeProtobuf(kind as MessageKind, value);
}

/** Every mutation of one method's request message (framed), the valid baseline first. */
export function messageMutations(kind: RequestKind, others: readonly RequestKind[], rng: Prng, options: GrpcMutationOptions): GrpcMutation[] {
  const base = protobufBaseline(kind);
  const out: GrpcMutation[] = [{ name: "valid baseline", data: grpcFrame(base) }];
  const add = (name: string, message: Uint8Array): void => {
    out.push({ name, data: grpcFrame(message) });
  };
  add("protobuf: empty message", new Uint8Array(0));
  for (let i = 0; i < 2; i++) add(`protobuf: random bytes #${i + 1}`, randomBytes(rng, 64));
  if (base.length > 1) {
    for (let i = 0; i < 2; i++) add(`protobuf: cut short #${i + 1}`, base.subarray(0, rng.range(1, base.length - 1)));
  }
  for (const [name, field] of pickUnknown(unknownFields(rng), rng, options)) {
    add(`protobuf: unknown field, ${name}`, concatBytes(base, field));
  }
  const fields = rng.shuffle(fieldsOf(kind as MessageKind)).slice(0, options.fieldsPerMessage);
  for (const f of fields) add(`protobuf: field ${f.name} with wire type ${wrongWireType(f, rng)}`, concatBytes(base, wrongType(f, rng)));
  for (const f of fields.filter(isVarintField)) {
    const [name, value] = rng.pick(EXTREMES);
    add(`protobuf: field ${f.name} = ${name}`, concatBytes(base, raw(f.number, WIRE.varint, value)));
  }
  for (const f of fields.filter((x) => x.kind === "message")) {
    add(`protobuf: field ${f.name} holding random bytes`, concatBytes(base, delimited(f.number, randomBytes(rng, 32))));
  }
  for (const [name, prefix] of LENGTH_LIES) {
    const first = fieldsOf(kind as MessageKind).find((f) => !isVarintField(f));
    add(`protobuf: length prefix ${name}`, concatBytes(base, tag(first?.number ?? 1000, WIRE.delimited), prefix, Uint8Array.of(1, 2, 3)));
  }
  add("protobuf: groups nested 100,000 deep", concatBytes(base, nestedGroups(100_000)));
  for (const other of rng.shuffle(others.filter((k) => k !== kind)).slice(0, 2)) {
    add(`protobuf: a ${other} instead`, protobufBaseline(other));
  }
  return out;
}

/** The gRPC frame around a valid message, wrong in each way it can be. */
export function frameMutations(kind: RequestKind, options: GrpcMutationOptions): GrpcMutation[] {
  const base = protobufBaseline(kind);
  return [
    { name: "frame: compressed flag 1 (no grpc-encoding)", data: grpcFrame(base, { flag: 1 }) },
    { name: "frame: compressed flag 1 with grpc-encoding gzip", data: grpcFrame(base, { flag: 1 }), headers: { "grpc-encoding": "gzip" } },
    { name: "frame: flag byte 0xff", data: grpcFrame(base, { flag: 0xff }) },
    { name: "frame: declared length 2^32-1", data: grpcFrame(base, { declaredBytes: 0xffff_ffff }), oversized: true },
    { name: "frame: declared length 2^31 (negative as int32)", data: grpcFrame(base, { declaredBytes: 0x8000_0000 }), oversized: true },
    { name: "frame: declared length one past the limit", data: grpcFrame(base, { declaredBytes: options.maxMessageBytes + 1 }), oversized: true },
    { name: "frame: declared length past the bytes sent", data: grpcFrame(base, { declaredBytes: base.length + 10 }) },
    { name: "frame: declared length shorter than the message", data: grpcFrame(base, { declaredBytes: Math.max(0, base.length - 1) }) },
    { name: "frame: two messages", data: concatBytes(grpcFrame(base), grpcFrame(base)) },
    { name: "frame: no message at all", data: new Uint8Array(0) },
    { name: "frame: 3 bytes of a prefix", data: Uint8Array.of(0, 0, 0) },
  ];
}

/** Headers and paths a valid Range call could come with, each wrong in one way. */
export function headerMutations(): GrpcMutation[] {
  const data = grpcFrame(protobufBaseline("RangeRequest"));
  const h = (name: string, headers: Record<string, string | null>): GrpcMutation => ({ name, data, headers });
  return [
    { ...h("header: no content-type", { "content-type": null }), resetOk: true },
    { ...h("header: content-type text/plain", { "content-type": "text/plain" }), resetOk: true },
    h("header: content-type application/grpc+proto", { "content-type": "application/grpc+proto" }),
    h("header: content-type application/grpc+json", { "content-type": "application/grpc+json" }),
    { ...h("header: content-type application/grpcx", { "content-type": "application/grpcx" }), resetOk: true },
    { ...h("header: content-type application/grpc-web", { "content-type": "application/grpc-web" }), resetOk: true },
    h("header: no te", { te: null }),
    h("header: grpc-timeout empty", { "grpc-timeout": "" }),
    h("header: grpc-timeout abc", { "grpc-timeout": "abc" }),
    h("header: grpc-timeout -1S", { "grpc-timeout": "-1S" }),
    h("header: grpc-timeout without a unit", { "grpc-timeout": "100" }),
    h("header: grpc-timeout of 9 digits", { "grpc-timeout": "999999999H" }),
    h("header: grpc-timeout 0n", { "grpc-timeout": "0n" }),
    h("header: grpc-timeout 1u", { "grpc-timeout": "1u" }),
    h("header: grpc-timeout 99999999H", { "grpc-timeout": "99999999H" }),
    h("header: grpc-timeout NaNS", { "grpc-timeout": "NaNS" }),
    h("header: grpc-encoding gzip, flag 0", { "grpc-encoding": "gzip" }),
    h("header: grpc-encoding unknown", { "grpc-encoding": "zfuzz" }),
    h("header: token metadata of garbage", { token: "zfuzz.not.a.token" }),
    h("header: authorization of garbage", { authorization: "Bearer \u00ff" }),
    h("header: 16 KiB user-agent", { "user-agent": "a".repeat(16 * 1024) }),
    h("header: :method GET", { ":method": "GET" }),
    h("header: :method PUT", { ":method": "PUT" }),
    ...UNKNOWN_PATHS.map((path) => ({
      ...h(`path: ${path.length > 40 ? `${path.slice(0, 20)}… (${path.length} chars)` : path}`, { ":path": path }),
      ...(path.startsWith("/") ? {} : { resetOk: true }),
    })),
  ];
}

/** Paths that name no method, or only nearly one. */
const UNKNOWN_PATHS: readonly string[] = [
  "/", "//", "/etcdserverpb.KV", "/etcdserverpb.KV/", "/etcdserverpb.KV/Range/x", "/etcdserverpb.kv/range",
  "/zfuzz.Service/Method", "/etcdserverpb.KV/Range%00", "/etcdserverpb.KV/__proto__", "/etcdserverpb.KV/constructor",
  "/__proto__/Range", "/constructor/Range", "/etcdserverpb.KV/hasOwnProperty", "/v3/kv/range", "/etcdserverpb.Watch/Watch/",
  "etcdserverpb.KV/Range", `/${"a".repeat(8_000)}/Range`, "/etcdserverpb.KV/Range?x=1", "/etcdserverpb.KV/Range#x",
];

const EXTREMES: readonly [string, Uint8Array][] = [
  ["2^64-1", varint(U64_MASK)],
  ["2^63 (int64 minimum)", varint(1n << 63n)],
  ["2^63-1", varint((1n << 63n) - 1n)],
  ["2^53+1", varint((1n << 53n) + 1n)],
  ["2^32+1", varint((1n << 32n) + 1n)],
  ["-1 (10-byte varint)", varint(-1n)],
  ["an 11-byte varint", Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01)],
  ["a varint cut short", Uint8Array.of(0xff, 0xff)],
];

const LENGTH_LIES: readonly [string, Uint8Array][] = [
  ["past the end by one", varint(4n)],
  ["2^32-1", varint(0xffff_ffffn)],
  ["2^31", varint(0x8000_0000n)],
  ["2^63", varint(1n << 63n)],
  ["2^64-1 (negative-looking)", varint(U64_MASK)],
];

function isVarintField(f: FieldDef): boolean {
  return f.kind !== "bytes" && f.kind !== "string" && f.kind !== "message";
}

/** Unknown fields of every wire type, the two invalid wire types, field number 0 and the largest one. */
function unknownFields(rng: Prng): [string, Uint8Array][] {
  const field = 1000 + rng.int(1000);
  const max = 536_870_911; // 2^29 - 1, the largest field number
  return [
    ["varint", raw(field, WIRE.varint, varint(rng.chance(0.5) ? U64_MASK : 7n))],
    ["fixed64", raw(field, WIRE.fixed64, new Uint8Array(8).fill(0xff))],
    ["length-delimited", delimited(field, randomBytes(rng, 16))],
    ["group", concatBytes(tag(field, WIRE.startGroup), raw(1, WIRE.varint, varint(1n)), tag(field, WIRE.endGroup))],
    ["group never closed", concatBytes(tag(field, WIRE.startGroup), raw(1, WIRE.varint, varint(1n)))],
    ["end group alone", tag(field, WIRE.endGroup)],
    ["fixed32", raw(field, WIRE.fixed32, Uint8Array.of(1, 2, 3, 4))],
    ["fixed32 cut short", raw(field, WIRE.fixed32, Uint8Array.of(1, 2))],
    ["wire type 6", raw(field, 6, Uint8Array.of(1))],
    ["wire type 7", raw(field, 7, Uint8Array.of(1))],
    ["field number 0", raw(0, WIRE.varint, varint(1n))],
    ["field number 2^29-1", raw(max, WIRE.varint, varint(1n))],
    ["field number past 2^29", raw(max + 1, WIRE.varint, varint(1n))],
  ];
}

/** This message's unknown-field cases: a window of the rotation when one is given, else a seeded sample. */
function pickUnknown<T>(cases: T[], rng: Prng, options: GrpcMutationOptions): T[] {
  const n = Math.min(options.unknownPerMessage, cases.length);
  if (options.unknownRotation === undefined) return rng.shuffle(cases).slice(0, n);
  return Array.from({ length: n }, (_, i) => cases[(options.unknownRotation! + i) % cases.length]!);
}

/** A wire type the field does not have (packed repeated varints accept delimited, so not that one). */
function wrongWireType(f: FieldDef, rng: Prng): number {
  const own = isVarintField(f) ? WIRE.varint : WIRE.delimited;
  const choices = [WIRE.varint, WIRE.fixed64, WIRE.delimited, WIRE.startGroup, WIRE.fixed32].filter((t) =>
    t !== own && !(f.packed && t === WIRE.delimited)
  );
  return choices[rng.int(choices.length)]!;
}

function wrongType(f: FieldDef, rng: Prng): Uint8Array {
  const type = wrongWireType(f, rng);
  switch (type) {
    case WIRE.varint:
      return raw(f.number, type, varint(300n));
    case WIRE.fixed64:
      return raw(f.number, type, new Uint8Array(8).fill(0x7f));
    case WIRE.delimited:
      return delimited(f.number, bytesOf("zfuzz"));
    case WIRE.startGroup:
      return concatBytes(tag(f.number, type), tag(f.number, WIRE.endGroup));
    default:
      return raw(f.number, type, Uint8Array.of(0, 0, 0, 1));
  }
}

function nestedGroups(depth: number): Uint8Array {
  const open = tag(1999, WIRE.startGroup);
  const out = new Uint8Array(open.length * depth);
  for (let i = 0; i < depth; i++) out.set(open, i * open.length);
  return out;
}

/**
 * Whether a call may be sent to the cluster under test: its message (the first frame of `data`) does not
 * decode as a request of `kind`, or it does and names only keys at or after "zfuzz/" (an empty key with a
 * range end could mean every key) and no "root" user or role.
 */
export function isSafe(kind: RequestKind, data: Uint8Array): boolean {
  if (data.length < 5) return true;
  const declared = new DataView(data.buffer, data.byteOffset, 5).getUint32(1);
  const message = data.subarray(5, 5 + declared);
  let decoded: unknown;
  try {
    decoded = decodeProtobuf(kind as MessageKind, message);
  } catch {
    return true; // refused before any service runs
  }
  return safeTree(decoded, 0);
}

const MIN_KEY = bytesOf(FUZZ_KEY_PREFIX);
/** Nesting a request may have before the check gives up on it (and calls it unsafe). */
const MAX_CHECK_DEPTH = 64;

function safeTree(value: unknown, depth: number): boolean {
  if (depth > MAX_CHECK_DEPTH) return false;
  if (Array.isArray(value)) return value.every((v) => safeTree(v, depth + 1));
  if (typeof value !== "object" || value === null || value instanceof Uint8Array) return true;
  const record = value as Record<string, unknown>;
  for (const [name, v] of Object.entries(record)) {
    if (typeof v === "string" && /root/i.test(v)) return false;
    if (v instanceof Uint8Array && (name === "key" || name === "name" || name === "prefix")) {
      const rangeEnd = record["range_end"];
      const ranged = rangeEnd instanceof Uint8Array && rangeEnd.length > 0;
      if ((v.length > 0 || ranged) && compareBytes(v, MIN_KEY) < 0) return false;
    }
    if (!safeTree(v, depth + 1)) return false;
  }
  return true;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}
