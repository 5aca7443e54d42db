/**
 * The simulated network: decides, per message, whether it is dropped, duplicated and how late each copy
 * arrives (random latency reorders messages). Partitions block links, symmetric or one way.
 * Pure decision logic: the caller schedules the deliveries it returns.
 * @module
 */
import type { NodeId } from "../raft/types.ts";
import type { Prng } from "./prng.ts";

/** How hostile the network is right now. Probabilities are per message. */
export interface FaultProfile {
  dropRate: number;
  duplicateRate: number;
  /** Latency is uniform in [minLatency, maxLatency] (simulated time units). */
  minLatency: number;
  maxLatency: number;
  /** Probability a message gets an extra long delay (up to `spikeLatency`). */
  spikeRate: number;
  spikeLatency: number;
}

/** The calm network the end-of-run liveness check uses. */
export const CALM_NETWORK: FaultProfile = {
  dropRate: 0,
  duplicateRate: 0,
  minLatency: 1,
  maxLatency: 5,
  spikeRate: 0,
  spikeLatency: 0,
};

/** A random profile for one phase of a run. */
export function randomProfile(rng: Prng, latencyScale: number): FaultProfile {
  const severity = rng.int(4); // 0 calm … 3 nasty
  return {
    dropRate: [0, 0.01, 0.05, 0.15][severity]! * rng.float() * 2,
    duplicateRate: [0, 0.01, 0.03, 0.06][severity]! * rng.float() * 2,
    minLatency: 1,
    maxLatency: Math.max(1, Math.round(latencyScale * [0.3, 0.6, 1, 2][severity]!)),
    spikeRate: [0, 0.005, 0.02, 0.05][severity]!,
    spikeLatency: latencyScale * 20,
  };
}

/** Link-level state: the current profile and which directed links are cut. */
export class Network {
  profile: FaultProfile = CALM_NETWORK;
  /** Cut links by sender, then receiver: nested maps, as a string key per lookup was 12 % of a run's CPU. */
  private readonly blocked = new Map<NodeId, Set<NodeId>>();
  private blockedCount = 0;
  /** Delay of the first copy, as the last `routeCopies` decided (valid when it returned 1 or 2). */
  firstDelay = 0;
  /** Delay of the duplicate, as the last `routeCopies` decided (valid when it returned 2). */
  secondDelay = 0;

  /** True when messages from `from` to `to` are cut. */
  isBlocked(from: NodeId, to: NodeId): boolean {
    return this.blockedCount > 0 && this.blocked.get(from)?.has(to) === true;
  }

  /** Number of directed links currently cut. */
  get blockedLinks(): number {
    return this.blockedCount;
  }

  /** Cuts every link from a node in `side` to a node outside it (and back, unless `oneWay`). */
  partition(side: readonly NodeId[], all: readonly NodeId[], oneWay: boolean): void {
    const inside = new Set(side);
    for (const a of all) {
      for (const b of all) {
        if (!inside.has(a) || inside.has(b)) continue;
        this.block(a, b);
        if (!oneWay) this.block(b, a);
      }
    }
  }

  /** Restores every link. */
  heal(): void {
    this.blocked.clear();
    this.blockedCount = 0;
  }

  private block(from: NodeId, to: NodeId): void {
    let targets = this.blocked.get(from);
    if (targets === undefined) this.blocked.set(from, targets = new Set());
    if (!targets.has(to)) this.blockedCount++;
    targets.add(to);
  }

  /**
   * Delivery delays for one message: empty when it is lost, two entries when duplicated.
   * Delays are ≥ 1, so nothing is delivered in the instant it was sent.
   */
  route(from: NodeId, to: NodeId, rng: Prng): number[] {
    const copies = this.routeCopies(from, to, rng);
    return copies === 0 ? [] : copies === 1 ? [this.firstDelay] : [this.firstDelay, this.secondDelay];
  }

  /**
   * `route` without an array per message: returns how many copies arrive (0, 1 or 2) and leaves their delays
   * in `firstDelay` and `secondDelay`. Draws exactly what `route` draws, in the same order.
   */
  routeCopies(from: NodeId, to: NodeId, rng: Prng): number {
    if (this.isBlocked(from, to)) return 0;
    const p = this.profile;
    if (p.dropRate > 0 && rng.chance(p.dropRate)) return 0;
    this.firstDelay = this.latency(rng);
    if (p.duplicateRate > 0 && rng.chance(p.duplicateRate)) {
      this.secondDelay = this.latency(rng);
      return 2;
    }
    return 1;
  }

  private latency(rng: Prng): number {
    const p = this.profile;
    if (p.spikeRate > 0 && rng.chance(p.spikeRate)) return rng.range(p.maxLatency, Math.max(p.maxLatency, p.spikeLatency));
    return rng.range(p.minLatency, p.maxLatency);
  }
}
