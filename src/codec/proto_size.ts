/**
 * The protobuf-encoded size of a message, computed from the schema table without encoding it. etcd's
 * request limits are on that size, not on the HTTP body: --max-request-bytes ("etcdserver: request is too
 * large") and gRPC's receive limit of max-request-bytes + 512 KiB ("grpc: received message larger than max
 * (N vs. M)", where N is exactly this size). A JSON body's unknown fields and base64 overhead don't count.
 * @module
 */
import { type FieldDef, fieldsOf, type MessageKind } from "./schema.ts";

const utf8 = new TextEncoder();

/** Bytes of a varint holding `value` (a negative int64/int32 takes 10, as in protobuf). */
export function varintSizeBytes(value: number | bigint): number {
  let v = BigInt.asUintN(64, BigInt(value));
  if (v < 128n) return 1;
  let size = 0;
  while (v > 0n) {
    size++;
    v >>= 7n;
  }
  return size;
}

function smallVarintSize(n: number): number {
  if (n < 0x80) return 1;
  if (n < 0x4000) return 2;
  if (n < 0x200000) return 3;
  if (n < 0x10000000) return 4;
  return varintSizeBytes(n);
}

/** Size in bytes of `value` (a message of `kind`) in protobuf binary encoding. */
export function protoSizeBytes(kind: MessageKind, value: unknown): number {
  const obj = value as Record<string, unknown>;
  let size = 0;
  for (const def of fieldsOf(kind)) {
    const v = obj[def.name];
    if (v === undefined || v === null) continue;
    size += def.repeated ? repeatedSize(def, v as unknown[]) : singleSize(def, v, def.oneof !== undefined);
  }
  return size;
}

/** One non-repeated field: tag + payload; proto3 skips zero scalars except oneof members. */
function singleSize(def: FieldDef, value: unknown, always: boolean): number {
  const payload = payloadSize(def, value, always);
  return payload < 0 ? 0 : def.tagBytes + payload;
}

/** Payload bytes (length prefix included for delimited kinds), or -1 when the field is not written. */
function payloadSize(def: FieldDef, value: unknown, always: boolean): number {
  switch (def.kind) {
    case "bytes": {
      const n = (value as Uint8Array).length;
      return n === 0 && !always ? -1 : smallVarintSize(n) + n;
    }
    case "string": {
      const n = utf8.encode(value as string).length;
      return n === 0 && !always ? -1 : smallVarintSize(n) + n;
    }
    case "message": {
      const n = protoSizeBytes(def.message!, value);
      return smallVarintSize(n) + n;
    }
    case "bool":
      return !value && !always ? -1 : 1;
    default:
      return !value && !always ? -1 : varintSizeBytes(value as number | bigint);
  }
}

/** Repeated numeric fields are packed in proto3; bytes, strings and messages repeat their tag. */
function repeatedSize(def: FieldDef, values: unknown[]): number {
  if (values.length === 0) return 0;
  if (def.kind === "bytes" || def.kind === "string" || def.kind === "message") {
    let size = 0;
    for (const v of values) size += def.tagBytes + payloadSize(def, v, true);
    return size;
  }
  let packed = 0;
  for (const v of values) packed += def.kind === "bool" ? 1 : varintSizeBytes(v as number | bigint);
  return def.tagBytes + smallVarintSize(packed) + packed;
}
