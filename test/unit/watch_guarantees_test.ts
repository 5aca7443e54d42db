// etcd's watch guarantees, each with a test: ordered, unique, atomic, reliable, resumable, bookmarkable.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Event, WatchResponse } from "../../src/codec/messages.ts";
import { b, brief, Fixture, Recorder } from "../watch/harness.ts";

function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** A seeded write: put, txn of several puts (one revision), or a range delete. */
function randomWrite(f: Fixture, random: () => number, i: number): void {
  const key = (): string => `k${Math.floor(random() * 20)}`;
  const roll = random();
  if (roll < 0.6) f.put(key(), `v${i}`);
  else if (roll < 0.85) f.putMany([[`${key()}a`, `t${i}`], [`${key()}b`, `t${i}`], [`${key()}c`, `t${i}`]]);
  else f.del("k1", "k2"); // may delete nothing: then no revision
}

function inPrefix(events: Event[], prefix: string): Event[] {
  const p = b(prefix);
  return events.filter((e) => p.every((byte, i) => e.kv.key[i] === byte));
}

/** The events as a watcher without prev_kv sees them. */
function plain(events: Event[]): string[] {
  return events.map((e) => brief({ type: e.type, kv: e.kv }));
}

/** Every revision's events lie in exactly one response (the atomic guarantee). */
function assertAtomic(responses: WatchResponse[]): void {
  const owner = new Map<number, number>();
  responses.forEach((resp, index) => {
    for (const event of resp.events) {
      const rev = event.kv.mod_revision;
      const seen = owner.get(rev);
      assert.ok(seen === undefined || seen === index, `revision ${rev} split across responses ${seen} and ${index}`);
      owner.set(rev, index);
    }
  });
}

/** Events strictly ordered by (revision, position): no event twice, none out of order. */
function assertOrderedUnique(events: Event[]): void {
  for (let i = 1; i < events.length; i++) {
    assert.ok(events[i]!.kv.mod_revision >= events[i - 1]!.kv.mod_revision, `event ${i} goes back in revision`);
  }
  const texts = events.map(brief);
  assert.is(new Set(texts).size, texts.length, "an event arrived twice");
}

test("atomic: a txn's events stay together, even when catch-up pages cut through the revision", () => {
  const f = new Fixture({ historyRowsPerPage: 2, maxRevisionsPerResponse: 1 });
  f.putMany([["a1", "x"], ["a2", "x"], ["a3", "x"], ["a4", "x"], ["a5", "x"]]);
  f.put("a1", "y");
  f.putMany([["a2", "y"], ["a3", "y"]]);
  const r = new Recorder(f.hub);
  r.stream.handle({ create_request: { key: b("a"), range_end: b("b"), start_revision: 1 } });
  for (let i = 0; i < 20 && f.hub.step(); i++);
  assert.equal(r.events().map(brief), plain(f.all));
  assertAtomic(r.eventResponses());
  assert.equal(r.eventResponses().map((x) => x.events.length), [5, 1, 2]);
  // Synced delivery too: one revision, one response.
  f.putMany([["a7", "z"], ["a8", "z"], ["a9", "z"]]);
  assert.equal(r.eventResponses().at(-1)!.events.length, 3);
});

test("atomic except fragment: an oversized revision is split into fragments only when asked", () => {
  const f = new Fixture({ maxResponseBytes: 300 });
  const r = new Recorder(f.hub);
  r.stream.handle({ create_request: { key: b("f"), range_end: b("g"), fragment: true, watch_id: 1 } });
  r.stream.handle({ create_request: { key: b("f"), range_end: b("g"), watch_id: 2 } });
  const big = "x".repeat(100);
  f.putMany([["f1", big], ["f2", big], ["f3", big], ["f4", big], ["f5", big]]);
  const fragments = r.responses.filter((x) => x.watch_id === 1 && x.events.length > 0);
  assert.ok(fragments.length >= 2, `expected fragments, got ${fragments.length}`);
  assert.equal(fragments.map((x) => x.fragment === true), [...fragments.slice(1).map(() => true), false]);
  assert.equal(r.events(1).map(brief), plain(f.all));
  assert.equal(r.responses.filter((x) => x.watch_id === 2 && x.events.length > 0).length, 1);
});

test("reliable: a slow watcher under thousands of revisions gets every event once, in order", () => {
  let stepWanted = false;
  const f = new Fixture({
    maxBufferedResponses: 8,
    historyRowsPerPage: 50,
    pagesPerStep: 2,
    maxRevisionsPerResponse: 25,
    requestStep: () => (stepWanted = true),
  });
  const slow = new Recorder(f.hub);
  slow.slow = true;
  slow.stream.handle({ create_request: { key: b("k"), range_end: b("l"), prev_kv: true } });
  const fast = new Recorder(f.hub);
  fast.stream.handle({ create_request: { key: b("k1"), range_end: b("k2") } });
  const random = lcg(7);
  const writes = 4_000;
  let fellBehind = 0;
  for (let i = 0; i < writes; i++) {
    randomWrite(f, random, i);
    if (f.hub.counts().unsynced > 0) fellBehind += 1;
    // The slow consumer drains now and then; the server runs a step when asked.
    if (i % 37 === 0) slow.stream.resume();
    if (stepWanted && i % 5 === 0) f.hub.step();
  }
  assert.ok(fellBehind > 100, `the slow watcher should have fallen behind often (${fellBehind})`);
  slow.slow = false;
  for (let i = 0; i < 10_000 && (f.hub.counts().unsynced > 0); i++) {
    slow.stream.resume();
    f.hub.step();
  }
  assert.is(f.hub.counts().unsynced, 0);
  assert.ok(f.store.currentRevision() > 3_000);
  const expected = inPrefix(f.all, "k").map(brief);
  const got = slow.events();
  assertOrderedUnique(got);
  assert.equal(got.map(brief), expected);
  assertAtomic(slow.eventResponses());
  assert.equal(fast.events().map(brief), plain(inPrefix(f.all, "k1")));
  // Bounded: the outbox never held more than its limit plus a response's fragments.
  assert.ok(slow.responses.length > 0);
});

test("resumable: a new stream from the last revision + 1 continues without gap or repeat", () => {
  const f = new Fixture();
  const random = lcg(11);
  const first = new Recorder(f.hub);
  first.stream.handle({ create_request: { key: b("k"), range_end: b("l") } });
  for (let i = 0; i < 300; i++) randomWrite(f, random, i);
  const seen = first.events();
  const lastRev = seen.at(-1)!.kv.mod_revision;
  first.stream.close();
  for (let i = 300; i < 600; i++) randomWrite(f, random, i); // missed while disconnected
  const second = new Recorder(f.hub);
  second.stream.handle({ create_request: { key: b("k"), range_end: b("l"), start_revision: lastRev + 1 } });
  for (let i = 0; i < 100 && f.hub.step(); i++);
  for (let i = 600; i < 700; i++) randomWrite(f, random, i);
  const all = [...seen, ...second.events()];
  assertOrderedUnique(all);
  assert.equal(all.map(brief), plain(inPrefix(f.all, "k")));
});

test("bookmarkable: a progress response waits for catch-up; nothing at or below it arrives later", () => {
  let stepWanted = false;
  const f = new Fixture({ maxBufferedResponses: 4, historyRowsPerPage: 20, requestStep: () => (stepWanted = true) });
  const random = lcg(3);
  for (let i = 0; i < 200; i++) randomWrite(f, random, i);
  const r = new Recorder(f.hub);
  r.slow = true;
  r.stream.handle({ create_request: { key: b("k"), range_end: b("l"), start_revision: 2 } });
  r.stream.handle({ progress_request: {} });
  assert.is(r.responses.filter((x) => x.watch_id === -1).length, 0, "progress before catch-up is a lie");
  for (let i = 200; i < 400; i++) {
    randomWrite(f, random, i);
    if (i % 10 === 0) r.stream.handle({ progress_request: {} });
    if (i % 7 === 0) r.stream.resume();
    if (stepWanted) f.hub.step();
  }
  r.slow = false;
  for (let i = 0; i < 1_000 && f.hub.counts().unsynced > 0; i++) {
    r.stream.resume();
    f.hub.step();
  }
  r.stream.handle({ progress_request: {} });
  let bookmark = 0;
  let progressCount = 0;
  for (const resp of r.responses) {
    if (resp.watch_id === -1) {
      assert.ok(resp.header.revision >= bookmark);
      bookmark = resp.header.revision;
      progressCount += 1;
      continue;
    }
    for (const event of resp.events) {
      assert.ok(event.kv.mod_revision > bookmark, `event at ${event.kv.mod_revision} after bookmark ${bookmark}`);
    }
  }
  assert.ok(progressCount >= 2, `progress responses: ${progressCount}`);
  assert.is(bookmark, f.store.currentRevision());
  assert.equal(r.events().map(brief), plain(inPrefix(f.all, "k")));
});

test("a watcher compacted while catching up is canceled with the compact revision", () => {
  const f = new Fixture({ historyRowsPerPage: 5, pagesPerStep: 1 });
  for (let i = 0; i < 50; i++) f.put("a", `${i}`);
  const r = new Recorder(f.hub);
  r.stream.handle({ create_request: { key: b("a"), start_revision: 2 } });
  assert.ok(f.hub.counts().unsynced === 1);
  f.store.compact(40);
  for (let i = 0; i < 50 && f.hub.step(); i++);
  const last = r.responses.at(-1)!;
  assert.equal([last.canceled, last.compact_revision], [true, 40]);
  assert.is(f.hub.counts().watchers, 0);
});

test("catch-up is fair: with one page per step, every lagging watcher advances", () => {
  const f = new Fixture({ historyRowsPerPage: 10, pagesPerStep: 1 });
  for (let i = 0; i < 200; i++) f.put(`k${i % 3}`, `${i}`);
  const a = new Recorder(f.hub);
  const b2 = new Recorder(f.hub);
  a.stream.handle({ create_request: { key: b("k0"), start_revision: 2 } });
  b2.stream.handle({ create_request: { key: b("k1"), start_revision: 2 } });
  for (let i = 0; i < 6; i++) f.hub.step();
  assert.ok(a.events().length > 3 && b2.events().length > 3, `${a.events().length} / ${b2.events().length}`);
  for (let i = 0; i < 100 && f.hub.step(); i++);
  assert.equal(b2.events().map(brief), plain(inPrefix(f.all, "k1")));
});

test("a store restored from a snapshot: synced watchers catch up across the jump instead of skipping it", () => {
  const f = new Fixture();
  const r = new Recorder(f.hub);
  r.stream.handle({ create_request: { key: b("k"), range_end: b("l") } });
  f.put("k1", "a");
  // Writes the hub is not told about, as when a snapshot replaces the store's state.
  f.store.put({ key: b("k2"), value: b("b") });
  f.store.put({ key: b("k3"), value: b("c") });
  f.hub.restore(f.store.currentRevision());
  for (let i = 0; i < 10 && f.hub.step(); i++);
  f.put("k4", "d");
  assert.equal(r.events().map(brief), ["PUT k1=a@2", "PUT k2=b@3", "PUT k3=c@4", "PUT k4=d@5"]);
});

test.run();
