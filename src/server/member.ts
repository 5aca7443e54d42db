/**
 * One member: the service layer every front-end calls, and the Ready loop that drives the Raft core.
 *
 * Writes: a request becomes a proposal with a waiter; proposals arriving in the same event-loop turn are
 * handed to the core together, then the core's Ready is processed once — one SQLite transaction and one
 * fsync for the whole batch. The waiter resolves after the transaction that applied the entry committed.
 *
 * Two ways through a Ready:
 * - combined (a single voter, nothing to send): persist the entries and hard state, apply the committed
 *   entries and record the applied index, all in ONE transaction;
 * - general (what a follower uses): persist in one transaction, send, then apply with the applied index
 *   in a second transaction. A crash between the two replays the entries from applied index + 1.
 *
 * Linearizable reads: reads waiting in one turn share one ReadIndex request; they are served once the
 * applied index reaches the read index. Serializable reads are served at once from local state.
 *
 * Apply is total: every committed entry has an outcome decided by the entry and the state alone, so every
 * member reaches the same one. An entry that does not decode, or whose write breaks an invariant half-way
 * (rolled back to its savepoint), is logged with its index and answered with `entryNotApplied`; the loop
 * goes on. Only a storage failure (src/server/storage_failure.ts) stops the member. Requests reach apply
 * through the request boundary (src/server/boundary.ts), so such entries come only from older releases.
 * @module
 */
import { EtcdError, entryNotApplied, Errors } from "../codec/errors.ts";
import { varintSizeBytes } from "../codec/proto_size.ts";
import {
  type AlarmMember,
  AlarmType,
  type CompactionRequest,
  type CompactionResponse,
  type DeleteRangeRequest,
  type DeleteRangeResponse,
  type Member as MemberInfo,
  type MemberAddRequest,
  type MemberAddResponse,
  type MemberListResponse,
  type MemberPromoteRequest,
  type MemberPromoteResponse,
  type MemberRemoveRequest,
  type MemberRemoveResponse,
  type MemberUpdateRequest,
  type MemberUpdateResponse,
  type MoveLeaderRequest,
  type MoveLeaderResponse,
  type PutRequest,
  type PutResponse,
  type RangeRequest,
  type RangeResponse,
  type ResponseHeader,
  type StatusResponse,
  type TxnRequest,
  type TxnResponse,
} from "../codec/messages.ts";
import {
  type ConfChange,
  ConfChangeType,
  type ConfState,
  decodeConfChange,
  type Entry,
  EntryType,
  type Message,
  MessageType,
  NONE,
  type NodeId,
  type RaftStatus,
  type Ready,
  type Snapshot,
  StateRole,
} from "../raft/mod.ts";
import type { SqlDatabase } from "../storage/adapter.ts";
import type { RowMeasure, StreamedRange } from "../mvcc/range_stream.ts";
import type { SqliteRaftLog } from "../storage/raft_log.ts";
import { checkRequest } from "./boundary.ts";
import type { CheckedRequest } from "../auth/checks.ts";
import type { AuthService } from "../auth/service.ts";
import {
  decodeProposal,
  encodeProposal,
  type MemberOp,
  newOrigin,
  type Proposal,
  UndecodableProposal,
} from "./proposal.ts";
import { describeStorageFailure, isStorageFailure } from "./storage_failure.ts";
import { decodeMemberContext, encodeMemberContext, type MemberContext, type MemberRegistry } from "./members.ts";
import type { LogWriterClient } from "./log_writer.ts";
import type { AlarmStore } from "./alarms.ts";
import { alarmRefusal, proposalCostBytes, putCostBytes, txnCostBytes } from "./quota.ts";
import type { QuotaDoor } from "./quota_door.ts";
import {
  allSerializable,
  carriesWrites,
  isReadOnlyTxn,
  internalRequestSizeBytes,
  proposalError,
} from "./requests.ts";
import type { MaintenanceService } from "./hash_service.ts";
import { ReadIndexQueue } from "./reads.ts";
import { Waiters } from "./waiters.ts";
import { diskMetrics } from "../metrics/etcd.ts";
import { logger } from "../log/mod.ts";

/** The part of the Raft core the member drives. */
export interface RaftCore {
  tick(): void;
  step(message: Message): void;
  /** Starts an election now. */
  campaign(): void;
  /** Applies a committed membership change; returns the new configuration. */
  applyConfChange(change: ConfChange): ConfState;
  /** Returns why the proposal was refused, or nothing when it was accepted. */
  propose(data: Uint8Array): string | undefined | void;
  readIndex(context: Uint8Array): void;
  /** Proposes a membership change; returns why it was refused, or nothing. */
  proposeConfChange?(cc: ConfChange, options?: { force?: boolean }): string | undefined | void;
  transferLeader?(target: NodeId): void;
  reportUnreachable?(id: NodeId): void;
  reportSnapshot?(id: NodeId, ok: boolean): void;
  status?(): RaftStatus;
  hasReady(): boolean;
  ready(): Ready;
  advance(): void;
}

/** What a committed write does to the key-value state, and the local reads. Synchronous, on `db`. */
export interface KvStateMachine {
  range(req: RangeRequest): RangeResponse;
  /** As `range`; a large answer streams from a snapshot opened right after `beforeSnapshot`. */
  rangeStreamed?(req: RangeRequest, how: { beforeSnapshot: () => void; measure?: RowMeasure }): RangeResponse | StreamedRange;
  put(req: PutRequest): PutResponse;
  deleteRange(req: DeleteRangeRequest): DeleteRangeResponse;
  txn(req: TxnRequest): TxnResponse;
  compact(req: CompactionRequest): CompactionResponse;
  /** The current revision (1 for an empty store). */
  revision(): number;
  /** Size of the state database and the part in use. */
  sizeBytes(): { total: number; inUse: number };
}

/** The service layer a front-end calls. */
export interface KvService {
  range(req: RangeRequest): Promise<RangeResponse>;
  /** As `range`, but a large answer may stream (the caller closes it); without it front-ends use `range`. */
  rangeStreamed?(req: RangeRequest, options?: { measure?: RowMeasure }): Promise<RangeResponse | StreamedRange>;
  put(req: PutRequest): Promise<PutResponse>;
  deleteRange(req: DeleteRangeRequest): Promise<DeleteRangeResponse>;
  txn(req: TxnRequest): Promise<TxnResponse>;
  compact(req: CompactionRequest): Promise<CompactionResponse>;
  status(): Promise<StatusResponse>;
  memberList(): Promise<MemberListResponse>;
  hasLeader(): boolean;
  /** The membership RPCs, when the server has them. */
  cluster?: ClusterService;
  /** Hash and HashKV, when the server has them (src/server/hash_service.ts). */
  maintenance?: MaintenanceService;
  /** Users, roles and tokens, when the server has them (the Auth RPCs). */
  auth?: AuthService;
}

/** The cluster RPCs a front-end calls (src/server/cluster.ts implements them). */
export interface ClusterService {
  memberAdd(req: MemberAddRequest): Promise<MemberAddResponse>;
  memberRemove(req: MemberRemoveRequest): Promise<MemberRemoveResponse>;
  memberUpdate(req: MemberUpdateRequest): Promise<MemberUpdateResponse>;
  memberPromote(req: MemberPromoteRequest): Promise<MemberPromoteResponse>;
  moveLeader(req: MoveLeaderRequest): Promise<MoveLeaderResponse>;
}

export interface MemberOptions {
  /** The Raft log's database: every commit fsynced. */
  db: SqlDatabase;
  /** The state machine's database (MVCC, applied index); default `db`. May sync less often. */
  stateDb?: SqlDatabase;
  log: SqliteRaftLog;
  raft: RaftCore;
  kv: KvStateMachine;
  memberId: bigint;
  clusterId: bigint;
  members: () => MemberInfo[];
  /** True when this member is the only voter: the combined persist+apply path is allowed. */
  singleVoter: () => boolean;
  maxTxnOps: number;
  requestTimeoutMs: number;
  maxPendingRequests: number;
  /** Reported by status. */
  version: string;
  /**
   * With a separate state database: commit applies at most this often (one open transaction between),
   * instead of once per batch. Undefined: one state transaction per batch.
   */
  stateCommitIntervalMs?: number;
  /** --quota-backend-bytes: refuses (and raises NOSPACE for) writes past the quota before they are proposed. */
  quota?: QuotaDoor;
  /**
   * The replicated alarm list: raised alarms refuse writes at apply (src/server/quota.ts), and status lists
   * them among its errors as etcd's does.
   */
  alarms?: AlarmStore;
  /** Persists log writes on another thread; without it the Ready loop writes inline. */
  logWriter?: LogWriterClient;
  /** Sends messages to peers; a single member has none to send. */
  /** Sends messages to peers; `immediate`: write them now, not at the end of this turn. */
  send?: (messages: Message[], immediate: boolean) => void;
  /** Sends messages that may wait up to `maxDelayMs` for the next write to their peer (default: `send`). */
  sendLazy?: (messages: Message[], maxDelayMs: number) => void;
  /** The members registry, updated when membership entries apply. */
  registry?: MemberRegistry;
  /**
   * Called after an apply that changed the members registry committed (sync peers); `selfRemoved` when a
   * committed entry removed this very member (a snapshot never counts as one).
   */
  onMembersChanged?: (selfRemoved: boolean) => void;
  /** The log is being compacted (each --snapshot-count entries): time to prepare a snapshot. */
  snapshotDue?: () => void;
  /**
   * Makes the state database durable up to its last commit without blocking this thread (an fsync of its
   * files on another thread). Without it, log compaction checkpoints the state database on this thread.
   */
  syncState?: () => Promise<void>;
  /** Received snapshots: made durable before the log records them, then installed into the state database. */
  snapshots?: SnapshotInstaller;
  /** --max-request-bytes: a proposal bigger than this is refused with etcd's "request is too large". */
  maxRequestBytes: number;
  /**
   * Test-only: always take the general path, and after this many Readies carrying writes exit the process
   * right after the next one's persist transaction, before its apply.
   */
  crashAfterPersist?: number;
  /** Applies the log's compaction policy after an apply (keeps the log bounded). */
  snapshotCount?: number;
  now?: () => number;
  // ---- lease and watch hooks (src/server/lease_service.ts, src/server/watch_service.ts) ----
  /** Applies a proposal the member does not know itself (the lease kinds); undefined when it is not one. */
  applyOther?: (p: Proposal) => { header: ResponseHeader } | undefined;
  /** This member became leader (true) or stopped being leader (false). */
  onRoleChange?: (isLeader: boolean) => void;
  /** A snapshot from the leader replaced the state database. */
  onSnapshotInstalled?: () => void;
  /** Users, roles and tokens (src/auth): checks at the door and at apply, and the auth entries. */
  auth?: AuthService;
}

/** What the member needs to take in a snapshot sent by the leader. */
export interface SnapshotInstaller {
  /** Makes the snapshot's data durable on disk (before the log drops its entries). */
  save(snapshot: Snapshot): void;
  /** Replaces the state database's contents by the saved snapshot's, applied index and membership included. */
  install(snapshot: Snapshot): void;
}

/** Outcome of applying one entry, kept until the transaction commits and then handed to its waiter. */
interface Applied {
  id: number;
  value?: unknown;
  error?: Error;
}

/** Bound on Ready rounds in one flush; the core needs one or two per batch. */
const MAX_READY_ROUNDS = 64;
/** How long a leader's commit-index update may wait for the next append to the same follower. */
const COMMIT_UPDATE_DELAY_MS = 2;
/** Pause before compacting again when the state database could not be synced. */
const COMPACT_RETRY_MS = 100;
/** Entries kept behind the applied index when the log is compacted, for slow followers. */
const CATCH_UP_ENTRIES = 5_000;

/** One member's service layer and Ready loop. */
export class Member implements KvService {
  readonly #o: MemberOptions;
  readonly #origin = newOrigin();
  readonly #writes: Waiters<unknown>;
  readonly #reads: ReadIndexQueue;
  readonly #now: () => number;
  #nextId = 1;
  #queued: { id: number; data: Uint8Array }[] = [];
  #flushScheduled = false;
  /** A Ready is with the writer thread; the core holds new proposals until it is advanced. */
  #persisting = false;
  #stateTxnOpen = false;
  #stateTxnStartMs = 0;
  #onPersisted: (() => void)[] = [];
  #stopped = false;
  #leader: bigint = NONE;
  #role: StateRole = StateRole.Follower;
  #term = 0;
  #vote: bigint = NONE;
  /** This member is a learner in the applied configuration (kept current on every membership change). */
  #learner = false;
  /** After a compaction that could not sync the state database, the next try waits until then. */
  #compactRetryAtMs = 0;
  /** Set while the state database is being synced for a log compaction. */
  #compactSyncing = false;
  #microFlushScheduled = false;
  #applied: number;
  #commit = 0;
  #writeReadies = 0;
  /** Bytes of etcd's request id varint for this member (its low 16 bits lead the id), for size accounting. */
  readonly #requestIdBytes: number;
  /** A membership applied in the transaction in progress, recorded in memory once it commits. */
  #confChanged: ConfState | undefined;
  /** Fsynced SQLite commits the Ready loop made: batching keeps this far below the number of requests. */
  #fsyncs = 0;
  /** etcd_server_proposals_failed_total: proposals Raft refused or that timed out waiting to apply. */
  #proposalsFailed = 0;
  #leaderChanges = 0;
  readonly #stateDb: SqlDatabase;
  #membersChanged = false;
  #selfRemoved = false;
  /** The membership RPCs (set by the server once its cluster service exists). */
  cluster?: ClusterService;
  /** Hash and HashKV (set by the server). */
  maintenance?: MaintenanceService;
  /** Users, roles and tokens (the same object apply uses). */
  readonly auth?: AuthService;
  /** The request boundary's settings, for requests that come in-process rather than through a front-end. */
  readonly #limits: { maxTxnOps: number };

  constructor(options: MemberOptions) {
    this.#o = options;
    if (options.auth !== undefined) this.auth = options.auth;
    this.#limits = { maxTxnOps: options.maxTxnOps };
    this.#now = options.now ?? (() => performance.now());
    const bounds = { maxPending: options.maxPendingRequests, timeoutMs: options.requestTimeoutMs };
    this.#writes = new Waiters(bounds);
    this.#reads = new ReadIndexQueue({ ...bounds, contextPrefix: `${options.memberId.toString(16)}:` });
    this.#applied = options.log.applied();
    this.#stateDb = options.stateDb ?? options.db;
    this.#learner = options.log.confState().learners.includes(options.memberId);
    this.#requestIdBytes = varintSizeBytes(((options.memberId & 0xffffn) << 48n) | 0xffffffffffffn);
    const hs = options.log.initialState().hardState;
    this.#term = hs.term;
    this.#vote = hs.vote;
    this.#commit = hs.commit;
  }

  // ---- driving the core ----

  /**
   * Starts an election at once (a single voter need not wait an election timeout). A new member first
   * persists and applies the founding configuration its core hands out; the core campaigns only after.
   */
  async campaign(): Promise<void> {
    await this.#settle();
    this.#o.raft.campaign();
    await this.#settle();
  }

  /** Processes Readies until the core has nothing more and no write is with the writer thread. */
  async #settle(): Promise<void> {
    for (let round = 0; round < MAX_READY_ROUNDS && !this.#stopped; round++) {
      this.#processReadies();
      if (!this.#persisting && !this.#o.raft.hasReady()) return;
      if (this.#persisting) await new Promise<void>((resolve) => this.#onPersisted.push(resolve));
    }
  }

  /** One heartbeat-interval tick: the core's clock, expiry of timed-out callers, and any Ready it caused. */
  tick(): void {
    if (this.#stopped) return;
    this.#o.raft.tick();
    const nowMs = this.#now();
    if (this.#stateTxnOpen && nowMs - this.#stateTxnStartMs >= this.#o.stateCommitIntervalMs!) this.commitState();
    this.#proposalsFailed += this.#writes.expire(nowMs);
    this.#reads.expire(nowMs);
    // Rows below a compaction point go with each log write; when none come, a step per tick.
    if (!this.#persisting && this.#o.log.hasTrimBacklog()) this.#o.log.trimStep();
    this.#reads.resendStale(nowMs, (context) => this.#requestReadIndex(context));
    this.#processReadies();
  }

  /** A message from a peer (cluster issue). */
  step(message: Message): void {
    if (this.#stopped) return;
    this.#o.raft.step(message);
    this.#flushAfterThisTask();
  }

  /** The transport could not deliver to `id`. */
  reportUnreachable(id: NodeId): void {
    if (this.#stopped) return;
    this.#o.raft.reportUnreachable?.(id);
    this.#scheduleFlush();
  }

  /** The transport finished streaming a snapshot to `id`. */
  reportSnapshot(id: NodeId, ok: boolean): void {
    if (this.#stopped) return;
    this.#o.raft.reportSnapshot?.(id, ok);
    this.#scheduleFlush();
  }

  /** Processes whatever the core has (a new member's founding entries) without campaigning. */
  async start(): Promise<void> {
    await this.#settle();
  }

  /** The core's view (progress of every member on the leader). */
  raftStatus(): RaftStatus | undefined {
    return this.#o.raft.status?.();
  }

  /** Asks the leader to hand over to `target`; the outcome shows in `info().leader`. */
  transferLeader(target: NodeId): void {
    if (this.#stopped) return;
    this.#o.raft.transferLeader?.(target);
    this.#scheduleFlush();
  }

  /**
   * Proposes a membership change (this member should be the leader, or the refusal is lost); resolves
   * with the members once the entry applied here.
   */
  proposeConfChange(cc: ConfChange, context: Omit<MemberContext, "origin" | "requestId">): Promise<MemberInfo[]> {
    if (this.#stopped) return Promise.reject(Errors.stopped());
    const propose = this.#o.raft.proposeConfChange;
    if (propose === undefined) return Promise.reject(Errors.notCapable());
    const id = this.#nextId++;
    const full: ConfChange = { ...cc, context: encodeMemberContext({ ...context, origin: this.#origin, requestId: id }) };
    const promise = this.#writes.wait(id, this.#now()) as Promise<MemberInfo[]>;
    // The quorum check is the server's (etcd's, on the transport's view of who is up): the core's view of
    // recent activity is reset every election timeout and would refuse healthy clusters now and then.
    const refused = propose.call(this.#o.raft, full, { force: true });
    if (typeof refused === "string") this.#failProposal(id, refused);
    this.#scheduleFlush();
    return promise;
  }

  /** Proposes a change of a member's record (URLs, name); resolves with the members once applied here. */
  proposeMemberOp(op: MemberOp): Promise<MemberInfo[]> {
    return this.#guard(() => this.#propose<MemberInfo[]>({ member: op }));
  }

  /** Stops serving: every waiting caller gets "server stopped". */
  stop(): void {
    this.commitState();
    this.#stopped = true;
    this.#writes.rejectAll(Errors.stopped);
    this.#reads.rejectAll(Errors.stopped);
  }

  /** The member's view, for status and tests. */
  info(): {
    leader: bigint;
    term: number;
    applied: number;
    commit: number;
    lastIndex: number;
    isLeader: boolean;
    fsyncs: number;
    proposalsPending: number;
    proposalsFailed: number;
    leaderChanges: number;
  } {
    return {
      fsyncs: this.#fsyncs,
      proposalsPending: this.#writes.size,
      proposalsFailed: this.#proposalsFailed,
      leaderChanges: this.#leaderChanges,
      leader: this.#leader,
      term: this.#term,
      applied: this.#applied,
      commit: this.#commit,
      lastIndex: this.#o.log.lastIndex(),
      isLeader: this.#role === StateRole.Leader,
    };
  }

  /** A proposal Raft refused (no leader, a transfer under way): answered now, counted for /metrics. */
  #failProposal(id: number, refused: string): void {
    this.#proposalsFailed++;
    this.#writes.reject(id, proposalError(refused));
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled || this.#stopped) return;
    this.#flushScheduled = true;
    setImmediate(() => this.#flush());
  }

  /**
   * Peer messages: every message of the frames read in this task is stepped first, then one flush right
   * after it, not a loop iteration later (an append's fsync and its acknowledgement are on every write's
   * path). Client requests keep `#scheduleFlush`, which gathers a whole loop iteration into one batch.
   */
  #flushAfterThisTask(): void {
    if (this.#microFlushScheduled || this.#stopped) return;
    this.#microFlushScheduled = true;
    queueMicrotask(() => {
      this.#microFlushScheduled = false;
      this.#flush();
    });
  }

  /** Hands every proposal and read queued this turn to the core, then processes the Ready. */
  #flush(): void {
    this.#flushScheduled = false;
    if (this.#stopped) return;
    const queued = this.#queued;
    this.#queued = [];
    for (const { id, data } of queued) {
      const refused = this.#o.raft.propose(data);
      if (typeof refused === "string") this.#failProposal(id, refused);
    }
    this.#reads.send(this.#now(), (context) => this.#requestReadIndex(context));
    this.#processReadies();
  }

  #requestReadIndex(context: Uint8Array): EtcdError | undefined {
    const refused = this.#o.raft.readIndex(context);
    return typeof refused === "string" ? proposalError(refused) : undefined;
  }

  #processReadies(): void {
    try {
      this.#processReadiesUnguarded();
    } catch (err) {
      // The core believes this Ready handled or in progress: nothing can continue safely (etcd panics).
      this.#fatal(err);
    }
  }

  #processReadiesUnguarded(): void {
    for (let round = 0; round < MAX_READY_ROUNDS; round++) {
      if (this.#stopped || this.#persisting || !this.#o.raft.hasReady()) break;
      let ready = this.#o.raft.ready();
      const persistedVote = this.#vote;
      const persistedTerm = this.#term;
      this.#noteState(ready);
      if (this.#canSendBeforePersist(ready, persistedTerm, persistedVote)) {
        // Written now, before this thread blocks in its own fsync: followers persist in parallel with it.
        this.#o.send!(ready.messages, true);
        ready = { ...ready, messages: [] };
      }
      const mustPersist = ready.entries.length > 0 || ready.hardState !== undefined;
      const writer = this.#o.logWriter;
      if (writer !== undefined && mustPersist && ready.snapshot === undefined) {
        // The writer thread syncs while this thread keeps taking requests; they form the next batch.
        this.#o.log.check(ready);
        this.#persisting = true;
        writer.write(ready).then(() => this.#persisted(ready), (err) => this.#fatal(err));
        break;
      }
      this.#handleReady(ready);
      this.#o.raft.advance();
    }
    this.#reads.serve(this.#applied);
    if (!this.#persisting && this.#o.raft.hasReady()) this.#scheduleFlush();
  }

  /** The writer thread made `ready`'s log part durable: continue as the inline path would. */
  #persisted(ready: Ready): void {
    this.#persisting = false;
    const waiting = this.#onPersisted;
    this.#onPersisted = [];
    for (const resolve of waiting) resolve();
    if (this.#stopped) return;
    this.#o.log.accept(ready);
    this.#fsyncs++;
    this.#afterPersist(ready);
    this.#o.raft.advance();
    this.#processReadies();
  }

  /**
   * The applied membership is committed; what the server does with it (dial the peers, publish) is local
   * and must not stop the loop: a record it cannot use (a peer URL from an older release's log) is logged.
   */
  #notifyMembersChanged(): void {
    try {
      this.#o.onMembersChanged?.(this.#selfRemoved);
    } catch (err) {
      logger().warn(`the applied membership could not be fully used (continuing): ${errorText(err)}`);
    }
  }

  /**
   * A failed log write or Ready cannot be retried safely (the core believes it in progress): stop loudly.
   * Apply never ends here for an entry's sake (it answers them as values), only for the storage's.
   */
  #fatal(err: unknown): void {
    if (isStorageFailure(err)) {
      logger().write("fatal", `fatal: ${describeStorageFailure(err)}; the member stops (its data is as of the last commit)`);
    } else {
      logger().write("fatal", "fatal: the Ready loop failed", { error: String((err as Error)?.stack ?? err) });
    }
    process.exit(1);
  }

  /**
   * The leader may send while its own entries of the same Ready are written (etcd-raft allows it; the
   * Raft thesis' 10.2.1): its followers persist in parallel, and an entry only commits once this member's
   * write finished too, since acknowledgements are processed after this Ready. Only when the term and
   * vote are already durable.
   */
  #canSendBeforePersist(ready: Ready, persistedTerm: number, persistedVote: bigint): boolean {
    if (this.#role !== StateRole.Leader || ready.messages.length === 0 || this.#o.send === undefined) return false;
    // Nothing to write: the messages wait until the committed entries are applied and callers answered.
    if (ready.entries.length === 0) return false;
    const hs = ready.hardState;
    return hs === undefined || (hs.term === persistedTerm && hs.vote === persistedVote);
  }

  #noteState(ready: Ready): void {
    if (ready.softState !== undefined) {
      if (ready.softState.lead !== this.#leader) this.#reads.failUnanswered(Errors.leaderChanged);
      // etcd_server_leader_changes_seen_total: a change to a known leader (not to none), as etcd counts it.
      if (ready.softState.lead !== this.#leader && ready.softState.lead !== NONE) this.#leaderChanges++;
      this.#leader = ready.softState.lead;
      const wasLeader = this.#role === StateRole.Leader;
      this.#role = ready.softState.role;
      const isLeader = this.#role === StateRole.Leader;
      if (wasLeader !== isLeader) this.#o.onRoleChange?.(isLeader); // lease clocks run on the leader only
    }
    if (ready.hardState !== undefined) {
      this.#term = ready.hardState.term;
      this.#vote = ready.hardState.vote;
      this.#commit = ready.hardState.commit;
    }
  }

  /** Persists (and applies) one Ready on this thread. */
  #handleReady(ready: Ready): void {
    const mustPersist = ready.entries.length > 0 || ready.hardState !== undefined || ready.snapshot !== undefined;
    // With the state in the log's database, one transaction (one fsync) persists and applies. With a
    // separate state database the general path costs the same single fsync: the state commit doesn't sync.
    const combine = ready.committedEntries.length > 0 && ready.messages.length === 0 &&
      ready.snapshot === undefined && this.#o.singleVoter() && this.#o.crashAfterPersist === undefined &&
      this.#stateDb === this.#o.db;
    if (combine) {
      const startMs = performance.now();
      const outcomes = this.#o.db.transaction(() => {
        this.#o.log.stage(ready);
        return this.#stageApply(ready.committedEntries);
      });
      diskMetrics.walFsync.observe((performance.now() - startMs) / 1000); // the log's sync, with the apply in it
      this.#fsyncs++;
      this.#o.log.accept(ready);
      this.#finishApply(ready, outcomes);
      return;
    }
    if (ready.snapshot !== undefined) this.#saveSnapshot(ready.snapshot);
    if (mustPersist) {
      this.#persistLog(ready);
      this.#o.log.accept(ready);
    }
    if (ready.snapshot !== undefined) this.#installSnapshot(ready.snapshot);
    this.#afterPersist(ready);
  }

  /**
   * Writes the log part of a Ready. A Ready that only moves the commit index is not written at all (etcd
   * does not sync it either: mustSync is false): the commit index is learned again from the leader, a
   * restart raises it to the applied index, and the next Ready with entries or a new term writes the hard
   * state. This keeps a SQLite commit off the path of every acknowledged write on leader and followers.
   */
  #persistLog(ready: Ready): void {
    const commitOnly = !ready.mustSync && ready.entries.length === 0 && ready.snapshot === undefined &&
      this.#multiVoterLog();
    if (commitOnly) return;
    const startMs = performance.now();
    this.#o.db.transaction(() => this.#o.log.stage(ready));
    diskMetrics.walFsync.observe((performance.now() - startMs) / 1000);
    this.#fsyncs++;
  }

  /** True once the log has peers: a lone voter keeps writing its commit index (nobody else knows it). */
  #multiVoterLog(): boolean {
    return !this.#o.singleVoter();
  }

  /** A snapshot from the leader: durable before the log records it (a crash between replays it from disk). */
  #saveSnapshot(snapshot: Snapshot): void {
    const installer = this.#o.snapshots;
    if (installer === undefined) throw new Error("member: received a snapshot but cannot install one");
    this.commitState();
    installer.save(snapshot);
  }

  /** Replaces the state by the snapshot's; the committed entries after it apply on top. */
  #installSnapshot(snapshot: Snapshot): void {
    const index = snapshot.metadata.index;
    if (index <= this.#applied) throw new Error(`member: snapshot ${index} is not past applied ${this.#applied}`);
    this.#o.snapshots!.install(snapshot);
    this.#o.log.acceptApplied(index);
    this.#o.log.acceptConfState(snapshot.metadata.confState);
    this.#learner = snapshot.metadata.confState.learners.includes(this.#o.memberId);
    this.#applied = index;
    this.#o.registry?.reload();
    this.#membersChanged = true;
    this.#o.onSnapshotInstalled?.();
  }

  /** The general path after the log is durable: send, then apply in the state's own transaction. */
  #afterPersist(ready: Ready): void {
    if (this.#o.crashAfterPersist !== undefined && carriesWrites(ready.committedEntries)) {
      // Test-only: the crash window between a durable log and an applied state machine.
      if (this.#writeReadies >= this.#o.crashAfterPersist) process.exit(86);
      this.#writeReadies++;
    }
    // A follower's acknowledgements are what the leader waits for: written now, before applying. A
    // leader's messages here (new commit index, heartbeats) are not urgent: its callers are answered first.
    // A membership change too reaches the members before the caller hears of it: a promoted learner must
    // already know it is a voter when the caller turns to it.
    const sendFirst = this.#role !== StateRole.Leader ||
      ready.committedEntries.some((e) => e.type === EntryType.ConfChange);
    if (sendFirst && ready.messages.length > 0) this.#o.send?.(ready.messages, true);
    let outcomes: Applied[] = [];
    if (ready.committedEntries.length > 0) outcomes = this.#applyToState(ready.committedEntries);
    this.#finishApply(ready, outcomes);
    if (!sendFirst && ready.messages.length > 0) this.#sendAsLeader(ready.messages);
  }

  /**
   * A leader's messages after a Ready without new entries. Appends without entries only carry the new
   * commit index: they may wait a moment for the next append (the next write) to the same follower and
   * leave in its write, which saves the follower a wakeup and both sides a write per request. Heartbeats
   * (which confirm ReadIndex reads) and everything else leave at the end of this turn.
   */
  #sendAsLeader(messages: Message[]): void {
    const lazy = this.#o.sendLazy;
    if (lazy === undefined) return this.#o.send?.(messages, false);
    const commitOnly: Message[] = [];
    const rest: Message[] = [];
    for (const m of messages) (m.type === MessageType.App && m.entries.length === 0 ? commitOnly : rest).push(m);
    if (rest.length > 0) this.#o.send?.(rest, false);
    if (commitOnly.length > 0) lazy(commitOnly, COMMIT_UPDATE_DELAY_MS);
  }

  /**
   * Applies in the state database. With a separate state database and a commit interval, applies join
   * one open transaction committed every interval (as etcd batches its backend commits): the log is
   * durable, so a crash only rolls the state back to its last commit, and the log replays the rest.
   */
  #applyToState(entries: Entry[]): Applied[] {
    if (this.#o.stateCommitIntervalMs === undefined || this.#stateDb === this.#o.db) {
      const outcomes = this.#stateDb.transaction(() => this.#stageApply(entries));
      if (this.#stateDb === this.#o.db) this.#fsyncs++;
      return outcomes;
    }
    if (!this.#stateTxnOpen) {
      this.#stateDb.exec("BEGIN");
      this.#stateTxnOpen = true;
      this.#stateTxnStartMs = this.#now();
    }
    return this.#stageApply(entries);
  }

  /** Commits the open state transaction, if any (without fsync: the state database syncs at checkpoints). */
  commitState(): void {
    if (!this.#stateTxnOpen) return;
    const startMs = performance.now();
    this.#stateDb.exec("COMMIT");
    diskMetrics.backendCommit.observe((performance.now() - startMs) / 1000);
    this.#stateTxnOpen = false;
  }

  /** After the apply transaction committed: memory state, log compaction, callers, read states. */
  #finishApply(ready: Ready, outcomes: Applied[]): void {
    if (this.#confChanged !== undefined) {
      this.commitState();
      this.#o.log.acceptConfState(this.#confChanged);
      this.#learner = this.#confChanged.learners.includes(this.#o.memberId);
      this.#confChanged = undefined;
    }
    if (this.#membersChanged) {
      this.commitState();
      this.#membersChanged = false;
      this.#notifyMembersChanged();
    }
    if (ready.committedEntries.length > 0) {
      this.#applied = ready.committedEntries[ready.committedEntries.length - 1]!.index;
      this.#o.log.acceptApplied(this.#applied);
      this.#maybeCompactLog();
    }
    for (const outcome of outcomes) {
      if (outcome.error !== undefined) this.#writes.reject(outcome.id, outcome.error);
      else this.#writes.resolve(outcome.id, outcome.value);
    }
    for (const state of ready.readStates) this.#reads.onReadState(state);
  }

  /** Applies committed entries in order and records the applied index; inside the caller's transaction. */
  #stageApply(entries: Entry[]): Applied[] {
    const outcomes: Applied[] = [];
    let applied = this.#applied;
    for (const entry of entries) {
      if (entry.index !== applied + 1) {
        throw new Error(`apply: entry ${entry.index} after applied ${applied} (skipped or applied twice)`);
      }
      if (entry.type === EntryType.ConfChange) {
        const outcome = this.#applyConfChangeEntry(entry);
        if (outcome !== undefined) outcomes.push(outcome);
      } else if (entry.data.byteLength > 0) {
        const outcome = this.#applyNormal(entry);
        if (outcome !== undefined) outcomes.push(outcome);
      }
      applied = entry.index;
    }
    this.#o.log.stageApplied(applied);
    return outcomes;
  }

  /**
   * A ConfChange entry whose data is not one changes nothing, on every member alike (etcd would panic on
   * it at every start); it is logged with its index and skipped.
   */
  #applyConfChangeEntry(entry: Entry): Applied | undefined {
    let cc: ConfChange;
    try {
      cc = decodeConfChange(entry.data);
    } catch (err) {
      logNotApplied(entry.index, err);
      return undefined;
    }
    return this.#applyConfChange(cc);
  }

  /** Applies a membership change to the core, the stored conf state and the members registry. */
  #applyConfChange(cc: ConfChange): Applied | undefined {
    const confState = this.#o.raft.applyConfChange(cc);
    this.#o.log.stageConfState(confState);
    this.#confChanged = confState;
    const context = readMemberContext(cc.context);
    if (cc.type === ConfChangeType.RemoveNode && cc.nodeId === this.#o.memberId) this.#selfRemoved = true;
    const registry = this.#o.registry;
    if (registry !== undefined) {
      applyToRegistry(registry, cc, context);
      this.#membersChanged = true;
    }
    if (context === undefined || context.origin !== this.#origin) return undefined;
    return { id: context.requestId, value: registry?.list() ?? [] };
  }

  /**
   * Applies one Normal entry. Total: an entry that does not decode is answered (to its proposer, if it
   * still waits here) with an error and changes nothing, the same on every member; the loop goes on.
   */
  #applyNormal(entry: Entry): Applied | undefined {
    // Every member, the proposer too, applies what the bytes decode to: an in-process caller's request
    // object may lack fields the decoder fills, and applying that object here would diverge from followers.
    let proposal: Proposal;
    try {
      proposal = decodeProposal(entry.data);
    } catch (err) {
      logNotApplied(entry.index, err);
      const bad = err instanceof UndecodableProposal ? err : undefined;
      if (bad?.origin !== this.#origin || bad.id === undefined) return undefined;
      return { id: bad.id, error: entryNotApplied(bad.message) };
    }
    return this.#applyProposal(proposal, entry);
  }

  /**
   * Applies one write inside a savepoint. Its outcome is a value: etcd's error (an EtcdError), or for any
   * other failure that is not the storage's (a broken invariant: the entry bypassed the request boundary)
   * `entryNotApplied` with the failure's text, after rolling back whatever the write had done. Both are
   * decided by the entry and the state alone, so every member reaches the same outcome. A storage failure
   * is thrown on: it stops the member.
   */
  #applyProposal(p: Proposal, entry: Entry): Applied | undefined {
    const ours = p.origin === this.#origin;
    const db = this.#stateDb;
    db.prepare("SAVEPOINT apply_entry").run();
    try {
      const value = this.#execute(p, entry);
      db.prepare("RELEASE apply_entry").run();
      return ours ? { id: p.id, value } : undefined;
    } catch (err) {
      if (isStorageFailure(err)) throw err;
      // Through exec: it tells every cache on this database (revision, leases) that rows went back.
      db.exec("ROLLBACK TO apply_entry");
      db.prepare("RELEASE apply_entry").run();
      let error: EtcdError;
      if (err instanceof EtcdError) {
        error = err;
      } else {
        logNotApplied(entry.index, err);
        this.#o.registry?.reload(); // a member op may have changed its cache before failing
        error = entryNotApplied(String((err as Error)?.message ?? err));
      }
      return ours ? { id: p.id, error } : undefined;
    }
  }

  #execute(p: Proposal, entry: Entry): unknown {
    if (p.member !== undefined) return this.#applyMemberOp(p.member);
    // etcd's capped and corrupt appliers wrap all the others: a raised alarm answers before auth is checked.
    const refusal = this.#o.alarms === undefined ? undefined : alarmRefusal(p, this.#o.alarms.raised());
    if (refusal !== undefined) throw refusal;
    const kv = this.#o.kv;
    const auth = this.#o.auth;
    // etcd's authApplierV3: a client's write is checked again against the auth state it meets here.
    if (p.caller !== undefined && auth !== undefined) {
      const checked = checkedOf(p);
      if (checked !== undefined) auth.checkAtApply(p.caller, checked);
    }
    let response: { header: ResponseHeader };
    if (p.auth !== undefined) {
      if (auth === undefined) throw new Error("apply: an auth entry on a member without auth");
      response = { ...auth.apply(p.auth, p.caller, entry.index), header: { revision: kv.revision() } as ResponseHeader };
    } else if (p.put !== undefined) response = kv.put(p.put);
    else if (p.deleteRange !== undefined) response = kv.deleteRange(p.deleteRange);
    else if (p.txn !== undefined) response = kv.txn(p.txn);
    else if (p.compaction !== undefined) response = kv.compact(p.compaction);
    else response = this.#o.applyOther?.(p) ?? fail("apply: proposal without an operation");
    this.#o.quota?.noteApplied(proposalCostBytes(p));
    response.header = this.#header(response.header.revision, entry.term);
    return response;
  }

  /** A member record change; a member unknown by then is etcd's "member not found". */
  #applyMemberOp(op: MemberOp): MemberInfo[] {
    const registry = this.#o.registry;
    if (registry === undefined) return [];
    const current = registry.get(op.ID);
    if (current === undefined) throw Errors.memberNotFound();
    registry.put({
      ...current,
      name: op.name ?? current.name,
      peerURLs: op.peerURLs ?? current.peerURLs,
      clientURLs: op.clientURLs ?? current.clientURLs,
    });
    this.#membersChanged = true;
    return registry.list();
  }

  #maybeCompactLog(): void {
    const snapshotCount = this.#o.snapshotCount;
    if (snapshotCount === undefined) return;
    const keep = Math.min(CATCH_UP_ENTRIES, snapshotCount);
    // A lone member's log serves no follower, only the replay of a lost state commit: compacted every `keep`
    // entries it holds ≤ 10,000 on disk instead of ≤ 105,000 (bench/DISK_USE.md). Nothing to copy for it.
    const members = this.#o.log.confState();
    const count = members.voters.length + members.learners.length <= 1 ? keep : snapshotCount;
    if (this.#applied - this.#o.log.firstIndex() <= count + keep || this.#now() < this.#compactRetryAtMs) return;
    if (this.#compactSyncing) return;
    this.commitState(); // the log may only drop what the state holds durably
    const index = this.#applied - keep;
    const syncState = this.#o.syncState;
    if (syncState === undefined) return this.#compactLog(index, false);
    this.#compactSyncing = true;
    syncState().then(
      () => {
        this.#compactSyncing = false;
        if (!this.#stopped) this.#compactLog(index, true);
      },
      (err) => {
        this.#compactSyncing = false;
        logger().warn(`syncing the state database for log compaction failed (will retry): ${err}`);
        this.#compactRetryAtMs = this.#now() + COMPACT_RETRY_MS;
      },
    );
  }

  #compactLog(index: number, stateSynced: boolean): void {
    if (this.#o.log.compact(index, stateSynced)) {
      this.#o.snapshotDue?.(); // a copy of the state as of now continues the compacted log
    } else {
      // The state database is in use by another connection (a snapshot copy): not synced, nothing dropped.
      this.#compactRetryAtMs = this.#now() + COMPACT_RETRY_MS;
    }
  }

  // ---- reads ----

  /** Resolves when a read started now may be served linearizably. */
  #linearizable(): Promise<void> {
    if (this.#stopped) return Promise.reject(Errors.stopped());
    const promise = this.#reads.wait(this.#now());
    this.#scheduleFlush();
    return promise;
  }

  /** Proposes a write another service applies (`applyOther`: leases); resolves with its outcome. */
  proposeWrite<T>(op: Omit<Proposal, "origin" | "id">): Promise<T> {
    // A lease grant is the one write of these the quota counts (etcd's quotaLeaseServer).
    const refused = op.leaseGrant === undefined ? undefined : this.#o.quota?.admit(proposalCostBytes(op));
    return refused ?? this.#guard(() => this.#propose<T>(op));
  }

  /** Resolves once this member applied everything committed when it was called (a ReadIndex round). */
  readBarrier(): Promise<void> {
    return this.#linearizable();
  }

  /** Resolves once a ReadIndex confirmed this member is still the leader (lease keep-alives need it). */
  async confirmLeadership(): Promise<void> {
    if (this.#role !== StateRole.Leader) throw Errors.notLeader();
    await this.#linearizable();
    if (this.#role !== StateRole.Leader) throw Errors.notLeader();
  }

  #propose<T>(op: Omit<Proposal, "origin" | "id">): Promise<T> {
    if (this.#stopped) return Promise.reject(Errors.stopped());
    const id = this.#nextId++;
    if (internalRequestSizeBytes(op, this.#requestIdBytes) > this.#o.maxRequestBytes) {
      return Promise.reject(Errors.requestTooLarge());
    }
    const proposal: Proposal = { origin: this.#origin, id, ...op };
    const data = encodeProposal(proposal);
    const promise = this.#writes.wait(id, this.#now()) as Promise<T>;
    this.#queued.push({ id, data });
    this.#scheduleFlush();
    return promise;
  }

  #header(revision: number, term = this.#term): ResponseHeader {
    return { cluster_id: this.#o.clusterId, member_id: this.#o.memberId, revision, raft_term: term };
  }

  // ---- the KV service ----

  async range(req: RangeRequest): Promise<RangeResponse> {
    await this.#beforeRange(req);
    const response = this.#o.kv.range(req);
    response.header = this.#header(response.header.revision);
    return response;
  }

  /**
   * As `range`, but a large answer comes back as a StreamedRange read page by page from a snapshot of the
   * state as of now (src/mvcc/range_stream.ts); whoever gets one must close it.
   */
  async rangeStreamed(req: RangeRequest, options: { measure?: RowMeasure } = {}): Promise<RangeResponse | StreamedRange> {
    await this.#beforeRange(req);
    const kv = this.#o.kv;
    // The snapshot sees only what is committed: the open state transaction (if any) is committed first.
    const response = kv.rangeStreamed === undefined
      ? kv.range(req)
      : kv.rangeStreamed(req, { beforeSnapshot: () => this.commitState(), measure: options.measure });
    response.header = this.#header(response.header.revision);
    return response;
  }

  async #beforeRange(req: RangeRequest): Promise<void> {
    // Front-ends pass what the request boundary checked; in-process callers get the same checks here.
    checkRequest("RangeRequest", req, this.#limits);
    if (req.serializable !== true) {
      this.#refuseOnLearner();
      await this.#linearizable();
    }
    // As etcd: checked against the state the read sees, once caught up (a grant or revoke applied before wins).
    this.#o.auth?.admit({ kind: "range", req });
  }

  put(req: PutRequest): Promise<PutResponse> {
    return this.#guard(() => {
      checkRequest("PutRequest", req, this.#limits);
      const caller = this.#o.auth?.stamp();
      this.#refuseOnLearner();
      return this.#o.quota?.admit(putCostBytes(req)) ?? this.#propose<PutResponse>(withCaller({ put: req }, caller));
    });
  }

  deleteRange(req: DeleteRangeRequest): Promise<DeleteRangeResponse> {
    return this.#guard(() => {
      checkRequest("DeleteRangeRequest", req, this.#limits);
      const caller = this.#o.auth?.stamp();
      this.#refuseOnLearner();
      return this.#propose<DeleteRangeResponse>(withCaller({ deleteRange: req }, caller));
    });
  }

  async txn(req: TxnRequest): Promise<TxnResponse> {
    checkRequest("TxnRequest", req, this.#limits);
    if (!isReadOnlyTxn(req) || !allSerializable(req)) this.#refuseOnLearner();
    if (!isReadOnlyTxn(req)) {
      const caller = this.#o.auth?.stamp();
      return await (this.#o.quota?.admit(txnCostBytes(req)) ?? this.#propose<TxnResponse>(withCaller({ txn: req }, caller)));
    }
    // A read-only txn changes nothing: served like a range, linearizable unless every read is serializable,
    // and checked (as a range) against the state it reads.
    if (!allSerializable(req)) await this.#linearizable();
    this.#o.auth?.admit({ kind: "txn", req });
    const response = this.#o.kv.txn(req);
    response.header = this.#header(response.header.revision);
    return response;
  }

  compact(req: CompactionRequest): Promise<CompactionResponse> {
    return this.#guard(() => {
      // etcd checks no permission here, but its raftRequest still refuses a token it did not issue.
      this.#o.auth?.stamp();
      this.#refuseOnLearner();
      return this.#propose<CompactionResponse>({ compaction: req });
    });
  }

  /** etcd 3.4: a learner serves only serializable reads and status ("rpc not supported for learner"). */
  #refuseOnLearner(): void {
    if (this.#learner) throw Errors.notSupportedForLearner();
  }

  /** The members as this member applied them (ids ascending). */
  members(): MemberInfo[] {
    return this.#o.members();
  }

  status(): Promise<StatusResponse> {
    // As etcd's dbSize is its backend's (not the WAL's): the state machine's database.
    const size = this.#o.kv.sizeBytes();
    return Promise.resolve({
      header: this.#header(this.#o.kv.revision()),
      version: this.#o.version,
      dbSize: size.total,
      leader: this.#leader,
      raftIndex: this.#commit,
      raftTerm: this.#term,
      raftAppliedIndex: this.#applied,
      errors: this.#o.alarms?.list().map(alarmText) ?? [],
      dbSizeInUse: size.inUse,
      isLearner: this.#o.log.confState().learners.includes(this.#o.memberId),
    });
  }

  /** The store's current revision. */
  revision(): number {
    return this.#o.kv.revision();
  }

  /** True once a leader is known (what /health reports). */
  hasLeader(): boolean {
    return this.#leader !== NONE;
  }

  memberList(): Promise<MemberListResponse> {
    // etcd's cluster service fills no revision in this header.
    return Promise.resolve({ header: this.#header(0), members: this.#o.members() });
  }

  /** Turns a synchronous throw (validation, too many requests) into a rejected promise. */
  #guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return fn();
    } catch (err) {
      return Promise.reject(err);
    }
  }
}

/** What a ConfChange does to the registry; founding entries (no context) only confirm a known member. */
function applyToRegistry(registry: MemberRegistry, cc: ConfChange, context: MemberContext | undefined): void {
  const current = registry.get(cc.nodeId);
  if (cc.type === ConfChangeType.RemoveNode) {
    registry.remove(cc.nodeId);
    return;
  }
  const isLearner = cc.type === ConfChangeType.AddLearnerNode;
  registry.put({
    ID: cc.nodeId,
    name: current?.name || context?.name || "",
    peerURLs: context?.peerURLs ?? current?.peerURLs ?? [],
    clientURLs: current?.clientURLs ?? [],
    isLearner,
  });
}

/** The proposal with its proposer's stamp, when it has one. */
function withCaller<T extends object>(op: T, caller: Proposal["caller"]): T & { caller?: Proposal["caller"] } {
  return caller === undefined ? op : { ...op, caller };
}

/** What a stamped write asks of the auth state at apply; undefined for writes with no key check. */
function checkedOf(p: Proposal): CheckedRequest | undefined {
  if (p.put !== undefined) return { kind: "put", req: p.put };
  if (p.deleteRange !== undefined) return { kind: "deleteRange", req: p.deleteRange };
  if (p.txn !== undefined) return { kind: "txn", req: p.txn };
  if (p.leaseRevoke !== undefined) return { kind: "leaseRevoke", id: p.leaseRevoke.ID };
  return undefined;
}

/** An alarm as etcd's status lists it (the gogo text of its AlarmMember). */
function alarmText(alarm: AlarmMember): string {
  return `memberID:${alarm.memberID} alarm:${ALARM_TYPE_NAMES[alarm.alarm] ?? alarm.alarm} `;
}

const ALARM_TYPE_NAMES: Record<number, string> = { [AlarmType.NOSPACE]: "NOSPACE", [AlarmType.CORRUPT]: "CORRUPT" };

function fail(message: string): never {
  throw new Error(message);
}

function errorText(err: unknown): string {
  return String((err as Error)?.message ?? err);
}

/** One line per entry that could not be applied; every member prints the same, at the same index. */
function logNotApplied(index: number, err: unknown): void {
  logger().error(`entry ${index} could not be applied, answered as an error on every member: ${errorText(err)}`);
}

/** A ConfChange's member context; one that does not decode is no context (the same on every member). */
function readMemberContext(bytes: Uint8Array | undefined): MemberContext | undefined {
  try {
    return decodeMemberContext(bytes);
  } catch {
    return undefined;
  }
}
