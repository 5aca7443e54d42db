/**
 * What `snapshot status` reports about a snapshot file (src/server/snapshot_file.ts), in etcdctl's four
 * fields. etcd hashes its bolt buckets; ours cannot equal that, so the values are defined here:
 *
 * - hash: CRC-32 (IEEE) over the MVCC and lease tables, in this order — mvcc_revisions (by id),
 *   mvcc_latest (by key), mvcc_meta (by name), lease (by id), lease_keys (by key). Each table adds its
 *   name's UTF-8 bytes, then every row its columns in schema order: an integer as 8 bytes big-endian
 *   (two's complement), a blob or text as a 4-byte big-endian length and its bytes, NULL as 0xffffffff.
 *   Equal contents give equal hashes on any member; Raft and membership tables are left out.
 * - revision: the store's current revision in the copy (mvcc_meta current_rev).
 * - totalKey: the number of rows in those five tables (etcd counts every bucket entry likewise).
 * - totalSize: bytes of the database, without the 32-byte SHA-256 trailer.
 *
 * The database part is extracted to a temp file and opened there, so the snapshot itself is never written.
 * @module
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import type { SqlDatabase, SqlValue } from "../storage/adapter.ts";
import { openDatabase } from "../runtime/sqlite.ts";
import { BACKUP_DATA_TABLES, checkSnapshotFile, extractSnapshotDb } from "./snapshot_file.ts";

/** etcdctl's snapshot.Status, field for field. */
export interface SnapshotStatus {
  hash: number;
  revision: number;
  totalKey: number;
  totalSize: number;
}

interface HashedTable {
  name: string;
  /** Columns in schema order; the first is the (unique) order key used for paging. */
  columns: string[];
}

/** The tables hashed and counted (the backup's data tables), in hashing order. */
const HASHED_TABLES: HashedTable[] = [
  { name: "mvcc_revisions", columns: ["id", "key", "main", "sub", "create_rev", "version", "lease", "value", "tombstone"] },
  { name: "mvcc_latest", columns: ["key", "create_rev", "mod_rev", "version", "lease", "value"] },
  { name: "mvcc_meta", columns: ["name", "value"] },
  { name: "lease", columns: ["id", "ttl_s", "remaining_ms"] },
  { name: "lease_keys", columns: ["key", "lease"] },
];
console.assert(
  HASHED_TABLES.map((t) => t.name).join() === BACKUP_DATA_TABLES.join(),
  "snapshot status hashes exactly the backup's data tables",
);
/** Rows read per query: bounds memory on a large snapshot. */
const PAGE_ROWS = 1_000;
/** Bound on rows hashed per table (far beyond what an 8 GiB file can hold with our row sizes). */
const MAX_ROWS_PER_TABLE = 2 ** 31;
const SQLITE_MAGIC = "SQLite format 3\0";
const SQLITE_HEADER_BYTES = 100;

/**
 * Reads a snapshot file's status. Throws Go-worded errors: `stat <path>: no such file or directory`,
 * `invalid database` for a file that is not a snapshot, and an integrity error for a damaged one.
 */
export function snapshotStatus(path: string): SnapshotStatus {
  statOrThrow(path);
  const check = checkSnapshotFile(path);
  const dir = mkdtempSync(join(tmpdir(), "tsetcd-snapshot-status-"));
  try {
    const dbPath = join(dir, "db");
    extractSnapshotDb(path, check.dbBytes, dbPath);
    if (!isSqlite(dbPath)) throw new Error("invalid database");
    if (!check.hashOk) throw new Error("snapshot file integrity check failed: its SHA-256 trailer does not match");
    const db = openDatabase(dbPath, { durable: false, safeIntegers: true });
    try {
      db.exec("PRAGMA query_only = ON");
      return { ...readTables(db), totalSize: check.dbBytes };
    } finally {
      db.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function statOrThrow(path: string): void {
  try {
    statSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") throw new Error(`stat ${path}: no such file or directory`);
    throw error;
  }
}

/** A SQLite file starts with its magic string; its header alone is 100 bytes. */
function isSqlite(path: string): boolean {
  if (statSync(path).size < SQLITE_HEADER_BYTES) return false;
  const head = Buffer.alloc(SQLITE_MAGIC.length);
  const fd = openSync(path, "r");
  try {
    readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  return head.toString("latin1") === SQLITE_MAGIC;
}

function readTables(db: SqlDatabase): { hash: number; revision: number; totalKey: number } {
  const present = new Set(
    db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all().map((row) => String(row.name)),
  );
  if (!present.has("mvcc_meta")) throw new Error("invalid database: no MVCC tables");
  let hash = 0;
  let totalKey = 0;
  for (const table of HASHED_TABLES) {
    if (!present.has(table.name)) continue; // an older copy without lease tables: nothing to add
    hash = crc32(table.name, hash);
    const counted = hashTable(db, table, hash);
    hash = counted.hash;
    totalKey += counted.rows;
  }
  const current = db.prepare("SELECT value FROM mvcc_meta WHERE name = 'current_rev'").get();
  return { hash, revision: Number(current?.value ?? 0), totalKey };
}

/** Hashes a table's rows page by page in order of its first column. */
function hashTable(db: SqlDatabase, table: HashedTable, startHash: number): { hash: number; rows: number } {
  const order = table.columns[0]!;
  const select = `SELECT ${table.columns.join(", ")} FROM "${table.name}"`;
  const first = db.prepare(`${select} ORDER BY ${order} LIMIT ${PAGE_ROWS}`);
  const after = db.prepare(`${select} WHERE ${order} > ? ORDER BY ${order} LIMIT ${PAGE_ROWS}`);
  let hash = startHash;
  let rows = 0;
  let page = first.all();
  while (page.length > 0) {
    for (const row of page) {
      for (const column of table.columns) hash = crc32(encodeValue(row[column] ?? null), hash);
    }
    rows += page.length;
    if (rows > MAX_ROWS_PER_TABLE) throw new Error(`snapshot status: table ${table.name} has too many rows`);
    if (page.length < PAGE_ROWS) break;
    page = after.all(page[page.length - 1]![order]!);
  }
  return { hash, rows };
}

/** One column value in the hash's canonical form (see the module doc). */
function encodeValue(value: SqlValue): Uint8Array {
  if (value === null) return new Uint8Array([0xff, 0xff, 0xff, 0xff]);
  if (typeof value === "bigint" || typeof value === "number") {
    const out = new Uint8Array(8);
    new DataView(out.buffer).setBigInt64(0, BigInt(value));
    return out;
  }
  const bytes = typeof value === "string" ? new TextEncoder().encode(value) : value;
  const out = new Uint8Array(4 + bytes.byteLength);
  new DataView(out.buffer).setUint32(0, bytes.byteLength);
  out.set(bytes, 4);
  return out;
}
