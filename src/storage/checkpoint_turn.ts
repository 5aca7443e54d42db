/**
 * Whose turn it is to checkpoint one database: its checkpoint thread's or its writer's, never both at once.
 * SQLite lets one connection checkpoint at a time and answers any other SQLITE_BUSY at once, without
 * calling the busy handler, in every mode (RESTART included). The thread checkpoints whenever enough
 * frames wait, so on a slow disk it is mid-pass most of the time, and a writer that simply tried after its
 * commits lost that race ~95 % of the time here (its WAL passed a 1 MiB bound by 10–36 MB). With a turn the
 * writer never collides with the thread: when it finds the thread mid-pass it asks, and the thread starts
 * no new pass until the writer has had its turn (or, should the writer stop asking by taking it, for at
 * most a bounded number of passes, so an idle writer cannot keep frames from being copied back).
 *
 * The state lives in a SharedArrayBuffer (two Int32 cells) that both threads wrap in their own instance.
 * @module
 */

const CELLS = 2;
/** Cell: who holds the turn. */
const HOLDER = 0;
/** Cell: 1 while the writer waits for a turn the thread held. */
const ASKED = 1;
const FREE = 0;
const THREAD = 1;
const WRITER = 2;
/** Bound on sleeps while the writer waits (each ends when the holder releases, or at the deadline). */
const MAX_WAITS = 1_000;

/** One database's checkpoint turn, as seen from one thread. */
export class CheckpointTurn {
  /** Hand this to the other thread (postMessage shares it). */
  readonly buffer: SharedArrayBuffer;
  readonly #cells: Int32Array;
  /** Thread side: passes skipped in a row for an asking writer. */
  #yielded = 0;

  constructor(buffer: SharedArrayBuffer = new SharedArrayBuffer(CELLS * Int32Array.BYTES_PER_ELEMENT)) {
    if (buffer.byteLength < CELLS * Int32Array.BYTES_PER_ELEMENT) throw new Error("checkpoint turn: buffer too small");
    this.buffer = buffer;
    this.#cells = new Int32Array(buffer, 0, CELLS);
  }

  /**
   * The thread, before a pass: true when it now holds the turn. False while the writer holds it, and while
   * the writer asks for it, for up to `maxYields` passes in a row (then one pass runs anyway).
   */
  takeForThread(maxYields: number): boolean {
    if (Atomics.load(this.#cells, ASKED) === 1 && this.#yielded < maxYields) {
      this.#yielded++;
      return false;
    }
    this.#yielded = 0;
    return Atomics.compareExchange(this.#cells, HOLDER, FREE, THREAD) === FREE;
  }

  /**
   * The writer: true when it now holds the turn. When the thread is mid-pass this waits up to `waitMs`
   * (0: not at all; it blocks this thread) for the pass to end; when it still cannot take the turn it asks
   * for the next one and answers false.
   */
  takeForWriter(waitMs: number): boolean {
    const deadlineMs = performance.now() + Math.max(0, waitMs);
    for (let attempt = 0; attempt < MAX_WAITS; attempt++) {
      const holder = Atomics.compareExchange(this.#cells, HOLDER, FREE, WRITER);
      if (holder === FREE) {
        Atomics.store(this.#cells, ASKED, 0);
        return true;
      }
      Atomics.store(this.#cells, ASKED, 1);
      const leftMs = deadlineMs - performance.now();
      if (leftMs <= 0) return false;
      try {
        Atomics.wait(this.#cells, HOLDER, holder, leftMs);
      } catch {
        return false; // a runtime that forbids blocking this thread: try at the next commit
      }
    }
    return false;
  }

  /** Either side, after its checkpoint: frees the turn and wakes a waiting writer. */
  release(): void {
    Atomics.store(this.#cells, HOLDER, FREE);
    Atomics.notify(this.#cells, HOLDER);
  }

  /** True while the writer waits for a turn (for tests and diagnostics). */
  get asked(): boolean {
    return Atomics.load(this.#cells, ASKED) === 1;
  }
}
