/**
 * Reconnection delays: exponential growth from `baseMs` up to `maxMs`, with jitter so peers that lost a
 * member at the same moment do not redial it in lockstep. Pure: randomness is injected.
 * @module
 */

/** Bounds of the reconnection schedule. */
export interface BackoffOptions {
  /** Delay ceiling before the first retry (before jitter). */
  baseMs: number;
  /** Delay ceiling once grown; no delay ever exceeds it. */
  maxMs: number;
}

/** Defaults: 50 ms → 1 s. */
export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 50, maxMs: 1_000 };

/**
 * Delay before retry number `attempt` (0 for the first retry): a value in [ceiling / 2, ceiling] where
 * ceiling = min(maxMs, baseMs · 2^attempt). Half the delay is fixed so a retry never comes at once.
 *
 * @example
 * backoffDelayMs(0, DEFAULT_BACKOFF, Math.random); // 25..50
 * backoffDelayMs(10, DEFAULT_BACKOFF, Math.random); // 500..1000
 */
export function backoffDelayMs(attempt: number, options: BackoffOptions, random: () => number): number {
  if (!Number.isInteger(attempt) || attempt < 0) throw new Error(`transport: bad backoff attempt ${attempt}`);
  if (!(options.baseMs > 0 && options.maxMs >= options.baseMs)) {
    throw new Error(`transport: bad backoff bounds ${options.baseMs}..${options.maxMs} ms`);
  }
  // 2^31 already exceeds any sane ceiling; capping the exponent keeps the arithmetic finite.
  const ceilingMs = Math.min(options.maxMs, options.baseMs * 2 ** Math.min(attempt, 31));
  const r = random();
  if (!(r >= 0 && r < 1)) throw new Error(`transport: random() returned ${r}, outside [0, 1)`);
  return ceilingMs / 2 + (ceilingMs / 2) * r;
}
