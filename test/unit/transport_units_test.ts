/** Pure transport pieces: backoff bounds, queue limits and accounting, peer URL parsing. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { backoffDelayMs, DEFAULT_BACKOFF } from "../../src/transport/backoff.ts";
import { PeerQueue } from "../../src/transport/queue.ts";
import { formatPeerUrl, parsePeerUrl } from "../../src/transport/url.ts";

test("backoff grows from base to max, jitter stays within [ceiling/2, ceiling]", () => {
  const opts = { baseMs: 50, maxMs: 1000 };
  const ceilings = [50, 100, 200, 400, 800, 1000, 1000, 1000];
  for (let attempt = 0; attempt < ceilings.length; attempt++) {
    assert.is(backoffDelayMs(attempt, opts, () => 0), ceilings[attempt] / 2);
    const top = backoffDelayMs(attempt, opts, () => 0.999999);
    assert.ok(top <= ceilings[attempt] && top > ceilings[attempt] * 0.99);
  }
  // Huge attempt counts stay bounded and finite.
  assert.ok(backoffDelayMs(1e6, opts, () => 0.5) <= 1000);
  let seed = 1;
  const rnd = (): number => (seed = (seed * 16807) % 2147483647) / 2147483647;
  for (let i = 0; i < 1000; i++) {
    const d = backoffDelayMs(i % 40, DEFAULT_BACKOFF, rnd);
    assert.ok(d >= 25 && d <= 1000, `delay ${d}`);
  }
});

test("backoff rejects bad input", () => {
  assert.throws(() => backoffDelayMs(-1, DEFAULT_BACKOFF, Math.random));
  assert.throws(() => backoffDelayMs(0, { baseMs: 10, maxMs: 5 }, Math.random));
  assert.throws(() => backoffDelayMs(0, DEFAULT_BACKOFF, () => 1));
});

test("queue refuses past its message bound and keeps exact accounting", () => {
  const q = new PeerQueue({ maxMessages: 3, maxBytes: 1000 });
  assert.ok(q.push(new Uint8Array(10)));
  assert.ok(q.push(new Uint8Array(20)));
  assert.ok(q.push(new Uint8Array(30)));
  assert.not.ok(q.push(new Uint8Array(1)));
  assert.is(q.length, 3);
  assert.is(q.bytes, 60);
  const { items, bytes } = q.take(35);
  assert.is(items.length, 2);
  assert.is(bytes, 30);
  assert.is(q.length, 1);
  assert.is(q.bytes, 30);
  assert.ok(q.push(new Uint8Array(5)));
});

test("queue refuses past its byte bound; take() always takes at least one", () => {
  const q = new PeerQueue({ maxMessages: 100, maxBytes: 100 });
  assert.ok(q.push(new Uint8Array(60)));
  assert.not.ok(q.push(new Uint8Array(41)));
  assert.ok(q.push(new Uint8Array(40)));
  assert.is(q.bytes, 100);
  const first = q.take(1);
  assert.is(first.items.length, 1);
  assert.is(first.bytes, 60);
  assert.is(q.clear(), 1);
  assert.is(q.bytes, 0);
  assert.is(q.take(100).items.length, 0);
});

test("queue keeps FIFO order across many pushes and takes", () => {
  const q = new PeerQueue({ maxMessages: 5000, maxBytes: 1 << 20 });
  let next = 0;
  let expected = 0;
  for (let round = 0; round < 50; round++) {
    for (let i = 0; i < 100; i++) assert.ok(q.push(Uint8Array.of(next++ & 0xff, 0)));
    for (const item of q.take(2 * 70).items) assert.is(item[0], expected++ & 0xff);
  }
  for (const item of q.take(1 << 20).items) assert.is(item[0], expected++ & 0xff);
  assert.is(expected, next);
  assert.is(q.length, 0);
});

test("peer URLs: host, port, IPv6, default port, https; other schemes and paths refused", () => {
  assert.equal(parsePeerUrl("http://127.0.0.1:12380"), { host: "127.0.0.1", port: 12380 });
  assert.equal(parsePeerUrl("http://[::1]:2381"), { host: "::1", port: 2381 });
  assert.equal(parsePeerUrl("http://node1"), { host: "node1", port: 2380 });
  assert.is(formatPeerUrl({ host: "::1", port: 5 }), "http://[::1]:5");
  assert.equal(parsePeerUrl("https://a:1"), { host: "a", port: 1, secure: true });
  assert.throws(() => parsePeerUrl("ftp://a:1"), /http/);
  assert.throws(() => parsePeerUrl("http://a:1/v3"), /path/);
  assert.throws(() => parsePeerUrl("nonsense"), /invalid/);
});

test.run();
