/**
 * A one-process stand-in for a tsetcd member, for testing the lease client and the concurrency recipes
 * before the real server routes exist: Bun.serve on 127.0.0.1 (port 0) answering the CBOR KV and lease
 * calls from a real MvccStore and Lessor on an in-memory database, applying each request at once (no Raft),
 * and driving the lessor's leader side every `tickMs` with the real monotonic clock. POST /v3/watch is the
 * real route over a real WatchHub fed by every write (revokes included), unless `watch: false`.
 */
import { decodeCbor, encodeCbor } from "../../src/codec/cbor.ts";
import { EtcdError } from "../../src/codec/errors.ts";
import { errorBodyCbor, httpStatusFromCode } from "../../src/codec/http.ts";
import type {
  DeleteRangeRequest,
  LeaseGrantRequest,
  LeaseKeepAliveRequest,
  LeaseRevokeRequest,
  LeaseTimeToLiveRequest,
  PutRequest,
  RangeRequest,
  TxnRequest,
} from "../../src/codec/messages.ts";
import { encodeStreamFrame, messageOfFrame, StreamFrameReader } from "../../src/client/lease.ts";
import { handleWatch } from "../../src/api/watch_route.ts";
import { chooseLeaseId, Lessor } from "../../src/lease/mod.ts";
import { WatchHub } from "../../src/watch/mod.ts";
import { MvccStore } from "../../src/mvcc/mod.ts";
import { openDatabase } from "../../src/storage/sqlite_bun.ts";

/** A running fake member. */
export interface FakeServer {
  endpoint: string;
  kv: MvccStore;
  lessor: Lessor;
  /** Requests served per path. */
  calls: Map<string, number>;
  /** Stops answering keep-alives (a partition of the lease stream only) while true. */
  dropKeepAlives: boolean;
  /** Watch streams opened so far. */
  watchStreams: number;
  stop(): Promise<void>;
}

function random64(): bigint {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return new DataView(bytes.buffer).getBigUint64(0);
}

/** Starts a fake member; `tickMs` is the lessor loop's period (≤ 500). */
export function startFakeServer(options: { tickMs?: number; minTtlS?: number; watch?: boolean } = {}): FakeServer {
  const db = openDatabase(":memory:", { durable: false });
  let lessor: Lessor | undefined;
  const kv = new MvccStore(db, { hasLease: (id) => lessor!.has(id) });
  lessor = new Lessor(db, kv, { minTtlS: options.minTtlS ?? 1 });
  const l = lessor;
  l.promote(performance.now());
  const calls = new Map<string, number>();
  let stepTimer: ReturnType<typeof setTimeout> | undefined;
  const hub: WatchHub = new WatchHub({
    store: kv,
    requestStep: () => {
      stepTimer ??= setTimeout(() => {
        stepTimer = undefined;
        hub.step();
      }, 1);
    },
  });
  /** Every write's events go to the lessor (attachments) and to watchers, as the server's apply does. */
  function publish(events: import("../../src/codec/messages.ts").Event[]): void {
    l.applyEvents(events);
    if (events.length > 0) hub.notify(events, kv.currentRevision());
  }

  const unary: Record<string, (body: Uint8Array) => unknown> = {
    "/v3/kv/range": (b) => kv.range(decodeCbor<RangeRequest>("RangeRequest", b)),
    "/v3/kv/put": (b) => write(kv.put(decodeCbor<PutRequest>("PutRequest", b))),
    "/v3/kv/deleterange": (b) => write(kv.deleteRange(decodeCbor<DeleteRangeRequest>("DeleteRangeRequest", b))),
    "/v3/kv/txn": (b) => write(kv.txn(decodeCbor<TxnRequest>("TxnRequest", b))),
    "/v3/lease/grant": (b) => {
      const req = decodeCbor<LeaseGrantRequest>("LeaseGrantRequest", b);
      return l.grant(chooseLeaseId(req.ID, random64), req.TTL);
    },
    "/v3/lease/revoke": (b) => write(l.revoke(decodeCbor<LeaseRevokeRequest>("LeaseRevokeRequest", b).ID)),
    "/v3/lease/timetolive": (b) =>
      l.timeToLive(decodeCbor<LeaseTimeToLiveRequest>("LeaseTimeToLiveRequest", b), performance.now()),
    "/v3/lease/leases": () => l.leases(performance.now()),
  };
  function write<R>(result: { response: R; events: import("../../src/codec/messages.ts").Event[] }): R {
    publish(result.events);
    return result.response;
  }

  function keepAlive(body: Uint8Array): Uint8Array[] {
    const frames = new StreamFrameReader().push(body);
    return frames.map((frame) => {
      const req = messageOfFrame<LeaseKeepAliveRequest>("LeaseKeepAliveRequest", frame);
      try {
        const ttl = l.renew(req.ID, performance.now());
        return encodeStreamFrame({ result: { header: header(), ID: req.ID, TTL: ttl } });
      } catch (error) {
        if (!(error instanceof EtcdError)) throw error;
        // etcd answers a keep-alive of a missing lease with TTL 0, not an error
        return encodeStreamFrame({ result: { header: header(), ID: req.ID, TTL: 0 } });
      }
    });
  }
  function header(): object {
    return { cluster_id: 0n, member_id: 0n, revision: kv.currentRevision(), raft_term: 0 };
  }

  const fake: FakeServer = {
    endpoint: "",
    kv,
    lessor: l,
    calls,
    dropKeepAlives: false,
    watchStreams: 0,
    stop: async () => {},
  };
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(request: Request, srv): Promise<Response> {
      const path = new URL(request.url).pathname;
      calls.set(path, (calls.get(path) ?? 0) + 1);
      if (path === "/v3/watch" && options.watch !== false) {
        return handleWatch(request, hub, {
          onStreamStart: (r) => {
            fake.watchStreams += 1;
            srv.timeout(r, 0);
          },
        });
      }
      // An unknown route answers before reading the body: a watch keeps its request body open.
      if (path !== "/v3/lease/keepalive" && unary[path] === undefined) return new Response("not found", { status: 404 });
      const body = new Uint8Array(await request.arrayBuffer());
      try {
        if (path === "/v3/lease/keepalive") {
          if (fake.dropKeepAlives) return new Response("unavailable", { status: 503 });
          return new Response(Buffer.concat(keepAlive(body)), { headers: { "content-type": "application/cbor" } });
        }
        const handler = unary[path];
        if (handler === undefined) return new Response("not found", { status: 404 });
        return new Response(encodeCbor(handler(body)), { headers: { "content-type": "application/cbor" } });
      } catch (error) {
        if (!(error instanceof EtcdError)) throw error;
        return new Response(errorBodyCbor(error), { status: httpStatusFromCode(error.code) });
      }
    },
  });
  fake.endpoint = `127.0.0.1:${server.port}`;
  const timer = setInterval(() => {
    const now = performance.now();
    for (const id of l.expiredLeases(now)) {
      if (l.has(id)) publish(l.revoke(id).events);
    }
    for (const cp of l.checkpoints(now)) l.checkpoint(cp.id, cp.remainingMs);
  }, options.tickMs ?? 100);
  fake.stop = async () => {
    clearInterval(timer);
    if (stepTimer !== undefined) clearTimeout(stepTimer);
    await server.stop(true);
    db.close();
  };
  return fake;
}
