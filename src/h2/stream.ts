/**
 * One HTTP/2 stream of a server connection (src/h2/connection.ts), with the surface of node:http2's
 * ServerHttp2Stream that src/grpc's handlers use — 'data', 'end', 'close', 'drain' and 'wantTrailers'
 * events, pause/resume, respond, write, end, sendTrailers, close — so they run unchanged on it.
 *
 * Inbound data is held while the stream is paused (as node's streams start); the connection returns its
 * flow-control credit only once a chunk is delivered, so what is held is bounded by the stream's window.
 * Outbound data waits in the connection's send queue, bounded by the windows the peer grants;
 * write() says false past HIGH_WATER_BYTES queued, and 'drain' follows once the queue empties.
 * @module
 */
import { EventEmitter } from "node:events";
import type { HeaderField } from "./hpack.ts";

/** Queued outbound bytes past which write() returns false. */
export const HIGH_WATER_BYTES = 65_536;

/** What a stream needs from its connection. */
export interface StreamOwner {
  /** The connection, for keepalive's per-session state and the TLS socket. */
  readonly session: unknown;
  sendHeaders(stream: H2Stream, fields: HeaderField[], endStream: boolean): void;
  sendData(stream: H2Stream, data: Uint8Array, endStream: boolean): void;
  resetStream(stream: H2Stream, code: number): void;
  consumed(stream: H2Stream, bytes: number): void;
}

/** Options of respond(), as node:http2 names them. */
export interface RespondOptions {
  endStream?: boolean;
  waitForTrailers?: boolean;
}

/** A server stream. */
export class H2Stream extends EventEmitter {
  readonly id: number;
  readonly #owner: StreamOwner;
  headersSent = false;
  /** True once the stream is fully closed (both ends, or reset). */
  closed = false;
  /** True once reset (by either side) or torn down with the connection. */
  destroyed = false;
  /** The RST_STREAM code it was reset with. */
  rstCode: number | undefined;
  /** The peer sent END_STREAM. */
  remoteEnded = false;
  /** We sent (queued) END_STREAM. */
  localEnded = false;
  /** Queued outbound bytes not yet framed (the connection keeps it). */
  queuedBytes = 0;
  /** Flow-control window the peer granted this stream (our sends). */
  sendWindow: number;
  /** Window we granted the peer minus what it sent. */
  receiveWindow: number;
  #flowing = false;
  #flushPending = false;
  #held: Uint8Array[] = [];
  #endHeld = false;
  #waitForTrailers = false;
  #needDrain = false;

  constructor(id: number, owner: StreamOwner, windows: { send: number; receive: number }) {
    super();
    this.id = id;
    this.#owner = owner;
    this.sendWindow = windows.send;
    this.receiveWindow = windows.receive;
  }

  /** The connection (node's `stream.session`). */
  get session(): unknown {
    return this.#owner.session;
  }

  override on(event: string | symbol, listener: (...args: any[]) => void): this {
    super.on(event, listener);
    if (event === "data") this.resume();
    return this;
  }

  /**
   * Starts delivering held and future data. What was held is delivered in a microtask, as node's streams
   * start flowing on the next tick: a handler adds its 'end' listener after its 'data' listener.
   */
  resume(): this {
    if (this.#flowing) return this;
    this.#flowing = true;
    if (this.#held.length > 0 || this.#endHeld) {
      this.#flushPending = true;
      queueMicrotask(() => this.#flushHeld());
    }
    return this;
  }

  #flushHeld(): void {
    this.#flushPending = false;
    if (!this.#flowing || this.destroyed) return;
    const held = this.#held;
    this.#held = [];
    for (const chunk of held) this.#deliver(chunk);
    if (this.#endHeld) {
      this.#endHeld = false;
      this.emit("end");
    }
  }

  /** Holds further data (its credit too) until resume(). */
  pause(): this {
    this.#flowing = false;
    return this;
  }

  /** The connection: a DATA payload arrived. */
  receive(data: Uint8Array, endStream: boolean): void {
    // Ended before the data is delivered: a handler answering from its 'data' listener must not see the
    // stream as still open (the connection would add a needless RST_STREAM).
    if (endStream) this.remoteEnded = true;
    // Straight to the listeners only when nothing held is still waiting to go first.
    const direct = this.#flowing && !this.#flushPending;
    if (data.length > 0) {
      if (direct) this.#deliver(data);
      else this.#held.push(data);
    }
    if (!endStream) return;
    if (direct) this.emit("end");
    else this.#endHeld = true;
  }

  #deliver(data: Uint8Array): void {
    this.#owner.consumed(this, data.length);
    this.emit("data", Buffer.from(data.buffer, data.byteOffset, data.length));
  }

  /** Sends the response headers (once). */
  respond(headers: Record<string, string | number>, options: RespondOptions = {}): void {
    if (this.headersSent || this.localEnded || this.destroyed) throw new Error("h2: respond on a stream that cannot send headers");
    this.headersSent = true;
    this.#waitForTrailers = options.waitForTrailers === true;
    const endStream = options.endStream === true;
    if (endStream) this.localEnded = true;
    this.#owner.sendHeaders(this, fieldsOf(headers), endStream);
  }

  /** Queues data; false once HIGH_WATER_BYTES or more wait (then 'drain' follows). */
  write(chunk: Uint8Array): boolean {
    if (this.localEnded || this.destroyed) return false;
    if (chunk.length > 0) this.#owner.sendData(this, chunk, false);
    if (this.queuedBytes < HIGH_WATER_BYTES) return true;
    this.#needDrain = true;
    return false;
  }

  /** Ends our side: after `chunk`, trailers ('wantTrailers' when respond() asked for them) or an empty END_STREAM. */
  end(chunk?: Uint8Array): void {
    if (this.localEnded || this.destroyed) return;
    if (chunk !== undefined && chunk.length > 0) this.#owner.sendData(this, chunk, false);
    if (this.#waitForTrailers) {
      this.#waitForTrailers = false;
      this.emit("wantTrailers");
      if (this.localEnded || this.destroyed) return;
    }
    this.localEnded = true;
    this.#owner.sendData(this, new Uint8Array(0), true);
  }

  /** Sends trailers, ending our side. */
  sendTrailers(trailers: Record<string, string | number>): void {
    if (this.localEnded || this.destroyed) return;
    this.localEnded = true;
    this.#owner.sendHeaders(this, fieldsOf(trailers), true);
  }

  /** Resets the stream with `code` (node's stream.close(code)). */
  close(code = 0): void {
    if (this.destroyed || this.closed) return;
    this.#owner.resetStream(this, code);
  }

  /** The connection: the queue emptied. */
  drained(): void {
    if (!this.#needDrain) return;
    this.#needDrain = false;
    this.emit("drain");
  }

  /** The connection: the stream is over (ended both ways, reset, or the connection went). */
  finish(reset: boolean, code?: number): void {
    if (this.closed) return;
    this.closed = true;
    if (reset) {
      this.destroyed = true;
      this.rstCode = code;
      this.#held = [];
    }
    // Listeners added in the same turn still hear it, as with node's async 'close'.
    queueMicrotask(() => {
      if (reset) this.emit("aborted");
      this.emit("close");
    });
  }
}

function fieldsOf(headers: Record<string, string | number>): HeaderField[] {
  const fields: HeaderField[] = [];
  // Pseudo-headers first (RFC 9113 §8.3).
  for (const [name, value] of Object.entries(headers)) if (name.startsWith(":")) fields.push([name, String(value)]);
  for (const [name, value] of Object.entries(headers)) if (!name.startsWith(":")) fields.push([name.toLowerCase(), octets(String(value))]);
  return fields;
}

/** HPACK carries octets: a value with characters past latin1 goes as its UTF-8 bytes. */
function octets(value: string): string {
  return /[^\x00-\xff]/.test(value) ? Buffer.from(value, "utf8").toString("latin1") : value;
}
