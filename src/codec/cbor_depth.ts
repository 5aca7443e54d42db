/**
 * How deep a CBOR item nests, read from its headers alone before anything decodes it. cbor-x decodes
 * arrays, maps and tags by recursion, so an item nested tens of thousands deep would exhaust the stack
 * inside the decoder; this scan has no recursion and stops as soon as the bound is passed.
 * @module
 */

/** Major types of the CBOR initial byte (RFC 8949 §3.1). */
const enum Major {
  Unsigned = 0,
  Negative = 1,
  Bytes = 2,
  Text = 3,
  Array = 4,
  Map = 5,
  Tag = 6,
  Simple = 7,
}

/** Additional-information value for an indefinite length (and, with major type 7, the break code). */
const INDEFINITE = 31;
/** Items still expected by an indefinite-length container: it ends at a break code, not a count. */
const UNTIL_BREAK = Number.POSITIVE_INFINITY;

/**
 * True when the first CBOR item of `bytes` nests arrays, maps, tags or indefinite strings more than
 * `maxDepth` deep. Malformed or truncated input ends the scan with false: the decoder reports it.
 * Bounded: every turn consumes at least one byte, and the stack holds at most `maxDepth` + 1 entries.
 */
export function cborNestsDeeperThan(bytes: Uint8Array, maxDepth: number): boolean {
  // Items each open container still expects, innermost last.
  const open: number[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    const initial = bytes[pos++]!;
    const major = initial >> 5;
    const info = initial & 0x1f;
    if (major === Major.Simple && info === INDEFINITE) {
      if (open.length === 0 || open[open.length - 1] !== UNTIL_BREAK) return false;
      open.pop();
      if (itemDone(open)) return false;
      continue;
    }
    let argument: number;
    if (info < 24) argument = info;
    else if (info <= 27) {
      const size = 1 << (info - 24);
      if (pos + size > bytes.length) return false;
      argument = readArgument(bytes, pos, size);
      pos += size;
    } else if (info === INDEFINITE && major >= Major.Bytes && major <= Major.Map) argument = UNTIL_BREAK;
    else return false;
    // Items the new container expects; scalars open none.
    let expected: number;
    switch (major) {
      case Major.Bytes:
      case Major.Text:
        if (argument === UNTIL_BREAK) {
          expected = UNTIL_BREAK; // chunks until a break
          break;
        }
        pos += argument;
        if (pos > bytes.length) return false;
        expected = -1;
        break;
      case Major.Array:
        expected = argument;
        break;
      case Major.Map:
        expected = argument * 2;
        break;
      case Major.Tag:
        expected = 1;
        break;
      default:
        expected = -1; // an integer or a simple value / float, its bytes already skipped
    }
    // An empty array or map counts as a level, as `[]` does in Go's JSON depth.
    if (expected >= 0 && open.length + 1 > maxDepth) return true;
    if (expected <= 0) {
      if (itemDone(open)) return false;
      continue;
    }
    open.push(expected);
  }
  return false;
}

/** One item ended: count it against the containers it completes. True when the top-level item is whole. */
function itemDone(open: number[]): boolean {
  // Bounded by the stack: each turn pops one container or returns.
  while (open.length > 0) {
    const top = open.length - 1;
    if (open[top] === UNTIL_BREAK) return false;
    open[top]! -= 1;
    if (open[top]! > 0) return false;
    open.pop();
  }
  return true;
}

/** A big-endian argument of 1, 2, 4 or 8 bytes (8-byte ones approximately: only their size matters here). */
function readArgument(bytes: Uint8Array, pos: number, size: number): number {
  let value = 0;
  for (let i = 0; i < size; i++) value = value * 256 + bytes[pos + i]!;
  return value;
}
