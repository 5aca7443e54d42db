/**
 * Lease calls of the tsetcd client: grant, revoke, time-to-live, list, and keep-alive with automatic
 * renewal at a third of the TTL (as etcd's client does).
 *
 * Keep-alive travels as etcd's gateway streams it, `POST /v3/lease/keepalive`; in CBOR (our client) each
 * stream message is one frame: a 4-byte big-endian length, then one CBOR item `{ result: message }` or
 * `{ error: { code, message } }` (`encodeStreamFrame` / `StreamFrameReader` in src/codec/frames.ts, shared
 * with the server). The client sends one request per renewal, a stream of one message, so a renewal can
 * fail over to another endpoint like any other call.
 *
 * @example
 * const leases = new LeaseClient(connect({ endpoints: ["127.0.0.1:2379"] }));
 * const { ID } = await leases.grant(10);
 * await client.put("job/owner", "me", { lease: ID });
 * const keepAlive = leases.keepAlive(ID);
 * for await (const response of keepAlive) console.log(response.TTL); // every ~3 s until keepAlive.close()
 * @module
 */
import { EtcdError, GrpcCode } from "../codec/errors.ts";
import { encodeStreamFrame, messageOfFrame, StreamFrameReader } from "../codec/frames.ts";
import { errorFromBody } from "../codec/http.ts";
import type {
  LeaseGrantRequest,
  LeaseGrantResponse,
  LeaseKeepAliveResponse,
  LeaseLeasesResponse,
  LeaseRevokeResponse,
  LeaseTimeToLiveRequest,
  LeaseTimeToLiveResponse,
} from "../codec/messages.ts";
import type { MessageKind } from "../codec/schema.ts";
import type { CallOptions, Client } from "./mod.ts";
import { sleep } from "./sleep.ts";

// The stream codec moved to src/codec/frames.ts; named here too for code that imports it from the client.
export {
  encodeStreamFrame,
  MAX_STREAM_FRAME_BYTES,
  messageOfFrame,
  type StreamFrame,
  StreamFrameReader,
} from "../codec/frames.ts";

/** Shortest wait between renewals, and between retries of a failed renewal (etcd's client: 500 ms). */
export const MIN_RENEW_INTERVAL_MS = 500;
/** Most renewals one keep-alive sends (about 95 years at the shortest interval): a bound, not a limit. */
const MAX_RENEWALS = 6_000_000_000;

/** How long to wait after a keep-alive response before the next one: a third of the TTL, as etcd. */
export function renewDelayMs(ttlS: number): number {
  return Math.max(MIN_RENEW_INTERVAL_MS, Math.floor((ttlS * 1000) / 3));
}

/** Options of `keepAlive`. */
export interface KeepAliveOptions extends CallOptions {
  /** Called when one renewal fails and will be retried (for logging); the stream goes on. */
  onRetry?: (error: unknown) => void;
}

/** Why a keep-alive stream ended. */
export type KeepAliveEnd = "closed" | "expired" | "error";

/** A running keep-alive: iterate it for each renewal's response; `close` stops it. */
export interface KeepAlive extends AsyncIterable<LeaseKeepAliveResponse> {
  /** Stops renewing (the lease then expires after its TTL unless revoked). */
  close(): void;
  /** Resolves when the stream ends: closed by the caller, the lease expired or was revoked, or an error. */
  readonly done: Promise<KeepAliveEnd>;
}

interface Transport {
  call<T>(path: string, request: unknown, kind: MessageKind, options: CallOptions, target?: object): Promise<T>;
  send(path: string, body: Uint8Array, options: CallOptions, target: object): Promise<Response>;
}

/**
 * The Client's own request path (endpoint failover, deadlines), reached through its private members so that
 * lease calls share it. TODO(wiring): when src/client/mod.ts exposes a unary-call method, use that.
 */
function transportOf(client: Client): Transport {
  const raw = client as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  return {
    call: <T>(...args: unknown[]) => raw["call"]!.apply(client, args) as Promise<T>,
    send: (...args: unknown[]) => raw["send"]!.apply(client, args) as Promise<Response>,
  };
}

/** Lease calls over a Client. */
export class LeaseClient {
  readonly #t: Transport;

  constructor(client: Client) {
    this.#t = transportOf(client);
  }

  /** Grants a lease of `ttlS` seconds (the server raises it to its minimum); `id` 0 or absent: server picks. */
  grant(ttlS: number, options: CallOptions & { id?: bigint } = {}): Promise<LeaseGrantResponse> {
    const request: LeaseGrantRequest = { TTL: ttlS };
    if (options.id !== undefined && options.id !== 0n) request.ID = options.id;
    return this.#t.call("/v3/lease/grant", request, "LeaseGrantResponse", options);
  }

  /** Revokes a lease, deleting its keys. */
  revoke(id: bigint, options: CallOptions = {}): Promise<LeaseRevokeResponse> {
    return this.#t.call("/v3/lease/revoke", { ID: id }, "LeaseRevokeResponse", options);
  }

  /** Remaining and granted TTL (TTL -1 when the lease does not exist), and the keys with `keys`. */
  timeToLive(id: bigint, options: CallOptions & { keys?: boolean } = {}): Promise<LeaseTimeToLiveResponse> {
    const request: LeaseTimeToLiveRequest = { ID: id };
    if (options.keys === true) request.keys = true;
    return this.#t.call("/v3/lease/timetolive", request, "LeaseTimeToLiveResponse", options, { idempotent: true });
  }

  /** Every lease. */
  leases(options: CallOptions = {}): Promise<LeaseLeasesResponse> {
    return this.#t.call("/v3/lease/leases", {}, "LeaseLeasesResponse", options, { idempotent: true });
  }

  /** One keep-alive: a stream of one message. TTL ≤ 0 in the answer means the lease is gone. */
  async keepAliveOnce(id: bigint, options: CallOptions = {}): Promise<LeaseKeepAliveResponse> {
    const body = encodeStreamFrame({ result: { ID: id } });
    const response = await this.#t.send("/v3/lease/keepalive", body, options, { idempotent: true });
    const bytes = new Uint8Array(await response.arrayBuffer());
    if (!response.ok) throw errorFromBody(response.status, bytes);
    const reader = new StreamFrameReader();
    const frames = reader.push(bytes);
    if (frames.length === 0) throw new EtcdError(GrpcCode.Unavailable, "keep-alive stream closed without a response");
    return messageOfFrame<LeaseKeepAliveResponse>("LeaseKeepAliveResponse", frames[0]!);
  }

  /**
   * Keeps lease `id` alive until closed: renews at a third of the TTL, retries a failed renewal every
   * 500 ms, and ends when the lease is gone (TTL ≤ 0, not found) or when no renewal succeeded before the
   * lease's last known TTL ran out (it must be presumed expired).
   */
  keepAlive(id: bigint, options: KeepAliveOptions = {}): KeepAlive {
    const stop = new AbortController();
    const signal = options.signal === undefined ? stop.signal : AbortSignal.any([stop.signal, options.signal]);
    let finish: (end: KeepAliveEnd) => void = () => {};
    const done = new Promise<KeepAliveEnd>((resolve) => (finish = resolve));
    const self = this;
    async function* renewals(): AsyncGenerator<LeaseKeepAliveResponse> {
      let end: KeepAliveEnd = "closed";
      try {
        end = yield* self.#renewLoop(id, signal, options.onRetry);
      } catch (error) {
        end = "error";
        throw error;
      } finally {
        finish(end);
      }
    }
    const iterator = renewals();
    return {
      close: () => stop.abort(),
      done,
      [Symbol.asyncIterator]: () => iterator,
    };
  }

  async *#renewLoop(
    id: bigint,
    signal: AbortSignal,
    onRetry: ((error: unknown) => void) | undefined,
  ): AsyncGenerator<LeaseKeepAliveResponse, KeepAliveEnd> {
    let lastGoodMs = Date.now();
    let deadlineMs = Number.POSITIVE_INFINITY; // unknown until the first answer tells the TTL
    for (let renewal = 0; renewal < MAX_RENEWALS && !signal.aborted; renewal++) {
      let response: LeaseKeepAliveResponse;
      try {
        response = await this.keepAliveOnce(id, { signal });
      } catch (error) {
        if (signal.aborted) return "closed";
        if (error instanceof EtcdError && error.code === GrpcCode.NotFound) return "expired";
        if (Date.now() >= deadlineMs) return "expired";
        if (!(error instanceof EtcdError) || !isRetryable(error)) throw error;
        onRetry?.(error);
        await sleep(MIN_RENEW_INTERVAL_MS, signal);
        continue;
      }
      if (response.TTL <= 0) return "expired";
      lastGoodMs = Date.now();
      deadlineMs = lastGoodMs + response.TTL * 1000;
      yield response;
      await sleep(renewDelayMs(response.TTL), signal);
    }
    return "closed";
  }
}

/** Errors after which another renewal may succeed (no leader yet, an endpoint down, a timeout). */
function isRetryable(error: EtcdError): boolean {
  return error.code === GrpcCode.Unavailable || error.code === GrpcCode.DeadlineExceeded ||
    error.code === GrpcCode.FailedPrecondition; // "not leader" while a new one is elected
}
