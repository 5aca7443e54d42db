/**
 * The pieces of clientv3's concurrency recipes (mutex, election) that etcd's lock and election servers run
 * on the server: waiting for the deletion of earlier keys under a prefix, through the same KV and watch
 * services as every other RPC, and the internal requests' passage through the request boundary.
 * @module
 */
import { EtcdError, GrpcCode } from "../codec/errors.ts";
import { EventType, type RangeRequest, type ResponseHeader, SortOrder, SortTarget, type WatchResponse } from "../codec/messages.ts";
import { encodeProtobuf } from "../codec/protobuf.ts";
import type { MessageKind } from "../codec/schema.ts";
import { readRequest, type RequestKind } from "../server/boundary.ts";
import type { GrpcServices } from "./types.ts";

/** Waits for a predecessor's deletion per call: each turn waits for one key to go. */
const MAX_WAIT_TURNS = 1_000_000;

/**
 * Errors as etcd's lock and election servers send them: their recipes run a clientv3 client, whose errors
 * reach grpc-go as plain errors — code Unknown, etcd's text ("etcdserver: requested lease not found").
 */
export async function asClientError<T>(result: Promise<T>): Promise<T> {
  try {
    return await result;
  } catch (error) {
    if (error instanceof EtcdError) throw new EtcdError(GrpcCode.Unknown, error.message);
    throw error;
  }
}

/** Waits until no key under `prefix` has a create revision at or below `maxCreateRevision` (waitDeletes). */
export async function waitPredecessors(
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
export function checked<T>(kind: RequestKind & MessageKind, value: unknown): T {
  return readRequest<T>(kind, "protobuf", encodeProtobuf(kind, value));
}

export function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** The end of the range of keys starting with `prefix` (etcd's GetPrefixRangeEnd). */
export function prefixEnd(prefix: Uint8Array): Uint8Array {
  const end = Uint8Array.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i]!++;
      return end.subarray(0, i + 1);
    }
  }
  return Uint8Array.of(0); // every byte 0xff: to the end of the keyspace
}
