/**
 * Txn compares, as etcd evaluates them (etcdserver/apply.go): a compare over a range holds when every key
 * in the range satisfies it; a compare on no key at all is made against a zero key-value (version,
 * create, mod and lease 0) — except a VALUE compare, which always fails on missing keys.
 * @module
 */
import type { Compare, KeyValue } from "../codec/messages.ts";
import { CompareResult, CompareTarget } from "../codec/messages.ts";
import { compareBytes } from "./range_rules.ts";

function sign(a: number | bigint, b: number | bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Three-way comparison of a key-value's target field against the compare's operand. */
function targetOrder(compare: Compare, kv: KeyValue | undefined): number {
  const target = compare.target ?? CompareTarget.VERSION;
  switch (target) {
    case CompareTarget.VERSION:
      return sign(kv?.version ?? 0, compare.version ?? 0);
    case CompareTarget.CREATE:
      return sign(kv?.create_revision ?? 0, compare.create_revision ?? 0);
    case CompareTarget.MOD:
      return sign(kv?.mod_revision ?? 0, compare.mod_revision ?? 0);
    case CompareTarget.VALUE:
      return compareBytes(kv?.value ?? new Uint8Array(0), compare.value ?? new Uint8Array(0));
    case CompareTarget.LEASE:
      return sign(kv?.lease ?? 0n, compare.lease ?? 0n);
  }
  // etcd 3.4 leaves the comparison at 0 for a target it does not know (EQUAL holds, the others fail).
  return 0;
}

/** Whether one key-value (undefined: the zero key-value) satisfies a compare. */
export function compareKv(compare: Compare, kv: KeyValue | undefined): boolean {
  const order = targetOrder(compare, kv);
  const result = compare.result ?? CompareResult.EQUAL;
  switch (result) {
    case CompareResult.EQUAL:
      return order === 0;
    case CompareResult.NOT_EQUAL:
      return order !== 0;
    case CompareResult.GREATER:
      return order > 0;
    case CompareResult.LESS:
      return order < 0;
  }
  // etcd treats an unknown result as satisfied.
  return true;
}

/** Whether a compare holds over the key-values currently in its range. */
export function compareHolds(compare: Compare, kvs: KeyValue[]): boolean {
  if (kvs.length === 0) {
    // A missing value cannot be told apart from an empty one in etcd's API, so it never compares.
    if ((compare.target ?? CompareTarget.VERSION) === CompareTarget.VALUE) return false;
    return compareKv(compare, undefined);
  }
  return kvs.every((kv) => compareKv(compare, kv));
}
