/**
 * etcd's require-leader: a call whose metadata carries `hasleader: true` (clientv3's WithRequireLeader,
 * which `etcdctl watch` uses) is refused with Unavailable "etcdserver: no leader" while this member knows
 * no leader; and a stream of such a call is ended the same way once the member has gone NO_LEADER_CHECKS
 * checks, one election timeout apart, without a leader (etcd's monitorLeader), so that its client can
 * move to a member that has one instead of waiting on a partitioned one forever. Observed on etcd 3.4
 * with a follower cut off from both others: the stream ended 4.5 s later (election timeout 1 s), and a
 * new call was refused at once.
 * @module
 */
import { Errors } from "../codec/errors.ts";
import type { GrpcCall } from "./call.ts";

/** Consecutive checks without a leader before require-leader streams are ended (etcd's maxNoLeaderCnt). */
export const NO_LEADER_CHECKS = 3;

/** What the monitor needs from the member. */
export interface LeaderSource {
  /** True while this member knows a leader (itself included). */
  known(): boolean;
  /** Time between two checks: one election timeout. */
  checkEveryMs: number;
}

/** The metadata key clientv3 sets for WithRequireLeader. */
export function requiresLeader(value: string | string[] | undefined): boolean {
  return (Array.isArray(value) ? value[0] : value) === "true";
}

/** One listener's require-leader streams and the check that ends them. */
export class LeaderMonitor {
  readonly #source: LeaderSource;
  readonly #calls = new Set<GrpcCall>();
  readonly #timer: ReturnType<typeof setInterval>;
  #misses = 0;

  constructor(source: LeaderSource) {
    if (!(source.checkEveryMs > 0)) throw new Error("LeaderMonitor: checkEveryMs must be positive");
    this.#source = source;
    this.#timer = setInterval(() => this.#check(), source.checkEveryMs);
    this.#timer.unref?.();
  }

  /** True when a require-leader call may start now. */
  admit(): boolean {
    return this.#source.known();
  }

  /** Ends `call` with "no leader" if the member loses its leader for good; forgotten when it closes. */
  track(call: GrpcCall): void {
    if (call.done) return;
    this.#calls.add(call);
    call.stream.once("close", () => this.#calls.delete(call));
  }

  /** Streams being watched now. */
  get size(): number {
    return this.#calls.size;
  }

  close(): void {
    clearInterval(this.#timer);
    this.#calls.clear();
  }

  #check(): void {
    if (this.#source.known()) {
      this.#misses = 0;
      return;
    }
    this.#misses++;
    if (this.#misses < NO_LEADER_CHECKS) return;
    const error = Errors.noLeader();
    // Bounded by the streams the listener holds; each is ended once and removed.
    for (const call of [...this.#calls]) call.finish(error.code, error.message);
    this.#calls.clear();
  }
}
