/**
 * Distributed locks and leader election on tsetcd, with the algorithms of etcd's `concurrency` package,
 * so tsetcd and etcd clients interoperate on the same keys.
 *
 * - `Session`: a lease kept alive in the background; everything a holder writes is attached to it, so a
 *   holder that dies (or is cut off) releases its lock or leadership when the lease expires.
 * - `Mutex`: each contender writes one key `NAME/<lease id in hex>` (a txn that creates it only if absent).
 *   The contender whose key has the lowest create revision holds the lock. Every other contender waits
 *   only for the deletion of the key with the next lower create revision than its own, then checks
 *   again — so a release wakes exactly one waiter, never all of them (no thundering herd), and the lock
 *   is handed over in arrival order.
 * - `Election`: the same queue; the head of it is the leader, its key's value is the proclamation.
 *
 * ## Locks are not safe against a holder that pauses past its lease — fence on the revision
 *
 * A lock held through a lease is only a promise that the holder's lease was alive when it acquired the
 * lock. If the holder then stops for longer than the TTL — a GC pause, a stopped VM, a swapped-out
 * process, a network partition — its lease expires, the lock passes to the next contender, and the first
 * holder, when it resumes, still believes it holds the lock. For a while two processes act as holders.
 * No lock service can prevent this from the client side (Jepsen demonstrated it on etcd's locks in 2020);
 * checking "do I still hold it?" before acting only narrows the window, because the pause can fall
 * between the check and the action.
 *
 * The remedy is fencing: make the guarded resource reject stale holders. Every acquisition exposes a
 * number that grows with each new holder — `mutex.revision` (the create revision of the holder's key;
 * `tsetcd lock` exports the acquisition revision as `ETCD_LOCK_REV`). Send it with every write to the
 * resource, and have the resource remember the highest token it has seen and refuse any write carrying a
 * lower one. When the resource is tsetcd itself, do it in the same transaction: guard each write with a
 * compare that the lock key still exists with that create revision:
 *
 * ```ts
 * await client.txn({
 *   compare: [{ key: mutex.key, target: CompareTarget.CREATE, result: CompareResult.EQUAL,
 *               create_revision: mutex.revision }],
 *   success: [{ request_put: { key: bytes("balance"), value: bytes("42") } }],
 * }); // succeeded === false: the lock was lost, nothing was written
 * ```
 *
 * Waiting: a contender watches its one predecessor key for a DELETE from the revision at which it saw
 * the key alive (as etcd), so a release wakes it at once; where the server offers no watch (or the
 * history is compacted) it falls back to polling that one key (`pollIntervalMs`). `waitForDelete`
 * replaces the strategy. Observers watch the election prefix the same way and re-read the leader.
 *
 * @example
 * const session = await Session.create(client, { ttlS: 10 });
 * const mutex = new Mutex(session, "jobs/nightly");
 * await mutex.lock();
 * try { await doWork(mutex.revision); } finally { await mutex.unlock(); await session.close(); }
 * @module
 */
import { EtcdError, GrpcCode } from "../codec/errors.ts";
import {
  CompareResult,
  CompareTarget,
  EventType,
  type KeyValue,
  type RangeRequest,
  type RangeResponse,
  type ResponseHeader,
  SortOrder,
  SortTarget,
  type TxnResponse,
  WatchFilterType,
} from "../codec/messages.ts";
import { type KeepAlive, type KeepAliveEnd, LeaseClient } from "./lease.ts";
import { type CallOptions, type Client, prefixEnd } from "./mod.ts";
import { toBytes } from "./keys.ts";
import { sleep } from "./sleep.ts";
import { watch } from "./watch.ts";

/** etcd's default session TTL, in seconds. */
export const DEFAULT_SESSION_TTL_S = 60;
const DEFAULT_POLL_INTERVAL_MS = 250;
const FIRST_POLL_MS = 10;
/** Bound on rounds of "wait for the next lower key" (each round needs a contender to leave). */
const MAX_WAIT_ROUNDS = 1_000_000;
/** Bound on polls of one key (at the poll interval, years). */
const MAX_POLLS = 1_000_000_000;

/** Resolves when `key`, last seen with `createRevision`, is deleted (or re-created). */
export type DeleteWaiter = (
  key: Uint8Array,
  createRevision: number,
  options: { signal?: AbortSignal },
) => Promise<void>;

/** Errors of the recipes, with etcd's texts. */
export const ConcurrencyErrors = {
  notLeader: (): Error => new Error("election: not leader"),
  noLeader: (): Error => new Error("election: no leader"),
  sessionExpired: (): Error => new Error("session expired"),
} as const;

/** Options of a session. */
export interface SessionOptions extends CallOptions {
  /** Lease TTL in seconds (default 60, as etcd). */
  ttlS?: number;
  /** Use this existing lease instead of granting one. */
  leaseId?: bigint;
  /** Poll interval when waiting for a key's deletion without a watch (default 250 ms). */
  pollIntervalMs?: number;
  /** Waits for a key's deletion; default: `watchingDeleteWaiter` (a watch, polling as fallback). */
  waitForDelete?: DeleteWaiter;
}

function canceled(): EtcdError {
  return new EtcdError(GrpcCode.Canceled, "context canceled");
}

/** The polling DeleteWaiter: reads the one key, backing off from 10 ms to `intervalMs`. */
export function pollingDeleteWaiter(client: Client, intervalMs = DEFAULT_POLL_INTERVAL_MS): DeleteWaiter {
  return async (key, createRevision, options) => {
    let waitMs = FIRST_POLL_MS;
    for (let poll = 0; poll < MAX_POLLS; poll++) {
      if (options.signal?.aborted === true) throw canceled();
      const { kvs } = await client.range({ key }, options);
      if (kvs.length === 0 || kvs[0]!.create_revision !== createRevision) return;
      await sleep(waitMs, options.signal);
      waitMs = Math.min(waitMs * 2, intervalMs);
    }
    throw new Error("waitForDelete: poll bound reached");
  };
}

/**
 * The watching DeleteWaiter (etcd's waitDelete): reads the key, then watches it for a DELETE from the
 * revision after that read, so no deletion can slip between the two. Falls back to `fallback` (polling)
 * when the watch fails for any reason other than the caller's signal.
 */
export function watchingDeleteWaiter(client: Client, fallback: DeleteWaiter = pollingDeleteWaiter(client)): DeleteWaiter {
  return async (key, createRevision, options) => {
    const seen = await client.range({ key }, options);
    if (seen.kvs.length === 0 || seen.kvs[0]!.create_revision !== createRevision) return;
    const stop = new AbortController();
    const signal = options.signal === undefined ? stop.signal : AbortSignal.any([options.signal, stop.signal]);
    try {
      const events = watch(client, key, {
        startRevision: seen.header.revision + 1,
        filters: [WatchFilterType.NOPUT],
        signal,
        maxReconnects: 3,
      });
      for await (const event of events) if (event.type === EventType.DELETE) return;
    } catch {
      // No watch here (an older server), or its history was compacted: polling still finds the deletion.
    } finally {
      stop.abort();
    }
    if (isAborted(options.signal)) throw canceled();
    return await fallback(key, createRevision, options);
  };
}

/** A lease kept alive until closed; the holder identity of locks and campaigns. */
export class Session {
  readonly client: Client;
  readonly leases: LeaseClient;
  /** The session's lease id. */
  readonly lease: bigint;
  readonly ttlS: number;
  readonly waitForDelete: DeleteWaiter;
  readonly pollIntervalMs: number;
  readonly #keepAlive: KeepAlive;

  private constructor(client: Client, lease: bigint, ttlS: number, options: SessionOptions) {
    this.client = client;
    this.leases = new LeaseClient(client);
    this.lease = lease;
    this.ttlS = ttlS;
    this.pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
    this.waitForDelete = options.waitForDelete ??
      watchingDeleteWaiter(client, pollingDeleteWaiter(client, this.pollIntervalMs));
    this.#keepAlive = this.leases.keepAlive(lease);
    void this.#drain();
  }

  /** Grants a lease (or adopts `leaseId`) and starts keeping it alive. */
  static async create(client: Client, options: SessionOptions = {}): Promise<Session> {
    const ttlS = options.ttlS ?? DEFAULT_SESSION_TTL_S;
    if (!(Number.isInteger(ttlS) && ttlS > 0)) throw new Error(`session: TTL must be a positive integer, got ${ttlS}`);
    const lease = options.leaseId ?? (await new LeaseClient(client).grant(ttlS, options)).ID;
    return new Session(client, lease, ttlS, options);
  }

  /** Resolves when the session ends: closed, or its lease expired (then locks and leadership are lost). */
  get done(): Promise<KeepAliveEnd> {
    return this.#keepAlive.done;
  }

  /** Stops the keep-alive without revoking: the lease lives out its TTL. */
  orphan(): void {
    this.#keepAlive.close();
  }

  /** Stops the keep-alive and revokes the lease, releasing everything held (bounded by the TTL). */
  async close(): Promise<void> {
    this.orphan();
    const signal = AbortSignal.timeout(this.ttlS * 1000);
    try {
      await this.leases.revoke(this.lease, { signal });
    } catch (error) {
      // Already gone is fine: that is what close wants.
      if (!(error instanceof EtcdError && error.code === GrpcCode.NotFound)) throw error;
    }
  }

  async #drain(): Promise<void> {
    try {
      for await (const _response of this.#keepAlive) {
        // Responses only prove the lease alive; `done` reports the end.
      }
    } catch {
      // A non-retryable keep-alive error ends the session; `done` resolves to "error".
    }
  }
}

/** A prefix range holding the first (oldest) or last (newest) key by create revision, optionally bounded. */
function topByCreate(prefix: Uint8Array, order: SortOrder, maxCreateRev?: number): RangeRequest {
  const request: RangeRequest = {
    key: prefix,
    range_end: prefixEnd(prefix),
    sort_target: SortTarget.CREATE,
    sort_order: order,
    limit: 1,
  };
  if (maxCreateRev !== undefined) request.max_create_revision = maxCreateRev;
  return request;
}

function holderKey(prefix: string, lease: bigint): Uint8Array {
  return toBytes(`${prefix}${lease.toString(16)}`);
}

function rangeOf(response: TxnResponse, index: number): RangeResponse {
  const range = response.responses[index]?.response_range;
  if (range === undefined) throw new Error(`txn response ${index} is not a range`);
  return range;
}

/**
 * Waits until no key under `prefix` has a create revision at or below `maxCreateRev`, one predecessor at a
 * time (etcd's waitDeletes). Resolves to the header of the final (empty) read.
 */
async function waitDeletes(
  session: Session,
  prefix: Uint8Array,
  maxCreateRev: number,
  signal: AbortSignal | undefined,
): Promise<ResponseHeader> {
  for (let round = 0; round < MAX_WAIT_ROUNDS; round++) {
    const response = await session.client.range(topByCreate(prefix, SortOrder.DESCEND, maxCreateRev), { signal });
    const last = response.kvs[0];
    if (last === undefined) return response.header;
    await session.waitForDelete(last.key, last.create_revision, { signal });
  }
  throw new Error("waitDeletes: round bound reached");
}

/** A distributed mutex under `NAME/`, held through a session's lease. */
export class Mutex {
  readonly session: Session;
  readonly prefix: string;
  #key: Uint8Array | undefined;
  #revision = 0;
  #header: ResponseHeader | undefined;

  constructor(session: Session, name: string) {
    this.session = session;
    this.prefix = `${name}/`;
  }

  /** This holder's key, `NAME/<lease hex>` (set once `lock` has written it). */
  get key(): Uint8Array {
    if (this.#key === undefined) throw new Error("mutex: not locked");
    return this.#key;
  }

  /** The create revision of this holder's key: a fencing token that grows with each new holder. */
  get revision(): number {
    return this.#revision;
  }

  /** The header of the read that found the lock acquired (`ETCD_LOCK_REV` is its revision). */
  get header(): ResponseHeader {
    if (this.#header === undefined) throw new Error("mutex: not locked");
    return this.#header;
  }

  /**
   * Acquires the lock: queues this session's key and waits for every older key to go. On cancel (signal)
   * or error while waiting, the key is removed again.
   */
  async lock(options: CallOptions = {}): Promise<void> {
    const key = holderKey(this.prefix, this.session.lease);
    const prefix = toBytes(this.prefix);
    const getOwner = { request_range: topByCreate(prefix, SortOrder.ASCEND) };
    const response = await this.session.client.txn({
      compare: [{ key, target: CompareTarget.CREATE, result: CompareResult.EQUAL, create_revision: 0 }],
      success: [{ request_put: { key, value: new Uint8Array(0), lease: this.session.lease } }, getOwner],
      failure: [{ request_range: { key } }, getOwner],
    }, options);
    this.#key = key;
    this.#revision = response.succeeded ? response.header.revision : rangeOf(response, 0).kvs[0]!.create_revision;
    const owner = rangeOf(response, 1).kvs[0];
    if (owner === undefined || owner.create_revision === this.#revision) {
      this.#header = response.header;
      return;
    }
    try {
      this.#header = await waitDeletes(this.session, prefix, this.#revision - 1, options.signal);
      await this.#checkStillQueued(options);
    } catch (error) {
      await this.unlock().catch(() => {});
      throw error;
    }
  }

  /** Releases the lock (deletes this holder's key). */
  async unlock(options: CallOptions = {}): Promise<void> {
    if (this.#key === undefined) return;
    await this.session.client.deleteRange({ key: this.#key }, options);
    this.#key = undefined;
    this.#header = undefined;
  }

  /** The lease may have expired while waiting: then the key is gone and the lock is not ours (etcd 3.5). */
  async #checkStillQueued(options: CallOptions): Promise<void> {
    const { kvs } = await this.session.client.range({ key: this.#key! }, options);
    if (kvs.length === 0 || kvs[0]!.create_revision !== this.#revision) throw ConcurrencyErrors.sessionExpired();
  }
}

/** Leader election under `NAME/`, through a session's lease. */
export class Election {
  readonly session: Session;
  readonly prefix: string;
  #leaderKey: Uint8Array | undefined;
  #leaderRev = 0;
  #header: ResponseHeader | undefined;

  constructor(session: Session, name: string) {
    this.session = session;
    this.prefix = `${name}/`;
  }

  /** This candidate's key once campaigning. */
  get key(): Uint8Array {
    if (this.#leaderKey === undefined) throw new Error("election: not campaigning");
    return this.#leaderKey;
  }

  /** Create revision of this leader's key (a fencing token, as for Mutex). */
  get revision(): number {
    return this.#leaderRev;
  }

  /** Header of the campaign's txn. */
  get header(): ResponseHeader | undefined {
    return this.#header;
  }

  /** Queues as a candidate with `value` and resolves once leader. On cancel while waiting, resigns. */
  async campaign(value: string | Uint8Array, options: CallOptions = {}): Promise<void> {
    const client = this.session.client;
    const key = holderKey(this.prefix, this.session.lease);
    const val = toBytes(value);
    const response = await client.txn({
      compare: [{ key, target: CompareTarget.CREATE, result: CompareResult.EQUAL, create_revision: 0 }],
      success: [{ request_put: { key, value: val, lease: this.session.lease } }],
      failure: [{ request_range: { key } }],
    }, options);
    this.#leaderKey = key;
    this.#leaderRev = response.header.revision;
    if (!response.succeeded) {
      const kv = rangeOf(response, 0).kvs[0]!;
      this.#leaderRev = kv.create_revision;
      if (!sameBytes(kv.value, val)) await this.#proclaimOrResign(val, options);
    }
    try {
      await waitDeletes(this.session, toBytes(this.prefix), this.#leaderRev - 1, options.signal);
      // The lease may have expired while waiting: then our key is gone and we lead nothing (etcd 3.5).
      const { kvs } = await client.range({ key }, options);
      if (kvs.length === 0 || kvs[0]!.create_revision !== this.#leaderRev) throw ConcurrencyErrors.sessionExpired();
    } catch (error) {
      await this.resign().catch(() => {});
      throw error;
    }
    this.#header = response.header;
  }

  /** Changes the leader's value without an election; `election: not leader` if no longer leader. */
  async proclaim(value: string | Uint8Array, options: CallOptions = {}): Promise<void> {
    if (this.#leaderKey === undefined) throw ConcurrencyErrors.notLeader();
    const key = this.#leaderKey;
    const response = await this.session.client.txn({
      compare: [{ key, target: CompareTarget.CREATE, result: CompareResult.EQUAL, create_revision: this.#leaderRev }],
      success: [{ request_put: { key, value: toBytes(value), lease: this.session.lease } }],
    }, options);
    if (!response.succeeded) {
      this.#leaderKey = undefined;
      throw ConcurrencyErrors.notLeader();
    }
  }

  /** Gives up leadership (or candidacy): deletes this candidate's key if it is still ours. */
  async resign(options: CallOptions = {}): Promise<void> {
    if (this.#leaderKey === undefined) return;
    const key = this.#leaderKey;
    const response = await this.session.client.txn({
      compare: [{ key, target: CompareTarget.CREATE, result: CompareResult.EQUAL, create_revision: this.#leaderRev }],
      success: [{ request_delete_range: { key } }],
    }, options);
    this.#header = response.header;
    this.#leaderKey = undefined;
  }

  /** The current leader's key-value; `election: no leader` when nobody campaigns. */
  async leader(options: CallOptions = {}): Promise<KeyValue> {
    const response = await this.session.client.range(topByCreate(toBytes(this.prefix), SortOrder.ASCEND), options);
    const kv = response.kvs[0];
    if (kv === undefined) throw ConcurrencyErrors.noLeader();
    return kv;
  }

  /**
   * Every leader in turn, and every new proclamation of the current one (each yielded once), until the
   * signal aborts. Polls at the session's interval until the client has a watch.
   */
  async *observe(options: CallOptions = {}): AsyncGenerator<KeyValue> {
    return yield* observeLeader(this.session.client, this.prefix, this.session.pollIntervalMs, options.signal);
  }

  async #proclaimOrResign(value: Uint8Array, options: CallOptions): Promise<void> {
    try {
      await this.proclaim(value, options);
    } catch (error) {
      await this.resign().catch(() => {});
      throw error;
    }
  }
}

/**
 * Observes an election without campaigning (no session needed): yields the leader's key-value each time
 * the leader or its value changes. After each read it waits for any change under the election prefix (a
 * watch from the revision after the read; polling every `pollIntervalMs` where no watch is offered), then
 * reads the leader again. Ends when `signal` aborts.
 */
export async function* observeLeader(
  client: Client,
  name: string,
  pollIntervalMs = DEFAULT_POLL_INTERVAL_MS,
  signal?: AbortSignal,
): AsyncGenerator<KeyValue, void> {
  const prefix = toBytes(name.endsWith("/") ? name : `${name}/`);
  let last: KeyValue | undefined;
  let watching = true;
  for (let round = 0; round < MAX_POLLS && !isAborted(signal); round++) {
    let response: RangeResponse;
    try {
      response = await client.range(topByCreate(prefix, SortOrder.ASCEND), { signal });
    } catch (error) {
      if (isAborted(signal)) return;
      throw error;
    }
    const kv = response.kvs[0];
    const changed = kv !== undefined &&
      (last === undefined || !sameBytes(kv.key, last.key) || kv.mod_revision !== last.mod_revision);
    if (changed) yield kv;
    if (kv !== undefined) last = kv;
    if (watching) watching = await nextChange(client, prefix, response.header.revision + 1, signal);
    if (!watching) await sleep(pollIntervalMs, signal);
  }
}

/** Waits for the first event under `prefix` from `fromRevision`; false when no watch could be had. */
async function nextChange(
  client: Client,
  prefix: Uint8Array,
  fromRevision: number,
  signal: AbortSignal | undefined,
): Promise<boolean> {
  const stop = new AbortController();
  const both = signal === undefined ? stop.signal : AbortSignal.any([signal, stop.signal]);
  try {
    for await (const _event of watch(client, prefix, { prefix: true, startRevision: fromRevision, signal: both, maxReconnects: 3 })) {
      return true;
    }
    return true; // ended by the caller's signal
  } catch {
    return false;
  } finally {
    stop.abort();
  }
}

function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
