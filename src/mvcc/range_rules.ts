/**
 * Pure rules of etcd's Range beyond fetching rows (etcdserver/apply.go): which key span a request covers,
 * how many rows to fetch, min/max revision filters, sorting and the final limit.
 *
 * etcd's order of operations, kept here because its quirks are visible to clients:
 * 1. fetch `limit + 1` rows in key order — or all rows when any sort order or revision filter is set;
 * 2. `count` is the number of keys in the span, before filters and limit;
 * 3. filters drop rows after the fetch;
 * 4. a sort target other than KEY with order NONE sorts ASCEND — on the fetched rows only, so with a limit
 *    and no explicit order the result is the first `limit + 1` keys re-sorted, not the global top;
 * 5. truncate to `limit`, setting `more`.
 * @module
 */
import type { KeyValue, RangeRequest } from "../codec/messages.ts";
import { SortOrder, SortTarget } from "../codec/messages.ts";
import type { KeySpan } from "../storage/mvcc_queries.ts";
import { goSort } from "./go_sort.ts";

/** The span of keys for `key` and an optional `range_end` (`"\0"` means "to the end"). */
export function keySpan(key: Uint8Array, rangeEnd: Uint8Array | undefined): KeySpan {
  if (rangeEnd === undefined || rangeEnd.length === 0) return { kind: "single", key };
  if (rangeEnd.length === 1 && rangeEnd[0] === 0) return { kind: "from", key };
  return { kind: "bounded", key, end: rangeEnd };
}

/** How many rows to fetch for a request: 0 means all. */
export function fetchLimit(req: RangeRequest): number {
  const sorted = (req.sort_order ?? SortOrder.NONE) !== SortOrder.NONE;
  const filtered = (req.min_mod_revision ?? 0) !== 0 || (req.max_mod_revision ?? 0) !== 0 ||
    (req.min_create_revision ?? 0) !== 0 || (req.max_create_revision ?? 0) !== 0;
  if (sorted || filtered) return 0;
  const limit = req.limit ?? 0;
  // One extra row tells whether there are more.
  return limit > 0 ? limit + 1 : 0;
}

/** Drops rows outside the request's min/max mod/create revision bounds (a bound of 0 is unset). */
export function applyFilters(req: RangeRequest, kvs: KeyValue[]): KeyValue[] {
  return kvs.filter(revisionFilter(req));
}

/** The request's min/max mod/create revision bounds as a test of one row (a bound of 0 is unset). */
export function revisionFilter(req: RangeRequest): (kv: KeyValue) => boolean {
  const maxMod = req.max_mod_revision ?? 0;
  const minMod = req.min_mod_revision ?? 0;
  const maxCreate = req.max_create_revision ?? 0;
  const minCreate = req.min_create_revision ?? 0;
  return (kv) =>
    !(maxMod !== 0 && kv.mod_revision > maxMod) &&
    !(minMod !== 0 && kv.mod_revision < minMod) &&
    !(maxCreate !== 0 && kv.create_revision > maxCreate) &&
    !(minCreate !== 0 && kv.create_revision < minCreate);
}

/** Compares byte strings as Go's bytes.Compare (and SQLite's BLOB order): lexicographic, shorter first. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

function comparator(target: SortTarget): (a: KeyValue, b: KeyValue) => number {
  switch (target) {
    case SortTarget.KEY:
      return (a, b) => compareBytes(a.key, b.key);
    case SortTarget.VERSION:
      return (a, b) => a.version - b.version;
    case SortTarget.CREATE:
      return (a, b) => a.create_revision - b.create_revision;
    case SortTarget.MOD:
      return (a, b) => a.mod_revision - b.mod_revision;
    case SortTarget.VALUE:
      return (a, b) => compareBytes(a.value, b.value);
  }
  throw new Error(`mvcc: unknown sort target ${target}`);
}

/**
 * Sorts fetched rows as etcd does: rows arrive in key order and go through Go's (unstable) sort, so rows
 * that tie on the target end up exactly where etcd puts them. DESCEND is Go's sort.Reverse: the same
 * algorithm with the comparison flipped, not a reversed ascending result.
 */
export function applySort(req: RangeRequest, kvs: KeyValue[]): KeyValue[] {
  const target = req.sort_target ?? SortTarget.KEY;
  let order = req.sort_order ?? SortOrder.NONE;
  if (target !== SortTarget.KEY && order === SortOrder.NONE) order = SortOrder.ASCEND;
  if (order === SortOrder.NONE) return kvs;
  const cmp = comparator(target);
  const sorted = [...kvs];
  if (order === SortOrder.ASCEND) goSort(sorted, (a, b) => cmp(a, b) < 0);
  else if (order === SortOrder.DESCEND) goSort(sorted, (a, b) => cmp(b, a) < 0);
  else throw new Error(`mvcc: unknown sort order ${order}`);
  return sorted;
}

/** Truncates to the request's limit; `more` tells whether rows were cut. */
export function applyLimit(req: RangeRequest, kvs: KeyValue[]): { kvs: KeyValue[]; more: boolean } {
  const limit = req.limit ?? 0;
  if (limit > 0 && kvs.length > limit) return { kvs: kvs.slice(0, limit), more: true };
  return { kvs, more: false };
}
