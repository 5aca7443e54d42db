/**
 * Linearizable reads, batched: every reader waiting in one event-loop turn shares one ReadIndex request.
 * The core answers with a read index; the batch is served once the applied index reaches it. Readers time
 * out like writes (etcd's "request timed out"); a batch the core refuses fails its readers at once.
 * @module
 */
import type { EtcdError } from "../codec/errors.ts";
import type { ReadState } from "../raft/mod.ts";
import { Waiters } from "./waiters.ts";

interface ReadBatch {
  readerIds: number[];
  startMs: number;
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

  constructor(options: { maxPending: number; timeoutMs: number }) {
    this.#waiters = new Waiters(options);
    this.#timeoutMs = options.timeoutMs;
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
    const key = `${this.#nextId++}`;
    const batch: ReadBatch = { readerIds: this.#queued, startMs: nowMs };
    this.#queued = [];
    const refused = request(new TextEncoder().encode(key));
    if (refused !== undefined) {
      for (const id of batch.readerIds) this.#waiters.reject(id, refused);
      return;
    }
    this.#sent.set(key, batch);
  }

  /** The core's answer to one of our requests (others are ignored). */
  onReadState(state: ReadState): void {
    const key = new TextDecoder().decode(state.requestCtx);
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
    for (const [key, batch] of this.#sent) {
      if (nowMs - batch.startMs < this.#timeoutMs) break;
      this.#sent.delete(key);
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
