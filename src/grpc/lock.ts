/**
 * v3lockpb.Lock as etcd's lock server runs it: clientv3's mutex, on the server, over the same KV and watch
 * services the other RPCs use. Lock(name, lease) puts `name/<lease hex>` with the lease (or finds it there),
 * then waits until every key under `name/` created before it is deleted, and answers that key; the lock is
 * held while the key exists. Unlock deletes the key. A caller that goes away while waiting gets its key
 * deleted, as etcd's mutex does; the lease's expiry releases a lock whose holder vanished.
 * @module
 */
import { EtcdError, GrpcCode } from "../codec/errors.ts";
import {
  CompareResult,
  CompareTarget,
  type DeleteRangeRequest,
  EventType,
  type LockRequest,
  type LockResponse,
  type RangeRequest,
  type ResponseHeader,
  SortOrder,
  SortTarget,
  type TxnRequest,
  type UnlockRequest,
  type UnlockResponse,
  type WatchResponse,
} from "../codec/messages.ts";
import { encodeProtobuf } from "../codec/protobuf.ts";
import type { MessageKind } from "../codec/schema.ts";
import { readRequest, type RequestKind } from "../server/boundary.ts";
import type { GrpcServices } from "./types.ts";

const ENC = new TextEncoder();
/** Waits for a predecessor's deletion per Lock call: each turn waits for one key to go. */
const MAX_WAIT_TURNS = 1_000_000;

/**
 * Acquires the lock `req.name` for `req.lease`; resolves once held. Rejects if `signal` aborts first.
 * Errors come as etcd's lock server sends them: its mutex is a clientv3 client, whose errors reach grpc-go
 * as plain errors — code Unknown, etcd's text ("etcdserver: requested lease not found").
 */
export function lock(services: GrpcServices, req: LockRequest, signal?: AbortSignal): Promise<LockResponse> {
  return asClientError(acquire(services, req, signal));
}

/** Releases a lock: deletes its key. */
export function unlock(services: GrpcServices, req: UnlockRequest): Promise<UnlockResponse> {
  return asClientError(release(services, req));
}

async function asClientError<T>(result: Promise<T>): Promise<T> {
  try {
    return await result;
  } catch (error) {
    if (error instanceof EtcdError) throw new EtcdError(GrpcCode.Unknown, error.message);
    throw error;
  }
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

/** Waits until no key under `prefix` has a create revision at or below `maxCreateRevision`. */
async function waitPredecessors(
  services: GrpcServices,
  prefix: Uint8Array,
  maxCreateRevision: number,
  signal: AbortSignal | undefined,
): Promise<ResponseHeader> {
  for (let turn = 0; turn < MAX_WAIT_TURNS; turn++) {
    const last = await services.kv.range(checked<RangeRequest>("RangeRequest", {
      key: prefix,
      range_end: prefixEnd(prefix),
      sort_target: SortTarget.CREATE,
      sort_order: SortOrder.DESCEND,
      limit: 1,
      max_create_revision: maxCreateRevision,
    }));
    const predecessor = last.kvs[0];
    if (predecessor === undefined) return last.header;
    await waitDelete(services, predecessor.key, last.header.revision, signal);
  }
  throw new EtcdError(GrpcCode.ResourceExhausted, "tsetcd: lock wait gave up after too many predecessors");
}

/** Resolves when `key` is deleted at or after `revision` (a watch on the hub); rejects on abort. */
function waitDelete(services: GrpcServices, key: Uint8Array, revision: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) return reject(new EtcdError(GrpcCode.Canceled, "context canceled"));
    let settled = false;
    const settle = (error?: EtcdError): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener("abort", onAbort);
      queueMicrotask(() => stream.close());
      if (error === undefined) resolve();
      else reject(error);
    };
    const onAbort = (): void => settle(new EtcdError(GrpcCode.Canceled, "context canceled"));
    const send = (response: WatchResponse): boolean => {
      if (response.events.some((event) => event.type === EventType.DELETE)) settle();
      else if (response.canceled === true) settle(new EtcdError(GrpcCode.Unknown, "lost watcher waiting for delete"));
      return true;
    };
    const stream = services.watch.openStream(send, { onFail: () => settle(new EtcdError(GrpcCode.Unknown, "lost watcher waiting for delete")) });
    signal?.addEventListener("abort", onAbort, { once: true });
    stream.handle({ create_request: { key, start_revision: revision } });
  });
}

/**
 * A request this module makes on the client's behalf, through the request boundary like any other: the
 * complete zero-filled message, checked (an empty lock name, for one, is etcd's "key is not provided").
 */
function checked<T>(kind: RequestKind & MessageKind, value: unknown): T {
  return readRequest<T>(kind, "protobuf", encodeProtobuf(kind, value));
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** The end of the range of keys starting with `prefix` (etcd's GetPrefixRangeEnd). */
function prefixEnd(prefix: Uint8Array): Uint8Array {
  const end = Uint8Array.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i]!++;
      return end.subarray(0, i + 1);
    }
  }
  return Uint8Array.of(0); // every byte 0xff: to the end of the keyspace
}
