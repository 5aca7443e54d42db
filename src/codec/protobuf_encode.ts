/**
 * Message → protobuf binary, driven by the per-kind tables (protobuf_plan.ts), in two passes over the value:
 * the first computes every length prefix (nested messages, strings, packed runs) into one reused array in
 * visiting order, the second writes into a buffer of exactly the total size, reading the prefixes back in
 * the same order. So each nested message is measured once, and an encode allocates its output and nothing
 * per field.
 *
 * What is written is what etcd (gogoproto) writes: fields in ascending number order, proto3 zero values left
 * out (except a set oneof member, and a present message, which are always written), repeated varints packed,
 * negative int64/int32 as ten-byte varints. The size equals protoSizeBytes (proto_size.ts) for every message.
 * @module
 */
import { Code, type FieldPlan, type KindTable } from "./protobuf_plan.ts";

type Obj = Record<string, unknown>;

const TWO_32 = 4294967296;
const TWO_63 = 2 ** 63;
const TWO_64 = 2 ** 64;
const utf8 = new TextEncoder();

/** Bounds of one encode. */
export interface EncodeLimits {
  /** Deepest nesting of messages written (a cyclic value would otherwise recurse without end). */
  maxDepth: number;
}

/**
 * Length prefixes of the current encode, in visiting order (module state: an encode never yields or calls
 * out, so two never interleave).
 */
let lengths: number[] = [];
let lengthCount = 0;
let lengthCursor = 0;
/** High half of the last 64-bit value split by split64/splitBig. */
let splitHi = 0;

/** Encodes `value` as a message of `table`. Throws TypeError on a value the schema does not allow. */
export function encodeTable(table: KindTable, value: Obj, limits: EncodeLimits): Uint8Array {
  lengthCount = 0;
  const size = measureMessage(table, value, 1, limits);
  const out = new Uint8Array(size);
  lengthCursor = 0;
  const end = writeMessage(table, value, out, 0);
  if (end !== size || lengthCursor !== lengthCount) {
    throw new Error(`protobuf: ${table.kind} wrote ${end} of ${size} bytes, ${lengthCursor} of ${lengthCount} prefixes`);
  }
  if (lengths.length > 65_536) lengths = []; // one huge message does not pin its prefix array for ever
  return out;
}

// ---- sizes ----

function pushLength(): number {
  const slot = lengthCount++;
  if (slot === lengths.length) lengths.push(0);
  return slot;
}

function varint32Size(n: number): number {
  if (n < 0x80) return 1;
  if (n < 0x4000) return 2;
  if (n < 0x200000) return 3;
  if (n < 0x10000000) return 4;
  return 5;
}

function varint64Size(lo: number, hi: number): number {
  if (hi === 0) return varint32Size(lo);
  if (hi < 0x8) return 5;
  if (hi < 0x400) return 6;
  if (hi < 0x20000) return 7;
  if (hi < 0x1000000) return 8;
  if (hi < 0x80000000) return 9;
  return 10;
}

/** UTF-8 length as TextEncoder writes it (a lone surrogate becomes U+FFFD, 3 bytes). */
function utf8Length(text: string): number {
  const n = text.length;
  let size = n;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) size += 1;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < n && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      size += 2; // a pair: 2 UTF-16 units counted, 4 bytes written
      i++;
    } else size += 2;
  }
  return size;
}

function measureMessage(table: KindTable, obj: Obj, depth: number, limits: EncodeLimits): number {
  if (depth > limits.maxDepth) throw new TypeError(`encodeProtobuf: ${table.kind} nested deeper than ${limits.maxDepth}`);
  if (typeof obj !== "object" || obj === null) throw new TypeError(`encodeProtobuf: ${table.kind} is not an object`);
  const plans = table.plans;
  let size = 0;
  for (let i = 0; i < plans.length; i++) {
    const plan = plans[i]!;
    const value = obj[plan.name];
    if (value === undefined || value === null) continue;
    if (plan.repeated) size += measureList(plan, value, depth, limits);
    else if (plan.siblings !== undefined || !isZero(plan, value)) {
      size += plan.tagBytes + measureElement(plan, value, depth, limits);
    }
  }
  return size;
}

/** proto3 leaves these out; a present message, however empty, is written. */
function isZero(plan: FieldPlan, value: unknown): boolean {
  switch (plan.code) {
    case Code.bytes:
      return (value as Uint8Array).length === 0;
    case Code.string:
      return value === "";
    case Code.message:
      return false;
    default:
      return !value;
  }
}

/** Bytes of one element after its tag (length prefix included). */
function measureElement(plan: FieldPlan, value: unknown, depth: number, limits: EncodeLimits): number {
  switch (plan.code) {
    case Code.bytes: {
      if (!(value instanceof Uint8Array)) throw new TypeError(`encodeProtobuf: ${plan.name} must be a Uint8Array`);
      return varint32Size(value.length) + value.length;
    }
    case Code.string: {
      if (typeof value !== "string") throw new TypeError(`encodeProtobuf: ${plan.name} must be a string`);
      const slot = pushLength();
      const n = utf8Length(value);
      lengths[slot] = n;
      return varint32Size(n) + n;
    }
    case Code.message: {
      const slot = pushLength();
      const n = measureMessage(plan.table!, value as Obj, depth + 1, limits);
      lengths[slot] = n;
      return varint32Size(n) + n;
    }
    default: {
      const lo = splitVarint(plan, value);
      return varint64Size(lo, splitHi);
    }
  }
}

function measureList(plan: FieldPlan, value: unknown, depth: number, limits: EncodeLimits): number {
  if (!Array.isArray(value)) throw new TypeError(`encodeProtobuf: ${plan.name} must be an array`);
  const n = value.length;
  if (n === 0) return 0;
  if (plan.packed) {
    const slot = pushLength();
    let run = 0;
    for (let i = 0; i < n; i++) run += measureElement(plan, value[i], depth, limits);
    lengths[slot] = run;
    return plan.tagBytes + varint32Size(run) + run;
  }
  let size = 0;
  for (let i = 0; i < n; i++) size += plan.tagBytes + measureElement(plan, value[i], depth, limits);
  return size;
}

// ---- 64-bit values as two 32-bit halves ----

/** The varint a scalar is written as: returns its low 32 bits, leaves the high ones in splitHi. */
function splitVarint(plan: FieldPlan, value: unknown): number {
  switch (plan.code) {
    case Code.bool:
      splitHi = 0;
      return value ? 1 : 0;
    case Code.int32:
    case Code.uint32:
      return split32(plan, value);
    default:
      return typeof value === "bigint" ? splitBig(value, plan) : split64(plan, value);
  }
}

function split32(plan: FieldPlan, value: unknown): number {
  const signed = plan.code === Code.int32;
  const min = signed ? -0x80000000 : 0;
  const max = signed ? 0x7fffffff : 0xffffffff;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new TypeError(`encodeProtobuf: ${plan.name} must be a${signed ? "n int32" : " uint32"}, got ${String(value)}`);
  }
  // An int32 below zero is written sign-extended to 64 bits (ten bytes), as Go writes it.
  splitHi = value < 0 ? 0xffffffff : 0;
  return value >>> 0;
}

/** A number in a 64-bit field: any integer the field's type holds (beyond 2^53 as the double it is). */
function split64(plan: FieldPlan, value: unknown): number {
  const unsigned = plan.code === Code.uint64 || plan.code === Code.uid64;
  if (typeof value !== "number" || !Number.isInteger(value) || value >= (unsigned ? TWO_64 : TWO_63) ||
    value < (unsigned ? 0 : -TWO_63)) {
    throw new TypeError(`encodeProtobuf: ${plan.name} must be a 64-bit integer, got ${String(value)}`);
  }
  splitHi = Math.floor(value / TWO_32) >>> 0;
  return value >>> 0;
}

/** A bigint id (or a bigint in a number field): its 64-bit pattern, so -1 and 2^64 - 1 write the same. */
function splitBig(value: bigint, plan: FieldPlan): number {
  if (value >= 0n && value <= 0x7fffffffn) {
    splitHi = 0;
    return Number(value);
  }
  if (value < -(2n ** 63n) || value >= 2n ** 64n) {
    throw new TypeError(`encodeProtobuf: ${plan.name} does not fit 64 bits: ${value}`);
  }
  const bits = BigInt.asUintN(64, value);
  splitHi = Number(bits >> 32n);
  return Number(bits & 0xffffffffn);
}

// ---- writing ----

function writeVarint32(out: Uint8Array, pos: number, n: number): number {
  while (n > 0x7f) {
    out[pos++] = (n & 0x7f) | 0x80;
    n >>>= 7;
  }
  out[pos++] = n;
  return pos;
}

function writeVarint64(out: Uint8Array, pos: number, lo: number, hi: number): number {
  while (hi !== 0 || lo > 0x7f) {
    out[pos++] = (lo & 0x7f) | 0x80;
    lo = ((lo >>> 7) | (hi << 25)) >>> 0;
    hi >>>= 7;
  }
  out[pos++] = lo;
  return pos;
}

function writeTag(out: Uint8Array, pos: number, plan: FieldPlan, tag: number): number {
  if (plan.tagBytes === 1) {
    out[pos] = tag;
    return pos + 1;
  }
  return writeVarint32(out, pos, tag);
}

function writeMessage(table: KindTable, obj: Obj, out: Uint8Array, pos: number): number {
  const plans = table.plans;
  for (let i = 0; i < plans.length; i++) {
    const plan = plans[i]!;
    const value = obj[plan.name];
    if (value === undefined || value === null) continue;
    if (plan.repeated) pos = writeList(plan, value as unknown[], out, pos);
    else if (plan.siblings !== undefined || !isZero(plan, value)) {
      pos = writeTag(out, pos, plan, plan.tag);
      pos = writeElement(plan, value, out, pos);
    }
  }
  return pos;
}

function writeList(plan: FieldPlan, list: unknown[], out: Uint8Array, pos: number): number {
  const n = list.length;
  if (n === 0) return pos;
  if (plan.packed) {
    pos = writeTag(out, pos, plan, plan.tag);
    pos = writeVarint32(out, pos, lengths[lengthCursor++]!);
    for (let i = 0; i < n; i++) pos = writeElement(plan, list[i], out, pos);
    return pos;
  }
  for (let i = 0; i < n; i++) {
    pos = writeTag(out, pos, plan, plan.tag);
    pos = writeElement(plan, list[i], out, pos);
  }
  return pos;
}

function writeElement(plan: FieldPlan, value: unknown, out: Uint8Array, pos: number): number {
  switch (plan.code) {
    case Code.bytes: {
      const bytes = value as Uint8Array;
      pos = writeVarint32(out, pos, bytes.length);
      out.set(bytes, pos);
      return pos + bytes.length;
    }
    case Code.string: {
      const n = lengths[lengthCursor++]!;
      pos = writeVarint32(out, pos, n);
      return writeString(value as string, n, out, pos);
    }
    case Code.message: {
      pos = writeVarint32(out, pos, lengths[lengthCursor++]!);
      return writeMessage(plan.table!, value as Obj, out, pos);
    }
    default: {
      const lo = splitVarint(plan, value);
      return writeVarint64(out, pos, lo, splitHi);
    }
  }
}

function writeString(text: string, byteLength: number, out: Uint8Array, pos: number): number {
  if (byteLength === text.length) {
    for (let i = 0; i < byteLength; i++) out[pos + i] = text.charCodeAt(i);
    return pos + byteLength;
  }
  const { written } = utf8.encodeInto(text, out.subarray(pos, pos + byteLength));
  if (written !== byteLength) throw new Error(`protobuf: a string measured ${byteLength} bytes, wrote ${written}`);
  return pos + byteLength;
}
