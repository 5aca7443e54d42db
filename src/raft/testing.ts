/**
 * A tiny synchronous in-memory cluster for unit tests of the core: each member's Ready is handled
 * (persist to MemoryStorage, queue messages, apply), and queued messages are delivered in order, with
 * optional cuts between members. Not exported from mod.ts; the simulator (src/sim) is the real harness.
 * @module
 */
import { decodeConfChange } from "./confchange.ts";
import { RaftNode } from "./raft.ts";
import { bootstrapSnapshot, MemoryStorage } from "./storage.ts";
import {
  type ConfState,
  type Entry,
  EntryType,
  type Message,
  type NodeId,
  type RaftConfig,
  type ReadState,
  type Ready,
  StateRole,
} from "./types.ts";

/** One member of a test cluster, with what it applied. */
export interface TestMember {
  id: NodeId;
  node: RaftNode;
  storage: MemoryStorage;
  /** Non-empty Normal entries' data applied, in order. */
  applied: Entry[];
  readStates: ReadState[];
  confState: ConfState;
}

/** A deterministic PRNG (mulberry32) for tests. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The per-cluster part of a member's RaftConfig (id, storage and random are per member). */
export type TestConfig = Omit<RaftConfig, "id" | "storage" | "random">;

/** Small timeouts, large messages, no pre-vote or check-quorum: tests switch on what they exercise. */
export const DEFAULT_TEST_CONFIG: TestConfig = {
  electionTick: 10,
  heartbeatTick: 1,
  maxSizePerMsgBytes: 1 << 20,
  maxInflightMsgs: 256,
  preVote: false,
  checkQuorum: false,
};

/** Members, a FIFO message queue, and a set of cut links. */
export class TestCluster {
  readonly members = new Map<NodeId, TestMember>();
  queue: Message[] = [];
  /** Links "from>to" that drop messages. */
  private readonly cut = new Set<string>();
  /** Every message handed out in a Ready, delivered or not. */
  readonly sent: Message[] = [];
  /** Every message delivered, for assertions on traffic. */
  readonly delivered: Message[] = [];
  /** When set, only messages for which this returns true are delivered. */
  filter: ((m: Message) => boolean) | undefined;
  private readonly config: TestConfig;
  private seed = 1;

  constructor(voters: NodeId[], config: Partial<TestConfig> = {}, learners: NodeId[] = []) {
    this.config = { ...DEFAULT_TEST_CONFIG, ...config };
    const cs = { voters, learners };
    for (const id of [...voters, ...learners]) {
      this.add(id, new MemoryStorage({ snapshot: bootstrapSnapshot(cs) }));
    }
    // The founders' first Ready: the founding configuration entries (1..n, term 1), persisted and applied.
    this.stabilize();
  }

  /** Adds (or restarts) a member over `storage`. */
  add(id: NodeId, storage: MemoryStorage, extra: Partial<RaftConfig> = {}): TestMember {
    const node = new RaftNode({ ...this.config, id, storage, random: seededRandom(this.seed++), ...extra });
    const member: TestMember = {
      id,
      node,
      storage,
      applied: [],
      readStates: [],
      confState: storage.initialState().confState,
    };
    this.members.set(id, member);
    return member;
  }

  get(id: NodeId): TestMember {
    const m = this.members.get(id);
    if (m === undefined) throw new Error(`no member ${id}`);
    return m;
  }

  node(id: NodeId): RaftNode {
    return this.get(id).node;
  }

  /** Cuts both directions between `a` and every other member. */
  isolate(a: NodeId): void {
    for (const b of this.members.keys()) {
      if (b === a) continue;
      this.cut.add(`${a}>${b}`);
      this.cut.add(`${b}>${a}`);
    }
  }

  cutLink(from: NodeId, to: NodeId): void {
    this.cut.add(`${from}>${to}`);
  }

  heal(): void {
    this.cut.clear();
  }

  /** Handles one member's Ready, if any: persist, queue messages, apply, advance. */
  handleReady(member: TestMember): boolean {
    if (!member.node.hasReady()) return false;
    this.finishReady(member, member.node.ready());
    return true;
  }

  /** Takes `id`'s Ready now and handles it fully; returns it for inspection. */
  takeReady(id: NodeId): Ready {
    const member = this.get(id);
    const rd = member.node.ready();
    this.finishReady(member, rd);
    return rd;
  }

  private finishReady(member: TestMember, rd: Ready): void {
    const { node, storage } = member;
    if (rd.snapshot !== undefined) storage.applySnapshot(rd.snapshot);
    storage.append(rd.entries);
    if (rd.hardState !== undefined) storage.setHardState(rd.hardState);
    for (const m of rd.messages) {
      this.queue.push(m);
      this.sent.push(m);
    }
    if (rd.snapshot !== undefined) {
      member.confState = rd.snapshot.metadata.confState;
      member.applied = decodeApplied(rd.snapshot.data);
    }
    for (const e of rd.committedEntries) {
      if (e.type === EntryType.ConfChange) {
        member.confState = node.applyConfChange(decodeConfChange(e.data));
      } else if (e.data.length > 0) {
        member.applied.push(e);
      }
    }
    for (const rs of rd.readStates) member.readStates.push(rs);
    node.advance();
  }

  /** Handles every Ready and delivers every message until quiet (bounded by `maxRounds`). */
  stabilize(maxRounds = 1_000): void {
    for (let round = 0; round < maxRounds; round++) {
      let busy = false;
      for (const member of this.members.values()) busy = this.handleReady(member) || busy;
      const batch = this.queue;
      this.queue = [];
      for (const m of batch) {
        busy = true;
        this.deliver(m);
      }
      if (!busy) return;
    }
    throw new Error(`cluster did not stabilize within ${maxRounds} rounds`);
  }

  /** Delivers one message now, unless its link is cut or its target is gone. */
  deliver(m: Message): void {
    if (this.cut.has(`${m.from}>${m.to}`)) return;
    if (this.filter !== undefined && !this.filter(m)) return;
    const target = this.members.get(m.to);
    if (target === undefined) return;
    this.delivered.push(m);
    target.node.step(m);
  }

  /** Ticks every member `n` times, stabilizing after each tick. */
  tickAll(n: number): void {
    for (let i = 0; i < n; i++) {
      for (const member of this.members.values()) member.node.tick();
      this.stabilize();
    }
  }

  /** Makes `id` campaign and settles the cluster. */
  elect(id: NodeId): void {
    this.node(id).campaign();
    this.stabilize();
  }

  /** The member that is leader in the highest term, if any. */
  leader(): TestMember | undefined {
    let best: TestMember | undefined;
    for (const m of this.members.values()) {
      const st = m.node.status();
      if (st.role !== StateRole.Leader) continue;
      if (best === undefined || st.term > best.node.status().term) best = m;
    }
    return best;
  }

  /**
   * Takes a snapshot of `id`'s applied state (the applied entries' data) at its applied index and compacts its
   * log up to `keep` entries before that.
   */
  snapshot(id: NodeId, keep = 0): void {
    const member = this.get(id);
    const index = member.node.status().applied;
    member.storage.createSnapshot(index, member.confState, encodeApplied(member.applied));
    if (index - keep > member.storage.firstIndex() - 1) member.storage.compact(index - keep);
  }

  /** Crashes `id` and restarts it from what it persisted; it applies the committed log again from the start. */
  restart(id: NodeId, extra: Partial<RaftConfig> = {}): TestMember {
    this.queue = this.queue.filter((m) => m.to !== id);
    return this.add(id, this.get(id).storage, extra);
  }
}

function encodeApplied(applied: Entry[]): Uint8Array {
  return bytes(JSON.stringify(applied.map((e) => [e.index, e.term, text(e.data)])));
}

function decodeApplied(data: Uint8Array): Entry[] {
  if (data.length === 0) return [];
  const rows = JSON.parse(text(data)) as [number, number, string][];
  return rows.map(([index, term, d]) => ({ index, term, type: EntryType.Normal, data: bytes(d) }));
}

/** Bytes from a string, for test payloads. */
export function bytes(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

/** A string from bytes. */
export function text(b: Uint8Array): string {
  return new TextDecoder().decode(b);
}
