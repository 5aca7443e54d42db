/**
 * Protobuf binary encoding of every message in the schema table: etcd's gRPC wire format. No generated code
 * and no .proto parsing at run time: the table (schema.ts) has each field's number and kind, and
 * protobuf_plan.ts turns it into per-kind lookup tables once. proto/*.proto says the same for gRPC tooling.
 *
 * Decoding gives the same message shape as decodeJson and decodeCbor (zero values filled, optional messages
 * undefined, oneof members only when set), so the request boundary checks the same objects whatever the
 * encoding. JS representations are the schema's: 64-bit ids are bigint (exact), other 64-bit integers are
 * numbers (a value beyond 2^53 rounds, exactly as decodeJson rounds its decimal text). Malformed input throws
 * EtcdError(InvalidArgument) with the text etcd's own unmarshalers use ("unexpected EOF", "proto: wrong
 * wireType = 2 for field Key", …); grpc-go sends those to the client as code Internal, prefixed
 * "grpc: error unmarshalling request: ", which is the transport's business.
 *
 * @example
 * const bytes = encodeProtobuf("PutRequest", { key: new TextEncoder().encode("foo") });
 * const put = decodeProtobuf<PutRequest>("PutRequest", bytes);
 * @module
 */
import { EtcdError, GrpcCode } from "./errors.ts";
import { decodeInto, zeroOf } from "./protobuf_decode.ts";
import { encodeTable } from "./protobuf_encode.ts";
import { tableFor } from "./protobuf_plan.ts";
import type { MessageKind } from "./schema.ts";

/**
 * Largest input decodeProtobuf reads unless told otherwise: 64 MiB, far above etcd's request limit (1.5 MiB
 * plus gRPC's 512 KiB), which the transport enforces before decoding; this bound is the codec's own.
 */
export const DEFAULT_MAX_PROTOBUF_BYTES = 64 * 1024 * 1024;

/**
 * Deepest message nesting read or written unless told otherwise: 1,000 levels, 499 txns nested in one
 * another (each adds a RequestOp and a TxnRequest). Far past any real request, and far inside the stack:
 * reading and writing recurse once per level, and 10,000 levels (Go's own bound) overflow Bun's stack when
 * the caller is already deep in a server's frames.
 */
export const DEFAULT_MAX_PROTOBUF_DEPTH = 1_000;

/** Bounds of decodeProtobuf. */
export interface ProtobufDecodeOptions {
  /** Refuse input longer than this (default DEFAULT_MAX_PROTOBUF_BYTES). */
  maxBytes?: number;
  /** Refuse messages nested deeper than this (default DEFAULT_MAX_PROTOBUF_DEPTH). */
  maxDepth?: number;
}

/**
 * Decodes protobuf bytes into a message of `kind`. Empty input is the zero message. Throws
 * EtcdError(InvalidArgument) on malformed input, input over `maxBytes`, or nesting over `maxDepth`.
 */
export function decodeProtobuf<T = Record<string, unknown>>(
  kind: MessageKind,
  bytes: Uint8Array,
  options: ProtobufDecodeOptions = {},
): T {
  const table = tableFor(kind);
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_PROTOBUF_BYTES;
  if (bytes.length > maxBytes) {
    throw new EtcdError(GrpcCode.InvalidArgument, `proto: ${kind} of ${bytes.length} bytes is over the ${maxBytes}-byte limit`);
  }
  if (bytes.length === 0) return zeroOf(table) as T;
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_PROTOBUF_DEPTH;
  try {
    return decodeInto(table, bytes, { maxDepth }) as T;
  } catch (err) {
    // A maxDepth raised past what the stack holds: still the input's fault, and nothing was half-built.
    if (err instanceof RangeError) throw new EtcdError(GrpcCode.InvalidArgument, `proto: ${kind}: nested too deep`);
    throw err;
  }
}

/**
 * Encodes a message of `kind` as etcd writes it (zero values left out, ascending field numbers, packed
 * repeated varints). Throws TypeError on a value of the wrong type for its field (a bug in the caller).
 */
export function encodeProtobuf(kind: MessageKind, value: unknown): Uint8Array {
  if (typeof value !== "object" || value === null) throw new TypeError(`encodeProtobuf(${kind}): not an object`);
  return encodeTable(tableFor(kind), value as Record<string, unknown>, { maxDepth: DEFAULT_MAX_PROTOBUF_DEPTH });
}
