/**
 * gRPC keepalive on the server side, as etcd 3.4 sets up grpc-go (--grpc-keepalive-min-time,
 * --grpc-keepalive-interval, --grpc-keepalive-timeout):
 *
 * - Pings from the client: one sooner than `minTimeMs` after the last is a strike (with no call open, one
 *   sooner than two hours is); the third strike in a row is answered with GOAWAY ENHANCE_YOUR_CALM
 *   "too_many_pings" and the connection closes. A response the server writes clears the strikes, so a
 *   client's BDP pings on a busy connection never count.
 * - Pings from the server: a connection the client has sent nothing on for `intervalMs` is pinged; one that
 *   stays silent `timeoutMs` longer is closed.
 *
 * `PingPolicy` is the pure part (tested alone); `watchSession` ties it and the idle timer to a session,
 * `watchStream` counts its open calls.
 * Bun's http2 gives no event per frame read, so "sent something" means here a new stream, a ping or a
 * ping's ack; a client that only sends DATA on old streams is pinged at the interval, and answers it.
 * @module
 */
import type { Http2Session, ServerHttp2Stream } from "node:http2";

/** Keepalive settings of a listener, in etcd's meaning. */
export interface KeepaliveOptions {
  /** Shortest ping interval a client may use (etcd's default 5 s; 0: grpc-go's own, 5 min). */
  minTimeMs: number;
  /** Idle time before the server pings (etcd's default 2 h; 0 disables server pings). */
  intervalMs: number;
  /** Silence after that ping before the connection is closed (etcd's default 20 s; 0 disables server pings). */
  timeoutMs: number;
}

/** etcd 3.4's defaults. */
export const ETCD_KEEPALIVE: KeepaliveOptions = { minTimeMs: 5_000, intervalMs: 2 * 3_600_000, timeoutMs: 20_000 };

/** grpc-go's enforcement when etcd passes none (min-time 0). */
const GRPC_DEFAULT_MIN_TIME_MS = 5 * 60_000;
/** grpc-go: the gap a ping on a connection with no open call must keep. */
const NO_STREAM_PING_GAP_MS = 2 * 3_600_000;
/** grpc-go: strikes tolerated; the next one closes the connection. */
const MAX_PING_STRIKES = 2;
/** HTTP/2 error code of the GOAWAY (RFC 9113 §7). */
const ENHANCE_YOUR_CALM = 0x0b;
const TOO_MANY_PINGS = new TextEncoder().encode("too_many_pings");

/** grpc-go's ping enforcement for one connection. Pure: the caller passes the clock. */
export class PingPolicy {
  readonly #minTimeMs: number;
  #lastPingAtMs: number | undefined;
  #strikes = 0;
  #wroteSinceLastPing = false;

  constructor(minTimeMs: number) {
    this.#minTimeMs = minTimeMs > 0 ? minTimeMs : GRPC_DEFAULT_MIN_TIME_MS;
  }

  /** The server wrote headers or data to the client: the next ping starts the count over. */
  noteWrite(): void {
    this.#wroteSinceLastPing = true;
  }

  /** A ping arrived at `nowMs` with `openStreams` calls open; true when the connection must go. */
  onPing(nowMs: number, openStreams: number): boolean {
    const lastMs = this.#lastPingAtMs;
    this.#lastPingAtMs = nowMs;
    if (this.#wroteSinceLastPing) {
      this.#wroteSinceLastPing = false;
      this.#strikes = 0;
      return false;
    }
    const gapMs = openStreams < 1 ? NO_STREAM_PING_GAP_MS : this.#minTimeMs;
    if (lastMs !== undefined && nowMs - lastMs < gapMs) this.#strikes++;
    return this.#strikes > MAX_PING_STRIKES;
  }
}

/** One watched connection: its ping policy, open calls and when the client was last heard. */
interface SessionState {
  policy: PingPolicy;
  openStreams: number;
  lastHeardMs: number;
}

/** Per-connection state, reachable from its streams and calls. */
const sessions = new WeakMap<Http2Session, SessionState>();

/** Tells the session's keepalive that the server wrote to it. Cheap; a no-op for an unwatched session. */
export function noteServerWrite(session: Http2Session | undefined): void {
  if (session !== undefined) sessions.get(session)?.policy.noteWrite();
}

/** Counts a new stream of a watched session as an open call until it closes; the client was heard. */
export function watchStream(stream: ServerHttp2Stream): void {
  const state = stream.session === undefined ? undefined : sessions.get(stream.session);
  if (state === undefined) return;
  state.openStreams++;
  state.lastHeardMs = performance.now();
  stream.once("close", () => {
    state.openStreams--;
  });
}

/** Applies `options` to a new server session. Its timer ends with the session. */
export function watchSession(session: Http2Session, options: KeepaliveOptions): void {
  const state: SessionState = { policy: new PingPolicy(options.minTimeMs), openStreams: 0, lastHeardMs: performance.now() };
  sessions.set(session, state);
  session.on("ping", () => {
    state.lastHeardMs = performance.now();
    if (!state.policy.onPing(state.lastHeardMs, state.openStreams) || session.destroyed) return;
    session.goaway(ENHANCE_YOUR_CALM, 0, TOO_MANY_PINGS);
    session.destroy();
  });
  if (options.intervalMs > 0 && options.timeoutMs > 0) idlePings(session, state, options);
}

/** Pings a session silent for `intervalMs`; closes it when the silence lasts `timeoutMs` more. */
function idlePings(session: Http2Session, state: SessionState, options: KeepaliveOptions): void {
  const lastHeardMs = (): number => state.lastHeardMs;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let pingedAtMs: number | undefined;
  const check = (): void => {
    timer = undefined;
    if (session.destroyed || session.closed) return;
    const nowMs = performance.now();
    if (pingedAtMs !== undefined) {
      if (lastHeardMs() < pingedAtMs && nowMs - pingedAtMs >= options.timeoutMs) {
        session.destroy();
        return;
      }
      if (lastHeardMs() < pingedAtMs) return arm(pingedAtMs + options.timeoutMs - nowMs);
      pingedAtMs = undefined;
    }
    const idleMs = nowMs - lastHeardMs();
    if (idleMs < options.intervalMs) return arm(options.intervalMs - idleMs);
    pingedAtMs = nowMs;
    try {
      session.ping((error) => {
        if (!error) state.lastHeardMs = performance.now();
      });
    } catch {
      // Too many pings in flight, or the session is closing: the timeout below decides.
    }
    arm(options.timeoutMs);
  };
  const arm = (delayMs: number): void => {
    timer = setTimeout(check, Math.max(1, delayMs));
  };
  arm(options.intervalMs);
  session.once("close", () => {
    if (timer !== undefined) clearTimeout(timer);
  });
}
