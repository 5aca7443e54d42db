/**
 * The SQL of a streamed range: keyset pages of one key span (latest or as of a revision), either with the
 * values or with only their lengths, and the size probe that decides whether a range streams at all.
 *
 * Pages continue from a key, not an offset: the next page starts at the successor of the last key seen
 * (that key followed by one zero byte, the smallest byte string after it), so every page is one index seek
 * however deep into the span it is, and the same statement serves the first page and the rest.
 * `length(value)` is answered from the record header: SQLite does not read a long value's overflow pages
 * for it, so a sizes-only pass over 500 MB of values reads a few MB.
 * @module
 */
import type { SqlDatabase, SqlRow, SqlValue } from "./adapter.ts";
import type { KeySpan, StoredKv } from "./mvcc_queries.ts";

/** A span a stream can read: every kind but a single key (a single key never streams). */
export type StreamSpan = Exclude<KeySpan, { kind: "single" }>;

/** A stored row as a page gives it: the value itself, or only its length (`value` then empty). */
export interface PageRow {
  kv: StoredKv;
  valueBytes: number;
}

const EMPTY = new Uint8Array(0);

/** The columns of a latest (`l.`) or historical (`r.`) row, with the value or only its length. */
function columns(table: "l" | "r", values: boolean): string {
  const mod = table === "l" ? "l.mod_rev" : "r.main";
  const value = values ? `${table}.value AS value, length(${table}.value) AS value_bytes` : `length(${table}.value) AS value_bytes`;
  return `${table}.key AS key, ${table}.create_rev AS create_rev, ${mod} AS mod_rev, ${table}.version AS version, ` +
    `cast(${table}.lease AS text) AS lease, ${value}`;
}

/**
 * `?1` is the first key, `?2` the span's end when bounded; `?3` the page's rows, bound as `LIMIT (?3 + 0)`:
 * measured in bun:sqlite, a bare `LIMIT ?3` made a 10-row probe cost 27 µs instead of 3.
 */
function spanWhere(span: StreamSpan, column: string): string {
  return span.kind === "bounded" ? `${column} >= ?1 AND ${column} < ?2` : `${column} >= ?1`;
}

function latestPageSql(span: StreamSpan, values: boolean): string {
  return `SELECT ${columns("l", values)} FROM mvcc_latest AS l WHERE ${spanWhere(span, "l.key")} ` +
    `ORDER BY l.key LIMIT (?3 + 0)`;
}

/**
 * As src/storage/mvcc_queries.ts reads a past revision: each distinct key of the span from the (key, main,
 * sub) index, its newest row at or below the revision found by one probe, kept when not a tombstone.
 */
function historyPageSql(span: StreamSpan, values: boolean): string {
  return `SELECT ${columns("r", values)} FROM (SELECT DISTINCT key FROM mvcc_revisions WHERE ${spanWhere(span, "key")}) AS k ` +
    "JOIN mvcc_revisions AS r ON r.id = (SELECT n.id FROM mvcc_revisions AS n WHERE n.key = k.key AND n.main <= ?4 " +
    "ORDER BY n.main DESC, n.sub DESC LIMIT 1) WHERE r.tombstone = 0 ORDER BY k.key LIMIT (?3 + 0)";
}

function toNumber(value: SqlValue | undefined): number {
  if (typeof value === "number") return value;
  if (typeof value === "bigint") return Number(value);
  throw new Error(`range stream: expected an integer column, got ${typeof value}`);
}

function rowOf(row: SqlRow): PageRow {
  const value = row.value;
  if (value !== undefined && !(value instanceof Uint8Array)) throw new Error("range stream: value is not a blob");
  if (!(row.key instanceof Uint8Array)) throw new Error("range stream: key is not a blob");
  return {
    kv: {
      key: row.key,
      create_revision: toNumber(row.create_rev),
      mod_revision: toNumber(row.mod_rev),
      version: toNumber(row.version),
      value: value ?? EMPTY,
      lease: BigInt(row.lease as string),
    },
    valueBytes: toNumber(row.value_bytes),
  };
}

/** Where a page starts and how much it reads. */
export interface PageRequest {
  span: StreamSpan;
  /** Read as of this revision; undefined: the latest table. */
  revision: number | undefined;
  /** The last key the previous page gave; undefined for the first page. */
  after: Uint8Array | undefined;
  rows: number;
  values: boolean;
}

/** The smallest key after `key`: `key` and one zero byte. */
export function successor(key: Uint8Array): Uint8Array {
  const next = new Uint8Array(key.length + 1);
  next.set(key);
  return next;
}

/**
 * Every statement's text, built once: a range that does not stream still pays for the probe, so the probe
 * must cost it no string building (8 shapes: span kind × latest or past × values or lengths).
 */
const TEXTS = new Map<string, string>();

function pageSql(span: StreamSpan, history: boolean, values: boolean): string {
  const name = `${span.kind}/${history}/${values}`;
  let text = TEXTS.get(name);
  if (text === undefined) {
    text = history ? historyPageSql(span, values) : latestPageSql(span, values);
    TEXTS.set(name, text);
  }
  return text;
}

function probeSql(span: StreamSpan, history: boolean): string {
  const name = `probe/${span.kind}/${history}`;
  let text = TEXTS.get(name);
  if (text === undefined) {
    // The latest table's probe names only the two columns it sums: measured 2× faster than the page's six.
    const inner = history
      ? pageSql(span, true, false)
      : `SELECT l.key AS key, length(l.value) AS value_bytes FROM mvcc_latest AS l WHERE ${spanWhere(span, "l.key")} ` +
        "ORDER BY l.key LIMIT (?3 + 0)";
    text = `SELECT count(*) AS n, total(length(p.key) + p.value_bytes) AS b FROM (${inner}) AS p`;
    TEXTS.set(name, text);
  }
  return text;
}

/** Reads one page of the span, in key order. */
export function readPage(db: SqlDatabase, page: PageRequest): PageRow[] {
  if (!(page.rows >= 1)) throw new Error(`range stream: a page reads at least one row, asked ${page.rows}`);
  const history = page.revision !== undefined;
  const sql = pageSql(page.span, history, page.values);
  const from = page.after === undefined ? page.span.key : successor(page.after);
  const params: SqlValue[] = [from, page.span.kind === "bounded" ? page.span.end : null, page.rows];
  if (history) params.push(page.revision!);
  // A "from" span has no ?2 in its text; SQLite still numbers the parameters by their ?N.
  return db.prepare(sql).all(...params).map(rowOf);
}

/** The number of live keys in the span, latest or as of a revision. */
export function countSpan(db: SqlDatabase, span: StreamSpan, revision: number | undefined): number {
  const sql = revision === undefined
    ? `SELECT count(*) AS n FROM mvcc_latest AS l WHERE ${spanWhere(span, "l.key")} AND ?3 IS NULL`
    : `SELECT count(*) AS n FROM (SELECT DISTINCT key FROM mvcc_revisions WHERE ${spanWhere(span, "key")}) AS k ` +
      "JOIN mvcc_revisions AS r ON r.id = (SELECT n.id FROM mvcc_revisions AS n WHERE n.key = k.key AND n.main <= ?3 " +
      "ORDER BY n.main DESC, n.sub DESC LIMIT 1) WHERE r.tombstone = 0";
  const end = span.kind === "bounded" ? span.end : null;
  return toNumber(db.prepare(sql).get(span.key, end, revision ?? null)!.n);
}

/** What the first `capRows` rows of a span hold: how many there are, and their keys' and values' bytes. */
export interface SpanProbe {
  rows: number;
  bytes: number;
}

/**
 * Counts and sizes at most `capRows` rows from the start of the span, reading no value: what decides
 * between answering in one piece and streaming.
 */
export function probeSpan(db: SqlDatabase, span: StreamSpan, revision: number | undefined, capRows: number): SpanProbe {
  const sql = probeSql(span, revision !== undefined);
  const params: SqlValue[] = [span.key, span.kind === "bounded" ? span.end : null, capRows];
  if (revision !== undefined) params.push(revision);
  const row = db.prepare(sql).get(...params)!;
  return { rows: toNumber(row.n), bytes: toNumber(row.b) };
}
