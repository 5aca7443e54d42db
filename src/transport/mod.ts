/**
 * tsetcd's peer transport: carries Raft messages between members over TCP, or TLS for `https://` peer URLs.
 *
 * - **Raft channel**: one persistent connection per peer (and direction). Messages passed to `send()` in one
 *   event-loop turn (one Ready) go out in one write, as length-prefixed frames of CBOR arrays. Each peer has a
 *   bounded queue (messages and bytes); when it is full the message is dropped and `onUnreachable(peer)`
 *   fires (at most once per turn) — call `raft.reportUnreachable`. A dead peer only fills its own queue.
 *   Connections are redialled with exponential backoff and jitter (50 ms → 1 s by default).
 * - **Snapshot channel**: a `Snap` message is streamed on its own connection in chunks (256 KiB) with
 *   backpressure, so heartbeats and appends keep flowing on the Raft channel. The receiver reassembles it and
 *   delivers one message; the sender reports `onSnapshotStatus(peer, ok)` — call `raft.reportSnapshot`.
 *   One snapshot per peer at a time; size and time are bounded on both sides.
 * - **Request channel**: `request(peerUrl, payload, { timeoutMs })` asks any member (even before this member
 *   knows the cluster's ids) and gets the `onRequest` handler's answer — for cluster bootstrapping.
 * - **Round-trip probes**: every 4 s each peer is asked for its clock on the request channel (answered by the
 *   transport itself); the smoothed round trip goes to etcd_network_peer_round_trip_time_seconds{To} on etcd's
 *   schedule (probe.ts; `probeIntervalsMs`, or TSETCD_PEER_PROBE_MS in tests).
 * - **TLS**: with `tls: { server, client }` (etcd's --peer-cert-file, --peer-key-file,
 *   --peer-trusted-ca-file, --peer-client-cert-auth) an `https://` listen URL serves TLS and an `https://`
 *   peer is dialled with TLS; http URLs stay plain TCP. A failed TLS handshake is a failed dial: logged,
 *   retried with backoff, reported through `onUnreachable`.
 * - **Handshake**: every connection starts with protocol version, cluster token, sender id and the receiver
 *   id it expects. The receiver refuses (logs the reason, calls `onRefused`, sends the reason back and
 *   closes) another token, an unknown sender, a wrong receiver id, or later a message addressed elsewhere.
 * - **The peer port is input**: a frame is dropped whole, with its connection, unless every message in it is
 *   one a member could send (message_check.ts: no local kinds, the handshake's sender, terms and indexes
 *   ≤ 2^48, entries in log order, decodable membership changes, snapshots only on their channel with a sane
 *   membership); an acknowledgement of entries never sent to that peer is dropped alone; a received
 *   snapshot's data passes `checkSnapshot` before delivery. Lines about refusals: at most 20 per 10 s.
 * - **Bounds per inbound connection**: before its handshake, 16 KiB (first frame) and 5 s, at most 1,024
 *   connections; a request, 1 MiB and at most 32 open; the Raft channel, one frame (`maxFrameBytes`) and one
 *   connection per peer (a newer one replaces the older); the snapshot channel, one per peer, its buffer
 *   growing with the data that came (never past `maxSnapshotBytes`). Replies read on our own connections:
 *   64 KiB frames (refusals, acks).
 *
 * Callbacks run from socket events or microtasks, never inside `send()`, so the caller may step Raft in them.
 * Received byte strings (entry data, snapshot data) may share memory with the frame they came in; do not
 * mutate them.
 *
 * @example
 * const transport = createTransport({
 *   memberId: 0x8e9e05c52164694dn,
 *   clusterToken: "etcd-cluster",
 *   listenUrls: ["http://127.0.0.1:2380"],
 *   onMessage: (m) => node.step(m),
 *   onUnreachable: (id) => node.reportUnreachable(id),
 *   onSnapshotStatus: (id, ok) => node.reportSnapshot(id, ok),
 * });
 * transport.addPeer(0x91bc3c398fb3c146n, ["http://127.0.0.1:12380"]);
 * await transport.start();
 * transport.send(ready.messages); // after persisting the Ready
 * await transport.close();
 * @module
 */
export { createRequestTransport, createTransport } from "./transport.ts";
export type {
  PeerStats,
  ProbeIntervals,
  PeerTls,
  Refusal,
  RequestOptions,
  Transport,
  TransportLogger,
  TransportOptions,
  TransportStats,
} from "./options.ts";
export { type BackoffOptions, backoffDelayMs, DEFAULT_BACKOFF } from "./backoff.ts";
export { decodeMessage, encodeMessage, PROTOCOL_VERSION } from "./codec.ts";
export { formatPeerUrl, parsePeerUrl } from "./url.ts";
