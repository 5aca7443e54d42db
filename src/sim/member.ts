/**
 * One simulated member: a Raft core plus a model of its disk, and the driver loop etcd's server runs —
 * ready → persist (maybe slowly) → send → apply → advance. A crash drops everything volatile; a restart
 * builds a new core from what the disk held.
 * @module
 */
import { decodeConfChange, MemoryStorage, RaftNode } from "../raft/mod.ts";
import {
  ConfChangeType,
  type ConfState,
  type Entry,
  EntryType,
  type Message,
  type NodeId,
  type RaftBugs,
  type Ready,
  type Snapshot,
  StateRole,
} from "../raft/types.ts";
import type { SafetyChecker, ViolationKind } from "./checks.ts";
import { type Command, decodeCommand, KvStateMachine, type PutCommand } from "./kv.ts";
import type { Prng } from "./prng.ts";

/** What a member needs from the simulation around it. */
export interface MemberHost {
  now(): number;
  readonly checker: SafetyChecker;
  readonly tracing: boolean;
  trace(line: string): void;
  violation(kind: ViolationKind, message: string): void;
  send(from: Member, m: Message): void;
  /** Schedules the end of a slow persist of the current Ready. */
  schedulePersisted(member: Member, delay: number, incarnation: number): void;
  onPutApplied(member: Member, cmd: PutCommand): void;
  onReadServed(member: Member, clientId: number, reqId: number, value: string | null): void;
  onConfChangeApplied(member: Member, cc: ReturnType<typeof decodeConfChange>): void;
  onMarkerApplied(member: Member, marker: number): void;
  /** An entry that is no command was applied as an error outcome (the member goes on). */
  onInvalidApplied(member: Member, index: number, reason: string): void;
  onLeaderElected(member: Member, term: number): void;
}

/** Per-run settings shared by every member. */
export interface MemberSettings {
  electionTick: number;
  heartbeatTick: number;
  maxSizePerMsgBytes: number;
  maxInflightMsgs: number;
  preVote: boolean;
  checkQuorum: boolean;
  raftBugs?: RaftBugs;
  /** Driver bug: send a Ready's messages before persisting it. */
  ackBeforePersist: boolean;
  /** Probability a Ready's persist takes time (a window in which a crash loses it). */
  slowPersistRate: number;
  maxPersistDelay: number;
}

/** What survives a crash: the Raft log and hard state, and the state machine's last durable copy. */
export interface Disk {
  storage: MemoryStorage;
  checkpoint: { applied: number; kv: KvStateMachine };
}

interface PendingRead {
  clientId: number;
  reqId: number;
  key: string;
  /** Set once the core answered with a read index. */
  index?: number;
}

/**
 * Decoded commands by payload. The simulated network passes the leader's entry objects (and so their payload
 * bytes) to every member: a command is decoded once, not once per member and replay. Nothing writes to a
 * proposed payload, and the decoded command is only read.
 */
const decoded = new WeakMap<Uint8Array, Command>();
const ctxDecoder = new TextDecoder();

function decodeCached(data: Uint8Array): Command {
  let cmd = decoded.get(data);
  if (cmd === undefined) {
    cmd = decodeCommand(data);
    decoded.set(data, cmd);
  }
  return cmd;
}

/** Bound on Ready rounds per pump: the core must quiesce. */
const MAX_READY_ROUNDS = 1_000;
/** Bound on messages buffered while a persist is in progress. */
const MAX_INBOX = 10_000;

/** One member of the simulated cluster. */
export class Member {
  node: RaftNode | undefined;
  kv = new KvStateMachine();
  /** Highest index applied to the state machine. */
  applied = 0;
  /** After a restart: entries up to here were already applied before the crash (durable checkpoint). */
  replayUpTo = 0;
  /** Highest committed index the core has handed out in this incarnation. */
  handedOut = 0;
  confState: ConfState = { voters: [], learners: [] };
  incarnation = 0;
  /** A Ready is being persisted; messages and ticks wait in the inbox. */
  private pending: Ready | undefined;
  private sentEarly = false;
  private inbox: Message[] = [];
  private pendingTicks = 0;
  readonly pendingReads = new Map<string, PendingRead>();
  /**
   * Pending reads the core has answered with an index (an upper bound: only they can be served, so the
   * scan after every Ready is skipped while there are none).
   */
  private answeredReads = 0;
  /** Role and term as of the last Ready with a soft state. */
  role: StateRole = StateRole.Follower;
  term = 0;
  /** Permanently stopped (removed from the cluster). */
  removed = false;
  /** The Ready being applied added a member. */
  private addedMember = false;
  paused = false;

  constructor(
    readonly id: NodeId,
    readonly disk: Disk,
    private readonly host: MemberHost,
    private readonly settings: MemberSettings,
    private readonly rng: Prng,
  ) {}

  get up(): boolean {
    return this.node !== undefined;
  }

  get busy(): boolean {
    return this.pending !== undefined;
  }

  /** Up, not persisting, not paused: can take a client request or a local command right now. */
  get available(): boolean {
    return this.node !== undefined && this.pending === undefined && !this.paused;
  }

  /** A process pause (GC, VM steal): no ticks, messages queue up, until `resume`. */
  pause(): void {
    if (this.node === undefined) return;
    this.paused = true;
    if (this.host.tracing) this.host.trace(`pause ${this.id}`);
  }

  /** Ends a pause; the ticks it missed are lost (as with a real ticker), the queued messages are processed. */
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    if (this.host.tracing) this.host.trace(`resume ${this.id}`);
    this.pump();
  }

  /** Builds a core from the disk (a boot or a restart). */
  start(): void {
    if (this.node !== undefined) throw new Error(`member ${this.id} already running`);
    const storage = this.disk.storage;
    // The log may keep entries below the snapshot (compaction lags it); the configuration comes from the
    // snapshot, so replay starts right after the snapshot, not after the compaction point.
    const snapIndex = storage.snapshot().metadata.index;
    const s = this.settings;
    const random = this.rng.fork();
    this.incarnation++;
    this.node = new RaftNode({
      id: this.id,
      electionTick: s.electionTick,
      heartbeatTick: s.heartbeatTick,
      storage,
      applied: snapIndex,
      maxSizePerMsgBytes: s.maxSizePerMsgBytes,
      maxInflightMsgs: s.maxInflightMsgs,
      preVote: s.preVote,
      checkQuorum: s.checkQuorum,
      random: () => random.float(),
      bugs: s.raftBugs,
    });
    this.kv = this.disk.checkpoint.kv.clone();
    this.applied = this.disk.checkpoint.applied;
    this.replayUpTo = this.applied;
    this.handedOut = snapIndex;
    this.confState = storage.initialState().confState;
    this.role = StateRole.Follower;
    this.term = storage.initialState().hardState.term;
    if (this.applied < snapIndex) this.host.violation("safety", `member ${this.id}: checkpoint ${this.applied} older than snapshot ${snapIndex}`);
    if (this.host.tracing) this.host.trace(`start ${this.id} (incarnation ${this.incarnation}, applied ${this.applied}, snapshot ${snapIndex}, log ${storage.firstIndex()}..${storage.lastIndex()})`);
  }

  /** Loses everything volatile, including a Ready not yet persisted. */
  crash(): void {
    this.node = undefined;
    this.pending = undefined;
    this.sentEarly = false;
    this.inbox = [];
    this.pendingTicks = 0;
    this.pendingReads.clear();
    this.answeredReads = 0;
    this.paused = false;
    this.role = StateRole.Follower;
    if (this.host.tracing) this.host.trace(`crash ${this.id}`);
  }

  /** Delivers a message (buffered while a persist is in progress). */
  deliver(m: Message): void {
    if (this.node === undefined) return;
    if (this.pending !== undefined || this.paused) {
      if (this.inbox.length >= MAX_INBOX) throw new Error(`member ${this.id}: inbox overflow`);
      this.inbox.push(m);
      return;
    }
    this.node.step(m);
    this.pump();
  }

  /** One clock tick (deferred while a persist is in progress). */
  tick(): void {
    if (this.node === undefined || this.paused) return;
    if (this.pending !== undefined) {
      this.pendingTicks++;
      return;
    }
    this.node.tick();
    this.pump();
  }

  /** Runs the driver loop until the core has nothing more to hand out or a persist is in progress. */
  pump(): void {
    for (let round = 0; round < MAX_READY_ROUNDS; round++) {
      const node = this.node;
      if (node === undefined || this.pending !== undefined || this.paused) return;
      if (this.inbox.length > 0 || this.pendingTicks > 0) {
        this.drainInbox(node);
        continue;
      }
      if (!node.hasReady()) return;
      this.beginReady(node.ready());
    }
    throw new Error(`member ${this.id}: no quiescence after ${MAX_READY_ROUNDS} Ready rounds`);
  }

  private drainInbox(node: RaftNode): void {
    const inbox = this.inbox;
    this.inbox = [];
    for (; this.pendingTicks > 0; this.pendingTicks--) node.tick();
    for (const m of inbox) node.step(m);
  }

  private beginReady(rd: Ready): void {
    if (rd.softState !== undefined) this.onSoftState(rd);
    const s = this.settings;
    this.pending = rd;
    this.sentEarly = false;
    if (s.ackBeforePersist) {
      this.sendAll(rd.messages);
      this.sentEarly = true;
    }
    const slow = (rd.entries.length > 0 || rd.hardState !== undefined || rd.snapshot !== undefined) &&
      this.rng.chance(s.slowPersistRate);
    if (slow) {
      this.host.schedulePersisted(this, this.rng.range(1, s.maxPersistDelay), this.incarnation);
      return;
    }
    this.finishReady();
  }

  /** The persist of the pending Ready completed (if this incarnation still exists). */
  persisted(incarnation: number): void {
    if (incarnation !== this.incarnation || this.pending === undefined || this.node === undefined) return;
    this.finishReady();
    this.pump();
  }

  private onSoftState(rd: Ready): void {
    const node = this.node!;
    const status = node.status();
    const becameLeader = rd.softState!.role === StateRole.Leader && this.role !== StateRole.Leader;
    this.role = rd.softState!.role;
    this.term = status.term;
    if (!becameLeader) return;
    this.host.onLeaderElected(this, status.term);
    const checker = this.host.checker;
    const broken = checker.onLeader(this.id, status.term) ??
      checker.checkLeaderComplete(this.id, status.term, this.disk.storage);
    if (broken !== undefined) this.host.violation("safety", broken);
  }

  private finishReady(): void {
    const rd = this.pending!;
    const node = this.node!;
    this.persist(rd);
    if (!this.sentEarly) this.sendAll(rd.messages);
    for (const rs of rd.readStates) this.onReadState(rs.index, rs.requestCtx);
    if (rd.snapshot !== undefined && rd.snapshot.metadata.index > 0) this.restoreSnapshot(rd.snapshot);
    this.addedMember = false;
    for (const e of rd.committedEntries) this.applyEntry(e);
    // A member added after our latest snapshot would refuse that snapshot (it is not in its ConfState) and
    // never catch up once the log before it is compacted: snapshot again now that the config includes it.
    if (this.addedMember) this.snapshotOnly();
    this.serveReads();
    this.pending = undefined;
    node.advance();
  }

  private persist(rd: Ready): void {
    const storage = this.disk.storage;
    const checker = this.host.checker;
    if (rd.snapshot !== undefined && rd.snapshot.metadata.index > 0) {
      storage.applySnapshot(rd.snapshot);
      const broken = checker.onSnapshot(this.id, rd.snapshot.metadata.index, rd.snapshot.metadata.term);
      if (broken !== undefined) this.host.violation("safety", broken);
    }
    const oldCommit = storage.hardState().commit;
    if (rd.entries.length > 0) {
      storage.append(rd.entries);
      const broken = checker.onPersist(this.id, rd.entries, storage);
      if (broken !== undefined) this.host.violation("safety", broken);
    }
    if (rd.hardState !== undefined) {
      const broken = checker.onHardState(this.id, storage.hardState(), rd.hardState);
      if (broken !== undefined) this.host.violation("safety", broken);
      storage.setHardState(rd.hardState);
    }
    const commit = rd.hardState?.commit ?? oldCommit;
    const from = rd.entries.length > 0 ? Math.min(rd.entries[0]!.index, oldCommit + 1) : oldCommit + 1;
    if (from <= commit) {
      const broken = checker.onDurableCommit(this.id, storage, from, commit);
      if (broken !== undefined) this.host.violation("safety", broken);
    }
  }

  private sendAll(messages: readonly Message[]): void {
    for (const m of messages) this.host.send(this, m);
  }

  private restoreSnapshot(snap: Snapshot): void {
    const index = snap.metadata.index;
    if (index <= this.applied) {
      this.host.violation("safety", `member ${this.id}: snapshot ${index} would move applied back from ${this.applied}`);
      return;
    }
    this.kv = KvStateMachine.decode(snap.data);
    this.applied = index;
    this.handedOut = index;
    this.replayUpTo = index;
    this.confState = { voters: [...snap.metadata.confState.voters], learners: [...snap.metadata.confState.learners] };
    this.disk.checkpoint = { applied: index, kv: this.kv.clone() };
    if (this.host.tracing) this.host.trace(`${this.id} restored snapshot ${index} (term ${snap.metadata.term})`);
  }

  private applyEntry(e: Entry): void {
    if (e.index !== this.handedOut + 1) {
      this.host.violation("safety", `member ${this.id}: committed entry ${e.index} handed out after ${this.handedOut}`);
      return;
    }
    this.handedOut = e.index;
    const broken = this.host.checker.onApply(this.id, e);
    if (broken !== undefined) this.host.violation("safety", broken);
    const replay = e.index <= this.replayUpTo;
    if (e.type === EntryType.ConfChange) {
      const cc = decodeConfChange(e.data);
      this.confState = this.node!.applyConfChange(cc);
      if (cc.type !== ConfChangeType.RemoveNode) this.addedMember = true;
      if (!replay) this.host.onConfChangeApplied(this, cc);
    } else if (!replay) {
      this.applyNormal(e);
    }
    if (replay) return;
    if (e.index !== this.applied + 1) {
      this.host.violation("safety", `member ${this.id}: applied ${e.index} after ${this.applied}`);
    }
    this.applied = e.index;
  }

  /**
   * Applies a normal entry. Total: an entry that is not a well-formed command becomes an error outcome (the
   * same on every member) and apply goes on; nothing here throws on what a proposer put in the log.
   */
  private applyNormal(e: Entry): void {
    const cmd = decodeCached(e.data);
    let outcome: string;
    switch (cmd.kind) {
      case "put": {
        const fresh = this.kv.applyPut(cmd.put);
        outcome = fresh ? "put" : "duplicate put";
        if (fresh) this.host.onPutApplied(this, cmd.put);
        if (this.host.tracing) this.host.trace(`${this.id} apply ${e.index}/${e.term} put ${cmd.put.key}=${cmd.put.value}`);
        break;
      }
      case "marker":
        outcome = "marker";
        this.host.onMarkerApplied(this, cmd.marker);
        break;
      case "empty":
        outcome = "empty";
        break;
      case "invalid":
        outcome = `error: ${cmd.reason}`;
        this.host.onInvalidApplied(this, e.index, cmd.reason);
        break;
    }
    const broken = this.host.checker.onOutcome(this.id, e.index, outcome);
    if (broken !== undefined) this.host.violation("safety", broken);
  }

  /** Registers a linearizable read; the core answers with a read state carrying `ctx`. */
  addRead(ctx: string, read: PendingRead): void {
    this.pendingReads.set(ctx, read);
  }

  private onReadState(index: number, ctxBytes: Uint8Array): void {
    const read = this.pendingReads.get(ctxDecoder.decode(ctxBytes));
    if (read !== undefined && read.index === undefined) {
      read.index = index;
      this.answeredReads++;
    }
  }

  private serveReads(): void {
    if (this.answeredReads === 0) return;
    for (const [ctx, read] of this.pendingReads) {
      if (read.index === undefined || read.index > this.applied) continue;
      this.pendingReads.delete(ctx);
      this.answeredReads--;
      this.host.onReadServed(this, read.clientId, read.reqId, this.kv.get(read.key));
    }
  }

  /** Takes a durable copy of the state machine (what a restart resumes from). */
  checkpoint(): void {
    if (this.node === undefined || this.handedOut < this.applied) return;
    this.disk.checkpoint = { applied: this.applied, kv: this.kv.clone() };
  }

  private snapshotOnly(): void {
    const storage = this.disk.storage;
    if (this.handedOut < this.applied || this.applied <= storage.snapshot().metadata.index) return;
    storage.createSnapshot(this.applied, this.confState, this.kv.encode());
    this.disk.checkpoint = { applied: this.applied, kv: this.kv.clone() };
  }

  /** Snapshots the state machine into the storage and compacts the log, keeping up to `retain` entries. */
  snapshotAndCompact(retain: number): void {
    const storage = this.disk.storage;
    // During a replay the core's configuration lags `applied`; wait until it has caught up.
    if (this.node === undefined || this.pending !== undefined || this.handedOut < this.applied) return;
    if (this.applied <= storage.snapshot().metadata.index || this.applied > storage.lastIndex()) return;
    storage.createSnapshot(this.applied, this.confState, this.kv.encode());
    this.disk.checkpoint = { applied: this.applied, kv: this.kv.clone() };
    const compactTo = this.applied - retain;
    if (compactTo > storage.firstIndex() - 1) storage.compact(compactTo);
    if (this.host.tracing) this.host.trace(`${this.id} snapshot at ${this.applied}, log now ${storage.firstIndex()}..${storage.lastIndex()}`);
  }
}
