/**
 * The bytes etcd 3.4 hashes for one stored revision, rebuilt from a row: its bbolt key (the revision) and
 * value (the mvccpb.KeyValue protobuf). tsetcd stores rows in SQLite, so HashKV re-encodes each one exactly
 * as etcd's backend holds it; the same history then gives etcd's hash.
 *
 * - key: main revision as 8 bytes big-endian, '_', sub revision as 8 bytes big-endian, then 't' when the row
 *   is a deletion (etcd's tombstone mark): 17 or 18 bytes.
 * - value: KeyValue{key, create_revision, mod_revision, version, value, lease} in field order, proto3 style
 *   (zero fields left out); a deletion stores KeyValue{key} only.
 * @module
 */

/** One stored revision, as the hash needs it. */
export interface HashRow {
  key: Uint8Array;
  main: number;
  sub: number;
  tombstone: boolean;
  createRevision: number;
  version: number;
  value: Uint8Array;
  lease: bigint;
}

/** Longest varint (a negative int64). */
const MAX_VARINT_BYTES = 10;

/** A safe non-negative integer as 8 bytes big-endian, without a bigint (measured: 4× faster per row). */
function putUint64(out: Uint8Array, at: number, value: number): void {
  const high = Math.floor(value / 0x1_0000_0000);
  const low = value >>> 0;
  out[at] = high >>> 24;
  out[at + 1] = (high >>> 16) & 0xff;
  out[at + 2] = (high >>> 8) & 0xff;
  out[at + 3] = high & 0xff;
  out[at + 4] = low >>> 24;
  out[at + 5] = (low >>> 16) & 0xff;
  out[at + 6] = (low >>> 8) & 0xff;
  out[at + 7] = low & 0xff;
}

/** etcd's revision key: 17 bytes, 18 with the tombstone mark. */
export function revisionBytes(main: number, sub: number, tombstone: boolean): Uint8Array {
  if (!(Number.isSafeInteger(main) && main >= 0 && Number.isSafeInteger(sub) && sub >= 0)) {
    throw new Error(`hash: bad revision ${main}_${sub}`);
  }
  const out = new Uint8Array(tombstone ? 18 : 17);
  putUint64(out, 0, main);
  out[8] = 0x5f; // '_'
  putUint64(out, 9, sub);
  if (tombstone) out[17] = 0x74; // 't'
  return out;
}

/** Appends `value` as a protobuf varint (int64 two's complement for negatives) at `at`; returns the end. */
function putVarint(out: Uint8Array, at: number, value: bigint): number {
  let v = BigInt.asUintN(64, value);
  let i = at;
  for (let n = 0; n < MAX_VARINT_BYTES; n++) {
    if (v < 0x80n) {
      out[i++] = Number(v);
      return i;
    }
    out[i++] = Number(v & 0x7fn) | 0x80;
    v >>= 7n;
  }
  throw new Error("hash: varint longer than 10 bytes");
}

/** Appends a small non-negative number as a varint without going through bigint (the common case). */
function putSmallVarint(out: Uint8Array, at: number, value: number): number {
  if (!(Number.isSafeInteger(value) && value >= 0)) return putVarint(out, at, BigInt(value));
  let v = value;
  let i = at;
  while (v >= 0x80) {
    out[i++] = (v % 0x80) | 0x80;
    v = Math.floor(v / 0x80);
  }
  out[i++] = v;
  return i;
}

/** The mvccpb.KeyValue bytes etcd stores for this row. */
export function keyValueBytes(row: HashRow): Uint8Array {
  // Upper bound: two length-prefixed blobs and four varints with their tags.
  const out = new Uint8Array(row.key.length + row.value.length + 2 * (1 + MAX_VARINT_BYTES) + 4 * (1 + MAX_VARINT_BYTES));
  let i = 0;
  out[i++] = 0x0a; // field 1, bytes
  i = putSmallVarint(out, i, row.key.length);
  out.set(row.key, i);
  i += row.key.length;
  if (row.tombstone) return out.subarray(0, i);
  const numbers: [number, number][] = [[0x10, row.createRevision], [0x18, row.main], [0x20, row.version]];
  for (const [tag, value] of numbers) {
    if (value === 0) continue;
    out[i++] = tag;
    i = putSmallVarint(out, i, value);
  }
  if (row.value.length > 0) {
    out[i++] = 0x2a; // field 5, bytes
    i = putSmallVarint(out, i, row.value.length);
    out.set(row.value, i);
    i += row.value.length;
  }
  if (row.lease !== 0n) {
    out[i++] = 0x30; // field 6, varint
    i = putVarint(out, i, row.lease);
  }
  return out.subarray(0, i);
}
