/**
 * The peer transport's I/O: a listener for inbound connections, one persistent outbound connection per peer
 * for Raft messages, one-shot connections for snapshots and requests. The pure parts (frames, encodings,
 * backoff, queue) live in their own modules; see mod.ts for the API contract.
 * @module
 */
import type { Server, Socket } from "node:net";
import type { Message, NodeId } from "../raft/types.ts";
import type { TlsClientMaterial } from "../tls/material.ts";
import {
  type PeerStats,
  type ProbeIntervals,
  type PeerTls,
  type RequestOptions,
  type Resolved,
  resolveOptions,
  type Transport,
  type TransportOptions,
  type TransportStats,
} from "./options.ts";
import { MessageType } from "../raft/types.ts";
import { observePeerRoundTrip } from "../metrics/peer_rtt.ts";
import { backoffDelayMs } from "./backoff.ts";
import {
  batchHeaderBytes,
  Channel,
  decodeBatch,
  decodeHandshake,
  decodeSnapHeader,
  encodeBatch,
  encodeHandshake,
  encodeMessage,
  encodeSnapHeader,
  type Handshake,
  PROTOCOL_VERSION,
} from "./codec.ts";
import { FramedConnection } from "./conn.ts";
import { encodeFrame, type Frame, FRAME_HEADER_BYTES, FrameDecoder, FrameKind, writeFrameHeader } from "./frame.ts";
import { LogLimit } from "./log_limit.ts";
import { messageProblem } from "./message_check.ts";
import { isProbe, PeerProber, probeAnswer } from "./probe.ts";
import { PeerQueue } from "./queue.ts";
import { checkTlsMaterial, createListener, dialSocket } from "./sockets.ts";
import { formatPeerUrl, type HostPort, parsePeerUrl } from "./url.ts";


const KiB = 1024;
const MiB = 1024 * KiB;
/** Bytes a Raft connection may hold unsent in the socket before the queue stops draining into it. */
const SOCKET_HIGH_WATER_BYTES = 4 * MiB;
/** A connection that stayed up this long resets the backoff; shorter ones (refusals, resets) keep growing it. */
const STABLE_CONNECTION_MS = 1_000;
/** Bound on concurrent inbound connections; past it new ones are closed at once. */
const MAX_INBOUND_CONNECTIONS = 1_024;
/**
 * Bound on an inbound connection's first frame, its handshake (a few dozen bytes and the cluster token):
 * a connection that has not said who it is holds at most this, so 1,024 of them hold at most 16 MiB.
 */
const MAX_HANDSHAKE_FRAME_BYTES = 16 * KiB;
/** Bound on a request frame (a membership question: a few hundred bytes), and on requests open at once. */
const MAX_REQUEST_FRAME_BYTES = 1 * MiB;
const MAX_INBOUND_REQUESTS = 32;
/** Bound on frames a peer sends back on our Raft and snapshot connections (a refusal and its reason, an ack). */
const MAX_REFUSAL_FRAME_BYTES = 64 * KiB;
/** An inbound snapshot's buffer starts at this and doubles as data arrives (never past the announced size). */
const SNAPSHOT_BUFFER_START_BYTES = 1 * MiB;
/** Lines about refused connections and dropped messages: at most this many per window. */
const PEER_LOG_LIMIT = { maxLines: 20, windowMs: 10_000 };

interface Peer {
  id: NodeId;
  addresses: HostPort[];
  addressIndex: number;
  queue: PeerQueue;
  socket: Socket | undefined;
  connected: boolean;
  connectedAtMs: number;
  refused: boolean;
  attempt: number;
  dialTimer: ReturnType<typeof setTimeout> | undefined;
  flushScheduled: boolean;
  /** Set while messages sent with `sendLazy` wait for another flush to carry them, or for this timer. */
  lazyTimer: ReturnType<typeof setTimeout> | undefined;
  unreachableReported: boolean;
  snapshotInFlight: boolean;
  removed: boolean;
  sentMessages: number;
  sentBytes: number;
  droppedMessages: number;
  dials: number;
  snapshotsSent: number;
  snapshotsFailed: number;
  /**
   * The highest log index sent to this peer (appends and snapshots): an acknowledgement of more is a lie
   * the core would believe, and its next append would then start past its own log.
   */
  highestSentIndex: number;
}

interface Inbound {
  socket: Socket;
  remote: string;
  handshake: Handshake | undefined;
  /** No more frames are processed. */
  done: boolean;
  /** The last frame was written and the socket ended. */
  finished: boolean;
  timer: ReturnType<typeof setTimeout> | undefined;
  snap: InboundSnapshot | undefined;
  decoder: FrameDecoder;
}

/** A snapshot being received: the buffer grows with what arrives, not with what the header announces. */
interface InboundSnapshot {
  message: Message;
  sizeBytes: number;
  buffer: Uint8Array;
  receivedBytes: number;
}

/** Creates a member's peer transport; nothing listens or dials until `start()`. */
export function createTransport(options: TransportOptions): Transport {
  return new PeerTransport(options);
}

/**
 * A transport that neither listens nor carries Raft traffic: only `request` (one-shot questions to peers,
 * e.g. before this member has joined). Close it after use. `tls` is used for `https://` peer URLs.
 */
export function createRequestTransport(memberId: bigint, clusterToken: string, tls?: PeerTls): Transport {
  const options: TransportOptions = {
    memberId,
    clusterToken,
    listenUrls: [],
    onMessage: () => {},
    onUnreachable: () => {},
    onSnapshotStatus: () => {},
    logger: { info: () => {}, warn: () => {} },
  };
  if (tls !== undefined) options.tls = tls;
  return createTransport(options);
}

class PeerTransport implements Transport {
  readonly #o: TransportOptions;
  readonly #r: Resolved;
  readonly #peers = new Map<NodeId, Peer>();
  readonly #servers: Server[] = [];
  readonly #inbound = new Set<Inbound>();
  /** The one inbound Raft and snapshot connection per peer: a newer one replaces the older (a redial). */
  readonly #inboundRaft = new Map<NodeId, Inbound>();
  readonly #inboundSnap = new Map<NodeId, Inbound>();
  /** Open request-channel connections (bounded by MAX_INBOUND_REQUESTS). */
  readonly #inboundRequests = new Set<Inbound>();
  readonly #peerLog = new LogLimit(PEER_LOG_LIMIT);
  readonly #oneShots = new Set<FramedConnection>();
  #started = false;
  #closed = false;
  #receivedMessages = 0;
  #receivedBytes = 0;
  /** Per peer, once its handshake named it; one entry per member ever heard from. */
  readonly #receivedFrom = new Map<bigint, number>();
  #snapshotsReceived = 0;
  #refusedConnections = 0;
  /** Measures each peer's round trip for etcd_network_peer_round_trip_time_seconds (probe.ts). */
  #prober: PeerProber | undefined;

  constructor(options: TransportOptions) {
    if (options.memberId === 0n) throw new Error("transport: memberId must not be 0");
    this.#o = options;
    this.#r = resolveOptions(options);
    if (options.tls !== undefined) checkTlsMaterial(options.tls);
  }

  async start(): Promise<string[]> {
    if (this.#started) throw new Error("transport: already started");
    this.#started = true;
    // Every URL is checked before any is listened on, so a bad one leaves nothing half-open.
    const addresses = this.#o.listenUrls.map((url) => this.#listenAddress(url));
    const urls: string[] = [];
    for (const address of addresses) urls.push(await this.#listen(address));
    for (const peer of this.#peers.values()) this.#dial(peer);
    this.#startProber();
    return urls;
  }

  #startProber(): void {
    const intervals = this.#o.probeIntervalsMs ?? probeIntervalsFromEnv();
    if (intervals === false) return;
    this.#prober = new PeerProber({
      request: (url, payload, options) => this.request(url, payload, options),
      peers: () => [...this.#peers.values()].filter((p) => !p.removed).map((p) => ({ id: p.id, urls: p.addresses.map(formatPeerUrl) })),
      onRoundTrip: (peerId, seconds) => observePeerRoundTrip(this.#o.memberId, peerId, seconds),
      ...intervals,
    });
    this.#prober.start();
  }

  #listenAddress(url: string): HostPort {
    const address = parsePeerUrl(url);
    if (address.secure === true && this.#o.tls === undefined) {
      throw new Error(`transport: listen URL ${url} needs TLS material (--peer-cert-file and --peer-key-file)`);
    }
    return address;
  }

  /** What this member presents when it dials an https peer; without material, the system's roots. */
  #clientTls(): TlsClientMaterial | undefined {
    return this.#o.tls?.client;
  }

  /**
   * Queues messages for their peers. They are written at the end of this turn (one write per peer for
   * everything sent meanwhile) — or at once with `immediate`, for a caller about to block this thread
   * (the leader sends its appends, then fsyncs its own log: followers must get them before that fsync).
   */
  send(messages: readonly Message[], immediate = false): void {
    if (this.#closed) return;
    for (const m of messages) this.#enqueue(m);
    if (!immediate) return;
    for (const peer of this.#peers.values()) if (peer.queue.length > 0) this.#flush(peer);
  }

  /**
   * Queues messages that may wait up to `maxDelayMs` for another send to the same peer to carry them in
   * its write (a leader's commit-index updates ride on the next append): fewer writes and fewer wakeups
   * of the peer, the same order.
   */
  sendLazy(messages: readonly Message[], maxDelayMs: number): void {
    if (this.#closed) return;
    if (!(maxDelayMs >= 0)) throw new Error(`transport: maxDelayMs must be ≥ 0, got ${maxDelayMs}`);
    for (const m of messages) {
      const peer = this.#peers.get(m.to);
      if (m.type === MessageType.Snap || peer === undefined) {
        this.#enqueue(m);
        continue;
      }
      this.#enqueue(m, false);
      if (peer.lazyTimer === undefined && !peer.flushScheduled) {
        peer.lazyTimer = setTimeout(() => {
          peer.lazyTimer = undefined;
          this.#flush(peer);
        }, maxDelayMs);
      }
    }
  }

  addPeer(id: NodeId, urls: readonly string[]): void {
    if (id === this.#o.memberId) throw new Error("transport: a member is not its own peer");
    if (this.#peers.has(id)) throw new Error(`transport: peer ${hex(id)} already added`);
    const peer = newPeer(id, urls.map(parsePeerUrl), this.#r);
    this.#peers.set(id, peer);
    if (this.#started && !this.#closed) this.#dial(peer);
  }

  removePeer(id: NodeId): void {
    const peer = this.#peers.get(id);
    if (peer === undefined) return;
    peer.removed = true;
    this.#peers.delete(id);
    this.#dropConnection(peer);
    peer.queue.clear();
    for (const conn of this.#inbound) {
      if (conn.handshake?.from === id) this.#refuse(conn, `member ${hex(id)} was removed`);
    }
  }

  updatePeer(id: NodeId, urls: readonly string[]): void {
    const peer = this.#peers.get(id);
    if (peer === undefined) throw new Error(`transport: unknown peer ${hex(id)}`);
    peer.addresses = urls.map(parsePeerUrl);
    if (peer.addresses.length === 0) throw new Error(`transport: peer ${hex(id)} needs a URL`);
    peer.addressIndex = 0;
    peer.attempt = 0;
    // Redial at the new address; queued messages stay and go out on the new connection.
    this.#dropConnection(peer);
    if (this.#started && !this.#closed) this.#dial(peer);
  }

  hasPeer(id: NodeId): boolean {
    return this.#peers.has(id);
  }

  async request(peerUrl: string, payload: Uint8Array, options: RequestOptions): Promise<Uint8Array> {
    if (this.#closed) throw new Error("transport: closed");
    if (payload.length + 1 > this.#r.maxFrameBytes) throw new Error("transport: request payload too large");
    const deadlineMs = Date.now() + options.timeoutMs;
    const conn = await FramedConnection.open(parsePeerUrl(peerUrl), {
      maxFrameBytes: this.#r.maxFrameBytes,
      timeoutMs: options.timeoutMs,
      tls: this.#clientTls(),
    });
    this.#oneShots.add(conn);
    const timer = setTimeout(
      () => conn.destroy(new Error(`request to ${peerUrl} timed out after ${options.timeoutMs} ms`)),
      Math.max(0, deadlineMs - Date.now()),
    );
    try {
      options.onConnected?.();
      await conn.write(this.#handshakeFrame(0n, Channel.Request));
      await conn.write(encodeFrame(FrameKind.Request, payload));
      const frame = await conn.nextFrame();
      return responseBody(frame, peerUrl);
    } finally {
      clearTimeout(timer);
      this.#oneShots.delete(conn);
      conn.destroy();
    }
  }

  stats(): TransportStats {
    return {
      memberId: this.#o.memberId,
      peers: [...this.#peers.values()].map(peerStats),
      receivedMessages: this.#receivedMessages,
      receivedBytes: this.#receivedBytes,
      receivedBytesFrom: [...this.#receivedFrom].map(([id, bytes]) => ({ id, bytes })),
      snapshotsReceived: this.#snapshotsReceived,
      refusedConnections: this.#refusedConnections,
      inboundConnections: this.#inbound.size,
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#prober?.stop();
    for (const peer of this.#peers.values()) {
      peer.removed = true;
      this.#dropConnection(peer);
      peer.queue.clear();
    }
    for (const conn of this.#oneShots) conn.destroy(new Error("transport: closed"));
    this.#oneShots.clear();
    for (const conn of this.#inbound) {
      clearTimeout(conn.timer);
      conn.socket.destroy();
    }
    this.#inbound.clear();
    await Promise.all(this.#servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }

  // ---- outbound Raft channel ----

  #enqueue(m: Message, scheduleFlush = true): void {
    if (m.to === this.#o.memberId) throw new Error(`transport: message ${m.type} addressed to this member`);
    if (m.type === MessageType.Hup || m.type === MessageType.Beat || m.type === MessageType.Unreachable ||
      m.type === MessageType.SnapStatus || m.type === MessageType.CheckQuorum) {
      throw new Error(`transport: local message type ${m.type} cannot be sent`);
    }
    const peer = this.#peers.get(m.to);
    if (peer === undefined) {
      this.#r.logger.info(`transport: dropped message to unknown member ${hex(m.to)}`);
      return;
    }
    if (m.type === MessageType.Snap && m.snapshot !== undefined) {
      peer.highestSentIndex = Math.max(peer.highestSentIndex, m.snapshot.metadata.index);
      this.#startSnapshot(peer, m);
      return;
    }
    if (m.type === MessageType.App) peer.highestSentIndex = Math.max(peer.highestSentIndex, m.index + m.entries.length);
    const encoded = encodeMessage(m);
    const maxBody = this.#maxBatchBodyBytes();
    if (encoded.length > maxBody) {
      this.#r.logger.warn(`transport: message of ${encoded.length} bytes to ${hex(peer.id)} exceeds the frame limit`);
      this.#drop(peer);
    } else if (!peer.queue.push(encoded)) {
      this.#drop(peer);
    }
    if (scheduleFlush) this.#scheduleFlush(peer);
  }

  #maxBatchBodyBytes(): number {
    return this.#r.maxFrameBytes - 1 - batchHeaderBytes(0xffff_ffff);
  }

  #drop(peer: Peer): void {
    peer.droppedMessages++;
    if (peer.unreachableReported) return;
    // One report per peer per event-loop turn, after the caller's send() returned (no re-entry into Raft).
    peer.unreachableReported = true;
    queueMicrotask(() => {
      peer.unreachableReported = false;
      if (!this.#closed && !peer.removed) this.#o.onUnreachable(peer.id);
    });
  }

  #scheduleFlush(peer: Peer): void {
    if (peer.flushScheduled) return;
    peer.flushScheduled = true;
    // Everything sent in this turn (one Ready's messages) goes out in one write.
    queueMicrotask(() => {
      peer.flushScheduled = false;
      this.#flush(peer);
    });
  }

  #flush(peer: Peer): void {
    // Whatever waited lazily leaves with this write.
    clearTimeout(peer.lazyTimer);
    peer.lazyTimer = undefined;
    const socket = peer.socket;
    if (!peer.connected || socket === undefined || peer.queue.length === 0) return;
    let budgetBytes = SOCKET_HIGH_WATER_BYTES - socket.writableLength;
    const frames: Uint8Array[] = [];
    let totalBytes = 0;
    // Each iteration takes at least one message, so the loop ends within queue.length iterations.
    while (peer.queue.length > 0 && budgetBytes > 0) {
      const count = peer.queue.length;
      const { items, bytes } = peer.queue.take(Math.min(this.#maxBatchBodyBytes(), budgetBytes));
      const reserve = FRAME_HEADER_BYTES + 1;
      const frame = encodeBatch(items, bytes, reserve);
      writeFrameHeader(frame, 0, FrameKind.Messages, frame.length - reserve);
      frames.push(frame);
      totalBytes += frame.length;
      budgetBytes -= frame.length;
      peer.sentMessages += items.length;
      if (peer.queue.length >= count) throw new Error("transport: flush made no progress");
    }
    peer.sentBytes += totalBytes;
    socket.write(frames.length === 1 ? frames[0] : Buffer.concat(frames, totalBytes));
  }

  #dial(peer: Peer): void {
    if (this.#closed || peer.removed || peer.socket !== undefined) return;
    clearTimeout(peer.dialTimer);
    peer.dialTimer = undefined;
    const address = peer.addresses[peer.addressIndex % peer.addresses.length];
    peer.dials++;
    peer.refused = false;
    const { socket, readyEvent, begin } = dialSocket(address, this.#clientTls());
    peer.socket = socket;
    socket.setNoDelay(true);
    const decoder = new FrameDecoder(Math.min(MAX_REFUSAL_FRAME_BYTES, this.#r.maxFrameBytes));
    // Bounds the TLS handshake too: a TLS socket is ready only once the peer's certificate checked out.
    const dialTimer = setTimeout(() => socket.destroy(), this.#r.dialTimeoutMs);
    socket.once(readyEvent, () => {
      clearTimeout(dialTimer);
      if (peer.socket !== socket) return;
      socket.write(this.#handshakeFrame(peer.id, Channel.Raft));
      peer.connected = true;
      peer.connectedAtMs = Date.now();
      this.#r.logger.info(`transport: connected to ${hex(peer.id)} at ${formatPeerUrl(address)}`);
      this.#flush(peer);
    });
    socket.on("data", (chunk: Buffer) => this.#onOutboundData(peer, socket, decoder, chunk));
    socket.on("drain", () => {
      if (peer.socket === socket) this.#flush(peer);
    });
    let errorLogged = false; // one line per connection, however many errors it reports
    socket.on("error", (err: Error) => {
      if (errorLogged) return;
      errorLogged = true;
      this.#r.logger.info(`transport: connection to ${hex(peer.id)} at ${formatPeerUrl(address)}: ${err.message}`);
    });
    socket.on("close", () => {
      clearTimeout(dialTimer);
      this.#onOutboundClose(peer, socket);
    });
    begin();
  }

  #onOutboundData(peer: Peer, socket: Socket, decoder: FrameDecoder, chunk: Buffer): void {
    let frames: Frame[];
    try {
      frames = decoder.push(chunk);
    } catch (err) {
      this.#r.logger.warn(`transport: bad frame from ${hex(peer.id)}: ${errorText(err)}`);
      socket.destroy();
      return;
    }
    for (const f of frames) {
      const reason = f.kind === FrameKind.Refuse
        ? new TextDecoder().decode(f.body)
        : `unexpected frame kind ${f.kind} on the Raft channel`;
      this.#r.logger.warn(`transport: member ${hex(peer.id)} refused our connection: ${reason}`);
      peer.refused = true;
      this.#o.onRefused?.({ side: "outbound", peerId: peer.id, reason, remoteAddress: socket.remoteAddress });
      socket.destroy();
      return;
    }
  }

  #onOutboundClose(peer: Peer, socket: Socket): void {
    if (peer.socket !== socket) return;
    const wasConnected = peer.connected;
    const stable = wasConnected && !peer.refused && Date.now() - peer.connectedAtMs >= STABLE_CONNECTION_MS;
    peer.socket = undefined;
    peer.connected = false;
    if (this.#closed || peer.removed) return;
    // Try the peer's next URL after a failed dial; keep a URL that worked.
    if (!wasConnected) peer.addressIndex++;
    peer.attempt = stable ? 0 : peer.attempt + 1;
    if (!stable || peer.queue.length > 0) this.#reportUnreachable(peer);
    const delayMs = backoffDelayMs(Math.max(0, peer.attempt - 1), this.#r.backoff, this.#r.random);
    peer.dialTimer = setTimeout(() => this.#dial(peer), delayMs);
  }

  #reportUnreachable(peer: Peer): void {
    if (peer.unreachableReported) return;
    peer.unreachableReported = true;
    queueMicrotask(() => {
      peer.unreachableReported = false;
      if (!this.#closed && !peer.removed) this.#o.onUnreachable(peer.id);
    });
  }

  #dropConnection(peer: Peer): void {
    clearTimeout(peer.dialTimer);
    peer.dialTimer = undefined;
    clearTimeout(peer.lazyTimer);
    peer.lazyTimer = undefined;
    const socket = peer.socket;
    peer.socket = undefined;
    peer.connected = false;
    socket?.destroy();
  }

  #handshakeFrame(to: NodeId, channel: Channel): Uint8Array {
    return encodeFrame(
      FrameKind.Handshake,
      encodeHandshake({
        version: PROTOCOL_VERSION,
        clusterToken: this.#o.clusterToken,
        from: this.#o.memberId,
        to,
        channel,
      }),
    );
  }

  // ---- outbound snapshots ----

  #startSnapshot(peer: Peer, m: Message): void {
    if (peer.snapshotInFlight) {
      // Raft sends one snapshot per follower at a time; a second one means the first is stale.
      this.#r.logger.warn(`transport: snapshot to ${hex(peer.id)} already in flight; refusing another`);
      peer.snapshotsFailed++;
      queueMicrotask(() => this.#o.onSnapshotStatus(peer.id, false));
      return;
    }
    peer.snapshotInFlight = true;
    this.#streamSnapshot(peer, m).then(
      () => this.#finishSnapshot(peer, true),
      (err) => {
        this.#r.logger.warn(`transport: snapshot to ${hex(peer.id)} failed: ${errorText(err)}`);
        this.#finishSnapshot(peer, false);
      },
    );
  }

  #finishSnapshot(peer: Peer, ok: boolean): void {
    peer.snapshotInFlight = false;
    if (ok) peer.snapshotsSent++;
    else peer.snapshotsFailed++;
    if (!this.#closed && !peer.removed) this.#o.onSnapshotStatus(peer.id, ok);
  }

  async #streamSnapshot(peer: Peer, m: Message): Promise<void> {
    const snapshot = m.snapshot;
    if (snapshot === undefined) throw new Error("transport: snapshot message without a snapshot");
    const address = peer.addresses[peer.addressIndex % peer.addresses.length];
    const timeoutMs = this.#r.snapshotTimeoutMs;
    const conn = await FramedConnection.open(address, {
      // The receiver answers with an ack or a refusal: nothing bigger.
      maxFrameBytes: Math.min(MAX_REFUSAL_FRAME_BYTES, this.#r.maxFrameBytes),
      timeoutMs: Math.min(timeoutMs, this.#r.dialTimeoutMs),
      tls: this.#clientTls(),
    });
    this.#oneShots.add(conn);
    const timer = setTimeout(() => conn.destroy(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
    try {
      await conn.write(this.#handshakeFrame(peer.id, Channel.Snapshot));
      await conn.write(encodeFrame(FrameKind.SnapBegin, encodeSnapHeader(m)));
      const data = snapshot.data;
      const chunkBytes = this.#r.snapshotChunkBytes;
      // One frame per chunk, awaiting 'drain' when the socket is full: the Raft connection keeps flowing.
      for (let offset = 0; offset < data.length; offset += chunkBytes) {
        await conn.write(encodeFrame(FrameKind.SnapChunk, data.subarray(offset, offset + chunkBytes)));
      }
      await conn.write(encodeFrame(FrameKind.SnapEnd));
      const reply = await conn.nextFrame();
      if (reply.kind === FrameKind.Refuse) throw new Error(`refused: ${new TextDecoder().decode(reply.body)}`);
      if (reply.kind !== FrameKind.SnapAck) throw new Error(`unexpected reply frame kind ${reply.kind}`);
    } finally {
      clearTimeout(timer);
      this.#oneShots.delete(conn);
      conn.destroy();
    }
  }

  // ---- inbound ----

  #listen(address: HostPort): Promise<string> {
    const server = createListener(address, {
      tls: this.#o.tls?.server,
      handshakeTimeoutMs: this.#r.handshakeTimeoutMs,
      maxConnections: MAX_INBOUND_CONNECTIONS,
      logger: this.#r.logger,
      onConnection: (socket) => this.#onConnection(socket),
    });
    this.#servers.push(server);
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(address.port, address.host, () => {
        server.off("error", reject);
        const bound = server.address();
        const port = typeof bound === "object" && bound !== null ? bound.port : address.port;
        resolve(formatPeerUrl({ ...address, port }));
      });
    });
  }

  #onConnection(socket: Socket): void {
    if (this.#closed || this.#inbound.size >= MAX_INBOUND_CONNECTIONS) {
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    const conn: Inbound = {
      socket,
      remote: `${socket.remoteAddress}:${socket.remotePort}`,
      handshake: undefined,
      done: false,
      finished: false,
      timer: undefined,
      snap: undefined,
      decoder: new FrameDecoder(this.#r.maxFrameBytes, {
        maxFirstFrameBytes: Math.min(MAX_HANDSHAKE_FRAME_BYTES, this.#r.maxFrameBytes),
      }),
    };
    this.#inbound.add(conn);
    conn.timer = setTimeout(
      () => this.#refuse(conn, `no handshake within ${this.#r.handshakeTimeoutMs} ms`),
      this.#r.handshakeTimeoutMs,
    );
    socket.on("data", (chunk: Buffer) => {
      if (conn.done) return;
      this.#receivedBytes += chunk.length;
      const from = conn.handshake?.from;
      if (from !== undefined) this.#receivedFrom.set(from, (this.#receivedFrom.get(from) ?? 0) + chunk.length);
      let frames: Frame[];
      try {
        frames = conn.decoder.push(chunk);
      } catch (err) {
        this.#refuse(conn, errorText(err));
        return;
      }
      for (const f of frames) {
        if (conn.done) return;
        try {
          this.#onInboundFrame(conn, f);
        } catch (err) {
          this.#refuse(conn, errorText(err));
        }
      }
    });
    socket.on("error", () => {});
    socket.on("close", () => {
      clearTimeout(conn.timer);
      conn.done = true;
      conn.snap = undefined; // a stream cut mid-snapshot: what arrived is dropped with the connection
      this.#inbound.delete(conn);
      this.#forgetInbound(conn);
    });
  }

  /** Takes a closed `conn` out of the per-peer and per-channel bookkeeping. */
  #forgetInbound(conn: Inbound): void {
    this.#inboundRequests.delete(conn);
    const from = conn.handshake?.from;
    if (from === undefined) return;
    if (this.#inboundRaft.get(from) === conn) this.#inboundRaft.delete(from);
    if (this.#inboundSnap.get(from) === conn) this.#inboundSnap.delete(from);
  }

  #onInboundFrame(conn: Inbound, f: Frame): void {
    const h = conn.handshake;
    if (h === undefined) {
      if (f.kind !== FrameKind.Handshake) throw new Error(`first frame is kind ${f.kind}, not a handshake`);
      return this.#acceptHandshake(conn, decodeHandshake(f.body));
    }
    if (h.channel === Channel.Raft) return this.#onRaftFrame(conn, f);
    if (h.channel === Channel.Snapshot) return this.#onSnapshotFrame(conn, f);
    return this.#onRequestFrame(conn, f);
  }

  #acceptHandshake(conn: Inbound, h: Handshake): void {
    const reason = this.#handshakeProblem(h);
    if (reason !== undefined) {
      conn.handshake = h;
      this.#refuse(conn, reason);
      return;
    }
    if (h.channel === Channel.Request && this.#inboundRequests.size >= MAX_INBOUND_REQUESTS) {
      conn.handshake = h;
      this.#refuse(conn, `${MAX_INBOUND_REQUESTS} requests already open on this member`);
      return;
    }
    conn.handshake = h;
    clearTimeout(conn.timer);
    conn.timer = undefined;
    this.#claimChannel(conn, h);
    if (h.channel === Channel.Snapshot) {
      conn.timer = setTimeout(
        () => this.#refuse(conn, `snapshot not received within ${this.#r.snapshotTimeoutMs} ms`),
        this.#r.snapshotTimeoutMs,
      );
    } else if (h.channel === Channel.Request) {
      conn.timer = setTimeout(
        () => this.#refuse(conn, `no request within ${this.#r.handshakeTimeoutMs} ms`),
        this.#r.handshakeTimeoutMs,
      );
    }
  }

  /**
   * Records `conn` as `h.from`'s Raft or snapshot connection, closing the one it replaces (the peer redialled
   * and the old one is dead, or someone is replaying its handshake: either way one per peer, so a peer's
   * connections hold at most two frames' worth and one snapshot). A request gets its smaller frame bound.
   */
  #claimChannel(conn: Inbound, h: Handshake): void {
    if (h.channel === Channel.Request) {
      this.#inboundRequests.add(conn);
      conn.decoder.setMaxFrameBytes(Math.min(MAX_REQUEST_FRAME_BYTES, this.#r.maxFrameBytes));
      return;
    }
    const byPeer = h.channel === Channel.Raft ? this.#inboundRaft : this.#inboundSnap;
    const older = byPeer.get(h.from);
    byPeer.set(h.from, conn);
    if (older === undefined || older === conn) return;
    this.#r.logger.info(`transport: a newer connection from member ${hex(h.from)} replaces the one from ${older.remote}`);
    older.done = true;
    older.snap = undefined;
    older.socket.destroy();
  }

  #handshakeProblem(h: Handshake): string | undefined {
    if (h.version !== PROTOCOL_VERSION) return `protocol version ${h.version}, expected ${PROTOCOL_VERSION}`;
    if (h.clusterToken !== this.#o.clusterToken) {
      return `cluster token mismatch: peer has ${JSON.stringify(h.clusterToken)}, ` +
        `this member has ${JSON.stringify(this.#o.clusterToken)}`;
    }
    if (h.channel === Channel.Request) {
      if (h.to !== 0n && h.to !== this.#o.memberId) return `request addressed to member ${hex(h.to)}`;
      return undefined;
    }
    if (h.to !== this.#o.memberId) {
      return `peer expects member ${hex(h.to)}, this is member ${hex(this.#o.memberId)}`;
    }
    if (!this.#peers.has(h.from)) return `unknown member ${hex(h.from)}`;
    return undefined;
  }

  #onRaftFrame(conn: Inbound, f: Frame): void {
    if (f.kind !== FrameKind.Messages) throw new Error(`unexpected frame kind ${f.kind} on the Raft channel`);
    const messages = decodeBatch(f.body);
    const from = conn.handshake!.from;
    // The whole batch is checked before any of it is delivered: a bad frame is dropped whole.
    for (const m of messages) {
      if (m.to !== this.#o.memberId) throw new Error(`message addressed to member ${hex(m.to)}`);
      const problem = messageProblem(m, from, "raft");
      if (problem !== undefined) throw new Error(problem);
    }
    this.#receivedMessages += messages.length;
    for (const m of messages) {
      if (this.#isImpossibleAck(m)) continue;
      this.#deliver(m);
    }
  }

  /**
   * An acknowledgement of log entries beyond any this transport sent to its sender. Dropped alone, not with
   * the connection: after this member restarts, a follower's answer to its previous life may still come in.
   */
  #isImpossibleAck(m: Message): boolean {
    if (m.type !== MessageType.AppResp || m.reject) return false;
    const sent = this.#peers.get(m.from)?.highestSentIndex ?? 0;
    if (m.index <= sent) return false;
    this.#logPeer(`transport: dropped an acknowledgement of index ${m.index} from member ${hex(m.from)}: ` +
      `no index past ${sent} was sent to it`);
    return true;
  }

  /** A warning about what a peer sent, within the log bound (PEER_LOG_LIMIT). */
  #logPeer(line: string): void {
    const suffix = this.#peerLog.admit(Date.now());
    if (suffix !== undefined) this.#r.logger.warn(line + suffix);
  }

  #deliver(m: Message): void {
    try {
      this.#o.onMessage(m);
    } catch (err) {
      // The caller's bug, not the peer's: keep the connection, say so (within the bound: a peer could
      // repeat whatever message triggers it).
      this.#logPeer(`transport: onMessage threw: ${errorText(err)}`);
    }
  }

  #onSnapshotFrame(conn: Inbound, f: Frame): void {
    if (conn.snap === undefined) {
      if (f.kind !== FrameKind.SnapBegin) throw new Error(`expected a snapshot header, got frame kind ${f.kind}`);
      const header = decodeSnapHeader(f.body);
      if (header.message.to !== this.#o.memberId) {
        throw new Error(`snapshot addressed to member ${hex(header.message.to)}`);
      }
      const problem = messageProblem(header.message, conn.handshake!.from, "snapshot");
      if (problem !== undefined) throw new Error(problem);
      if (header.sizeBytes > this.#r.maxSnapshotBytes) {
        throw new Error(`snapshot of ${header.sizeBytes} bytes exceeds the limit of ${this.#r.maxSnapshotBytes}`);
      }
      const buffer = new Uint8Array(Math.min(header.sizeBytes, SNAPSHOT_BUFFER_START_BYTES));
      conn.snap = { message: header.message, sizeBytes: header.sizeBytes, buffer, receivedBytes: 0 };
      return;
    }
    const snap = conn.snap;
    if (f.kind === FrameKind.SnapChunk) {
      appendSnapshotChunk(snap, f.body);
      return;
    }
    if (f.kind !== FrameKind.SnapEnd) throw new Error(`unexpected frame kind ${f.kind} in a snapshot`);
    if (snap.receivedBytes !== snap.sizeBytes) {
      throw new Error(`snapshot ended at ${snap.receivedBytes} of ${snap.sizeBytes} bytes`);
    }
    if (snap.buffer.length !== snap.sizeBytes) throw new Error("transport: snapshot buffer accounting is wrong");
    const snapshot = { metadata: snap.message.snapshot!.metadata, data: snap.buffer };
    conn.snap = undefined;
    const problem = this.#o.checkSnapshot?.(snapshot);
    if (problem !== undefined) throw new Error(`snapshot ${snapshot.metadata.index} cannot be installed: ${problem}`);
    this.#snapshotsReceived++;
    this.#receivedMessages++;
    this.#deliver({ ...snap.message, snapshot });
    this.#finish(conn, encodeFrame(FrameKind.SnapAck));
  }

  #onRequestFrame(conn: Inbound, f: Frame): void {
    if (f.kind !== FrameKind.Request) throw new Error(`unexpected frame kind ${f.kind} on the request channel`);
    const handler = this.#o.onRequest;
    conn.done = true; // one request per connection; later frames are ignored
    clearTimeout(conn.timer);
    if (isProbe(f.body)) {
      this.#finish(conn, responseFrame(true, probeAnswer()));
      return;
    }
    if (handler === undefined) {
      this.#finish(conn, responseFrame(false, new TextEncoder().encode("no request handler on this member")));
      return;
    }
    const failWith = (text: string): void => this.#finish(conn, responseFrame(false, new TextEncoder().encode(text)));
    const limitMs = this.#r.requestHandlerTimeoutMs;
    conn.timer = setTimeout(() => failWith(`request handler did not answer within ${limitMs} ms`), limitMs);
    // Through a promise so a handler that throws synchronously is answered like one that rejects.
    Promise.resolve(f.body).then(handler).then(
      (reply) => {
        if (reply.length + 2 > this.#r.maxFrameBytes) throw new Error("response exceeds the frame limit");
        this.#finish(conn, responseFrame(true, reply));
      },
    ).catch((err) => failWith(errorText(err)));
  }

  #finish(conn: Inbound, lastFrame: Uint8Array): void {
    if (conn.finished) return;
    conn.finished = true;
    conn.done = true;
    clearTimeout(conn.timer);
    conn.timer = undefined;
    if (!conn.socket.destroyed) conn.socket.end(lastFrame);
  }

  #refuse(conn: Inbound, reason: string): void {
    if (conn.finished) return;
    const peerId = conn.handshake?.from ?? 0n;
    this.#refusedConnections++;
    conn.snap = undefined;
    this.#logPeer(`transport: refused connection from ${conn.remote} (member ${hex(peerId)}): ${reason}`);
    this.#o.onRefused?.({ side: "inbound", peerId, reason, remoteAddress: conn.remote });
    this.#finish(conn, encodeFrame(FrameKind.Refuse, new TextEncoder().encode(reason)));
    // The peer may not read; do not keep the socket waiting on it.
    setTimeout(() => conn.socket.destroy(), 1_000).unref?.();
  }
}

/**
 * Copies a chunk into the snapshot's buffer, doubling the buffer when full (never past the announced size):
 * memory follows the bytes that came, so a header announcing 4 GiB and a cut stream cost what was sent.
 */
function appendSnapshotChunk(snap: InboundSnapshot, chunk: Uint8Array): void {
  const end = snap.receivedBytes + chunk.length;
  if (end > snap.sizeBytes) throw new Error("snapshot data exceeds its size");
  if (end > snap.buffer.length) {
    let capacity = Math.max(1, snap.buffer.length);
    // Each doubling at least doubles, so this ends within log2(sizeBytes) iterations.
    while (capacity < end) capacity = Math.min(snap.sizeBytes, capacity * 2);
    const grown = new Uint8Array(capacity);
    grown.set(snap.buffer.subarray(0, snap.receivedBytes));
    snap.buffer = grown;
  }
  snap.buffer.set(chunk, snap.receivedBytes);
  snap.receivedBytes = end;
}

function newPeer(id: NodeId, addresses: HostPort[], r: Resolved): Peer {
  if (addresses.length === 0) throw new Error(`transport: peer ${hex(id)} needs a URL`);
  return {
    id,
    addresses,
    addressIndex: 0,
    queue: new PeerQueue({ maxMessages: r.maxQueueMessages, maxBytes: r.maxQueueBytes }),
    socket: undefined,
    connected: false,
    connectedAtMs: 0,
    refused: false,
    attempt: 0,
    dialTimer: undefined,
    flushScheduled: false,
    lazyTimer: undefined,
    unreachableReported: false,
    snapshotInFlight: false,
    removed: false,
    sentMessages: 0,
    sentBytes: 0,
    droppedMessages: 0,
    dials: 0,
    snapshotsSent: 0,
    snapshotsFailed: 0,
    highestSentIndex: 0,
  };
}

/**
 * TSETCD_PEER_PROBE_MS="probe,error,monitor" (test-only) shortens etcd's 4 s / 5 s / 30 s; "off" disables.
 */
function probeIntervalsFromEnv(): ProbeIntervals | false {
  const text = process.env.TSETCD_PEER_PROBE_MS;
  if (text === undefined || text === "") return {};
  if (text === "off") return false;
  const [probeIntervalMs, errorIntervalMs, monitorIntervalMs] = text.split(",").map(Number);
  if (![probeIntervalMs, errorIntervalMs, monitorIntervalMs].every((ms) => Number.isInteger(ms) && ms! >= 1)) {
    throw new Error(`TSETCD_PEER_PROBE_MS must be "probe,error,monitor" in ms, got ${JSON.stringify(text)}`);
  }
  return { probeIntervalMs, errorIntervalMs, monitorIntervalMs };
}

function peerStats(p: Peer): PeerStats {
  return {
    id: p.id,
    urls: p.addresses.map(formatPeerUrl),
    connected: p.connected,
    queuedMessages: p.queue.length,
    queuedBytes: p.queue.bytes,
    sentMessages: p.sentMessages,
    sentBytes: p.sentBytes,
    droppedMessages: p.droppedMessages,
    dials: p.dials,
    snapshotsSent: p.snapshotsSent,
    snapshotsFailed: p.snapshotsFailed,
  };
}

function responseFrame(ok: boolean, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(body.length + 1);
  out[0] = ok ? 0 : 1;
  out.set(body, 1);
  return encodeFrame(FrameKind.Response, out);
}

function responseBody(frame: Frame, peerUrl: string): Uint8Array {
  if (frame.kind === FrameKind.Refuse) {
    throw new Error(`transport: ${peerUrl} refused the request: ${new TextDecoder().decode(frame.body)}`);
  }
  if (frame.kind !== FrameKind.Response || frame.body.length === 0) {
    throw new Error(`transport: unexpected reply frame kind ${frame.kind} from ${peerUrl}`);
  }
  const body = frame.body.subarray(1);
  if (frame.body[0] !== 0) throw new Error(`transport: ${peerUrl} answered with an error: ${new TextDecoder().decode(body)}`);
  return body;
}

function hex(id: NodeId): string {
  return id.toString(16);
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
