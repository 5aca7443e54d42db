/**
 * Checks done on a request before it is proposed, as etcd's v3rpc layer does them (api/v3rpc/key.go):
 * empty keys, ignore_value/ignore_lease conflicts, too many txn ops, and duplicate keys in a txn.
 * Pure functions: they return the error, they never throw it.
 * @module
 */
import type { DeleteRangeRequest, PutRequest, RangeRequest, RequestOp, TxnRequest } from "../codec/messages.ts";
import { type EtcdError, Errors } from "../codec/errors.ts";
import { compareBytes } from "./range_rules.ts";

/** etcd's default for --max-txn-ops. */
export const DEFAULT_MAX_TXN_OPS = 128;

/**
 * Bound on txn nesting, so a hostile request cannot exhaust the stack. The op budget already bounds the
 * depth (each level spends at least one op), so only an absurd --max-txn-ops can reach this.
 */
const MAX_TXN_DEPTH = 4_096;

/** A range request needs a key. */
export function checkRangeRequest(req: RangeRequest): EtcdError | undefined {
  if (req.key.length === 0) return Errors.emptyKey();
  return undefined;
}

/** A put needs a key; ignore_value excludes a value and ignore_lease a lease. */
export function checkPutRequest(req: PutRequest): EtcdError | undefined {
  if (req.key.length === 0) return Errors.emptyKey();
  if (req.ignore_value === true && (req.value?.length ?? 0) !== 0) return Errors.valueProvided();
  if (req.ignore_lease === true && (req.lease ?? 0n) !== 0n) return Errors.leaseProvided();
  return undefined;
}

/** A delete needs a key. */
export function checkDeleteRangeRequest(req: DeleteRangeRequest): EtcdError | undefined {
  if (req.key.length === 0) return Errors.emptyKey();
  return undefined;
}

/**
 * A txn: op counts (the largest of compares, success ops, failure ops, against `maxTxnOps`; a nested txn
 * gets what is left of the budget), keys of compares and ops, then duplicate keys among writes.
 */
export function checkTxnRequest(req: TxnRequest, options: { maxTxnOps: number }): EtcdError | undefined {
  const error = checkTxnShape(req, options.maxTxnOps, 0);
  if (error !== undefined) return error;
  // Overlaps are checked after the shape, as etcd does, so a huge request fails cheaply first.
  const success = checkIntervals(req.success ?? [], 0);
  if (success instanceof Error) return success;
  const failure = checkIntervals(req.failure ?? [], 0);
  if (failure instanceof Error) return failure;
  return undefined;
}

function checkTxnShape(req: TxnRequest, maxTxnOps: number, depth: number): EtcdError | undefined {
  if (depth > MAX_TXN_DEPTH) return Errors.tooManyOps();
  const compares = req.compare ?? [];
  const success = req.success ?? [];
  const failure = req.failure ?? [];
  const opCount = Math.max(compares.length, success.length, failure.length);
  if (opCount > maxTxnOps) return Errors.tooManyOps();
  for (const compare of compares) {
    if (compare.key.length === 0) return Errors.emptyKey();
  }
  for (const op of [...success, ...failure]) {
    const error = checkRequestOp(op, maxTxnOps - opCount, depth);
    if (error !== undefined) return error;
  }
  return undefined;
}

function checkRequestOp(op: RequestOp, maxTxnOps: number, depth: number): EtcdError | undefined {
  if (op.request_range !== undefined) return checkRangeRequest(op.request_range);
  if (op.request_put !== undefined) return checkPutRequest(op.request_put);
  if (op.request_delete_range !== undefined) return checkDeleteRangeRequest(op.request_delete_range);
  if (op.request_txn !== undefined) return checkTxnShape(op.request_txn, maxTxnOps, depth + 1);
  // An op with nothing set: etcd answers "key not found".
  return Errors.keyNotFound();
}

// ---- duplicate keys ----
//
// etcd compares interval ends as "affine" strings: an empty end is +infinity, any other end (including
// "\0") is an ordinary string. So a delete with range_end "\0" is the empty interval ["k", "\0") here and
// conflicts with nothing — a quirk of etcd 3.4 kept on purpose. A delete of one key is [k, k+"\0").

interface Interval {
  begin: Uint8Array;
  /** Exclusive; length 0 means +infinity. */
  end: Uint8Array;
}

function affineCompare(a: Uint8Array, b: Uint8Array): number {
  if (a.length === 0) return b.length === 0 ? 0 : 1;
  if (b.length === 0) return -1;
  return compareBytes(a, b);
}

function pointInterval(key: Uint8Array): Interval {
  const end = new Uint8Array(key.length + 1);
  end.set(key);
  return { begin: key, end };
}

/** etcd's interval comparison: 0 when they overlap. */
function intervalsOverlap(a: Interval, b: Interval): boolean {
  const beginVsBegin = affineCompare(a.begin, b.begin);
  const endVsBegin = affineCompare(a.end, b.begin);
  if (beginVsBegin < 0 && endVsBegin <= 0) return false;
  if (affineCompare(a.begin, b.end) >= 0) return false;
  return true;
}

function intersectsAny(dels: Interval[], key: Uint8Array): boolean {
  const point = pointInterval(key);
  return dels.some((del) => intervalsOverlap(point, del));
}

function keyString(key: Uint8Array): string {
  // latin1 maps bytes 1:1 to chars, so distinct keys stay distinct.
  let s = "";
  for (const byte of key) s += String.fromCharCode(byte);
  return s;
}

interface Writes {
  puts: Map<string, Uint8Array>;
  dels: Interval[];
}

/**
 * Puts and deletes of one list of ops (and its nested txns). Two puts of a key, or a put inside a
 * delete's range, is a duplicate — except a key put in both branches of one nested txn, which are
 * exclusive.
 */
function checkIntervals(ops: RequestOp[], depth: number): Writes | EtcdError {
  if (depth > MAX_TXN_DEPTH) return Errors.tooManyOps();
  const dels: Interval[] = [];
  for (const op of ops) {
    const del = op.request_delete_range;
    if (del === undefined) continue;
    const rangeEnd = del.range_end ?? new Uint8Array(0);
    dels.push(rangeEnd.length !== 0 ? { begin: del.key, end: rangeEnd } : pointInterval(del.key));
  }
  const puts = new Map<string, Uint8Array>();
  for (const op of ops) {
    const txn = op.request_txn;
    if (txn === undefined) continue;
    const then = checkIntervals(txn.success ?? [], depth + 1);
    if (then instanceof Error) return then;
    const otherwise = checkIntervals(txn.failure ?? [], depth + 1);
    if (otherwise instanceof Error) return otherwise;
    for (const [name, key] of then.puts) {
      if (puts.has(name) || intersectsAny(dels, key)) return Errors.duplicateKey();
      puts.set(name, key);
    }
    for (const [name, key] of otherwise.puts) {
      if (puts.has(name) && !then.puts.has(name)) return Errors.duplicateKey();
      if (intersectsAny(dels, key)) return Errors.duplicateKey();
      puts.set(name, key);
    }
    dels.push(...then.dels, ...otherwise.dels);
  }
  for (const op of ops) {
    const put = op.request_put;
    if (put === undefined) continue;
    const name = keyString(put.key);
    if (puts.has(name) || intersectsAny(dels, put.key)) return Errors.duplicateKey();
    puts.set(name, put.key);
  }
  return { puts, dels };
}
