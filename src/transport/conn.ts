/**
 * A client socket with promise-shaped framing for the one-shot channels (snapshot, request): await the
 * connection, write with backpressure, await the next frame. The persistent Raft channel does not use it;
 * it is event-driven so a slow peer never holds a promise chain open.
 * @module
 */
import type { Socket } from "node:net";
import type { TlsClientMaterial } from "../tls/material.ts";
import { type Frame, FrameDecoder } from "./frame.ts";
import { dialSocket } from "./sockets.ts";
import type { HostPort } from "./url.ts";

/**
 * Bound on frames received but not yet awaited; the one-shot protocols expect one reply. With the frame
 * bound this caps what a peer's answer can make this connection hold.
 */
const MAX_PENDING_FRAMES = 4;

/** Options of `FramedConnection.open`. */
export interface OpenOptions {
  maxFrameBytes: number;
  /** Bound on connecting (and, for TLS, the handshake). */
  timeoutMs: number;
  /** Used when the address is secure; absent → the system's roots and no client certificate. */
  tls?: TlsClientMaterial;
}

/** One outbound connection carrying frames. */
export class FramedConnection {
  readonly socket: Socket;
  #decoder: FrameDecoder;
  #frames: Frame[] = [];
  #frameWaiter: ((f: Frame) => void) | undefined;
  #failWaiters: ((err: Error) => void)[] = [];
  #error: Error | undefined;

  private constructor(socket: Socket, maxFrameBytes: number) {
    this.socket = socket;
    this.#decoder = new FrameDecoder(maxFrameBytes);
    socket.on("data", (chunk: Buffer) => this.#onData(chunk));
    socket.on("error", (err: Error) => this.#fail(err));
    socket.on("close", () => this.#fail(new Error("connection closed")));
  }

  /** Connects (TLS for a secure address), rejecting after `timeoutMs` or when the handshake fails. */
  static open(address: HostPort, options: OpenOptions): Promise<FramedConnection> {
    const { maxFrameBytes, timeoutMs } = options;
    return new Promise((resolve, reject) => {
      const { socket, readyEvent, begin } = dialSocket(address, options.tls);
      socket.setNoDelay(true);
      const conn = new FramedConnection(socket, maxFrameBytes);
      const timer = setTimeout(() => conn.destroy(new Error(`connect timed out after ${timeoutMs} ms`)), timeoutMs);
      conn.#failWaiters.push((err) => {
        clearTimeout(timer);
        reject(err);
      });
      socket.once(readyEvent, () => {
        clearTimeout(timer);
        conn.#failWaiters = [];
        resolve(conn);
      });
      begin();
    });
  }

  /** Writes bytes; resolves at once, or after 'drain' when the socket's buffer is full (backpressure). */
  write(bytes: Uint8Array): Promise<void> {
    if (this.#error !== undefined) return Promise.reject(this.#error);
    if (this.socket.write(bytes)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onDrain = (): void => {
        this.#failWaiters = this.#failWaiters.filter((f) => f !== onFail);
        resolve();
      };
      const onFail = (err: Error): void => {
        this.socket.off("drain", onDrain);
        reject(err);
      };
      this.socket.once("drain", onDrain);
      this.#failWaiters.push(onFail);
    });
  }

  /** The next frame from the peer. Only one caller may wait at a time. */
  nextFrame(): Promise<Frame> {
    const ready = this.#frames.shift();
    if (ready !== undefined) return Promise.resolve(ready);
    if (this.#error !== undefined) return Promise.reject(this.#error);
    if (this.#frameWaiter !== undefined) throw new Error("transport: two readers on one connection");
    return new Promise((resolve, reject) => {
      const onFail = (err: Error): void => {
        this.#frameWaiter = undefined;
        reject(err);
      };
      this.#frameWaiter = (f) => {
        this.#frameWaiter = undefined;
        this.#failWaiters = this.#failWaiters.filter((x) => x !== onFail);
        resolve(f);
      };
      this.#failWaiters.push(onFail);
    });
  }

  /** Closes the socket; pending waits reject with `err`. */
  destroy(err: Error = new Error("connection closed")): void {
    this.#fail(err);
    this.socket.destroy();
  }

  #onData(chunk: Buffer): void {
    let frames: Frame[];
    try {
      frames = this.#decoder.push(chunk);
    } catch (err) {
      this.destroy(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    for (const f of frames) {
      if (this.#frameWaiter !== undefined) this.#frameWaiter(f);
      else if (this.#frames.length < MAX_PENDING_FRAMES) this.#frames.push(f);
      else return this.destroy(new Error("peer sent too many unexpected frames"));
    }
  }

  #fail(err: Error): void {
    if (this.#error !== undefined) return;
    this.#error = err;
    const waiters = this.#failWaiters;
    this.#failWaiters = [];
    for (const w of waiters) w(err);
  }
}
