/**
 * `RaftNode`: one member's consensus state machine. Inputs are `tick()`, `step(message)` and the propose /
 * read / membership calls; the output is a `Ready` (what to persist, send and apply), acknowledged by
 * `advance()`. No I/O, no clock, no randomness but `config.random`.
 *
 * This module keeps the public API, the Ready / Advance bookkeeping and `stepInternal` (term handling
 * common to all roles, then dispatch). The state is a `RaftCore` (core.ts); the logic lives in free
 * functions over it: role transitions in roles.ts, elections and votes in election.ts, the leader in
 * leader.ts (sending in replication.ts, proposals in propose.ts, reads in read_index.ts), followers and
 * candidates in follower.ts, configuration changes in membership.ts.
 * @module
 */
import { encodeConfChange } from "./confchange.ts";
import { payloadBytes, RaftCore } from "./core.ts";
import { handleVoteRequest, hup, tickElection } from "./election.ts";
import { stepCandidate, stepFollower } from "./follower.ts";
import { stepLeader, tickHeartbeat } from "./leader.ts";
import { applyConfChange, bootstrapLog } from "./membership.ts";
import { bytesEqual, CAMPAIGN_TRANSFER, isLocalMessage, isResponseMessage, newMessage } from "./messages.ts";
import { proposeAsLeader } from "./propose.ts";
import { flushBroadcast } from "./replication.ts";
import { becomeFollower } from "./roles.ts";
import {
  type ConfChange,
  type ConfState,
  EntryType,
  type HardState,
  type Message,
  MessageType,
  NONE,
  type NodeId,
  ProposalError,
  type ProgressStatus,
  type RaftConfig,
  type RaftStatus,
  type Ready,
  type SoftState,
  StateRole,
} from "./types.ts";

/** One member's Raft state machine. See the module doc and mod.ts for the driving loop. */
export class RaftNode {
  readonly id: NodeId;
  private readonly r: RaftCore;
  private prevSoft: SoftState;
  private prevHard: HardState;
  /**
   * What the last `ready()` handed out, so `advance()` can mark it persisted and applied. Plain fields, not
   * an object per Ready: a simulated run makes hundreds of thousands of Readys.
   */
  private outstanding = false;
  private outLastEntryIndex = 0;
  private outLastEntryTerm = 0;
  private outSnapshotIndex = 0;
  private outLastCommittedIndex = 0;
  private outCommittedPayloadBytes = 0;

  constructor(config: RaftConfig) {
    const r = new RaftCore(config);
    this.r = r;
    this.id = r.id;
    const { hardState, confState } = config.storage.initialState();
    r.prs.setConfig(confState, r.log.lastIndex() + 1);
    r.isLearner = r.prs.learners.includes(r.id);
    const zeroHardState = hardState.term === 0 && hardState.vote === NONE && hardState.commit === 0;
    if (!zeroHardState) this.loadState(hardState);
    else if (r.log.lastIndex() === 0 && confState.voters.length > 0) bootstrapLog(r);
    if (config.applied !== undefined && config.applied > 0) r.log.appliedTo(config.applied);
    becomeFollower(r, r.term, NONE);
    this.prevSoft = r.softState();
    // What the storage holds: a bootstrapped founder's first Ready carries its new hard state.
    this.prevHard = { term: hardState.term, vote: hardState.vote, commit: hardState.commit };
  }

  // ---------------------------------------------------------------- public inputs

  /** Advances the logical clock by one tick: elections on followers, heartbeats and check-quorum on leaders. */
  tick(): void {
    if (this.r.role === StateRole.Leader) tickHeartbeat(this.r);
    else tickElection(this.r);
  }

  /** Feeds a message from the network. Local-only kinds and responses from unknown members are ignored. */
  step(m: Message): void {
    if (isLocalMessage(m.type)) return;
    if (isResponseMessage(m.type) && !this.r.prs.progress.has(m.from)) return;
    this.stepInternal(m);
  }

  /** Starts an election now (pre-vote first when configured). */
  campaign(): void {
    this.stepInternal(newMessage(MessageType.Hup, NONE));
  }

  /** Proposes an application command. `undefined` means accepted (on a follower: forwarded to the leader). */
  propose(data: Uint8Array): ProposalError | undefined {
    if (this.r.role === StateRole.Leader) return proposeAsLeader(this.r, EntryType.Normal, data, false);
    return this.forwardProposal(EntryType.Normal, data);
  }

  /**
   * Proposes a membership change. The leader refuses one while another is unapplied, refuses promoting a
   * learner that has not caught up, and refuses a change that would leave fewer recently active voters than
   * the new quorum unless `force`.
   */
  proposeConfChange(cc: ConfChange, options?: { force?: boolean }): ProposalError | undefined {
    const data = encodeConfChange(cc);
    if (this.r.role === StateRole.Leader) {
      return proposeAsLeader(this.r, EntryType.ConfChange, data, options?.force === true);
    }
    return this.forwardProposal(EntryType.ConfChange, data);
  }

  /** Applies a committed ConfChange entry (the application calls this when it applies one) and returns the new ConfState. */
  applyConfChange(cc: ConfChange): ConfState {
    return applyConfChange(this.r, cc);
  }

  /**
   * Requests a linearizable read; the answer arrives as a `ReadState` with the same context in a later Ready.
   * The context must be unique across the cluster while the read is pending: the leader keys pending reads
   * by context and ignores a second request with one already pending (it could not tell their acks apart).
   */
  readIndex(context: Uint8Array): ProposalError | undefined {
    const m = newMessage(MessageType.ReadIndex, NONE);
    m.context = context;
    return this.stepInternal(m);
  }

  /** Asks the leader to hand leadership to `target` (forwarded when called on a follower). */
  transferLeader(target: NodeId): void {
    const m = newMessage(MessageType.TransferLeader, NONE);
    m.from = target;
    this.stepInternal(m);
  }

  /** The transport could not reach `id`: stop pipelining to it. */
  reportUnreachable(id: NodeId): void {
    const m = newMessage(MessageType.Unreachable, NONE);
    m.from = id;
    this.stepInternal(m);
  }

  /** The transport finished (ok) or failed sending the snapshot to `id`. */
  reportSnapshot(id: NodeId, ok: boolean): void {
    const m = newMessage(MessageType.SnapStatus, NONE);
    m.from = id;
    m.reject = !ok;
    this.stepInternal(m);
  }

  // ---------------------------------------------------------------- Ready / Advance

  /** Whether there is anything to persist, send or apply. False while a Ready is not yet advanced. */
  hasReady(): boolean {
    const r = this.r;
    if (this.outstanding) return false;
    flushBroadcast(r);
    if (r.msgs.length > 0 || r.readStates.length > 0) return true;
    if (r.log.unstable.snapshot !== undefined || r.log.unstable.entries.length > 0) return true;
    if (r.log.hasNextEnts()) return true;
    if (r.lead !== this.prevSoft.lead || r.role !== this.prevSoft.role) return true;
    const hs = this.prevHard;
    return hs.term !== r.term || hs.vote !== r.vote || hs.commit !== r.log.committed;
  }

  /**
   * What to do now: persist `hardState`, `entries`, `snapshot`; then send `messages`; then apply `snapshot`
   * and `committedEntries`; then call `advance()`. Calling `ready()` again before `advance()` throws.
   */
  ready(): Ready {
    const r = this.r;
    if (this.outstanding) throw new Error("raft: ready() called again before advance()");
    flushBroadcast(r);
    const entries = r.log.unstableEntries();
    const committedEntries = r.log.nextEnts();
    // Every field from the start (one object shape for every Ready: the consumers' property reads stay fast).
    const rd: Ready = {
      softState: undefined,
      hardState: undefined,
      readStates: r.readStates,
      entries,
      snapshot: undefined,
      committedEntries,
      messages: r.msgs,
      mustSync: entries.length > 0,
    };
    r.msgs = [];
    r.readStates = [];
    if (r.lead !== this.prevSoft.lead || r.role !== this.prevSoft.role) {
      rd.softState = r.softState();
      this.prevSoft = rd.softState;
    }
    const hs = this.prevHard;
    if (hs.term !== r.term || hs.vote !== r.vote || hs.commit !== r.log.committed) {
      rd.hardState = r.hardState();
      if (hs.term !== r.term || hs.vote !== r.vote) rd.mustSync = true;
      this.prevHard = rd.hardState;
    }
    const snapshot = r.log.unstable.snapshot;
    if (snapshot !== undefined) {
      rd.snapshot = snapshot;
      rd.mustSync = true;
    }
    const lastEntry = entries.length > 0 ? entries[entries.length - 1]! : undefined;
    const lastCommitted = committedEntries.length > 0 ? committedEntries[committedEntries.length - 1]! : undefined;
    if (lastCommitted !== undefined && lastCommitted.index > r.log.lastIndex()) {
      throw new Error("raft: handing out a committed entry that was never handed out to persist");
    }
    this.outstanding = true;
    this.outLastEntryIndex = lastEntry?.index ?? 0;
    this.outLastEntryTerm = lastEntry?.term ?? 0;
    this.outSnapshotIndex = snapshot?.metadata.index ?? 0;
    this.outLastCommittedIndex = lastCommitted?.index ?? 0;
    this.outCommittedPayloadBytes = r.role === StateRole.Leader ? payloadBytes(committedEntries) : 0;
    return rd;
  }

  /** The last Ready was fully handled: its entries and snapshot are persisted and its committed entries applied. */
  advance(): void {
    const r = this.r;
    if (!this.outstanding) throw new Error("raft: advance() without a ready()");
    this.outstanding = false;
    const snapshotIndex = this.outSnapshotIndex;
    if (snapshotIndex > 0) {
      r.log.stableSnapTo(snapshotIndex);
      if (snapshotIndex > r.log.applied) r.log.appliedTo(snapshotIndex);
    }
    if (this.outLastCommittedIndex > 0) {
      r.log.appliedTo(this.outLastCommittedIndex);
      r.reduceUncommittedSize(this.outCommittedPayloadBytes);
    }
    if (this.outLastEntryIndex > 0) r.log.stableTo(this.outLastEntryIndex, this.outLastEntryTerm);
    this.assertInvariants();
  }

  /** The member's current state (progress only on the leader). */
  status(): RaftStatus {
    const r = this.r;
    const progress = new Map<NodeId, ProgressStatus>();
    if (r.role === StateRole.Leader) {
      for (const [id, pr] of r.prs.progress) {
        progress.set(id, {
          match: pr.match,
          next: pr.next,
          state: pr.state,
          recentActive: pr.recentActive,
          isLearner: pr.isLearner,
        });
      }
    }
    return {
      id: r.id,
      term: r.term,
      vote: r.vote,
      commit: r.log.committed,
      applied: r.log.applied,
      lead: r.lead,
      role: r.role,
      leadTransferee: r.leadTransferee,
      progress,
      confState: r.prs.confState(),
    };
  }

  // ---------------------------------------------------------------- internals

  private loadState(hs: HardState): void {
    const log = this.r.log;
    if (hs.commit < log.committed || hs.commit > log.lastIndex()) {
      throw new Error(`raft: hard state commit ${hs.commit} is out of range [${log.committed}, ${log.lastIndex()}]`);
    }
    log.committed = hs.commit;
    this.r.term = hs.term;
    this.r.vote = hs.vote;
  }

  private forwardProposal(type: EntryType, data: Uint8Array): ProposalError | undefined {
    const m = newMessage(MessageType.Prop, NONE);
    m.entries = [{ term: 0, index: 0, type, data }];
    return this.stepInternal(m);
  }

  /** Term handling common to every role (votes, leader lease, stale messages), then the role's handler. */
  private stepInternal(m: Message): ProposalError | undefined {
    const r = this.r;
    if (m.term === 0) {
      // local message (or a forwarded Prop / ReadIndex, which carry no term)
    } else if (m.term > r.term) {
      if (m.type === MessageType.Vote || m.type === MessageType.PreVote) {
        const force = m.context !== undefined && bytesEqual(m.context, CAMPAIGN_TRANSFER);
        const inLease = r.checkQuorum && r.lead !== NONE && r.electionElapsed < r.electionTimeout;
        // Leader stickiness: we heard from a live leader recently, so this candidate is not needed.
        if (!force && inLease) return undefined;
      }
      if (m.type === MessageType.PreVote) {
        // Never change our term in response to a PreVote.
      } else if (m.type === MessageType.PreVoteResp && !m.reject) {
        // The higher term is the one we asked for; it is taken only when a quorum grants it.
      } else if (m.type === MessageType.App || m.type === MessageType.Heartbeat || m.type === MessageType.Snap) {
        becomeFollower(r, m.term, m.from);
      } else {
        becomeFollower(r, m.term, NONE);
      }
    } else if (m.term < r.term) {
      this.answerStale(m);
      return undefined;
    }
    switch (m.type) {
      case MessageType.Hup:
        hup(r, r.preVote ? "pre" : "election");
        return undefined;
      case MessageType.Vote:
      case MessageType.PreVote:
        handleVoteRequest(r, m);
        return undefined;
      default:
        switch (r.role) {
          case StateRole.Leader:
            return stepLeader(r, m);
          case StateRole.Follower:
            return stepFollower(r, m);
          default:
            return stepCandidate(r, m);
        }
    }
  }

  /** A message from an older term: mostly ignored, but some senders must learn our term. */
  private answerStale(m: Message): void {
    const r = this.r;
    if ((r.checkQuorum || r.preVote) && (m.type === MessageType.Heartbeat || m.type === MessageType.App)) {
      // A stale leader (e.g. after a partition): tell it about our term so it steps down, instead of
      // ignoring it (it would never learn, since pre-vote keeps us from bumping terms).
      r.send(newMessage(MessageType.AppResp, m.from));
    } else if (m.type === MessageType.PreVote) {
      const resp = newMessage(MessageType.PreVoteResp, m.from);
      resp.term = r.term;
      resp.reject = true;
      r.send(resp);
    }
  }

  private assertInvariants(): void {
    const log = this.r.log;
    if (log.committed > log.lastIndex()) throw new Error(`raft: commit ${log.committed} beyond last index ${log.lastIndex()}`);
    if (log.applied > log.committed) throw new Error(`raft: applied ${log.applied} beyond commit ${log.committed}`);
    if (this.prevHard.commit > log.committed) throw new Error("raft: commit went back");
    if (this.prevHard.term > this.r.term) throw new Error("raft: term went back");
  }
}
