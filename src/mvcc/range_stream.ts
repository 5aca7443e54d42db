/**
 * A range answered page by page from one read snapshot, so that the server holds one page of rows however
 * large the answer (issue 12: a 500 MB range without 500 MB of memory).
 *
 * Two passes over the same snapshot. The first reads no value, only lengths: it finds how many rows the
 * answer holds, whether there are `more`, the largest row (which sizes the pages of the second pass) and,
 * when the caller asks, the sum of a size per row (gRPC needs the message's length before its first byte).
 * The second reads the rows with their values, one bounded page per call. etcd's rules are unchanged:
 * `count` is the span's keys before filters and limit, filters drop rows, the limit cuts after them,
 * keys_only empties values. Ranges sorted by anything but ascending key never stream: etcd sorts the rows
 * it fetched with Go's unstable sort, whose order of ties only the in-memory path reproduces.
 * @module
 */
import type { KeyValue, RangeRequest, ResponseHeader } from "../codec/messages.ts";
import { SortOrder, SortTarget } from "../codec/messages.ts";
import type { KeySpan } from "../storage/mvcc_queries.ts";
import type { RangeSnapshot } from "../storage/range_stream.ts";
import type { StreamSpan } from "../storage/range_stream_sql.ts";
import { revisionFilter } from "./range_rules.ts";

/** When a range streams, and how large its pages are. */
export interface RangeStreamSettings {
  /** A range of more rows than this streams. */
  minRows: number;
  /** A range whose keys and values add up to more bytes than this streams. */
  minBytes: number;
  /** Keys and values read per page of the second pass (a page holds at least one row). */
  pageBytes: number;
}

/** Defaults: an answer under 10,000 rows and 4 MiB is built in one piece; pages of about 1 MiB. */
export const DEFAULT_RANGE_STREAM: Readonly<RangeStreamSettings> = {
  minRows: 10_000,
  minBytes: 4 * 1024 * 1024,
  pageBytes: 1024 * 1024,
};

/** A size per row the first pass sums: the row (value empty) and its value's length. */
export type RowMeasure = (kv: KeyValue, valueBytes: number) => number;

/** A range answer whose rows are read from a snapshot as they are sent. */
export interface StreamedRange {
  readonly kind: "streamed";
  header: ResponseHeader;
  readonly count: number;
  readonly more: boolean;
  /** Rows the answer holds: `nextPage` gives exactly these many in all. */
  readonly rows: number;
  /** The sum of the measure over the answer's rows (0 without one). */
  readonly measuredBytes: number;
  /** The next page of rows, values read now; undefined once every row was given. */
  nextPage(): KeyValue[] | undefined;
  /** Ends the snapshot (idempotent); call it however the answer ends. */
  close(): void;
}

/** True for a streamed answer, false for a RangeResponse built in one piece. */
export function isStreamedRange(value: unknown): value is StreamedRange {
  return typeof value === "object" && value !== null && (value as { kind?: unknown }).kind === "streamed";
}

/** Rows per page of the first pass (no values: ~100 bytes each). */
const SIZE_PAGE_ROWS = 1_024;
/** Most rows in a page of the second pass, however small they are. */
const MAX_PAGE_ROWS = 1_024;
/** Bound on pages per pass: far above any keyspace (a page holds at least one row). */
const MAX_PAGES = 1_000_000_000;
const EMPTY = new Uint8Array(0);

/** Whether a request can stream: more than one key, rows wanted, and key order (or no order) asked. */
export function streamable(req: RangeRequest, span: KeySpan): span is StreamSpan {
  if (span.kind === "single" || req.count_only === true) return false;
  const target = req.sort_target ?? SortTarget.KEY;
  const order = req.sort_order ?? SortOrder.NONE;
  return target === SortTarget.KEY && (order === SortOrder.NONE || order === SortOrder.ASCEND);
}

/** What `openStreamedRange` reads. */
export interface StreamPlan {
  span: StreamSpan;
  /** A past revision; undefined: the latest. */
  revision: number | undefined;
  header: ResponseHeader;
  settings: RangeStreamSettings;
  measure?: RowMeasure;
}

/**
 * Runs the first pass on `snapshot` and returns the answer, ready for its second pass. The snapshot is
 * the answer's from now on: `close` ends it.
 */
export function openStreamedRange(snapshot: RangeSnapshot, req: RangeRequest, plan: StreamPlan): StreamedRange {
  const sizes = sizePass(snapshot, req, plan);
  const count = snapshot.count(plan.span, plan.revision);
  const pageRows = Math.max(1, Math.min(MAX_PAGE_ROWS, Math.floor(plan.settings.pageBytes / sizes.maxRowBytes)));
  const keysOnly = req.keys_only === true;
  const keep = revisionFilter(req);
  let sent = 0;
  let after: Uint8Array | undefined;
  let pages = 0;
  return {
    kind: "streamed",
    header: plan.header,
    count,
    more: sizes.more,
    rows: sizes.rows,
    measuredBytes: sizes.measuredBytes,
    nextPage(): KeyValue[] | undefined {
      if (sent === sizes.rows) return undefined;
      // A page whose rows the filters all drop gives nothing: read on, still one page at a time.
      for (; pages < MAX_PAGES; pages++) {
        const page = snapshot.page({ span: plan.span, revision: plan.revision, after, rows: pageRows, values: !keysOnly });
        if (page.length === 0) throw new Error(`range stream: the snapshot ended after ${sent} of ${sizes.rows} rows`);
        after = page[page.length - 1]!.kv.key;
        const out: KeyValue[] = [];
        for (const row of page) {
          if (!keep(row.kv)) continue;
          if (keysOnly) row.kv.value = EMPTY;
          out.push(row.kv);
          sent++;
          if (sent === sizes.rows) break;
        }
        if (out.length > 0) return out;
      }
      throw new Error("range stream: page bound reached");
    },
    close(): void {
      snapshot.close();
    },
  };
}

interface Sizes {
  rows: number;
  more: boolean;
  maxRowBytes: number;
  measuredBytes: number;
}

/** The first pass: lengths only, up to the row after the limit. */
function sizePass(snapshot: RangeSnapshot, req: RangeRequest, plan: StreamPlan): Sizes {
  const limit = req.limit ?? 0;
  const keysOnly = req.keys_only === true;
  const keep = revisionFilter(req);
  const sizes: Sizes = { rows: 0, more: false, maxRowBytes: 1, measuredBytes: 0 };
  let after: Uint8Array | undefined;
  for (let pages = 0; pages < MAX_PAGES; pages++) {
    const page = snapshot.page({ span: plan.span, revision: plan.revision, after, rows: SIZE_PAGE_ROWS, values: false });
    for (const row of page) {
      if (!keep(row.kv)) continue;
      if (limit > 0 && sizes.rows === limit) {
        sizes.more = true;
        return sizes;
      }
      const valueBytes = keysOnly ? 0 : row.valueBytes;
      sizes.rows++;
      sizes.maxRowBytes = Math.max(sizes.maxRowBytes, row.kv.key.length + valueBytes);
      if (plan.measure !== undefined) sizes.measuredBytes += plan.measure(row.kv, valueBytes);
    }
    if (page.length < SIZE_PAGE_ROWS) return sizes;
    after = page[page.length - 1]!.kv.key;
  }
  throw new Error("range stream: page bound reached");
}
