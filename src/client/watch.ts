/**
 * Watching keys from the client: one POST /v3/watch stream in CBOR frames, re-opened on another endpoint
 * when a connection breaks, resuming at the revision after the last one delivered — so a consumer sees
 * every event once, in order, across member restarts and failovers (or a compaction error if the history
 * it needs is gone).
 *
 * @example
 * ```ts
 * const controller = new AbortController();
 * for await (const event of watch(client, "config/", { prefix: true, prevKv: true, signal: controller.signal })) {
 *   console.log(event.type, new TextDecoder().decode(event.kv.key));
 * }
 * ```
 * @module
 */
import { decodeCbor, encodeCbor } from "../codec/cbor.ts";
import { EtcdError, Errors, GrpcCode } from "../codec/errors.ts";
import { CBOR_CONTENT_TYPE, errorFromBody } from "../codec/http.ts";
import type { Event, WatchCreateRequest, WatchFilterType, WatchRequest, WatchResponse } from "../codec/messages.ts";
import { encodeFrame, FrameDecoder } from "../codec/frames.ts";
import type { TlsClientMaterial } from "../tls/material.ts";
import { endpointUrl, NUL_KEY, prefixEnd, toBytes } from "./keys.ts";
import { sleep } from "./sleep.ts";
import { tlsFetchInit, type TlsFetchFields } from "./tls_fetch.ts";
import { isWatchAuthRefusal, TOKEN_HEADER, type TokenSource } from "./token.ts";

/**
 * What a watch needs from a client: its endpoints, TLS material (same rules as `connect`) and, with auth,
 * its token. `Client` has them.
 */
export interface WatchTarget {
  readonly endpoints: readonly string[];
  readonly tls?: TlsClientMaterial | undefined;
  readonly tokens?: TokenSource | undefined;
}

/** Options of a watch. */
export interface WatchOptions {
  /** Every key starting with the key. */
  prefix?: boolean;
  /** Every key ≥ the key. */
  fromKey?: boolean;
  /** Explicit end of the range [key, rangeEnd). */
  rangeEnd?: string | Uint8Array;
  /** First revision to deliver (default: the next write). */
  startRevision?: number;
  /** Include each event's previous key-value. */
  prevKv?: boolean;
  /** Event types to leave out. */
  filters?: WatchFilterType[];
  /** Ask the server for periodic progress responses (seen by `watchResponses`). */
  progressNotify?: boolean;
  /** Ends the watch: the iteration finishes without an error. */
  signal?: AbortSignal;
  /** Consecutive failed connection attempts before giving up (default 1,000, ~15 minutes of retries). */
  maxReconnects?: number;
}

const BACKOFF_START_MS = 25;
const BACKOFF_MAX_MS = 1_000;
const DEFAULT_MAX_RECONNECTS = 1_000;

/**
 * The events of a key, prefix or range, as they happen (or from `startRevision`), until `signal` aborts.
 * Throws EtcdError when the server cancels the watch (a compacted start revision) or no endpoint answers
 * within the retry bound.
 */
export async function* watch(target: WatchTarget, key: string | Uint8Array, options: WatchOptions = {}): AsyncGenerator<Event> {
  for await (const response of watchResponses(target, createRequestOf(key, options), options)) {
    yield* response.events;
  }
}

/**
 * The watch responses of one create request (events, progress notifications), fragments joined, across
 * reconnects. The `created` response is consumed; a server cancel is thrown as an EtcdError carrying etcd's
 * text (for a compaction, `compactRevision` is set on it).
 */
export async function* watchResponses(
  target: WatchTarget,
  request: WatchCreateRequest,
  options: { signal?: AbortSignal; maxReconnects?: number; control?: WatchControl } = {},
): AsyncGenerator<WatchResponse> {
  if (target.endpoints.length === 0) throw new Error("watch: at least one endpoint is required");
  const urls = target.endpoints.map((endpoint) => endpointUrl(endpoint, { secure: target.tls !== undefined }));
  const tlsFields = tlsFetchInit(target.tls);
  const maxReconnects = options.maxReconnects ?? DEFAULT_MAX_RECONNECTS;
  const state: ResumeState = { nextRevision: request.start_revision ?? 0, endpoint: 0 };
  let failures = 0;
  let backoffMs = BACKOFF_START_MS;
  let token = await target.tokens?.current(options.signal);
  // One token refresh per refusal: a second refusal in a row is a real one and ends the watch.
  let refreshed = false;
  while (!isAborted(options.signal)) {
    const url = urls[state.endpoint % urls.length]!;
    const progressed = { value: false };
    try {
      const create = { ...request, start_revision: state.nextRevision };
      yield* streamOnce({ url, tlsFields, token }, create, state, progressed, options.signal, options.control);
      if (isAborted(options.signal)) return;
    } catch (error) {
      if (isAborted(options.signal)) return;
      if (target.tokens !== undefined && !refreshed && isWatchAuthRefusal(error)) {
        // An expired token is refused when the stream is (re)created: fetch a new one and reconnect here.
        token = await target.tokens.refresh(token, options.signal);
        refreshed = true;
        continue;
      }
      if (!isRetryable(error)) throw error;
    }
    if (progressed.value) {
      refreshed = false;
      failures = 0;
      backoffMs = BACKOFF_START_MS;
    }
    failures += 1;
    if (failures > maxReconnects) throw new EtcdError(GrpcCode.Unavailable, "watch: no endpoint answered");
    state.endpoint += 1;
    await sleep(backoffMs, options.signal);
    backoffMs = Math.min(backoffMs * 2, BACKOFF_MAX_MS);
  }
}

/**
 * Sends requests on a watch's open stream (the request body stays open: HTTP/1.1 full duplex).
 * @example
 * const control = new WatchControl();
 * for await (const resp of watchResponses(client, req, { control })) { … control.requestProgress(); … }
 */
export class WatchControl {
  #send: ((req: WatchRequest) => void) | undefined;
  #progressWanted = false;

  /**
   * Asks for a progress response (watch_id -1, the revision up to which everything was delivered). While
   * the stream is (re)connecting the request waits and is sent on connection; true when sent at once.
   */
  requestProgress(): boolean {
    if (this.#send === undefined) {
      this.#progressWanted = true;
      return false;
    }
    this.#send({ progress_request: {} });
    return true;
  }

  /** Used by the stream: where requests go while it is connected (undefined in between). */
  attach(send: ((req: WatchRequest) => void) | undefined): void {
    this.#send = send;
    if (send !== undefined && this.#progressWanted) {
      this.#progressWanted = false;
      send({ progress_request: {} });
    }
  }
}

/** Where to resume: the first revision not yet delivered (0 = from now), and the endpoint to use. */
interface ResumeState {
  nextRevision: number;
  endpoint: number;
}

/** Where one stream connects: a base URL, the TLS fields every fetch of this watch carries, the token. */
interface StreamEndpoint {
  url: string;
  tlsFields: TlsFetchFields;
  token: string | undefined;
}

/** One connection: yields its responses until it ends; updates `state` as revisions are delivered. */
async function* streamOnce(
  endpoint: StreamEndpoint,
  request: WatchCreateRequest,
  state: ResumeState,
  progressed: { value: boolean },
  signal: AbortSignal | undefined,
  control: WatchControl | undefined,
): AsyncGenerator<WatchResponse> {
  let requests!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({ start: (c) => void (requests = c) });
  const sendRequest = (req: WatchRequest): void => requests.enqueue(encodeFrame(encodeCbor(req)));
  sendRequest({ create_request: request });
  const init = {
    method: "POST",
    body,
    duplex: "half",
    headers: {
      "content-type": CBOR_CONTENT_TYPE,
      accept: CBOR_CONTENT_TYPE,
      ...(endpoint.token === undefined ? {} : { [TOKEN_HEADER]: endpoint.token }),
    },
    signal,
    ...endpoint.tlsFields,
  };
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  try {
    const response = await fetch(`${endpoint.url}/v3/watch`, init as RequestInit);
    if (!response.ok) throw errorFromBody(response.status, new Uint8Array(await response.arrayBuffer()));
    reader = response.body!.getReader() as ReadableStreamDefaultReader<Uint8Array>;
    control?.attach(sendRequest);
    yield* readResponses(reader, state, progressed);
  } finally {
    control?.attach(undefined);
    try {
      requests.close();
    } catch {
      // already closed
    }
    await reader?.cancel().catch(() => {});
  }
}

/** Decodes the frames of one stream into whole responses (fragments joined) until it ends. */
async function* readResponses(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  state: ResumeState,
  progressed: { value: boolean },
): AsyncGenerator<WatchResponse> {
  const frames = new FrameDecoder();
  let fragments: Event[] = [];
  // Bounded by the stream: each turn reads one chunk; the server ends it or the signal cancels it.
  for (;;) {
    const chunk = await reader.read();
    if (chunk.done) return;
    for (const frame of frames.push(chunk.value)) {
      const resp = decodeCbor<WatchResponse>("WatchResponse", frame);
      progressed.value = true;
      if (resp.fragment === true) {
        fragments.push(...resp.events);
        continue;
      }
      if (fragments.length > 0) {
        resp.events = [...fragments, ...resp.events];
        fragments = [];
      }
      const out = accept(resp, state);
      if (out !== undefined) yield out;
    }
  }
}

/** Checks one whole response against the resume state; undefined for responses the caller need not see. */
function accept(resp: WatchResponse, state: ResumeState): WatchResponse | undefined {
  if (resp.canceled === true) throw cancelError(resp);
  if (resp.created === true) {
    // Watching "from now": a reconnect must resume right after the revision the watch started at.
    if (state.nextRevision === 0) state.nextRevision = resp.header.revision + 1;
    return undefined;
  }
  const events = resp.events.filter((event) => event.kv.mod_revision >= state.nextRevision);
  if (events.length > 0) state.nextRevision = events[events.length - 1]!.kv.mod_revision + 1;
  // A progress response is a bookmark: nothing at or below its revision is still to come.
  if (resp.events.length === 0 && resp.header.revision + 1 > state.nextRevision) {
    state.nextRevision = resp.header.revision + 1;
  }
  if (resp.events.length > 0 && events.length === 0) return undefined;
  return { ...resp, events };
}

/** The server ended the watch: etcd's error for it. */
function cancelError(resp: WatchResponse): WatchCanceledError {
  const compacted = (resp.compact_revision ?? 0) !== 0;
  const reason = resp.cancel_reason || "etcdserver: mvcc: required revision is a future revision";
  const base = compacted ? Errors.compacted() : new EtcdError(GrpcCode.FailedPrecondition, reason);
  const error = base as WatchCanceledError;
  error.response = resp;
  if (compacted) error.compactRevision = resp.compact_revision;
  return error;
}

/** The server canceled the watch: etcd's error, the response that said so, the compact revision if any. */
export type WatchCanceledError = EtcdError & { response?: WatchResponse; compactRevision?: number };

/** Broken connections and unavailable members are retried elsewhere; an etcd answer is not. */
function isRetryable(error: unknown): boolean {
  if (error instanceof EtcdError) return error.code === GrpcCode.Unavailable;
  return true;
}

/** The create request of a key and the friendly options. */
export function createRequestOf(key: string | Uint8Array, options: WatchOptions = {}): WatchCreateRequest {
  const bytes = toBytes(key);
  const chosen = [options.prefix === true, options.fromKey === true, options.rangeEnd !== undefined];
  if (chosen.filter(Boolean).length > 1) throw new Error("choose one of prefix, fromKey and rangeEnd");
  const request: WatchCreateRequest = { key: bytes };
  if (options.prefix === true) {
    if (bytes.length === 0) {
      request.key = NUL_KEY;
      request.range_end = NUL_KEY;
    } else request.range_end = prefixEnd(bytes);
  } else if (options.fromKey === true) {
    if (bytes.length === 0) request.key = NUL_KEY;
    request.range_end = NUL_KEY;
  } else if (options.rangeEnd !== undefined) request.range_end = toBytes(options.rangeEnd);
  if (options.startRevision !== undefined && options.startRevision !== 0) request.start_revision = options.startRevision;
  if (options.prevKv === true) request.prev_kv = true;
  if (options.filters !== undefined && options.filters.length > 0) request.filters = [...options.filters];
  if (options.progressNotify === true) request.progress_notify = true;
  return request;
}

/** A function, not a property test, so the compiler does not narrow it across awaits. */
function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}
