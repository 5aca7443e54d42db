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
  /** Per tick: probability a garbage entry (random bytes, a malformed put) is proposed. */
  garbageRate: number;
}

/**
 * Draws the run's fault and workload knobs. `scenario` names the deliberate bug the run is shaped for (its
 * harshest faults), whether or not the bug is switched on: a bug run and its control draw the very same
 * numbers, in the same order, and get the same knobs.
 */
export function drawKnobs(rng: Prng, scenario: BugName | undefined): Knobs {
  // Bug scenarios, and a share of normal runs, get the harshest faults. Every number below is drawn in
  // every run, so the scenario changes values, never the sequence of draws.
  const harsh = rng.chance(0.3) || scenario !== undefined;
  const voters = rng.chance(0.6) ? 3 : 5;
  const learners = rng.chance(0.3) ? 1 : 0;
  const clients = rng.range(2, 4);
  const keys = rng.range(1, 3);
  const clientTimeoutTicks = rng.range(40, 150);
  const crashSpread = rng.float();
  const partitionSpread = rng.float();
  const confChangeRate = rng.float() * 0.006;
  const transferRate = rng.float() * 0.004;
  const snapshotRate = rng.float() * 0.03;
  const maxRetain = rng.range(0, 20);
  const isolateLeaderDraw = rng.float();
  const pauseRate = rng.float() * 0.006;
  const driftOn = rng.chance(0.5);
  const driftDraw = rng.float();
  const garbageOn = rng.chance(0.5);
  const garbageDraw = rng.float();
  return {
    voters,
    learners,
    clients,
    keys,
    clientTimeoutTicks,
    crashRate: (harsh ? 0.01 : 0.002) + crashSpread * 0.008,
    partitionRate: (harsh ? 0.01 : 0.002) + partitionSpread * (harsh ? 0.03 : 0.015),
    confChangeRate,
    transferRate,
    snapshotRate,
    maxRetain,
    isolateLeaderRate: harsh ? 0.7 : isolateLeaderDraw * 0.5,
    pauseRate,
    driftRate: driftOn ? driftDraw * 0.1 : 0,
    garbageRate: garbageOn ? garbageDraw * 0.02 : 0,
  };
}

/** Whether the deliberate bug of a scenario is switched on (off: the control run of that scenario). */
export interface BugSwitch {
  bugOn: boolean;
}

/**
 * Draws the members' core and driver settings for a scenario (see drawKnobs); the bug itself is switched on
 * only when `bugOn`, the draws are the same either way.
 */
export function drawSettings(rng: Prng, scenario: BugName | undefined, { bugOn }: BugSwitch): MemberSettings {
  const bug = bugOn ? scenario : undefined;
  const coreBug = bug === "voteTwice" || bug === "commitPreviousTermByCounting" || bug === "keepConflictingSuffix";
  const raftBugs: RaftBugs | undefined = coreBug ? { [bug]: true } : undefined;
  const electionTick = rng.pick([5, 10, 10, 20]);
  const heartbeatTick = rng.pick([1, 2, 3]);
  // Small messages sometimes: one entry per App makes partial replication (figure 8) reachable.
  const maxSizePerMsgBytes = rng.pick([1, 64, 256, 4096]);
  const maxInflightMsgs = rng.range(1, 8);
  const preVote = rng.chance(0.7);
  const checkQuorumDraw = rng.float();
  const slowPersistDraw = rng.float();
  const maxPersistDelay = rng.range(2, 3 * TICK);
  return {
    electionTick,
    heartbeatTick,
    maxSizePerMsgBytes,
    maxInflightMsgs,
    preVote,
    checkQuorum: checkQuorumDraw < (scenario === undefined ? 0.6 : 0.4),
    raftBugs,
    ackBeforePersist: bug === "ackBeforePersist",
    // The scenario of ackBeforePersist persists slowly often: the window in which an early ack can lie.
    slowPersistRate: scenario === "ackBeforePersist" ? 0.5 : slowPersistDraw * 0.4,
    maxPersistDelay,
  };
}
