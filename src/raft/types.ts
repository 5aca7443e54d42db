/**
 * The vocabulary of the consensus core: entries, messages, hard state, snapshots and the Ready batch.
 * Shared by the core (src/raft), the simulator (src/sim), the transport and the server.
 *
 * Terms and indexes are JS numbers (they stay far below 2^53); member ids are 64-bit bigints, as in etcd.
 * `NONE` (0n) means "no member".
 * @module
 */

/** A member id: a random 64-bit value in a real cluster, small numbers in the simulator. */
export type NodeId = bigint;

/** "No member": no vote cast, no leader known. */
export const NONE: NodeId = 0n;

/** What an entry carries: an application command, or a membership change for the core itself. */
export const EntryType = {
  Normal: 0,
  ConfChange: 1,
} as const;
export type EntryType = typeof EntryType[keyof typeof EntryType];

/** One log entry. `data` of an empty Normal entry is the no-op a new leader appends. */
export interface Entry {
  term: number;
  index: number;
  type: EntryType;
  data: Uint8Array;
}

/** What must be durable before any message that depends on it leaves: term, vote and commit index. */
export interface HardState {
  term: number;
  vote: NodeId;
  commit: number;
}

/** Who votes and who only follows the log. One change at a time, so no joint configuration. */
export interface ConfState {
  voters: NodeId[];
  learners: NodeId[];
}

export interface SnapshotMetadata {
  index: number;
  term: number;
  confState: ConfState;
}

/** A point-in-time copy of the applied state; the log before `metadata.index` can then be dropped. */
export interface Snapshot {
  metadata: SnapshotMetadata;
  data: Uint8Array;
}

/** Membership change kinds. Promoting a learner is `AddNode` on a learner's id. */
export const ConfChangeType = {
  AddNode: 0,
  RemoveNode: 1,
  AddLearnerNode: 2,
} as const;
export type ConfChangeType = typeof ConfChangeType[keyof typeof ConfChangeType];

/** A membership change, proposed with `proposeConfChange` and applied with `applyConfChange`. */
export interface ConfChange {
  type: ConfChangeType;
  nodeId: NodeId;
  /** Opaque to the core: the server puts the member's name and peer URLs here. */
  context?: Uint8Array;
}

/** Message kinds, named as in etcd-io/raft. Local kinds never cross the network. */
export const MessageType = {
  Hup: 0, // local: start an election
  Beat: 1, // local: leader sends heartbeats
  Prop: 2, // proposal; a follower forwards it to the leader
  App: 3,
  AppResp: 4,
  Vote: 5,
  VoteResp: 6,
  Snap: 7,
  Heartbeat: 8,
  HeartbeatResp: 9,
  Unreachable: 10, // local: transport reports a peer unreachable
  SnapStatus: 11, // local: transport reports a snapshot sent or failed
  CheckQuorum: 12, // local
  TransferLeader: 13,
  TimeoutNow: 14,
  ReadIndex: 15,
  ReadIndexResp: 16,
  PreVote: 17,
  PreVoteResp: 18,
} as const;
export type MessageType = typeof MessageType[keyof typeof MessageType];

/**
 * One message between members (or from the local application into the core).
 * Fields not meaningful for a kind are 0 / empty.
 */
export interface Message {
  type: MessageType;
  from: NodeId;
  to: NodeId;
  term: number;
  /** Term of the entry at `index` (App: the previous entry; Vote: the candidate's last entry). */
  logTerm: number;
  index: number;
  entries: Entry[];
  commit: number;
  reject: boolean;
  /** On a rejected App: the follower's hint of where to retry (its last index or conflict index). */
  rejectHint: number;
  snapshot?: Snapshot;
  /** ReadIndex request context; Heartbeat carries it to confirm leadership for a read. */
  context?: Uint8Array;
}

/** A linearizable read the application may serve once it has applied up to `index`. */
export interface ReadState {
  index: number;
  requestCtx: Uint8Array;
}

export const StateRole = {
  Follower: 0,
  Candidate: 1,
  Leader: 2,
  PreCandidate: 3,
} as const;
export type StateRole = typeof StateRole[keyof typeof StateRole];

/** Volatile state worth reporting when it changes: who leads, and our role. */
export interface SoftState {
  lead: NodeId;
  role: StateRole;
}

/**
 * What the application must do, in order: persist `hardState`, `entries` and `snapshot` (fsync when
 * `mustSync`), then send `messages`, then apply `snapshot` and `committedEntries`, then call `advance()`.
 */
export interface Ready {
  softState?: SoftState;
  hardState?: HardState;
  readStates: ReadState[];
  entries: Entry[];
  snapshot?: Snapshot;
  committedEntries: Entry[];
  messages: Message[];
  mustSync: boolean;
}

/**
 * The log as the application has persisted it. The core reads through this; the application appends to it
 * after persisting a Ready's entries. `MemoryStorage` (storage.ts) is the reference implementation.
 */
export interface RaftStorage {
  initialState(): { hardState: HardState; confState: ConfState };
  /** Entries in [lo, hi), at most `maxSizeBytes` (but always at least one). Throws ErrCompacted/ErrUnavailable. */
  entries(lo: number, hi: number, maxSizeBytes: number): Entry[];
  /** Term of entry i; the snapshot's index answers with the snapshot's term. Throws ErrCompacted/ErrUnavailable. */
  term(i: number): number;
  lastIndex(): number;
  /** Index of the first entry still available (snapshot index + 1). */
  firstIndex(): number;
  snapshot(): Snapshot;
}

/**
 * Deliberate bugs, switched on only by tests, to prove the simulator's checkers can fail.
 * Never set in production code paths.
 */
export interface RaftBugs {
  /** A member grants a vote in a term even though it already voted for someone else. */
  voteTwice?: boolean;
  /** A leader advances commit by counting replicas of an entry from a previous term (Raft paper figure 8). */
  commitPreviousTermByCounting?: boolean;
  /** A follower appends new entries without truncating a conflicting suffix of its log. */
  keepConflictingSuffix?: boolean;
}

/** Configuration of one member's core. Every field with a unit says it. */
export interface RaftConfig {
  id: NodeId;
  /** Ticks without hearing from a leader before a follower campaigns (randomised in [n, 2n)). */
  electionTick: number;
  /** Ticks between leader heartbeats; must be < electionTick. */
  heartbeatTick: number;
  storage: RaftStorage;
  /** Last applied index at start (restarts); committed entries above it will be handed out again. */
  applied?: number;
  /** Upper bound on the entries' bytes in one App message. */
  maxSizePerMsgBytes: number;
  /** Bound on App messages in flight to one follower while replicating (pipelining window). */
  maxInflightMsgs: number;
  /** Bound on bytes of proposed-but-uncommitted entries at the leader; proposals past it are dropped. */
  maxUncommittedEntriesSizeBytes?: number;
  preVote: boolean;
  checkQuorum: boolean;
  /** Injected randomness in [0, 1): the only source of nondeterminism the core has. */
  random: () => number;
  bugs?: RaftBugs;
  /** Bytes of committed entries handed out per Ready (at least one entry). Default: max(maxSizePerMsgBytes, 1 MiB). */
  maxCommittedSizePerReadyBytes?: number;
  /** Bound on ReadIndex requests waiting at the leader (queued or awaiting a quorum of acks). Default 4,096. */
  maxPendingReadIndex?: number;
}

/** Why a proposal was not accepted. The caller learns at once; nothing is silently dropped. */
export const ProposalError = {
  NoLeader: "raft: proposal dropped: no leader",
  Transferring: "raft: proposal dropped: leader transfer in progress",
  ConfChangePending: "raft: proposal dropped: a configuration change is still pending",
  TooLarge: "raft: proposal dropped: uncommitted entries exceed the limit",
  NotLearnerCaughtUp: "raft: proposal dropped: learner has not caught up",
  WouldLoseQuorum: "raft: proposal dropped: change would lose quorum",
  TooManyReads: "raft: read dropped: too many pending read requests",
} as const;
export type ProposalError = typeof ProposalError[keyof typeof ProposalError];

/** Replication state of one member as the leader sees it (see progress.ts). */
export interface ProgressStatus {
  match: number;
  next: number;
  state: "probe" | "replicate" | "snapshot";
  recentActive: boolean;
  isLearner: boolean;
}

/** A snapshot of one member's core, for tests, the simulator's checkers and /metrics. */
export interface RaftStatus {
  id: NodeId;
  term: number;
  vote: NodeId;
  commit: number;
  applied: number;
  lead: NodeId;
  role: StateRole;
  leadTransferee: NodeId;
  /** Every member's progress; empty unless this member is the leader. */
  progress: Map<NodeId, ProgressStatus>;
  confState: ConfState;
}

/** Storage errors the core understands. */
export class ErrCompacted extends Error {
  constructor() {
    super("requested index is unavailable due to compaction");
  }
}
export class ErrUnavailable extends Error {
  constructor() {
    super("requested entry at index is unavailable");
  }
}
export class ErrSnapOutOfDate extends Error {
  constructor() {
    super("requested index is older than the existing snapshot");
  }
}

/** Builds a message with every unused field zeroed; callers set what the kind needs. */
export function makeMessage(fields: Partial<Message> & Pick<Message, "type">): Message {
  return {
    from: NONE,
    to: NONE,
    term: 0,
    logTerm: 0,
    index: 0,
    entries: [],
    commit: 0,
    reject: false,
    rejectHint: 0,
    ...fields,
  };
}
