/**
 * The client's one wait: `sleep(ms, signal)` resolves after `ms`, or as soon as `signal` aborts (at once if
 * it already has). It never rejects: callers check the signal afterwards and decide what an abort means.
 * @module
 */

/** Waits `ms`, cut short by `signal`. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
