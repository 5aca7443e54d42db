/**
 * Peer round-trip probing, as etcd's rafthttp does it with its prober: every `probeIntervalMs` (etcd: 4 s)
 * each peer's peer port is asked for its clock (a request-channel probe: one connection, handshake, one
 * frame each way; timed from the connection being open, since etcd's prober reuses one) and the round trip
 * updates a smoothed RTT (SRTT ← 7/8·SRTT + 1/8·RTT, starting from 0, as etcd's probing package). Per peer, the SRTT is reported first after `errorIntervalMs` (5 s), then every
 * `monitorIntervalMs` (30 s) while the last probe succeeded, every `errorIntervalMs` while it failed —
 * which is what etcd observes into etcd_network_peer_round_trip_time_seconds{To}.
 *
 * The probe's payload and answer are fixed bytes and a number; the transport answers a probe itself, before
 * any request handler (isProbe, probeAnswer).
 * @module
 */
import type { NodeId } from "../raft/mod.ts";

/** The request payload of a probe: bytes no CBOR request of the handler starts with (0xff is CBOR's break). */
export const PROBE_PAYLOAD: Uint8Array = new Uint8Array([0xff, 0x70, 0x72, 0x6f, 0x62, 0x65]); // 0xff "probe"

/** Whether a request payload is a probe. */
export function isProbe(payload: Uint8Array): boolean {
  if (payload.length !== PROBE_PAYLOAD.length) return false;
  for (let i = 0; i < payload.length; i++) if (payload[i] !== PROBE_PAYLOAD[i]) return false;
  return true;
}

/** A probe's answer: this member's clock, ms since the epoch, as 8 bytes (big-endian float64). */
export function probeAnswer(nowMs: number = Date.now()): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setFloat64(0, nowMs);
  return out;
}

/** The peer clock a probe answer carries; throws on a malformed answer. */
export function readProbeAnswer(answer: Uint8Array): number {
  if (answer.length !== 8) throw new Error(`a probe answer is 8 bytes, got ${answer.length}`);
  return new DataView(answer.buffer, answer.byteOffset, 8).getFloat64(0);
}

/** How the prober reaches peers and reports. */
export interface ProberOptions {
  /** The transport's request channel. */
  request(peerUrl: string, payload: Uint8Array, options: { timeoutMs: number; onConnected?: () => void }): Promise<Uint8Array>;
  /** The peers now known (id and peer URLs); read at every probe round. */
  peers(): { id: NodeId; urls: readonly string[] }[];
  /** One SRTT observation for a peer, in seconds (the histogram's observe). */
  onRoundTrip(peerId: NodeId, srttSeconds: number): void;
  /** Default 4,000 (etcd's proberInterval: its 5 s read timeout minus 1 s). */
  probeIntervalMs?: number;
  /** Default 30,000 (etcd's statusMonitoringInterval). */
  monitorIntervalMs?: number;
  /** Default 5,000 (etcd's statusErrorInterval: the first report, and while unhealthy). */
  errorIntervalMs?: number;
  /** Clock for tests; default Date.now. */
  nowMs?: () => number;
}

/** What the prober knows of one peer. */
interface PeerStatus {
  srttMs: number;
  healthy: boolean;
  /** Which of its URLs the next probe asks (rotates on failure, as etcd's prober tries them in turn). */
  urlIndex: number;
  nextReportMs: number;
  inFlight: boolean;
}

/** At most this many peers are tracked (a cluster has a handful; this bounds a runaway list). */
const MAX_PEERS = 1_024;
/** ETCD's probing smoothing weight. */
const ALPHA = 0.125;

/** Probes peers on timers; `start` once, `stop` at close. */
export class PeerProber {
  readonly #o: ProberOptions;
  readonly #probeIntervalMs: number;
  readonly #monitorIntervalMs: number;
  readonly #errorIntervalMs: number;
  readonly #now: () => number;
  readonly #status = new Map<NodeId, PeerStatus>();
  #probeTimer: ReturnType<typeof setInterval> | undefined;
  #reportTimer: ReturnType<typeof setInterval> | undefined;

  constructor(options: ProberOptions) {
    this.#o = options;
    this.#probeIntervalMs = options.probeIntervalMs ?? 4_000;
    this.#monitorIntervalMs = options.monitorIntervalMs ?? 30_000;
    this.#errorIntervalMs = options.errorIntervalMs ?? 5_000;
    this.#now = options.nowMs ?? Date.now;
    for (const ms of [this.#probeIntervalMs, this.#monitorIntervalMs, this.#errorIntervalMs]) {
      if (!(ms >= 1)) throw new Error(`prober intervals must be >= 1 ms, got ${ms}`);
    }
  }

  /** Starts the probe and report timers (they do not hold the process open). */
  start(): void {
    if (this.#probeTimer !== undefined) throw new Error("prober: already started");
    this.#probeTimer = setInterval(() => this.probeRound(), this.#probeIntervalMs);
    // Reports are due at per-peer times; checking ten times per error interval keeps them within 10 %.
    this.#reportTimer = setInterval(() => this.reportDue(), Math.max(1, Math.floor(this.#errorIntervalMs / 10)));
    this.#probeTimer.unref?.();
    this.#reportTimer.unref?.();
  }

  /** Stops the timers; probes in flight finish and are ignored. */
  stop(): void {
    clearInterval(this.#probeTimer);
    clearInterval(this.#reportTimer);
    this.#status.clear();
  }

  /** The smoothed RTT of a peer in ms (0 before its first answer), for tests and status. */
  srttMs(peerId: NodeId): number | undefined {
    return this.#status.get(peerId)?.srttMs;
  }

  /** One round: forget removed peers, then one probe per peer that has none in flight. */
  probeRound(): void {
    const peers = this.#o.peers();
    const known = new Set(peers.map((p) => p.id));
    for (const id of this.#status.keys()) if (!known.has(id)) this.#status.delete(id);
    for (const peer of peers.slice(0, MAX_PEERS)) {
      const status = this.#statusOf(peer.id);
      if (status.inFlight || peer.urls.length === 0) continue;
      void this.#probe(peer.id, peer.urls[status.urlIndex % peer.urls.length]!, status);
    }
  }

  /** Reports the SRTT of every peer whose report is due. */
  reportDue(): void {
    const nowMs = this.#now();
    for (const [id, status] of this.#status) {
      if (status.nextReportMs > nowMs) continue;
      status.nextReportMs = nowMs + (status.healthy ? this.#monitorIntervalMs : this.#errorIntervalMs);
      this.#o.onRoundTrip(id, status.srttMs / 1000);
    }
  }

  #statusOf(id: NodeId): PeerStatus {
    let status = this.#status.get(id);
    if (status === undefined) {
      status = { srttMs: 0, healthy: false, urlIndex: 0, nextReportMs: this.#now() + this.#errorIntervalMs, inFlight: false };
      this.#status.set(id, status);
    }
    return status;
  }

  async #probe(id: NodeId, url: string, status: PeerStatus): Promise<void> {
    status.inFlight = true;
    let startMs = performance.now();
    try {
      // etcd's prober gives up with its HTTP client's timeout; a probe never outlives its interval. The
      // clock starts once connected: etcd's prober reuses its connection, so its round trip has no connect.
      const answer = await this.#o.request(url, PROBE_PAYLOAD, {
        timeoutMs: this.#probeIntervalMs,
        onConnected: () => (startMs = performance.now()),
      });
      readProbeAnswer(answer);
      const rttMs = performance.now() - startMs;
      status.srttMs = (1 - ALPHA) * status.srttMs + ALPHA * rttMs;
      status.healthy = true;
    } catch {
      status.healthy = false;
      status.urlIndex++;
    } finally {
      status.inFlight = false;
    }
  }
}
