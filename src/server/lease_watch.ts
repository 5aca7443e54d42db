/**
 * Builds a member's MVCC store together with its lessor, lease service and watch service, wired the way
 * the apply needs them: every applied KV write's events update the lessor's key attachments and reach the
 * watchers; a revoke's DELETE events reach the watchers; leadership starts and stops the lease clocks.
 * @module
 */
import type { Event, ResponseHeader } from "../codec/messages.ts";
import type { TlsClientMaterial } from "../tls/material.ts";
import { Lessor, minLeaseTtlS } from "../lease/mod.ts";
import { MvccStore } from "../mvcc/mod.ts";
import type { SqlDatabase } from "../storage/adapter.ts";
import { LeaseService } from "./lease_service.ts";
import type { MemberOptions } from "./member.ts";
import { WatchService } from "./watch_service.ts";

/**
 * How often the leader persists each lease's remaining TTL (renewed leases are checkpointed at the next
 * tick anyway). A new leader resumes from the last checkpoint, so this bounds how much longer than granted
 * a lease can live across a leader change. etcd checkpoints every 5 minutes when enabled (off by default:
 * its leases restart at full TTL); the lessor sends at most 1,000 per tick, so the cost stays bounded.
 */
export const LEASE_CHECKPOINT_INTERVAL_MS = 5_000;

/** Raft timing and limits the services need. */
export interface LeaseWatchConfig {
  heartbeatIntervalMs: number;
  electionTimeoutMs: number;
  maxRequestBytes: number;
  /** What this member presents when it forwards lease calls to the leader's https client URL. */
  forwardTls?: TlsClientMaterial;
  /** --experimental-watch-progress-notify-interval (default: the hub's, etcd's 10 minutes). */
  watchProgressNotifyIntervalMs?: number;
}

/** Who answers: read when a response is built (the cluster's ids are known only after bootstrap). */
export type Identity = () => { clusterId: bigint; memberId: bigint; term: number };

/** The store and services of one member. */
export interface LeaseWatch {
  store: MvccStore;
  lessor: Lessor;
  lease: LeaseService;
  watch: WatchService;
  /** Pass to `mvccStateMachine(store, …)`: attachments, then watchers. */
  onKvEvents: (events: Event[]) => void;
  /** Spread into the Member's options. */
  memberHooks: Pick<MemberOptions, "applyOther" | "onRoleChange" | "onSnapshotInstalled">;
  /** The heartbeat tick: the leader's lease expiry and checkpoints, watch progress notifications. */
  tick: () => void;
}

/** Creates the store and services on the state database. */
export function createLeaseWatch(stateDb: SqlDatabase, config: LeaseWatchConfig, identity: Identity): LeaseWatch {
  let lessor: Lessor | undefined;
  const store = new MvccStore(stateDb, { hasLease: (id) => lessor!.has(id) });
  const electionTicks = Math.max(2, Math.round(config.electionTimeoutMs / config.heartbeatIntervalMs));
  lessor = new Lessor(stateDb, store, {
    minTtlS: minLeaseTtlS(electionTicks, config.heartbeatIntervalMs),
    timers: { checkpointIntervalMs: LEASE_CHECKPOINT_INTERVAL_MS },
  });
  const header = (revision: number): ResponseHeader => {
    const id = identity();
    return { cluster_id: id.clusterId, member_id: id.memberId, revision, raft_term: id.term };
  };
  const watch = new WatchService({
    store,
    header,
    maxResponseBytes: config.maxRequestBytes,
    ...(config.watchProgressNotifyIntervalMs === undefined ? {} : { progressIntervalMs: config.watchProgressNotifyIntervalMs }),
  });
  const ids = (): { clusterId: bigint; memberId: bigint } => identity();
  const lease = new LeaseService({
    lessor,
    revision: () => store.currentRevision(),
    get clusterId() {
      return ids().clusterId;
    },
    get memberId() {
      return ids().memberId;
    },
    electionTimeoutMs: config.electionTimeoutMs,
    onEvents: (events) => watch.onEvents(events),
    ...(config.forwardTls === undefined ? {} : { forwardTls: config.forwardTls }),
  });
  const l = lessor;
  return {
    store,
    lessor: l,
    lease,
    watch,
    onKvEvents: (events) => {
      l.applyEvents(events);
      watch.onEvents(events);
    },
    memberHooks: {
      applyOther: (p) => lease.apply(p),
      onRoleChange: (isLeader) => lease.onRoleChange(isLeader),
      onSnapshotInstalled: () => {
        lease.onSnapshotInstalled();
        watch.onSnapshotInstalled();
      },
    },
    tick: () => {
      lease.tick();
      watch.tick(performance.now());
    },
  };
}
