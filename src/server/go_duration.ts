/**
 * Go's duration syntax (time.ParseDuration), which etcd's duration flags take: "5s", "2h0m0s", "1.5m",
 * "300ms", "-1s", a bare "0". Pure.
 *
 * @example
 * parseGoDurationMs("2h0m0s"); // 7_200_000
 * parseGoDurationMs("5"); // undefined: Go wants a unit on anything but zero
 * @module
 */

/** Milliseconds per unit, Go's unit names (both spellings of micro). */
const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  "µs": 1e-3,
  "μs": 1e-3,
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
};

/** Longer texts are refused before any parsing (Go's own limit is the int64 range, far below this). */
const MAX_TEXT_CHARS = 100;

/** Milliseconds of a Go duration text, or undefined when Go's time.ParseDuration would refuse it. */
export function parseGoDurationMs(text: string): number | undefined {
  if (text.length === 0 || text.length > MAX_TEXT_CHARS) return undefined;
  const sign = text[0] === "-" ? -1 : 1;
  const body = text[0] === "-" || text[0] === "+" ? text.slice(1) : text;
  if (body === "0") return 0;
  if (body.length === 0) return undefined;
  const term = /(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;
  let totalMs = 0;
  // Each turn consumes at least two characters, so at most MAX_TEXT_CHARS / 2 turns.
  while (term.lastIndex < body.length) {
    const start = term.lastIndex;
    const match = term.exec(body);
    if (match === null || match.index !== start) return undefined;
    totalMs += Number(match[1]) * UNIT_MS[match[2]!]!;
  }
  // Go refuses what overflows int64 nanoseconds (about 292 years).
  if (totalMs * 1e6 > 9.223372036854775807e18) return undefined;
  return sign * totalMs;
}
