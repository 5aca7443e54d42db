/**
 * CRC-32 with the Castagnoli polynomial (CRC-32C), the checksum etcd's Hash and HashKV answer.
 *
 * Streaming: `crc32cUpdate(crc32cUpdate(0, a), b)` equals the checksum of `a` followed by `b`, as Go's
 * `hash.Hash32` with several `Write`s then `Sum32` — so a caller may feed records one at a time.
 * @module
 */

/** The reversed Castagnoli polynomial. */
const POLY = 0x82f63b78;

/** Eight 256-entry tables for slicing-by-8: table k maps a byte seen k bytes early. */
const TABLES: Uint32Array[] = buildTables();

function buildTables(): Uint32Array[] {
  const first = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let bit = 0; bit < 8; bit++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    first[n] = c >>> 0;
  }
  const tables = [first];
  for (let k = 1; k < 8; k++) {
    const previous = tables[k - 1]!;
    const next = new Uint32Array(256);
    for (let n = 0; n < 256; n++) next[n] = (previous[n]! >>> 8) ^ first[previous[n]! & 0xff]!;
    tables.push(next);
  }
  return tables;
}

const [T0, T1, T2, T3, T4, T5, T6, T7] = TABLES as [
  Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array,
];

/**
 * Continues a CRC-32C over `bytes`. Start with 0.
 * @example crc32cUpdate(0, new TextEncoder().encode("123456789")) === 0xe3069283
 */
export function crc32cUpdate(crc: number, bytes: Uint8Array): number {
  let c = ~crc >>> 0;
  let i = 0;
  const end8 = bytes.length - (bytes.length % 8);
  // Eight bytes per step: measured several times faster than one byte per step in Bun.
  for (; i < end8; i += 8) {
    const lo = (c ^ (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24))) >>> 0;
    c = T7[lo & 0xff]! ^ T6[(lo >>> 8) & 0xff]! ^ T5[(lo >>> 16) & 0xff]! ^ T4[lo >>> 24]! ^
      T3[bytes[i + 4]!]! ^ T2[bytes[i + 5]!]! ^ T1[bytes[i + 6]!]! ^ T0[bytes[i + 7]!]!;
  }
  for (; i < bytes.length; i++) c = T0[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}
