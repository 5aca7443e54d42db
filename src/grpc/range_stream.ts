/**
 * A streamed range (src/mvcc/range_stream.ts) as one gRPC message written in pieces. Protobuf wants the
 * message's length first: the range's first pass summed every row's encoded size (`protobufRowBytes`), so
 * the length prefix is exact before any row is read with its value. Then header, one page of rows at a time,
 * and `more`/`count` — the same bytes `encodeProtobuf` writes for the whole response. A page is read only
 * once the stream took the last one (HTTP/2 flow control and the socket's drain both hold it back), so
 * what waits in memory is about a page.
 * @module
 */
import { EtcdError, GrpcCode } from "../codec/errors.ts";
import type { KeyValue } from "../codec/messages.ts";
import { encodeProtobuf } from "../codec/protobuf.ts";
import { protoSizeBytes, varintSizeBytes } from "../codec/proto_size.ts";
import type { StreamedRange } from "../mvcc/range_stream.ts";
import { GarbageHint } from "../storage/range_stream_memory.ts";
import { drained, GrpcCall } from "./call.ts";

/** grpc-go's default largest message a server sends (math.MaxInt32). */
export const MAX_SEND_MESSAGE_BYTES = 2 ** 31 - 1;
/** A client whose stream stays full this long loses the answer (and the snapshot it holds is ended). */
export const RANGE_STREAM_STALL_MS = 60_000;
/** RangeResponse.kvs is field 2, length-delimited. */
const KVS_TAG = 0x12;
const EMPTY = new Uint8Array(0);

/** One row's bytes inside a RangeResponse: tag, length and the KeyValue whose value is `valueBytes` long. */
export function protobufRowBytes(kv: KeyValue, valueBytes: number): number {
  // The value (field 5) is left out when empty; the rest is measured without it.
  const rest = protoSizeBytes("KeyValue", kv.value.length === 0 ? kv : { ...kv, value: EMPTY });
  const kvBytes = rest + (valueBytes > 0 ? 1 + varintSizeBytes(valueBytes) + valueBytes : 0);
  return 1 + varintSizeBytes(kvBytes) + kvBytes;
}

function rowsPiece(page: KeyValue[]): Uint8Array {
  const encoded = page.map((kv) => encodeProtobuf("KeyValue", kv));
  let size = 0;
  for (const kv of encoded) size += 1 + varintSizeBytes(kv.length) + kv.length;
  const out = new Uint8Array(size);
  let at = 0;
  for (const kv of encoded) {
    out[at++] = KVS_TAG;
    at = writeVarint(out, at, kv.length);
    out.set(kv, at);
    at += kv.length;
  }
  if (at !== size) throw new Error("range stream: a page's protobuf size is off");
  return out;
}

function writeVarint(out: Uint8Array, at: number, value: number): number {
  let rest = value;
  while (rest >= 0x80) {
    out[at++] = (rest & 0x7f) | 0x80;
    rest = Math.floor(rest / 128);
  }
  out[at++] = rest;
  return at;
}

/**
 * Sends `range` as the call's one message, then status OK; ends the snapshot however it ends. A message
 * over gRPC's limit fails the call as grpc-go's server does.
 */
export async function sendStreamedRange(call: GrpcCall, range: StreamedRange, options: { stallMs?: number } = {}): Promise<void> {
  const stallMs = options.stallMs ?? RANGE_STREAM_STALL_MS;
  try {
    const head = encodeProtobuf("RangeResponse", { header: range.header });
    const tail = encodeProtobuf("RangeResponse", { more: range.more, count: range.count });
    const total = head.length + range.measuredBytes + tail.length;
    if (total > MAX_SEND_MESSAGE_BYTES) {
      throw new EtcdError(GrpcCode.ResourceExhausted, `grpc: trying to send message larger than max (${total} vs. ${MAX_SEND_MESSAGE_BYTES})`);
    }
    const prefix = new Uint8Array(5);
    new DataView(prefix.buffer).setUint32(1, total);
    let sent = 0;
    const garbage = new GarbageHint();
    const head5 = new Uint8Array(prefix.length + head.length);
    head5.set(prefix);
    head5.set(head, prefix.length);
    let room = call.sendPiece(head5);
    sent += head.length;
    for (;;) {
      if (!room && !(await drained(call, stallMs))) return; // the client went, or stopped reading
      if (call.done) return;
      const page = range.nextPage();
      if (page === undefined) break;
      const piece = rowsPiece(page);
      sent += piece.length;
      garbage.sent(piece.length);
      room = call.sendPiece(piece);
    }
    sent += tail.length;
    if (sent !== total) throw new Error(`range stream: wrote ${sent} bytes of a ${total}-byte message`);
    call.sendPiece(tail);
    call.finish(GrpcCode.OK);
  } catch (error) {
    // Past the first piece the message is cut: the client sees the status, never a short message as whole.
    call.fail(error);
  } finally {
    range.close();
  }
}
