/**
 * The tsetcd client: etcd v3's KV, cluster and maintenance calls over HTTP with CBOR bodies, against one
 * or more endpoints. Connection failures fail over to the next endpoint and are retried until the
 * command deadline; etcd errors (a compacted revision, a missing lease…) are returned at once as
 * EtcdError with etcd's code and message. TLS (`tls`, PEM text) goes through one fetch adapter,
 * src/client/tls_fetch.ts; endpoint schemes decide per endpoint whether it is used (src/client/keys.ts).
 *
 * @example
 * import { connect } from "tsetcd";
 * const client = connect({ endpoints: ["127.0.0.1:2379"] });
 * await client.put("greeting", "hello");
 * const { kvs } = await client.get("greeting");
 * console.log(new TextDecoder().decode(kvs[0]!.value)); // "hello"
 * @module
 */
import { decodeCbor, encodeCbor } from "../codec/cbor.ts";
import { EtcdError, GrpcCode } from "../codec/errors.ts";
import { CBOR_CONTENT_TYPE, errorFromBody, JSON_CONTENT_TYPE, wireFormatOf, type WireFormat } from "../codec/http.ts";
import { decodeJson, encodeJson } from "../codec/json.ts";
import type {
  AlarmRequest,
  AlarmResponse,
  AuthenticateResponse,
  CompactionRequest,
  CompactionResponse,
  DeleteRangeRequest,
  DeleteRangeResponse,
  Event,
  MemberAddRequest,
  MemberAddResponse,
  MemberListRequest,
  MemberListResponse,
  MemberPromoteRequest,
  MemberPromoteResponse,
  MemberRemoveRequest,
  MemberRemoveResponse,
  MemberUpdateRequest,
  MemberUpdateResponse,
  MoveLeaderRequest,
  MoveLeaderResponse,
  PutRequest,
  PutResponse,
  RangeRequest,
  RangeResponse,
  SortOrder,
  SortTarget,
  DefragmentResponse,
  HashKVResponse,
  StatusResponse,
  TxnRequest,
  TxnResponse,
} from "../codec/messages.ts";
import type { MessageKind } from "../codec/schema.ts";
import { fetchErrorCode } from "../runtime/fetch_error.ts";
import type { TlsClientMaterial } from "../tls/material.ts";
import { endpointUrl, NUL_KEY, prefixEnd, toBytes } from "./keys.ts";
import {
  DEFAULT_SNAPSHOT_START_TIMEOUT_MS,
  saveSnapshotTo,
  type SnapshotOptions,
  snapshotChunks,
} from "./maintenance.ts";
import { sleep } from "./sleep.ts";
import { AUTHENTICATE_PATH, isStaleTokenError, TOKEN_HEADER, TokenKeeper } from "./token.ts";
import { tlsFetchInit, type TlsFetchFields } from "./tls_fetch.ts";
import { watch, type WatchOptions } from "./watch.ts";

export { endpointUrl, prefixEnd } from "./keys.ts";

/** How to reach the cluster. */
export interface ConnectOptions {
  /** "host:port" or URLs; tried in order, the first that answers is kept. */
  endpoints: string[];
  /**
   * How long a read sent to an endpoint that has never answered may wait before the next endpoint is tried
   * (default 2000). Writes are never re-sent after this: they wait for the command deadline instead, since
   * a slow endpoint may still apply them.
   */
  dialTimeoutMs?: number;
  /** Deadline for one call, retries included (default 5000), as etcdctl's --command-timeout. */
  commandTimeoutMs?: number;
  /**
   * TLS for `https://` endpoints and, when given at all (even `{}`), for "host:port" ones too, as clientv3
   * with a TLS config; `http://` endpoints stay plaintext. PEM text, read by the caller.
   * @example connect({ endpoints: ["127.0.0.1:2379"], tls: { ca: readPem("ca.pem") } })
   */
  tls?: TlsClientMaterial;
  /**
   * Credentials for a cluster with auth enabled: the client authenticates on its first call, sends the
   * token with every request, and re-authenticates once when the server refuses the token as stale.
   * Both must be non-empty to be used (as clientv3); with auth disabled on the server they are ignored.
   * @example connect({ endpoints: ["127.0.0.1:2379"], username: "app", password: readSecret() })
   */
  username?: string;
  /** The password of `username`. */
  password?: string;
}

/** Per-call options: every call can be cancelled. */
export interface CallOptions {
  signal?: AbortSignal;
}

/** Options of the friendly `get`. */
export interface GetOptions extends CallOptions {
  /** Every key starting with `key`. */
  prefix?: boolean;
  /** Every key ≥ `key`. */
  fromKey?: boolean;
  /** Explicit end of the range [key, rangeEnd). */
  rangeEnd?: string | Uint8Array;
  limit?: number;
  revision?: number;
  serializable?: boolean;
  keysOnly?: boolean;
  countOnly?: boolean;
  sortTarget?: SortTarget;
  sortOrder?: SortOrder;
}

/** Options of the friendly `put`. */
export interface PutOptions extends CallOptions {
  lease?: bigint;
  prevKv?: boolean;
  ignoreValue?: boolean;
  ignoreLease?: boolean;
}

/** Options of the friendly `delete`. */
export interface DeleteOptions extends CallOptions {
  prefix?: boolean;
  fromKey?: boolean;
  rangeEnd?: string | Uint8Array;
  prevKv?: boolean;
}

/** What `health` reports for one endpoint, as etcd's /health does. */
export interface HealthResult {
  health: boolean;
  reason?: string;
}

const DEFAULT_DIAL_TIMEOUT_MS = 2_000;
const DEFAULT_COMMAND_TIMEOUT_MS = 5_000;
const MAX_ATTEMPTS = 1_000;
const BACKOFF_START_MS = 25;
const BACKOFF_MAX_MS = 500;

function deadlineExceeded(): EtcdError {
  return new EtcdError(GrpcCode.DeadlineExceeded, "context deadline exceeded");
}

function canceled(): EtcdError {
  return new EtcdError(GrpcCode.Canceled, "context canceled");
}

/** Where a request goes: a pinned endpoint (no failover), and whether re-sending it elsewhere is safe. */
interface SendTarget {
  endpoint?: string;
  idempotent?: boolean;
  /** Replaces the command timeout as the bound on getting the response (a snapshot's copy takes longer). */
  timeoutMs?: number;
  /** The body is gateway JSON (unary calls to etcd); otherwise CBOR. */
  json?: boolean;
}

/** Why one attempt failed: the endpoint could not be reached (fail over) or the caller's time is up. */
type AttemptOutcome =
  | { ok: true; response: Response }
  | { ok: false; reason: "unreachable" | "deadline" | "canceled" }
  | { ok: false; reason: "lost"; message: string };

/** Errors that prove the request never reached a server, so sending it elsewhere cannot apply it twice. */
const NOT_SENT_CODES = new Set([
  "ECONNREFUSED",
  "ConnectionRefused",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "ENETUNREACH",
  // Bun could not open the socket (also: TLS options it cannot load, such as an empty CA bundle).
  "FailedToOpenSocket",
  // The TLS handshake failed or the server's certificate was refused: nothing was sent yet.
  "EPROTO",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);

/**
 * A connection to a tsetcd (or etcd-gateway-compatible) cluster. Create with `connect`.
 * Every method takes the etcd request shape from src/codec/messages.ts and resolves to the response.
 */
export class Client {
  readonly endpoints: readonly string[];
  /** The TLS material every request carries (watch streams reuse it); undefined: none given. */
  readonly tls: TlsClientMaterial | undefined;
  private readonly tlsFields: TlsFetchFields;
  private readonly urls: string[];
  private readonly answered = new Set<string>();
  private current = 0;
  private readonly dialTimeoutMs: number;
  private readonly commandTimeoutMs: number;
  /** Present when credentials were given: the token every request carries (watch streams share it). */
  readonly tokens: TokenKeeper | undefined;
  /**
   * The body encoding of unary calls: CBOR (tsetcd) until a server answers a CBOR request in JSON, which
   * only a gateway that cannot read CBOR does (etcd's); from then on this client speaks gateway JSON.
   */
  private wire: WireFormat = "cbor";

  constructor(options: ConnectOptions) {
    if (options.endpoints.length === 0) throw new Error("connect: at least one endpoint is required");
    this.endpoints = [...options.endpoints];
    this.tls = options.tls;
    this.tlsFields = tlsFetchInit(options.tls);
    this.urls = options.endpoints.map((endpoint) => this.urlOf(endpoint));
    this.dialTimeoutMs = options.dialTimeoutMs ?? DEFAULT_DIAL_TIMEOUT_MS;
    this.commandTimeoutMs = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
    if (!(this.dialTimeoutMs > 0 && this.commandTimeoutMs > 0)) throw new Error("connect: timeouts must be > 0");
    const username = options.username ?? "";
    const password = options.password ?? "";
    this.tokens = username !== "" && password !== ""
      ? new TokenKeeper({ username, password }, (c, signal) => this.authenticateWith(c.username, c.password, signal))
      : undefined;
  }

  /** Authenticate: the token for a user name and password (the client does this itself when given them). */
  private async authenticateWith(name: string, password: string, signal: AbortSignal | undefined): Promise<string> {
    const options: CallOptions = signal === undefined ? {} : { signal };
    const response = await this.call<AuthenticateResponse>(AUTHENTICATE_PATH, { name, password }, "AuthenticateResponse",
      options, { idempotent: true });
    return response.token;
  }

  /** Range over keys: one key, [key, range_end), prefixes with `prefixEnd`, everything with "\0". */
  range(request: RangeRequest, options: CallOptions = {}): Promise<RangeResponse> {
    return this.call("/v3/kv/range", request, "RangeResponse", options, { idempotent: true });
  }

  /** Writes one key. */
  put(key: string | Uint8Array, value: string | Uint8Array, options?: PutOptions): Promise<PutResponse>;
  put(request: PutRequest, options?: CallOptions): Promise<PutResponse>;
  put(
    first: string | Uint8Array | PutRequest,
    second?: string | Uint8Array | CallOptions,
    third: PutOptions = {},
  ): Promise<PutResponse> {
    if (typeof first === "string" || first instanceof Uint8Array) {
      const request: PutRequest = { key: toBytes(first), value: toBytes(second as string | Uint8Array) };
      if (third.lease !== undefined && third.lease !== 0n) request.lease = third.lease;
      if (third.prevKv === true) request.prev_kv = true;
      if (third.ignoreValue === true) request.ignore_value = true;
      if (third.ignoreLease === true) request.ignore_lease = true;
      return this.call("/v3/kv/put", request, "PutResponse", third);
    }
    return this.call("/v3/kv/put", first, "PutResponse", (second ?? {}) as CallOptions);
  }

  /** Deletes one key or a range. */
  deleteRange(request: DeleteRangeRequest, options: CallOptions = {}): Promise<DeleteRangeResponse> {
    return this.call("/v3/kv/deleterange", request, "DeleteRangeResponse", options);
  }

  /** Compares, then runs the success or failure operations, atomically in one revision. */
  txn(request: TxnRequest, options: CallOptions = {}): Promise<TxnResponse> {
    return this.call("/v3/kv/txn", request, "TxnResponse", options);
  }

  /** Discards history before `revision`. */
  compact(request: CompactionRequest, options: CallOptions = {}): Promise<CompactionResponse> {
    return this.call("/v3/kv/compaction", request, "CompactionResponse", options);
  }

  /** One member's status; `endpoint` picks the member (default: the current endpoint, with failover). */
  status(endpoint?: string, options: CallOptions = {}): Promise<StatusResponse> {
    return this.call("/v3/maintenance/status", {}, "StatusResponse", options, { idempotent: true, endpoint });
  }

  /**
   * One member's HashKV: the CRC-32C of its key history up to `revision` (0: all), as etcd's; `endpoint`
   * picks the member. Served at tsetcd's /v3/maintenance/hashkv (etcd 3.4's gateway has no HashKV path).
   */
  hashKv(endpoint: string | undefined, revision: number, options: CallOptions = {}): Promise<HashKVResponse> {
    return this.call("/v3/maintenance/hashkv", { revision }, "HashKVResponse", options, { idempotent: true, endpoint });
  }

  /**
   * Maintenance.Alarm: GET lists the raised alarms (of one type, or all for NONE); ACTIVATE and DEACTIVATE
   * raise or disarm one through Raft. Each is idempotent: a re-sent one leaves the same alarms raised.
   */
  alarm(request: AlarmRequest, options: CallOptions = {}): Promise<AlarmResponse> {
    return this.call("/v3/maintenance/alarm", request, "AlarmResponse", options, { idempotent: true });
  }

  /** Defragments one member's databases (Maintenance.Defragment); `endpoint` picks the member. */
  defragment(endpoint: string | undefined, options: CallOptions = {}): Promise<DefragmentResponse> {
    return this.call("/v3/maintenance/defragment", {}, "DefragmentResponse", options, { idempotent: true, endpoint });
  }

  /** The cluster's members. */
  memberList(request: MemberListRequest = {}, options: CallOptions = {}): Promise<MemberListResponse> {
    return this.call("/v3/cluster/member/list", request, "MemberListResponse", options, { idempotent: true });
  }

  /**
   * Adds a member (a learner with `isLearner`); the new member then starts with
   * `--initial-cluster-state existing`. Not re-sent to another endpoint once sent: it may have been applied.
   */
  memberAdd(request: MemberAddRequest, options: CallOptions = {}): Promise<MemberAddResponse> {
    return this.call("/v3/cluster/member/add", request, "MemberAddResponse", options);
  }

  /** Removes a member by id (the leader itself included). */
  memberRemove(request: MemberRemoveRequest, options: CallOptions = {}): Promise<MemberRemoveResponse> {
    return this.call("/v3/cluster/member/remove", request, "MemberRemoveResponse", options);
  }

  /** Replaces a member's peer URLs. */
  memberUpdate(request: MemberUpdateRequest, options: CallOptions = {}): Promise<MemberUpdateResponse> {
    return this.call("/v3/cluster/member/update", request, "MemberUpdateResponse", options);
  }

  /** Makes a learner a voting member; refused by the server until the learner has caught up. */
  memberPromote(request: MemberPromoteRequest, options: CallOptions = {}): Promise<MemberPromoteResponse> {
    return this.call("/v3/cluster/member/promote", request, "MemberPromoteResponse", options);
  }

  /**
   * Asks the leader to hand leadership to `targetID`. Only the leader accepts it, so `endpoint` should be
   * the leader's (find it with `status`); the call is pinned there, without failover.
   */
  moveLeader(request: MoveLeaderRequest, endpoint?: string, options: CallOptions = {}): Promise<MoveLeaderResponse> {
    return this.call("/v3/maintenance/transfer-leadership", request, "MoveLeaderResponse", options, { endpoint });
  }

  /**
   * A consistent copy of one member's database as it streams in: the chunks concatenated are a snapshot
   * file (the copy, then its SHA-256). Throws after the last chunk if the trailer is missing or wrong.
   * Sent to the current endpoint (failover while nothing answers), never re-sent once a member answered.
   * @example for await (const chunk of client.snapshot()) file.write(chunk);
   */
  snapshot(options: SnapshotOptions = {}): AsyncGenerator<Uint8Array> {
    return snapshotChunks((o) => this.openSnapshot(o), options);
  }

  /**
   * Saves a snapshot to `path` (via `<path>.part`, fsynced, checked, renamed); resolves to its size.
   * @example await client.saveSnapshot("/backups/etcd.db", { signal: AbortSignal.timeout(600_000) })
   */
  saveSnapshot(path: string, options: SnapshotOptions = {}): Promise<number> {
    return saveSnapshotTo((o) => this.openSnapshot(o), path, options);
  }

  private openSnapshot(options: SnapshotOptions): Promise<Response> {
    // An empty SnapshotRequest; the member answers once its copy is made, hence the longer start bound.
    const timeoutMs = options.startTimeoutMs ?? DEFAULT_SNAPSHOT_START_TIMEOUT_MS;
    return this.send("/v3/maintenance/snapshot", encodeCbor({}), options, { timeoutMs });
  }

  /** GET /health on one endpoint (default: the current one, with failover). */
  async health(endpoint?: string, options: CallOptions = {}): Promise<HealthResult> {
    const response = await this.send("/health", undefined, options, { idempotent: true, endpoint });
    const text = await response.text();
    if (!response.ok) throw errorFromBody(response.status, text);
    const body = JSON.parse(text) as { health?: unknown; reason?: unknown };
    const result: HealthResult = { health: body.health === true || body.health === "true" };
    if (typeof body.reason === "string" && body.reason !== "") result.reason = body.reason;
    return result;
  }

  /**
   * Reads a key, a prefix or a range.
   * @example await client.get("config/", { prefix: true, limit: 10 })
   */
  get(key: string | Uint8Array, options: GetOptions = {}): Promise<RangeResponse> {
    const request: RangeRequest = { key: toBytes(key), ...rangeEndOf(toBytes(key), options) };
    if (options.limit !== undefined) request.limit = options.limit;
    if (options.revision !== undefined) request.revision = options.revision;
    if (options.serializable === true) request.serializable = true;
    if (options.keysOnly === true) request.keys_only = true;
    if (options.countOnly === true) request.count_only = true;
    if (options.sortTarget !== undefined) request.sort_target = options.sortTarget;
    if (options.sortOrder !== undefined) request.sort_order = options.sortOrder;
    return this.range(request, options);
  }

  /**
   * Deletes a key, a prefix or a range.
   * @example await client.delete("config/", { prefix: true, prevKv: true })
   */
  delete(key: string | Uint8Array, options: DeleteOptions = {}): Promise<DeleteRangeResponse> {
    const request: DeleteRangeRequest = { key: toBytes(key), ...rangeEndOf(toBytes(key), options) };
    if (options.prevKv === true) request.prev_kv = true;
    return this.deleteRange(request, options);
  }

  /**
   * The events of a key, prefix or range as they happen (or from `startRevision`), until `signal` aborts;
   * reconnects to another endpoint resuming at the last revision + 1 (src/client/watch.ts).
   * @example for await (const event of client.watch("config/", { prefix: true })) console.log(event.type);
   */
  watch(key: string | Uint8Array, options: WatchOptions = {}): AsyncGenerator<Event> {
    return watch(this, key, options);
  }

  /** An endpoint's base URL under this client's TLS setting (scheme-less → https when `tls` was given). */
  private urlOf(endpoint: string): string {
    return endpointUrl(endpoint, { secure: this.tls !== undefined });
  }

  private async call<T>(
    path: string,
    request: unknown,
    kind: MessageKind,
    options: CallOptions,
    target: SendTarget = {},
  ): Promise<T> {
    // Authenticate first: its answer may be what tells this client to speak JSON.
    if (this.tokens !== undefined && path !== AUTHENTICATE_PATH) await this.tokens.current(options.signal);
    const wire = this.wire;
    const body = this.encodeRequest(wire, kind, request);
    const response = await this.send(path, body, options, { ...target, json: wire === "json" });
    const answer = new Uint8Array(await response.arrayBuffer());
    if (wire === "cbor" && response.status === 400 && response.headers.get("content-type") !== null &&
      wireFormatOf(response.headers.get("content-type")) === "json") {
      // tsetcd answers a CBOR request in CBOR, errors included. A gateway that answers in JSON could not
      // read the CBOR body and refused it before acting on it (etcd's), so resending in JSON is safe.
      this.wire = "json";
      return await this.call<T>(path, request, kind, options, target);
    }
    if (!response.ok) throw errorFromBody(response.status, answer);
    if (wire === "json") return decodeJson<T>(kind, new TextDecoder().decode(answer));
    return decodeCbor<T>(kind, answer);
  }

  /** A request body in `wire`; JSON needs the request's message kind, named after the response's. */
  private encodeRequest(wire: WireFormat, responseKind: MessageKind, request: unknown): Uint8Array {
    if (wire === "cbor") return encodeCbor(request);
    const requestKind = responseKind.replace(/Response$/, "Request") as MessageKind;
    return new TextEncoder().encode(encodeJson(requestKind, request));
  }

  /** Sends one request, failing over between endpoints on connection errors until the deadline. */
  private async send(
    path: string,
    body: Uint8Array | undefined,
    options: CallOptions,
    target: SendTarget,
  ): Promise<Response> {
    const deadlineMs = Date.now() + (target.timeoutMs ?? this.commandTimeoutMs);
    const pinned = target.endpoint === undefined ? undefined : this.urlOf(target.endpoint);
    // /health is not an RPC: etcd answers it without looking at tokens.
    const withToken = this.tokens !== undefined && path !== AUTHENTICATE_PATH && path !== "/health";
    let token = withToken ? await this.tokens!.current(options.signal) : undefined;
    let refreshed = false;
    let backoffMs = BACKOFF_START_MS;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      if (options.signal?.aborted === true) throw canceled();
      const url = pinned ?? this.urls[this.current]!;
      const request: AttemptRequest = { target: url + path, base: url, body, token, json: target.json === true };
      const outcome = await this.attempt(request, deadlineMs, options.signal, target.idempotent === true);
      if (outcome.ok) {
        this.answered.add(url);
        if (!withToken || refreshed || outcome.response.ok) return outcome.response;
        const checked = await refusedToken(outcome.response);
        if (checked.response !== undefined) return checked.response;
        // The server refused the token before acting on the request: fetch a new one and send once more.
        token = await this.tokens!.refresh(token, options.signal);
        refreshed = true; // once: the loop's bound is not touched, a second refusal is returned as it is
        continue;
      }
      if (outcome.reason === "canceled") throw canceled();
      if (outcome.reason === "lost") throw new EtcdError(GrpcCode.Unavailable, outcome.message);
      if (outcome.reason === "deadline" || Date.now() >= deadlineMs) throw deadlineExceeded();
      if (pinned === undefined) this.current = (this.current + 1) % this.urls.length;
      // A full round of refusals: wait before the next round rather than spinning.
      if (pinned !== undefined || this.current === 0) {
        await sleep(Math.min(backoffMs, Math.max(0, deadlineMs - Date.now())), options.signal);
        backoffMs = Math.min(backoffMs * 2, BACKOFF_MAX_MS);
      }
    }
    throw deadlineExceeded();
  }

  private async attempt(
    request: AttemptRequest,
    deadlineMs: number,
    signal: AbortSignal | undefined,
    idempotent: boolean,
  ): Promise<AttemptOutcome> {
    const { target, base, body, token } = request;
    const mediaType = request.json ? JSON_CONTENT_TYPE : CBOR_CONTENT_TYPE;
    const remainingMs = Math.max(1, deadlineMs - Date.now());
    const dialBound = idempotent && !this.answered.has(base);
    const limitMs = dialBound ? Math.min(remainingMs, this.dialTimeoutMs) : remainingMs;
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), limitMs);
    const signals = signal === undefined ? [timeout.signal] : [timeout.signal, signal];
    try {
      const init: RequestInit = {
        method: body === undefined ? "GET" : "POST",
        signal: AbortSignal.any(signals),
        ...this.tlsFields,
      };
      const headers: Record<string, string> = {};
      if (body !== undefined) {
        // Our encoders' bytes sit on an ArrayBuffer; Deno's types (deno check) accept only such a body.
        init.body = body as Uint8Array<ArrayBuffer>;
        headers["content-type"] = mediaType;
        headers.accept = mediaType;
      }
      if (token !== undefined) headers[TOKEN_HEADER] = token;
      init.headers = headers;
      return { ok: true, response: await fetch(target, init) };
    } catch (error) {
      if (signal?.aborted === true) return { ok: false, reason: "canceled" };
      if (Date.now() >= deadlineMs) return { ok: false, reason: "deadline" };
      const code = fetchErrorCode(error);
      // A write whose connection broke after sending may have been applied: report it, never re-send it.
      if (!idempotent && !timeout.signal.aborted && !(typeof code === "string" && NOT_SENT_CODES.has(code))) {
        return { ok: false, reason: "lost", message: `connection lost: ${(error as Error).message}` };
      }
      return { ok: false, reason: "unreachable" };
    } finally {
      clearTimeout(timer);
    }
  }
}

/** One try of one request: where it goes and what it carries. */
interface AttemptRequest {
  target: string;
  base: string;
  body: Uint8Array | undefined;
  token: string | undefined;
  json: boolean;
}

/**
 * Looks into a failed answer: `response` undefined means the server refused the token (retry with a new
 * one); otherwise `response` is the same answer, its body read and put back for the caller.
 */
async function refusedToken(response: Response): Promise<{ response?: Response }> {
  // etcd answers a stale token with Unauthenticated (401) or InvalidArgument (400); nothing else qualifies.
  if (response.status !== 401 && response.status !== 400) return { response };
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (isStaleTokenError(errorFromBody(response.status, bytes))) return {};
  return { response: new Response(bytes, { status: response.status, headers: response.headers }) };
}

function rangeEndOf(
  key: Uint8Array,
  options: { prefix?: boolean; fromKey?: boolean; rangeEnd?: string | Uint8Array },
): { key?: Uint8Array; range_end?: Uint8Array } {
  const chosen = [options.prefix === true, options.fromKey === true, options.rangeEnd !== undefined];
  if (chosen.filter(Boolean).length > 1) throw new Error("choose one of prefix, fromKey and rangeEnd");
  if (options.prefix === true) {
    return key.length === 0 ? { key: NUL_KEY, range_end: NUL_KEY } : { range_end: prefixEnd(key) };
  }
  if (options.fromKey === true) return key.length === 0 ? { key: NUL_KEY, range_end: NUL_KEY } : { range_end: NUL_KEY };
  if (options.rangeEnd !== undefined) return { range_end: toBytes(options.rangeEnd) };
  return {};
}

/**
 * Opens a client. No connection is made until the first call.
 * @example
 * const client = connect({ endpoints: ["127.0.0.1:2379", "127.0.0.1:22379"], commandTimeoutMs: 3000 });
 * const res = await client.range({ key: new TextEncoder().encode("a"), range_end: new Uint8Array([0]) });
 */
export function connect(options: ConnectOptions): Client {
  return new Client(options);
}
