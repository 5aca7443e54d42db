/**
 * `RaftCore`: one member's mutable Raft state and its fixed settings. The step logic lives in free functions
 * over it, one module per job (roles, election, leader, follower, replication, read_index, propose,
 * membership); `RaftNode` in raft.ts owns one and is the only public face. Methods here are the few
 * primitives every module needs: sending, committing and the uncommitted-size budget.
 *
 * Internal: mod.ts exports `RaftNode`, never this class, so its fields can be plain and public.
 * @module
 */
import { RaftLog } from "./log.ts";
import { newMessage } from "./messages.ts";
import { ProgressTracker } from "./progress.ts";
import { ReadOnly } from "./read_only.ts";
import {
  type Entry,
  type HardState,
  type Message,
  MessageType,
  NONE,
  type NodeId,
  type RaftConfig,
  type ReadState,
  type SoftState,
  StateRole,
} from "./types.ts";

/** An empty payload or context, shared (never written to). */
export const EMPTY = new Uint8Array(0);
const DEFAULT_MAX_PENDING_READ_INDEX = 4_096;
const MIN_COMMITTED_SIZE_PER_READY_BYTES = 1 << 20;

/** Sum of the entries' payload sizes, the unit of the uncommitted-size budget. */
export function payloadBytes(ents: Entry[]): number {
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

/** The state of one member, shared by the step modules. Construction validates the config; it loads no state. */
export class RaftCore {
  readonly id: NodeId;
  term = 0;
  vote: NodeId = NONE;
  lead: NodeId = NONE;
  role: StateRole = StateRole.Follower;
  isLearner = false;
  readonly log: RaftLog;
  readonly prs: ProgressTracker;
  /** Outgoing messages since the last Ready. */
  msgs: Message[] = [];
  readStates: ReadState[] = [];
  leadTransferee: NodeId = NONE;
  /** Index of the last conf change proposed (or possibly in the log, for a new leader); one at a time. */
  pendingConfIndex = 0;
  uncommittedSizeBytes = 0;
  readOnly: ReadOnly;
  /** ReadIndex requests that arrived before this leader committed an entry of its term. */
  pendingReadIndexMessages: Message[] = [];
  electionElapsed = 0;
  heartbeatElapsed = 0;
  randomizedElectionTimeout = 0;
  /** Appends to broadcast are coalesced until the next hasReady()/ready(): many proposals, few messages. */
  pendingBroadcast = false;

  readonly electionTimeout: number;
  readonly heartbeatTimeout: number;
  readonly maxMsgSizeBytes: number;
  readonly maxUncommittedSizeBytes: number;
  readonly maxPendingReadIndex: number;
  readonly checkQuorum: boolean;
  readonly preVote: boolean;
  readonly random: () => number;
  readonly bugVoteTwice: boolean;
  readonly bugCommitPreviousTerm: boolean;

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
  }

  softState(): SoftState {
    return { lead: this.lead, role: this.role };
  }

  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.log.committed };
  }

  /** Queues `m` for the next Ready, stamping our id and (for most kinds) our term. */
  send(m: Message): void {
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

  sendTimeoutNow(to: NodeId): void {
    this.send(newMessage(MessageType.TimeoutNow, to));
  }

  abortLeaderTransfer(): void {
    this.leadTransferee = NONE;
  }

  /** Moves the commit index to what a quorum has; returns whether it moved. */
  maybeCommit(): boolean {
    return this.log.maybeCommit(this.prs.committed(), this.term, this.bugCommitPreviousTerm);
  }

  committedEntryInCurrentTerm(): boolean {
    return this.log.term(this.log.committed) === this.term;
  }

  /** Charges `sizeBytes` of new entries to the budget; false (nothing charged) if they do not fit. */
  increaseUncommittedSize(sizeBytes: number): boolean {
    const next = this.uncommittedSizeBytes + sizeBytes;
    // An empty or first proposal always fits, so one large entry can still get through.
    if (this.uncommittedSizeBytes > 0 && sizeBytes > 0 && next > this.maxUncommittedSizeBytes) return false;
    this.uncommittedSizeBytes = next;
    return true;
  }

  reduceUncommittedSize(sizeBytes: number): void {
    this.uncommittedSizeBytes = sizeBytes > this.uncommittedSizeBytes ? 0 : this.uncommittedSizeBytes - sizeBytes;
  }
}
