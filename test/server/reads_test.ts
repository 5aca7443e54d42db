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

test.run();
