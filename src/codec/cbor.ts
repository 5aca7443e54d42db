/**
 * CBOR for tsetcd's own client and server (Content-Type: application/cbor): raw bytes as CBOR byte
 * strings, bigint ids as 64-bit CBOR integers (exact both ways, uint64 ≥ 2^63 and negatives included),
 * numbers as numbers.
 *
 * One stateless cbor-x configuration: no record/structure extension and no shared structures, so an
 * encoder in one process and a decoder in another (client and server) never depend on each other's
 * history. Decoding validates the shape with the same schema table and error texts as the JSON codec.
 *
 * @example
 * const bytes = encodeCbor({ key: new TextEncoder().encode("foo") });
 * const req = decodeCbor<PutRequest>("PutRequest", bytes);
 * @module
 */
import { CBOR_NATIVE_DISABLED } from "./cbor_env.ts";
// "cbor-x/encode" is the pure-JS build (encoder and decoder); the package root would load the native addon.
import { isNativeAccelerationEnabled } from "cbor-x/decode";
import { Encoder } from "cbor-x/encode";
import { EtcdError, GrpcCode } from "./errors.ts";
import type { MessageKind } from "./schema.ts";
import { messageFromWire } from "./wire.ts";

if (!CBOR_NATIVE_DISABLED || isNativeAccelerationEnabled) {
  throw new Error("codec: cbor-x native acceleration is on; it crashes under Bun (see cbor_env.ts)");
}

const codec = new Encoder({
  useRecords: false,
  mapsAsObjects: true,
  tagUint8Array: false,
  largeBigIntToFloat: false,
  pack: false,
  sequential: false,
});

/** Encodes any message value as one CBOR item. */
export function encodeCbor(value: unknown): Uint8Array {
  const buf = codec.encode(value);
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

/**
 * Decodes one CBOR item into a message of `kind`. Empty input is the zero message (as an empty JSON
 * body is). Malformed CBOR and wrong field types throw EtcdError(InvalidArgument).
 */
export function decodeCbor<T = Record<string, unknown>>(kind: MessageKind, bytes: Uint8Array): T {
  if (bytes.length === 0) return messageFromWire<T>(kind, undefined);
  let value: unknown;
  try {
    value = codec.decode(asBuffer(bytes));
  } catch (err) {
    throw new EtcdError(GrpcCode.InvalidArgument, `cbor: ${err instanceof Error ? err.message : String(err)}`);
  }
  return messageFromWire<T>(kind, value);
}

/** Decodes one CBOR item without a schema (error bodies, diagnostics); throws cbor-x's error. */
export function decodeCborValue(bytes: Uint8Array): unknown {
  return codec.decode(asBuffer(bytes));
}

/** cbor-x's decoder relies on Buffer methods for strings; a plain Uint8Array is wrapped without copying. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
