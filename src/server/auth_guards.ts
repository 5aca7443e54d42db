/**
 * The auth checks of the services that are not the member's own KV calls, as wrappers the server puts in
 * front of them: membership changes need the root role ("etcdserver: permission denied"), the snapshot
 * stream, Hash and HashKV need it too (answered with the auth store's untranslated "auth: …" errors), and a watch
 * create needs READ on its range (refused as etcd refuses it: a created-and-canceled response with watch
 * id -1 and the gRPC error's text as the cancel reason). Every front-end reaches these services through
 * the wrappers, so gateway JSON, CBOR and gRPC share them.
 * @module
 */
import type { SnapshotSource } from "../api/snapshot_route.ts";
import type { WatchStreamSource } from "../api/watch_route.ts";
import { EtcdError, GrpcCode } from "../codec/errors.ts";
import type { ResponseHeader, WatchRequest, WatchResponse } from "../codec/messages.ts";
import { checkRequestAccess } from "../auth/checks.ts";
import { currentCaller } from "../auth/context.ts";
import type { AuthService } from "../auth/service.ts";
import type { WatchStream } from "../watch/mod.ts";
import type { MaintenanceService } from "./hash_service.ts";
import type { ClusterService } from "./member.ts";

/** Member add, remove, update and promote need the root role; move-leader is not checked, as in etcd 3.4. */
export function guardCluster(cluster: ClusterService, auth: AuthService): ClusterService {
  return {
    memberAdd: (req) => admitted(auth, () => cluster.memberAdd(req)),
    memberRemove: (req) => admitted(auth, () => cluster.memberRemove(req)),
    memberUpdate: (req) => admitted(auth, () => cluster.memberUpdate(req)),
    memberPromote: (req) => admitted(auth, () => cluster.memberPromote(req)),
    moveLeader: (req) => cluster.moveLeader(req),
  };
}

function admitted<T>(auth: AuthService, fn: () => Promise<T>): Promise<T> {
  try {
    auth.admitAdmin();
  } catch (error) {
    return Promise.reject(error);
  }
  return fn();
}

/** Maintenance.Hash, HashKV and Defragment need the root role, refused with the maintenance service's own text. */
export function guardMaintenance(maintenance: MaintenanceService, auth: AuthService): MaintenanceService {
  const defragment = maintenance.defragment;
  return {
    hash: () => maintenanceAdmitted(auth, () => maintenance.hash()),
    hashKv: (req) => maintenanceAdmitted(auth, () => maintenance.hashKv(req)),
    ...(defragment === undefined ? {} : { defragment: () => maintenanceAdmitted(auth, () => defragment.call(maintenance)) }),
  };
}

function maintenanceAdmitted<T>(auth: AuthService, fn: () => Promise<T>): Promise<T> {
  try {
    admitMaintenance(auth);
  } catch (error) {
    return Promise.reject(error);
  }
  return fn();
}

/**
 * Root only, with etcd's maintenance answers: its auth store's own errors, untranslated — code Unknown and
 * "auth: …" texts ("auth: permission denied", "auth: user name is empty", "auth: invalid auth token").
 */
function admitMaintenance(auth: AuthService): void {
  untranslated(() => auth.admitAdmin());
}

function untranslated(check: () => void): void {
  try {
    check();
  } catch (error) {
    if (!(error instanceof EtcdError)) throw error;
    throw new EtcdError(GrpcCode.Unknown, error.message.replace(/^etcdserver: /, "auth: "));
  }
}

/**
 * Maintenance.Alarm needs no permission, but etcd 3.4 sends every action (a GET too) through Raft, whose
 * door refuses a token nobody issued — answered untranslated, as the other maintenance calls.
 */
export function guardAlarm<Req, Res>(alarm: (req: Req) => Promise<Res>, auth: AuthService): (req: Req) => Promise<Res> {
  return (req) => {
    try {
      untranslated(() => auth.stamp());
    } catch (error) {
      return Promise.reject(error);
    }
    return alarm(req);
  };
}

/** Maintenance.Snapshot needs the root role. */
export function guardSnapshots(source: SnapshotSource, auth: AuthService): SnapshotSource {
  return {
    open: () => {
      try {
        admitMaintenance(auth);
      } catch (error) {
        return Promise.reject(error);
      }
      return source.open();
    },
  };
}

/**
 * Watch creates need READ on their range, checked with the credentials of the call that opened the
 * stream (etcd reads them once per stream too).
 */
export function guardWatch(source: WatchStreamSource, auth: AuthService, header: () => ResponseHeader): WatchStreamSource {
  return {
    openStream: (send, options) => {
      const caller = currentCaller();
      const inner = source.openStream(send, options);
      return new GuardedWatchStream(inner, (req) => {
        const create = req.create_request;
        if (create === undefined || caller === undefined) return undefined;
        try {
          const info = auth.infoOf(caller);
          const key = create.key ?? new Uint8Array(0);
          checkRequestAccess(auth.store, info, { kind: "watch", key, rangeEnd: create.range_end ?? new Uint8Array(0) }, () => []);
          return undefined;
        } catch (error) {
          if (!(error instanceof EtcdError)) throw error;
          return refusal(header(), error);
        }
      }, send);
    },
  };
}

/** etcd's answer to a refused watch create. */
function refusal(header: ResponseHeader, error: EtcdError): WatchResponse {
  return {
    header,
    watch_id: -1,
    created: true,
    canceled: true,
    cancel_reason: `rpc error: code = ${codeName(error.code)} desc = ${error.message}`,
    events: [],
  };
}

function codeName(code: number): string {
  const entry = Object.entries(GrpcCode).find(([, value]) => value === code);
  return entry === undefined ? `Code(${code})` : entry[0];
}

class GuardedWatchStream implements WatchStream {
  readonly #inner: WatchStream;
  readonly #check: (req: WatchRequest) => WatchResponse | undefined;
  readonly #send: (response: WatchResponse) => boolean;

  constructor(inner: WatchStream, check: (req: WatchRequest) => WatchResponse | undefined, send: (r: WatchResponse) => boolean) {
    this.#inner = inner;
    this.#check = check;
    this.#send = send;
  }

  handle(req: WatchRequest): void {
    const refused = this.#check(req);
    if (refused !== undefined) {
      this.#send(refused);
      return;
    }
    this.#inner.handle(req);
  }

  resume(): void {
    this.#inner.resume();
  }

  close(): void {
    this.#inner.close();
  }

  get failed(): boolean {
    return this.#inner.failed;
  }
}
