/**
 * Callers waiting for their proposal to apply (or their read to be servable), keyed by request id.
 * Bounded: past `maxPending` a new waiter is refused with etcd's "too many requests". Timeouts need no
 * timer per request: deadlines grow with insertion order, so one periodic `expire(nowMs)` walks from the
 * oldest and stops at the first one still in time.
 * @module
 */
import { type EtcdError, Errors } from "../codec/errors.ts";

interface Waiter<T> {
  resolve: (value: T) => void;
  reject: (error: Error) => void;
  deadlineMs: number;
}

/** A bounded map of pending requests with deadline sweeping. */
export class Waiters<T> {
  readonly #pending = new Map<number, Waiter<T>>();
  readonly #maxPending: number;
  readonly #timeoutMs: number;

  constructor(options: { maxPending: number; timeoutMs: number }) {
    if (options.maxPending <= 0 || options.timeoutMs <= 0) throw new Error("Waiters: bounds must be positive");
    this.#maxPending = options.maxPending;
    this.#timeoutMs = options.timeoutMs;
  }

  /** Number of callers still waiting. */
  get size(): number {
    return this.#pending.size;
  }

  /** True when a new waiter would be refused. */
  full(): boolean {
    return this.#pending.size >= this.#maxPending;
  }

  /** Registers `id`; the promise settles on `resolve`, `reject`, or expiry. Throws when full. */
  wait(id: number, nowMs: number): Promise<T> {
    if (this.full()) throw Errors.tooManyRequests();
    if (this.#pending.has(id)) throw new Error(`Waiters: duplicate request id ${id}`);
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, deadlineMs: nowMs + this.#timeoutMs });
    });
  }

  /** Settles `id` with a value; false when no one waits for it (another member's request, or expired). */
  resolve(id: number, value: T): boolean {
    const waiter = this.#pending.get(id);
    if (waiter === undefined) return false;
    this.#pending.delete(id);
    waiter.resolve(value);
    return true;
  }

  /** Settles `id` with an error. */
  reject(id: number, error: Error): boolean {
    const waiter = this.#pending.get(id);
    if (waiter === undefined) return false;
    this.#pending.delete(id);
    waiter.reject(error);
    return true;
  }

  /** Rejects every waiter whose deadline passed with `error()`; returns how many. */
  expire(nowMs: number, error: () => EtcdError = Errors.timeout): number {
    let count = 0;
    for (const [id, waiter] of this.#pending) {
      if (waiter.deadlineMs > nowMs) break;
      this.#pending.delete(id);
      waiter.reject(error());
      count++;
    }
    return count;
  }

  /** Rejects everyone (shutdown). */
  rejectAll(error: () => Error): void {
    for (const waiter of this.#pending.values()) waiter.reject(error());
    this.#pending.clear();
  }
}
