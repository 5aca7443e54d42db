/**
 * The outbound queue of one peer: encoded messages waiting for the connection, bounded by message count and
 * by bytes. Pure: no I/O. When a push would pass either bound the message is refused, and the caller drops it
 * and reports the peer unreachable (Raft retransmits).
 * @module
 */

/** Bounds of one peer's queue. */
export interface QueueLimits {
  maxMessages: number;
  maxBytes: number;
}

/** A FIFO of encoded messages with exact count and byte accounting. */
export class PeerQueue {
  readonly limits: QueueLimits;
  #items: Uint8Array[] = [];
  #head = 0;
  #bytes = 0;

  constructor(limits: QueueLimits) {
    if (!(limits.maxMessages >= 1 && limits.maxBytes >= 1)) {
      throw new Error(`transport: bad queue limits ${limits.maxMessages} messages / ${limits.maxBytes} bytes`);
    }
    this.limits = limits;
  }

  /** Messages waiting. */
  get length(): number {
    return this.#items.length - this.#head;
  }

  /** Bytes waiting (sum of the encoded messages). */
  get bytes(): number {
    return this.#bytes;
  }

  /** Adds an encoded message; false (nothing added) if either bound would be passed. */
  push(encoded: Uint8Array): boolean {
    if (this.length + 1 > this.limits.maxMessages) return false;
    if (this.#bytes + encoded.length > this.limits.maxBytes) return false;
    this.#items.push(encoded);
    this.#bytes += encoded.length;
    return true;
  }

  /**
   * Removes and returns the oldest messages whose total stays within `maxBytes` — but always at least one
   * if any is waiting, so a message larger than `maxBytes` is still taken (the caller decides about it).
   */
  take(maxBytes: number): { items: Uint8Array[]; bytes: number } {
    const items: Uint8Array[] = [];
    let bytes = 0;
    while (this.#head < this.#items.length) {
      const next = this.#items[this.#head];
      if (items.length > 0 && bytes + next.length > maxBytes) break;
      items.push(next);
      bytes += next.length;
      this.#head++;
    }
    this.#bytes -= bytes;
    this.#compact();
    if (this.#bytes < 0 || this.length < 0) throw new Error("transport: queue accounting went negative");
    return { items, bytes };
  }

  /** Drops everything waiting; returns how many messages were dropped. */
  clear(): number {
    const n = this.length;
    this.#items = [];
    this.#head = 0;
    this.#bytes = 0;
    return n;
  }

  // Shift the array only once the consumed prefix dominates, so take() stays O(taken) amortised.
  #compact(): void {
    if (this.#head === this.#items.length) {
      this.#items = [];
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
  }
}
