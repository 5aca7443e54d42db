/**
 * The types the gRPC method tables share: the services a call reaches and the shape of a method.
 * @module
 */
import type { MessageKind } from "../codec/schema.ts";
import type { RequestKind } from "../server/boundary.ts";
import type { LeaseApi } from "../server/lease_service.ts";
import type { KvService } from "../server/member.ts";
import type { SnapshotSource } from "../api/snapshot_route.ts";
import type { WatchStreamSource } from "../api/watch_route.ts";

/** The services a gRPC front-end calls: the same objects the HTTP gateway calls. */
export interface GrpcServices {
  kv: KvService;
  lease: LeaseApi;
  watch: WatchStreamSource;
  snapshots: SnapshotSource;
}

/** What a method may know about its call. */
export interface CallContext {
  signal: AbortSignal;
}

/** One unary method. */
export interface UnaryMethod {
  request: RequestKind;
  response: MessageKind;
  /** `context.signal` aborts when the client goes away (a call that waits, such as Lock, gives up). */
  call: (services: GrpcServices, req: never, context: CallContext) => Promise<unknown>;
}

/** The streaming methods, by kind of stream. */
export type StreamMethod = "watch" | "keepalive" | "snapshot" | "observe";

