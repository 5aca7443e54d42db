// Pre-proposal checks, with etcd 3.4.23's messages and codes as observed through its gateway.
import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  checkDeleteRangeRequest,
  checkPutRequest,
  checkRangeRequest,
  checkTxnRequest,
  DEFAULT_MAX_TXN_OPS,
} from "../../src/mvcc/validate.ts";
import type { EtcdError } from "../../src/codec/errors.ts";
import type { RequestOp, TxnRequest } from "../../src/codec/messages.ts";

const enc = new TextEncoder();
function b(s: string): Uint8Array {
  return enc.encode(s);
}
function message(error: EtcdError | undefined): string | undefined {
  return error?.message;
}
const MAX = { maxTxnOps: DEFAULT_MAX_TXN_OPS };
const DUP = "etcdserver: duplicate key given in txn request";
const TOO_MANY = "etcdserver: too many operations in txn request";
const EMPTY_KEY = "etcdserver: key is not provided";

function put(key: string): RequestOp {
  return { request_put: { key: b(key) } };
}
function del(key: string, end?: string): RequestOp {
  return { request_delete_range: end === undefined ? { key: b(key) } : { key: b(key), range_end: b(end) } };
}
function range(key: string): RequestOp {
  return { request_range: { key: b(key) } };
}
function txn(success: RequestOp[], failure: RequestOp[] = []): RequestOp {
  return { request_txn: { success, failure } };
}
function check(success: RequestOp[], failure: RequestOp[] = []): string | undefined {
  return message(checkTxnRequest({ success, failure }, MAX));
}

test("empty keys are rejected with code InvalidArgument", () => {
  const error = checkRangeRequest({ key: new Uint8Array(0) });
  assert.is(error?.message, EMPTY_KEY);
  assert.is(error?.code, 3);
  assert.is(message(checkPutRequest({ key: new Uint8Array(0), value: b("1") })), EMPTY_KEY);
  assert.is(message(checkDeleteRangeRequest({ key: new Uint8Array(0) })), EMPTY_KEY);
  assert.is(checkRangeRequest({ key: b("a") }), undefined);
  assert.is(checkDeleteRangeRequest({ key: b("a"), range_end: b("\0") }), undefined);
});

test("ignore_value with a value, ignore_lease with a lease", () => {
  assert.is(message(checkPutRequest({ key: b("n"), value: b("1"), ignore_value: true })), "etcdserver: value is provided");
  assert.is(message(checkPutRequest({ key: b("n"), lease: 5n, ignore_lease: true })), "etcdserver: lease is provided");
  assert.is(checkPutRequest({ key: b("n"), value: new Uint8Array(0), ignore_value: true }), undefined);
  assert.is(checkPutRequest({ key: b("n"), lease: 0n, ignore_lease: true }), undefined);
  assert.is(checkPutRequest({ key: b("n"), value: b("1"), lease: 5n }), undefined);
});

test("txn: empty compare key, empty op key, empty op", () => {
  assert.is(message(checkTxnRequest({ compare: [{ key: new Uint8Array(0) }] }, MAX)), EMPTY_KEY);
  assert.is(check([{ request_put: { key: new Uint8Array(0) } }]), EMPTY_KEY);
  assert.is(check([], [{ request_range: { key: new Uint8Array(0) } }]), EMPTY_KEY);
  assert.is(check([txn([put("")])]), EMPTY_KEY);
  assert.is(check([{}]), "etcdserver: key not found");
  assert.is(check([put("a"), range("a"), del("b")]), undefined);
});

test("too many ops: the largest of compares, success, failure", () => {
  const ops = (n: number): RequestOp[] => Array.from({ length: n }, (_, i) => range(`k${i}`));
  assert.is(check(ops(128)), undefined);
  assert.is(check(ops(129)), TOO_MANY);
  assert.is(check([], ops(129)), TOO_MANY);
  const compares = Array.from({ length: 129 }, () => ({ key: b("a") }));
  assert.is(message(checkTxnRequest({ compare: compares }, MAX)), TOO_MANY);
  assert.is(message(checkTxnRequest({ success: ops(3) }, { maxTxnOps: 2 })), TOO_MANY);
});

test("too many ops: a nested txn gets what the outer one leaves", () => {
  // Observed on etcd: 98 ranges + a nested txn of 29 pass; of 30 fail; 127 + nested 1 fails.
  const ops = (n: number, p: string): RequestOp[] => Array.from({ length: n }, (_, i) => range(`${p}${i}`));
  assert.is(check([...ops(98, "k"), txn(ops(29, "x"))]), undefined);
  assert.is(check([...ops(98, "k"), txn(ops(30, "x"))]), TOO_MANY);
  assert.is(check([...ops(127, "k"), txn(ops(1, "x"))]), TOO_MANY);
  assert.is(check([...ops(127, "k"), txn([])]), undefined);
});

test("duplicate keys at one level", () => {
  assert.is(check([put("b"), put("b")]), DUP);
  assert.is(check([put("b"), del("a", "c")]), DUP);
  assert.is(check([del("b"), put("b")]), DUP);
  assert.is(check([put("b"), del("b")]), DUP);
  assert.is(check([put("b"), del("c", "d")]), undefined);
  assert.is(check([put("b"), del("a", "b")]), undefined);
  assert.is(check([del("a", "c"), del("b")]), undefined, "deletes may overlap each other");
  assert.is(check([put("b"), range("b")]), undefined, "reads are no writes");
  assert.is(check([put("a")], [put("a")]), undefined, "branches are checked apart");
});

test('a from-key delete (range_end "\\0") does not conflict with puts, as in etcd 3.4', () => {
  assert.is(check([put("b"), del("a", "\0")]), undefined);
});

test("duplicate keys across nested txns", () => {
  assert.is(check([put("b"), txn([put("b")])]), DUP);
  assert.is(check([txn([put("b")]), put("b")]), DUP);
  assert.is(check([del("b"), txn([put("b")])]), DUP);
  assert.is(check([txn([del("a", "c")]), put("b")]), DUP);
  assert.is(check([txn([put("b")]), txn([put("b")])]), DUP);
  assert.is(check([txn([put("b")], [put("b")])]), undefined, "then and else are exclusive");
  assert.is(check([txn([put("b")]), txn([], [put("b")])]), DUP);
  assert.is(check([txn([], [put("b")]), txn([put("b")])]), DUP);
  assert.is(check([txn([del("b")]), txn([put("b")])]), DUP);
  // Observed on etcd: a put in one nested txn then a delete in a later one is accepted.
  assert.is(check([txn([put("b")]), txn([del("b")])]), undefined);
  assert.is(check([txn([txn([put("b")])]), put("b")]), DUP);
});

test("keys compare as bytes, not text", () => {
  const high = { request_put: { key: new Uint8Array([0xc3, 0xa9]) } };
  const other = { request_put: { key: new Uint8Array([0xc3, 0xa8]) } };
  assert.is(checkTxnRequest({ success: [high, other] }, MAX), undefined);
  assert.is(message(checkTxnRequest({ success: [high, high] }, MAX)), DUP);
});

test("each nesting level spends the op budget: 127 levels pass, 129 do not", () => {
  const nest = (levels: number): TxnRequest => {
    let req: TxnRequest = { success: [put("a")] };
    for (let i = 0; i < levels; i++) req = { success: [{ request_txn: req }] };
    return req;
  };
  assert.is(checkTxnRequest(nest(127), MAX), undefined);
  assert.is(message(checkTxnRequest(nest(129), MAX)), TOO_MANY);
  assert.is(message(checkTxnRequest(nest(100_000), { maxTxnOps: 1_000_000 })), TOO_MANY, "no stack overflow");
});

test.run();
