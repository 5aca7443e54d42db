/**
 * Turns a loosely typed decoded value (a JSON tree from go_json.ts, or whatever cbor-x produced) into a
 * message of the shapes in messages.ts, driven by the schema table, with etcd's gateway rules and error
 * texts: proto or lowerCamel field names, unknown fields ignored, `null` as "not set", int64 as number or
 * decimal string, enums by name or number, bytes as std base64 (or raw bytes from CBOR).
 *
 * Fields are visited in the order Go's jsonpb visits them (declared order, oneofs last), so that when a
 * request has several bad fields we report the same one etcd does.
 * @module
 */
import { EtcdError, GrpcCode } from "./errors.ts";
import { Base64Error, decodeStdBase64 } from "./go_base64.ts";
import { EscapedString, GoJsonSyntaxError, JsonNumber, readJsonWhole } from "./go_json.ts";
import { type FieldDef, fieldsOf, goTypeName, type MessageKind } from "./schema.ts";

type Obj = Record<string, unknown>;

const EMPTY_BYTES = new Uint8Array(0);
const MESSAGE_TYPE = "map[string]json.RawMessage";
const LIST_TYPE = "[]json.RawMessage";
const INT_PATTERN = /^-?(?:0|[1-9][0-9]*)$/;

type IntRange = "int64" | "uint64" | "int32" | "uint32";

const INT_RANGES: Record<IntRange, readonly [bigint, bigint]> = {
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint64: [0n, 2n ** 64n - 1n],
  int32: [-(2n ** 31n), 2n ** 31n - 1n],
  uint32: [0n, 2n ** 32n - 1n],
};

function invalid(message: string): EtcdError {
  return new EtcdError(GrpcCode.InvalidArgument, message);
}

function typeError(value: unknown, goType: string): EtcdError {
  return invalid(`json: cannot unmarshal ${wireTypeOf(value)} into Go value of type ${goType}`);
}

/** Go's name for the JSON type of a decoded value ("bytes" only arises from CBOR). */
function wireTypeOf(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "boolean") return "bool";
  if (typeof value === "string" || value instanceof EscapedString) return "string";
  if (typeof value === "number" || typeof value === "bigint" || value instanceof JsonNumber) return "number";
  if (Array.isArray(value)) return "array";
  if (value instanceof Uint8Array) return "bytes";
  return "object";
}

function isRecord(value: unknown): value is Obj {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === null || proto === Object.prototype;
}

/** The zero value messages.ts expects for an absent non-oneof field. */
function zeroOf(def: FieldDef): unknown {
  if (def.repeated) return [];
  switch (def.kind) {
    case "bytes":
      return EMPTY_BYTES;
    case "id64":
    case "uid64":
      return 0n;
    case "bool":
      return false;
    case "string":
      return "";
    case "message":
      return def.optional ? undefined : zeroMessage(def.message!);
    default:
      return 0;
  }
}

/** A message of `kind` with every non-oneof field at its zero value. */
export function zeroMessage<T = Obj>(kind: MessageKind): T {
  const out: Obj = {};
  for (const def of fieldsOf(kind)) {
    if (def.oneof !== undefined) continue;
    const zero = zeroOf(def);
    if (zero !== undefined) out[def.name] = zero;
  }
  return out as T;
}

/**
 * Converts a decoded wire value into a message of `kind`. `undefined` (empty body) and `null` give the
 * zero message, as the gateway does. Throws EtcdError(InvalidArgument) with etcd's text on bad input.
 */
export function messageFromWire<T = Obj>(kind: MessageKind, value: unknown): T {
  if (value === undefined || value === null) return zeroMessage<T>(kind);
  if (!isRecord(value)) throw typeError(value, MESSAGE_TYPE);
  return readMessage(kind, value) as T;
}

/**
 * The proto name wins over the lowerCamel one, as in jsonpb. Plain property reads are safe: no schema field
 * name is an Object.prototype member, and JSON trees have no prototype at all.
 */
function lookup(obj: Obj, def: FieldDef): unknown {
  const value = obj[def.name];
  if (value !== undefined || def.jsonName === def.name) return value;
  return obj[def.jsonName];
}

function readMessage(kind: MessageKind, obj: Obj): Obj {
  const fields = fieldsOf(kind);
  const out: Obj = {};
  let hasOneof = false;
  for (const def of fields) {
    if (def.oneof !== undefined) {
      hasOneof = true;
      continue;
    }
    const raw = lookup(obj, def);
    const value = raw === undefined || raw === null ? zeroOf(def) : readField(def, raw);
    if (value !== undefined) out[def.name] = value;
  }
  if (hasOneof) readOneofs(fields, obj, out);
  return out;
}

/** jsonpb handles oneof members after the plain fields; a later member replaces an earlier one. */
function readOneofs(fields: readonly FieldDef[], obj: Obj, out: Obj): void {
  const chosen = new Map<string, string>();
  for (const def of fields) {
    if (def.oneof === undefined) continue;
    const raw = lookup(obj, def);
    if (raw === undefined) continue;
    const value = raw === null ? zeroOf({ ...def, optional: false }) : readField(def, raw);
    const previous = chosen.get(def.oneof);
    if (previous !== undefined) delete out[previous];
    chosen.set(def.oneof, def.name);
    out[def.name] = value;
  }
}

function readField(def: FieldDef, raw: unknown): unknown {
  if (!def.repeated) return readSingle(def, raw);
  if (!Array.isArray(raw)) throw typeError(raw, LIST_TYPE);
  const out = new Array<unknown>(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const item = raw[i];
    out[i] = item === null || item === undefined ? zeroOf({ ...def, repeated: false, optional: false })
      : readSingle(def, item);
  }
  return out;
}

function readSingle(def: FieldDef, raw: unknown): unknown {
  switch (def.kind) {
    case "bytes":
      return readBytes(raw);
    case "int64":
      return toNumber(readInteger(raw, "int64", "int64"));
    case "uint64":
      return toNumber(readInteger(raw, "uint64", "uint64"));
    case "int32":
      return toNumber(readInteger(raw, "int32", "int32"));
    case "uint32":
      return toNumber(readInteger(raw, "uint32", "uint32"));
    case "id64":
      if (typeof raw === "bigint") return readBigId(raw, "int64");
      return BigInt(readInteger(raw, "int64", "int64"));
    case "uid64":
      if (typeof raw === "bigint") return readBigId(raw, "uint64");
      return BigInt(readInteger(raw, "uint64", "uint64"));
    case "bool":
      if (typeof raw !== "boolean") throw typeError(raw, "bool");
      return raw;
    case "string":
      if (typeof raw === "string") return raw;
      if (raw instanceof EscapedString) return raw.value;
      throw typeError(raw, "string");
    case "enum":
      return readEnum(def, raw);
    case "message":
      if (!isRecord(raw)) throw typeError(raw, MESSAGE_TYPE);
      return readMessage(def.message!, raw);
  }
}

/**
 * A bigint id straight from CBOR: any 64-bit pattern is accepted and read as the field's own type, as
 * protobuf reads a varint (2^64 - 1 in an int64 field is -1; -1 in a uint64 field is 2^64 - 1). So a uint64
 * member id ≥ 2^63 and a negative lease id both round-trip, and no id outside its type reaches a service;
 * only values no 64-bit field could hold are refused.
 */
function readBigId(raw: bigint, goType: "int64" | "uint64"): bigint {
  if (raw < INT_RANGES.int64![0] || raw > INT_RANGES.uint64![1]) {
    throw invalid(`json: cannot unmarshal number ${raw} into Go value of type ${goType}`);
  }
  return goType === "int64" ? BigInt.asIntN(64, raw) : BigInt.asUintN(64, raw);
}

function readBytes(raw: unknown): Uint8Array {
  if (raw instanceof Uint8Array) {
    // cbor-x hands out Buffers; callers get plain Uint8Array views of the same memory.
    return raw.constructor === Uint8Array ? raw : new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
  }
  const text = typeof raw === "string" ? raw : raw instanceof EscapedString ? raw.value : undefined;
  if (text === undefined) throw typeError(raw, "[]uint8");
  try {
    return decodeStdBase64(text);
  } catch (err) {
    if (err instanceof Base64Error) throw invalid(err.message);
    throw err;
  }
}

function readEnum(def: FieldDef, raw: unknown): number {
  const enumDef = def.enumDef!;
  if (typeof raw === "string" || raw instanceof EscapedString) {
    // The gateway looks the name up without unescaping it.
    const name = typeof raw === "string" ? raw : raw.raw;
    const index = enumDef.names.indexOf(name);
    if (index < 0) throw invalid(`unknown value ${goQuoteName(name)} for enum ${enumDef.goName}`);
    return index;
  }
  return toNumber(readInteger(raw, "int32", enumDef.goName));
}

/** Decimal text to number; "-0" becomes 0 as in Go. Beyond 2^53 precision is lost (documented in messages.ts). */
function toNumber(literal: string): number {
  const n = Number(literal);
  return n === 0 ? 0 : n;
}

/** %q of an enum name as Go prints it; names are ASCII, so escaping " and \ is all that can matter. */
function goQuoteName(name: string): string {
  return '"' + name.replace(/[\\"]/g, (c) => "\\" + c) + '"';
}

/**
 * The decimal text of an integer field, range-checked for `range`; `goType` names the field's type in
 * errors. A quoted value is re-read as JSON (jsonpb strips the quotes and calls json.Unmarshal).
 */
function readInteger(raw: unknown, range: IntRange, goType: string): string {
  // Fast path: a short canonical decimal (almost every revision, count and TTL) needs no further checks.
  const quick = raw instanceof JsonNumber ? raw.raw : typeof raw === "string" ? raw : undefined;
  if (quick !== undefined && isShortNonNegativeDecimal(quick)) return quick;
  let literal: string;
  if (raw instanceof JsonNumber) literal = raw.raw;
  else if (typeof raw === "number") literal = String(raw);
  else if (typeof raw === "bigint") literal = raw.toString();
  else if (typeof raw === "string" || raw instanceof EscapedString) {
    const inner = quotedNumber(typeof raw === "string" ? raw : raw.raw, goType);
    if (inner === undefined) return "0";
    literal = inner;
  } else throw typeError(raw, goType);
  checkInteger(literal, range, goType);
  return literal;
}

/** 1–9 digits without a leading zero (or "0"): valid for every integer type, no range check needed. */
function isShortNonNegativeDecimal(text: string): boolean {
  const length = text.length;
  if (length === 0 || length > 9) return false;
  const first = text.charCodeAt(0);
  if (first === 0x30) return length === 1;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

/** Re-reads the inside of a quoted number; undefined for `"null"`, which leaves the field unset. */
function quotedNumber(inner: string, goType: string): string | undefined {
  if (INT_PATTERN.test(inner)) return inner;
  let value;
  try {
    value = readJsonWhole(inner);
  } catch (err) {
    if (err instanceof GoJsonSyntaxError) throw invalid(err.message);
    throw err;
  }
  if (value === null) return undefined;
  if (value instanceof JsonNumber) return value.raw;
  throw typeError(value, goType);
}

function checkInteger(literal: string, range: IntRange, goType: string): void {
  let ok = INT_PATTERN.test(literal) && !(range.startsWith("u") && literal.startsWith("-"));
  if (ok && literal.length > 9) {
    const [min, max] = INT_RANGES[range]!;
    const value = BigInt(literal);
    ok = value >= min && value <= max;
  }
  if (!ok) throw invalid(`json: cannot unmarshal number ${literal} into Go value of type ${goType}`);
}
