/**
 * `RaftNode`: one member's consensus state machine. Inputs are `tick()`, `step(message)` and the propose /
 * read / membership calls; the output is a `Ready` (what to persist, send and apply), acknowledged by
 * `advance()`. No I/O, no clock, no randomness but `config.random`.
 *
 * Behaviour per role lives in `stepLeader`, `stepCandidate` (also the pre-candidate) and `stepFollower`;
 * term handling, votes and elections are common to all roles and sit in `stepInternal`.
 * @module
 */
import { admitConfChange, decodeConfChange, encodeConfChange } from "./confchange.ts";
import { RaftLog } from "./log.ts";
import {
  bytesEqual,
  CAMPAIGN_TRANSFER,
  isLocalMessage,
  isResponseMessage,
  newMessage,
  voteResponseType,
} from "./messages.ts";
import { Progress, ProgressState, ProgressTracker, VoteResult } from "./progress.ts";
import { majority } from "./quorum.ts";
import { ReadOnly } from "./read_only.ts";
import {
  type ConfChange,
  ConfChangeType,
  type ConfState,
  type Entry,
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
  type ReadState,
  type Ready,
  type Snapshot,
  type SoftState,
  StateRole,
} from "./types.ts";

const EMPTY = new Uint8Array(0);
const DEFAULT_MAX_PENDING_READ_INDEX = 4_096;
const MIN_COMMITTED_SIZE_PER_READY_BYTES = 1 << 20;

type CampaignType = "pre" | "election" | "transfer";

/** What was handed out by the last `ready()`, so `advance()` can mark it persisted and applied. */
interface Outstanding {
  lastEntryIndex: number;
  lastEntryTerm: number;
  snapshotIndex: number;
  lastCommittedIndex: number;
  committedPayloadBytes: number;
}

function payloadBytes(ents: Entry[]): number {
  let n = 0;
  for (let i = 0; i < ents.length; i++) n += ents[i]!.data.byteLength;
  return n;
}

function validateConfig(c: RaftConfig): void {
  if (c.id === NONE) throw new Error("raft: cannot use none as id");
  if (!(c.heartbeatTick > 0)) throw new Error("raft: heartbeatTick must be greater than 0");
  if (!(c.electionTick > c.heartbeatTick)) throw new Error("raft: electionTick must be greater than heartbeatTick");
  if (!(c.maxInflightMsgs >= 1)) throw new Error("raft: maxInflightMsgs must be at least 1");
  if (!(c.maxSizePerMsgBytes > 0)) throw new Error("raft: maxSizePerMsgBytes must be greater than 0");
}

/** One member's Raft state machine. See the module doc and mod.ts for the driving loop. */
export class RaftNode {
  readonly id: NodeId;
  private term = 0;
  private vote: NodeId = NONE;
  private lead: NodeId = NONE;
  private role: StateRole = StateRole.Follower;
  private isLearner = false;
  private readonly log: RaftLog;
  private readonly prs: ProgressTracker;
  private msgs: Message[] = [];
  private readStates: ReadState[] = [];
  private leadTransferee: NodeId = NONE;
  /** Index of the last conf change proposed (or possibly in the log, for a new leader); one at a time. */
  private pendingConfIndex = 0;
  private uncommittedSizeBytes = 0;
  private readOnly: ReadOnly;
  /** ReadIndex requests that arrived before this leader committed an entry of its term. */
  private pendingReadIndexMessages: Message[] = [];
  private electionElapsed = 0;
  private heartbeatElapsed = 0;
  private randomizedElectionTimeout = 0;
  /** Appends to broadcast are coalesced until the next hasReady()/ready(): many proposals, few messages. */
  private pendingBroadcast = false;

  private readonly electionTimeout: number;
  private readonly heartbeatTimeout: number;
  private readonly maxMsgSizeBytes: number;
  private readonly maxUncommittedSizeBytes: number;
  private readonly maxPendingReadIndex: number;
  private readonly checkQuorum: boolean;
  private readonly preVote: boolean;
  private readonly random: () => number;
  private readonly bugVoteTwice: boolean;
  private readonly bugCommitPreviousTerm: boolean;

  private prevSoft: SoftState;
  private prevHard: HardState;
  private outstanding: Outstanding | undefined;

  constructor(config: RaftConfig) {
    validateConfig(config);
    this.id = config.id;
    this.electionTimeout = config.electionTick;
    this.heartbeatTimeout = config.heartbeatTick;
    this.maxMsgSizeBytes = config.maxSizePerMsgBytes;
    this.maxUncommittedSizeBytes = config.maxUncommittedEntriesSizeBytes ?? Infinity;
    this.maxPendingReadIndex = config.maxPendingReadIndex ?? DEFAULT_MAX_PENDING_READ_INDEX;
    this.checkQuorum = config.checkQuorum;
    this.preVote = config.preVote;
    this.random = config.random;
    this.bugVoteTwice = config.bugs?.voteTwice === true;
    this.bugCommitPreviousTerm = config.bugs?.commitPreviousTermByCounting === true;
    this.log = new RaftLog(config.storage, {
      maxCommittedSizePerReadyBytes: config.maxCommittedSizePerReadyBytes ??
        Math.max(config.maxSizePerMsgBytes, MIN_COMMITTED_SIZE_PER_READY_BYTES),
      keepConflictingSuffix: config.bugs?.keepConflictingSuffix === true,
    });
    this.readOnly = new ReadOnly(this.maxPendingReadIndex);
    this.prs = new ProgressTracker(config.maxInflightMsgs);

    const { hardState, confState } = config.storage.initialState();
    this.prs.setConfig(confState, this.log.lastIndex() + 1);
    this.isLearner = this.prs.learners.includes(this.id);
    const zeroHardState = hardState.term === 0 && hardState.vote === NONE && hardState.commit === 0;
    if (!zeroHardState) this.loadState(hardState);
    else if (this.log.lastIndex() === 0 && confState.voters.length > 0) this.bootstrapLog();
    if (config.applied !== undefined && config.applied > 0) this.log.appliedTo(config.applied);
    this.becomeFollower(this.term, NONE);
    this.prevSoft = this.softState();
    // What the storage holds: a bootstrapped founder's first Ready carries its new hard state.
    this.prevHard = { term: hardState.term, vote: hardState.vote, commit: hardState.commit };
  }

  // ---------------------------------------------------------------- public inputs

  /** Advances the logical clock by one tick: elections on followers, heartbeats and check-quorum on leaders. */
  tick(): void {
    if (this.role === StateRole.Leader) this.tickHeartbeat();
    else this.tickElection();
  }

  /** Feeds a message from the network. Local-only kinds and responses from unknown members are ignored. */
  step(m: Message): void {
    if (isLocalMessage(m.type)) return;
    if (isResponseMessage(m.type) && !this.prs.progress.has(m.from)) return;
    this.stepInternal(m);
  }

  /** Starts an election now (pre-vote first when configured). */
  campaign(): void {
    this.stepInternal(newMessage(MessageType.Hup, NONE));
  }

  /** Proposes an application command. `undefined` means accepted (on a follower: forwarded to the leader). */
  propose(data: Uint8Array): ProposalError | undefined {
    if (this.role === StateRole.Leader) return this.proposeAsLeader(EntryType.Normal, data, false);
    return this.forwardProposal(EntryType.Normal, data);
  }

  /**
   * Proposes a membership change. The leader refuses one while another is unapplied, refuses promoting a
   * learner that has not caught up, and refuses a change that would leave fewer recently active voters than
   * the new quorum unless `force`.
   */
  proposeConfChange(cc: ConfChange, options?: { force?: boolean }): ProposalError | undefined {
    const data = encodeConfChange(cc);
    if (this.role === StateRole.Leader) return this.proposeAsLeader(EntryType.ConfChange, data, options?.force === true);
    return this.forwardProposal(EntryType.ConfChange, data);
  }

  /** Applies a committed ConfChange entry (the application calls this when it applies one) and returns the new ConfState. */
  applyConfChange(cc: ConfChange): ConfState {
    const id = cc.nodeId;
    let voters = this.prs.voters;
    let learners = this.prs.learners;
    switch (cc.type) {
      case ConfChangeType.AddNode:
        if (!voters.includes(id)) voters = [...voters, id];
        learners = learners.filter((x) => x !== id);
        break;
      case ConfChangeType.AddLearnerNode:
        voters = voters.filter((x) => x !== id);
        if (!learners.includes(id)) learners = [...learners, id];
        break;
      case ConfChangeType.RemoveNode:
        voters = voters.filter((x) => x !== id);
        learners = learners.filter((x) => x !== id);
        break;
      default:
        throw new Error(`raft: unknown conf change type ${cc.type as number}`);
    }
    // Applying a change that is already in effect (e.g. the founding entries) changes nothing.
    if (voters === this.prs.voters && learners === this.prs.learners) return this.prs.confState();
    return this.switchToConfig({ voters, learners });
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
    if (this.outstanding !== undefined) return false;
    this.flushBroadcast();
    if (this.msgs.length > 0 || this.readStates.length > 0) return true;
    if (this.log.unstable.snapshot !== undefined || this.log.unstable.entries.length > 0) return true;
    if (this.log.hasNextEnts()) return true;
    if (this.lead !== this.prevSoft.lead || this.role !== this.prevSoft.role) return true;
    const hs = this.prevHard;
    return hs.term !== this.term || hs.vote !== this.vote || hs.commit !== this.log.committed;
  }

  /**
   * What to do now: persist `hardState`, `entries`, `snapshot`; then send `messages`; then apply `snapshot`
   * and `committedEntries`; then call `advance()`. Calling `ready()` again before `advance()` throws.
   */
  ready(): Ready {
    if (this.outstanding !== undefined) throw new Error("raft: ready() called again before advance()");
    this.flushBroadcast();
    const entries = this.log.unstableEntries();
    const committedEntries = this.log.nextEnts();
    const rd: Ready = {
      readStates: this.readStates,
      entries,
      committedEntries,
      messages: this.msgs,
      mustSync: entries.length > 0,
    };
    this.msgs = [];
    this.readStates = [];
    if (this.lead !== this.prevSoft.lead || this.role !== this.prevSoft.role) {
      rd.softState = this.softState();
      this.prevSoft = rd.softState;
    }
    const hs = this.prevHard;
    if (hs.term !== this.term || hs.vote !== this.vote || hs.commit !== this.log.committed) {
      rd.hardState = this.hardState();
      if (hs.term !== this.term || hs.vote !== this.vote) rd.mustSync = true;
      this.prevHard = rd.hardState;
    }
    const snapshot = this.log.unstable.snapshot;
    if (snapshot !== undefined) {
      rd.snapshot = snapshot;
      rd.mustSync = true;
    }
    const lastEntry = entries.length > 0 ? entries[entries.length - 1]! : undefined;
    const lastCommitted = committedEntries.length > 0 ? committedEntries[committedEntries.length - 1]! : undefined;
    if (lastCommitted !== undefined && lastCommitted.index > this.log.lastIndex()) {
      throw new Error("raft: handing out a committed entry that was never handed out to persist");
    }
    this.outstanding = {
      lastEntryIndex: lastEntry?.index ?? 0,
      lastEntryTerm: lastEntry?.term ?? 0,
      snapshotIndex: snapshot?.metadata.index ?? 0,
      lastCommittedIndex: lastCommitted?.index ?? 0,
      committedPayloadBytes: this.role === StateRole.Leader ? payloadBytes(committedEntries) : 0,
    };
    return rd;
  }

  /** The last Ready was fully handled: its entries and snapshot are persisted and its committed entries applied. */
  advance(): void {
    const o = this.outstanding;
    if (o === undefined) throw new Error("raft: advance() without a ready()");
    this.outstanding = undefined;
    if (o.snapshotIndex > 0) {
      this.log.stableSnapTo(o.snapshotIndex);
      if (o.snapshotIndex > this.log.applied) this.log.appliedTo(o.snapshotIndex);
    }
    if (o.lastCommittedIndex > 0) {
      this.log.appliedTo(o.lastCommittedIndex);
      this.reduceUncommittedSize(o.committedPayloadBytes);
    }
    if (o.lastEntryIndex > 0) this.log.stableTo(o.lastEntryIndex, o.lastEntryTerm);
    this.assertInvariants();
  }

  /** The member's current state (progress only on the leader). */
  status(): RaftStatus {
    const progress = new Map<NodeId, ProgressStatus>();
    if (this.role === StateRole.Leader) {
      for (const [id, pr] of this.prs.progress) {
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
      id: this.id,
      term: this.term,
      vote: this.vote,
      commit: this.log.committed,
      applied: this.log.applied,
      lead: this.lead,
      role: this.role,
      leadTransferee: this.leadTransferee,
      progress,
      confState: this.prs.confState(),
    };
  }

  /**
   * A founding member's first start (empty log at index 0, zero hard state, a non-empty ConfState): write
   * the founding configuration into the log as committed ConfChange entries at term 1, ids in ascending
   * order, as etcd's Bootstrap does. Every founder writes the same entries, and a member that joins later
   * learns the founders by replaying the log from index 1.
   */
  private bootstrapLog(): void {
    const ascending = (a: NodeId, b: NodeId): number => (a < b ? -1 : a > b ? 1 : 0);
    const changes: ConfChange[] = [
      ...[...this.prs.voters].sort(ascending).map((nodeId) => ({ type: ConfChangeType.AddNode, nodeId })),
      ...[...this.prs.learners].sort(ascending).map((nodeId) => ({ type: ConfChangeType.AddLearnerNode, nodeId })),
    ];
    const entries = changes.map((cc, i): Entry => ({
      term: 1,
      index: i + 1,
      type: EntryType.ConfChange,
      data: encodeConfChange(cc),
    }));
    this.log.append(entries);
    this.log.commitTo(entries.length);
    this.term = 1;
  }

  // ---------------------------------------------------------------- state transitions

  private softState(): SoftState {
    return { lead: this.lead, role: this.role };
  }

  private hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.log.committed };
  }

  private loadState(hs: HardState): void {
    if (hs.commit < this.log.committed || hs.commit > this.log.lastIndex()) {
      throw new Error(`raft: hard state commit ${hs.commit} is out of range [${this.log.committed}, ${this.log.lastIndex()}]`);
    }
    this.log.committed = hs.commit;
    this.term = hs.term;
    this.vote = hs.vote;
  }

  private reset(term: number): void {
    if (term < this.term) throw new Error(`raft: term would go back from ${this.term} to ${term}`);
    if (this.term !== term) {
      this.term = term;
      this.vote = NONE;
    }
    this.lead = NONE;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.resetRandomizedElectionTimeout();
    this.abortLeaderTransfer();
    this.prs.resetVotes();
    const last = this.log.lastIndex();
    for (const [id, pr] of this.prs.progress) {
      const fresh = new Progress(last + 1, this.prs.maxInflightMsgs, pr.isLearner);
      if (id === this.id) fresh.match = last;
      this.prs.progress.set(id, fresh);
    }
    this.pendingConfIndex = 0;
    this.uncommittedSizeBytes = 0;
    this.readOnly = new ReadOnly(this.maxPendingReadIndex);
    this.pendingReadIndexMessages = [];
    this.pendingBroadcast = false;
  }

  private resetRandomizedElectionTimeout(): void {
    const r = this.random();
    if (!(r >= 0 && r < 1)) throw new Error(`raft: config.random() returned ${r}, outside [0, 1)`);
    this.randomizedElectionTimeout = this.electionTimeout + Math.floor(r * this.electionTimeout);
  }

  private becomeFollower(term: number, lead: NodeId): void {
    this.reset(term);
    this.lead = lead;
    this.role = StateRole.Follower;
  }

  private becomeCandidate(): void {
    if (this.role === StateRole.Leader) throw new Error("raft: invalid transition [leader -> candidate]");
    this.reset(this.term + 1);
    this.vote = this.id;
    this.role = StateRole.Candidate;
  }

  private becomePreCandidate(): void {
    if (this.role === StateRole.Leader) throw new Error("raft: invalid transition [leader -> pre-candidate]");
    // A pre-candidate changes neither term nor vote: a partitioned member cannot inflate terms.
    this.prs.resetVotes();
    this.lead = NONE;
    this.role = StateRole.PreCandidate;
  }

  private becomeLeader(): void {
    if (this.role === StateRole.Follower) throw new Error("raft: invalid transition [follower -> leader]");
    this.reset(this.term);
    this.lead = this.id;
    this.role = StateRole.Leader;
    this.prs.progress.get(this.id)!.becomeReplicate();
    this.prs.progress.get(this.id)!.recentActive = true;
    // Conservatively assume the log holds an unapplied conf change: none may be proposed before it is applied.
    this.pendingConfIndex = this.log.lastIndex();
    // ---- DELIBERATE BUG (test-only, config.bugs.commitPreviousTermByCounting) ----
    // Without the empty entry of its own term, the buggy leader commits old entries by counting (figure 8).
    if (this.bugCommitPreviousTerm) {
      this.pendingBroadcast = true;
      return;
    }
    // ---- END DELIBERATE BUG ----
    this.appendEntries([{ term: 0, index: 0, type: EntryType.Normal, data: EMPTY }]);
    this.pendingBroadcast = true;
  }

  private promotable(): boolean {
    return this.prs.progress.has(this.id) && !this.isLearner && this.log.unstable.snapshot === undefined;
  }

  private hasUnappliedConfChanges(): boolean {
    if (this.log.applied >= this.log.committed) return false;
    let lo = this.log.applied + 1;
    const hi = this.log.committed + 1;
    while (lo < hi) {
      const ents = this.log.slice(lo, hi, 1 << 20);
      if (ents === undefined || ents.length === 0) return false;
      for (const e of ents) if (e.type === EntryType.ConfChange) return true;
      lo = ents[ents.length - 1]!.index + 1;
    }
    return false;
  }

  private hup(type: CampaignType): void {
    if (this.role === StateRole.Leader) return;
    if (!this.promotable()) return;
    if (this.hasUnappliedConfChanges()) return;
    this.campaign0(type);
  }

  private campaign0(type: CampaignType): void {
    let voteType: MessageType;
    let term: number;
    if (type === "pre") {
      this.becomePreCandidate();
      voteType = MessageType.PreVote;
      term = this.term + 1; // the term we would have; not taken yet
    } else {
      this.becomeCandidate();
      voteType = MessageType.Vote;
      term = this.term;
    }
    if (this.poll(this.id, true) === VoteResult.Won) {
      // A single voter wins at once.
      if (type === "pre") this.campaign0("election");
      else this.becomeLeader();
      return;
    }
    const lastIndex = this.log.lastIndex();
    const lastTerm = this.log.lastTerm();
    for (const id of this.prs.voters) {
      if (id === this.id) continue;
      const m = newMessage(voteType, id);
      m.term = term;
      m.index = lastIndex;
      m.logTerm = lastTerm;
      if (type === "transfer") m.context = CAMPAIGN_TRANSFER;
      this.send(m);
    }
  }

  private poll(id: NodeId, granted: boolean): VoteResult {
    this.prs.recordVote(id, granted);
    return this.prs.tallyVotes();
  }

  // ---------------------------------------------------------------- ticks

  private tickElection(): void {
    this.electionElapsed++;
    if (this.promotable() && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.hup(this.preVote ? "pre" : "election");
    }
  }

  private tickHeartbeat(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.electionTimeout) {
      this.electionElapsed = 0;
      if (this.checkQuorum) this.stepLeaderCheckQuorum();
      // A transfer that did not finish within an election timeout is abandoned.
      if (this.role === StateRole.Leader && this.leadTransferee !== NONE) this.abortLeaderTransfer();
    }
    if (this.role !== StateRole.Leader) return;
    if (this.heartbeatElapsed >= this.heartbeatTimeout) {
      this.heartbeatElapsed = 0;
      this.bcastHeartbeat(this.readOnly.lastPendingContext());
    }
  }

  private stepLeaderCheckQuorum(): void {
    if (!this.prs.quorumActive(this.id)) {
      this.becomeFollower(this.term, NONE);
      return;
    }
    for (const [id, pr] of this.prs.progress) if (id !== this.id) pr.recentActive = false;
  }

  // ---------------------------------------------------------------- step

  private stepInternal(m: Message): ProposalError | undefined {
    if (m.term === 0) {
      // local message (or a forwarded Prop / ReadIndex, which carry no term)
    } else if (m.term > this.term) {
      if (m.type === MessageType.Vote || m.type === MessageType.PreVote) {
        const force = m.context !== undefined && bytesEqual(m.context, CAMPAIGN_TRANSFER);
        const inLease = this.checkQuorum && this.lead !== NONE && this.electionElapsed < this.electionTimeout;
        // Leader stickiness: we heard from a live leader recently, so this candidate is not needed.
        if (!force && inLease) return undefined;
      }
      if (m.type === MessageType.PreVote) {
        // Never change our term in response to a PreVote.
      } else if (m.type === MessageType.PreVoteResp && !m.reject) {
        // The higher term is the one we asked for; it is taken only when a quorum grants it.
      } else if (m.type === MessageType.App || m.type === MessageType.Heartbeat || m.type === MessageType.Snap) {
        this.becomeFollower(m.term, m.from);
      } else {
        this.becomeFollower(m.term, NONE);
      }
    } else if (m.term < this.term) {
      if ((this.checkQuorum || this.preVote) && (m.type === MessageType.Heartbeat || m.type === MessageType.App)) {
        // A stale leader (e.g. after a partition): tell it about our term so it steps down, instead of
        // ignoring it (it would never learn, since pre-vote keeps us from bumping terms).
        this.send(newMessage(MessageType.AppResp, m.from));
      } else if (m.type === MessageType.PreVote) {
        const resp = newMessage(MessageType.PreVoteResp, m.from);
        resp.term = this.term;
        resp.reject = true;
        this.send(resp);
      }
      return undefined;
    }

    switch (m.type) {
      case MessageType.Hup:
        this.hup(this.preVote ? "pre" : "election");
        return undefined;
      case MessageType.Vote:
      case MessageType.PreVote:
        this.handleVoteRequest(m);
        return undefined;
      default:
        switch (this.role) {
          case StateRole.Leader:
            return this.stepLeader(m);
          case StateRole.Follower:
            return this.stepFollower(m);
          default:
            return this.stepCandidate(m);
        }
    }
  }

  private handleVoteRequest(m: Message): void {
    let canVote = this.vote === m.from || (this.vote === NONE && this.lead === NONE) ||
      (m.type === MessageType.PreVote && m.term > this.term);
    // ---- DELIBERATE BUG (test-only, config.bugs.voteTwice) ----
    if (this.bugVoteTwice && m.type === MessageType.Vote) canVote = true;
    // ---- END DELIBERATE BUG ----
    const resp = newMessage(voteResponseType(m.type), m.from);
    if (canVote && this.log.isUpToDate(m.index, m.logTerm)) {
      // The response carries the request's term: a pre-vote grant is for the term the candidate would take.
      resp.term = m.term;
      this.send(resp);
      if (m.type === MessageType.Vote) {
        if (this.vote !== NONE && this.vote !== m.from && !this.bugVoteTwice) {
          throw new Error(`raft: ${this.id} would vote twice in term ${this.term}`);
        }
        this.electionElapsed = 0;
        this.vote = m.from;
      }
    } else {
      resp.term = this.term;
      resp.reject = true;
      this.send(resp);
    }
  }

  private stepLeader(m: Message): ProposalError | undefined {
    switch (m.type) {
      case MessageType.Beat:
        this.bcastHeartbeat(this.readOnly.lastPendingContext());
        return undefined;
      case MessageType.CheckQuorum:
        this.stepLeaderCheckQuorum();
        return undefined;
      case MessageType.Prop:
        return this.proposeEntriesAsLeader(m.entries);
      case MessageType.ReadIndex:
        return this.leaderReadIndex(m);
    }
    const pr = this.prs.progress.get(m.from);
    if (pr === undefined) return undefined;
    switch (m.type) {
      case MessageType.AppResp:
        this.handleAppendResponse(m, pr);
        break;
      case MessageType.HeartbeatResp:
        this.handleHeartbeatResponse(m, pr);
        break;
      case MessageType.SnapStatus:
        if (pr.state !== ProgressState.Snapshot) break;
        if (m.reject) pr.pendingSnapshot = 0;
        pr.becomeProbe();
        // Wait for a heartbeat response before probing again, whether it worked or not.
        pr.probeSent = true;
        break;
      case MessageType.Unreachable:
        // Optimistic sends were probably lost: fall back to one probe at a time.
        if (pr.state === ProgressState.Replicate) pr.becomeProbe();
        break;
      case MessageType.TransferLeader:
        this.handleTransferLeader(m.from, pr);
        break;
    }
    return undefined;
  }

  private handleAppendResponse(m: Message, pr: Progress): void {
    pr.recentActive = true;
    if (m.reject) {
      // Fast backtracking: the follower's hint (index, term) tells where its log may match ours.
      let nextProbeIndex = m.rejectHint;
      if (m.logTerm > 0) nextProbeIndex = this.log.findConflictByTerm(m.rejectHint, m.logTerm);
      if (pr.maybeDecrTo(m.index, nextProbeIndex)) {
        if (pr.state === ProgressState.Replicate) pr.becomeProbe();
        this.maybeSendAppend(m.from, pr, true);
      }
      return;
    }
    const wasPaused = pr.isPaused();
    if (!pr.maybeUpdate(m.index)) return;
    if (pr.state === ProgressState.Probe) {
      pr.becomeReplicate();
    } else if (pr.state === ProgressState.Snapshot && pr.match >= pr.pendingSnapshot) {
      pr.becomeProbe();
      pr.becomeReplicate();
    } else if (pr.state === ProgressState.Replicate) {
      pr.inflights.freeLE(m.index);
    }
    if (this.maybeCommit()) {
      this.releasePendingReadIndexMessages();
      this.pendingBroadcast = true;
    } else if (wasPaused) {
      this.maybeSendAppend(m.from, pr, true);
    }
    // Pipelining: keep the window full while there is something to send.
    while (this.maybeSendAppend(m.from, pr, false)) { /* bounded by the in-flight window */ }
    if (m.from === this.leadTransferee && pr.match === this.log.lastIndex()) this.sendTimeoutNow(m.from);
  }

  private handleHeartbeatResponse(m: Message, pr: Progress): void {
    pr.recentActive = true;
    pr.probeSent = false;
    // The follower is alive: let one more optimistic App go if the window is full.
    if (pr.state === ProgressState.Replicate && pr.inflights.full()) pr.inflights.freeFirstOne();
    if (pr.match < this.log.lastIndex()) this.maybeSendAppend(m.from, pr, true);
    if (m.context === undefined) return;
    const acks = this.readOnly.recvAck(m.from, m.context);
    if (acks === undefined) return;
    let granted = 0;
    for (const id of this.prs.voters) if (acks.has(id)) granted++;
    if (granted < majority(this.prs.voters.length)) return;
    for (const rs of this.readOnly.advance(m.context)) this.respondToRead(rs.req, rs.index);
  }

  private handleTransferLeader(target: NodeId, pr: Progress): void {
    if (pr.isLearner) return;
    if (this.leadTransferee !== NONE) {
      if (this.leadTransferee === target) return;
      this.abortLeaderTransfer();
    }
    if (target === this.id) return;
    // The transfer must finish within one election timeout.
    this.electionElapsed = 0;
    this.leadTransferee = target;
    if (pr.match === this.log.lastIndex()) this.sendTimeoutNow(target);
    else this.maybeSendAppend(target, pr, true);
  }

  private stepCandidate(m: Message): ProposalError | undefined {
    const myVoteResp = this.role === StateRole.PreCandidate ? MessageType.PreVoteResp : MessageType.VoteResp;
    switch (m.type) {
      case MessageType.Prop:
        return ProposalError.NoLeader;
      case MessageType.ReadIndex:
        return ProposalError.NoLeader;
      case MessageType.App:
        this.becomeFollower(m.term, m.from);
        this.handleAppendEntries(m);
        return undefined;
      case MessageType.Heartbeat:
        this.becomeFollower(m.term, m.from);
        this.handleHeartbeat(m);
        return undefined;
      case MessageType.Snap:
        this.becomeFollower(m.term, m.from);
        this.handleSnapshot(m);
        return undefined;
    }
    if (m.type === myVoteResp) {
      const result = this.poll(m.from, !m.reject);
      if (result === VoteResult.Won) {
        if (this.role === StateRole.PreCandidate) this.campaign0("election");
        else this.becomeLeader();
      } else if (result === VoteResult.Lost) {
        this.becomeFollower(this.term, NONE);
      }
    }
    return undefined;
  }

  private stepFollower(m: Message): ProposalError | undefined {
    switch (m.type) {
      case MessageType.Prop: {
        if (this.lead === NONE) return ProposalError.NoLeader;
        const fwd = newMessage(MessageType.Prop, this.lead);
        fwd.entries = m.entries;
        this.send(fwd);
        return undefined;
      }
      case MessageType.App:
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleAppendEntries(m);
        return undefined;
      case MessageType.Heartbeat:
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleHeartbeat(m);
        return undefined;
      case MessageType.Snap:
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleSnapshot(m);
        return undefined;
      case MessageType.TransferLeader: {
        if (this.lead === NONE) return undefined;
        const fwd = newMessage(MessageType.TransferLeader, this.lead);
        fwd.from = m.from;
        this.send(fwd);
        return undefined;
      }
      case MessageType.TimeoutNow:
        // Leader transfer: campaign at once, without pre-vote, overriding the others' leader lease.
        this.hup("transfer");
        return undefined;
      case MessageType.ReadIndex: {
        if (this.lead === NONE) return ProposalError.NoLeader;
        const fwd = newMessage(MessageType.ReadIndex, this.lead);
        fwd.context = m.context;
        this.send(fwd);
        return undefined;
      }
      case MessageType.ReadIndexResp:
        this.readStates.push({ index: m.index, requestCtx: m.context ?? EMPTY });
        return undefined;
    }
    return undefined;
  }

  // ---------------------------------------------------------------- follower handlers

  private handleAppendEntries(m: Message): void {
    if (m.index < this.log.committed) {
      const resp = newMessage(MessageType.AppResp, m.from);
      resp.index = this.log.committed;
      this.send(resp);
      return;
    }
    const lastNew = this.log.maybeAppend(m.index, m.logTerm, m.commit, m.entries);
    const resp = newMessage(MessageType.AppResp, m.from);
    if (lastNew >= 0) {
      resp.index = lastNew;
      this.send(resp);
      return;
    }
    // Reject with a hint: the largest index <= min(m.index, our last) whose term is <= the leader's prev
    // term. The leader skips every entry of a conflicting term in one round trip.
    let hintIndex = Math.min(m.index, this.log.lastIndex());
    hintIndex = this.log.findConflictByTerm(hintIndex, m.logTerm);
    const hintTerm = this.log.term(hintIndex);
    resp.index = m.index;
    resp.reject = true;
    resp.rejectHint = hintIndex;
    resp.logTerm = hintTerm === -1 ? 0 : hintTerm;
    this.send(resp);
  }

  private handleHeartbeat(m: Message): void {
    this.log.commitTo(Math.min(m.commit, this.log.lastIndex()));
    const resp = newMessage(MessageType.HeartbeatResp, m.from);
    resp.context = m.context;
    this.send(resp);
  }

  private handleSnapshot(m: Message): void {
    const resp = newMessage(MessageType.AppResp, m.from);
    if (m.snapshot !== undefined && this.restore(m.snapshot)) resp.index = this.log.lastIndex();
    else resp.index = this.log.committed;
    this.send(resp);
  }

  /** Restores from a leader's snapshot if it is newer than our commit; returns whether it did. */
  private restore(s: Snapshot): boolean {
    const meta = s.metadata;
    if (meta.index <= this.log.committed) return false;
    if (this.role !== StateRole.Follower) {
      // Defensive: only a follower restores. Step down into the next term rather than restore.
      this.becomeFollower(this.term + 1, NONE);
      return false;
    }
    const cs = meta.confState;
    if (!cs.voters.includes(this.id) && !cs.learners.includes(this.id)) return false;
    if (this.log.matchTerm(meta.index, meta.term)) {
      // We already have the entry: just fast-forward the commit index.
      this.log.commitTo(meta.index);
      return false;
    }
    this.log.restore(s);
    this.switchToConfig({ voters: [...cs.voters], learners: [...cs.learners] });
    return true;
  }

  // ---------------------------------------------------------------- leader helpers

  private forwardProposal(type: EntryType, data: Uint8Array): ProposalError | undefined {
    const m = newMessage(MessageType.Prop, NONE);
    m.entries = [{ term: 0, index: 0, type, data }];
    return this.stepInternal(m);
  }

  private proposeAsLeader(type: EntryType, data: Uint8Array, force: boolean): ProposalError | undefined {
    if (!this.prs.progress.has(this.id)) return ProposalError.NoLeader;
    if (this.leadTransferee !== NONE) return ProposalError.Transferring;
    if (type === EntryType.ConfChange) {
      const err = this.checkConfChange(data, force);
      if (err !== undefined) return err;
    }
    if (!this.increaseUncommittedSize(data.byteLength)) return ProposalError.TooLarge;
    const index = this.log.lastIndex() + 1;
    this.log.append([{ term: this.term, index, type, data }]);
    if (type === EntryType.ConfChange) this.pendingConfIndex = index;
    this.afterLeaderAppend(index);
    return undefined;
  }

  private proposeEntriesAsLeader(entries: Entry[]): ProposalError | undefined {
    if (entries.length === 0) throw new Error("raft: stepped empty MsgProp");
    if (!this.prs.progress.has(this.id)) return ProposalError.NoLeader;
    if (this.leadTransferee !== NONE) return ProposalError.Transferring;
    let pendingConf = this.pendingConfIndex;
    const last = this.log.lastIndex();
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      if (e.type !== EntryType.ConfChange) continue;
      // A forwarded batch is all or nothing, and never forced.
      if (pendingConf > this.log.applied) return ProposalError.ConfChangePending;
      let err: ProposalError | undefined;
      try {
        err = this.checkConfChange(e.data, false);
      } catch {
        return undefined; // malformed conf change from a peer: drop it
      }
      if (err !== undefined) return err;
      pendingConf = last + 1 + i;
    }
    if (!this.increaseUncommittedSize(payloadBytes(entries))) return ProposalError.TooLarge;
    this.pendingConfIndex = pendingConf;
    this.appendEntries(entries);
    return undefined;
  }

  /** Appends copies of `entries` numbered in our term (copies: a forwarded message may be delivered twice). */
  private appendEntries(entries: Entry[]): void {
    const last = this.log.lastIndex();
    const numbered = new Array<Entry>(entries.length);
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      numbered[i] = { term: this.term, index: last + 1 + i, type: e.type, data: e.data };
    }
    this.afterLeaderAppend(this.log.append(numbered));
  }

  private afterLeaderAppend(lastIndex: number): void {
    this.prs.progress.get(this.id)!.maybeUpdate(lastIndex);
    // Only a single voter can commit on its own append: otherwise a follower must ack first.
    if (this.prs.isSingleton() && this.maybeCommit()) this.releasePendingReadIndexMessages();
    this.pendingBroadcast = true;
  }

  private checkConfChange(data: Uint8Array, force: boolean): ProposalError | undefined {
    if (this.pendingConfIndex > this.log.applied) return ProposalError.ConfChangePending;
    return admitConfChange(decodeConfChange(data), {
      self: this.id,
      tracker: this.prs,
      committed: this.log.committed,
      lastIndex: this.log.lastIndex(),
      force,
    });
  }

  private increaseUncommittedSize(sizeBytes: number): boolean {
    const next = this.uncommittedSizeBytes + sizeBytes;
    // An empty or first proposal always fits, so one large entry can still get through.
    if (this.uncommittedSizeBytes > 0 && sizeBytes > 0 && next > this.maxUncommittedSizeBytes) return false;
    this.uncommittedSizeBytes = next;
    return true;
  }

  private reduceUncommittedSize(sizeBytes: number): void {
    this.uncommittedSizeBytes = sizeBytes > this.uncommittedSizeBytes ? 0 : this.uncommittedSizeBytes - sizeBytes;
  }

  private maybeCommit(): boolean {
    return this.log.maybeCommit(this.prs.committed(), this.term, this.bugCommitPreviousTerm);
  }

  private committedEntryInCurrentTerm(): boolean {
    return this.log.term(this.log.committed) === this.term;
  }

  private leaderReadIndex(m: Message): ProposalError | undefined {
    if (this.prs.isSingleton()) {
      this.respondToRead(m, this.log.committed);
      return undefined;
    }
    if (!this.committedEntryInCurrentTerm()) {
      // Our commit index may lag the true one until our first entry commits: hold the read until then.
      if (this.pendingReadIndexMessages.length >= this.maxPendingReadIndex) return ProposalError.TooManyReads;
      this.pendingReadIndexMessages.push(m);
      return undefined;
    }
    return this.startRead(m);
  }

  private startRead(m: Message): ProposalError | undefined {
    const ctx = m.context ?? EMPTY;
    if (!this.readOnly.addRequest(this.log.committed, m, ctx)) return ProposalError.TooManyReads;
    this.readOnly.recvAck(this.id, ctx);
    this.bcastHeartbeat(ctx);
    return undefined;
  }

  private releasePendingReadIndexMessages(): void {
    if (this.pendingReadIndexMessages.length === 0 || !this.committedEntryInCurrentTerm()) return;
    const queued = this.pendingReadIndexMessages;
    this.pendingReadIndexMessages = [];
    for (const m of queued) this.startRead(m);
  }

  private respondToRead(req: Message, index: number): void {
    const ctx = req.context ?? EMPTY;
    if (req.from === NONE || req.from === this.id) {
      this.readStates.push({ index, requestCtx: ctx });
      return;
    }
    const resp = newMessage(MessageType.ReadIndexResp, req.from);
    resp.index = index;
    resp.context = ctx;
    this.send(resp);
  }

  private sendTimeoutNow(to: NodeId): void {
    this.send(newMessage(MessageType.TimeoutNow, to));
  }

  private abortLeaderTransfer(): void {
    this.leadTransferee = NONE;
  }

  private flushBroadcast(): void {
    if (!this.pendingBroadcast) return;
    this.pendingBroadcast = false;
    if (this.role !== StateRole.Leader) return;
    for (const [id, pr] of this.prs.progress) {
      if (id === this.id) continue;
      if (!this.maybeSendAppend(id, pr, true)) continue;
      while (pr.state === ProgressState.Replicate && this.maybeSendAppend(id, pr, false)) { /* window-bounded */ }
    }
  }

  private bcastHeartbeat(ctx: Uint8Array | undefined): void {
    for (const [id, pr] of this.prs.progress) {
      if (id === this.id) continue;
      const m = newMessage(MessageType.Heartbeat, id);
      // Never tell a follower to commit beyond what it is known to have.
      m.commit = Math.min(pr.match, this.log.committed);
      m.context = ctx;
      this.send(m);
    }
  }

  /** Sends an App (or a snapshot) to `to` if its state allows; returns whether a message was sent. */
  private maybeSendAppend(to: NodeId, pr: Progress, sendIfEmpty: boolean): boolean {
    if (pr.isPaused()) return false;
    const prevIndex = pr.next - 1;
    const prevTerm = this.log.term(prevIndex);
    const ents = prevTerm === -1 ? undefined : this.log.entriesFrom(pr.next, this.maxMsgSizeBytes);
    if (ents === undefined) return this.maybeSendSnapshot(to, pr);
    if (ents.length === 0 && !sendIfEmpty) return false;
    const m = newMessage(MessageType.App, to);
    m.index = prevIndex;
    m.logTerm = prevTerm;
    m.entries = ents;
    m.commit = this.log.committed;
    this.send(m);
    if (ents.length > 0) {
      if (pr.state === ProgressState.Replicate) {
        const last = ents[ents.length - 1]!.index;
        pr.optimisticUpdate(last);
        pr.inflights.add(last);
      } else if (pr.state === ProgressState.Probe) {
        pr.probeSent = true;
      } else {
        throw new Error(`raft: sending append in state ${pr.state}`);
      }
    }
    return true;
  }

  private maybeSendSnapshot(to: NodeId, pr: Progress): boolean {
    if (pr.next - 1 > this.log.lastIndex()) {
      throw new Error(`raft: progress of ${to} has next ${pr.next} beyond last index ${this.log.lastIndex()}`);
    }
    // Only to a member we heard from recently: a snapshot is big.
    if (!pr.recentActive) return false;
    const snapshot = this.log.storage.snapshot();
    if (snapshot.metadata.index === 0) throw new Error("raft: need a snapshot, but the storage has none");
    const m = newMessage(MessageType.Snap, to);
    m.snapshot = snapshot;
    this.send(m);
    pr.becomeSnapshot(snapshot.metadata.index);
    return true;
  }

  // ---------------------------------------------------------------- membership

  private switchToConfig(cs: ConfState): ConfState {
    this.prs.setConfig(cs, this.log.lastIndex() + 1);
    this.isLearner = this.prs.learners.includes(this.id);
    if (this.role !== StateRole.Leader) return this.prs.confState();
    if (!this.prs.progress.has(this.id) || this.isLearner) {
      this.stepDownAfterRemoval();
      return this.prs.confState();
    }
    if (this.maybeCommit()) this.releasePendingReadIndexMessages();
    // Commit may have moved, and new members need probing.
    this.pendingBroadcast = true;
    if (this.leadTransferee !== NONE && !this.prs.isVoter(this.leadTransferee)) this.abortLeaderTransfer();
    return this.prs.confState();
  }

  /** We were removed (or demoted) while leading: hand over to an up-to-date voter if any, and step down. */
  private stepDownAfterRemoval(): void {
    const last = this.log.lastIndex();
    let successor: NodeId = NONE;
    for (const id of this.prs.voters) {
      if (this.prs.progress.get(id)?.match === last) {
        successor = id;
        break;
      }
    }
    if (successor !== NONE) this.sendTimeoutNow(successor);
    this.becomeFollower(this.term, NONE);
  }

  // ---------------------------------------------------------------- sending and invariants

  private send(m: Message): void {
    if (m.from === NONE) m.from = this.id;
    if (m.type === MessageType.Vote || m.type === MessageType.PreVote) {
      if (m.term === 0) throw new Error(`raft: term should be set when sending ${m.type}`);
    } else if (m.type === MessageType.VoteResp || m.type === MessageType.PreVoteResp) {
      // term set by the caller
    } else {
      if (m.term !== 0) throw new Error(`raft: term should not be set when sending ${m.type} (was ${m.term})`);
      // Proposals and read requests are forwarded without a term (treated as local by the leader).
      if (m.type !== MessageType.Prop && m.type !== MessageType.ReadIndex) m.term = this.term;
    }
    this.msgs.push(m);
  }

  private assertInvariants(): void {
    const log = this.log;
    if (log.committed > log.lastIndex()) throw new Error(`raft: commit ${log.committed} beyond last index ${log.lastIndex()}`);
    if (log.applied > log.committed) throw new Error(`raft: applied ${log.applied} beyond commit ${log.committed}`);
    if (this.prevHard.commit > log.committed) throw new Error("raft: commit went back");
    if (this.prevHard.term > this.term) throw new Error("raft: term went back");
  }
}
