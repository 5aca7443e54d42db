// The watch hub's requests and responses, as etcd 3.4 answers them (observed with curl on /v3/watch).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { WatchFilterType } from "../../src/codec/messages.ts";
import { b, brief, Fixture, Recorder } from "../watch/harness.ts";

test("create at now: created with the current revision, then one response per new revision", () => {
  const f = new Fixture();
  f.put("a", "0"); // revision 2
  const r = new Recorder(f.hub);
  r.stream.handle({ create_request: { key: b("a") } });
  assert.equal(r.responses.length, 1);
  assert.equal(r.responses[0]!.created, true);
  assert.equal(r.responses[0]!.watch_id, 0);
  assert.equal(r.responses[0]!.header.revision, 2);
  f.put("a", "1");
  f.put("b", "x");
  f.put("a", "2");
  const events = r.eventResponses();
  assert.equal(events.map((resp) => resp.header.revision), [3, 5]);
  assert.equal(r.events().map(brief), ["PUT a=1@3", "PUT a=2@5"]);
});

test("ids count up from 0; a client-chosen id is kept; a duplicate is refused as etcd does", () => {
  const f = new Fixture();
  const r = new Recorder(f.hub);
  r.stream.handle({ create_request: { key: b("a") } });
  r.stream.handle({ create_request: { key: b("b"), watch_id: 7 } });
  r.stream.handle({ create_request: { key: b("c") } });
  r.stream.handle({ create_request: { key: b("d"), watch_id: 7 } });
  assert.equal(r.responses.map((x) => x.watch_id), [0, 7, 1, -1]);
  const refused = r.responses[3]!;
  assert.equal(refused.created, true);
  assert.equal(refused.canceled, true);
  assert.equal(refused.cancel_reason, "mvcc: duplicate watch ID provided on the WatchStream");
  f.put("b", "1");
  assert.equal(r.events(7).map(brief), ["PUT b=1@2"]);
});

test("prev_kv only when asked; NOPUT and NODELETE filters", () => {
  const f = new Fixture();
  f.put("k", "old");
  const r = new Recorder(f.hub);
  r.stream.handle({ create_request: { key: b("k"), prev_kv: true, watch_id: 1 } });
  r.stream.handle({ create_request: { key: b("k"), watch_id: 2 } });
  r.stream.handle({ create_request: { key: b("k"), filters: [WatchFilterType.NOPUT], watch_id: 3 } });
  r.stream.handle({ create_request: { key: b("k"), filters: [WatchFilterType.NODELETE], watch_id: 4 } });
  f.put("k", "new");
  f.del("k");
  assert.equal(r.events(1).map(brief), ["PUT k=new@3<k=old@2", "DELETE k@4<k=new@3"]);
  assert.equal(r.events(2).map(brief), ["PUT k=new@3", "DELETE k@4"]);
  assert.equal(r.events(3).map(brief), ["DELETE k@4"]);
  assert.equal(r.events(4).map(brief), ["PUT k=new@3"]);
});

test("key, prefix range, from-key and everything", () => {
  const f = new Fixture();
  const r = new Recorder(f.hub);
  r.stream.handle({ create_request: { key: b("a"), watch_id: 1 } });
  r.stream.handle({ create_request: { key: b("a"), range_end: b("b"), watch_id: 2 } });
  r.stream.handle({ create_request: { key: b("b"), range_end: new Uint8Array([0]), watch_id: 3 } });
  r.stream.handle({ create_request: { key: new Uint8Array([0]), range_end: new Uint8Array([0]), watch_id: 4 } });
  for (const key of ["a", "ab", "b", "ba", "0"]) f.put(key, "v");
  const keys = (id: number): string[] => r.events(id).map((e) => new TextDecoder().decode(e.kv.key));
  assert.equal(keys(1), ["a"]);
  assert.equal(keys(2), ["a", "ab"]);
  assert.equal(keys(3), ["b", "ba"]);
  assert.equal(keys(4), ["a", "ab", "b", "ba", "0"]);
});

test("start_revision in the past replays history in one response headed by the current revision", () => {
  const f = new Fixture();
  f.put("a", "1");
  f.put("b", "1");
  f.put("a", "2");
  f.del("a");
  const r = new Recorder(f.hub);
  r.stream.handle({ create_request: { key: b("a"), start_revision: 1 } });
  assert.equal(r.responses.length, 2);
  assert.equal(r.responses[1]!.header.revision, 5);
  assert.equal(r.events().map(brief), ["PUT a=1@2", "PUT a=2@4", "DELETE a@5"]);
  f.put("a", "3");
  assert.equal(r.events().map(brief).at(-1), "PUT a=3@6");
});

test("start_revision in the future: nothing before it", () => {
  const f = new Fixture();
  const r = new Recorder(f.hub);
  r.stream.handle({ create_request: { key: b("a"), start_revision: 4 } });
  for (let i = 0; i < 4; i++) f.put("a", `${i}`); // revisions 2..5
  assert.equal(r.events().map(brief), ["PUT a=2@4", "PUT a=3@5"]);
});

test("a compacted start revision: created, then canceled with compact_revision and no header revision", () => {
  const f = new Fixture();
  for (let i = 0; i < 5; i++) f.put("a", `${i}`);
  f.store.compact(4);
  const r = new Recorder(f.hub);
  r.stream.handle({ create_request: { key: b("a"), start_revision: 3 } });
  assert.equal(r.responses.length, 2);
  assert.equal(r.responses[0]!.created, true);
  const cancel = r.responses[1]!;
  assert.equal([cancel.canceled, cancel.compact_revision, cancel.header.revision], [true, 4, 0]);
  // At exactly the compacted revision the watch starts (etcd too).
  const r2 = new Recorder(f.hub);
  r2.stream.handle({ create_request: { key: b("a"), start_revision: 4 } });
  assert.equal(r2.events().map(brief), ["PUT a=2@4", "PUT a=3@5", "PUT a=4@6"]);
  assert.equal(f.hub.counts().watchers, 1);
});

test("cancel answers canceled; an unknown id is ignored (etcd 3.4)", () => {
  const f = new Fixture();
  const r = new Recorder(f.hub);
  r.stream.handle({ create_request: { key: b("a") } });
  r.stream.handle({ cancel_request: { watch_id: 0 } });
  r.stream.handle({ cancel_request: { watch_id: 5 } });
  assert.equal(r.responses.length, 2);
  assert.equal([r.responses[1]!.watch_id, r.responses[1]!.canceled], [0, true]);
  f.put("a", "1");
  assert.equal(r.responses.length, 2);
  assert.equal(f.hub.counts().watchers, 0);
});

test("progress request: watch_id -1 at the hub's revision", () => {
  const f = new Fixture();
  f.put("x", "1");
  const r = new Recorder(f.hub);
  r.stream.handle({ create_request: { key: b("a") } });
  r.stream.handle({ progress_request: {} });
  const last = r.responses.at(-1)!;
  assert.equal([last.watch_id, last.header.revision, last.events.length], [-1, 2, 0]);
});

test("progress_notify: a quiet synced watcher is told the revision each interval, a busy one is not", () => {
  const f = new Fixture({ progressIntervalMs: 1_000 });
  const r = new Recorder(f.hub);
  r.stream.handle({ create_request: { key: b("a"), progress_notify: true, watch_id: 1 } });
  r.stream.handle({ create_request: { key: b("b"), progress_notify: true, watch_id: 2 } });
  r.stream.handle({ create_request: { key: b("c"), watch_id: 3 } });
  f.hub.tick(0);
  f.put("a", "1");
  f.hub.tick(500); // too early
  f.hub.tick(1_000);
  const progress = r.responses.filter((x) => !x.created && x.events.length === 0);
  assert.equal(progress.map((x) => [x.watch_id, x.header.revision]), [[2, 2]]);
  f.hub.tick(2_000);
  const again = r.responses.filter((x) => !x.created && x.events.length === 0);
  assert.equal(again.map((x) => x.watch_id), [2, 1, 2]);
});

test("watchers per stream are bounded", () => {
  const f = new Fixture({ maxWatchersPerStream: 2 });
  const r = new Recorder(f.hub);
  for (let i = 0; i < 3; i++) r.stream.handle({ create_request: { key: b("a") } });
  assert.equal(r.responses.map((x) => x.canceled === true), [false, false, true]);
  assert.equal(f.hub.counts().watchers, 2);
});

test("a stream whose control responses overflow fails instead of growing", () => {
  const f = new Fixture({ maxBufferedResponses: 2, maxControlResponses: 2 });
  const r = new Recorder(f.hub);
  r.slow = true;
  for (let i = 0; i < 6; i++) r.stream.handle({ create_request: { key: b("a") } });
  assert.ok(r.failed);
  assert.ok(r.stream.failed);
});

test("a transport that throws fails its stream only; notify goes on for the others", () => {
  const f = new Fixture();
  let failed = false;
  const bad = f.hub.openStream(() => {
    throw new Error("socket gone");
  }, { onFail: () => (failed = true) });
  const good = new Recorder(f.hub);
  good.stream.handle({ create_request: { key: b("a") } });
  bad.handle({ create_request: { key: b("a") } });
  f.put("a", "1");
  assert.ok(failed && bad.failed);
  assert.equal(good.events().map(brief), ["PUT a=1@2"]);
});

test("notify refuses events at or below the notified revision", () => {
  const f = new Fixture();
  f.put("a", "1");
  const old = f.all[0]!;
  assert.throws(() => f.hub.notify([old], 3), /out of order/);
  assert.throws(() => f.hub.notify([], 1), /below/);
});

test("close removes every watcher of the stream", () => {
  const f = new Fixture();
  const r = new Recorder(f.hub);
  r.stream.handle({ create_request: { key: b("a") } });
  r.stream.handle({ create_request: { key: b("a"), range_end: b("z") } });
  r.stream.close();
  f.put("a", "1");
  assert.equal(f.hub.counts(), { watchers: 0, unsynced: 0, streams: 0 });
  assert.equal(r.eventResponses().length, 0);
});

test.run();
