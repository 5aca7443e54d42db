/**
 * v3lockpb.Lock as etcd's lock server runs it: clientv3's mutex, on the server, over the same KV and watch
 * services the other RPCs use. Lock(name, lease) puts `name/<lease hex>` with the lease (or finds it there),
 * then waits until every key under `name/` created before it is deleted, and answers that key; the lock is
 * held while the key exists. Unlock deletes the key. A caller that goes away while waiting gets its key
 * deleted, as etcd's mutex does; the lease's expiry releases a lock whose holder vanished.
 * @module
 */
import {
  CompareResult,
  CompareTarget,
  type DeleteRangeRequest,
  type LockRequest,
  type LockResponse,
  SortOrder,
  SortTarget,
  type TxnRequest,
  type UnlockRequest,
  type UnlockResponse,
} from "../codec/messages.ts";
import { asClientError, checked, concat, prefixEnd, waitPredecessors } from "./mutex.ts";
import type { GrpcServices } from "./types.ts";

const ENC = new TextEncoder();

/** Acquires the lock `req.name` for `req.lease`; resolves once held. Rejects if `signal` aborts first. */
export function lock(services: GrpcServices, req: LockRequest, signal?: AbortSignal): Promise<LockResponse> {
  return asClientError(acquire(services, req, signal));
}

/** Releases a lock: deletes its key. */
export function unlock(services: GrpcServices, req: UnlockRequest): Promise<UnlockResponse> {
  return asClientError(release(services, req));
}

async function acquire(services: GrpcServices, req: LockRequest, signal?: AbortSignal): Promise<LockResponse> {
  const prefix = concat(req.name, ENC.encode("/"));
  const key = concat(prefix, ENC.encode(req.lease.toString(16)));
  const range = { key: prefix, range_end: prefixEnd(prefix), sort_target: SortTarget.CREATE, limit: 1 };
  const txn = await services.kv.txn(checked<TxnRequest>("TxnRequest", {
    compare: [{ result: CompareResult.EQUAL, target: CompareTarget.CREATE, key, create_revision: 0 }],
    success: [
      { request_put: { key, value: new Uint8Array(0), lease: req.lease } },
      { request_range: { ...range, sort_order: SortOrder.ASCEND } },
    ],
    failure: [{ request_range: { key } }, { request_range: { ...range, sort_order: SortOrder.ASCEND } }],
  }));
  const myRevision = txn.succeeded
    ? txn.header.revision
    : (txn.responses[0]!.response_range!.kvs[0]!.create_revision);
  const owner = txn.responses[1]!.response_range!.kvs[0];
  if (owner === undefined || owner.create_revision === myRevision) return { header: txn.header, key };
  try {
    const header = await waitPredecessors(services, prefix, myRevision - 1, signal);
    return { header, key };
  } catch (error) {
    // As etcd's mutex: a wait that failed or was given up releases the key it put.
    await services.kv.deleteRange(checked<DeleteRangeRequest>("DeleteRangeRequest", { key })).catch(() => {});
    throw error;
  }
}

async function release(services: GrpcServices, req: UnlockRequest): Promise<UnlockResponse> {
  const response = await services.kv.deleteRange(checked<DeleteRangeRequest>("DeleteRangeRequest", { key: req.key }));
  return { header: response.header };
}
