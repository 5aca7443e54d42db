/**
 * Maintenance.HashKV and Maintenance.Hash over the MVCC tables, as etcd 3.4's `HashByRev` defines them.
 *
 * etcd hashes, with CRC-32C, the bucket name "key" and then every (revision key, KeyValue) pair of its key
 * bucket in revision order whose revision is ≤ rev, except that a revision at or below the compacted one
 * counts only when the key index would keep it at rev (the key's newest revision ≤ rev, not a deletion) —
 * unless that keep set is empty (no key is live at rev), in which case every stored one counts. After
 * compaction etcd's bucket holds, at or below the compacted revision, exactly each key's newest revision if it
 * is not a deletion; the SQL below selects the same rows whether or not our physical compaction has caught up.
 *
 * Hash (etcd: a checksum of the whole bbolt file, including its member, lease, auth and meta buckets, which
 * tsetcd does not hold in that form) is defined here as the same checksum over the whole key bucket: every
 * revision compaction keeps, with no keep filter. Equal on members with the same history, not equal to etcd's.
 *
 * Rows are read in steps of `stepRows`, yielding to the event loop between steps, so a large store does not
 * stall the member; writes in between only add revisions above `rev`, and a compaction in between restarts
 * the walk (at most MAX_ATTEMPTS times).
 * @module
 */
import { crc32cUpdate } from "../mvcc/hash_crc32c.ts";
import { type HashRow, keyValueBytes, revisionBytes } from "../mvcc/hash_record.ts";
import type { SqlDatabase, SqlRow, SqlStatement, SqlValue } from "./adapter.ts";

/** What a hash walk is done over: the store's revisions now. */
export interface StoreRevisions {
  current: number;
  /** -1 when never compacted, as etcd's compactMainRev. */
  compacted: number;
}

/** Result of one hash. */
export interface KvHash {
  hash: number;
  /** The store's current revision when the walk began (etcd's header revision). */
  currentRevision: number;
  compactRevision: number;
}

/** Options of a hash walk. */
export interface HashOptions {
  /** Rows per step between yields (default DEFAULT_STEP_ROWS). */
  stepRows?: number;
  /** Called between steps; default a macrotask yield. */
  yieldStep?: () => Promise<void>;
}

/** Rows per step: measured about 10 µs a row (read, encode, checksum), so a step holds the loop ~10 ms. */
export const DEFAULT_STEP_ROWS = 1_024;
/** A walk restarted this many times by compactions gives up. */
const MAX_ATTEMPTS = 3;
/** Upper bound on steps in one walk: far above any store's row count / step size. */
const MAX_STEPS = 1 << 30;
const BUCKET_NAME = new TextEncoder().encode("key");

const COLUMNS = "r.main, r.sub, r.key, r.create_rev, r.version, CAST(r.lease AS TEXT) AS lease, r.value, r.tombstone";
const AFTER = "(r.main, r.sub) > (?1, ?2)"; // a row value: SQLite seeks the (main, sub) index to it

/**
 * Rows at or below the compacted revision that count: not deletions, and with no newer revision of the key up
 * to ?4 (the compacted revision, or rev when the keep set is not empty).
 */
const KEPT_SQL = `SELECT ${COLUMNS} FROM mvcc_revisions r WHERE ${AFTER} AND r.main <= ?3 AND r.tombstone = 0
  AND NOT EXISTS (SELECT 1 FROM mvcc_revisions n WHERE n.key = r.key AND n.main > r.main AND n.main <= ?4)
  ORDER BY r.main, r.sub LIMIT ?5`;
/** Every row in (compacted, rev]. */
const RECENT_SQL = `SELECT ${COLUMNS} FROM mvcc_revisions r WHERE ${AFTER} AND r.main > ?3 AND r.main <= ?4
  ORDER BY r.main, r.sub LIMIT ?5`;
/** Is some key live at ?1 (etcd's keep set not empty)? */
const ANY_LIVE_SQL = `SELECT 1 AS live FROM mvcc_revisions r WHERE r.main <= ?1 AND r.tombstone = 0
  AND NOT EXISTS (SELECT 1 FROM mvcc_revisions n WHERE n.key = r.key AND n.main > r.main AND n.main <= ?1) LIMIT 1`;

function num(value: SqlValue | undefined): number {
  if (typeof value === "number") return value;
  if (typeof value === "bigint") return Number(value);
  throw new Error(`hash: expected an integer column, got ${typeof value}`);
}

function bytes(value: SqlValue | undefined): Uint8Array {
  if (value instanceof Uint8Array) return value;
  // SQLite hands back an empty blob as an empty Uint8Array; anything else is a broken row.
  throw new Error(`hash: expected a blob column, got ${typeof value}`);
}

function toHashRow(row: SqlRow): HashRow {
  return {
    main: num(row.main),
    sub: num(row.sub),
    key: bytes(row.key),
    createRevision: num(row.create_rev),
    version: num(row.version),
    lease: BigInt(row.lease as string),
    value: bytes(row.value),
    tombstone: num(row.tombstone) !== 0,
  };
}

function macrotask(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Computes HashKV and Hash over one state database. */
export class KvHasher {
  readonly #kept: SqlStatement;
  readonly #recent: SqlStatement;
  readonly #anyLive: SqlStatement;
  readonly #revisions: () => StoreRevisions;
  readonly #stepRows: number;
  readonly #yield: () => Promise<void>;

  /** `revisions` reads the store's current and compacted revisions as applied on `db`. */
  constructor(db: SqlDatabase, revisions: () => StoreRevisions, options: HashOptions = {}) {
    this.#kept = db.prepare(KEPT_SQL);
    this.#recent = db.prepare(RECENT_SQL);
    this.#anyLive = db.prepare(ANY_LIVE_SQL);
    this.#revisions = revisions;
    this.#stepRows = options.stepRows ?? DEFAULT_STEP_ROWS;
    if (!(Number.isSafeInteger(this.#stepRows) && this.#stepRows >= 1)) throw new Error("hash: stepRows must be ≥ 1");
    this.#yield = options.yieldStep ?? macrotask;
  }

  /**
   * etcd's HashKV: `revision` 0 means the current one; a negative one hashes nothing but the bucket name, as
   * etcd's (it checks only positive ones). Throws a HashRevisionError when revision > 0 is at or below the
   * compacted revision, or above the current one.
   */
  async hashKv(revision: number): Promise<KvHash> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const at = this.#revisions();
      if (revision > 0 && revision <= at.compacted) throw new HashRevisionError("compacted", at);
      if (revision > at.current) throw new HashRevisionError("future", at);
      const rev = revision === 0 ? at.current : revision;
      const keepSome = this.#anyLive.get(rev) !== undefined;
      const hash = await this.#walk(at.compacted, keepSome ? rev : at.compacted, rev);
      if (this.#revisions().compacted === at.compacted) {
        return { hash, currentRevision: at.current, compactRevision: at.compacted };
      }
    }
    throw new Error("hash: the store kept being compacted during the hash");
  }

  /** tsetcd's Hash: the whole key bucket as compaction keeps it (see the module note). */
  async hash(): Promise<KvHash> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const at = this.#revisions();
      const hash = await this.#walk(at.compacted, at.compacted, at.current);
      if (this.#revisions().compacted === at.compacted) {
        return { hash, currentRevision: at.current, compactRevision: at.compacted };
      }
    }
    throw new Error("hash: the store kept being compacted during the hash");
  }

  /** CRC-32C of "key", the kept rows at or below `compacted` (newest up to `keepBound`), then (compacted, rev]. */
  async #walk(compacted: number, keepBound: number, rev: number): Promise<number> {
    let crc = crc32cUpdate(0, BUCKET_NAME);
    let lastMain = -1;
    let lastSub = -1;
    let phase: "kept" | "recent" = "kept";
    for (let step = 0; step < MAX_STEPS; step++) {
      const rows = phase === "kept"
        ? this.#kept.all(lastMain, lastSub, Math.min(compacted, rev), keepBound, this.#stepRows)
        : this.#recent.all(lastMain, lastSub, compacted, rev, this.#stepRows);
      for (const raw of rows) {
        const row = toHashRow(raw);
        // Revision order is the walk's invariant: etcd's bucket is sorted by revision key.
        if (!(row.main > lastMain || (row.main === lastMain && row.sub > lastSub))) {
          throw new Error(`hash: rows out of revision order at ${row.main}_${row.sub}`);
        }
        crc = crc32cUpdate(crc, revisionBytes(row.main, row.sub, row.tombstone));
        crc = crc32cUpdate(crc, keyValueBytes(row));
        lastMain = row.main;
        lastSub = row.sub;
      }
      if (rows.length < this.#stepRows) {
        if (phase === "recent") return crc;
        phase = "recent";
      }
      await this.#yield();
    }
    throw new Error("hash: walk did not end");
  }
}

/** A HashKV revision out of range: compacted away, or not written yet. */
export class HashRevisionError extends Error {
  readonly kind: "compacted" | "future";
  readonly at: StoreRevisions;
  constructor(kind: "compacted" | "future", at: StoreRevisions) {
    super(kind === "compacted" ? "required revision has been compacted" : "required revision is a future revision");
    this.kind = kind;
    this.at = at;
  }
}
