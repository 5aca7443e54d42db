/**
 * The pipelining window of one follower: a ring of the last entry index of each App message in flight,
 * bounded by `maxInflightMsgs`. An ack for index i frees every message whose last index is <= i.
 * @module
 */

/** A bounded FIFO ring of in-flight App messages (each recorded by its last entry index). */
export class Inflights {
  readonly size: number;
  private start = 0;
  private count = 0;
  private readonly buffer: number[];

  constructor(size: number) {
    if (!(size >= 1)) throw new Error(`raft: inflights size must be >= 1, got ${size}`);
    this.size = size;
    this.buffer = new Array<number>(size).fill(0);
  }

  /** Records a message whose last entry index is `lastIndex`; indexes must be increasing. */
  add(lastIndex: number): void {
    if (this.count >= this.size) throw new Error("raft: cannot add into a full inflights window");
    let next = this.start + this.count;
    if (next >= this.size) next -= this.size;
    this.buffer[next] = lastIndex;
    this.count++;
  }

  /** Frees every in-flight message whose last index is <= `to`. */
  freeLE(to: number): void {
    if (this.count === 0 || to < this.buffer[this.start]!) return;
    let i = 0;
    let idx = this.start;
    for (; i < this.count; i++) {
      if (to < this.buffer[idx]!) break;
      idx++;
      if (idx >= this.size) idx -= this.size;
    }
    this.count -= i;
    this.start = idx;
    if (this.count === 0) this.start = 0;
  }

  /** Frees the oldest message (a heartbeat response proves the follower is alive; let one more go). */
  freeFirstOne(): void {
    if (this.count === 0) return;
    this.freeLE(this.buffer[this.start]!);
  }

  full(): boolean {
    return this.count === this.size;
  }

  get length(): number {
    return this.count;
  }

  reset(): void {
    this.count = 0;
    this.start = 0;
  }
}
