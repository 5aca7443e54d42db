/**
 * A request body arriving on an HTTP/1.1 connection, handed to the handler as a ReadableStream: bytes from
 * the socket (Content-Length counted down, or chunked decoded) go in, the rest of the buffer (a pipelined
 * next request) comes back. Backpressure: the connection stops reading the socket while the stream's queue
 * is full and reads again when the handler pulls.
 * @module
 */
import { ChunkedDecoder } from "./chunked.ts";
import type { BodyFraming } from "./head.ts";

/** What the body pipe asks of its connection. */
export interface BodyFlow {
  pause(): void;
  resume(): void;
}

/** Bytes of body the stream queues before the socket is paused. */
const QUEUE_BYTES = 64 * 1024;

/** One request's incoming body. */
export class BodyPipe {
  readonly stream: ReadableStream<Uint8Array>;
  #controller!: ReadableStreamDefaultController<Uint8Array>;
  #remaining: number;
  #chunked: ChunkedDecoder | undefined;
  #done = false;
  #failed = false;
  #cancelled = false;
  #flow: BodyFlow;

  constructor(framing: Exclude<BodyFraming, { kind: "none" }>, flow: BodyFlow) {
    this.#remaining = framing.kind === "length" ? framing.bytes : 0;
    this.#chunked = framing.kind === "chunked" ? new ChunkedDecoder() : undefined;
    this.#flow = flow;
    this.stream = new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.#controller = controller;
      },
      pull: () => flow.resume(),
      cancel: () => {
        // The handler needs no more (it answered early): keep reading to find the request's end.
        this.#cancelled = true;
        flow.resume();
      },
    }, { highWaterMark: QUEUE_BYTES, size: (chunk) => chunk?.byteLength ?? 0 });
  }

  /** All of the body has arrived (or it failed). */
  get done(): boolean {
    return this.#done || this.#failed;
  }

  /** Takes what of `bytes` is body; returns the rest, or an error text when the chunked coding is broken. */
  feed(bytes: Uint8Array): { rest: Uint8Array } | { error: string } {
    if (this.done) return { rest: bytes };
    let data: Uint8Array[];
    let consumed: number;
    if (this.#chunked !== undefined) {
      const step = this.#chunked.feed(bytes);
      if ("error" in step) {
        this.fail(new Error(`bad chunked body: ${step.error}`));
        return { error: step.error };
      }
      ({ data, consumed } = step);
      this.#done = step.done;
    } else {
      consumed = Math.min(this.#remaining, bytes.length);
      data = consumed > 0 ? [bytes.subarray(0, consumed)] : [];
      this.#remaining -= consumed;
      this.#done = this.#remaining === 0;
    }
    for (const chunk of data) this.#push(chunk);
    if (this.#done && !this.#cancelled) this.#controller.close();
    return { rest: bytes.subarray(consumed) };
  }

  /** The connection went before the body ended: the handler's read fails as an abort (client_gone.ts). */
  fail(reason: Error): void {
    if (this.done) return;
    this.#failed = true;
    if (this.#cancelled) return;
    try {
      this.#controller.error(reason);
    } catch {
      // already closed
    }
  }

  #push(chunk: Uint8Array): void {
    if (this.#cancelled || chunk.length === 0) return;
    // A copy: the socket's buffer may be a view that later bytes share.
    this.#controller.enqueue(chunk.slice());
    if ((this.#controller.desiredSize ?? 0) <= 0) this.#flow.pause();
  }
}
