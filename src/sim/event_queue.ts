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

/**
 * Min-heap of events by (time, seq), with a hard bound on its size. The heap is three parallel arrays (times,
 * sequence numbers, payloads) rather than one wrapper object per event: a run schedules millions of events.
 */
export class EventQueue<T> {
  private readonly times: number[] = [];
  private readonly seqs: number[] = [];
  private readonly payloads: T[] = [];
  private nextSeq = 0;

  /** `maxEvents` bounds the queue: scheduling past it throws (a runaway run must stop loudly). */
  constructor(private readonly maxEvents: number = 1_000_000) {}

  get size(): number {
    return this.times.length;
  }

  /** Schedules `payload` at `time`. */
  push(time: number, payload: T): void {
    if (!Number.isFinite(time)) throw new Error(`event queue: bad time ${time}`);
    const times = this.times;
    const seqs = this.seqs;
    const payloads = this.payloads;
    if (times.length >= this.maxEvents) throw new Error(`event queue: more than ${this.maxEvents} events`);
    const seq = this.nextSeq++;
    let i = times.length;
    times.push(time);
    seqs.push(seq);
    payloads.push(payload);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pt = times[parent]!;
      if (pt < time || (pt === time && seqs[parent]! < seq)) break;
      times[i] = pt;
      seqs[i] = seqs[parent]!;
      payloads[i] = payloads[parent]!;
      i = parent;
    }
    times[i] = time;
    seqs[i] = seq;
    payloads[i] = payload;
  }

  /** Time of the earliest event, or undefined when empty. */
  peekTime(): number | undefined {
    return this.times.length === 0 ? undefined : this.times[0];
  }

  /** Removes and returns the earliest event. */
  pop(): Scheduled<T> | undefined {
    if (this.times.length === 0) return undefined;
    const time = this.times[0]!;
    const seq = this.seqs[0]!;
    return { time, seq, payload: this.popPayload()! };
  }

  /** Removes the earliest event and returns its payload (its time is `peekTime()` before the call). */
  popPayload(): T | undefined {
    const times = this.times;
    const seqs = this.seqs;
    const payloads = this.payloads;
    const n = times.length - 1;
    if (n < 0) return undefined;
    const top = payloads[0]!;
    // Sift the last event down from the root.
    const time = times.pop()!;
    const seq = seqs.pop()!;
    const payload = payloads.pop()!;
    if (n === 0) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (r < n && (times[r]! < times[l]! || (times[r] === times[l] && seqs[r]! < seqs[l]!))) c = r;
      const ct = times[c]!;
      if (!(ct < time || (ct === time && seqs[c]! < seq))) break;
      times[i] = ct;
      seqs[i] = seqs[c]!;
      payloads[i] = payloads[c]!;
      i = c;
    }
    times[i] = time;
    seqs[i] = seq;
    payloads[i] = payload;
    return top;
  }
}
