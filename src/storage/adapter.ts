/**
 * The one seam between tsetcd and SQLite. Everything above storage talks to `SqlDatabase`; only
 * `sqlite_bun.ts` knows it runs on bun:sqlite (a node:sqlite / Deno adapter can sit beside it).
 *
 * Statements are synchronous: a transaction that ends with a commit is durable (fsynced) when `commit`
 * returns, when the database was opened with `durable: true`.
 * @module
 */

/** A value SQLite can bind or return. BLOBs are Uint8Array; 64-bit ids go in and out as bigint. */
export type SqlValue = number | bigint | string | Uint8Array | null;

/** A row as returned by `get`/`all`: column name to value. */
export type SqlRow = Record<string, SqlValue>;

/** A prepared statement, reused on the hot path. */
export interface SqlStatement {
  run(...params: SqlValue[]): { changes: number };
  get(...params: SqlValue[]): SqlRow | undefined;
  all(...params: SqlValue[]): SqlRow[];
}

export interface SqlDatabase {
  /** Runs one or more statements without results (schema, pragmas). */
  exec(sql: string): void;
  /** Prepares (and caches) a statement. */
  prepare(sql: string): SqlStatement;
  /** Runs `fn` in one transaction: all of it is committed (and fsynced when durable) or none. */
  transaction<T>(fn: () => T): T;
  close(): void;
  /**
   * A number that changes whenever the contents may have changed other than by prepared statements that
   * stayed committed: after any `exec` (schema, BEGIN/COMMIT/ROLLBACK, bulk copies) and any `transaction`
   * that threw (rolled back). A cache of stored values re-reads when it changed. Optional: without it a
   * cache must not be kept.
   */
  changeEpoch?(): number;
  /**
   * WAL frames written but not yet copied back by a checkpoint (src/storage/wal_checkpointer.ts). Optional:
   * a connection without a checkpoint thread has none to report. A bulk writer (defrag) waits while it is
   * large, so the writer never has to copy a backlog on the event loop.
   */
  walBacklogFrames?(): number;
}

export interface OpenOptions {
  /** fsync on every commit (synchronous=FULL). False only for tests and the simulator. */
  durable: boolean;
  /** Return INTEGER columns as bigint (for 64-bit ids). Default false: numbers. */
  safeIntegers?: boolean;
}
