/**
 * Read snapshots of the state database for ranges too large to answer in one piece. Each snapshot is a
 * read transaction on a connection of its own: in WAL mode it keeps seeing the database as it was when it
 * began, page after page, while the member's connection goes on writing and compacting. The member's
 * writes never wait for it (readers do not block the WAL writer, and our checkpoints are PASSIVE); what a
 * long snapshot costs is WAL frames that cannot be checkpointed until it ends.
 *
 * A ":memory:" database has no file to open twice: no snapshots there (ranges answer in one piece).
 * @module
 */
import { Errors } from "../codec/errors.ts";
import type { SqlDatabase } from "./adapter.ts";
import { META_COMPACT_REV, META_CURRENT_REV } from "./mvcc_schema.ts";
import { countSpan, type PageRequest, type PageRow, readPage, type StreamSpan } from "./range_stream_sql.ts";
import { openDatabase } from "../runtime/sqlite.ts";

/** Snapshots open at once, by default; one more is refused with "too many requests". */
export const DEFAULT_MAX_OPEN_SNAPSHOTS = 16;
/** Idle reader connections kept for the next snapshot. */
const MAX_IDLE_CONNECTIONS = 4;
/** The reader's page cache: a page of rows at a time goes through it, nothing more is worth keeping. */
const READER_CACHE_KIB = 4096;

/** One consistent view of the state database, until `close`. */
export class RangeSnapshot {
  readonly #db: SqlDatabase;
  readonly #release: (db: SqlDatabase, ok: boolean) => void;
  #closed = false;
  /** The store's current and compacted revisions in this view. */
  readonly currentRevision: number;
  readonly compactedRevision: number;

  constructor(db: SqlDatabase, release: (db: SqlDatabase, ok: boolean) => void) {
    this.#db = db;
    this.#release = release;
    db.exec("BEGIN");
    try {
      // The first read fixes the snapshot: everything after sees the database as of now.
      this.currentRevision = meta(db, META_CURRENT_REV);
      this.compactedRevision = meta(db, META_COMPACT_REV);
    } catch (err) {
      this.#end(false);
      throw err;
    }
  }

  /** One page of rows in key order (see src/storage/range_stream_sql.ts). */
  page(request: PageRequest): PageRow[] {
    if (this.#closed) throw new Error("range stream: page read from a closed snapshot");
    return readPage(this.#db, request);
  }

  /** Live keys of the span in this view, latest or as of `revision`. */
  count(span: StreamSpan, revision: number | undefined): number {
    if (this.#closed) throw new Error("range stream: count read from a closed snapshot");
    return countSpan(this.#db, span, revision);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Ends the read transaction and hands the connection back. Idempotent. */
  close(): void {
    this.#end(true);
  }

  #end(ok: boolean): void {
    if (this.#closed) return;
    this.#closed = true;
    let ended = ok;
    try {
      this.#db.exec("COMMIT");
    } catch {
      ended = false;
    }
    this.#release(this.#db, ended);
  }
}

function meta(db: SqlDatabase, name: string): number {
  const row = db.prepare("SELECT value FROM mvcc_meta WHERE name = ?").get(name);
  if (row === undefined) throw new Error(`range stream: meta row ${name} missing`);
  return Number(row.value);
}

/** Options of a snapshot source. */
export interface RangeSnapshotsOptions {
  /** Snapshots open at once; past it `open` throws etcd's "too many requests". Default 16. */
  maxOpen?: number;
}

/** Opens read snapshots on one database file, reusing a few reader connections. */
export class RangeSnapshots {
  readonly #path: string;
  readonly #maxOpen: number;
  readonly #idle: SqlDatabase[] = [];
  #open = 0;
  #closed = false;

  constructor(path: string, options: RangeSnapshotsOptions = {}) {
    if (path === ":memory:" || path === "") throw new Error("range stream: an in-memory database has no snapshots");
    this.#path = path;
    this.#maxOpen = options.maxOpen ?? DEFAULT_MAX_OPEN_SNAPSHOTS;
    if (!(this.#maxOpen >= 1)) throw new Error(`range stream: maxOpen must be at least 1, got ${this.#maxOpen}`);
  }

  /** Snapshots open now. */
  get openCount(): number {
    return this.#open;
  }

  /** Begins a snapshot of the database as last committed. */
  open(): RangeSnapshot {
    if (this.#closed) throw Errors.stopped();
    if (this.#open >= this.#maxOpen) throw Errors.tooManyRequests();
    const db = this.#idle.pop() ?? this.#connect();
    this.#open++;
    // Should the snapshot fail to begin, it has released the connection itself.
    return new RangeSnapshot(db, (conn, ok) => this.#release(conn, ok));
  }

  /** Closes the idle connections; snapshots still open close theirs when they end. */
  close(): void {
    this.#closed = true;
    for (const db of this.#idle.splice(0)) db.close();
  }

  #connect(): SqlDatabase {
    const db = openDatabase(this.#path, { durable: false });
    db.exec("PRAGMA query_only = 1");
    db.exec(`PRAGMA cache_size = -${READER_CACHE_KIB}`);
    // Only a WAL reset or recovery makes a reader wait; never long.
    db.exec("PRAGMA busy_timeout = 2000");
    return db;
  }

  #release(db: SqlDatabase, ok: boolean): void {
    this.#open--;
    if (!(this.#open >= 0)) throw new Error("range stream: more snapshots closed than opened");
    if (ok && !this.#closed && this.#idle.length < MAX_IDLE_CONNECTIONS) this.#idle.push(db);
    else db.close();
  }
}
