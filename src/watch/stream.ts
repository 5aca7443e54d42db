/**
 * One client connection's outgoing side: a FIFO of watch responses in front of the transport's `send`.
 *
 * `send` returning false is backpressure: the response was taken, but nothing more goes out until the
 * transport calls `resume`. Meanwhile responses wait in the outbox, whose room for event responses is
 * bounded; a watcher that finds no room is moved to catch-up by the hub instead of growing the outbox.
 * Control responses (created, canceled, progress) may use a further bounded reserve so that they are never
 * reordered behind events; past that the stream fails rather than grow without limit.
 * @module
 */
import type { WatchResponse } from "../codec/messages.ts";

/** Limits of one stream's outbox. */
export interface OutboxLimits {
  /** Event responses held while the transport is paused. */
  maxBufferedResponses: number;
  /** Further control responses allowed beyond that before the stream fails. */
  maxControlResponses: number;
}

/** Outcome of offering a response to the outbox. */
export type PushOutcome = "sent" | "queued" | "full";

/** The FIFO of one stream; pure apart from calling the transport's `send`. */
export class Outbox {
  readonly #send: (response: WatchResponse) => boolean;
  readonly #limits: OutboxLimits;
  readonly #onFail: (() => void) | undefined;
  readonly #queue: WatchResponse[] = [];
  #head = 0;
  #paused = false;
  #failed = false;

  constructor(send: (response: WatchResponse) => boolean, limits: OutboxLimits, onFail?: () => void) {
    if (!(limits.maxBufferedResponses >= 1 && limits.maxControlResponses >= 1)) {
      throw new Error("watch: outbox limits must be ≥ 1");
    }
    this.#send = send;
    this.#limits = limits;
    this.#onFail = onFail;
  }

  /** Responses waiting for the transport. */
  get length(): number {
    return this.#queue.length - this.#head;
  }

  /** Whether an event response would be accepted now. */
  hasRoom(): boolean {
    return !this.#failed && this.length < this.#limits.maxBufferedResponses;
  }

  /** True once the control reserve overflowed or the transport threw: the stream must end. */
  get failed(): boolean {
    return this.#failed;
  }

  /** Offers an event response; "full" means it was not taken (the caller falls back to catch-up). */
  pushEvents(response: WatchResponse): PushOutcome {
    if (!this.hasRoom()) return "full";
    return this.#enqueue(response);
  }

  /**
   * Queues the fragments of one response together (a revision is never split between the outbox and
   * catch-up). Taken whenever there is room for the first.
   */
  pushAll(responses: WatchResponse[]): PushOutcome {
    if (!this.hasRoom()) return "full";
    let outcome: PushOutcome = "sent";
    for (const response of responses) if (this.#enqueue(response) === "queued") outcome = "queued";
    return outcome;
  }

  /** Queues a control response; false when even the reserve is exhausted (the stream has failed). */
  pushControl(response: WatchResponse): boolean {
    if (this.#failed) return false;
    if (this.length >= this.#limits.maxBufferedResponses + this.#limits.maxControlResponses) {
      this.#fail();
      return false;
    }
    this.#enqueue(response);
    return true;
  }

  /** The transport wants more: send what waits until it pushes back again. */
  resume(): void {
    this.#paused = false;
    this.#flush();
  }

  #enqueue(response: WatchResponse): PushOutcome {
    if (!this.#paused && this.length === 0) {
      this.#deliver(response);
      return "sent";
    }
    this.#queue.push(response);
    this.#flush();
    return "queued";
  }

  /** Hands one response to the transport; a transport that throws fails this stream, never the caller. */
  #deliver(response: WatchResponse): void {
    if (this.#failed) return;
    try {
      this.#paused = !this.#send(response);
    } catch {
      this.#fail();
    }
  }

  #fail(): void {
    this.#failed = true;
    this.#paused = true;
    this.#onFail?.();
  }

  #flush(): void {
    // Bounded by the queue length: each turn sends one response or stops.
    while (!this.#paused && this.#head < this.#queue.length) {
      const response = this.#queue[this.#head]!;
      this.#head += 1;
      this.#deliver(response);
    }
    if (this.#head === this.#queue.length) {
      this.#queue.length = 0;
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue.splice(0, this.#head);
      this.#head = 0;
    }
  }
}
