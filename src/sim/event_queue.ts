/**
 * The simulator's single event queue: a binary min-heap ordered by (time, sequence number), so events at
 * the same instant run in the order they were scheduled and a run is exactly reproducible.
 * @module
 */

/** A scheduled event carrying a payload of type T. */
export interface Scheduled<T> {
  time: number;
  seq: number;
  payload: T;
}

/** Min-heap of events by (time, seq), with a hard bound on its size. */
export class EventQueue<T> {
  private heap: Scheduled<T>[] = [];
  private nextSeq = 0;

  /** `maxEvents` bounds the queue: scheduling past it throws (a runaway run must stop loudly). */
  constructor(private readonly maxEvents: number = 1_000_000) {}

  get size(): number {
    return this.heap.length;
  }

  /** Schedules `payload` at `time`. */
  push(time: number, payload: T): void {
    if (!Number.isFinite(time)) throw new Error(`event queue: bad time ${time}`);
    if (this.heap.length >= this.maxEvents) throw new Error(`event queue: more than ${this.maxEvents} events`);
    const item: Scheduled<T> = { time, seq: this.nextSeq++, payload };
    const heap = this.heap;
    heap.push(item);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!less(item, heap[parent]!)) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = item;
  }

  /** Time of the earliest event, or undefined when empty. */
  peekTime(): number | undefined {
    return this.heap[0]?.time;
  }

  /** Removes and returns the earliest event. */
  pop(): Scheduled<T> | undefined {
    const heap = this.heap;
    const top = heap[0];
    if (top === undefined) return undefined;
    const last = heap.pop()!;
    if (heap.length === 0) return top;
    let i = 0;
    const n = heap.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && less(heap[r]!, heap[l]!) ? r : l;
      if (!less(heap[c]!, last)) break;
      heap[i] = heap[c]!;
      i = c;
    }
    heap[i] = last;
    return top;
  }
}

function less<T>(a: Scheduled<T>, b: Scheduled<T>): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}
