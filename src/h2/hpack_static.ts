/**
 * HPACK's static table (RFC 7541 Appendix A): 61 fixed header fields, indices 1–61, and lookups the encoder
 * uses to refer to them.
 * @module
 */

/** The static table; entry i (1-based in HPACK) is STATIC_TABLE[i - 1]. */
export const STATIC_TABLE: ReadonlyArray<readonly [string, string]> = [
  [":authority", ""],
  [":method", "GET"],
  [":method", "POST"],
  [":path", "/"],
  [":path", "/index.html"],
  [":scheme", "http"],
  [":scheme", "https"],
  [":status", "200"],
  [":status", "204"],
  [":status", "206"],
  [":status", "304"],
  [":status", "400"],
  [":status", "404"],
  [":status", "500"],
  ["accept-charset", ""],
  ["accept-encoding", "gzip, deflate"],
  ["accept-language", ""],
  ["accept-ranges", ""],
  ["accept", ""],
  ["access-control-allow-origin", ""],
  ["age", ""],
  ["allow", ""],
  ["authorization", ""],
  ["cache-control", ""],
  ["content-disposition", ""],
  ["content-encoding", ""],
  ["content-language", ""],
  ["content-length", ""],
  ["content-location", ""],
  ["content-range", ""],
  ["content-type", ""],
  ["cookie", ""],
  ["date", ""],
  ["etag", ""],
  ["expect", ""],
  ["expires", ""],
  ["from", ""],
  ["host", ""],
  ["if-match", ""],
  ["if-modified-since", ""],
  ["if-none-match", ""],
  ["if-range", ""],
  ["if-unmodified-since", ""],
  ["last-modified", ""],
  ["link", ""],
  ["location", ""],
  ["max-forwards", ""],
  ["proxy-authenticate", ""],
  ["proxy-authorization", ""],
  ["range", ""],
  ["referer", ""],
  ["refresh", ""],
  ["retry-after", ""],
  ["server", ""],
  ["set-cookie", ""],
  ["strict-transport-security", ""],
  ["transfer-encoding", ""],
  ["user-agent", ""],
  ["vary", ""],
  ["via", ""],
  ["www-authenticate", ""],
];

/** Entries in the static table; dynamic entries start at index STATIC_ENTRIES + 1. */
export const STATIC_ENTRIES = 61;

const BY_PAIR = new Map<string, number>();
const BY_NAME = new Map<string, number>();
for (let i = STATIC_TABLE.length - 1; i >= 0; i--) {
  const [name, value] = STATIC_TABLE[i]!;
  BY_PAIR.set(`${name}\0${value}`, i + 1);
  BY_NAME.set(name, i + 1); // iterating backwards leaves the lowest index of a name
}

/** The static index of exactly (name, value), or 0. */
export function staticPairIndex(name: string, value: string): number {
  return BY_PAIR.get(`${name}\0${value}`) ?? 0;
}

/** The lowest static index whose name is `name`, or 0. */
export function staticNameIndex(name: string): number {
  return BY_NAME.get(name) ?? 0;
}
