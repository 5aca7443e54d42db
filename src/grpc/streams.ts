/**
 * The streaming calls: Watch and LeaseKeepAlive (bidirectional) and Maintenance.Snapshot (server stream).
 * Each decodes every client message through the request boundary, drives the same service the gateway's
 * stream routes drive (src/api/watch_route.ts, lease_routes.ts, snapshot_route.ts), and encodes the answers.
 * @module
 */
import { callerOfStream, withCaller } from "../auth/context.ts";
import { EtcdError, GrpcCode } from "../codec/errors.ts";
import type { LeaseKeepAliveRequest, WatchRequest, WatchResponse } from "../codec/messages.ts";
import { encodeProtobuf } from "../codec/protobuf.ts";
import type { BoundaryLimits } from "../server/boundary.ts";
import type { SnapshotCopy } from "../server/snapshot_export.ts";
import { drained, GrpcCall, readGrpcRequest } from "./call.ts";
import { MessageReader } from "./framing.ts";
import type { GrpcServices } from "./routes.ts";
import { firstMessage } from "./unary.ts";

/** Keep-alive requests waiting for their answer on one stream; a client far ahead of us is refused. */
const MAX_PENDING_KEEPALIVES = 1_000;
/** A client that reads no snapshot chunk for this long loses its stream (and the copy is released). */
const SNAPSHOT_STALL_MS = 60_000;

/** Calls `onMessage` for every message the client sends; a bad frame ends the call. */
function eachMessage(call: GrpcCall, maxMessageBytes: number, onMessage: (message: Uint8Array) => void): void {
  const reader = new MessageReader({ maxMessageBytes });
  call.stream.on("data", (chunk: Uint8Array) => {
    if (call.done) return;
    let messages: Uint8Array[];
    try {
      messages = reader.push(chunk);
    } catch (error) {
      call.fail(error);
      return;
    }
    for (const message of messages) {
      if (call.done) return;
      onMessage(message);
    }
  });
}

/**
 * etcd's Watch: many watchers per stream; create, cancel and progress requests; the stream lives until
 * the client resets it (its half-close does not end it, as in etcd). Backpressure: the hub pauses the
 * stream while HTTP/2's buffer is full and resumes on 'drain'.
 */
export function serveWatch(call: GrpcCall, services: GrpcServices, limits: Required<BoundaryLimits>): void {
  const send = (response: WatchResponse): boolean => call.send(encodeProtobuf("WatchResponse", response));
  const watch = services.watch.openStream(send, {
    onFail: () =>
      queueMicrotask(() => {
        watch.close();
        call.finish(GrpcCode.ResourceExhausted, "etcdserver: watch stream fell too far behind");
      }),
  });
  call.stream.on("drain", () => watch.resume());
  call.stream.on("close", () => watch.close());
  eachMessage(call, limits.maxMessageBytes, (message) => {
    let request: WatchRequest;
    try {
      request = readGrpcRequest<WatchRequest>("WatchRequest", message, { limits, streaming: true });
    } catch (error) {
      watch.close();
      call.fail(error);
      return;
    }
    // A request with nothing set is ignored, as etcd's recvLoop ignores it.
    const empty = request.create_request === undefined && request.cancel_request === undefined &&
      request.progress_request === undefined;
    if (!empty) watch.handle(request);
  });
}

/**
 * etcd's LeaseKeepAlive: one answer per request, in order (TTL 0 for a lease that is gone); the client's
 * half-close ends the call with OK once every answer is out; any other error ends it with that error.
 */
export function serveKeepAlive(call: GrpcCall, services: GrpcServices, limits: Required<BoundaryLimits>): void {
  let chain: Promise<void> = Promise.resolve();
  let pending = 0;
  const answer = async (id: bigint): Promise<void> => {
    try {
      const response = await services.lease.keepAlive(id);
      call.send(encodeProtobuf("LeaseKeepAliveResponse", response));
    } catch (error) {
      call.fail(error);
    } finally {
      pending--;
    }
  };
  eachMessage(call, limits.maxMessageBytes, (message) => {
    let request: LeaseKeepAliveRequest;
    try {
      request = readGrpcRequest<LeaseKeepAliveRequest>("LeaseKeepAliveRequest", message, { limits, streaming: true });
    } catch (error) {
      call.fail(error);
      return;
    }
    if (pending >= MAX_PENDING_KEEPALIVES) {
      call.fail(new EtcdError(GrpcCode.ResourceExhausted, "etcdserver: too many requests"));
      return;
    }
    pending++;
    chain = chain.then(() => answer(request.ID));
  });
  call.stream.on("end", () => {
    void chain.then(() => call.finish(GrpcCode.OK));
  });
}

/**
 * Maintenance.Snapshot: after the (empty) request, the member's state as etcd streams it — 32 KiB blobs
 * with the bytes still to come, then the SHA-256 — one chunk in memory at a time. The copy is released
 * when the stream ends, the client goes away, or it stops reading for SNAPSHOT_STALL_MS.
 */
export function serveSnapshot(call: GrpcCall, services: GrpcServices, limits: Required<BoundaryLimits>): void {
  firstMessage(call, limits.maxMessageBytes, (message) => {
    void (async () => {
      let copy: SnapshotCopy;
      try {
        readGrpcRequest("SnapshotRequest", message, { limits });
        copy = await withCaller(callerOfStream(call.stream), () => services.snapshots.open());
      } catch (error) {
        call.fail(error);
        return;
      }
      call.stream.on("close", () => copy.close());
      try {
        await streamCopy(call, copy);
      } catch (error) {
        call.fail(error);
      } finally {
        copy.close();
      }
    })();
  });
}

async function streamCopy(call: GrpcCall, copy: SnapshotCopy): Promise<void> {
  // Bounded by the copy: each turn sends one chunk, and next() ends after the hash.
  for (;;) {
    const chunk = await copy.next();
    if (call.done) return;
    if (chunk === undefined) break;
    const message = encodeProtobuf("SnapshotResponse", { remaining_bytes: chunk.remainingBytes, blob: chunk.blob });
    if (!call.send(message) && !(await drained(call, SNAPSHOT_STALL_MS))) {
      call.finish(GrpcCode.DeadlineExceeded, "snapshot stream: the client stopped reading");
      return;
    }
  }
  call.finish(GrpcCode.OK);
}
