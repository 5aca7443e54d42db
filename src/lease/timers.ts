/**
 * The leader's lease clocks: when each lease expires, which remaining TTLs are due for a checkpoint, and
 * the stall protection. Only the leader keeps these (followers never expire a lease on their own clock);
 * they live in memory and are rebuilt from the persisted checkpoints when a member becomes leader.
 *
 * Pure: time comes in as `nowMs` (a monotonic clock; it must never go backwards), nothing is read or
 * written. Every method that takes `nowMs` first checks for a stall: when the gap since the previous call
 * exceeds `stallThresholdMs`, the leader itself was not running (a blocked event loop, a slow fsync, a
 * paused process), so no keep-alive could have been served — every expiry is pushed back by the whole
 * gap rather than revoking leases whose holders did nothing wrong.
 * @module
 */

/** Tunables of the leader's lease clocks. */
export interface TimerOptions {
  /** A gap between calls longer than this is a stall, and all expiries move by the gap. Default 1,000. */
  stallThresholdMs: number;
  /**
   * After a lease is reported expired, how long before it is reported again if its revoke never applied
   * (a lost proposal). Default 3,000 (etcd's expiredLeaseRetryInterval).
   */
  expiredRetryMs: number;
  /** How often one lease's remaining TTL is checkpointed through Raft. Default 60,000. */
  checkpointIntervalMs: number;
  /** Most expired leases reported by one call (etcd revokes at most 1,000 per 500 ms round). */
  maxExpiredPerCall: number;
  /** Most checkpoints returned by one call (etcd's maxLeaseCheckpointBatchSize is 1,000). */
  maxCheckpointsPerCall: number;
}

/** Defaults: see each field. */
export const DEFAULT_TIMER_OPTIONS: TimerOptions = {
  stallThresholdMs: 1_000,
  expiredRetryMs: 3_000,
  checkpointIntervalMs: 60_000,
  maxExpiredPerCall: 500,
  maxCheckpointsPerCall: 1_000,
};

/** A remaining TTL to persist through Raft. */
export interface LeaseCheckpoint {
  id: bigint;
  remainingMs: number;
}

/** Expiry and checkpoint clocks of every lease, for the current leader term. */
export class LeaseTimers {
  readonly #options: TimerOptions;
  readonly #expiryMs = new Map<bigint, number>();
  readonly #checkpointDueMs = new Map<bigint, number>();
  /** Leases renewed since their last checkpoint: their persisted remaining TTL is stale (too short). */
  readonly #renewed = new Set<bigint>();
  /** Expired leases already reported (their revoke is in flight), with when they were last reported. */
  readonly #reportedMs = new Map<bigint, number>();
  #lastSeenMs: number;
  #stalledMs = 0;

  constructor(nowMs: number, options: Partial<TimerOptions> = {}) {
    this.#options = { ...DEFAULT_TIMER_OPTIONS, ...options };
    const o = this.#options;
    if (!(o.stallThresholdMs > 0 && o.expiredRetryMs > 0 && o.checkpointIntervalMs > 0)) {
      throw new Error("lease timers: intervals must be positive");
    }
    if (!(o.maxExpiredPerCall >= 1 && o.maxCheckpointsPerCall >= 1)) {
      throw new Error("lease timers: per-call bounds must be at least 1");
    }
    this.#lastSeenMs = nowMs;
  }

  /** Total time all expiries were pushed back by stalls (for metrics and tests). */
  get stalledMs(): number {
    return this.#stalledMs;
  }

  /** Number of leases with a running clock. */
  get size(): number {
    return this.#expiryMs.size;
  }

  /** Starts (or restarts) a lease's clock with `remainingMs` left; its first checkpoint is due in one interval. */
  start(id: bigint, remainingMs: number, nowMs: number): void {
    this.#observe(nowMs);
    this.#expiryMs.set(id, nowMs + remainingMs);
    this.#checkpointDueMs.set(id, nowMs + this.#options.checkpointIntervalMs);
  }

  /**
   * A keep-alive: the lease runs for a full `ttlMs` from now and its next checkpoint is due at once.
   * Returns false, changing nothing, when the lease has already expired: its revoke is (or will be) on its
   * way, and reviving it would tell a holder it still owns keys that are about to be deleted.
   */
  renew(id: bigint, ttlMs: number, nowMs: number): boolean {
    this.#observe(nowMs);
    const expiry = this.#expiryMs.get(id);
    if (expiry === undefined) throw new Error(`lease timers: renew of unknown lease ${id}`);
    if (expiry <= nowMs || this.#reportedMs.has(id)) return false;
    this.#expiryMs.set(id, nowMs + ttlMs);
    this.#renewed.add(id);
    return true;
  }

  /** Forgets a lease (revoked). */
  remove(id: bigint): void {
    this.#expiryMs.delete(id);
    this.#checkpointDueMs.delete(id);
    this.#renewed.delete(id);
    this.#reportedMs.delete(id);
  }

  /** Whether the lease has a running clock. */
  has(id: bigint): boolean {
    return this.#expiryMs.has(id);
  }

  /** Milliseconds until the lease expires (negative once past), or undefined for an unknown lease. */
  remainingMs(id: bigint, nowMs: number): number | undefined {
    this.#observe(nowMs);
    const expiry = this.#expiryMs.get(id);
    return expiry === undefined ? undefined : expiry - nowMs;
  }

  /** Pushes every expiry back by `ms`: the leader knows it was unable to serve keep-alives that long. */
  extendAll(ms: number): void {
    if (!(ms >= 0)) throw new Error(`lease timers: cannot extend by ${ms} ms`);
    if (ms === 0) return;
    for (const [id, expiry] of this.#expiryMs) this.#expiryMs.set(id, expiry + ms);
    this.#stalledMs += ms;
  }

  /**
   * Leases past their expiry, at most `maxExpiredPerCall`, longest expired first. A reported lease is not
   * reported again until `expiredRetryMs` later (its revoke is in flight; it is reported again only if
   * that revoke was lost), and can no longer be renewed.
   */
  expired(nowMs: number): bigint[] {
    this.#observe(nowMs);
    const due: [bigint, number][] = [];
    for (const [id, expiry] of this.#expiryMs) {
      if (expiry > nowMs) continue;
      const reported = this.#reportedMs.get(id);
      if (reported === undefined || nowMs - reported >= this.#options.expiredRetryMs) due.push([id, expiry]);
    }
    due.sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const chosen = due.slice(0, this.#options.maxExpiredPerCall).map(([id]) => id);
    for (const id of chosen) this.#reportedMs.set(id, nowMs);
    return chosen;
  }

  /**
   * Remaining TTLs to persist, at most `maxCheckpointsPerCall`: renewed leases first (their persisted value
   * would shorten them after a leader change), then leases whose checkpoint interval has passed.
   * Expired leases are left to the revoke.
   */
  checkpoints(nowMs: number): LeaseCheckpoint[] {
    this.#observe(nowMs);
    const max = this.#options.maxCheckpointsPerCall;
    const chosen: bigint[] = [];
    for (const id of this.#renewed) {
      if (chosen.length >= max) break;
      chosen.push(id);
    }
    for (const [id, dueMs] of this.#checkpointDueMs) {
      if (chosen.length >= max) break;
      if (dueMs <= nowMs && !this.#renewed.has(id)) chosen.push(id);
    }
    const result: LeaseCheckpoint[] = [];
    for (const id of chosen) {
      this.#renewed.delete(id);
      this.#checkpointDueMs.set(id, nowMs + this.#options.checkpointIntervalMs);
      const remainingMs = Math.floor(this.#expiryMs.get(id)! - nowMs); // whole ms: the log carries integers
      if (remainingMs > 0) result.push({ id, remainingMs });
    }
    return result;
  }

  /** Stall detection; see the module comment. */
  #observe(nowMs: number): void {
    if (!Number.isFinite(nowMs)) throw new Error(`lease timers: bad time ${nowMs}`);
    if (nowMs < this.#lastSeenMs) {
      throw new Error(`lease timers: time went backwards (${nowMs} < ${this.#lastSeenMs})`);
    }
    const gapMs = nowMs - this.#lastSeenMs;
    this.#lastSeenMs = nowMs;
    if (gapMs > this.#options.stallThresholdMs) this.extendAll(gapMs);
  }
}
