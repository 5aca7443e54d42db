/**
 * etcd 3.4's metric families, by its names, types, help texts and labels, so existing etcd dashboards and
 * alerts read a tsetcd member unchanged. The member keeps plain counters (`KvCounters`, `HealthCounters`)
 * and exposes its state; this module only reads them at scrape time.
 * @module
 */
import { exponentialBuckets, type Family, formatFamily, Histogram } from "./text.ts";
import { peerRoundTripText } from "./peer_rtt.ts";
import { processMetricsText } from "./process.ts";

/** Applied writes and served ranges, counted on every member as etcd's mvcc package counts them. */
export interface KvCounters {
  puts: number;
  deletes: number;
  ranges: number;
  txns: number;
  /** Keys created minus keys deleted by the events seen (KeyCount's delta since its last full count). */
  keysDelta: number;
  /** The revision of the last event seen (0: none). */
  eventRevision: number;
}

/** A fresh set of zeroed KV counters. */
export function newKvCounters(): KvCounters {
  return { puts: 0, deletes: 0, ranges: 0, txns: 0, keysDelta: 0, eventRevision: 0 };
}

/**
 * etcd_debugging_mvcc_keys_total without a keyspace count per scrape: one full count, then the applied
 * events' creations and deletions. A revision the events do not explain (a snapshot installed, a lease
 * revoke applied outside the state machine) brings one full count again at the next scrape.
 */
export class KeyCount {
  readonly #counters: KvCounters;
  readonly #count: () => number;
  readonly #revision: () => number;
  #base: number | undefined;
  #baseRevision = 0;

  constructor(counters: KvCounters, store: { count: () => number; revision: () => number }) {
    this.#counters = counters;
    this.#count = store.count;
    this.#revision = store.revision;
  }

  /** The number of live keys. */
  value(): number {
    const expected = Math.max(this.#baseRevision, this.#counters.eventRevision);
    if (this.#base === undefined || this.#revision() !== expected) {
      // Synchronous with apply (one thread): no event can fall between the count and the reset.
      this.#base = this.#count();
      this.#baseRevision = this.#revision();
      this.#counters.keysDelta = 0;
      this.#counters.eventRevision = 0;
    }
    return this.#base + this.#counters.keysDelta;
  }
}

/** etcd's disk histograms: 0.001 s doubling to 8.192 s (14 buckets), as etcd 3.4 declares them. */
export const DISK_BUCKETS_SECONDS: readonly number[] = exponentialBuckets(0.001, 2, 14);

/**
 * The disk latency histograms. Process-wide: the log writer thread's client observes every log commit
 * (its fsync and the thread hop), and members in one process share them.
 */
export const diskMetrics = {
  walFsync: new Histogram(
    "etcd_disk_wal_fsync_duration_seconds",
    "The latency distributions of fsync called by WAL.",
    DISK_BUCKETS_SECONDS,
  ),
  backendCommit: new Histogram(
    "etcd_disk_backend_commit_duration_seconds",
    "The latency distributions of commit called by backend.",
    DISK_BUCKETS_SECONDS,
  ),
};

/** What a scrape reads from the member. */
export interface ServerMetricsSource {
  /** The member ID as etcd prints it (16 hex digits). */
  memberIdHex: string;
  /** etcd's server version we answer as, e.g. "3.4.30". */
  version: string;
  info(): {
    leader: bigint;
    isLeader: boolean;
    commit: number;
    applied: number;
    proposalsPending: number;
    proposalsFailed: number;
    leaderChanges: number;
  };
  sizeBytes(): { total: number; inUse: number };
  keysTotal(): number;
  kv: KvCounters;
  health: { success: number; failures: number };
  /** Bytes sent to each peer (To: its ID in hex) and received from each (From). */
  peers?(): { sent: { toHex: string; bytes: number }[]; received: { fromHex: string; bytes: number }[] };
  /** Extra families (gRPC request counters), already as text. */
  extra?(): string;
}

/** The whole /metrics body: etcd's server, disk, mvcc and network families, then process_*. */
export function serverMetricsText(source: ServerMetricsSource): string {
  const info = source.info();
  const size = source.sizeBytes();
  const families: Family[] = [
    gauge("etcd_debugging_mvcc_keys_total", "Total number of keys.", source.keysTotal()),
    gauge("etcd_mvcc_db_total_size_in_bytes", "Total size of the underlying database physically allocated in bytes.", size.total),
    gauge("etcd_mvcc_db_total_size_in_use_in_bytes", "Total size of the underlying database logically in use in bytes.", size.inUse),
    counter("etcd_mvcc_delete_total", "Total number of deletes seen by this member.", source.kv.deletes),
    counter("etcd_mvcc_put_total", "Total number of puts seen by this member.", source.kv.puts),
    counter("etcd_mvcc_range_total", "Total number of ranges seen by this member.", source.kv.ranges),
    counter("etcd_mvcc_txn_total", "Total number of txns seen by this member.", source.kv.txns),
    gauge("etcd_server_has_leader", "Whether or not a leader exists. 1 is existence, 0 is not.", info.leader !== 0n ? 1 : 0),
    counter("etcd_server_health_failures", "The total number of failed health checks", source.health.failures),
    counter("etcd_server_health_success", "The total number of successful health checks", source.health.success),
    {
      name: "etcd_server_id",
      help: "Server or member ID in hexadecimal format. 1 for 'server_id' label with current ID.",
      type: "gauge",
      samples: [{ labels: { server_id: source.memberIdHex }, value: 1 }],
    },
    gauge("etcd_server_is_leader", "Whether or not this member is a leader. 1 if is, 0 otherwise.", info.isLeader ? 1 : 0),
    counter("etcd_server_leader_changes_seen_total", "The number of leader changes seen.", info.leaderChanges),
    // etcd declares these two as gauges (they follow the Raft indexes, which a snapshot can move).
    gauge("etcd_server_proposals_applied_total", "The total number of consensus proposals applied.", info.applied),
    gauge("etcd_server_proposals_committed_total", "The total number of consensus proposals committed.", info.commit),
    counter("etcd_server_proposals_failed_total", "The total number of failed proposals seen.", info.proposalsFailed),
    gauge("etcd_server_proposals_pending", "The current number of pending proposals to commit.", info.proposalsPending),
    {
      name: "etcd_server_version",
      help: "Which version is running. 1 for 'server_version' label with current version.",
      type: "gauge",
      samples: [{ labels: { server_version: source.version }, value: 1 }],
    },
  ];
  const peers = source.peers?.() ?? { sent: [], received: [] };
  // etcd's order: families by name (received before sent).
  if (peers.received.length > 0) {
    families.push({
      name: "etcd_network_peer_received_bytes_total",
      help: "The total number of bytes received from peers.",
      type: "counter",
      samples: peers.received.map((p) => ({ labels: { From: p.fromHex }, value: p.bytes })),
    });
  }
  // The round-trip histogram sorts between received and sent; the families after it are written after it.
  const beforeRtt = families.length;
  if (peers.sent.length > 0) {
    families.push({
      name: "etcd_network_peer_sent_bytes_total",
      help: "The total number of bytes sent to peers.",
      type: "counter",
      samples: peers.sent.map((p) => ({ labels: { To: p.toHex }, value: p.bytes })),
    });
  }
  return diskMetrics.backendCommit.format() + diskMetrics.walFsync.format() +
    families.slice(0, beforeRtt).map(formatFamily).join("") + peerRoundTripText(source.memberIdHex) +
    families.slice(beforeRtt).map(formatFamily).join("") + (source.extra?.() ?? "") + processMetricsText();
}

function gauge(name: string, help: string, value: number): Family {
  return { name, help, type: "gauge", samples: [{ value }] };
}

function counter(name: string, help: string, value: number): Family {
  return { name, help, type: "counter", samples: [{ value }] };
}
