/**
 * The lessor's tables, in the member's state database (so they are written in the same SQLite transaction
 * as the MVCC rows and the applied index):
 * - `lease`: one row per live lease: its id, granted TTL in seconds, and the remaining TTL the leader last
 *   checkpointed through Raft (NULL until the first checkpoint). A new leader restores expiries from it.
 * - `lease_keys`: which lease each leased key is attached to (one lease per key, as in etcd), with an
 *   index by lease for revoke and time-to-live `--keys`.
 *
 * Ids are signed 64-bit integers (etcd's int64 lease id). They are bound as bigint and read back as text,
 * so they survive exactly whether or not the connection returns bigints.
 *
 * This module only moves rows; the rules (TTL bounds, expiry, checkpoints) live in src/lease.
 * @module
 */
import type { SqlDatabase, SqlRow } from "./adapter.ts";

/** A stored lease. */
export interface StoredLease {
  id: bigint;
  ttlS: number;
  /** Remaining TTL at the last checkpoint; undefined when never checkpointed. */
  remainingMs: number | undefined;
}

const MIN_ID = -(1n << 63n);
const MAX_ID = (1n << 63n) - 1n;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS lease (
  id INTEGER PRIMARY KEY NOT NULL,
  ttl_s INTEGER NOT NULL,
  remaining_ms INTEGER
);
CREATE TABLE IF NOT EXISTS lease_keys (
  key BLOB PRIMARY KEY NOT NULL,
  lease INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS lease_keys_by_lease ON lease_keys (lease, key);
`;

function checkId(id: bigint): bigint {
  if (id < MIN_ID || id > MAX_ID) throw new Error(`lease id ${id} does not fit in int64`);
  return id;
}

function leaseOf(row: SqlRow): StoredLease {
  const remaining = row.remaining_ms;
  return {
    id: BigInt(row.id as string),
    ttlS: Number(row.ttl_s),
    remainingMs: remaining === null || remaining === undefined ? undefined : Number(remaining),
  };
}

/** Bytes from a BLOB column (bun returns Uint8Array or Buffer; copy to a plain Uint8Array). */
function bytesOf(value: unknown): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new Error("lease_keys.key is not a blob");
  return new Uint8Array(value);
}

/** Reads and writes the lease tables of one database. Creates them on construction (idempotent). */
export class LeaseQueries {
  readonly #db: SqlDatabase;

  constructor(db: SqlDatabase) {
    this.#db = db;
    db.exec(SCHEMA);
  }

  /** The lease with `id`, or undefined. */
  get(id: bigint): StoredLease | undefined {
    const row = this.#db.prepare(
      "SELECT CAST(id AS TEXT) AS id, ttl_s, remaining_ms FROM lease WHERE id = ?",
    ).get(checkId(id));
    return row === undefined ? undefined : leaseOf(row);
  }

  /** Every lease, by id. */
  all(): StoredLease[] {
    return this.#db.prepare("SELECT CAST(id AS TEXT) AS id, ttl_s, remaining_ms FROM lease ORDER BY id").all()
      .map(leaseOf);
  }

  /** Number of leases. */
  count(): number {
    return Number(this.#db.prepare("SELECT COUNT(*) AS n FROM lease").get()!.n);
  }

  /** Adds a lease; the caller has checked that the id is free. */
  insert(id: bigint, ttlS: number): void {
    this.#db.prepare("INSERT INTO lease (id, ttl_s, remaining_ms) VALUES (?, ?, NULL)").run(checkId(id), ttlS);
  }

  /** Removes a lease and every attachment to it. */
  delete(id: bigint): void {
    this.#db.prepare("DELETE FROM lease_keys WHERE lease = ?").run(checkId(id));
    this.#db.prepare("DELETE FROM lease WHERE id = ?").run(id);
  }

  /** Records a checkpointed remaining TTL; false when the lease does not exist. */
  setRemaining(id: bigint, remainingMs: number): boolean {
    return this.#db.prepare("UPDATE lease SET remaining_ms = ? WHERE id = ?").run(remainingMs, checkId(id))
      .changes === 1;
  }

  /** The lease `key` is attached to, or undefined. */
  leaseOfKey(key: Uint8Array): bigint | undefined {
    const row = this.#db.prepare("SELECT CAST(lease AS TEXT) AS lease FROM lease_keys WHERE key = ?").get(key);
    return row === undefined ? undefined : BigInt(row.lease as string);
  }

  /** Attaches `key` to `id`, replacing any earlier attachment of the key. */
  attach(key: Uint8Array, id: bigint): void {
    this.#db.prepare("INSERT OR REPLACE INTO lease_keys (key, lease) VALUES (?, ?)").run(key, checkId(id));
  }

  /** Detaches `key` from whatever lease holds it. */
  detach(key: Uint8Array): void {
    this.#db.prepare("DELETE FROM lease_keys WHERE key = ?").run(key);
  }

  /** The keys attached to `id`, in byte order (so every member deletes them in the same order). */
  keysOf(id: bigint): Uint8Array[] {
    return this.#db.prepare("SELECT key FROM lease_keys WHERE lease = ? ORDER BY key").all(checkId(id))
      .map((row) => bytesOf(row.key));
  }
}
