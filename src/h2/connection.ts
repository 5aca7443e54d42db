/**
 * One HTTP/2 server connection (RFC 9113) as a state machine without I/O: bytes in through receive(),
 * frames out through takeOutput() — everything queued since the last call in one buffer, so a socket
 * gets one write per event-loop turn however many streams answered in it (src/h2/socket.ts).
 *
 * It owns the stream states, HPACK, flow control both ways and the limits: streams beyond
 * maxConcurrentStreams are refused (REFUSED_STREAM), header lists beyond maxHeaderListBytes are refused
 * on their stream, malformed frames end the connection with GOAWAY and RFC 9113's code. It also carries
 * the surface of node:http2's Http2Session that src/grpc/keepalive.ts uses ('ping' and 'close' events,
 * goaway, ping, destroy), so the ping policy sees every PING exactly.
 * @module
 */
import { EventEmitter } from "node:events";
import {
  DEFAULT_MAX_FRAME_BYTES, encodeGoaway, encodeHeaderFrames, encodePing, encodeRstStream, encodeSettings,
  encodeWindowUpdate, ErrorCode, Flag, type Frame, FRAME_HEADER_BYTES, FrameReader, FrameType, H2Error, MAX_WINDOW, PREFACE, Setting,
  writeFrameHeader,
} from "./frames.ts";
import { encodeHeaders, HeaderListTooLarge, HpackDecoder, HpackError, type HeaderField } from "./hpack.ts";
import { H2Stream, type StreamOwner } from "./stream.ts";

/** Options of a server connection. */
export interface H2ConnectionOptions {
  /** Called with each new stream and its request headers. */
  onStream: (stream: H2Stream, headers: HeaderField[]) => void;
  /** Called once when output becomes available after takeOutput() emptied it (schedule a flush). */
  onOutput: () => void;
  /** SETTINGS_MAX_CONCURRENT_STREAMS (default 2^32-1, etcd's). */
  maxConcurrentStreams?: number;
  /** Our SETTINGS_INITIAL_WINDOW_SIZE: what each stream may send before we return credit (default 1 MiB). */
  streamWindowBytes?: number;
  /** The connection's receive window (default 16 MiB). */
  connectionWindowBytes?: number;
  /** SETTINGS_MAX_HEADER_LIST_SIZE (default 64 KiB). */
  maxHeaderListBytes?: number;
  /**
   * Called as each response HEADERS or DATA frame is queued to go out (not when a stream's writer queued
   * the bytes: a large message leaves over many flow-control windows). gRPC's ping policy clears its
   * strikes here, as grpc-go does per frame written.
   */
  onFrameSent?: () => void;
}

/** Streams a connection tracks at most, whatever maxConcurrentStreams says (each holds memory). */
const MAX_TRACKED_STREAMS = 100_000;
/** Frames read per receive() call at most: bounded by the bytes given, this is the loop's stated bound. */
const MAX_FRAMES_PER_CHUNK = 1_000_000;
/** Output bytes queued before stream data waits for the socket to take some. */
const OUTPUT_LIMIT_BYTES = 1_048_576;
/** Our pings awaiting their ACK at most. */
const MAX_PINGS_IN_FLIGHT = 8;
/** A stream's queued output past which it is reset: a writer that ignored write()'s false. */
const MAX_STREAM_QUEUE_BYTES = 64 * 1_048_576;
const DEFAULT_WINDOW = 65_535;

type Outbound = { headers: Uint8Array; end: boolean } | { data: Uint8Array; end: boolean };

/** A server connection. */
export class H2Connection extends EventEmitter implements StreamOwner {
  /** The transport (set by whoever owns it), for the TLS peer certificate; node's `session.socket`. */
  socket: unknown;
  destroyed = false;
  closed = false;
  readonly #options: H2ConnectionOptions;
  readonly #reader: FrameReader;
  readonly #decoder: HpackDecoder;
  readonly #streams = new Map<number, H2Stream>();
  readonly #queues = new Map<H2Stream, Outbound[]>();
  readonly #maxConcurrent: number;
  readonly #streamWindow: number;
  readonly #connectionWindow: number;
  #prefaceLeft = PREFACE.length;
  #settingsSeen = false;
  #lastStreamId = 0;
  #goawaySent = false;
  #out: Uint8Array[] = [];
  #outBytes = 0;
  // Peer's settings and our send windows.
  #peerInitialWindow = DEFAULT_WINDOW;
  #peerMaxFrameBytes = DEFAULT_MAX_FRAME_BYTES;
  #sendWindow = DEFAULT_WINDOW;
  // Our receive window for the connection, and credit consumed but not yet returned.
  #receiveWindow: number;
  #unreturnedBytes = 0;
  #pings: Array<{ payload: Uint8Array; sentAtMs: number; callback: (error: Error | null, durationMs: number) => void }> = [];
  #pingCounter = 0;

  constructor(options: H2ConnectionOptions) {
    super();
    this.#options = options;
    this.#maxConcurrent = Math.min(options.maxConcurrentStreams ?? 4_294_967_295, 4_294_967_295);
    this.#streamWindow = options.streamWindowBytes ?? 1_048_576;
    this.#connectionWindow = options.connectionWindowBytes ?? 16 * 1_048_576;
    const maxHeaderListBytes = options.maxHeaderListBytes ?? 65_536;
    this.#reader = new FrameReader({ maxHeaderBlockBytes: 2 * maxHeaderListBytes });
    this.#decoder = new HpackDecoder({ maxHeaderListBytes });
    this.#receiveWindow = DEFAULT_WINDOW;
    if (this.#streamWindow < 1 || this.#streamWindow > MAX_WINDOW) throw new Error("h2: stream window out of range");
    if (this.#connectionWindow < DEFAULT_WINDOW || this.#connectionWindow > MAX_WINDOW) throw new Error("h2: connection window out of range");
    this.#emit(encodeSettings([
      [Setting.MAX_CONCURRENT_STREAMS, this.#maxConcurrent],
      [Setting.INITIAL_WINDOW_SIZE, this.#streamWindow],
      [Setting.MAX_HEADER_LIST_SIZE, maxHeaderListBytes],
    ]));
    if (this.#connectionWindow > DEFAULT_WINDOW) {
      this.#emit(encodeWindowUpdate(0, this.#connectionWindow - DEFAULT_WINDOW));
      this.#receiveWindow = this.#connectionWindow;
    }
  }

  /** The connection itself is the session its streams name. */
  get session(): unknown {
    return this;
  }

  /** Streams open now. */
  get openStreams(): number {
    return this.#streams.size;
  }

  /** True once a GOAWAY went out or the connection was destroyed: flush, then close the transport. */
  get ending(): boolean {
    return this.#goawaySent || this.destroyed;
  }

  /** Bytes from the peer. */
  receive(chunk: Uint8Array): void {
    if (this.ending) return;
    try {
      this.#receive(chunk);
    } catch (error) {
      if (!(error instanceof H2Error)) throw error;
      if (error.streamId !== 0) this.#streamError(error.streamId, error.code);
      else this.#connectionError(error.code, error.message);
    }
  }

  #receive(chunk: Uint8Array): void {
    let bytes = chunk;
    if (this.#prefaceLeft > 0) {
      const take = Math.min(this.#prefaceLeft, bytes.length);
      const offset = PREFACE.length - this.#prefaceLeft;
      for (let i = 0; i < take; i++) {
        if (bytes[i] !== PREFACE[offset + i]) throw new H2Error(ErrorCode.PROTOCOL_ERROR, "not the HTTP/2 client preface");
      }
      this.#prefaceLeft -= take;
      bytes = bytes.subarray(take);
    }
    if (bytes.length === 0) return;
    this.#reader.push(bytes);
    for (let i = 0; i < MAX_FRAMES_PER_CHUNK; i++) {
      if (this.ending) return;
      let frame: Frame | undefined;
      try {
        frame = this.#reader.next();
      } catch (error) {
        // A stream error from the reader has consumed its frame: the rest of the input is still good.
        if (error instanceof H2Error && error.streamId !== 0) {
          this.#streamError(error.streamId, error.code);
          continue;
        }
        throw error;
      }
      if (frame === undefined) return;
      if (!this.#settingsSeen && frame.type !== FrameType.SETTINGS) throw new H2Error(ErrorCode.PROTOCOL_ERROR, "the first frame is not SETTINGS");
      this.#frame(frame);
    }
  }

  #frame(frame: Frame): void {
    switch (frame.type) {
      case FrameType.SETTINGS:
        return this.#settings(frame.ack, frame.settings);
      case FrameType.HEADERS:
        return this.#headers(frame.streamId, frame.block, frame.endStream);
      case FrameType.DATA:
        return this.#data(frame.streamId, frame.data, frame.flowBytes, frame.endStream);
      case FrameType.WINDOW_UPDATE:
        return this.#windowUpdate(frame.streamId, frame.increment);
      case FrameType.RST_STREAM: {
        if (frame.streamId > this.#lastStreamId) throw new H2Error(ErrorCode.PROTOCOL_ERROR, "RST_STREAM on an idle stream");
        const stream = this.#streams.get(frame.streamId);
        if (stream !== undefined) this.#close(stream, true, frame.code);
        return;
      }
      case FrameType.PING:
        return this.#ping(frame.ack, frame.payload);
      case FrameType.GOAWAY:
        // The client will open no more streams; those open finish. Nothing to do until it closes.
        return;
      case FrameType.PRIORITY:
      case "unknown":
        return;
    }
  }

  #settings(ack: boolean, settings: Array<[number, number]>): void {
    this.#settingsSeen = true;
    if (ack) return;
    for (const [id, value] of settings) {
      if (id === Setting.MAX_FRAME_SIZE) this.#peerMaxFrameBytes = value;
      if (id === Setting.INITIAL_WINDOW_SIZE) {
        const delta = value - this.#peerInitialWindow;
        this.#peerInitialWindow = value;
        for (const stream of this.#streams.values()) {
          stream.sendWindow += delta;
          if (stream.sendWindow > MAX_WINDOW) throw new H2Error(ErrorCode.FLOW_CONTROL_ERROR, "a stream window over 2^31-1");
        }
      }
      // HEADER_TABLE_SIZE: our encoder never uses the peer's dynamic table, so any size suits it.
    }
    this.#emit(encodeSettings([], true));
    this.#pump();
  }

  #headers(streamId: number, block: Uint8Array, endStream: boolean): void {
    // Decode first, whatever becomes of the stream: the dynamic table must follow every block.
    let fields: HeaderField[] | undefined;
    try {
      fields = this.#decoder.decode(block);
    } catch (error) {
      if (error instanceof HpackError) throw new H2Error(ErrorCode.COMPRESSION_ERROR, error.message);
      if (!(error instanceof HeaderListTooLarge)) throw error;
    }
    const open = this.#streams.get(streamId);
    if (open !== undefined) {
      // Trailers: they must end the stream.
      if (!endStream) return this.#streamError(streamId, ErrorCode.PROTOCOL_ERROR);
      if (open.remoteEnded) return this.#streamError(streamId, ErrorCode.STREAM_CLOSED);
      open.receive(new Uint8Array(0), true);
      return this.#closeIfDone(open);
    }
    if (streamId % 2 === 0) throw new H2Error(ErrorCode.PROTOCOL_ERROR, "a client stream with an even id");
    if (streamId <= this.#lastStreamId) return; // a stream closed already (we may have reset it): ignored
    this.#lastStreamId = streamId;
    if (fields === undefined) return this.#refuse(streamId, ErrorCode.REFUSED_STREAM); // grpc-go refuses oversized headers so
    if (!validRequest(fields)) return this.#refuse(streamId, ErrorCode.PROTOCOL_ERROR);
    if (this.#streams.size >= this.#maxConcurrent || this.#streams.size >= MAX_TRACKED_STREAMS) {
      return this.#refuse(streamId, ErrorCode.REFUSED_STREAM);
    }
    const stream = new H2Stream(streamId, this, { send: this.#peerInitialWindow, receive: this.#streamWindow });
    this.#streams.set(streamId, stream);
    if (endStream) stream.receive(new Uint8Array(0), true);
    this.#options.onStream(stream, fields);
  }

  #data(streamId: number, data: Uint8Array, flowBytes: number, endStream: boolean): void {
    this.#receiveWindow -= flowBytes;
    if (this.#receiveWindow < 0) throw new H2Error(ErrorCode.FLOW_CONTROL_ERROR, "DATA past the connection window");
    const stream = this.#streams.get(streamId);
    if (stream === undefined) {
      if (streamId > this.#lastStreamId) throw new H2Error(ErrorCode.PROTOCOL_ERROR, "DATA on an idle stream");
      this.#returnConnectionCredit(flowBytes); // a stream we closed: its bytes still count on the connection
      return;
    }
    if (stream.remoteEnded) {
      this.#returnConnectionCredit(flowBytes);
      return this.#streamError(streamId, ErrorCode.STREAM_CLOSED);
    }
    stream.receiveWindow -= flowBytes;
    if (stream.receiveWindow < 0) {
      this.#returnConnectionCredit(flowBytes);
      return this.#streamError(streamId, ErrorCode.FLOW_CONTROL_ERROR);
    }
    // Padding is consumed at once; the data when the stream delivers it (consumed()).
    if (flowBytes > data.length) this.#credit(stream, flowBytes - data.length);
    stream.receive(data, endStream);
    if (endStream) this.#closeIfDone(stream);
  }

  #windowUpdate(streamId: number, increment: number): void {
    if (streamId === 0) {
      this.#sendWindow += increment;
      if (this.#sendWindow > MAX_WINDOW) throw new H2Error(ErrorCode.FLOW_CONTROL_ERROR, "the connection window over 2^31-1");
    } else {
      const stream = this.#streams.get(streamId);
      if (stream === undefined) {
        if (streamId > this.#lastStreamId) throw new H2Error(ErrorCode.PROTOCOL_ERROR, "WINDOW_UPDATE on an idle stream");
        return;
      }
      stream.sendWindow += increment;
      if (stream.sendWindow > MAX_WINDOW) return this.#streamError(streamId, ErrorCode.FLOW_CONTROL_ERROR);
    }
    this.#pump();
  }

  #ping(ack: boolean, payload: Uint8Array): void {
    if (!ack) {
      this.#emit(encodePing(payload, true));
      this.emit("ping", payload);
      return;
    }
    const at = this.#pings.findIndex((ping) => equalBytes(ping.payload, payload));
    if (at < 0) return;
    const [ping] = this.#pings.splice(at, 1);
    ping!.callback(null, performance.now() - ping!.sentAtMs);
  }

  /** Sends a PING; `callback` hears its round trip. False when too many are in flight. */
  ping(callback: (error: Error | null, durationMs: number) => void): boolean {
    if (this.ending || this.#pings.length >= MAX_PINGS_IN_FLIGHT) return false;
    const payload = new Uint8Array(8);
    new DataView(payload.buffer).setUint32(4, ++this.#pingCounter);
    this.#pings.push({ payload, sentAtMs: performance.now(), callback });
    this.#emit(encodePing(payload, false));
    return true;
  }

  /** Sends GOAWAY (node's signature); the connection then ends once its output is flushed. */
  goaway(code: number = ErrorCode.NO_ERROR, lastStreamId = this.#lastStreamId, debug?: Uint8Array): void {
    if (this.ending) return;
    this.#goawaySent = true;
    this.#emit(encodeGoaway(lastStreamId, code, debug === undefined ? "" : Buffer.from(debug).toString("latin1")));
  }

  /** Ends every stream (reset) and the connection; the owner closes the transport after a last flush. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.closed = true;
    for (const stream of this.#streams.values()) stream.finish(true, ErrorCode.CANCEL);
    this.#streams.clear();
    this.#queues.clear();
    for (const ping of this.#pings) ping.callback(new Error("h2: connection closed"), 0);
    this.#pings = [];
    this.#options.onOutput();
    queueMicrotask(() => this.emit("close"));
  }

  /** Everything queued to send since the last call, as one buffer (undefined: nothing). */
  takeOutput(): Uint8Array | undefined {
    if (this.#outBytes === 0) return undefined;
    const out = this.#out.length === 1 ? this.#out[0]! : concat(this.#out, this.#outBytes);
    this.#out = [];
    this.#outBytes = 0;
    this.#pump(); // stream data held back by OUTPUT_LIMIT_BYTES may go now
    return out;
  }

  // StreamOwner: called by H2Stream.

  sendHeaders(stream: H2Stream, fields: HeaderField[], endStream: boolean): void {
    this.#enqueue(stream, { headers: cachedBlock(fields), end: endStream });
  }

  sendData(stream: H2Stream, data: Uint8Array, endStream: boolean): void {
    stream.queuedBytes += data.length;
    this.#enqueue(stream, { data, end: endStream });
    if (stream.queuedBytes > MAX_STREAM_QUEUE_BYTES) this.resetStream(stream, ErrorCode.INTERNAL_ERROR);
  }

  resetStream(stream: H2Stream, code: number): void {
    if (!this.#streams.has(stream.id)) return;
    this.#emit(encodeRstStream(stream.id, code));
    this.#close(stream, true, code);
  }

  consumed(stream: H2Stream, bytes: number): void {
    this.#credit(stream, bytes);
  }

  #credit(stream: H2Stream, bytes: number): void {
    this.#returnConnectionCredit(bytes);
    if (stream.remoteEnded || stream.closed) return;
    const owed = this.#streamWindow - stream.receiveWindow;
    // Credit goes back in steps of a quarter window: one WINDOW_UPDATE per few frames, not per frame.
    if (owed >= this.#streamWindow / 4) {
      stream.receiveWindow += owed;
      this.#emit(encodeWindowUpdate(stream.id, owed));
    }
  }

  #returnConnectionCredit(bytes: number): void {
    this.#unreturnedBytes += bytes;
    if (this.#unreturnedBytes < this.#connectionWindow / 4 || this.ending) return;
    this.#receiveWindow += this.#unreturnedBytes;
    this.#emit(encodeWindowUpdate(0, this.#unreturnedBytes));
    this.#unreturnedBytes = 0;
  }

  #enqueue(stream: H2Stream, item: Outbound): void {
    if (!this.#streams.has(stream.id)) return;
    const queue = this.#queues.get(stream);
    if (queue === undefined) this.#queues.set(stream, [item]);
    else queue.push(item);
    this.#pumpStream(stream);
  }

  /** Moves queued stream output into the connection's output, as far as windows and OUTPUT_LIMIT_BYTES allow. */
  #pump(): void {
    for (const stream of [...this.#queues.keys()]) {
      if (this.#outBytes >= OUTPUT_LIMIT_BYTES) return;
      this.#pumpStream(stream);
    }
  }

  #pumpStream(stream: H2Stream): void {
    const queue = this.#queues.get(stream);
    if (queue === undefined) return;
    // Each turn sends one header block or one DATA frame, or stops: bounded by the queue's bytes.
    while (queue.length > 0 && this.#outBytes < OUTPUT_LIMIT_BYTES) {
      const item = queue[0]!;
      if ("headers" in item) {
        this.#options.onFrameSent?.();
        this.#emit(encodeHeaderFrames(stream.id, item.headers, item.end, this.#peerMaxFrameBytes));
        queue.shift();
        if (item.end) this.#localEnd(stream);
        continue;
      }
      const size = Math.min(item.data.length, this.#peerMaxFrameBytes, this.#sendWindow, stream.sendWindow);
      if (size <= 0 && item.data.length > 0) break; // waiting for WINDOW_UPDATE
      const last = size === item.data.length;
      this.#emitData(stream.id, item.data.subarray(0, size), last && item.end);
      this.#sendWindow -= size;
      stream.sendWindow -= size;
      stream.queuedBytes -= size;
      if (!last) {
        queue[0] = { data: item.data.subarray(size), end: item.end };
        continue;
      }
      queue.shift();
      if (item.end) this.#localEnd(stream);
    }
    if (queue.length > 0) return;
    this.#queues.delete(stream);
    if (stream.queuedBytes !== 0) throw new Error(`h2: stream ${stream.id} emptied its queue with ${stream.queuedBytes} bytes counted`);
    stream.drained();
  }

  #emitData(streamId: number, data: Uint8Array, endStream: boolean): void {
    this.#options.onFrameSent?.();
    const frame = new Uint8Array(FRAME_HEADER_BYTES + data.length);
    writeFrameHeader(frame, 0, data.length, FrameType.DATA, endStream ? Flag.END_STREAM : 0, streamId);
    frame.set(data, FRAME_HEADER_BYTES);
    this.#emit(frame);
  }

  /** Our END_STREAM went out: the stream is over if the peer's did too, else we reset it (as grpc-go: NO_ERROR). */
  #localEnd(stream: H2Stream): void {
    if (stream.remoteEnded) return this.#close(stream, false);
    this.#emit(encodeRstStream(stream.id, ErrorCode.NO_ERROR));
    this.#close(stream, false);
  }

  #closeIfDone(stream: H2Stream): void {
    if (stream.remoteEnded && stream.localEnded && !this.#queues.has(stream)) this.#close(stream, false);
  }

  #close(stream: H2Stream, reset: boolean, code?: number): void {
    if (!this.#streams.delete(stream.id)) return;
    const queue = this.#queues.get(stream);
    if (queue !== undefined) {
      this.#queues.delete(stream);
      stream.queuedBytes = 0;
    }
    stream.finish(reset, code);
  }

  #refuse(streamId: number, code: number): void {
    this.#emit(encodeRstStream(streamId, code));
  }

  #streamError(streamId: number, code: number): void {
    const stream = this.#streams.get(streamId);
    if (stream !== undefined) return this.resetStream(stream, code);
    this.#emit(encodeRstStream(streamId, code));
  }

  #connectionError(code: number, message: string): void {
    this.goaway(code, this.#lastStreamId, new TextEncoder().encode(message));
    for (const stream of this.#streams.values()) stream.finish(true, code);
    this.#streams.clear();
    this.#queues.clear();
  }

  #emit(bytes: Uint8Array): void {
    if (this.destroyed) return;
    const wasEmpty = this.#outBytes === 0;
    this.#out.push(bytes);
    this.#outBytes += bytes.length;
    if (wasEmpty) this.#options.onOutput();
  }
}

/** Encoded header blocks by their fields: a gRPC server sends the same few (headers, OK trailers) on every call. */
const BLOCK_CACHE = new Map<string, Uint8Array>();
/** Blocks kept at most; past it the cache starts over (statuses with varied messages must not grow it). */
const BLOCK_CACHE_ENTRIES = 256;
/** Only short lists are cached: the key costs what the fields do. */
const BLOCK_CACHE_MAX_KEY_CHARS = 512;

function cachedBlock(fields: HeaderField[]): Uint8Array {
  let key = "";
  for (const [name, value] of fields) key += `${name}\0${value}\0`;
  if (key.length > BLOCK_CACHE_MAX_KEY_CHARS) return encodeHeaders(fields);
  let block = BLOCK_CACHE.get(key);
  if (block !== undefined) return block;
  block = encodeHeaders(fields);
  if (BLOCK_CACHE.size >= BLOCK_CACHE_ENTRIES) BLOCK_CACHE.clear();
  BLOCK_CACHE.set(key, block);
  return block;
}

/** RFC 9113 §8.3.1: a request has :method and :path (not CONNECT here), lower-case names, no connection headers. */
function validRequest(fields: HeaderField[]): boolean {
  let method = false;
  let path = false;
  let regularSeen = false;
  for (const [name, value] of fields) {
    if (name.startsWith(":")) {
      if (regularSeen) return false;
      if (name === ":method") method = value !== "";
      else if (name === ":path") path = value !== "";
      else if (name !== ":scheme" && name !== ":authority") return false;
      continue;
    }
    regularSeen = true;
    if (name !== name.toLowerCase()) return false;
    if (name === "connection" || name === "keep-alive" || name === "transfer-encoding" || name === "upgrade") return false;
    if (name === "te" && value !== "trailers") return false;
  }
  return method && path;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function concat(parts: Uint8Array[], totalBytes: number): Uint8Array {
  const out = new Uint8Array(totalBytes);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

