/**
 * A streamed range turns every byte it sends into garbage several times over (row, encoding, frames,
 * socket copies), and the collector, left to itself, lets tens of MB of it pile up before it runs: the
 * server's peak memory then tracks the answer's size after all. Every `everyBytes` sent, the stream asks
 * the runtime for a collection that does not stop the event loop (Bun.gc(false)); elsewhere it does
 * nothing.
 * @module
 */

/** Bytes sent between two collection requests, by default. */
export const DEFAULT_COLLECT_EVERY_BYTES = 16 * 1024 * 1024;

interface WithGc {
  Bun?: { gc?: (force: boolean) => void };
}

/** Counts bytes sent by one stream and asks for a collection past each `everyBytes`. */
export class GarbageHint {
  readonly #everyBytes: number;
  #sinceBytes = 0;

  constructor(everyBytes = DEFAULT_COLLECT_EVERY_BYTES) {
    if (!(everyBytes >= 1)) throw new Error(`range stream: everyBytes must be at least 1, got ${everyBytes}`);
    this.#everyBytes = everyBytes;
  }

  /** Notes `sizeBytes` more sent. */
  sent(sizeBytes: number): void {
    this.#sinceBytes += sizeBytes;
    if (this.#sinceBytes < this.#everyBytes) return;
    this.#sinceBytes = 0;
    (globalThis as WithGc).Bun?.gc?.(false);
  }
}
