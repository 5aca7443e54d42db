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
import { cborNestsDeeperThan } from "./cbor_depth.ts";
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

/**
 * Deepest nesting of arrays, maps and tags a CBOR item may have: the bound Go's encoding/json puts on the
 * gateway's JSON, so any request that JSON can carry (a txn nested as deep as --max-txn-ops allows) can be
 * carried in CBOR too, and every decoder of CBOR stays far from the end of the stack.
 */
export const MAX_CBOR_DEPTH = 10_000;

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
    value = decodeCborValue(bytes);
  } catch (err) {
    if (err instanceof EtcdError) throw err;
    throw new EtcdError(GrpcCode.InvalidArgument, `cbor: ${err instanceof Error ? err.message : String(err)}`);
  }
  return messageFromWire<T>(kind, value);
}

/**
 * Decodes one CBOR item without a schema (stream frames, proposals, error bodies). An item nested deeper
 * than `maxDepth` throws EtcdError(InvalidArgument) before decoding; other malformed input throws cbor-x's
 * error.
 */
export function decodeCborValue(bytes: Uint8Array, maxDepth = MAX_CBOR_DEPTH): unknown {
  if (cborNestsDeeperThan(bytes, maxDepth)) throw tooDeep(maxDepth);
  try {
    return codec.decode(asBuffer(bytes));
  } catch (err) {
    // The scan keeps the decoder's recursion far from the stack's end; should a runtime still run out,
    // the input was to blame, and the client sees our words, not the engine's.
    if (err instanceof RangeError && /call stack/i.test(err.message)) throw tooDeep(maxDepth);
    throw err;
  }
}

function tooDeep(maxDepth: number): EtcdError {
  return new EtcdError(GrpcCode.InvalidArgument, `cbor: exceeded max depth ${maxDepth}`);
}

/** cbor-x's decoder relies on Buffer methods for strings; a plain Uint8Array is wrapped without copying. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
