/**
 * The load of `check perf` and `check datascale`: a producer hands puts to a fixed pool of concurrent
 * workers through a queue as deep as the pool (etcdctl's buffered channel), paced by a rate limit with a
 * burst of one (a backlog is not made up later) or bounded by a count; every outcome goes to the report.
 * @module
 */
import type { LatencyReport } from "./check_report.ts";

/** Slack for the pacer: timers wake a millisecond or so late; puts due within this are sent at once. */
const PACER_SLACK_MS = 5;

/** A FIFO of at most `capacity` items: `push` waits while full, `pop` while empty; `close` ends it. */
class BoundedQueue<T> {
  readonly #items: T[] = [];
  readonly #capacity: number;
  #closed = false;
  #poppers: (() => void)[] = [];
  #pushers: (() => void)[] = [];

  constructor(capacity: number) {
    if (!(capacity >= 1)) throw new Error("a queue holds at least one item");
    this.#capacity = capacity;
  }

  async push(item: T): Promise<void> {
    while (this.#items.length >= this.#capacity) await new Promise<void>((wake) => this.#pushers.push(wake));
    if (this.#closed) throw new Error("push after close");
    this.#items.push(item);
    this.#poppers.shift()?.();
  }

  async pop(): Promise<T | undefined> {
    while (this.#items.length === 0) {
      if (this.#closed) return undefined;
      await new Promise<void>((wake) => this.#poppers.push(wake));
    }
    const item = this.#items.shift();
    this.#pushers.shift()?.();
    return item;
  }

  close(): void {
    this.#closed = true;
    const waiting = this.#poppers;
    this.#poppers = [];
    for (const wake of waiting) wake();
  }
}

/** How the load runs. */
export interface LoadOptions {
  /** Concurrent workers (etcdctl's clients). */
  clients: number;
  /** The next key to put; called by the producer only. */
  nextKey(): Uint8Array;
  /** Sends one put; rejects with the error a failed request got. */
  put(key: Uint8Array): Promise<void>;
  report: LatencyReport;
  /** Called after each request, success or not (the datascale bar). */
  onResult?(): void;
  /** Puts per second (perf); absent: as fast as the workers take them (datascale). */
  limitPerSecond?: number;
  /** Produce until this long has passed (perf). */
  durationMs?: number;
  /** Produce exactly this many puts (datascale). */
  count?: number;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function worker(queue: BoundedQueue<Uint8Array>, options: LoadOptions): Promise<void> {
  // Bounded by the producer: it closes the queue after a finite number of puts.
  for (;;) {
    const key = await queue.pop();
    if (key === undefined) return;
    const startMs = performance.now();
    try {
      await options.put(key);
      options.report.record((performance.now() - startMs) / 1000);
    } catch (error) {
      options.report.record(0, errorText(error));
    }
    options.onResult?.();
  }
}

/** Produces a fixed number of puts, as fast as the queue takes them. */
async function produceCount(queue: BoundedQueue<Uint8Array>, options: LoadOptions, count: number): Promise<void> {
  for (let i = 0; i < count; i++) await queue.push(options.nextKey());
}

/** Produces puts at `limitPerSecond` until `durationMs` has passed; at most one put ahead of the pace. */
async function producePaced(queue: BoundedQueue<Uint8Array>, options: LoadOptions, limitPerSecond: number, durationMs: number): Promise<void> {
  const intervalMs = 1000 / limitPerSecond;
  const startMs = performance.now();
  const endMs = startMs + durationMs;
  const maxPuts = Math.ceil((durationMs / 1000) * limitPerSecond) + 1;
  let dueMs = startMs;
  for (let sent = 0; sent < maxPuts;) {
    const nowMs = performance.now();
    if (nowMs >= endMs) return;
    if (dueMs > nowMs) {
      await new Promise((wake) => setTimeout(wake, Math.min(dueMs, endMs) - nowMs));
      continue;
    }
    await queue.push(options.nextKey());
    sent++;
    // Burst of one: time spent blocked on a full queue, or past the slack, is lost, not made up later.
    dueMs = Math.max(dueMs + intervalMs, performance.now() - PACER_SLACK_MS);
  }
}

/** Runs the load to its end; resolves once every put sent has an outcome in the report. */
export async function runLoad(options: LoadOptions): Promise<void> {
  if (!(Number.isInteger(options.clients) && options.clients >= 1)) throw new Error("clients must be >= 1");
  const paced = options.limitPerSecond !== undefined && options.durationMs !== undefined;
  if (paced === (options.count !== undefined)) throw new Error("a load is either paced for a duration or counted");
  const queue = new BoundedQueue<Uint8Array>(options.clients);
  const workers = Array.from({ length: options.clients }, () => worker(queue, options));
  try {
    if (paced) await producePaced(queue, options, options.limitPerSecond!, options.durationMs!);
    else await produceCount(queue, options, options.count!);
  } finally {
    queue.close();
  }
  await Promise.all(workers);
}
