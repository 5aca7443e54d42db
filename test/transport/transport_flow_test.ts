/** Raft channel on loopback: ordered delivery of many messages, three members, restart, removal. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { makeMessage, type Message, MessageType } from "../../src/raft/types.ts";
import { closeAll, type Member, mesh, portOf, sleep, startMember, waitFor } from "./helpers.ts";

function app(from: bigint, to: bigint, index: number): Message {
  return makeMessage({
    type: MessageType.App,
    from,
    to,
    term: 1,
    index,
    entries: [{ term: 1, index: index + 1, type: 0, data: new Uint8Array(8).fill(index & 0xff) }],
  });
}

function assertInOrder(received: Message[], from: bigint, count: number): void {
  const mine = received.filter((m) => m.from === from);
  assert.is(mine.length, count);
  for (let i = 0; i < count; i++) {
    if (mine[i].index !== i) assert.unreachable(`message ${i} from ${from} arrived as ${mine[i].index}`);
  }
}

test("two members exchange 100k messages each way, in order, batched per turn", async () => {
  const a = await startMember(1n, { maxQueueMessages: 20_000 });
  const b = await startMember(2n, { maxQueueMessages: 20_000 });
  try {
    mesh([a, b]);
    const total = 100_000;
    const perTurn = 1_000;
    // Sent in bursts of one "Ready" each; bursts yield so the queue (20k) never overflows.
    for (let sent = 0; sent < total; sent += perTurn) {
      const ab: Message[] = [];
      const ba: Message[] = [];
      for (let i = sent; i < sent + perTurn; i++) {
        ab.push(app(1n, 2n, i));
        ba.push(app(2n, 1n, i));
      }
      a.t.send(ab);
      b.t.send(ba);
      await waitFor(() => a.t.stats().peers[0].queuedMessages < 10_000, "queue to drain");
      await sleep(0);
    }
    await waitFor(() => a.received.length === total && b.received.length === total, "all messages", 15_000);
    assertInOrder(b.received, 1n, total);
    assertInOrder(a.received, 2n, total);
    assert.equal(Array.from(b.received[5].entries[0].data), Array.from(new Uint8Array(8).fill(5)));
    const s = a.t.stats().peers[0];
    assert.is(s.droppedMessages, 0);
    assert.is(s.sentMessages, total);
    assert.equal(a.unreachable, []);
  } finally {
    await closeAll([a, b]);
  }
});

test("three members: every pair delivers in order", async () => {
  const ms = [await startMember(11n), await startMember(12n), await startMember(13n)];
  try {
    mesh(ms);
    const count = 5_000;
    for (let i = 0; i < count; i++) {
      for (const from of ms) {
        from.t.send(ms.filter((to) => to !== from).map((to) => app(from.id, to.id, i)));
      }
      if (i % 500 === 499) await sleep(1);
    }
    await waitFor(() => ms.every((m) => m.received.length === 2 * count), "all messages", 10_000);
    for (const to of ms) {
      for (const from of ms) if (from !== to) assertInOrder(to.received, from.id, count);
    }
  } finally {
    await closeAll(ms);
  }
});

test("a peer closed and restarted on the same port is reconnected; messages flow again", async () => {
  const a = await startMember(1n);
  let b: Member = await startMember(2n);
  const members = [a, b];
  try {
    mesh([a, b]);
    a.t.send([app(1n, 2n, 0)]);
    await waitFor(() => b.received.length === 1, "first message");
    const bUrl = b.url;
    await b.t.close();
    await sleep(50);
    // Sent while b is down: queued (bounded) or reported unreachable, never thrown.
    a.t.send([app(1n, 2n, 1)]);
    await waitFor(() => a.unreachable.includes(2n), "unreachable report while b is down");
    b = await startMember(2n, {}, `http://127.0.0.1:${portOf(bUrl)}`);
    members.push(b);
    b.t.addPeer(1n, [a.url]);
    const startMs = Date.now();
    await waitFor(() => a.t.stats().peers[0].connected, "reconnection", 3_000);
    a.t.send([app(1n, 2n, 2)]);
    await waitFor(() => b.received.some((m) => m.index === 2), "message after restart", 3_000);
    // Backoff is bounded by 1 s (plus a dial): reconnection must not take longer.
    assert.ok(Date.now() - startMs < 2_500, `reconnected after ${Date.now() - startMs} ms`);
    assert.ok(a.t.stats().peers[0].dials >= 2);
  } finally {
    await closeAll(members);
  }
});

test("removePeer stops traffic and refuses the removed member's connection; addPeer restores it", async () => {
  const a = await startMember(1n);
  const b = await startMember(2n);
  try {
    mesh([a, b]);
    b.t.send([app(2n, 1n, 0)]);
    await waitFor(() => a.received.length === 1, "first message");
    a.t.removePeer(2n);
    assert.not.ok(a.t.hasPeer(2n));
    // a no longer knows b: b's connection is refused as an unknown member.
    b.t.send([app(2n, 1n, 1)]);
    await waitFor(() => b.refusals.length > 0, "refusal seen by b");
    assert.match(b.refusals[0].reason, /removed|unknown member/);
    assert.is(a.received.length, 1);
    // Sending to a removed peer is a no-op, not an error.
    a.t.send([app(1n, 2n, 0)]);
    a.t.addPeer(2n, [b.url]);
    await waitFor(() => {
      b.t.send([app(2n, 1n, 2)]);
      return a.received.some((m) => m.index === 2);
    }, "traffic after re-adding", 5_000);
  } finally {
    await closeAll([a, b]);
  }
});

test("updatePeer moves the connection to the peer's new URL", async () => {
  const a = await startMember(1n);
  const b1 = await startMember(2n);
  const b2 = await startMember(2n);
  try {
    a.t.addPeer(2n, [b1.url]);
    b1.t.addPeer(1n, [a.url]);
    b2.t.addPeer(1n, [a.url]);
    a.t.send([app(1n, 2n, 0)]);
    await waitFor(() => b1.received.length === 1, "message at old URL");
    a.t.updatePeer(2n, [b2.url]);
    a.t.send([app(1n, 2n, 1)]);
    await waitFor(() => b2.received.length === 1, "message at new URL");
    assert.is(b2.received[0].index, 1);
    assert.is(b1.received.length, 1);
  } finally {
    await closeAll([a, b1, b2]);
  }
});

test.run();
