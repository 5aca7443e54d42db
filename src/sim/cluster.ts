/**
 * One simulated run: a cluster of members over a faulty network, crashes and restarts, snapshots,
 * membership changes and leader transfers at random, clients recording a history — all from one seed.
 * Safety is checked as the run goes, liveness and linearizability at its end.
 * @module
 */
import { MemoryStorage } from "../raft/mod.ts";
import {
  type ConfChange,
  ConfChangeType,
  type Message,
  MessageType,
  type NodeId,
  StateRole,
} from "../raft/types.ts";
import { describeViolation, SafetyChecker, type Violation, type ViolationKind } from "./checks.ts";
import { confChangeName, describeMessage } from "./describe.ts";
import { EventQueue } from "./event_queue.ts";
import { drawGarbage } from "./garbage.ts";
import { encodeMarker, encodePut, KvStateMachine, type PutCommand } from "./kv.ts";
import { type CheckOutcome, checkHistory, type Operation } from "./linearizability.ts";
import { type BugName, drawKnobs, drawSettings, type Knobs, TICK } from "./knobs.ts";
import { Member, type MemberHost, type MemberSettings } from "./member.ts";
import { CALM_NETWORK, Network, randomProfile } from "./network.ts";
import { Prng } from "./prng.ts";

export { BUG_NAMES, type BugName, TICK } from "./knobs.ts";
export { describeViolation, type Violation, type ViolationKind } from "./checks.ts";

/** Options of one run. */
export interface RunOptions {
  seed: number;
  /** The deliberate bug: its scenario (knobs and settings) and, unless `control`, the bug itself. */
  bug?: BugName;
  /**
   * Run `bug`'s scenario with the bug switched off: the control for a bug run (same seed, same draws, same
   * knobs; only the bug differs).
   */
  control?: boolean;
  /** Overrides the drawn per-tick probability of a garbage proposal. */
  garbageRate?: number;
  /** Collect the event trace (slower). */
  trace?: boolean;
  /** Ticks of faults and client load before the liveness phase. */
  chaosTicks?: number;
  /** Ticks the liveness phase may take before it counts as a violation. */
  livenessTicks?: number;
}

/** Counters describing a run. */
export interface RunStats {
  ticks: number;
  members: number;
  messages: number;
  committed: number;
  /** Times a member became leader. */
  elections: number;
  crashes: number;
  partitions: number;
  snapshots: number;
  confChanges: number;
  transfers: number;
  opsOk: number;
  opsUnknown: number;
  checkerSteps: number;
  /** Garbage entries (random bytes, malformed puts) a member accepted for proposal. */
  garbageProposed: number;
  /** Distinct log indexes whose committed entry was garbage, applied as an error outcome. */
  garbageCommitted: number;
  /** Applies of garbage entries, over all members (each one an error outcome, apply went on). */
  garbageApplies: number;
}

/** The verdict of one run. */
export interface RunResult {
  seed: number;
  bug?: BugName;
  /** True when the run was `bug`'s control (bug switched off). */
  control: boolean;
  violations: Violation[];
  linearizability: CheckOutcome;
  stats: RunStats;
  /** The clients' operations, as given to the linearizability checker. */
  history: Operation[];
  trace: string[];
}

type SimEvent =
  | { kind: "tick" }
  | { kind: "deliver"; msg: Message }
  | { kind: "persisted"; member: Member; incarnation: number }
  | { kind: "restart"; member: Member }
  | { kind: "stop"; member: Member }
  | { kind: "resume"; member: Member; incarnation: number }
  | { kind: "start"; id: NodeId }
  | { kind: "report"; member: Member; incarnation: number; to: NodeId; snapshotOk?: boolean };

interface ClientOp {
  op: Operation;
  reqId: number;
  memberId: NodeId;
  deadline: number;
}

interface Client {
  id: number;
  reqId: number;
  current?: ClientOp;
  nextTick: number;
}


const encoder = new TextEncoder();
const MAX_MEMBER_IDS = 9;
const MAX_EVENTS_PER_RUN = 3_000_000;
const LIVENESS_REPROPOSE_TICKS = 40;
/** History stamps inside one simulated instant (a power of two: the fractions are exact). */
const STAMPS_PER_INSTANT = 1024;


/** Runs one seeded simulation to its end and returns its verdict. */
export function runSeed(options: RunOptions): RunResult {
  const sim = new Simulation(options);
  return sim.run();
}

class Simulation implements MemberHost {
  readonly checker = new SafetyChecker();
  readonly tracing: boolean;
  private readonly rng: Prng;
  private readonly netRng: Prng;
  private readonly queue = new EventQueue<SimEvent>(MAX_EVENTS_PER_RUN);
  private readonly network = new Network();
  private readonly members = new Map<NodeId, Member>();
  /** The members in the order they were added (the map's order), for the per-tick loops and draws. */
  private readonly memberList: Member[] = [];
  /** Scratch list for a client's pick of a member (one per operation: no array allocated each time). */
  private readonly candidates: Member[] = [];
  private readonly knobs: Knobs;
  private readonly settings: MemberSettings;
  private readonly clients: Client[] = [];
  private readonly history: Operation[] = [];
  private readonly traceLines: string[] = [];
  private readonly violations: Violation[] = [];
  private readonly garbageIndexes = new Set<number>();
  /** The instant and sequence of the last history stamp (see historyStamp). */
  private stampTime = -1;
  private stampSeq = 0;
  private readonly chaosTicks: number;
  private readonly livenessTicks: number;
  private time = 0;
  private tickNo = 0;
  private nextId = 1;
  private phaseEndTick = 0;
  private healTick = -1;
  private liveness = false;
  private markerCount = 0;
  private markerTick = -1;
  private readonly markerSeen = new Map<NodeId, number>();
  private done = false;
  private readonly stats: RunStats = {
    ticks: 0, members: 0, messages: 0, committed: 0, elections: 0, crashes: 0, partitions: 0, snapshots: 0,
    confChanges: 0, transfers: 0, opsOk: 0, opsUnknown: 0, checkerSteps: 0, garbageProposed: 0,
    garbageCommitted: 0, garbageApplies: 0,
  };

  constructor(private readonly options: RunOptions) {
    this.tracing = options.trace === true;
    this.rng = new Prng(options.seed);
    this.netRng = this.rng.fork();
    this.knobs = drawKnobs(this.rng, options.bug);
    if (options.garbageRate !== undefined) this.knobs.garbageRate = options.garbageRate;
    this.settings = drawSettings(this.rng, options.bug, { bugOn: this.bugOn });
    this.chaosTicks = options.chaosTicks ?? 3_000;
    this.livenessTicks = options.livenessTicks ?? 600;
  }

  run(): RunResult {
    try {
      this.boot();
      this.loop();
      if (this.violations.length === 0) this.finalChecks();
    } catch (err) {
      const e = err as Error;
      this.violation("exception", `${e.message}${this.tracing ? `\n${e.stack ?? ""}` : ""}`);
    }
    let linearizability: CheckOutcome = "ok";
    if (this.violations.length === 0) linearizability = this.checkLinearizable();
    this.stats.ticks = this.tickNo;
    this.stats.members = this.nextId - 1;
    this.stats.committed = this.checker.maxCommittedIndex;
    this.stats.garbageCommitted = this.garbageIndexes.size;
    return {
      seed: this.options.seed,
      bug: this.options.bug,
      control: this.options.control === true,
      violations: this.violations,
      linearizability,
      stats: this.stats,
      history: this.history,
      trace: this.traceLines,
    };
  }

  // ---- MemberHost ----

  now(): number {
    return this.time;
  }

  trace(line: string): void {
    if (this.tracing) this.traceLines.push(`${(this.time / TICK).toFixed(1).padStart(7)} ${line}`);
  }

  violation(kind: ViolationKind, message: string): void {
    const v = { kind, message: `${message} [seed ${this.options.seed}, t=${(this.time / TICK).toFixed(1)}]` };
    this.violations.push(v);
    this.trace(`VIOLATION ${describeViolation(v)}`);
    this.done = true;
  }

  /** The run's deliberate bug is switched on (a bug run, not its control). */
  get bugOn(): boolean {
    return this.options.bug !== undefined && this.options.control !== true;
  }

  send(from: Member, m: Message): void {
    this.stats.messages++;
    const to = this.members.get(m.to);
    const network = this.network;
    const copies = to === undefined || to.removed ? 0 : network.routeCopies(m.from, m.to, this.netRng);
    if (this.tracing) this.trace(`${describeMessage(m)}${copies === 0 ? " (lost)" : copies > 1 ? " (dup)" : ""}`);
    if (copies > 0) this.queue.push(this.time + network.firstDelay, { kind: "deliver", msg: m });
    if (copies > 1) this.queue.push(this.time + network.secondDelay, { kind: "deliver", msg: m });
    if (copies > 0) return;
    if (m.type === MessageType.Snap) this.report(from, m.to, false);
    else if (m.type === MessageType.App && this.network.isBlocked(m.from, m.to)) this.report(from, m.to, undefined);
  }

  schedulePersisted(member: Member, delay: number, incarnation: number): void {
    this.queue.push(this.time + delay, { kind: "persisted", member, incarnation });
  }

  onPutApplied(member: Member, cmd: PutCommand): void {
    const client = this.clients[cmd.clientId];
    const cur = client?.current;
    if (client === undefined || cur === undefined || cur.reqId !== cmd.reqId || cur.memberId !== member.id) return;
    cur.op.returnTime = this.historyStamp();
    this.finishOp(client);
  }

  onReadServed(member: Member, clientId: number, reqId: number, value: string | null): void {
    const client = this.clients[clientId];
    const cur = client?.current;
    if (client === undefined || cur === undefined || cur.reqId !== reqId || cur.memberId !== member.id) return;
    cur.op.value = value;
    cur.op.returnTime = this.historyStamp();
    if (this.tracing) this.trace(`client ${clientId} read ${cur.op.key}=${value} from ${member.id}`);
    this.finishOp(client);
  }

  onConfChangeApplied(member: Member, cc: ConfChange): void {
    if (this.tracing) this.trace(`${member.id} applied conf change ${confChangeName(cc)}`);
    const target = this.members.get(cc.nodeId);
    if (cc.type === ConfChangeType.RemoveNode) {
      if (target !== undefined && !target.removed) this.queue.push(this.time, { kind: "stop", member: target });
      return;
    }
    if (target === undefined && cc.nodeId < BigInt(this.nextId)) this.queue.push(this.time, { kind: "start", id: cc.nodeId });
  }

  onLeaderElected(member: Member, term: number): void {
    this.stats.elections++;
    if (this.tracing) this.trace(`leader ${member.id} term ${term}`);
  }

  onMarkerApplied(member: Member, marker: number): void {
    this.markerSeen.set(member.id, Math.max(marker, this.markerSeen.get(member.id) ?? 0));
  }

  onInvalidApplied(member: Member, index: number, reason: string): void {
    this.garbageIndexes.add(index);
    this.stats.garbageApplies++;
    if (this.tracing) this.trace(`${member.id} apply ${index}: no command (${reason}), error outcome`);
  }

  // ---- setup and main loop ----

  private boot(): void {
    const k = this.knobs;
    const voters: NodeId[] = [];
    const learners: NodeId[] = [];
    for (let i = 0; i < k.voters; i++) voters.push(BigInt(this.nextId++));
    for (let i = 0; i < k.learners; i++) learners.push(BigInt(this.nextId++));
    const confState = { voters, learners };
    for (const id of [...voters, ...learners]) {
      const storage = new MemoryStorage({
        snapshot: { metadata: { index: 0, term: 0, confState }, data: new Uint8Array(0) },
      });
      this.addMember(id, storage);
    }
    for (let c = 0; c < k.clients; c++) this.clients.push({ id: c, reqId: 0, nextTick: this.rng.range(0, 20) });
    this.trace(`seed ${this.options.seed}: voters ${voters.join(",")} learners ${learners.join(",") || "-"}, ` +
      `${k.clients} clients, ${k.keys} keys, settings ${JSON.stringify({ ...this.settings, raftBugs: undefined })}`);
    this.queue.push(0, { kind: "tick" });
  }

  private addMember(id: NodeId, storage: MemoryStorage): Member {
    const disk = { storage, checkpoint: { applied: 0, kv: new KvStateMachine() } };
    const member = new Member(id, disk, this, this.settings, this.rng.fork());
    this.members.set(id, member);
    this.memberList.push(member);
    member.start();
    return member;
  }

  private loop(): void {
    for (let n = 0; n < MAX_EVENTS_PER_RUN; n++) {
      if (this.done) return;
      const time = this.queue.peekTime();
      if (time === undefined) throw new Error("event queue ran dry");
      this.time = time;
      this.handle(this.queue.popPayload()!);
    }
    throw new Error(`run exceeded ${MAX_EVENTS_PER_RUN} events`);
  }

  private handle(ev: SimEvent): void {
    switch (ev.kind) {
      case "tick":
        this.onTick();
        if (!this.done) this.queue.push(this.time + TICK, { kind: "tick" });
        return;
      case "deliver":
        return this.deliver(ev.msg);
      case "persisted":
        return ev.member.persisted(ev.incarnation);
      case "restart":
        if (!ev.member.up && !ev.member.removed) ev.member.start();
        return;
      case "resume":
        if (ev.member.incarnation === ev.incarnation) ev.member.resume();
        return;
      case "stop":
        if (ev.member.up) ev.member.crash();
        ev.member.removed = true;
        if (this.tracing) this.trace(`stop removed member ${ev.member.id}`);
        return;
      case "start":
        if (!this.members.has(ev.id)) this.addMember(ev.id, new MemoryStorage());
        return;
      case "report":
        return this.deliverReport(ev.member, ev.incarnation, ev.to, ev.snapshotOk);
    }
  }

  private deliver(m: Message): void {
    const member = this.members.get(m.to);
    // A link cut while the message was in flight loses it too.
    if (member === undefined || !member.up || this.network.isBlocked(m.from, m.to)) {
      const from = m.type === MessageType.Snap ? this.members.get(m.from) : undefined;
      if (from !== undefined) this.report(from, m.to, false);
      return;
    }
    if (this.tracing && m.type !== MessageType.Heartbeat && m.type !== MessageType.HeartbeatResp) {
      this.trace(`deliver ${describeMessage(m)}`);
    }
    member.deliver(m);
    const from = m.type === MessageType.Snap ? this.members.get(m.from) : undefined;
    if (from !== undefined) this.report(from, m.to, true);
  }

  /** Tells a sender's core (one instant later, outside its Ready handling) how a send went. */
  private report(from: Member, to: NodeId, snapshotOk: boolean | undefined): void {
    this.queue.push(this.time + 1, { kind: "report", member: from, incarnation: from.incarnation, to, snapshotOk });
  }

  private deliverReport(member: Member, incarnation: number, to: NodeId, snapshotOk: boolean | undefined): void {
    const node = member.node;
    if (node === undefined || member.incarnation !== incarnation) return;
    if (!member.available) {
      // The transport reports once the member's loop is free again.
      this.queue.push(this.time + 1, { kind: "report", member, incarnation, to, snapshotOk });
      return;
    }
    if (snapshotOk === undefined) node.reportUnreachable(to);
    else node.reportSnapshot(to, snapshotOk);
    member.pump();
  }

  private onTick(): void {
    this.tickNo = Math.round(this.time / TICK);
    const drift = this.liveness ? 0 : this.knobs.driftRate;
    for (const member of this.memberList) {
      if (drift > 0 && this.rng.chance(drift)) continue; // this member's clock runs slow
      member.tick();
      if (this.done) return;
    }
    if (!this.liveness) {
      this.chaos();
      this.clientsAct();
    }
    this.clientTimeouts();
    if (!this.liveness && this.tickNo >= this.chaosTicks) this.enterLiveness();
    if (this.liveness) this.livenessStep();
  }

  // ---- faults ----

  private chaos(): void {
    const rng = this.rng;
    const k = this.knobs;
    if (this.tickNo >= this.phaseEndTick) {
      this.network.profile = randomProfile(rng, TICK);
      this.phaseEndTick = this.tickNo + rng.range(100, 500);
      if (this.tracing) this.trace(`network profile ${JSON.stringify(this.network.profile)}`);
    }
    this.partitions();
    if (rng.chance(k.crashRate)) this.crashOne();
    if (rng.chance(k.pauseRate)) this.pauseOne();
    if (rng.chance(k.snapshotRate)) this.snapshotOne();
    if (rng.chance(0.02)) this.randomMember()?.checkpoint();
    if (rng.chance(k.confChangeRate)) this.changeMembership();
    if (rng.chance(k.transferRate)) this.transferLeader();
    if (rng.chance(k.garbageRate)) this.proposeGarbage();
  }

  /** A garbage entry proposed the way a client's put is: at a random member, which forwards it to its leader. */
  private proposeGarbage(): void {
    const rng = this.rng;
    const member = rng.pick(this.memberList.filter((m) => !m.removed));
    const data = drawGarbage(rng);
    if (!member.available) return;
    const err = member.node!.propose(data);
    if (this.tracing) this.trace(`propose garbage (${data.length} bytes) via ${member.id}: ${err ?? "accepted"}`);
    if (err !== undefined) return;
    this.stats.garbageProposed++;
    member.pump();
  }

  private partitions(): void {
    const rng = this.rng;
    if (this.healTick >= 0 && this.tickNo >= this.healTick) {
      this.network.heal();
      this.healTick = -1;
      this.trace("heal network");
    }
    // A partition in place may move on (heal, then cut elsewhere) before its time is up.
    const moving = this.healTick >= 0 && rng.chance(this.knobs.partitionRate * 0.5);
    if (this.healTick >= 0 && !moving) return;
    if (!moving && !rng.chance(this.knobs.partitionRate)) return;
    const ids = this.memberList.filter((m) => !m.removed).map((m) => m.id);
    if (ids.length < 2) return;
    const leader = this.leader();
    // Isolating the current leader is the nemesis that exercises elections and stale leaders hardest.
    const side = leader !== undefined && rng.chance(this.knobs.isolateLeaderRate)
      ? [leader.id]
      : rng.shuffle(ids).slice(0, rng.range(1, ids.length - 1));
    const oneWay = rng.chance(0.3);
    this.network.heal();
    this.network.partition(side, ids, oneWay);
    this.healTick = this.tickNo + rng.range(10, 300);
    this.stats.partitions++;
    if (this.tracing) this.trace(`partition ${oneWay ? "one-way " : ""}{${side.join(",")}} until tick ${this.healTick}`);
  }

  private randomMember(): Member | undefined {
    const live = this.memberList.filter((m) => m.up);
    return live.length === 0 ? undefined : this.rng.pick(live);
  }

  private crashOne(): void {
    const live = this.memberList.filter((m) => m.up);
    if (live.length <= 1) return;
    const busy = live.filter((m) => m.busy);
    const victim = busy.length > 0 && this.rng.chance(0.5) ? this.rng.pick(busy) : this.rng.pick(live);
    victim.crash();
    this.stats.crashes++;
    this.queue.push(this.time + this.rng.range(5, 200) * TICK, { kind: "restart", member: victim });
  }

  private pauseOne(): void {
    const live = this.memberList.filter((m) => m.up && !m.paused);
    if (live.length === 0) return;
    // The leader is the interesting one to pause: it wakes up stale.
    const leader = this.leader();
    const victim = leader !== undefined && !leader.paused && this.rng.chance(0.5) ? leader : this.rng.pick(live);
    victim.pause();
    const resumeAt = this.time + this.rng.range(1, 4 * this.settings.electionTick) * TICK;
    this.queue.push(resumeAt, { kind: "resume", member: victim, incarnation: victim.incarnation });
  }

  private snapshotOne(): void {
    const member = this.randomMember();
    if (member === undefined) return;
    const before = member.disk.storage.snapshot().metadata.index;
    member.snapshotAndCompact(this.rng.int(this.knobs.maxRetain + 1));
    if (member.disk.storage.snapshot().metadata.index !== before) this.stats.snapshots++;
  }

  /** The live leader with the highest term, if any. */
  private leader(): Member | undefined {
    let best: Member | undefined;
    for (const m of this.members.values()) {
      if (!m.up || m.role !== StateRole.Leader) continue;
      if (best === undefined || m.term > best.term) best = m;
    }
    return best;
  }

  private changeMembership(): void {
    const leader = this.leader();
    if (leader === undefined || !leader.available) return;
    const cs = leader.node!.status().confState;
    const rng = this.rng;
    let cc: ConfChange | undefined;
    if (cs.learners.length > 0 && rng.chance(0.6)) {
      cc = { type: ConfChangeType.AddNode, nodeId: rng.pick(cs.learners) };
    } else if (cs.voters.length >= 4 && rng.chance(0.6)) {
      cc = { type: ConfChangeType.RemoveNode, nodeId: rng.pick(cs.voters) };
    } else if (cs.voters.length + cs.learners.length < 6 && this.nextId <= MAX_MEMBER_IDS) {
      cc = { type: ConfChangeType.AddLearnerNode, nodeId: BigInt(this.nextId++) };
    }
    if (cc === undefined) return;
    const err = leader.node!.proposeConfChange(cc);
    if (this.tracing) this.trace(`propose conf change ${confChangeName(cc)} at ${leader.id}: ${err ?? "accepted"}`);
    if (err === undefined) this.stats.confChanges++;
    leader.pump();
  }

  private transferLeader(): void {
    const leader = this.leader();
    if (leader === undefined || !leader.available) return;
    const voters = leader.node!.status().confState.voters.filter((v) => v !== leader.id);
    if (voters.length === 0) return;
    const target = this.rng.pick(voters);
    if (this.tracing) this.trace(`transfer leadership ${leader.id} → ${target}`);
    this.stats.transfers++;
    leader.node!.transferLeader(target);
    leader.pump();
  }

  // ---- clients ----

  private clientsAct(): void {
    for (const client of this.clients) {
      if (client.current === undefined && this.tickNo >= client.nextTick) this.issue(client);
      if (this.done) return;
    }
  }

  private issue(client: Client): void {
    const rng = this.rng;
    const candidates = this.candidates;
    candidates.length = 0;
    for (const m of this.memberList) if (!m.removed) candidates.push(m);
    const member = rng.pick(candidates);
    client.nextTick = this.tickNo + rng.range(0, 5);
    if (!member.available) return; // connection refused / busy: try again later
    const reqId = ++client.reqId;
    const key = `k${rng.int(this.knobs.keys)}`;
    const deadline = this.time + this.knobs.clientTimeoutTicks * TICK;
    if (rng.chance(0.5)) {
      const value = `${client.id}.${reqId}`;
      const op: Operation = { clientId: client.id, kind: "put", key, value, callTime: this.historyStamp() };
      const err = member.node!.propose(encodePut({ clientId: client.id, reqId, key, value }));
      if (this.tracing) this.trace(`client ${client.id} put ${key}=${value} via ${member.id}${err === undefined ? "" : `: ${err}`}`);
      if (err !== undefined) return; // refused at once: it never happened
      this.history.push(op);
      client.current = { op, reqId, memberId: member.id, deadline };
    } else {
      const op: Operation = { clientId: client.id, kind: "get", key, value: null, callTime: this.historyStamp() };
      if (this.bugOn && this.options.bug === "localReads") {
        op.value = member.kv.get(key);
        op.returnTime = op.callTime;
        this.history.push(op);
        if (this.tracing) this.trace(`client ${client.id} read ${key}=${op.value} locally from ${member.id} (bug)`);
        return;
      }
      const ctx = `${client.id}.${reqId}`;
      member.addRead(ctx, { clientId: client.id, reqId, key });
      const err = member.node!.readIndex(encoder.encode(ctx));
      if (this.tracing) this.trace(`client ${client.id} read ${key} via ${member.id}${err === undefined ? "" : `: ${err}`}`);
      if (err !== undefined) {
        member.pendingReads.delete(ctx);
        return;
      }
      this.history.push(op);
      client.current = { op, reqId, memberId: member.id, deadline };
    }
    member.pump();
  }

  /**
   * The time recorded in the history for a call or a return: the simulated instant plus the order of the
   * stamp inside it. Events of one instant run one after another, and the checker orders a return before a
   * call at equal times, so equal stamps for two operations would claim an order that may be false.
   */
  private historyStamp(): number {
    if (this.time !== this.stampTime) {
      this.stampTime = this.time;
      this.stampSeq = 0;
    }
    if (++this.stampSeq >= STAMPS_PER_INSTANT) throw new Error(`more than ${STAMPS_PER_INSTANT - 1} history stamps at one instant`);
    return this.time + this.stampSeq / STAMPS_PER_INSTANT;
  }

  private finishOp(client: Client): void {
    client.current = undefined;
    client.nextTick = this.tickNo + this.rng.range(0, 10);
    this.stats.opsOk++;
  }

  private clientTimeouts(): void {
    for (const client of this.clients) {
      const cur = client.current;
      if (cur === undefined || this.time < cur.deadline) continue;
      if (this.tracing) this.trace(`client ${client.id} timed out on ${cur.op.kind} ${cur.op.key}`);
      client.current = undefined;
      this.stats.opsUnknown++;
    }
  }

  // ---- the end ----

  private enterLiveness(): void {
    this.liveness = true;
    this.network.heal();
    this.healTick = -1;
    this.network.profile = CALM_NETWORK;
    for (const m of this.members.values()) {
      if (!m.up && !m.removed) m.start();
      m.resume();
    }
    this.trace("liveness phase: network healed, every member up");
  }

  private livenessStep(): void {
    const elapsed = this.tickNo - this.chaosTicks;
    const leader = this.leader();
    if (leader !== undefined && this.livenessReached(leader)) {
      this.trace(`liveness reached after ${elapsed} ticks`);
      this.done = true;
      return;
    }
    if (elapsed >= this.livenessTicks) {
      this.violation("liveness", `${this.livenessStuck(leader)} after ${elapsed} ticks of calm`);
      return;
    }
    if (leader === undefined || !leader.available) return;
    if (this.markerTick >= 0 && this.tickNo - this.markerTick < LIVENESS_REPROPOSE_TICKS) return;
    this.markerTick = this.tickNo;
    const err = leader.node!.propose(encodeMarker(++this.markerCount));
    this.trace(`propose liveness marker ${this.markerCount} at ${leader.id}: ${err ?? "accepted"}`);
    leader.pump();
  }

  private configMembers(leader: Member): NodeId[] {
    const cs = leader.node!.status().confState;
    return [...cs.voters, ...cs.learners];
  }

  private livenessReached(leader: Member): boolean {
    if (this.markerCount === 0) return false;
    return this.configMembers(leader).every((id) => this.members.get(id)?.up === true && (this.markerSeen.get(id) ?? 0) > 0);
  }

  private livenessStuck(leader: Member | undefined): string {
    if (leader === undefined) return "no leader";
    const missing = this.configMembers(leader).filter((id) => (this.markerSeen.get(id) ?? 0) === 0);
    return `leader ${leader.id} (term ${leader.term}) but no marker applied on ${missing.join(",")}`;
  }

  private finalChecks(): void {
    for (const m of this.members.values()) {
      if (!m.up) continue;
      const commit = m.disk.storage.hardState().commit;
      const broken = this.checker.onDurableCommit(m.id, m.disk.storage, 1, commit);
      if (broken !== undefined) return this.violation("safety", broken);
    }
  }

  private checkLinearizable(): CheckOutcome {
    const result = checkHistory(this.history);
    this.stats.checkerSteps = result.steps;
    if (result.outcome === "violation") this.violation("linearizability", `${result.detail}`);
    if (result.outcome === "unknown") this.trace(`linearizability unknown on keys ${result.unknownKeys.join(",")}`);
    return result.outcome;
  }
}
