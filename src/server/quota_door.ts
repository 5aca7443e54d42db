/**
 * --quota-backend-bytes at the door, as etcd 3.4's quotaKVServer and quotaLeaseServer: a put, a txn that
 * puts or a lease grant that would take the state database to the quota is refused with "database space
 * exceeded", after raising NOSPACE for this member through Raft. As etcd, the refusal waits for that raise
 * (applied, or failed), so a caller that got it finds the alarm listed on this member.
 *
 * The raised alarm is what refuses writes on every member (at apply, src/server/quota.ts); this door only
 * notices that this member's database grew past the quota — at its door, and after each write it applied
 * (`noteApplied`), so a member that takes no client writes raises its own alarm too. Like etcd's, it reads
 * the database file's size, free pages included: deleting and compacting make room inside the file,
 * defragmenting gives it back.
 * @module
 */
import { Errors } from "../codec/errors.ts";

/**
 * How old a sampled database size may be when it admits a write: reading it takes three pragmas, not
 * something for every put. A burst may so overshoot the quota by up to this long's writes.
 */
const SIZE_MAX_AGE_MS = 100;

/** What the door reads and does. */
export interface QuotaDoorOptions {
  /** The quota; a write is refused when size + its cost reaches it. Positive. */
  quotaBytes: number;
  /** The state database's size now, free pages included. */
  sizeBytes: () => number;
  /** True while this member's own NOSPACE alarm is raised: no need to raise it again. */
  raisedHere: () => boolean;
  /** True while any member's NOSPACE alarm is raised (asked on every applied write: keep it cheap). */
  noSpaceRaised: () => boolean;
  /** Proposes NOSPACE for this member; settles once applied or refused. */
  raise: () => Promise<unknown>;
  /** Milliseconds on a monotonic clock (default performance.now). */
  now?: () => number;
}

/** The quota check a member runs before proposing a write that may grow its store. */
export class QuotaDoor {
  readonly #o: QuotaDoorOptions;
  readonly #now: () => number;
  #sizeBytes = 0;
  #sampledAtMs = Number.NEGATIVE_INFINITY;
  /** One raise at a time: a burst of refused writes shares it instead of proposing one alarm each. */
  #raising: Promise<void> | undefined;

  constructor(options: QuotaDoorOptions) {
    if (!(options.quotaBytes > 0)) throw new Error(`quota door: quota ${options.quotaBytes} is not positive`);
    this.#o = options;
    this.#now = options.now ?? (() => performance.now());
  }

  /**
   * Undefined when a write costing `costBytes` fits under the quota; otherwise a promise that rejects with
   * "database space exceeded" once this member's NOSPACE alarm was raised.
   */
  admit(costBytes: number): Promise<never> | undefined {
    if (costBytes <= 0 || this.#currentSizeBytes() + costBytes < this.#o.quotaBytes) return undefined;
    // A refusal reads the size afresh: a sample from before a defragmentation must not refuse (and raise).
    if (this.#freshSizeBytes() + costBytes < this.#o.quotaBytes) return undefined;
    const raised = this.#o.raisedHere() ? Promise.resolve() : this.#raiseOnce();
    return raised.then(() => Promise.reject(Errors.noSpace()));
  }

  /**
   * After a write costing `costBytes` applied on this member (every member calls it, as etcd's
   * quotaApplierV3 runs on every member): when it found the database at the quota and no NOSPACE is raised
   * yet, NOSPACE is raised for this member, off the apply path. Unlike etcd, the write is still answered as
   * applied: etcd answers "database space exceeded" for a write it applied, and a client that believes it
   * would retry a write that took effect.
   */
  noteApplied(costBytes: number): void {
    if (costBytes <= 0 || this.#raising !== undefined || this.#o.noSpaceRaised()) return;
    if (this.#currentSizeBytes() + costBytes < this.#o.quotaBytes) return;
    setImmediate(() => {
      if (!this.#o.noSpaceRaised()) void this.#raiseOnce();
    });
  }

  #raiseOnce(): Promise<void> {
    this.#raising ??= this.#o.raise().then(
      () => {},
      () => {}, // as etcd: the write is refused whether or not the alarm made it through
    ).finally(() => (this.#raising = undefined));
    return this.#raising;
  }

  #currentSizeBytes(): number {
    return this.#now() - this.#sampledAtMs >= SIZE_MAX_AGE_MS ? this.#freshSizeBytes() : this.#sizeBytes;
  }

  #freshSizeBytes(): number {
    this.#sizeBytes = this.#o.sizeBytes();
    this.#sampledAtMs = this.#now();
    return this.#sizeBytes;
  }
}
