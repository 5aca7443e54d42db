/** Snapshot streaming on its own connection, bounded, and the request channel. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { makeMessage, type Message, MessageType } from "../../src/raft/types.ts";
import { closeAll, freePort, mesh, sleep, startMember, waitFor } from "./helpers.ts";

function snapMessage(from: bigint, to: bigint, sizeBytes: number): Message {
  const data = new Uint8Array(sizeBytes);
  for (let i = 0; i < sizeBytes; i += 4096) data[i] = (i / 4096) & 0xff;
  data[sizeBytes - 1] = 0xab;
  return makeMessage({
    type: MessageType.Snap,
    from,
    to,
    term: 3,
    snapshot: { data, metadata: { index: 1000, term: 3, confState: { voters: [from, to], learners: [2n ** 63n + 1n] } } },
  });
}

async function rejects(p: Promise<unknown>, pattern?: RegExp): Promise<void> {
  try {
    await p;
  } catch (err) {
    if (pattern !== undefined) assert.match(String(err instanceof Error ? err.message : err), pattern);
    return;
  }
  assert.unreachable("expected a rejection");
}

function hb(from: bigint, to: bigint, commit: number): Message {
  return makeMessage({ type: MessageType.Heartbeat, from, to, term: 3, commit });
}

test("a 20 MB snapshot streams while 1,000 small messages to the same peer keep arriving", async () => {
  const a = await startMember(1n);
  const b = await startMember(2n);
  try {
    mesh([a, b]);
    a.t.send([hb(1n, 2n, 0)]);
    await waitFor(() => b.received.length === 1, "connection up");
    const sizeBytes = 20 * 1024 * 1024;
    const sentAtMs = new Map<number, number>();
    const latencyMs = new Map<number, number>();
    let snapshotAtMs = 0;
    const received = b.received;
    const push = received.push.bind(received);
    received.push = (...ms: Message[]): number => {
      for (const m of ms) {
        if (m.type === MessageType.Snap) snapshotAtMs = performance.now();
        else latencyMs.set(m.commit, performance.now() - sentAtMs.get(m.commit)!);
      }
      return push(...ms);
    };
    const startMs = performance.now();
    a.t.send([snapMessage(1n, 2n, sizeBytes)]);
    // 1,000 heartbeats, 10 per turn, for as long as the snapshot is in flight (and at least 100 turns).
    let commit = 1;
    for (let turn = 0; commit <= 1000; turn++) {
      if (snapshotAtMs === 0 || turn % 10 === 0) {
        for (let i = 0; i < 10 && commit <= 1000; i++, commit++) sentAtMs.set(commit, performance.now());
        a.t.send(Array.from({ length: 10 }, (_, i) => hb(1n, 2n, commit - 10 + i)));
      }
      await sleep(snapshotAtMs === 0 ? 0 : 1);
    }
    await waitFor(() => b.received.length === 1 + 1 + 1000, "snapshot and heartbeats", 15_000);
    await waitFor(() => a.snapshotStatus.length === 1, "snapshot status");
    assert.equal(a.snapshotStatus, [{ id: 2n, ok: true }]);
    const got = b.received.find((m) => m.type === MessageType.Snap)!;
    assert.is(got.snapshot!.data.length, sizeBytes);
    assert.is(got.snapshot!.data[sizeBytes - 1], 0xab);
    assert.is(got.snapshot!.data[4096 * 7], 7);
    assert.is(got.snapshot!.metadata.index, 1000);
    assert.is(got.snapshot!.metadata.confState.learners[0], 2n ** 63n + 1n);
    assert.is(got.from, 1n);
    // Heartbeats sent while the snapshot was in flight arrived before it, each promptly: on one shared
    // connection the first of them would have waited for the whole snapshot.
    const snapshotMs = snapshotAtMs - startMs;
    const during = [...sentAtMs].filter(([, t]) => t < snapshotAtMs).map(([c]) => c);
    const arrivedBefore = during.filter((c) => sentAtMs.get(c)! + latencyMs.get(c)! < snapshotAtMs);
    const worstMs = Math.max(...during.map((c) => latencyMs.get(c)!));
    console.log(`  snapshot ${snapshotMs.toFixed(0)} ms; ${during.length} heartbeats sent during it, ` +
      `${arrivedBefore.length} arrived before it, worst latency ${worstMs.toFixed(1)} ms`);
    assert.ok(during.length >= 20, `only ${during.length} heartbeats sent during the snapshot`);
    assert.ok(arrivedBefore.length >= during.length / 2, `${arrivedBefore.length} of ${during.length} arrived first`);
    assert.ok(worstMs < Math.max(50, snapshotMs / 2), `worst heartbeat latency ${worstMs} ms`);
    const hbs = b.received.filter((m) => m.type === MessageType.Heartbeat).map((m) => m.commit);
    assert.equal(hbs, Array.from({ length: 1001 }, (_, i) => i), "heartbeats in order");
    assert.is(a.t.stats().peers[0].snapshotsSent, 1);
    assert.is(b.t.stats().snapshotsReceived, 1);
  } finally {
    await closeAll([a, b]);
  }
});

test("a snapshot to a dead peer, a too-large one, and a second concurrent one report failure", async () => {
  const deadPort = await freePort();
  const a = await startMember(1n);
  const b = await startMember(2n, { maxSnapshotBytes: 1024 * 1024 });
  try {
    mesh([a, b]);
    a.t.addPeer(3n, [`http://127.0.0.1:${deadPort}`]);
    a.t.send([snapMessage(1n, 3n, 1000)]);
    await waitFor(() => a.snapshotStatus.length === 1, "dead peer status");
    assert.equal(a.snapshotStatus[0], { id: 3n, ok: false });

    a.t.send([snapMessage(1n, 2n, 2 * 1024 * 1024)]);
    await waitFor(() => a.snapshotStatus.length === 2, "too-large status");
    assert.equal(a.snapshotStatus[1], { id: 2n, ok: false });
    assert.ok(b.refusals.some((r) => /exceeds the limit of 1048576/.test(r.reason)));
    assert.is(b.received.length, 0);

    a.t.send([snapMessage(1n, 2n, 512 * 1024), snapMessage(1n, 2n, 1000)]);
    await waitFor(() => a.snapshotStatus.length === 4, "two statuses");
    const statuses = a.snapshotStatus.slice(2).map((s) => s.ok).sort();
    assert.equal(statuses, [false, true], "one sent, the concurrent one refused");
    await waitFor(() => b.received.length === 1, "one snapshot delivered");
    assert.is(b.received[0].snapshot!.data.length, 512 * 1024);
  } finally {
    await closeAll([a, b]);
  }
});

test("a snapshot receiver that takes too long is cut off; the sender reports failure", async () => {
  const a = await startMember(1n, { snapshotTimeoutMs: 300 });
  const deaf = await startMember(2n);
  try {
    mesh([a, deaf]);
    // A listener that accepts and never answers: the handshake and chunks go out, no ack ever comes.
    const { createServer } = await import("node:net");
    const sockets: import("node:net").Socket[] = [];
    const silent = createServer((s) => sockets.push(s));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const port = (silent.address() as { port: number }).port;
    a.t.updatePeer(2n, [`http://127.0.0.1:${port}`]);
    const startMs = Date.now();
    a.t.send([snapMessage(1n, 2n, 100_000)]);
    await waitFor(() => a.snapshotStatus.length === 1, "timeout status", 3_000);
    assert.equal(a.snapshotStatus[0], { id: 2n, ok: false });
    assert.ok(Date.now() - startMs >= 250, "not before the timeout");
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  } finally {
    await closeAll([a, deaf]);
  }
});

test("request/response: answered by the handler, errors and timeouts reported", async () => {
  const enc = new TextEncoder();
  const dec = new TextDecoder();
  const server = await startMember(1n, {
    requestHandlerTimeoutMs: 300,
    onRequest: (payload: Uint8Array): Promise<Uint8Array> => {
      const text = dec.decode(payload);
      if (text === "fail") return Promise.reject(new Error("no such thing"));
      if (text === "throw") throw new Error("thrown at once");
      if (text === "hang") return new Promise(() => {});
      if (text === "slow") return new Promise((resolve) => setTimeout(() => resolve(enc.encode("late")), 1_000));
      return Promise.resolve(enc.encode(`members of ${text}`));
    },
  });
  const joiner = await startMember(9n);
  const noHandler = await startMember(3n);
  const otherCluster = await startMember(4n, { clusterToken: "other" });
  try {
    // The joining member knows no peers yet: the request channel does not need them.
    const reply = await joiner.t.request(server.url, enc.encode("c1"), { timeoutMs: 2_000 });
    assert.is(dec.decode(reply), "members of c1");
    const big = new Uint8Array(100_000).fill(7);
    assert.is((await joiner.t.request(server.url, big, { timeoutMs: 2_000 })).length, "members of ".length + 100_000);
    await rejects(joiner.t.request(server.url, enc.encode("fail"), { timeoutMs: 2_000 }), /answered with an error: no such thing/);
    await rejects(joiner.t.request(server.url, enc.encode("throw"), { timeoutMs: 2_000 }), /thrown at once/);
    await rejects(joiner.t.request(server.url, enc.encode("hang"), { timeoutMs: 2_000 }), /did not answer within 300 ms/);
    const t0 = Date.now();
    await rejects(joiner.t.request(server.url, enc.encode("slow"), { timeoutMs: 150 }), /timed out after 150 ms/);
    assert.ok(Date.now() - t0 < 900, "timeout honoured");
    await rejects(joiner.t.request(noHandler.url, enc.encode("x"), { timeoutMs: 2_000 }), /no request handler/);
    await rejects(joiner.t.request(otherCluster.url, enc.encode("x"), { timeoutMs: 2_000 }), /cluster token mismatch/);
    const deadPort = await freePort();
    await rejects(joiner.t.request(`http://127.0.0.1:${deadPort}`, enc.encode("x"), { timeoutMs: 2_000 }));
    await rejects(joiner.t.request(server.url, new Uint8Array(17 * 1024 * 1024), { timeoutMs: 2_000 }), /too large/);
  } finally {
    await closeAll([server, joiner, noHandler, otherCluster]);
  }
});

test.run();
