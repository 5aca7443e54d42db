/**
 * Linearizable reads, batched: every reader waiting in one event-loop turn shares one ReadIndex request.
 * The core answers with a read index; the batch is served once the applied index reaches it. Readers time
 * out like writes (etcd's "request timed out"); a batch the core refuses fails its readers at once.
 *
 * Request contexts carry this member's id, so they are unique across the cluster: the leader keys pending
 * reads by context, and two followers' reads with the same context would otherwise be merged and one of
 * them never answered. A request unanswered after `retryMs` (a forwarded message lost on a broken peer
 * connection, or dropped by a leader that just lost its role) is sent again under a fresh context, as
 * etcd's read loop does every 500 ms.
 * @module
 */
import type { EtcdError } from "../codec/errors.ts";
import type { ReadState } from "../raft/mod.ts";
import { Waiters } from "./waiters.ts";

const ENCODER = new TextEncoder();
const DECODER = new TextDecoder();

/** Resend an unanswered ReadIndex request after this long (etcd's readIndexRetryTime). */
export const DEFAULT_RETRY_MS = 500;

interface ReadBatch {
  readerIds: number[];
  startMs: number;
  /** When the current request for this batch went to the core. */
  sentMs: number;
  /** Set when the core answered. */
  index?: number;
}

/** The queue of linearizable readers of one member. */
export class ReadIndexQueue {
  readonly #waiters: Waiters<void>;
  readonly #timeoutMs: number;
  #queued: number[] = [];
  /** Sent to the core, by request context; insertion order is age order. */
  #sent = new Map<string, ReadBatch>();
  /** Answered, waiting for the applied index. */
  #answered: ReadBatch[] = [];
  #nextId = 1;
  readonly #contextPrefix: string;
  readonly #retryMs: number;

  constructor(options: { maxPending: number; timeoutMs: number; contextPrefix?: string; retryMs?: number }) {
    this.#waiters = new Waiters(options);
    this.#timeoutMs = options.timeoutMs;
    this.#contextPrefix = options.contextPrefix ?? "";
    this.#retryMs = options.retryMs ?? DEFAULT_RETRY_MS;
    if (!(this.#retryMs > 0)) throw new Error(`reads: retryMs must be > 0, got ${this.#retryMs}`);
  }

  /** Resolves when a read started now may be served; throws "too many requests" when full. */
  wait(nowMs: number): Promise<void> {
    const id = this.#nextId++;
    const promise = this.#waiters.wait(id, nowMs);
    this.#queued.push(id);
    return promise;
  }

  /** True when readers wait for a ReadIndex request to be sent. */
  hasQueued(): boolean {
    return this.#queued.length > 0;
  }

  /**
   * Sends one ReadIndex for everyone queued: `request(context)` asks the core and returns its refusal
   * (as an error) or undefined.
   */
  send(nowMs: number, request: (context: Uint8Array) => EtcdError | undefined): void {
    if (this.#queued.length === 0) return;
    const batch: ReadBatch = { readerIds: this.#queued, startMs: nowMs, sentMs: nowMs };
    this.#queued = [];
    this.#request(batch, nowMs, request);
  }

  /** Sends again, under a fresh context, every request unanswered for `retryMs` or longer. */
  resendStale(nowMs: number, request: (context: Uint8Array) => EtcdError | undefined): void {
    const stale: ReadBatch[] = [];
    for (const [key, batch] of this.#sent) {
      if (nowMs - batch.sentMs < this.#retryMs) continue;
      this.#sent.delete(key);
      stale.push(batch);
    }
    for (const batch of stale) this.#request(batch, nowMs, request);
  }

  #request(batch: ReadBatch, nowMs: number, request: (context: Uint8Array) => EtcdError | undefined): void {
    const key = `${this.#contextPrefix}${this.#nextId++}`;
    batch.sentMs = nowMs;
    const refused = request(ENCODER.encode(key));
    if (refused !== undefined) {
      for (const id of batch.readerIds) this.#waiters.reject(id, refused);
      return;
    }
    this.#sent.set(key, batch);
  }

  /** The core's answer to one of our requests (others are ignored). */
  onReadState(state: ReadState): void {
    const key = DECODER.decode(state.requestCtx);
    const batch = this.#sent.get(key);
    if (batch === undefined) return;
    this.#sent.delete(key);
    batch.index = state.index;
    this.#answered.push(batch);
  }

  /** Serves every answered batch whose read index is applied. */
  serve(appliedIndex: number): void {
    if (this.#answered.length === 0) return;
    const waiting: ReadBatch[] = [];
    for (const batch of this.#answered) {
      if (batch.index! <= appliedIndex) {
        for (const id of batch.readerIds) this.#waiters.resolve(id, undefined);
      } else {
        waiting.push(batch);
      }
    }
    this.#answered = waiting;
  }

  /** Times out readers and forgets batches older than the timeout (their readers are gone). */
  expire(nowMs: number): void {
    this.#waiters.expire(nowMs);
    // Resent batches move to the back of #sent, so it is not in age order: scan it all (bounded by maxPending).
    for (const [key, batch] of this.#sent) {
      if (nowMs - batch.startMs >= this.#timeoutMs) this.#sent.delete(key);
    }
    this.#answered = this.#answered.filter((b) => nowMs - b.startMs < this.#timeoutMs);
  }

  /**
   * Fails the readers whose request has no answer yet (the leader changed: the core may have dropped it).
   * Answered batches stay: their read index was confirmed by a leader of the time.
   */
  failUnanswered(error: () => Error): void {
    for (const batch of this.#sent.values()) for (const id of batch.readerIds) this.#waiters.reject(id, error());
    this.#sent.clear();
  }

  /** Fails everyone (shutdown). */
  rejectAll(error: () => Error): void {
    this.#waiters.rejectAll(error);
    this.#queued = [];
    this.#sent.clear();
    this.#answered = [];
  }
}
