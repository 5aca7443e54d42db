/**
 * The cluster service: etcd's Cluster RPCs (member list/add/remove/update/promote) and MoveLeader, plus
 * the answers this member gives its peers over the transport's request channel (who is in the cluster, and
 * membership operations forwarded to the leader).
 *
 * Membership operations run on the leader, which alone can check them against replication progress (a
 * learner caught up, a quorum still active); a follower forwards the whole operation to the leader and
 * relays its answer, etcd's error included.
 * @module
 */
import { decodeCborValue, encodeCbor } from "../codec/cbor.ts";
import { EtcdError, Errors } from "../codec/errors.ts";
import { checkPeerUrls } from "./boundary.ts";
import type {
  Member as MemberInfo,
  MemberAddRequest,
  MemberAddResponse,
  MemberPromoteRequest,
  MemberPromoteResponse,
  MemberRemoveRequest,
  MemberRemoveResponse,
  MemberUpdateRequest,
  MemberUpdateResponse,
  MoveLeaderRequest,
  MoveLeaderResponse,
  ResponseHeader,
} from "../codec/messages.ts";
import { ConfChangeType, NONE, type NodeId } from "../raft/mod.ts";
import type { ClusterService, Member } from "./member.ts";
import type { MemberRegistry } from "./members.ts";
import { logger } from "../log/mod.ts";
import { delay } from "../runtime/mod.ts";

/** etcd allows this many learners at once. */
export const MAX_LEARNERS = 1;
/** Pause before forwarding again when the leader was unreachable or unknown, and the bound on tries. */
const FORWARD_RETRY_MS = 50;
const MAX_FORWARD_ATTEMPTS = 1_000;
/** Polling step while waiting for a leader transfer to finish. */
const TRANSFER_POLL_MS = 20;

/** What the service needs from the server around it. */
export interface ClusterOptions {
  member: Member;
  registry: MemberRegistry;
  memberId: bigint;
  clusterId: bigint;
  /**
   * Sends a request to a peer URL (the transport's request channel). `anonymous`: not as this member (its
   * own removal would close the connection before the answer).
   */
  request(peerUrl: string, payload: Uint8Array, timeoutMs: number, anonymous: boolean): Promise<Uint8Array>;
  /** True while the transport has a live connection to the peer (etcd's "active" for reconfiguration). */
  isPeerActive(id: NodeId): boolean;
  requestTimeoutMs: number;
  /** Bound on waiting for a leader transfer (etcd: about an election timeout). */
  transferTimeoutMs: number;
  /**
   * --strict-reconfig-check (etcd's default true): refuse adding, promoting or removing a voter when the
   * started (or, for a removal, connected) voters would not make a quorum of the new membership.
   */
  strictReconfigCheck?: boolean;
}

type Op =
  | { op: "add"; peerURLs: string[]; isLearner: boolean }
  | { op: "remove"; ID: bigint }
  | { op: "update"; ID: bigint; peerURLs: string[] }
  | { op: "promote"; ID: bigint };

/** A peer request: the cluster's members, or a membership operation for the leader. */
type PeerRequest = { kind: "members" } | ({ kind: "op" } & Op);

/** The answer to `{kind: "members"}`: enough for a joining member to start. */
export interface ClusterInfoAnswer {
  clusterId: bigint;
  members: MemberInfo[];
}

/** Encodes a request for the peers' member list (used when joining and by the bootstrapped check). */
export function membersRequest(): Uint8Array {
  return encodeCbor({ kind: "members" });
}

/** Decodes a peer's answer to `membersRequest()`; throws an EtcdError when the peer answered one. */
export function decodeMembersAnswer(bytes: Uint8Array): ClusterInfoAnswer {
  const v = unwrap(bytes) as { clusterId: string; members: WireMember[] };
  return { clusterId: BigInt(v.clusterId), members: v.members.map(fromWire) };
}

interface WireMember {
  ID: string;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
  isLearner: boolean;
}

function toWire(m: MemberInfo): WireMember {
  return { ID: String(m.ID), name: m.name, peerURLs: m.peerURLs, clientURLs: m.clientURLs, isLearner: m.isLearner === true };
}

function fromWire(m: WireMember): MemberInfo {
  return { ID: BigInt(m.ID), name: m.name, peerURLs: m.peerURLs, clientURLs: m.clientURLs, isLearner: m.isLearner };
}

function unwrap(bytes: Uint8Array): unknown {
  const v = decodeCborValue(bytes) as { ok?: unknown; error?: { code: number; message: string } };
  if (v.error !== undefined) throw new EtcdError(v.error.code as never, v.error.message);
  return v.ok;
}

function answer(value: unknown): Uint8Array {
  return encodeCbor({ ok: value });
}

function answerError(err: unknown): Uint8Array {
  if (err instanceof EtcdError) return encodeCbor({ error: { code: err.code, message: err.message } });
  return encodeCbor({ error: { code: 2, message: String((err as Error)?.message ?? err) } });
}

/** The cluster service of one member. */
export class Cluster implements ClusterService {
  readonly #o: ClusterOptions;

  constructor(options: ClusterOptions) {
    this.#o = options;
  }

  /** Answers a peer's request (the transport's `onRequest`). Never rejects: errors travel as answers. */
  async handlePeerRequest(payload: Uint8Array): Promise<Uint8Array> {
    try {
      const req = decodeCborValue(payload) as PeerRequest;
      if (req.kind === "members") {
        return answer({ clusterId: String(this.#o.clusterId), members: this.#o.registry.list().map(toWire) });
      }
      if (req.kind === "op") {
        if (!this.#isLeader()) throw Errors.notLeader();
        const op = reviveOp(req);
        return answer((await this.#runAsLeader(op)).map(toWire));
      }
      throw new Error("unknown peer request");
    } catch (err) {
      return answerError(err);
    }
  }

  async memberAdd(req: MemberAddRequest): Promise<MemberAddResponse> {
    const peerURLs = checkUrls(req.peerURLs ?? []);
    const members = await this.#run({ op: "add", peerURLs, isLearner: req.isLearner === true });
    const added = members.find((m) => m.peerURLs.some((u) => peerURLs.includes(u)));
    if (added === undefined) throw new Error("member add: the new member is missing after apply");
    return { header: this.#header(), member: added, members };
  }

  async memberRemove(req: MemberRemoveRequest): Promise<MemberRemoveResponse> {
    const members = await this.#run({ op: "remove", ID: req.ID });
    return { header: this.#header(), members };
  }

  async memberUpdate(req: MemberUpdateRequest): Promise<MemberUpdateResponse> {
    // The URLs are checked on the leader, after the member is known: etcd answers "member not found" first.
    const members = await this.#run({ op: "update", ID: req.ID, peerURLs: [...(req.peerURLs ?? [])] });
    return { header: this.#header(), members };
  }

  async memberPromote(req: MemberPromoteRequest): Promise<MemberPromoteResponse> {
    const members = await this.#run({ op: "promote", ID: req.ID });
    return { header: this.#header(), members };
  }

  /** etcd's MoveLeader: only the leader accepts it; waits until the target leads (bounded). */
  async moveLeader(req: MoveLeaderRequest): Promise<MoveLeaderResponse> {
    if (!this.#isLeader()) throw Errors.notLeader();
    const target = this.#o.registry.get(req.targetID);
    if (target === undefined || target.isLearner === true) throw Errors.badLeaderTransferee();
    if (req.targetID !== this.#o.memberId) {
      const moved = await this.transferLeadership(req.targetID);
      if (!moved) throw Errors.timeout();
    }
    return { header: this.#header() };
  }

  /**
   * Hands leadership to `target` and waits (bounded) until another member leads; true when it did. Used by
   * move-leader, by the leader removing itself, and at shutdown.
   */
  async transferLeadership(target: NodeId): Promise<boolean> {
    const deadlineMs = performance.now() + this.#o.transferTimeoutMs;
    this.#o.member.transferLeader(target);
    while (performance.now() < deadlineMs) {
      await delay(TRANSFER_POLL_MS);
      const leader = this.#o.member.info().leader;
      if (leader === target) return true;
    }
    return false;
  }

  /** The voter other than this one with the most of the log (the best successor), if any. */
  bestTransferee(): NodeId | undefined {
    const status = this.#o.member.raftStatus();
    if (status === undefined) return undefined;
    let best: NodeId | undefined;
    let bestMatch = -1;
    for (const [id, pr] of status.progress) {
      if (id === this.#o.memberId || pr.isLearner || !status.confState.voters.includes(id)) continue;
      if (pr.match > bestMatch) {
        best = id;
        bestMatch = pr.match;
      }
    }
    return best;
  }

  #strict(): boolean {
    return this.#o.strictReconfigCheck ?? true;
  }

  #isLeader(): boolean {
    return this.#o.member.info().isLeader;
  }

  #header(): ResponseHeader {
    const info = this.#o.member.info();
    return { cluster_id: this.#o.clusterId, member_id: this.#o.memberId, revision: 0, raft_term: info.term };
  }

  /** Runs an operation on the leader: here, or forwarded to it. */
  async #run(op: Op): Promise<MemberInfo[]> {
    const deadlineMs = performance.now() + this.#o.requestTimeoutMs;
    // Bounded by the request timeout: while the leader this member knows is unreachable (dead, not yet
    // replaced), wait for a new one; a request that was never delivered is safe to send again.
    for (let attempt = 0; attempt < MAX_FORWARD_ATTEMPTS; attempt++) {
      if (this.#isLeader()) return await this.#runAsLeader(op);
      const leader = this.#o.member.info().leader;
      const urls = leader === NONE ? [] : this.#o.registry.get(leader)?.peerURLs ?? [];
      const remainingMs = deadlineMs - performance.now();
      if (remainingMs <= 0) break;
      if (urls.length === 0) {
        await delay(FORWARD_RETRY_MS);
        continue;
      }
      const anonymous = op.op === "remove" && op.ID === this.#o.memberId;
      const payload = encodeCbor({ kind: "op", ...opToWire(op) });
      let bytes: Uint8Array;
      try {
        bytes = await this.#o.request(urls[0]!, payload, remainingMs, anonymous);
      } catch (err) {
        if (err instanceof EtcdError) throw err;
        if (!neverDelivered(err)) throw Errors.timeoutDueToConnectionLost();
        await delay(FORWARD_RETRY_MS);
        continue;
      }
      return (unwrap(bytes) as WireMember[]).map(fromWire);
    }
    throw this.#o.member.info().leader === NONE ? Errors.noLeader() : Errors.timeout();
  }

  /** The leader's checks (etcd's), then the proposal; resolves once it applied here. */
  async #runAsLeader(op: Op): Promise<MemberInfo[]> {
    const registry = this.#o.registry;
    const member = this.#o.member;
    switch (op.op) {
      case "add": {
        checkUrls(op.peerURLs); // again here: a follower forwards the operation over the peer port
        if (registry.byPeerUrls(op.peerURLs) !== undefined) throw Errors.peerURLExist();
        if (op.isLearner && registry.list().filter((m) => m.isLearner === true).length >= MAX_LEARNERS) {
          throw Errors.tooManyLearners();
        }
        const id = randomMemberId();
        if (registry.get(id) !== undefined) throw Errors.memberExist();
        if (this.#strict()) {
          if (!op.isLearner) this.#checkReadyToAddVoter();
          this.#checkConnectedToVoters();
        }
        const type = op.isLearner ? ConfChangeType.AddLearnerNode : ConfChangeType.AddNode;
        return await member.proposeConfChange({ type, nodeId: id }, {
          name: "",
          peerURLs: op.peerURLs,
          isLearner: op.isLearner,
        });
      }
      case "remove": {
        const current = registry.get(op.ID);
        if (current === undefined) throw Errors.memberNotFound();
        if (current.isLearner !== true && this.#strict()) this.#checkReadyToRemoveVoter(op.ID);
        if (op.ID === this.#o.memberId) return await this.#removeSelf(current);
        return await member.proposeConfChange({ type: ConfChangeType.RemoveNode, nodeId: op.ID }, {
          name: current.name,
          peerURLs: current.peerURLs,
          isLearner: current.isLearner === true,
        });
      }
      case "update": {
        if (registry.get(op.ID) === undefined) throw Errors.memberNotFound();
        // Stricter than etcd 3.4, which stores any URLs here: a record the transport cannot dial breaks peers.
        checkUrls(op.peerURLs);
        const other = registry.byPeerUrls(op.peerURLs);
        if (other !== undefined && other.ID !== op.ID) throw Errors.peerURLExist();
        return await member.proposeMemberOp({ ID: op.ID, peerURLs: op.peerURLs });
      }
      case "promote": {
        const current = registry.get(op.ID);
        if (current === undefined) throw Errors.memberNotFound();
        if (current.isLearner !== true) throw Errors.memberNotLearner();
        if (this.#strict()) this.#checkReadyToAddVoter();
        return await member.proposeConfChange({ type: ConfChangeType.AddNode, nodeId: op.ID }, {
          name: current.name,
          peerURLs: current.peerURLs,
          isLearner: false,
        });
      }
    }
  }

  /**
   * etcd's strict reconfiguration check for a new voter (add or promote): enough voters have started
   * (published) that the grown cluster keeps a quorum; growing one voter to two is always allowed.
   */
  #checkReadyToAddVoter(): void {
    const voters = this.#o.registry.list().filter((m) => m.isLearner !== true);
    const started = voters.filter((m) => m.clientURLs.length > 0 || m.ID === this.#o.memberId).length;
    const grown = voters.length + 1;
    if (started === 1 && grown === 2) return;
    if (started < Math.floor(grown / 2) + 1) throw Errors.memberNotEnoughStarted();
  }

  /**
   * etcd's second check before any add: this member is connected to every other voter (a member added now
   * must not be what breaks an active quorum). etcd also wants each connection 5 s old; here, live now.
   */
  #checkConnectedToVoters(): void {
    const voters = this.#o.registry.list().filter((m) => m.isLearner !== true && m.ID !== this.#o.memberId);
    if (voters.some((m) => !this.#o.isPeerActive(m.ID))) throw Errors.unhealthy();
  }

  /** etcd's check before removing a voter: the voters left that are reachable now still make a quorum. */
  #checkReadyToRemoveVoter(id: NodeId): void {
    const left = this.#o.registry.list().filter((m) => m.isLearner !== true && m.ID !== id);
    const active = left.filter((m) => m.ID === this.#o.memberId || this.#o.isPeerActive(m.ID)).length;
    if (active < Math.floor(left.length / 2) + 1) throw Errors.memberNotEnoughStarted();
  }

  /**
   * The leader removing itself: it hands leadership to the most up-to-date voter first, then asks the new
   * leader to remove it (on a connection that does not present this member, which is about to be refused).
   * Without a successor in time, it proposes its removal itself and the core steps down once it applied.
   */
  async #removeSelf(self: MemberInfo): Promise<MemberInfo[]> {
    const target = this.bestTransferee();
    if (target !== undefined && (await this.transferLeadership(target))) {
      return await this.#run({ op: "remove", ID: self.ID });
    }
    return await this.#o.member.proposeConfChange({ type: ConfChangeType.RemoveNode, nodeId: self.ID }, {
      name: self.name,
      peerURLs: self.peerURLs,
      isLearner: self.isLearner === true,
    });
  }
}

/** A connection that could not be opened: the request never left, so sending it again is safe. */
function neverDelivered(err: unknown): boolean {
  const code = (err as { code?: string })?.code;
  return code === "ECONNREFUSED" || String((err as Error)?.message ?? "").includes("ECONNREFUSED");
}

function opToWire(op: Op): Record<string, unknown> {
  return "ID" in op ? { ...op, ID: String(op.ID) } : { ...op };
}

function reviveOp(req: Record<string, unknown>): Op {
  const ID = req.ID === undefined ? 0n : BigInt(String(req.ID));
  switch (req.op) {
    case "add":
      return { op: "add", peerURLs: (req.peerURLs as unknown[]).map(String), isLearner: req.isLearner === true };
    case "remove":
      return { op: "remove", ID };
    case "update":
      return { op: "update", ID, peerURLs: (req.peerURLs as unknown[]).map(String) };
    case "promote":
      return { op: "promote", ID };
  }
  throw new Error(`unknown membership operation ${String(req.op)}`);
}

/** etcd's member URL rule, shared with the request boundary; throws memberBadURLs. */
function checkUrls(urls: string[]): string[] {
  const error = checkPeerUrls(urls);
  if (error !== undefined) throw error;
  return [...urls];
}

/** A new member's id: random 64 bits (etcd hashes the URLs with the time; either way, unique in practice). */
function randomMemberId(): bigint {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  let id = 0n;
  for (const b of bytes) id = (id << 8n) | BigInt(b);
  return id === 0n ? 1n : id;
}

/** Bound on how often a member retries publishing its name and client URLs. */
const MAX_PUBLISH_ATTEMPTS = 3_000;

/**
 * etcd's publish: after start a member proposes its name and client URLs, so member list shows them on
 * every member. Retried (bounded) until it applies, the member closes, or the record already matches.
 */
export async function publish(
  member: Member,
  registry: MemberRegistry,
  attrs: { memberId: bigint; name: string; clientURLs: string[] },
  options: { retryMs: number; isClosed: () => boolean },
): Promise<void> {
  for (let attempt = 0; attempt < MAX_PUBLISH_ATTEMPTS && !options.isClosed(); attempt++) {
    const current = registry.get(attrs.memberId);
    if (current === undefined) return;
    if (current.name === attrs.name && current.clientURLs.join(",") === attrs.clientURLs.join(",")) return;
    try {
      await member.proposeMemberOp({ ID: attrs.memberId, name: attrs.name, clientURLs: attrs.clientURLs });
      return;
    } catch {
      await delay(options.retryMs);
    }
  }
}

/** What PeerSync needs of the transport. */
interface PeerTable {
  addPeer(id: NodeId, urls: readonly string[]): void;
  removePeer(id: NodeId): void;
  updatePeer(id: NodeId, urls: readonly string[]): void;
}

/** Keeps the transport's peers equal to the registry's members (but this one). */
export class PeerSync {
  readonly #self: bigint;
  readonly #known = new Map<bigint, string>();

  constructor(self: bigint) {
    this.#self = self;
  }

  sync(transport: PeerTable, registry: MemberRegistry): void {
    const want = new Map<bigint, string[]>();
    for (const m of registry.list()) if (m.ID !== this.#self && m.peerURLs.length > 0) want.set(m.ID, m.peerURLs);
    for (const [id, urls] of want) {
      const key = urls.join(",");
      try {
        if (!this.#known.has(id)) transport.addPeer(id, urls);
        else if (this.#known.get(id) !== key) transport.updatePeer(id, urls);
      } catch (err) {
        // A record an older release let in (a URL with a path, say): the member stays in the cluster, this
        // one just cannot dial it. It must not stop the apply loop nor a start on such a data dir.
        logger().warn(`cannot dial member ${id.toString(16)} at ${key} (${String((err as Error)?.message ?? err)})`);
        continue;
      }
      this.#known.set(id, key);
    }
    for (const id of [...this.#known.keys()]) {
      if (!want.has(id)) {
        transport.removePeer(id);
        this.#known.delete(id);
      }
    }
  }
}
