/**
 * Streamed ranges at the store: the same answer as `range` for every rule (limit, count, more, filters,
 * keys_only, past revisions, spans), pages bounded by the page size, and one consistent snapshot while
 * the store writes and compacts between pages.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KeyValue, RangeRequest, RangeResponse } from "../../src/codec/messages.ts";
import { SortOrder, SortTarget } from "../../src/codec/messages.ts";
import { isStreamedRange, MvccStore, type RangeStreamSettings, type StreamedRange } from "../../src/mvcc/mod.ts";
import { RangeSnapshots } from "../../src/storage/range_stream.ts";
import { openDatabase } from "../../src/storage/sqlite_bun.ts";
import type { SqlDatabase } from "../../src/storage/adapter.ts";

const enc = new TextEncoder();
const bytes = (s: string): Uint8Array => enc.encode(s);
const ALWAYS: RangeStreamSettings = { minRows: 0, minBytes: 0, pageBytes: 1 };

const dir = mkdtempSync(join(tmpdir(), "tsetcd-range-stream-"));
let n = 0;

function openStore(): { db: SqlDatabase; store: MvccStore; snapshots: RangeSnapshots } {
  const path = join(dir, `state-${n++}.db`);
  const db = openDatabase(path, { durable: false });
  const store = new MvccStore(db);
  return { db, store, snapshots: new RangeSnapshots(path, { maxOpen: 2 }) };
}

/** Puts key k000..k(count-1), each value `value-<i>` padded to `valueBytes`. */
function fill(store: MvccStore, count: number, valueBytes = 16): void {
  for (let i = 0; i < count; i++) {
    const value = `value-${i}-`.padEnd(valueBytes, "x");
    store.put({ key: bytes(`k${String(i).padStart(3, "0")}`), value: bytes(value) });
  }
}

/** Every page of a streamed answer, checking each page's row bound. */
function drain(streamed: StreamedRange, maxPageRows = Infinity): KeyValue[] {
  const out: KeyValue[] = [];
  for (let pages = 0; pages < 100_000; pages++) {
    const page = streamed.nextPage();
    if (page === undefined) break;
    assert.ok(page.length >= 1 && page.length <= maxPageRows, `page of ${page.length} rows, bound ${maxPageRows}`);
    out.push(...page);
  }
  streamed.close();
  return out;
}

function streamedOf(store: MvccStore, snapshots: RangeSnapshots, req: RangeRequest, settings = ALWAYS): StreamedRange {
  const answer = store.rangeStreamed(req, { snapshots, settings });
  assert.ok(isStreamedRange(answer), "expected a streamed answer");
  return answer as StreamedRange;
}

function same(streamed: StreamedRange, rows: KeyValue[], want: RangeResponse): void {
  assert.equal(rows, want.kvs);
  assert.is(streamed.rows, want.kvs.length);
  assert.is(streamed.more, want.more);
  assert.is(streamed.count, want.count);
  assert.is(streamed.header.revision, want.header.revision);
}

test.after(() => rmSync(dir, { recursive: true, force: true }));

test("a streamed range answers as range does: spans, limit, more, count, filters, keys_only, past revisions", () => {
  const { db, store, snapshots } = openStore();
  fill(store, 40);
  store.deleteRange({ key: bytes("k010"), range_end: bytes("k015") }); // rev 42
  store.put({ key: bytes("k003"), value: bytes("again") }); // rev 43
  const all = bytes("\0");
  const requests: RangeRequest[] = [
    { key: bytes("k"), range_end: bytes("l") },
    { key: bytes("k"), range_end: all },
    { key: bytes("k005"), range_end: bytes("k030"), limit: 7 },
    { key: bytes("k"), range_end: bytes("l"), limit: 35 },
    { key: bytes("k"), range_end: bytes("l"), limit: 100 },
    { key: bytes("k"), range_end: bytes("l"), keys_only: true },
    { key: bytes("k"), range_end: bytes("l"), min_mod_revision: 20, max_mod_revision: 35, limit: 5 },
    { key: bytes("k"), range_end: bytes("l"), min_create_revision: 30 },
    { key: bytes("k"), range_end: bytes("l"), max_create_revision: 2 },
    { key: bytes("k"), range_end: bytes("l"), sort_order: SortOrder.ASCEND, sort_target: SortTarget.KEY, limit: 3 },
    { key: bytes("k"), range_end: bytes("l"), revision: 30 },
    { key: bytes("k"), range_end: bytes("l"), revision: 42, limit: 9 },
    { key: bytes("k"), range_end: bytes("l"), revision: 25, keys_only: true, min_mod_revision: 10 },
    { key: bytes("k"), range_end: bytes("l"), min_mod_revision: 1_000 },
  ];
  for (const req of requests) {
    const want = store.range(req);
    const streamed = streamedOf(store, snapshots, req);
    same(streamed, drain(streamed), want);
    // Under the thresholds the same request is answered in one piece, from the rows read to decide so.
    const small = store.rangeStreamed(req, { snapshots, settings: { minRows: 1_000, minBytes: 1 << 30, pageBytes: 1 } });
    assert.not.ok(isStreamedRange(small));
    assert.equal(small, want);
  }
  assert.is(snapshots.openCount, 0, "every snapshot ended");
  // An empty span has nothing to stream.
  const empty = { key: bytes("x"), range_end: all };
  assert.equal(store.rangeStreamed(empty, { snapshots, settings: ALWAYS }), store.range(empty));
  snapshots.close();
  db.close();
});

test("single keys, counts and sorts other than ascending key are answered in one piece", () => {
  const { db, store, snapshots } = openStore();
  fill(store, 10);
  const span = { key: bytes("k"), range_end: bytes("l") };
  const cases: RangeRequest[] = [
    { key: bytes("k001") },
    { ...span, count_only: true },
    { ...span, sort_order: SortOrder.DESCEND },
    { ...span, sort_target: SortTarget.VALUE },
  ];
  for (const req of cases) {
    const answer = store.rangeStreamed(req, { snapshots, settings: ALWAYS });
    assert.not.ok(isStreamedRange(answer));
    assert.equal(answer, store.range(req));
  }
  // Small ranges under both thresholds keep the one-piece path.
  const small = store.rangeStreamed(span, { snapshots, settings: { minRows: 10, minBytes: 10_000, pageBytes: 1 } });
  assert.not.ok(isStreamedRange(small));
  const many = store.rangeStreamed(span, { snapshots, settings: { minRows: 9, minBytes: 10_000, pageBytes: 1 } });
  assert.ok(isStreamedRange(many), "more rows than minRows streams");
  (many as StreamedRange).close();
  const big = store.rangeStreamed(span, { snapshots, settings: { minRows: 10, minBytes: 100, pageBytes: 1 } });
  assert.ok(isStreamedRange(big), "more bytes than minBytes streams");
  (big as StreamedRange).close();
  snapshots.close();
  db.close();
});

test("pages hold about pageBytes of rows, and the first pass sums the measure of exactly the rows sent", () => {
  const { db, store, snapshots } = openStore();
  fill(store, 50, 1_000);
  const req = { key: bytes("k"), range_end: bytes("l"), limit: 45 };
  // Rows are 4 + 1,000 bytes: 5,000 bytes a page is 4 rows.
  const measure = (kv: KeyValue, valueBytes: number): number => kv.key.length + valueBytes + 1;
  const answer = store.rangeStreamed(req, { snapshots, settings: { minRows: 0, minBytes: 0, pageBytes: 5_000 }, measure });
  assert.ok(isStreamedRange(answer));
  const streamed = answer as StreamedRange;
  const rows = drain(streamed, 4);
  assert.is(rows.length, 45);
  assert.is(streamed.measuredBytes, rows.reduce((sum, kv) => sum + kv.key.length + kv.value.length + 1, 0));
  snapshots.close();
  db.close();
});

test("one snapshot: puts, deletes and a compaction between pages change nothing the stream gives", () => {
  // A past revision too: compaction past it between pages must not take its rows away.
  for (const back of [0, 5]) {
    const { db, store, snapshots } = openStore();
    fill(store, 30, 100);
    const req: RangeRequest = { key: bytes("k"), range_end: bytes("l"), revision: store.currentRevision() - back };
    const want = store.range(req);
    const streamed = streamedOf(store, snapshots, req, { minRows: 0, minBytes: 0, pageBytes: 250 });
    const rows: KeyValue[] = [];
    for (let pages = 0; pages < 1_000; pages++) {
      const page = streamed.nextPage();
      if (page === undefined) break;
      rows.push(...page);
      // Between pages: overwrite what was read and what is still ahead, delete ahead, add keys, compact.
      db.transaction(() => {
        store.put({ key: bytes("k000"), value: bytes(`new-${pages}`) });
        store.put({ key: bytes("k029"), value: bytes(`new-${pages}`) });
        store.put({ key: bytes(`k0${pages}5a`), value: bytes("added") });
        const ahead = String(Math.min(29, 2 * pages + 3)).padStart(3, "0");
        store.deleteRange({ key: bytes(`k${ahead}`) });
        store.compact(store.currentRevision(), { physical: true });
      });
    }
    streamed.close();
    same(streamed, rows, want);
    // And the writes did land: the store now differs from what the stream gave.
    assert.not.equal(store.range({ key: bytes("k"), range_end: bytes("l") }).kvs, want.kvs);
    assert.throws(() => store.range({ ...req, revision: store.currentRevision() - 1 }), /compacted/);
    snapshots.close();
    db.close();
  }
});

test("snapshots are bounded: one past maxOpen is refused with etcd's too many requests, and freed by close", () => {
  const { db, store, snapshots } = openStore();
  fill(store, 5);
  const req = { key: bytes("k"), range_end: bytes("l") };
  const a = streamedOf(store, snapshots, req);
  const b = streamedOf(store, snapshots, req);
  assert.throws(() => store.rangeStreamed(req, { snapshots, settings: ALWAYS }), /too many requests/);
  a.close();
  a.close(); // idempotent
  assert.is(snapshots.openCount, 1);
  const c = streamedOf(store, snapshots, req);
  assert.is(drain(c).length, 5);
  assert.is(drain(b).length, 5);
  assert.is(snapshots.openCount, 0);
  snapshots.close();
  db.close();
});

test("a snapshot that would not match the store (uncommitted writes) is refused, never served stale", () => {
  const { db, store, snapshots } = openStore();
  fill(store, 5);
  db.exec("BEGIN");
  store.put({ key: bytes("k100"), value: bytes("uncommitted") });
  const req = { key: bytes("k"), range_end: bytes("l") };
  assert.throws(() => store.rangeStreamed(req, { snapshots, settings: ALWAYS }), /snapshot is at revision/);
  assert.is(snapshots.openCount, 0);
  // With the commit the caller must make first, the snapshot sees it.
  const answer = store.rangeStreamed(req, { snapshots, settings: ALWAYS, beforeSnapshot: () => db.exec("COMMIT") });
  assert.ok(isStreamedRange(answer));
  assert.is(drain(answer as StreamedRange).length, 6);
  snapshots.close();
  db.close();
});

test.run();
