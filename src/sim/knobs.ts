/**
 * The random knobs of a run, all drawn from its seed before anything else happens: cluster shape, fault
 * rates, core settings, and which deliberate bug (if any) is switched on.
 * @module
 */
import type { RaftBugs } from "../raft/types.ts";
import type { MemberSettings } from "./member.ts";
import type { Prng } from "./prng.ts";

/** Simulated time units per tick: messages and disk writes can take a fraction of a tick. */
export const TICK = 10;

/**
 * Deliberate bugs a run can switch on: the core's RaftBugs, plus two in the simulated server — ackBeforePersist
 * (send a Ready's messages before persisting it) and localReads (answer "linearizable" reads from the local
 * state machine without ReadIndex, which the linearizability checker must catch).
 */
export const BUG_NAMES = [
  "voteTwice",
  "commitPreviousTermByCounting",
  "keepConflictingSuffix",
  "ackBeforePersist",
  "localReads",
] as const;
export type BugName = typeof BUG_NAMES[number];

/** Random knobs of a run, all drawn from the seed first. */
export interface Knobs {
  voters: number;
  learners: number;
  clients: number;
  keys: number;
  clientTimeoutTicks: number;
  crashRate: number;
  partitionRate: number;
  confChangeRate: number;
  transferRate: number;
  snapshotRate: number;
  maxRetain: number;
  /** Share of partitions that isolate the current leader. */
  isolateLeaderRate: number;
  /** Per tick: probability a member pauses (a stop-the-world stall). */
  pauseRate: number;
  /** Per member and tick: probability its clock skips a tick (drift). */
  driftRate: number;
}

/** Draws the run's fault and workload knobs. */
export function drawKnobs(rng: Prng, bug: BugName | undefined): Knobs {
  // Bug runs, and a share of normal runs, get the harshest faults.
  const bugRun = bug !== undefined || rng.chance(0.3);
  return {
    voters: rng.chance(0.6) ? 3 : 5,
    learners: rng.chance(0.3) ? 1 : 0,
    clients: rng.range(2, 4),
    keys: rng.range(1, 3),
    clientTimeoutTicks: rng.range(40, 150),
    crashRate: (bugRun ? 0.01 : 0.002) + rng.float() * 0.008,
    partitionRate: (bugRun ? 0.01 : 0.002) + rng.float() * (bugRun ? 0.03 : 0.015),
    confChangeRate: rng.float() * 0.006,
    transferRate: rng.float() * 0.004,
    snapshotRate: rng.float() * 0.03,
    maxRetain: rng.range(0, 20),
    isolateLeaderRate: bugRun ? 0.7 : rng.float() * 0.5,
    pauseRate: rng.float() * 0.006,
    driftRate: rng.chance(0.5) ? rng.float() * 0.1 : 0,
  };
}

/** Draws the members' core and driver settings. */
export function drawSettings(rng: Prng, bug: BugName | undefined): MemberSettings {
  const coreBug = bug === "voteTwice" || bug === "commitPreviousTermByCounting" || bug === "keepConflictingSuffix";
  const raftBugs: RaftBugs | undefined = coreBug ? { [bug]: true } : undefined;
  return {
    electionTick: rng.pick([5, 10, 10, 20]),
    heartbeatTick: rng.pick([1, 2, 3]),
    // Small messages sometimes: one entry per App makes partial replication (figure 8) reachable.
    maxSizePerMsgBytes: rng.pick([1, 64, 256, 4096]),
    maxInflightMsgs: rng.range(1, 8),
    preVote: rng.chance(0.7),
    checkQuorum: rng.chance(bug === undefined ? 0.6 : 0.4),
    raftBugs,
    ackBeforePersist: bug === "ackBeforePersist",
    slowPersistRate: bug === "ackBeforePersist" ? 0.5 : rng.float() * 0.4,
    maxPersistDelay: rng.range(2, 3 * TICK),
  };
}
