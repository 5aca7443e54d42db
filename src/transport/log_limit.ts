/**
 * A bound on log lines about what peers send: at most `maxLines` per `windowMs`, then silence until the
 * window ends, and the next line says how many were left out. Whoever can reach the peer port can make
 * refusals as fast as the loopback carries them; the log must not grow at that rate. Pure: the caller
 * passes the time.
 * @module
 */

/** Options of `LogLimit`. */
export interface LogLimitOptions {
  maxLines: number;
  windowMs: number;
}

/** Counts lines per window; `admit` says whether this one may be written and what to append to it. */
export class LogLimit {
  readonly #maxLines: number;
  readonly #windowMs: number;
  #windowStartMs = -Infinity;
  #linesInWindow = 0;
  #suppressed = 0;

  constructor(options: LogLimitOptions) {
    if (!(Number.isInteger(options.maxLines) && options.maxLines >= 1)) throw new Error(`log limit: maxLines ${options.maxLines}`);
    if (!(options.windowMs > 0)) throw new Error(`log limit: windowMs ${options.windowMs}`);
    this.#maxLines = options.maxLines;
    this.#windowMs = options.windowMs;
  }

  /**
   * `undefined` when the line must be dropped; otherwise a suffix for it (empty, or the count of lines
   * dropped since the last one written).
   */
  admit(nowMs: number): string | undefined {
    if (nowMs - this.#windowStartMs >= this.#windowMs) {
      this.#windowStartMs = nowMs;
      this.#linesInWindow = 0;
    }
    if (this.#linesInWindow >= this.#maxLines) {
      this.#suppressed++;
      return undefined;
    }
    this.#linesInWindow++;
    const suffix = this.#suppressed === 0 ? "" : ` (${this.#suppressed} similar lines suppressed)`;
    this.#suppressed = 0;
    return suffix;
  }

  /** Lines dropped since the last one admitted. */
  get suppressed(): number {
    return this.#suppressed;
  }
}
