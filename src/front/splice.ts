/**
 * One client connection of the client front: read its first bytes, pick the server it belongs to
 * (opening.ts), connect to that server's local socket, then copy bytes both ways until either side goes.
 *
 * Backpressure: when a socket takes less than it is given, the rest waits in a queue and the sending side
 * is paused until the receiving one drains, so a link never holds more than about one read in memory per
 * direction. Everything a link holds is bounded: the opening's size and wait, and each queue.
 * @module
 */
import type { Socket } from "bun";
import { classifyOpening, MAX_OPENING_BYTES } from "./opening.ts";

/** Where the links go: local (unix, abstract allowed) socket paths of the two servers behind the front. */
export interface FrontTargets {
  /** The HTTP/2 server (gRPC, and the gateway for h2 clients that are not gRPC). */
  h2: string;
  /** The HTTP/1 gateway (Bun.serve). */
  http1: string;
}

/** Limits of one link. */
export interface LinkLimits {
  /** How long a client may take to send enough bytes to choose a server. */
  openingTimeoutMs: number;
}

/** Bytes queued in one direction before the link is dropped (a paused side may still deliver one read). */
const MAX_QUEUED_BYTES = 4 * 1024 * 1024;

type Stage = "opening" | "connecting" | "spliced" | "closed";

/** A spliced connection: the client's socket and, once chosen and connected, the server's. */
export class Link {
  stage: Stage = "opening";
  readonly client: Socket<Link>;
  upstream: Socket<Link> | undefined;
  /** Bytes read from the client and not yet written upstream (the opening, then any backlog). */
  readonly toUpstream = new ByteQueue();
  readonly toClient = new ByteQueue();
  #clientDone = false;
  #upstreamDone = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #onClose: (link: Link) => void;

  constructor(client: Socket<Link>, limits: LinkLimits, onClose: (link: Link) => void) {
    this.client = client;
    this.#onClose = onClose;
    this.#timer = setTimeout(() => this.close(), limits.openingTimeoutMs);
  }

  /** Bytes from the client: gathered until a server is chosen, then forwarded. */
  fromClient(chunk: Uint8Array, tls: boolean, targets: FrontTargets): void {
    if (this.stage === "closed") return;
    if (this.stage === "spliced") return this.#send(this.upstream!, this.toUpstream, chunk, this.client);
    if (!this.toUpstream.push(chunk)) return this.close();
    if (this.stage === "connecting") return; // the connect callback writes the whole queue
    const opening = classifyOpening(this.toUpstream.peekAll(MAX_OPENING_BYTES + 1), { tls });
    if (opening.kind === "more") return;
    if (opening.kind === "refuse") return this.close();
    this.stage = "connecting";
    clearTimeout(this.#timer);
    this.client.pause();
    this.#connect(opening.kind === "h2" ? targets.h2 : targets.http1);
  }

  #connect(path: string): void {
    const link = this;
    Bun.connect<Link>({
      unix: path,
      data: link,
      socket: {
        open(socket) {
          if (link.stage === "closed") {
            socket.end();
            return;
          }
          link.upstream = socket;
          link.stage = "spliced";
          link.#flush(socket, link.toUpstream, link.client);
        },
        data: (_socket, chunk) => link.fromUpstream(chunk),
        drain: (socket) => link.#flush(socket, link.toUpstream, link.client),
        end: () => link.upstreamDone(),
        close: () => link.upstreamDone(),
        error: () => link.upstreamDone(),
        connectError: () => link.close(),
      },
    }).catch(() => link.close());
  }

  /** Bytes from the server: forwarded to the client. */
  fromUpstream(chunk: Uint8Array): void {
    if (this.stage !== "spliced") return;
    this.#send(this.client, this.toClient, chunk, this.upstream!);
  }

  /** The client's socket can take more. */
  clientDrained(): void {
    if (this.stage === "spliced") this.#flush(this.client, this.toClient, this.upstream!);
  }

  /** The client sent its FIN or went: the server gets its FIN once the queued request bytes are out. */
  clientDone(): void {
    if (this.#clientDone) return;
    this.#clientDone = true;
    if (this.stage !== "spliced" || this.#upstreamDone) return this.close();
    if (this.toUpstream.bytes === 0) this.upstream!.end();
  }

  /** The server closed its side: the client gets its FIN once the queued response bytes are out. */
  upstreamDone(): void {
    if (this.#upstreamDone) return;
    this.#upstreamDone = true;
    if (this.#clientDone || this.stage !== "spliced") return this.close();
    if (this.toClient.bytes === 0) this.client.end();
  }

  /** Drops both sides at once (refused opening, timeout, overflow, member stop). */
  close(): void {
    if (this.stage === "closed") return;
    this.stage = "closed";
    clearTimeout(this.#timer);
    this.client.end();
    this.upstream?.end();
    this.toUpstream.clear();
    this.toClient.clear();
    this.#onClose(this);
  }

  /** Writes what `to` takes at once; queues the rest and pauses `from` until `to` drains. */
  #send(to: Socket<Link>, queue: ByteQueue, chunk: Uint8Array, from: Socket<Link>): void {
    if (queue.bytes > 0) {
      if (!queue.push(chunk)) this.close();
      return;
    }
    const written = to.write(chunk);
    if (written < 0) return this.close();
    if (written === chunk.length) return;
    queue.push(chunk.subarray(written));
    from.pause();
  }

  /** Writes the queue to `to` as far as it goes; once empty, `from` reads again (or its FIN is passed on). */
  #flush(to: Socket<Link>, queue: ByteQueue, from: Socket<Link>): void {
    if (this.stage !== "spliced") return;
    if (!queue.writeTo(to)) return;
    const fromDone = from === this.client ? this.#clientDone : this.#upstreamDone;
    if (fromDone) to.end();
    else from.resume();
  }
}

/** Byte chunks waiting for a socket, bounded by MAX_QUEUED_BYTES; chunks are copied in (Bun reuses read buffers). */
export class ByteQueue {
  #chunks: Uint8Array[] = [];
  bytes = 0;

  /** Queues a copy of `chunk`; false (nothing queued) past the bound. */
  push(chunk: Uint8Array): boolean {
    if (this.bytes + chunk.length > MAX_QUEUED_BYTES) return false;
    this.#chunks.push(chunk.slice());
    this.bytes += chunk.length;
    return true;
  }

  /** Up to `limit` bytes from the front, joined (the queued opening). */
  peekAll(limit: number): Uint8Array {
    if (this.#chunks.length === 1) return this.#chunks[0]!.subarray(0, limit);
    const out = new Uint8Array(Math.min(this.bytes, limit));
    let at = 0;
    for (const chunk of this.#chunks) {
      if (at >= out.length) break;
      const part = chunk.subarray(0, out.length - at);
      out.set(part, at);
      at += part.length;
    }
    return out;
  }

  /** Writes queued chunks to `socket` until it takes less than offered; true when the queue is empty. */
  writeTo(socket: Socket<Link>): boolean {
    while (this.#chunks.length > 0) {
      const chunk = this.#chunks[0]!;
      const written = socket.write(chunk);
      if (written < 0) return false;
      this.bytes -= Math.max(0, written);
      if (written < chunk.length) {
        this.#chunks[0] = chunk.subarray(written);
        return false;
      }
      this.#chunks.shift();
    }
    return true;
  }

  clear(): void {
    this.#chunks = [];
    this.bytes = 0;
  }
}
