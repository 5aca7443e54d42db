/**
 * Key permissions as etcd's auth store decides them: a role grants READ, WRITE or READWRITE over one key
 * (empty range end), a range [key, range_end), or everything from a key (range end "\0"). A request is
 * allowed when the union of its user's granted ranges of that type covers every key it could touch.
 * Pure: no storage, no clock.
 * @module
 */

/** authpb.Permission_Type. */
export const PermType = { READ: 0, WRITE: 1, READWRITE: 2 } as const;
export type PermType = typeof PermType[keyof typeof PermType];

/** One granted permission, as stored and as RoleGet answers it. */
export interface Permission {
  permType: number;
  key: Uint8Array;
  range_end: Uint8Array;
}

/** A half-open key interval; `end` undefined: no upper bound (a from-key grant or request). */
export interface KeyInterval {
  start: Uint8Array;
  end: Uint8Array | undefined;
}

/** The merged intervals a user may read and may write. */
export interface UserPerms {
  read: KeyInterval[];
  write: KeyInterval[];
}

/** Compares byte strings as Go's bytes.Compare. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return a[i]! - b[i]!;
  }
  return a.length - b.length;
}

/** The key followed by a zero byte: the smallest key after it, so [key, next) holds exactly `key`. */
function nextKey(key: Uint8Array): Uint8Array {
  const out = new Uint8Array(key.length + 1);
  out.set(key);
  return out;
}

function isFromKey(rangeEnd: Uint8Array): boolean {
  return rangeEnd.length === 1 && rangeEnd[0] === 0;
}

/**
 * The interval a (key, range_end) pair names, as etcd reads it in a request or a grant: empty end is the
 * key alone, "\0" is every key from `key` on. An end at or below the key names nothing past the key, so it
 * is checked as the key alone (such a range reads and writes nothing).
 */
export function intervalOf(key: Uint8Array, rangeEnd: Uint8Array): KeyInterval {
  if (rangeEnd.length === 0) return { start: key, end: nextKey(key) };
  if (isFromKey(rangeEnd)) return { start: key, end: undefined };
  if (compareBytes(rangeEnd, key) <= 0) return { start: key, end: nextKey(key) };
  return { start: key, end: rangeEnd };
}

/** `a` ends before `b` (undefined = no end). */
function endBefore(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (a === undefined) return false;
  if (b === undefined) return true;
  return compareBytes(a, b) < 0;
}

/** Sorts and merges overlapping or touching intervals; the result is disjoint and ascending. */
export function mergeIntervals(intervals: readonly KeyInterval[]): KeyInterval[] {
  const sorted = [...intervals].sort((a, b) => compareBytes(a.start, b.start));
  const merged: KeyInterval[] = [];
  for (const next of sorted) {
    const last = merged[merged.length - 1];
    // Touching counts: [a, b) and [b, c) together cover [a, c).
    if (last !== undefined && (last.end === undefined || compareBytes(next.start, last.end) <= 0)) {
      if (endBefore(last.end, next.end)) last.end = next.end;
      continue;
    }
    merged.push({ start: next.start, end: next.end });
  }
  return merged;
}

/** Builds a user's merged read and write intervals from the permissions of all its roles. */
export function userPerms(perms: readonly Permission[]): UserPerms {
  const read: KeyInterval[] = [];
  const write: KeyInterval[] = [];
  for (const perm of perms) {
    const interval = intervalOf(perm.key, perm.range_end);
    if (perm.permType === PermType.READ || perm.permType === PermType.READWRITE) read.push(interval);
    if (perm.permType === PermType.WRITE || perm.permType === PermType.READWRITE) write.push(interval);
  }
  return { read: mergeIntervals(read), write: mergeIntervals(write) };
}

/** True when one of the disjoint `granted` intervals holds all of `wanted`. */
export function covers(granted: readonly KeyInterval[], wanted: KeyInterval): boolean {
  for (const interval of granted) {
    if (compareBytes(interval.start, wanted.start) > 0) return false; // ascending: none further can start lower
    if (!endBefore(interval.end, wanted.end)) return true;
  }
  return false;
}
