/**
 * Which keys a request touches and what it needs on them, as etcd's auth store decides it: a range needs
 * READ on its range; a put WRITE on its key, READ too with prev_kv, and WRITE on every key already on the
 * lease it attaches; a delete WRITE on its range (READ too with prev_kv); a txn READ on every compare and
 * what each op of each branch needs, nested txns included; a lease revoke WRITE on every attached key; a
 * watch READ on its range. Admin calls need the root role. The same checks run at the door (the service
 * layer every front-end calls) and again at apply, against the auth state as the entry meets it.
 * @module
 */
import type { Compare, DeleteRangeRequest, PutRequest, RangeRequest, RequestOp, TxnRequest } from "../codec/messages.ts";
import { AuthErrors } from "./errors.ts";
import { covers, intervalOf, type KeyInterval } from "./perms.ts";
import type { AuthStore } from "./store.ts";

/** Who a request runs as: the user and the auth revision its credentials were checked at. */
export interface AuthInfo {
  user: string;
  revision: number;
}

/** The keys attached to a lease (empty when there is no such lease). */
export type LeaseKeys = (id: bigint) => Uint8Array[];

/** Bound on a txn's nesting walk; the request boundary bounds it far lower (each level spends an op). */
const MAX_TXN_DEPTH = 256;
const EMPTY = new Uint8Array(0);

/**
 * etcd's isOpPermitted preamble: auth off allows all; else the user must be named, its credentials as new
 * as the auth state, and known. Returns true for the root role (no key checks), false for another user.
 */
export function authorize(store: AuthStore, info: AuthInfo | undefined): boolean {
  if (!store.enabled) return true;
  if (info === undefined || info.user === "") throw AuthErrors.userEmpty();
  if (info.revision < store.revision) throw AuthErrors.authOldRevision();
  if (store.user(info.user) === undefined) throw AuthErrors.permissionDenied();
  return store.isRoot(info.user);
}

/** Root only (etcd's IsAdminPermitted); `denied` is the error a non-root user gets. */
export function checkAdmin(store: AuthStore, info: AuthInfo | undefined, denied = AuthErrors.permissionDenied): void {
  if (!authorize(store, info)) throw denied();
}

/** Checks keys for one user, given that `authorize` passed and the user is not root. */
class KeyChecker {
  readonly #read: readonly KeyInterval[];
  readonly #write: readonly KeyInterval[];
  readonly #leaseKeys: LeaseKeys;

  constructor(store: AuthStore, user: string, leaseKeys: LeaseKeys) {
    const perms = store.permsOf(user);
    this.#read = perms.read;
    this.#write = perms.write;
    this.#leaseKeys = leaseKeys;
  }

  read(key: Uint8Array, rangeEnd: Uint8Array = EMPTY): void {
    if (!covers(this.#read, intervalOf(key, rangeEnd))) throw AuthErrors.permissionDenied();
  }

  write(key: Uint8Array, rangeEnd: Uint8Array = EMPTY): void {
    if (!covers(this.#write, intervalOf(key, rangeEnd))) throw AuthErrors.permissionDenied();
  }

  lease(id: bigint | undefined): void {
    if (id === undefined || id === 0n) return;
    for (const key of this.#leaseKeys(id)) this.write(key);
  }

  range(req: RangeRequest): void {
    this.read(req.key ?? EMPTY, req.range_end ?? EMPTY);
  }

  put(req: PutRequest): void {
    const key = req.key ?? EMPTY;
    this.write(key);
    if (req.prev_kv === true) this.read(key);
    this.lease(req.lease);
  }

  deleteRange(req: DeleteRangeRequest): void {
    this.write(req.key ?? EMPTY, req.range_end ?? EMPTY);
    if (req.prev_kv === true) this.read(req.key ?? EMPTY, req.range_end ?? EMPTY);
  }

  txn(req: TxnRequest, depth: number): void {
    if (depth > MAX_TXN_DEPTH) throw AuthErrors.permissionDenied();
    for (const compare of req.compare ?? []) this.compare(compare);
    for (const op of [...(req.success ?? []), ...(req.failure ?? [])]) this.op(op, depth);
  }

  compare(compare: Compare): void {
    this.read(compare.key ?? EMPTY, compare.range_end ?? EMPTY);
  }

  op(op: RequestOp, depth: number): void {
    if (op.request_range !== undefined) this.range(op.request_range);
    else if (op.request_put !== undefined) this.put(op.request_put);
    else if (op.request_delete_range !== undefined) this.deleteRange(op.request_delete_range);
    else if (op.request_txn !== undefined) this.txn(op.request_txn, depth + 1);
  }
}

/** What one checked request is: its kind and message (kinds without key checks pass through). */
export type CheckedRequest =
  | { kind: "range"; req: RangeRequest }
  | { kind: "put"; req: PutRequest }
  | { kind: "deleteRange"; req: DeleteRangeRequest }
  | { kind: "txn"; req: TxnRequest }
  | { kind: "leaseRevoke"; id: bigint }
  | { kind: "watch"; key: Uint8Array; rangeEnd: Uint8Array };

/** Throws etcd's error unless `info` may do `request`. */
export function checkRequestAccess(
  store: AuthStore,
  info: AuthInfo | undefined,
  request: CheckedRequest,
  leaseKeys: LeaseKeys,
): void {
  if (authorize(store, info)) return;
  const keys = new KeyChecker(store, info!.user, leaseKeys);
  switch (request.kind) {
    case "range":
      return keys.range(request.req);
    case "put":
      return keys.put(request.req);
    case "deleteRange":
      return keys.deleteRange(request.req);
    case "txn":
      return keys.txn(request.req, 0);
    case "leaseRevoke":
      return keys.lease(request.id);
    case "watch":
      return keys.read(request.key, request.rangeEnd);
  }
}
