/**
 * A measurement, not a server: the least HTTP/2 a gRPC Put needs, on Bun.listen, to show what node:http2
 * costs per call. It parses frames, acknowledges SETTINGS and PING, returns flow-control credit, and answers
 * every stream that ends with the same PutResponse (headers, one message, `grpc-status: 0`), ignoring the
 * request headers (no HPACK decoding) and writing once per socket read (a short write is not retried: small
 * answers on loopback). Compare with bench/grpc_layer.ts,
 * the real front-end on node:http2 with a no-op KV:
 *
 *   bun bench/grpc_h2_floor.ts 27650 &
 *   benchmark --endpoints 127.0.0.1:27650 --conns 4 --clients 64 put --total 20000 --val-size 256
 *
 * and read the server's CPU from /proc/<pid>/stat. Port default 27650 (this bench's range).
 * @module
 */
import { encodeProtobuf } from "../src/codec/protobuf.ts";
import { frameMessage } from "../src/grpc/framing.ts";

const port = Number(process.argv[2] ?? 27650);
const PREFACE_BYTES = 24;
const FRAME_HEADER_BYTES = 9;
/** A peer that sends a longer frame than SETTINGS_MAX_FRAME_SIZE's default is cut off. */
const MAX_FRAME_BYTES = 16_384;
const TYPE = { DATA: 0, HEADERS: 1, SETTINGS: 4, PING: 6, WINDOW_UPDATE: 8 } as const;
const FLAG = { END_STREAM: 1, ACK: 1, END_HEADERS: 4 } as const;

function frame(type: number, flags: number, streamId: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(FRAME_HEADER_BYTES + payload.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, payload.length << 8);
  out[3] = type;
  out[4] = flags;
  view.setUint32(5, streamId);
  out.set(payload, FRAME_HEADER_BYTES);
  return out;
}

const ascii = new TextEncoder();
// HPACK: `:status: 200` from the static table; the rest as literals without indexing, no Huffman.
const RESPONSE_HEADERS = Uint8Array.from([0x88, 0x0f, 0x10, 16, ...ascii.encode("application/grpc")]);
const OK_TRAILERS = Uint8Array.from([0x00, 11, ...ascii.encode("grpc-status"), 1, ...ascii.encode("0")]);
const PUT_RESPONSE = frameMessage(encodeProtobuf("PutResponse", { header: { cluster_id: 1n, member_id: 2n, revision: 3n, raft_term: 4n } }));

function answer(streamId: number, out: Uint8Array[]): void {
  out.push(frame(TYPE.HEADERS, FLAG.END_HEADERS, streamId, RESPONSE_HEADERS));
  out.push(frame(TYPE.DATA, 0, streamId, PUT_RESPONSE));
  out.push(frame(TYPE.HEADERS, FLAG.END_HEADERS | FLAG.END_STREAM, streamId, OK_TRAILERS));
}

interface Connection {
  pending: Uint8Array;
  prefaceSeen: boolean;
}

function concat(parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

Bun.listen<Connection>({
  hostname: "127.0.0.1",
  port,
  socket: {
    open(socket) {
      socket.data = { pending: new Uint8Array(0), prefaceSeen: false };
      socket.write(frame(TYPE.SETTINGS, 0, 0, new Uint8Array(0)));
    },
    data(socket, chunk) {
      const state = socket.data;
      let bytes = state.pending.length === 0 ? new Uint8Array(chunk) : concat([state.pending, chunk]);
      if (!state.prefaceSeen) {
        if (bytes.length < PREFACE_BYTES) {
          state.pending = bytes;
          return;
        }
        bytes = bytes.subarray(PREFACE_BYTES);
        state.prefaceSeen = true;
      }
      const out: Uint8Array[] = [];
      let dataBytes = 0;
      // Each turn takes one whole frame off the front: bounded by the bytes read.
      while (bytes.length >= FRAME_HEADER_BYTES) {
        const length = (bytes[0]! << 16) | (bytes[1]! << 8) | bytes[2]!;
        if (length > MAX_FRAME_BYTES) return void socket.end();
        if (bytes.length < FRAME_HEADER_BYTES + length) break;
        const type = bytes[3]!;
        const flags = bytes[4]!;
        const streamId = new DataView(bytes.buffer, bytes.byteOffset + 5, 4).getUint32(0) & 0x7fff_ffff;
        const payload = bytes.subarray(FRAME_HEADER_BYTES, FRAME_HEADER_BYTES + length);
        if (type === TYPE.SETTINGS && (flags & FLAG.ACK) === 0) out.push(frame(TYPE.SETTINGS, FLAG.ACK, 0, new Uint8Array(0)));
        if (type === TYPE.PING && (flags & FLAG.ACK) === 0) out.push(frame(TYPE.PING, FLAG.ACK, 0, payload));
        if (type === TYPE.DATA) dataBytes += length;
        if ((type === TYPE.DATA || type === TYPE.HEADERS) && (flags & FLAG.END_STREAM) !== 0) answer(streamId, out);
        bytes = bytes.subarray(FRAME_HEADER_BYTES + length);
      }
      state.pending = bytes.slice();
      if (dataBytes > 0) {
        const credit = new Uint8Array(4);
        new DataView(credit.buffer).setUint32(0, dataBytes);
        out.push(frame(TYPE.WINDOW_UPDATE, 0, 0, credit));
      }
      if (out.length > 0) socket.write(concat(out));
    },
  },
});
console.log(`grpc_h2_floor: http://127.0.0.1:${port}`);
