/**
 * Protobuf binary → message, driven by the per-kind tables (protobuf_plan.ts). The result has exactly the
 * shape wire.ts gives a gateway JSON or CBOR body: every non-oneof field present with its zero value when
 * absent, optional messages left undefined, oneof members only when set.
 *
 * Reading follows etcd's own (gogoproto-generated) unmarshalers, errors in their words: last value wins for a
 * scalar, a repeated message field appends, a singular message field seen twice merges, a oneof member
 * replaces its siblings, packed and unpacked runs are both read for repeated varints, unknown fields of wire
 * types 0, 1, 2 and 5 are skipped. Stricter than etcd, on purpose: groups (wire types 3 and 4) are refused
 * rather than skipped (no proto3 client writes them), a string field must be valid UTF-8 (a JS string cannot
 * hold other bytes, and replacing them would change a name or password silently), a packed run may not end
 * inside a varint, and nesting and size are bounded.
 * @module
 */
import { EtcdError, GrpcCode } from "./errors.ts";
import { Code, type FieldPlan, type KindTable, WireType } from "./protobuf_plan.ts";

type Obj = Record<string, unknown>;

const EMPTY_BYTES = new Uint8Array(0);
const TWO_32 = 4294967296;
const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Bounds of one decode. */
export interface DecodeLimits {
  /** Deepest nesting of messages accepted (the top-level message is depth 1). */
  maxDepth: number;
}

function invalid(message: string): EtcdError {
  return new EtcdError(GrpcCode.InvalidArgument, message);
}

/** io.ErrUnexpectedEOF as etcd's unmarshalers return it: input ends inside a tag, varint or length. */
function unexpectedEof(): EtcdError {
  return invalid("unexpected EOF");
}

/** Cursor over one input; `hi` holds the high 32 bits of the last varint read. */
class Reader {
  pos = 0;
  hi = 0;
  constructor(readonly buf: Uint8Array, readonly limits: DecodeLimits) {}

  /** Reads a varint ending at or before `end`: returns its low 32 bits (unsigned), leaves the high ones in `hi`. */
  varint(end: number): number {
    const buf = this.buf;
    let pos = this.pos;
    if (pos >= end) throw unexpectedEof();
    let b = buf[pos++]!;
    if (b < 0x80) {
      this.pos = pos;
      this.hi = 0;
      return b;
    }
    let lo = b & 0x7f;
    for (let shift = 7; shift < 28; shift += 7) {
      if (pos >= end) throw unexpectedEof();
      b = buf[pos++]!;
      lo |= (b & 0x7f) << shift;
      if (b < 0x80) {
        this.pos = pos;
        this.hi = 0;
        return lo >>> 0;
      }
    }
    if (pos >= end) throw unexpectedEof();
    b = buf[pos++]!;
    lo |= (b & 0x0f) << 28;
    let hi = (b & 0x7f) >> 4;
    if (b >= 0x80) {
      // Bytes 6 to 10 carry bits 35..63; the tenth byte's bits past 64 are dropped, as Go drops them.
      for (let shift = 3; ; shift += 7) {
        if (shift > 31) throw invalid("proto: integer overflow");
        if (pos >= end) throw unexpectedEof();
        b = buf[pos++]!;
        hi |= (b & 0x7f) << shift;
        if (b < 0x80) break;
      }
    }
    this.pos = pos;
    this.hi = hi >>> 0;
    return lo >>> 0;
  }

  /** A length prefix; the bytes it announces must lie before `end`. Returns where they end. */
  delimitedEnd(end: number): number {
    const lo = this.varint(end);
    const hi = this.hi;
    // Go reads the length into an int: a 64-bit pattern with the top bit set is a negative length.
    if (hi >= 0x80000000) throw invalid("proto: negative length found during unmarshaling");
    if (hi !== 0 || lo > end - this.pos) throw unexpectedEof();
    return this.pos + lo;
  }
}

/** Decodes the message of `table` filling `out` (a zero message, or one already holding fields to merge into). */
export function decodeInto(table: KindTable, bytes: Uint8Array, limits: DecodeLimits): Obj {
  const plain = bytes.constructor === Uint8Array ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
  const reader = new Reader(plain, limits);
  const out = zeroOf(table);
  readMessage(reader, table, bytes.length, 1, out);
  return out;
}

/** A message of `table` with every non-oneof field at its zero value, as wire.ts's zeroMessage builds it. */
export function zeroOf(table: KindTable): Obj {
  const out: Obj = {};
  const plans = table.zeroPlans;
  for (let i = 0; i < plans.length; i++) {
    const plan = plans[i]!;
    if (plan.repeated) {
      out[plan.name] = [];
      continue;
    }
    switch (plan.code) {
      case Code.bytes:
        out[plan.name] = EMPTY_BYTES;
        break;
      case Code.string:
        out[plan.name] = "";
        break;
      case Code.message:
        if (!plan.optional) out[plan.name] = zeroOf(plan.table!);
        break;
      case Code.id64:
      case Code.uid64:
        out[plan.name] = 0n;
        break;
      case Code.bool:
        out[plan.name] = false;
        break;
      default:
        out[plan.name] = 0;
    }
  }
  return out;
}

function readMessage(reader: Reader, table: KindTable, end: number, depth: number, out: Obj): void {
  if (depth > reader.limits.maxDepth) throw invalid(`proto: ${table.kind}: nested deeper than ${reader.limits.maxDepth}`);
  const byNumber = table.byNumber;
  while (reader.pos < end) {
    const lo = reader.varint(end);
    const hi = reader.hi;
    const wireType = lo & 7;
    // Go's int32(wire >> 3): a tag of more than 32 bits is read modulo 2^32, and can come out negative.
    const number = (lo >>> 3) | (hi << 29);
    if (wireType === WireType.endGroup) throw invalid(`proto: ${table.kind}: wiretype end group for non-group`);
    if (number <= 0) {
      const wire = (BigInt(hi) << 32n) | BigInt(lo);
      throw invalid(`proto: ${table.kind}: illegal tag ${number} (wire type ${wire})`);
    }
    const plan = number < byNumber.length ? byNumber[number] : undefined;
    if (plan === undefined) skipField(reader, table, number, wireType, end);
    else readField(reader, plan, wireType, end, depth, out);
  }
}

function wrongWireType(plan: FieldPlan, wireType: number): EtcdError {
  return invalid(`proto: wrong wireType = ${wireType} for field ${plan.goName}`);
}

function readField(reader: Reader, plan: FieldPlan, wireType: number, end: number, depth: number, out: Obj): void {
  if (wireType !== plan.elementWireType) {
    if (plan.packed && wireType === WireType.delimited) return readPackedRun(reader, plan, end, out);
    throw wrongWireType(plan, wireType);
  }
  if (plan.code === Code.message) return readMessageField(reader, plan, end, depth, out);
  const value = plan.elementWireType === WireType.varint ? varintValue(reader, plan, end) : delimitedValue(reader, plan, end);
  if (plan.repeated) (out[plan.name] as unknown[]).push(value);
  else {
    if (plan.siblings !== undefined) clearSiblings(plan, out);
    out[plan.name] = value;
  }
}

function clearSiblings(plan: FieldPlan, out: Obj): void {
  const siblings = plan.siblings!;
  for (let i = 0; i < siblings.length; i++) delete out[siblings[i]!];
}

function readMessageField(reader: Reader, plan: FieldPlan, end: number, depth: number, out: Obj): void {
  const nestedEnd = reader.delimitedEnd(end);
  const table = plan.table!;
  let target: Obj;
  if (plan.repeated) {
    target = zeroOf(table);
    (out[plan.name] as unknown[]).push(target);
  } else if (plan.siblings !== undefined) {
    // gogoproto gives a oneof member a fresh message each time it appears.
    clearSiblings(plan, out);
    target = zeroOf(table);
    out[plan.name] = target;
  } else {
    const existing = out[plan.name] as Obj | undefined;
    target = existing ?? zeroOf(table);
    if (existing === undefined) out[plan.name] = target;
  }
  readMessage(reader, table, nestedEnd, depth + 1, target);
  if (reader.pos !== nestedEnd) throw unexpectedEof();
}

/** A packed run of varints: one length prefix, then elements until it is used up. */
function readPackedRun(reader: Reader, plan: FieldPlan, end: number, out: Obj): void {
  const runEnd = reader.delimitedEnd(end);
  const list = out[plan.name] as unknown[];
  // Each element takes at least one byte, so the run's length bounds this loop.
  while (reader.pos < runEnd) list.push(varintValue(reader, plan, runEnd));
}

function varintValue(reader: Reader, plan: FieldPlan, end: number): unknown {
  const lo = reader.varint(end);
  const hi = reader.hi;
  switch (plan.code) {
    case Code.int64:
      // One rounding of the exact value, as Number() of its decimal text rounds (beyond 2^53 as decodeJson).
      return (hi | 0) * TWO_32 + lo;
    case Code.uint64:
      return hi * TWO_32 + lo;
    case Code.id64:
      return hi === 0 ? BigInt(lo) : BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo));
    case Code.uid64:
      return hi === 0 ? BigInt(lo) : (BigInt(hi) << 32n) | BigInt(lo);
    case Code.int32:
      // Go keeps the low 32 bits of an int32 (or enum) varint; a negative one arrives sign-extended.
      return lo | 0;
    case Code.uint32:
      return lo;
    case Code.bool:
      return (lo | hi) !== 0;
    default:
      throw new Error(`protobuf: ${plan.name} is not a varint field`);
  }
}

function delimitedValue(reader: Reader, plan: FieldPlan, end: number): unknown {
  const start = reader.pos;
  const valueEnd = reader.delimitedEnd(end);
  const from = reader.pos;
  reader.pos = valueEnd;
  // A copy, never a view: the input may be a pooled Buffer, or be reused by the transport after this returns.
  // (reader.buf is a plain Uint8Array, whose slice() copies; a Buffer's would be a view.)
  if (plan.code === Code.bytes) return reader.buf.slice(from, valueEnd);
  if (plan.code !== Code.string) throw new Error(`protobuf: ${plan.name} at ${start} is not bytes or string`);
  return readString(reader.buf, from, valueEnd, plan);
}

function readString(buf: Uint8Array, from: number, end: number, plan: FieldPlan): string {
  if (end - from <= 32) {
    let ascii = "";
    let i = from;
    for (; i < end; i++) {
      const c = buf[i]!;
      if (c >= 0x80) break;
      ascii += String.fromCharCode(c);
    }
    if (i === end) return ascii;
  }
  try {
    return utf8.decode(buf.subarray(from, end));
  } catch {
    throw invalid(`proto: field ${plan.fullName} contains invalid UTF-8`);
  }
}

/** Steps over a field the message does not declare (etcd skips them too, so newer clients still work). */
function skipField(reader: Reader, table: KindTable, number: number, wireType: number, end: number): void {
  switch (wireType) {
    case WireType.varint:
      reader.varint(end);
      return;
    case WireType.fixed64:
      return skipBytes(reader, 8, end);
    case WireType.delimited:
      reader.pos = reader.delimitedEnd(end);
      return;
    case WireType.fixed32:
      return skipBytes(reader, 4, end);
    case WireType.startGroup:
      throw invalid(`proto: ${table.kind}: group in unknown field ${number} (wire type 3) is not accepted`);
    default:
      throw invalid(`proto: illegal wireType ${wireType}`);
  }
}

function skipBytes(reader: Reader, count: number, end: number): void {
  if (count > end - reader.pos) throw unexpectedEof();
  reader.pos += count;
}
