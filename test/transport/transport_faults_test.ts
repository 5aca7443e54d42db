/** Faults on loopback: dead peers, refused handshakes, misaddressed messages, bad frames, full queues. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { connect, type Socket } from "node:net";
import { makeMessage, type Message, MessageType } from "../../src/raft/types.ts";
import { Channel, encodeBatch, encodeHandshake, encodeMessage, PROTOCOL_VERSION } from "../../src/transport/codec.ts";
import { encodeFrame, type Frame, FrameDecoder, FrameKind } from "../../src/transport/frame.ts";
import { closeAll, freePort, mesh, portOf, sleep, startMember, waitFor } from "./helpers.ts";

function hb(from: bigint, to: bigint, commit: number): Message {
  return makeMessage({ type: MessageType.Heartbeat, from, to, term: 1, commit });
}

/** A raw client socket that collects the frames the member sends back. */
async function rawClient(url: string): Promise<{ socket: Socket; frames: Frame[]; closed: () => boolean }> {
  const socket = connect({ host: "127.0.0.1", port: portOf(url) });
  const frames: Frame[] = [];
  const decoder = new FrameDecoder(1 << 20);
  let closed = false;
  socket.on("data", (c: Buffer) => frames.push(...decoder.push(c)));
  socket.on("error", () => {});
  socket.on("close", () => (closed = true));
  await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
  return { socket, frames, closed: () => closed };
}

function handshake(token: string, from: bigint, to: bigint, channel: number = Channel.Raft): Uint8Array {
  return encodeFrame(
    FrameKind.Handshake,
    encodeHandshake({ version: PROTOCOL_VERSION, clusterToken: token, from, to, channel: channel as Channel }),
  );
}

test("a dead peer does not delay messages to a live one", async () => {
  const a = await startMember(1n);
  const b = await startMember(2n);
  const deadPort = await freePort();
  try {
    mesh([a, b]);
    a.t.addPeer(3n, [`http://127.0.0.1:${deadPort}`]);
    const sentAtMs: number[] = [];
    const latenciesMs: number[] = [];
    const seen = b.received.length;
    // 1.5 s of traffic covers several redial cycles to the dead peer (backoff tops out at 1 s).
    const rounds = 150;
    for (let i = 0; i < rounds; i++) {
      sentAtMs.push(performance.now());
      a.t.send([hb(1n, 2n, i), hb(1n, 3n, i)]);
      const deadline = performance.now() + 1_000;
      while (b.received.length - seen <= i && performance.now() < deadline) await sleep(0);
      latenciesMs.push(performance.now() - sentAtMs[i]);
      await sleep(8);
    }
    assert.is(b.received.length - seen, rounds);
    latenciesMs.sort((x, y) => x - y);
    const p50 = latenciesMs[Math.floor(rounds / 2)];
    const p99 = latenciesMs[Math.floor(rounds * 0.99)];
    assert.ok(p50 < 20, `p50 latency to the live peer ${p50.toFixed(1)} ms`);
    assert.ok(p99 < 150, `p99 latency to the live peer ${p99.toFixed(1)} ms`);
    assert.ok(a.unreachable.includes(3n), "dead peer reported unreachable");
    assert.not.ok(a.unreachable.includes(2n), "live peer never reported unreachable");
    const dead = a.t.stats().peers.find((p) => p.id === 3n)!;
    assert.ok(dead.dials >= 2 && dead.dials <= 40, `dials to the dead peer: ${dead.dials}`);
  } finally {
    await closeAll([a, b]);
  }
});

test("a peer with another cluster token is refused, both sides told why", async () => {
  const a = await startMember(1n);
  const b = await startMember(2n, { clusterToken: "other-cluster" });
  try {
    mesh([a, b]);
    b.t.send([hb(2n, 1n, 1)]);
    a.t.send([hb(1n, 2n, 1)]);
    await waitFor(() => a.refusals.length > 0 && b.refusals.length > 0, "refusals");
    await sleep(50);
    assert.is(a.received.length, 0);
    assert.is(b.received.length, 0);
    const inbound = a.refusals.find((r) => r.side === "inbound")!;
    assert.match(inbound.reason, /cluster token mismatch/);
    assert.is(inbound.peerId, 2n);
    assert.ok(b.refusals.some((r) => r.side === "outbound" && /cluster token mismatch/.test(r.reason)));
    assert.ok(a.logs.some((l) => /refused connection .*cluster token mismatch/.test(l)));
    assert.ok(a.t.stats().refusedConnections >= 1);
  } finally {
    await closeAll([a, b]);
  }
});

test("an unknown sender and a handshake for another member id are refused", async () => {
  const a = await startMember(1n);
  try {
    const c1 = await rawClient(a.url);
    c1.socket.write(handshake("test-cluster", 77n, 1n));
    await waitFor(() => c1.closed(), "close after unknown member");
    assert.is(c1.frames[0].kind, FrameKind.Refuse);
    assert.match(new TextDecoder().decode(c1.frames[0].body), /unknown member 4d/);

    a.t.addPeer(2n, ["http://127.0.0.1:1"]);
    const c2 = await rawClient(a.url);
    c2.socket.write(handshake("test-cluster", 2n, 5n));
    await waitFor(() => c2.closed(), "close after wrong receiver id");
    assert.match(new TextDecoder().decode(c2.frames[0].body), /expects member 5, this is member 1/);
    assert.is(a.refusals.length, 2);
  } finally {
    await closeAll([a]);
  }
});

test("a message addressed to another member closes the connection; earlier ones were delivered", async () => {
  const a = await startMember(1n);
  try {
    a.t.addPeer(2n, ["http://127.0.0.1:1"]);
    const c = await rawClient(a.url);
    const good = encodeMessage(hb(2n, 1n, 1));
    const bad = encodeMessage(hb(2n, 9n, 2));
    c.socket.write(handshake("test-cluster", 2n, 1n));
    c.socket.write(frameOf([good]));
    c.socket.write(frameOf([good, bad]));
    await waitFor(() => c.closed(), "close");
    assert.is(a.received.length, 1);
    assert.match(a.refusals[0].reason, /addressed to member 9/);
  } finally {
    await closeAll([a]);
  }
});

function frameOf(encoded: Uint8Array[]): Uint8Array {
  return encodeFrame(FrameKind.Messages, encodeBatch(encoded, encoded.reduce((n, e) => n + e.length, 0)));
}

test("an oversized frame, garbage, a missing handshake: connection closed with an error", async () => {
  const a = await startMember(1n, { maxFrameBytes: 4096, snapshotChunkBytes: 1024, handshakeTimeoutMs: 200 });
  try {
    const c1 = await rawClient(a.url);
    c1.socket.write(Uint8Array.of(0, 1, 0, 0));
    await waitFor(() => c1.closed(), "close on oversized frame");
    assert.match(a.refusals[0].reason, /exceeds the limit of 4096/);

    const c2 = await rawClient(a.url);
    c2.socket.write(encodeFrame(FrameKind.Messages, Uint8Array.of(1)));
    await waitFor(() => c2.closed(), "close on a frame before the handshake");
    assert.match(a.refusals[1].reason, /not a handshake/);

    const c3 = await rawClient(a.url);
    await waitFor(() => c3.closed(), "close on handshake timeout", 2_000);
    assert.match(a.refusals[2].reason, /no handshake within 200 ms/);
    await waitFor(() => a.t.stats().inboundConnections === 0, "inbound connections gone");
  } finally {
    await closeAll([a]);
  }
});

test("a full queue drops, counts and reports the peer unreachable once per turn", async () => {
  const deadPort = await freePort();
  const a = await startMember(1n, { maxQueueMessages: 10, maxQueueBytes: 1 << 20 });
  try {
    a.t.addPeer(2n, [`http://127.0.0.1:${deadPort}`]);
    a.t.send(Array.from({ length: 25 }, (_, i) => hb(1n, 2n, i)));
    let peer = a.t.stats().peers[0];
    assert.is(peer.queuedMessages, 10);
    assert.is(peer.droppedMessages, 15);
    assert.equal(a.unreachable, [], "reported after send() returns, not inside it");
    await Promise.resolve(); // the microtask queued by send() has run; no socket event can have come yet
    assert.equal(a.unreachable, [2n], "15 drops in one turn, one report");
    // The byte bound too.
    const b = await startMember(3n, { maxQueueMessages: 1000, maxQueueBytes: 300 });
    try {
      b.t.addPeer(2n, [`http://127.0.0.1:${deadPort}`]);
      const big = makeMessage({ type: MessageType.App, from: 3n, to: 2n, entries: [{ term: 1, index: 1, type: 0, data: new Uint8Array(100) }] });
      b.t.send([big, big, big, big]);
      peer = b.t.stats().peers[0];
      assert.is(peer.queuedMessages, 2);
      assert.ok(peer.queuedBytes <= 300);
      assert.is(peer.droppedMessages, 2);
    } finally {
      await b.t.close();
    }
  } finally {
    await closeAll([a]);
  }
});

test("a peer that stops reading fills only its own bounded queue; drops are reported; others flow", async () => {
  const { createServer } = await import("node:net");
  const stalled: Socket[] = [];
  // Accepts and never reads: the kernel buffers fill, then the socket's, then the queue.
  const sink = createServer((s) => {
    s.pause();
    stalled.push(s);
  });
  await new Promise<void>((resolve) => sink.listen(0, "127.0.0.1", resolve));
  const sinkPort = (sink.address() as { port: number }).port;
  const a = await startMember(1n, { maxQueueBytes: 8 * 1024 * 1024 });
  const b = await startMember(2n);
  try {
    mesh([a, b]);
    a.t.addPeer(3n, [`http://127.0.0.1:${sinkPort}`]);
    const data = new Uint8Array(64 * 1024);
    const big = (i: number): Message =>
      makeMessage({ type: MessageType.App, from: 1n, to: 3n, index: i, entries: [{ term: 1, index: i, type: 0, data }] });
    // 100 turns × 10 messages × 64 KiB = 64 MiB offered to the stalled peer, beside heartbeats to b.
    for (let turn = 0; turn < 100; turn++) {
      a.t.send([...Array.from({ length: 10 }, (_, i) => big(turn * 10 + i)), hb(1n, 2n, turn)]);
      await sleep(1);
    }
    await waitFor(() => b.received.length === 100, "every heartbeat to the live peer");
    const stuck = a.t.stats().peers.find((p) => p.id === 3n)!;
    console.log(`  stalled peer: sent ${stuck.sentBytes} B, queued ${stuck.queuedBytes} B, dropped ${stuck.droppedMessages}`);
    assert.ok(stuck.droppedMessages > 0, "drops once the stalled peer's queue is full");
    assert.ok(stuck.queuedBytes <= 8 * 1024 * 1024, `queued ${stuck.queuedBytes} bytes`);
    // What left the queue is bounded by the socket high-water mark plus the kernel's buffers, not 64 MiB.
    assert.ok(stuck.sentBytes < 40 * 1024 * 1024, `sent ${stuck.sentBytes} bytes into a stalled socket`);
    assert.ok(a.unreachable.includes(3n));
    assert.not.ok(a.unreachable.includes(2n));
    assert.is(a.t.stats().peers.find((p) => p.id === 2n)!.droppedMessages, 0);
  } finally {
    await closeAll([a, b]);
    for (const s of stalled) s.destroy();
    await new Promise<void>((resolve) => sink.close(() => resolve()));
  }
});

test("local message kinds and messages to self are refused loudly", async () => {
  const a = await startMember(1n);
  try {
    assert.throws(() => a.t.send([makeMessage({ type: MessageType.Hup, from: 1n, to: 2n })]), /local message/);
    assert.throws(() => a.t.send([hb(1n, 1n, 0)]), /addressed to this member/);
    assert.throws(() => a.t.addPeer(1n, [a.url]), /own peer/);
  } finally {
    await closeAll([a]);
  }
});

test.run();
