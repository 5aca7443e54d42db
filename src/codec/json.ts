/**
 * etcd 3.4's HTTP gateway JSON (grpc-gateway v1 with jsonpb, OrigName, no defaults), both ways:
 * - out: proto field names in declaration order, zero values omitted, int64/uint64 as decimal strings,
 *   int32 as numbers, bytes as standard base64, enums by name — byte for byte what etcd writes;
 * - in: what etcd accepts (proto or lowerCamel names, int64 as string or number, enums by name or number,
 *   `null` as unset, unknown fields ignored, trailing text after the first value ignored) and etcd's exact
 *   error text for everything it rejects.
 *
 * @example
 * const req = decodeJson<RangeRequest>("RangeRequest", '{"key":"Zm9v"}');
 * const text = encodeJson("RangeResponse", response);
 * @module
 */
import { EtcdError, GrpcCode } from "./errors.ts";
import { goJsonString, GoJsonSyntaxError, readJsonStream } from "./go_json.ts";
import { type FieldDef, fieldsOf, type MessageKind } from "./schema.ts";
import { messageFromWire } from "./wire.ts";

/**
 * Parses a gateway JSON request or response body into a message of `kind`. An empty body is the zero
 * message, as etcd treats it. Throws EtcdError (InvalidArgument, etcd's message) on bad input.
 */
export function decodeJson<T = Record<string, unknown>>(kind: MessageKind, text: string): T {
  let tree;
  try {
    tree = readJsonStream(text);
  } catch (err) {
    if (err instanceof GoJsonSyntaxError) throw new EtcdError(GrpcCode.InvalidArgument, err.message);
    throw err;
  }
  return messageFromWire<T>(kind, tree);
}

/** Writes a message of `kind` as etcd's gateway would. */
export function encodeJson(kind: MessageKind, value: unknown): string {
  if (typeof value !== "object" || value === null) throw new TypeError(`encodeJson(${kind}): not an object`);
  return writeMessage(kind, value as Record<string, unknown>);
}

function writeMessage(kind: MessageKind, obj: Record<string, unknown>): string {
  let out = "{";
  for (const def of fieldsOf(kind)) {
    const value = obj[def.name];
    if (value === undefined || value === null) continue;
    if (def.oneof === undefined && isZero(def, value)) continue;
    if (out.length > 1) out += ",";
    out += '"' + def.name + '":' + (def.repeated ? writeList(def, value) : writeSingle(def, value));
  }
  return out + "}";
}

/** jsonpb with EmitDefaults false skips these; a present message (even empty) is always written. */
function isZero(def: FieldDef, value: unknown): boolean {
  if (def.repeated) return (value as unknown[]).length === 0;
  switch (def.kind) {
    case "bytes":
      return (value as Uint8Array).length === 0;
    case "message":
      return false;
    case "string":
      return value === "";
    default:
      // numbers, bigints, enums, booleans: 0, 0n, false are all falsy
      return !value;
  }
}

function writeList(def: FieldDef, value: unknown): string {
  if (!Array.isArray(value)) throw new TypeError(`encodeJson: ${def.name} must be an array`);
  let out = "[";
  for (let i = 0; i < value.length; i++) {
    if (i > 0) out += ",";
    out += writeSingle(def, value[i]);
  }
  return out + "]";
}

function writeSingle(def: FieldDef, value: unknown): string {
  switch (def.kind) {
    case "bytes":
      return '"' + base64(value as Uint8Array) + '"';
    case "int64":
    case "uint64":
      return '"' + integerText(value) + '"';
    case "id64":
      return '"' + BigInt.asIntN(64, BigInt(value as bigint)).toString() + '"';
    case "uid64":
      return '"' + BigInt.asUintN(64, BigInt(value as bigint)).toString() + '"';
    case "int32":
    case "uint32":
      return integerText(value);
    case "bool":
      return value ? "true" : "false";
    case "string":
      return goJsonString(String(value));
    case "enum": {
      const name = def.enumDef!.names[value as number];
      return name === undefined ? integerText(value) : '"' + name + '"';
    }
    case "message":
      return writeMessage(def.message!, value as Record<string, unknown>);
  }
}

function integerText(value: unknown): string {
  if (typeof value === "bigint") return value.toString();
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw new TypeError(`encodeJson: expected an integer, got ${String(value)}`);
  }
  return Number.isSafeInteger(value) ? String(value) : BigInt(value).toString();
}

interface ToBase64 {
  toBase64?: () => string;
}

/** Standard padded base64; the native Uint8Array.prototype.toBase64 where present (2× Buffer). */
function base64(bytes: Uint8Array): string {
  if (!(bytes instanceof Uint8Array)) throw new TypeError("encodeJson: bytes field must be a Uint8Array");
  const native = (bytes as ToBase64).toBase64;
  if (native !== undefined) return native.call(bytes);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

/**
 * One message of a gateway stream (watch, lease keep-alive): etcd writes each as `{"result":<message>}`
 * followed by a newline, which the caller adds.
 */
export function encodeJsonStreamResult(kind: MessageKind, value: unknown): string {
  return '{"result":' + encodeJson(kind, value) + "}";
}
