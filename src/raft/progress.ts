/**
 * What the leader knows about each member's log: match/next indexes, the replication state (probe,
 * replicate, snapshot) and the in-flight window; plus the tracker that holds the configuration (voters,
 * learners), every member's progress and the votes of the current election.
 * @module
 */
import { Inflights } from "./inflights.ts";
import { committedIndex, majority, VoteResult, voteResult } from "./quorum.ts";
import type { ConfState, NodeId } from "./types.ts";

/** How the leader replicates to one follower. */
export const ProgressState = {
  /** Unknown last index: send one App at a time and wait for its answer. */
  Probe: "probe",
  /** Known match: send Apps optimistically, up to the in-flight window. */
  Replicate: "replicate",
  /** The follower needs a snapshot; nothing else is sent until it is reported done. */
  Snapshot: "snapshot",
} as const;
export type ProgressState = typeof ProgressState[keyof typeof ProgressState];

/** One follower's replication progress, as the leader sees it. */
export class Progress {
  match = 0;
  next: number;
  state: ProgressState = ProgressState.Probe;
  /** In snapshot state: the index of the snapshot being sent. */
  pendingSnapshot = 0;
  /** Heard from within the last election timeout (reset by check-quorum). */
  recentActive = false;
  /** Probe state: an App is out, wait for its answer (or a heartbeat response) before sending another. */
  probeSent = false;
  /**
   * An App went to this follower since the last heartbeat round: it reset the follower's election timer
   * and will be answered, so the next round's heartbeat (without a read to confirm) is left out.
   */
  appendSinceHeartbeat = false;
  isLearner: boolean;
  readonly inflights: Inflights;

  constructor(next: number, maxInflightMsgs: number, isLearner: boolean) {
    this.next = next;
    this.inflights = new Inflights(maxInflightMsgs);
    this.isLearner = isLearner;
  }

  private resetState(state: ProgressState): void {
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.state = state;
    this.inflights.reset();
  }

  becomeProbe(): void {
    if (this.state === ProgressState.Snapshot) {
      const pending = this.pendingSnapshot;
      this.resetState(ProgressState.Probe);
      this.next = Math.max(this.match + 1, pending + 1);
    } else {
      this.resetState(ProgressState.Probe);
      this.next = this.match + 1;
    }
  }

  becomeReplicate(): void {
    this.resetState(ProgressState.Replicate);
    this.next = this.match + 1;
  }

  becomeSnapshot(snapshotIndex: number): void {
    this.resetState(ProgressState.Snapshot);
    this.pendingSnapshot = snapshotIndex;
  }

  /** An ack up to `n`: returns whether match moved. */
  maybeUpdate(n: number): boolean {
    let updated = false;
    if (this.match < n) {
      this.match = n;
      updated = true;
      this.probeSent = false;
    }
    if (this.next < n + 1) this.next = n + 1;
    return updated;
  }

  /** Replicate state: we sent up to `n` and assume it will arrive. */
  optimisticUpdate(n: number): void {
    this.next = n + 1;
  }

  /**
   * A rejected App whose previous index was `rejected`; `matchHint` is where the follower's log may match.
   * Returns false if the rejection is stale (out of order). Jumps straight to the hint (fast backtracking).
   */
  maybeDecrTo(rejected: number, matchHint: number): boolean {
    if (this.state === ProgressState.Replicate) {
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, matchHint + 1), this.match + 1, 1);
    this.probeSent = false;
    return true;
  }

  /** Whether sending an App to this follower must wait. */
  isPaused(): boolean {
    switch (this.state) {
      case ProgressState.Probe:
        return this.probeSent;
      case ProgressState.Replicate:
        return this.inflights.full();
      default:
        return true;
    }
  }
}

/** The configuration (voters, learners) and the progress and votes of every member. */
export class ProgressTracker {
  voters: NodeId[] = [];
  learners: NodeId[] = [];
  readonly progress = new Map<NodeId, Progress>();
  readonly votes = new Map<NodeId, boolean>();
  readonly maxInflightMsgs: number;
  private readonly matchOf = (id: NodeId): number => this.progress.get(id)?.match ?? 0;

  constructor(maxInflightMsgs: number) {
    this.maxInflightMsgs = maxInflightMsgs;
  }

  /** Replaces the configuration by `cs`; members kept keep their progress, new ones start at `nextIndex`. */
  setConfig(cs: ConfState, nextIndex: number): void {
    const voters = dedupe(cs.voters);
    const learners = dedupe(cs.learners);
    for (const id of learners) {
      if (voters.includes(id)) throw new Error(`raft: ${id} is both a voter and a learner`);
    }
    for (const id of [...this.progress.keys()]) {
      if (!voters.includes(id) && !learners.includes(id)) this.progress.delete(id);
    }
    for (const id of voters) this.ensure(id, nextIndex, false);
    for (const id of learners) this.ensure(id, nextIndex, true);
    this.voters = voters;
    this.learners = learners;
  }

  private ensure(id: NodeId, nextIndex: number, isLearner: boolean): void {
    const pr = this.progress.get(id);
    if (pr !== undefined) {
      pr.isLearner = isLearner;
      return;
    }
    const created = new Progress(nextIndex, this.maxInflightMsgs, isLearner);
    // A member just added gets the benefit of the doubt, so check-quorum does not fire on it at once.
    created.recentActive = true;
    this.progress.set(id, created);
  }

  confState(): ConfState {
    return { voters: [...this.voters], learners: [...this.learners] };
  }

  isVoter(id: NodeId): boolean {
    return this.voters.includes(id);
  }

  isSingleton(): boolean {
    return this.voters.length === 1;
  }

  /** The highest index a majority of voters has persisted. */
  committed(): number {
    return committedIndex(this.voters, this.matchOf);
  }

  resetVotes(): void {
    this.votes.clear();
  }

  recordVote(id: NodeId, granted: boolean): void {
    if (!this.votes.has(id)) this.votes.set(id, granted);
  }

  tallyVotes(): VoteResult {
    return voteResult(this.voters, this.votes);
  }

  /** Whether a majority of voters (counting `self` always) was heard from recently. */
  quorumActive(self: NodeId): boolean {
    let active = 0;
    for (const id of this.voters) {
      if (id === self || this.progress.get(id)?.recentActive === true) active++;
    }
    return active >= majority(this.voters.length);
  }
}

function dedupe(ids: readonly NodeId[]): NodeId[] {
  const out: NodeId[] = [];
  for (const id of ids) if (!out.includes(id)) out.push(id);
  return out;
}

export { VoteResult };
