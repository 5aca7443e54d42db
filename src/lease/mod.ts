/**
 * tsetcd's lessor: leases with a TTL, keys attached to them, and their expiry — with etcd's semantics
 * and two of its weak spots closed (a leader change keeps the remaining TTL; a slow leader never revokes).
 *
 * Two halves:
 * - **Apply side**, deterministic, run by every member on committed entries in log order, inside the
 *   apply transaction: `grant`, `revoke`, `checkpoint`, and `applyEvents` (attach/detach keys after every
 *   KV write). State lives in the lease tables of the state database (src/storage/lease_queries.ts).
 * - **Leader side**, in memory, only while this member is leader (`promote` … `demote`): keep-alive
 *   (`renew`, not a log write, as in etcd), `expiredLeases(nowMs)` (the driver proposes a revoke for each),
 *   `checkpoints(nowMs)` (the driver proposes them so a new leader restores remaining TTLs), and stall
 *   protection (see timers.ts).
 *
 * No clock, randomness or I/O of its own: time is a `nowMs` argument, ids are picked by the proposer with
 * `chooseLeaseId`, storage and the KV store are injected.
 *
 * Wiring (the server):
 * ```ts
 * let lessor: Lessor;
 * const kv = new MvccStore(stateDb, { hasLease: (id) => lessor.has(id) });
 * lessor = new Lessor(stateDb, kv, { minTtlS: minLeaseTtlS(electionTicks, heartbeatMs) });
 * // apply of a put/deleteRange/txn entry:   const r = kv.put(req); lessor.applyEvents(r.events);
 * // apply of LeaseGrant {ID (chosen before proposing), TTL}:   lessor.grant(ID, TTL)
 * // apply of LeaseRevoke:                   const r = lessor.revoke(ID);   // r.events → watchers
 * // apply of LeaseCheckpoint:               lessor.checkpoint(ID, remainingMs)
 * // became leader: lessor.promote(now, { extendMs: electionTimeoutMs }); lost it: lessor.demote()
 * // every ≤ 500 ms on the leader: propose revoke for lessor.expiredLeases(now),
 * //                               propose lessor.checkpoints(now)
 * // keep-alive on the leader (after a ReadIndex confirms leadership): lessor.renew(ID, now)
 * ```
 * @module
 */
import { Errors } from "../codec/errors.ts";
import type {
  Event,
  LeaseGrantResponse,
  LeaseLeasesResponse,
  LeaseRevokeResponse,
  LeaseTimeToLiveRequest,
  LeaseTimeToLiveResponse,
  ResponseHeader,
  TxnRequest,
  TxnResponse,
} from "../codec/messages.ts";
import { EventType } from "../codec/messages.ts";
import type { SqlDatabase } from "../storage/adapter.ts";
import { LeaseQueries } from "../storage/lease_queries.ts";
import { grantedTtlS, NO_LEASE } from "./rules.ts";
import { type LeaseCheckpoint, LeaseTimers, type TimerOptions } from "./timers.ts";

export { chooseLeaseId, grantedTtlS, MAX_LEASE_TTL_S, minLeaseTtlS, NO_LEASE } from "./rules.ts";
export { DEFAULT_TIMER_OPTIONS, type LeaseCheckpoint, type TimerOptions } from "./timers.ts";

/** What the lessor needs from the KV store: one txn to delete a lease's keys, and the revision. */
export interface LeaseKv {
  txn(req: TxnRequest): { response: TxnResponse; events: Event[] };
  currentRevision(): number;
}

/** Options of a lessor. */
export interface LessorOptions {
  /** Smallest TTL; shorter grants are raised to it (see `minLeaseTtlS`). Must match on every member. */
  minTtlS: number;
  /** Leader-side clock tunables. */
  timers?: Partial<TimerOptions>;
}

/** Options of `promote`. */
export interface PromoteOptions {
  /**
   * Added to every lease's remaining TTL: time for clients to find the new leader and resume keep-alives
   * (etcd extends by one election timeout). Default 0.
   */
  extendMs?: number;
}

/** A write's response with the events it produced (for watchers), as the MVCC store returns them. */
export interface LeaseWriteResult<R> {
  response: R;
  events: Event[];
}

/** Most keys one revoke deletes; a larger lease is a bug or abuse, and the revoke fails loudly. */
const MAX_KEYS_PER_LEASE = 1_000_000;

function header(revision: number): ResponseHeader {
  return { cluster_id: 0n, member_id: 0n, revision, raft_term: 0 };
}

/** The lessor of one member. */
export class Lessor {
  readonly #q: LeaseQueries;
  readonly #kv: LeaseKv;
  readonly #minTtlS: number;
  readonly #timerOptions: Partial<TimerOptions>;
  /** Present while this member is leader. */
  #timers: LeaseTimers | undefined;
  /** Leases granted while leader whose clock starts at the next leader-side call (apply has no clock). */
  #unstarted = new Set<bigint>();

  /** Creates the lease tables in `db` if missing; state is whatever they hold. */
  constructor(db: SqlDatabase, kv: LeaseKv, options: LessorOptions) {
    if (!(Number.isInteger(options.minTtlS) && options.minTtlS >= 1)) {
      throw new Error(`lessor: minTtlS must be a positive integer, got ${options.minTtlS}`);
    }
    this.#q = new LeaseQueries(db);
    this.#kv = kv;
    this.#minTtlS = options.minTtlS;
    this.#timerOptions = options.timers ?? {};
  }

  // ---- apply side (deterministic) ----

  /** Whether lease `id` exists (the MVCC store's `hasLease`). */
  has(id: bigint): boolean {
    return id !== NO_LEASE && this.#q.get(id) !== undefined;
  }

  /**
   * Grants lease `id` (already chosen by the proposer; 0 is `leaseNotFound`, as etcd). TTL below the
   * minimum is raised to it; above 9,000,000,000 s is `leaseTTLTooLarge`; an existing id is `leaseExist`.
   */
  grant(id: bigint, ttlS: number): LeaseGrantResponse {
    if (id === NO_LEASE) throw Errors.leaseNotFound();
    const ttl = grantedTtlS(ttlS, this.#minTtlS);
    if (this.#q.get(id) !== undefined) throw Errors.leaseExist();
    this.#q.insert(id, ttl);
    if (this.#timers !== undefined) this.#unstarted.add(id);
    return { header: header(this.#kv.currentRevision()), ID: id, TTL: ttl, error: "" };
  }

  /**
   * Revokes lease `id`: every attached key is deleted in ONE revision (one txn; DELETE events returned for
   * watchers), then the lease is gone. `leaseNotFound` when it does not exist.
   */
  revoke(id: bigint): LeaseWriteResult<LeaseRevokeResponse> {
    if (!this.has(id)) throw Errors.leaseNotFound();
    const keys = this.#q.keysOf(id);
    if (keys.length > MAX_KEYS_PER_LEASE) throw new Error(`lessor: lease ${id} holds ${keys.length} keys`);
    const success = keys.map((key) => ({ request_delete_range: { key } }));
    const { events } = this.#kv.txn({ compare: [], success, failure: [] });
    for (const event of events) {
      if (event.type !== EventType.DELETE) throw new Error("lessor: revoke produced a non-delete event");
    }
    this.#q.delete(id);
    this.#forget(id);
    return { response: { header: header(this.#kv.currentRevision()) }, events };
  }

  /** Persists a remaining TTL the leader checkpointed. A lease revoked since is ignored (as etcd). */
  checkpoint(id: bigint, remainingMs: number): void {
    if (!(Number.isInteger(remainingMs) && remainingMs > 0)) {
      throw new Error(`lessor: bad checkpoint remaining TTL ${remainingMs}`);
    }
    this.#q.setRemaining(id, remainingMs);
  }

  /**
   * Keeps key attachments in step with a KV write: call with the events of every applied put, delete and
   * txn, in order. A put moves its key to the lease it names (or off any lease); a delete detaches it.
   */
  applyEvents(events: readonly Event[]): void {
    for (const event of events) {
      const key = event.kv.key;
      const lease = event.type === EventType.PUT ? event.kv.lease : NO_LEASE;
      const before = this.#q.leaseOfKey(key);
      if (before === lease || (before === undefined && lease === NO_LEASE)) continue;
      if (lease === NO_LEASE) this.#q.detach(key);
      else this.#q.attach(key, lease);
    }
  }

  // ---- reads ----

  /**
   * A lease's granted and remaining TTL (whole seconds, truncated as etcd) and, with `keys`, its keys. The
   * remaining TTL is the leader's clock on the leader; elsewhere it is the last checkpoint (or the granted
   * TTL) — so the server should forward this to the leader, as etcd does. A missing lease answers
   * TTL -1, grantedTTL 0 (what etcd's API returns, and what etcdctl prints as "already expired").
   */
  timeToLive(req: LeaseTimeToLiveRequest, nowMs: number): LeaseTimeToLiveResponse {
    const revision = this.#kv.currentRevision();
    const lease = req.ID === NO_LEASE ? undefined : this.#q.get(req.ID);
    if (lease === undefined) return { header: header(revision), ID: req.ID, TTL: -1, grantedTTL: 0, keys: [] };
    const remainingMs = this.#leaderRemainingMs(req.ID, nowMs) ?? lease.remainingMs ?? lease.ttlS * 1000;
    const keys = req.keys === true ? this.#q.keysOf(req.ID) : [];
    return { header: header(revision), ID: req.ID, TTL: Math.trunc(remainingMs / 1000), grantedTTL: lease.ttlS, keys };
  }

  /**
   * Every lease: on the leader soonest expiry first (as etcd's leader lists them), elsewhere by id. `nowMs`
   * only serves the leader's clocks.
   */
  leases(nowMs?: number): LeaseLeasesResponse {
    const ids = this.#q.all().map((l) => l.id);
    if (this.#timers !== undefined && nowMs !== undefined) {
      const timers = this.#leaderTimers(nowMs);
      const left = new Map(ids.map((id) => [id, timers.remainingMs(id, nowMs) ?? Number.POSITIVE_INFINITY]));
      ids.sort((a, b) => left.get(a)! - left.get(b)! || (a < b ? -1 : a > b ? 1 : 0));
    }
    return { header: header(this.#kv.currentRevision()), leases: ids.map((ID) => ({ ID })) };
  }

  // ---- leader side ----

  /** Whether this lessor is running the leader's clocks. */
  get isPrimary(): boolean {
    return this.#timers !== undefined;
  }

  /**
   * Became leader: start every lease's clock from its persisted remaining TTL (or its full TTL when never
   * checkpointed), plus `extendMs`. etcd restarts every lease at its full TTL here unless checkpointing is
   * enabled; restoring the checkpoint keeps a lease from living on much longer than granted.
   */
  promote(nowMs: number, options: PromoteOptions = {}): void {
    const extendMs = options.extendMs ?? 0;
    if (!(extendMs >= 0)) throw new Error(`lessor: bad extendMs ${extendMs}`);
    const timers = new LeaseTimers(nowMs, this.#timerOptions);
    for (const lease of this.#q.all()) {
      timers.start(lease.id, (lease.remainingMs ?? lease.ttlS * 1000) + extendMs, nowMs);
    }
    this.#timers = timers;
    this.#unstarted.clear();
  }

  /** Lost leadership: stop every clock (the next leader decides expiry). */
  demote(): void {
    this.#timers = undefined;
    this.#unstarted.clear();
  }

  /**
   * A keep-alive on the leader: the lease runs a full TTL from now. Returns the TTL in seconds.
   * Throws `leaseNotFound` for a missing lease and for one already expired (its revoke is coming: etcd
   * makes such a renew wait for the revoke and then fail the same way), `notLeader` when not leader.
   * Not a log write: the caller must have confirmed it is still leader (ReadIndex) so a deposed leader
   * cannot extend a lease. The API answers a not-found keep-alive with TTL 0, as etcd does.
   */
  renew(id: bigint, nowMs: number): number {
    const timers = this.#leaderTimers(nowMs);
    const lease = id === NO_LEASE ? undefined : this.#q.get(id);
    if (lease === undefined) throw Errors.leaseNotFound();
    if (!timers.has(id)) timers.start(id, lease.ttlS * 1000, nowMs);
    if (!timers.renew(id, lease.ttlS * 1000, nowMs)) throw Errors.leaseNotFound();
    return lease.ttlS;
  }

  /**
   * Leases the leader should revoke now (propose a LeaseRevoke for each), bounded per call; a lease is
   * reported again only if its revoke has not applied after the retry interval.
   */
  expiredLeases(nowMs: number): bigint[] {
    return this.#leaderTimers(nowMs).expired(nowMs);
  }

  /** Remaining TTLs the leader should propose as checkpoints now, bounded per call. */
  checkpoints(nowMs: number): LeaseCheckpoint[] {
    return this.#leaderTimers(nowMs).checkpoints(nowMs);
  }

  /**
   * Pushes every expiry back by `ms`: the server knows the leader could not serve keep-alives that long
   * (e.g. an fsync that blocked the loop and was measured). Gaps between calls are caught on their own.
   */
  extendAll(ms: number): void {
    this.#timers?.extendAll(ms);
  }

  /** Total stall extension applied in this leader term (0 when not leader). */
  get stalledMs(): number {
    return this.#timers?.stalledMs ?? 0;
  }

  #leaderTimers(nowMs: number): LeaseTimers {
    const timers = this.#timers;
    if (timers === undefined) throw Errors.notLeader();
    for (const id of this.#unstarted) {
      const lease = this.#q.get(id);
      if (lease !== undefined) timers.start(id, lease.ttlS * 1000, nowMs);
    }
    this.#unstarted.clear();
    return timers;
  }

  #leaderRemainingMs(id: bigint, nowMs: number): number | undefined {
    if (this.#timers === undefined) return undefined;
    return this.#leaderTimers(nowMs).remainingMs(id, nowMs);
  }

  #forget(id: bigint): void {
    this.#timers?.remove(id);
    this.#unstarted.delete(id);
  }
}
