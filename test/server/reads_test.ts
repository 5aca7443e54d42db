import { test } from "uvu";
import * as assert from "uvu/assert";
import { Errors } from "../../src/codec/errors.ts";
import { ReadIndexQueue } from "../../src/server/reads.ts";

function settled(promise: Promise<void>): { state: string } {
  const box = { state: "pending" };
  promise.then(() => (box.state = "served"), (err: Error) => (box.state = err.message));
  return box;
}

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

test("one ReadIndex per batch; served once applied reaches the read index", async () => {
  const q = new ReadIndexQueue({ maxPending: 10, timeoutMs: 1_000 });
  const a = settled(q.wait(0));
  const b = settled(q.wait(0));
  const contexts: Uint8Array[] = [];
  q.send(0, (ctx) => {
    contexts.push(ctx);
    return undefined;
  });
  q.send(0, () => {
    throw new Error("nothing queued: no second request");
  });
  assert.is(contexts.length, 1);
  q.onReadState({ index: 7, requestCtx: new TextEncoder().encode("unknown") });
  q.onReadState({ index: 7, requestCtx: contexts[0]! });
  q.serve(6);
  await tick();
  assert.is(a.state, "pending");
  q.serve(7);
  await tick();
  assert.is(a.state, "served");
  assert.is(b.state, "served");
});

test("a refused batch fails its readers; unanswered readers time out", async () => {
  const q = new ReadIndexQueue({ maxPending: 2, timeoutMs: 100 });
  const refused = settled(q.wait(0));
  q.send(0, () => Errors.noLeader());
  await tick();
  assert.is(refused.state, "etcdserver: no leader");
  const late = settled(q.wait(10));
  q.send(10, () => undefined);
  q.wait(10).catch(() => {});
  assert.throws(() => q.wait(10), /too many requests/);
  q.expire(50);
  await tick();
  assert.is(late.state, "pending");
  q.expire(110);
  await tick();
  assert.is(late.state, "etcdserver: request timed out");
});

test("contexts carry the member's prefix, so two members' requests never share one", () => {
  const contextsOf = (prefix: string): string[] => {
    const q = new ReadIndexQueue({ maxPending: 10, timeoutMs: 1_000, contextPrefix: prefix });
    const seen: string[] = [];
    for (let i = 0; i < 3; i++) {
      q.wait(0).catch(() => {});
      q.send(0, (ctx) => void seen.push(new TextDecoder().decode(ctx)));
    }
    return seen;
  };
  const a = contextsOf("a1:");
  const b = contextsOf("b2:");
  assert.is(new Set([...a, ...b]).size, 6, `${a} / ${b}`);
});

test("an unanswered request is sent again under a fresh context after retryMs; the old answer is ignored", async () => {
  const q = new ReadIndexQueue({ maxPending: 10, timeoutMs: 5_000, contextPrefix: "m:", retryMs: 500 });
  const reader = settled(q.wait(0));
  const contexts: Uint8Array[] = [];
  const request = (ctx: Uint8Array): undefined => void contexts.push(ctx);
  q.send(0, request);
  q.resendStale(499, request);
  assert.is(contexts.length, 1, "not stale yet");
  q.resendStale(500, request);
  assert.is(contexts.length, 2, "resent");
  assert.is.not(new TextDecoder().decode(contexts[1]!), new TextDecoder().decode(contexts[0]!));
  q.resendStale(600, request);
  assert.is(contexts.length, 2, "the retry has its own clock");
  q.onReadState({ index: 3, requestCtx: contexts[0]! });
  q.serve(10);
  await tick();
  assert.is(reader.state, "pending", "the superseded context is forgotten");
  q.onReadState({ index: 3, requestCtx: contexts[1]! });
  q.serve(10);
  await tick();
  assert.is(reader.state, "served");
});

test("a resent request still times out at the reader's deadline", async () => {
  const q = new ReadIndexQueue({ maxPending: 10, timeoutMs: 1_000, retryMs: 100 });
  const reader = settled(q.wait(0));
  const request = (): undefined => undefined;
  q.send(0, request);
  for (let t = 100; t < 1_000; t += 100) {
    q.resendStale(t, request);
    q.expire(t);
  }
  await tick();
  assert.is(reader.state, "pending");
  q.expire(1_000);
  await tick();
  assert.is(reader.state, "etcdserver: request timed out");
});

test.run();
