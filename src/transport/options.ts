/**
 * The transport's public contract (options, callbacks, the Transport interface, counters) and the defaults
 * every bound takes when the caller gives none.
 * @module
 */
import type { Message, NodeId, Snapshot } from "../raft/types.ts";
import type { TlsClientMaterial, TlsServerMaterial } from "../tls/material.ts";
import { type BackoffOptions, DEFAULT_BACKOFF } from "./backoff.ts";

/** Where the transport writes what it refuses and why. */
export interface TransportLogger {
  info(message: string): void;
  warn(message: string): void;
}

/** A connection refused by this member (inbound) or by the peer (outbound), and why. */
export interface Refusal {
  side: "inbound" | "outbound";
  /** The peer's member id as claimed in the handshake (0n if unknown). */
  peerId: NodeId;
  reason: string;
  remoteAddress?: string;
}

/**
 * TLS for `https://` peer URLs (etcd's --peer-cert-file, --peer-key-file, --peer-trusted-ca-file,
 * --peer-client-cert-auth). `server` is used when listening on an https URL, `client` when dialing one;
 * http URLs ignore both, as etcd does.
 */
export interface PeerTls {
  server: TlsServerMaterial;
  client: TlsClientMaterial;
}

/** Options of `createTransport`. Only the first six are required. */
export interface TransportOptions {
  memberId: NodeId;
  /** etcd's --initial-cluster-token (or the cluster id in hex): peers with another token are refused. */
  clusterToken: string;
  /** Peer URLs to listen on (`http://host:port` or `https://…`; port 0 picks a free port: see `start()`). */
  listenUrls: readonly string[];
  /** One Raft message from a peer, in the order the peer sent it. Called synchronously from a socket event. */
  onMessage(m: Message): void;
  /** Messages to this peer were dropped (queue full, connection lost): call raft.reportUnreachable. */
  onUnreachable(peerId: NodeId): void;
  /** A snapshot stream ended: ok = delivered to the peer. Call raft.reportSnapshot. */
  onSnapshotStatus(peerId: NodeId, ok: boolean): void;
  /** Answers `request()` calls from other members (cluster bootstrapping); absent → requests get an error. */
  onRequest?(payload: Uint8Array): Promise<Uint8Array>;
  /** A connection was refused (wrong token, unknown member, misaddressed message, protocol error). */
  onRefused?(refusal: Refusal): void;
  /**
   * Whether a received snapshot's data is one this member can install, checked before it is delivered
   * (the core installs whatever it is given, and a failed install stops the member). A reason refuses the
   * snapshot: the sender reports it failed and Raft sends another later. Runs on the event loop. Absent →
   * the data is delivered unchecked (the transport knows only its metadata).
   */
  checkSnapshot?(snapshot: Snapshot): string | undefined;
  /** Bound on messages waiting for one peer. Default 4,096. */
  maxQueueMessages?: number;
  /** Bound on encoded bytes waiting for one peer. Default 64 MiB. */
  maxQueueBytes?: number;
  /** Bound on one frame (a batch of messages, a snapshot chunk, a request). Default 16 MiB. */
  maxFrameBytes?: number;
  /** Bound on a snapshot received from a peer. Default 1 GiB. */
  maxSnapshotBytes?: number;
  /** Bound on the time to send or receive one snapshot. Default 5 minutes. */
  snapshotTimeoutMs?: number;
  /** Snapshot data per frame. Default 256 KiB. */
  snapshotChunkBytes?: number;
  /** Bound on dialing a peer. Default 2 s. */
  dialTimeoutMs?: number;
  /** An inbound connection must send its handshake (and a request its payload) within this. Default 5 s. */
  handshakeTimeoutMs?: number;
  /** Bound on `onRequest` answering; past it the requester gets an error. Default 10 s. */
  requestHandlerTimeoutMs?: number;
  /**
   * The round-trip prober's intervals (src/transport/probe.ts; etcd's 4 s probe, 5 s first/error report, 30 s
   * report); false: no probing. Default: etcd's, or TSETCD_PEER_PROBE_MS for tests.
   */
  probeIntervalsMs?: ProbeIntervals | false;
  /** Reconnection schedule. Default 50 ms → 1 s. */
  backoff?: BackoffOptions;
  /** Randomness for backoff jitter; default Math.random. */
  random?: () => number;
  logger?: TransportLogger;
  /** Certificates for https listen and peer URLs; absent → listening on https fails, dialing uses system roots. */
  tls?: PeerTls;
}

/** The prober's timers; any left out takes etcd's value. */
export interface ProbeIntervals {
  probeIntervalMs?: number;
  errorIntervalMs?: number;
  monitorIntervalMs?: number;
}

/** Counters of one peer. */
export interface PeerStats {
  id: NodeId;
  urls: string[];
  connected: boolean;
  queuedMessages: number;
  queuedBytes: number;
  sentMessages: number;
  sentBytes: number;
  droppedMessages: number;
  dials: number;
  snapshotsSent: number;
  snapshotsFailed: number;
}

/** Counters of the whole transport. */
export interface TransportStats {
  memberId: NodeId;
  peers: PeerStats[];
  receivedMessages: number;
  receivedBytes: number;
  /** Bytes received from each peer after its handshake (etcd_network_peer_received_bytes_total's From). */
  receivedBytesFrom: { id: NodeId; bytes: number }[];
  snapshotsReceived: number;
  refusedConnections: number;
  inboundConnections: number;
}

/** Options of `Transport.request`. */
export interface RequestOptions {
  timeoutMs: number;
  /**
   * Called once the connection is open, just before the request is written: the prober times the round
   * trip from here, as etcd's prober does over a kept-alive connection (the TCP connect left out).
   */
  onConnected?: () => void;
}

/** The peer transport of one member. See mod.ts. */
export interface Transport {
  /** Listens on every listen URL and dials the peers added so far; resolves to the bound URLs (port 0 filled in). */
  start(): Promise<string[]>;
  /**
   * Queues messages for their peers (`m.to`); everything sent in one event-loop turn leaves in one write per
   * peer. Never blocks and never throws for a peer's state: a full queue drops and reports `onUnreachable`.
   * A `Snap` message with a snapshot is streamed on its own connection. Messages to unknown ids are dropped.
   * Throws (a caller bug) for local message kinds and messages addressed to this member. With `immediate`
   * the queued messages are written now (a caller about to block its thread, e.g. in an fsync).
   */
  send(messages: readonly Message[], immediate?: boolean): void;
  /** Queues messages that may wait up to `maxDelayMs` for the next write to their peer to carry them. */
  sendLazy(messages: readonly Message[], maxDelayMs: number): void;
  /** Adds a peer by its peer URLs (tried in turn); connects at once if started. Throws if already present. */
  addPeer(id: NodeId, urls: readonly string[]): void;
  /** Forgets a peer: drops its queue, closes its connections, refuses it from now on. No-op if unknown. */
  removePeer(id: NodeId): void;
  /** Replaces a peer's URLs and redials; queued messages stay and go to the new address. */
  updatePeer(id: NodeId, urls: readonly string[]): void;
  hasPeer(id: NodeId): boolean;
  /**
   * Sends `payload` to whichever member listens at `peerUrl` and resolves to its `onRequest` answer. Rejects on
   * refusal (e.g. another cluster token), the handler's error, or after `timeoutMs`. Needs no peers.
   */
  request(peerUrl: string, payload: Uint8Array, options: RequestOptions): Promise<Uint8Array>;
  /** Counters, per peer and overall. */
  stats(): TransportStats;
  /** Stops listening, closes every connection and timer; no callback fires afterwards. Idempotent. */
  close(): Promise<void>;
}

const KiB = 1024;
const MiB = 1024 * KiB;

/** Options with every default filled in. */
export interface Resolved {
  maxQueueMessages: number;
  maxQueueBytes: number;
  maxFrameBytes: number;
  maxSnapshotBytes: number;
  snapshotTimeoutMs: number;
  snapshotChunkBytes: number;
  dialTimeoutMs: number;
  handshakeTimeoutMs: number;
  requestHandlerTimeoutMs: number;
  backoff: BackoffOptions;
  random: () => number;
  logger: TransportLogger;
}

/** Fills in defaults and checks that the bounds fit together (a snapshot chunk must fit in a frame). */
export function resolveOptions(o: TransportOptions): Resolved {
  const r: Resolved = {
    maxQueueMessages: o.maxQueueMessages ?? 4_096,
    maxQueueBytes: o.maxQueueBytes ?? 64 * MiB,
    maxFrameBytes: o.maxFrameBytes ?? 16 * MiB,
    maxSnapshotBytes: o.maxSnapshotBytes ?? 1024 * MiB,
    snapshotTimeoutMs: o.snapshotTimeoutMs ?? 300_000,
    snapshotChunkBytes: o.snapshotChunkBytes ?? 256 * KiB,
    dialTimeoutMs: o.dialTimeoutMs ?? 2_000,
    handshakeTimeoutMs: o.handshakeTimeoutMs ?? 5_000,
    requestHandlerTimeoutMs: o.requestHandlerTimeoutMs ?? 10_000,
    backoff: o.backoff ?? DEFAULT_BACKOFF,
    random: o.random ?? Math.random,
    logger: o.logger ?? { info: () => {}, warn: (m) => console.error(m) },
  };
  if (r.snapshotChunkBytes + 1 > r.maxFrameBytes) {
    throw new Error(`transport: snapshotChunkBytes ${r.snapshotChunkBytes} does not fit in maxFrameBytes`);
  }
  if (r.maxFrameBytes < 1 * KiB) throw new Error(`transport: maxFrameBytes ${r.maxFrameBytes} is too small`);
  return r;
}

