/**
 * The gateway body of a streamed range (src/mvcc/range_stream.ts), in JSON or CBOR, written one page at
 * a time: the same bytes `encodeBody` writes for the whole response, so no client can tell the two apart.
 * The body is a pull stream with no read-ahead: a page is read from the snapshot only when the connection
 * asks for the next chunk, which it does once the socket drained — so what waits in memory is about one
 * page, however large the answer.
 * @module
 */
import { encodeCbor } from "../codec/cbor.ts";
import type { WireFormat } from "../codec/http.ts";
import { encodeJson } from "../codec/json.ts";
import type { KeyValue } from "../codec/messages.ts";
import type { StreamedRange } from "../mvcc/range_stream.ts";
import { GarbageHint } from "../storage/range_stream_memory.ts";

/** A client that takes no chunk for this long loses the answer (and the snapshot it holds is ended). */
export const RANGE_STREAM_STALL_MS = 60_000;

const ENCODER = new TextEncoder();

/** How one format writes the three parts of a RangeResponse. */
interface Pieces {
  head(range: StreamedRange): Uint8Array;
  rows(page: KeyValue[], first: boolean): Uint8Array;
  tail(range: StreamedRange): Uint8Array;
}

/**
 * JSON: fields in declaration order (header, kvs, more, count), zero values left out; the header and the
 * tail come from the encoder itself, so they cannot drift from `encodeJson`.
 */
const JSON_PIECES: Pieces = {
  head(range) {
    const header = encodeJson("RangeResponse", { header: range.header });
    // `{"header":{…}}` without its closing brace; then the list, when there are rows.
    return ENCODER.encode(header.slice(0, -1) + (range.rows > 0 ? ',"kvs":[' : ""));
  },
  rows(page, first) {
    let out = first ? "" : ",";
    for (let i = 0; i < page.length; i++) out += (i > 0 ? "," : "") + encodeJson("KeyValue", page[i]);
    return ENCODER.encode(out);
  },
  tail(range) {
    const rest = encodeJson("RangeResponse", { more: range.more, count: range.count });
    return ENCODER.encode((range.rows > 0 ? "]" : "") + (rest === "{}" ? "}" : "," + rest.slice(1)));
  },
};

/**
 * CBOR: the object `{header, kvs, more, count}` as cbor-x writes it — a 4-entry map, the list counted up
 * front. cbor-x writes an object's entry count in the 16-bit form whatever it is; the head is taken from
 * cbor-x's own encoding of a 4-field object, so it cannot drift from `encodeCbor`.
 */
const RESPONSE_FIELDS = ["header", "kvs", "more", "count"] as const;
const MAP_HEAD = mapHead();

function mapHead(): Uint8Array {
  const whole = encodeCbor({ header: 0, kvs: 0, more: 0, count: 0 });
  let entries = 0;
  for (const name of RESPONSE_FIELDS) entries += encodeCbor(name).length + encodeCbor(0).length;
  return whole.slice(0, whole.length - entries);
}

const CBOR_PIECES: Pieces = {
  head(range) {
    return concat([MAP_HEAD, encodeCbor("header"), encodeCbor(range.header), encodeCbor("kvs"), arrayHeader(range.rows)]);
  },
  rows(page) {
    return concat(page.map((kv) => encodeCbor(kv)));
  },
  tail(range) {
    return concat([encodeCbor("more"), encodeCbor(range.more), encodeCbor("count"), encodeCbor(range.count)]);
  },
};

/** A CBOR array's head for `length` items, in the shortest form (as cbor-x writes it). */
export function arrayHeader(length: number): Uint8Array {
  if (!(Number.isSafeInteger(length) && length >= 0 && length < 2 ** 32)) throw new Error(`cbor: bad array length ${length}`);
  if (length < 24) return Uint8Array.of(0x80 + length);
  if (length < 0x100) return Uint8Array.of(0x98, length);
  if (length < 0x10000) return Uint8Array.of(0x99, length >> 8, length & 0xff);
  const out = new Uint8Array(5);
  out[0] = 0x9a;
  new DataView(out.buffer).setUint32(1, length);
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  let size = 0;
  for (const part of parts) size += part.length;
  const out = new Uint8Array(size);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/**
 * The body of `range` in `format`. The snapshot ends when the body does: written out, failed, cancelled
 * by the connection, or stalled for `stallMs`.
 */
export function rangeBody(format: WireFormat, range: StreamedRange, options: { stallMs?: number } = {}): ReadableStream<Uint8Array> {
  const pieces = format === "cbor" ? CBOR_PIECES : JSON_PIECES;
  const stallMs = options.stallMs ?? RANGE_STREAM_STALL_MS;
  let stage: "head" | "rows" | "done" = "head";
  let first = true;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const garbage = new GarbageHint();
  const end = (): void => {
    stage = "done";
    clearTimeout(timer);
    range.close();
  };
  return new ReadableStream<Uint8Array>({
    start(controller) {
      timer = setTimeout(() => stalled(controller), stallMs);
    },
    pull(controller) {
      if (stage === "done") return;
      clearTimeout(timer);
      timer = setTimeout(() => stalled(controller), stallMs);
      try {
        if (stage === "head") {
          stage = "rows";
          controller.enqueue(pieces.head(range));
          return;
        }
        const page = range.nextPage();
        if (page !== undefined) {
          const piece = pieces.rows(page, first);
          garbage.sent(piece.length);
          controller.enqueue(piece);
          first = false;
          return;
        }
        const tail = pieces.tail(range);
        end();
        controller.enqueue(tail);
        controller.close();
      } catch (err) {
        end();
        controller.error(err);
      }
    },
    cancel() {
      end();
    },
  }, { highWaterMark: 0 });

  function stalled(controller: ReadableStreamDefaultController<Uint8Array>): void {
    if (stage === "done") return;
    end();
    controller.error(new Error("range stream: the client stopped reading"));
  }
}
