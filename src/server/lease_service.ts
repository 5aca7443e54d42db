/**
 * The lease service of one member: the client calls (grant, revoke, keep-alive, time-to-live, list), the
 * apply of the lease log entries, and the leader's expiry driver — around the pure Lessor (src/lease).
 *
 * - Grant and revoke are Raft proposals (the proposer picks a grant's id, so every member applies the
 *   same one); a revoke's DELETE events go to the watch hub.
 * - Keep-alive and time-to-live are answered by the leader, whose clocks decide expiry: a follower forwards
 *   them to the leader's client URL. The leader confirms it still leads (ReadIndex) before renewing, so a
 *   deposed leader cannot extend a lease. Through a leader change (no leader yet, the leader gone or
 *   deposed) a call waits and tries again for up to one request timeout, as etcd's LeaseRenew does, so a
 *   client's keep-alive stream rides out an election instead of failing.
 * - Expiry: only the leader, on its tick, proposes revokes for expired leases and checkpoints of remaining
 *   TTLs; followers never expire anything on their own clock. A new leader starts every lease from its
 *   last checkpoint plus an election timeout (promote), so a leader change neither resets nor cuts TTLs.
 * @module
 */
import { decodeCbor, encodeCbor } from "../codec/cbor.ts";
import type { TlsClientMaterial } from "../tls/material.ts";
import { tlsFetchInit, type TlsFetchFields } from "../client/tls_fetch.ts";
import { EtcdError, Errors, GrpcCode } from "../codec/errors.ts";
import { CBOR_CONTENT_TYPE, errorFromBody } from "../codec/http.ts";
import type {
  Event,
  LeaseGrantRequest,
  LeaseGrantResponse,
  LeaseKeepAliveResponse,
  LeaseLeasesResponse,
  LeaseRevokeRequest,
  LeaseRevokeResponse,
  LeaseTimeToLiveRequest,
  LeaseTimeToLiveResponse,
  Member as MemberInfo,
  ResponseHeader,
} from "../codec/messages.ts";
import type { MessageKind } from "../codec/schema.ts";
import { chooseLeaseId, type Lessor, MAX_LEASE_TTL_S, NO_LEASE } from "../lease/mod.ts";
import { encodeStreamFrame, messageOfFrame, StreamFrameReader } from "../client/lease.ts";
import type { Proposal } from "./proposal.ts";
import type { AuthService } from "../auth/service.ts";
import type { AuthStamp } from "../auth/ops.ts";
import { logger } from "../log/mod.ts";

/** The lease calls a front-end makes. `forwarded`: the request came from a follower (never forward again). */
export interface LeaseApi {
  grant(req: LeaseGrantRequest): Promise<LeaseGrantResponse>;
  revoke(req: LeaseRevokeRequest): Promise<LeaseRevokeResponse>;
  timeToLive(req: LeaseTimeToLiveRequest, options?: ForwardOptions): Promise<LeaseTimeToLiveResponse>;
  leases(): Promise<LeaseLeasesResponse>;
  /** One keep-alive; a missing or expired lease answers TTL 0, as etcd. */
  keepAlive(id: bigint, options?: ForwardOptions): Promise<LeaseKeepAliveResponse>;
}

/** Marks a request a follower forwarded to this member. */
export interface ForwardOptions {
  forwarded?: boolean;
}

/** Header a follower puts on a request it forwards to the leader. */
export const FORWARDED_HEADER = "x-tsetcd-forwarded";

/** What the service needs from the member (Member satisfies it). */
export interface LeaseMember {
  proposeWrite<T>(op: Omit<Proposal, "origin" | "id">): Promise<T>;
  /** Resolves once a ReadIndex confirmed this member still leads; rejects otherwise. */
  confirmLeadership(): Promise<void>;
  info(): { leader: bigint; term: number; isLeader: boolean };
  members(): MemberInfo[];
}

/** Options of the service. */
export interface LeaseServiceOptions {
  lessor: Lessor;
  /** The store's current revision. */
  revision: () => number;
  clusterId: bigint;
  memberId: bigint;
  /** Added to every lease's remaining TTL when this member becomes leader (one election timeout). */
  electionTimeoutMs: number;
  /** Receives the DELETE events of an applied revoke (the watch hub). */
  onEvents: (events: Event[]) => void;
  /** Bound on a forwarded call (default 5 s). */
  forwardTimeoutMs?: number;
  /** TLS for forwarding to an https client URL: the member's own cert and trusted CA (etcd's gateway does so). */
  forwardTls?: TlsClientMaterial;
  now?: () => number;
  /** Draws lease ids (default: crypto random). */
  random64?: () => bigint;
}

const DEFAULT_FORWARD_TIMEOUT_MS = 5_000;
/** Pause between two tries through a leader change (etcd's LeaseRenew throttles by 50 ms too). */
const LEADER_RETRY_PAUSE_MS = 50;

/** The errors of a leader change: the call may succeed once a leader is elected and known. */
const LEADER_CHANGE_MESSAGES: ReadonlySet<string> = new Set([
  Errors.noLeader().message,
  Errors.notLeader().message,
  Errors.leaderChanged().message,
]);

function isLeaderChange(error: unknown): boolean {
  return error instanceof EtcdError && LEADER_CHANGE_MESSAGES.has(error.message);
}

function cryptoRandom64(): bigint {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return new DataView(bytes.buffer).getBigUint64(0);
}

/** One member's lease service. Call `attach(member)` before serving. */
export class LeaseService implements LeaseApi {
  readonly #o: LeaseServiceOptions;
  readonly #now: () => number;
  readonly #forwardTlsFields: TlsFetchFields;
  #member: LeaseMember | undefined;
  #auth: AuthService | undefined;

  constructor(options: LeaseServiceOptions) {
    this.#o = options;
    this.#now = options.now ?? (() => performance.now());
    this.#forwardTlsFields = tlsFetchInit(options.forwardTls);
  }

  /** The member proposals go through (it exists only after the service: the apply needs the service). */
  attach(member: LeaseMember): void {
    this.#member = member;
  }

  /** The auth service whose checks a revoke passes (none: no checks). */
  attachAuth(auth: AuthService): void {
    this.#auth = auth;
  }

  // ---- client calls ----

  grant(req: LeaseGrantRequest): Promise<LeaseGrantResponse> {
    // Front-ends pass what the request boundary made complete; an embedder's partial request gets the
    // same zero value (a missing TTL is 0, granted as the minimum), never an undefined in the log.
    const TTL = req.TTL ?? 0;
    if (!Number.isInteger(TTL)) return Promise.reject(new EtcdError(GrpcCode.InvalidArgument, `lease TTL must be an integer, got ${TTL}`));
    if (TTL > MAX_LEASE_TTL_S) return Promise.reject(Errors.leaseTTLTooLarge());
    try {
      // No permission is needed to grant, but etcd's raftRequest still refuses a token it did not issue.
      this.#auth?.stamp();
    } catch (error) {
      return Promise.reject(error);
    }
    const ID = chooseLeaseId(req.ID, this.#o.random64 ?? cryptoRandom64);
    return this.#m().proposeWrite<LeaseGrantResponse>({ leaseGrant: { ID, TTL } });
  }

  revoke(req: LeaseRevokeRequest): Promise<LeaseRevokeResponse> {
    if (req.ID === NO_LEASE) return Promise.reject(Errors.leaseNotFound());
    let caller: AuthStamp | undefined;
    try {
      // etcd: revoking needs WRITE on every key attached to the lease, checked at apply.
      caller = this.#auth?.stamp();
    } catch (error) {
      return Promise.reject(error);
    }
    const op = { leaseRevoke: { ID: req.ID } };
    return this.#m().proposeWrite<LeaseRevokeResponse>(caller === undefined ? op : { ...op, caller });
  }

  timeToLive(req: LeaseTimeToLiveRequest, options: ForwardOptions = {}): Promise<LeaseTimeToLiveResponse> {
    return this.#atLeader(options, async () => {
      if (!this.#m().info().isLeader) {
        return await this.#forward<LeaseTimeToLiveResponse>("/v3/lease/timetolive", req, "LeaseTimeToLiveResponse", options);
      }
      await this.#m().confirmLeadership();
      const response = this.#o.lessor.timeToLive(req, this.#now());
      response.header = this.#header();
      return response;
    });
  }

  leases(): Promise<LeaseLeasesResponse> {
    const lessor = this.#o.lessor;
    const response = lessor.leases(lessor.isPrimary ? this.#now() : undefined);
    response.header = this.#header();
    return Promise.resolve(response);
  }

  keepAlive(id: bigint, options: ForwardOptions = {}): Promise<LeaseKeepAliveResponse> {
    return this.#atLeader(options, () => this.#m().info().isLeader ? this.#renew(id) : this.#forwardKeepAlive(id, options));
  }

  async #renew(id: bigint): Promise<LeaseKeepAliveResponse> {
    await this.#m().confirmLeadership();
    try {
      const TTL = this.#o.lessor.renew(id, this.#now());
      return { header: this.#header(), ID: id, TTL };
    } catch (error) {
      // etcd answers a keep-alive of a missing (or just expired) lease with TTL 0, not an error.
      if (error instanceof EtcdError && error.code === GrpcCode.NotFound) return { header: this.#header(), ID: id, TTL: 0 };
      throw error;
    }
  }

  // ---- apply (every member, in log order, inside the apply transaction) ----

  /** Applies a lease entry; undefined when the proposal carries none. Throws etcd's errors as values. */
  apply(p: Proposal): { header: ResponseHeader } | undefined {
    const lessor = this.#o.lessor;
    if (p.leaseGrant !== undefined) {
      const response = lessor.grant(p.leaseGrant.ID, p.leaseGrant.TTL);
      // On the leader the lease's clock starts now, at its apply, as etcd's (the lessor starts clocks of
      // new grants at its next leader-side call; a time-to-live read is one without side effects).
      if (lessor.isPrimary) this.#startClock(p.leaseGrant.ID);
      return response;
    }
    if (p.leaseRevoke !== undefined) {
      const result = lessor.revoke(p.leaseRevoke.ID);
      this.#o.onEvents(result.events);
      return result.response;
    }
    if (p.leaseCheckpoints !== undefined) {
      // A checkpoint of a lease revoked since is ignored by the lessor itself.
      for (const cp of p.leaseCheckpoints) if (lessor.has(cp.ID)) lessor.checkpoint(cp.ID, cp.remainingMs);
      return { header: this.#header() };
    }
    return undefined;
  }

  /**
   * Starts a new lease's clock on the leader. Local to this member (followers have no clocks), so a failure
   * here must not become the grant's outcome, which every member must reach alike: it is logged, and the
   * clock starts at the lessor's next leader-side call instead.
   */
  #startClock(id: bigint): void {
    try {
      this.#o.lessor.timeToLive({ ID: id }, this.#now());
    } catch (error) {
      logger().error(`could not start the clock of lease ${id}: ${error}`);
    }
  }

  // ---- leadership and the expiry driver ----

  /** The member's role changed: start the leader's clocks from the checkpoints, or stop them. */
  onRoleChange(isLeader: boolean): void {
    if (isLeader) this.#o.lessor.promote(this.#now(), { extendMs: this.#o.electionTimeoutMs });
    else this.#o.lessor.demote();
  }

  /** A snapshot replaced the state: whatever clocks ran belong to state that is gone. */
  onSnapshotInstalled(): void {
    this.#o.lessor.demote();
  }

  /** Every tick on the leader: propose a revoke per expired lease and one batch of checkpoints. */
  tick(): void {
    const lessor = this.#o.lessor;
    const member = this.#member;
    if (member === undefined || !lessor.isPrimary || !member.info().isLeader) return;
    const nowMs = this.#now();
    // A lost or failed proposal is harmless: the lessor reports the lease again after its retry interval.
    for (const ID of lessor.expiredLeases(nowMs)) member.proposeWrite({ leaseRevoke: { ID } }).catch(() => {});
    const checkpoints = lessor.checkpoints(nowMs);
    if (checkpoints.length > 0) {
      const op = checkpoints.map((c) => ({ ID: c.id, remainingMs: Math.max(1, Math.round(c.remainingMs)) }));
      member.proposeWrite({ leaseCheckpoints: op }).catch(() => {});
    }
  }

  // ---- forwarding to the leader ----

  /**
   * Runs `attempt` (answer here as the leader, or forward to it) until it succeeds, fails with anything but
   * a leader change, or the window closes: one forward timeout plus two election timeouts (etcd's request
   * timeout), in tries LEADER_RETRY_PAUSE_MS apart. A call another member forwarded to us is tried once:
   * its sender retries.
   */
  async #atLeader<T>(options: ForwardOptions, attempt: () => Promise<T>): Promise<T> {
    const windowMs = (this.#o.forwardTimeoutMs ?? DEFAULT_FORWARD_TIMEOUT_MS) + 2 * this.#o.electionTimeoutMs;
    const deadlineMs = Date.now() + windowMs;
    const maxTries = Math.ceil(windowMs / LEADER_RETRY_PAUSE_MS) + 1;
    for (let tries = 1; ; tries++) {
      try {
        return await attempt();
      } catch (error) {
        const retry = options.forwarded !== true && isLeaderChange(error) && tries < maxTries &&
          Date.now() + LEADER_RETRY_PAUSE_MS < deadlineMs;
        if (!retry) throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, LEADER_RETRY_PAUSE_MS));
    }
  }

  async #forwardKeepAlive(id: bigint, options: ForwardOptions): Promise<LeaseKeepAliveResponse> {
    const bytes = await this.#post("/v3/lease/keepalive", encodeStreamFrame({ result: { ID: id } }), options);
    const frames = new StreamFrameReader().push(bytes);
    if (frames.length === 0) throw new EtcdError(GrpcCode.Unavailable, "keep-alive: the leader closed the stream");
    return messageOfFrame<LeaseKeepAliveResponse>("LeaseKeepAliveResponse", frames[0]!);
  }

  async #forward<T>(path: string, req: unknown, kind: MessageKind, options: ForwardOptions): Promise<T> {
    return decodeCbor<T>(kind, await this.#post(path, encodeCbor(req), options));
  }

  /** POSTs a CBOR body to the leader's first client URL; etcd's errors come back as EtcdError. */
  async #post(path: string, body: Uint8Array, options: ForwardOptions): Promise<Uint8Array> {
    if (options.forwarded === true) throw Errors.notLeader(); // never a second hop: leaders disagree right now
    const url = this.#leaderUrl();
    try {
      const response = await fetch(url + path, {
        method: "POST",
        body,
        headers: { "content-type": CBOR_CONTENT_TYPE, [FORWARDED_HEADER]: "1" },
        signal: AbortSignal.timeout(this.#o.forwardTimeoutMs ?? DEFAULT_FORWARD_TIMEOUT_MS),
        ...this.#forwardTlsFields,
      } as RequestInit);
      const bytes = new Uint8Array(await response.arrayBuffer());
      if (!response.ok) throw errorFromBody(response.status, bytes);
      return bytes;
    } catch (error) {
      if (error instanceof EtcdError) throw error; // the leader's own answer
      throw Errors.leaderChanged(); // the leader went away, before or while answering: a leader change
    }
  }

  #leaderUrl(): string {
    const leader = this.#m().info().leader;
    if (leader === 0n) throw Errors.noLeader();
    const record = this.#m().members().find((m) => m.ID === leader);
    const url = record?.clientURLs[0];
    if (url === undefined) throw Errors.noLeader(); // not published yet
    return url.replace(/\/+$/, "");
  }

  #header(): ResponseHeader {
    const term = this.#member?.info().term ?? 0;
    return { cluster_id: this.#o.clusterId, member_id: this.#o.memberId, revision: this.#o.revision(), raft_term: term };
  }

  #m(): LeaseMember {
    const member = this.#member;
    if (member === undefined) throw new Error("lease service: used before attach()");
    return member;
  }
}
