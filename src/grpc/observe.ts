/**
 * v3electionpb.Election/Observe: a server stream of an election's leader, as etcd 3.4's election server
 * runs clientv3's Election.Observe. Read the first-created key under `name/` and send it; with none, watch
 * the prefix from that revision for the first put. Then follow that key: every put on it is sent (a
 * proclaim); its deletion starts over with the next leader. Every watch goes through the same watch hub
 * as the Watch stream and is closed when the client cancels or goes away.
 * @module
 */
import { GrpcCode } from "../codec/errors.ts";
import {
  EventType,
  type KeyValue,
  type LeaderRequest,
  type LeaderResponse,
  type RangeRequest,
  type ResponseHeader,
  SortOrder,
  SortTarget,
  type WatchRequest,
  type WatchResponse,
} from "../codec/messages.ts";
import { encodeProtobuf } from "../codec/protobuf.ts";
import type { BoundaryLimits } from "../server/boundary.ts";
import { drained, type GrpcCall, readGrpcRequest } from "./call.ts";
import { checked, concat, prefixEnd } from "./mutex.ts";
import type { GrpcServices } from "./types.ts";
import { firstMessage } from "./unary.ts";

const ENC = new TextEncoder();
/** Leaders followed per stream: each turn follows one leader key until its deletion. */
const MAX_LEADER_TURNS = 1_000_000;
/** Watch answers queued and not yet sent: a client far behind loses its stream. */
const MAX_QUEUED_RESPONSES = 10_000;
/** A client that reads nothing for this long while our buffer is full loses its stream. */
const STALL_MS = 60_000;

/**
 * Serves one Observe call: after the LeaderRequest, a LeaderResponse per leader change until the client
 * cancels. A failure of the recipe ends the stream with OK, as etcd's server does when Observe's channel
 * closes.
 */
export function serveObserve(call: GrpcCall, services: GrpcServices, limits: Required<BoundaryLimits>): void {
  firstMessage(call, limits.maxMessageBytes, (message) => {
    let request: LeaderRequest;
    try {
      request = readGrpcRequest<LeaderRequest>("LeaderRequest", message, { limits });
    } catch (error) {
      call.fail(error);
      return;
    }
    const stop = new AbortController();
    call.stream.on("close", () => stop.abort());
    const emit = async (response: LeaderResponse): Promise<void> => {
      if (!call.send(encodeProtobuf("LeaderResponse", response)) && !(await drained(call, STALL_MS))) {
        call.finish(GrpcCode.DeadlineExceeded, "election observe: the client stopped reading");
        stop.abort();
      }
    };
    void observe(services, request.name, stop.signal, emit)
      .catch(() => {})
      .finally(() => {
        stop.abort();
        call.finish(GrpcCode.OK);
      });
  });
}

/** Sends the leader of `name` and each change of it until `signal` aborts (or a watch is lost). */
export async function observe(
  services: GrpcServices,
  name: Uint8Array,
  signal: AbortSignal,
  emit: (response: LeaderResponse) => Promise<void>,
): Promise<void> {
  const prefix = concat(name, ENC.encode("/"));
  for (let turn = 0; turn < MAX_LEADER_TURNS && !signal.aborted; turn++) {
    const range = await services.kv.range(checked<RangeRequest>("RangeRequest", {
      key: prefix,
      range_end: prefixEnd(prefix),
      sort_target: SortTarget.CREATE,
      sort_order: SortOrder.ASCEND,
      limit: 1,
    }));
    let current: LeaderResponse | undefined = range.kvs[0] === undefined ? undefined : { header: range.header, kv: range.kvs[0] };
    if (current === undefined) {
      current = await firstPut(services, prefix, range.header.revision, signal);
      if (current === undefined) return;
    }
    if (signal.aborted) return;
    await emit(current);
    if (!(await followUntilDeleted(services, current.kv, current.header.revision + 1, signal, emit))) return;
  }
}

/** The first put under `prefix` at or after `revision`, its header's revision set to the put's (as the recipe). */
async function firstPut(services: GrpcServices, prefix: Uint8Array, revision: number, signal: AbortSignal): Promise<LeaderResponse | undefined> {
  const watcher = openWatcher(services, { key: prefix, range_end: prefixEnd(prefix), start_revision: revision }, signal);
  try {
    // Bounded by the client: each turn takes one batch, and the watcher ends on abort or loss.
    for (;;) {
      const batch = await watcher.next();
      if (batch === undefined) return undefined;
      const put = batch.events.find((event) => event.type === EventType.PUT);
      if (put?.kv !== undefined) return { header: { ...batch.header, revision: put.kv.mod_revision }, kv: put.kv };
    }
  } finally {
    watcher.close();
  }
}

/** Sends each put on `leader`'s key from `revision`; true once the key is deleted, false if the watch ended. */
async function followUntilDeleted(
  services: GrpcServices,
  leader: KeyValue,
  revision: number,
  signal: AbortSignal,
  emit: (response: LeaderResponse) => Promise<void>,
): Promise<boolean> {
  const watcher = openWatcher(services, { key: leader.key, start_revision: revision }, signal);
  try {
    for (;;) {
      const batch = await watcher.next();
      if (batch === undefined) return false;
      for (const event of batch.events) {
        if (event.type === EventType.DELETE) return true;
        if (event.kv === undefined || signal.aborted) continue;
        await emit({ header: batch.header, kv: event.kv });
      }
    }
  } finally {
    watcher.close();
  }
}

interface Watcher {
  /** The next batch of events; undefined once the watch is canceled, lost, or `signal` aborted. */
  next(): Promise<{ header: ResponseHeader; events: WatchResponse["events"] } | undefined>;
  close(): void;
}

/** One watch on the hub, read as a queue of event batches (bounded by MAX_QUEUED_RESPONSES). */
function openWatcher(services: GrpcServices, create: NonNullable<WatchRequest["create_request"]>, signal: AbortSignal): Watcher {
  const queue: WatchResponse[] = [];
  let ended = false;
  let wake: (() => void) | undefined;
  const end = (): void => {
    ended = true;
    wake?.();
  };
  const send = (response: WatchResponse): boolean => {
    if (response.canceled === true || queue.length >= MAX_QUEUED_RESPONSES) end();
    else if (response.events.length > 0) queue.push(response);
    wake?.();
    return true;
  };
  const stream = services.watch.openStream(send, { onFail: end });
  signal.addEventListener("abort", end, { once: true });
  stream.handle({ create_request: create });
  let closed = false;
  return {
    async next() {
      while (queue.length === 0 && !ended) {
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
      if (ended) return undefined;
      const response = queue.shift()!;
      return { header: response.header, events: response.events };
    },
    close() {
      if (closed) return;
      closed = true;
      signal.removeEventListener("abort", end);
      queueMicrotask(() => stream.close());
    },
  };
}
