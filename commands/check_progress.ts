/**
 * The progress bar of `check perf` and `check datascale`, drawn like etcdctl's (pb with the "Bom !" style:
 * `  12 / 60 Booooo      !  20.00% 48s`) and only when stdout is a terminal: piped output stays the verdict
 * lines alone. Redrawn at most every 200 ms, as pb's refresh rate.
 * @module
 */

const REDRAW_INTERVAL_MS = 200;
const BAR_WIDTH = 50;

/** A counter shown as a bar; a no-op when `enabled` is false. */
export class ProgressBar {
  readonly #total: number;
  readonly #write: (text: string) => void;
  readonly #enabled: boolean;
  readonly #startMs = Date.now();
  #current = 0;
  #drawnMs = 0;

  constructor(total: number, write: (text: string) => void, enabled: boolean) {
    if (!(Number.isInteger(total) && total > 0)) throw new Error(`a bar needs a positive total, got ${total}`);
    this.#total = total;
    this.#write = write;
    this.#enabled = enabled;
  }

  /** Moves the bar on by `n` (never past its total). */
  add(n = 1): void {
    this.#current = Math.min(this.#total, this.#current + n);
    const nowMs = Date.now();
    if (nowMs - this.#drawnMs >= REDRAW_INTERVAL_MS) this.#draw(nowMs);
  }

  /** Draws the last state and ends the line. */
  finish(): void {
    if (!this.#enabled) return;
    this.#draw(Date.now());
    this.#write("\n");
  }

  #draw(nowMs: number): void {
    this.#drawnMs = nowMs;
    if (!this.#enabled) return;
    const fraction = this.#current / this.#total;
    const filled = Math.round(fraction * BAR_WIDTH);
    const counter = `${String(this.#current).padStart(String(this.#total).length)} / ${this.#total}`;
    const elapsedS = Math.round((nowMs - this.#startMs) / 1000);
    const bar = `B${"o".repeat(filled)}${" ".repeat(BAR_WIDTH - filled)}!`;
    this.#write(`\r${counter} ${bar} ${(fraction * 100).toFixed(2).padStart(6)}% ${elapsedS}s`);
  }
}
