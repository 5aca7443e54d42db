/**
 * The backup file `snapshot save` writes and `snapshot status` / `snapshot restore` read: a SQLite copy of a
 * member's state database followed by the SHA-256 of that copy (32 bytes), as etcd appends a SHA-256 to its
 * bolt snapshot so restore can tell a complete file from a truncated or damaged one.
 * @module
 */
import { createHash } from "node:crypto";
import { closeSync, copyFileSync, openSync, readSync, statSync, truncateSync } from "node:fs";

/**
 * The tables a backup carries as data: the MVCC store and the leases. Every other table of the copy belongs
 * to the member it came from (its Raft state, applied index, membership): status ignores them and restore
 * empties them.
 */
export const BACKUP_DATA_TABLES = ["mvcc_revisions", "mvcc_latest", "mvcc_meta", "lease", "lease_keys"] as const;

/** Bytes of the SHA-256 trailer. */
export const SNAPSHOT_HASH_BYTES = 32;
/** Read size when hashing a file. */
const CHUNK_BYTES = 1024 * 1024;
/** Bound on a snapshot file this module reads (the server bounds snapshots at 1 GiB too). */
export const MAX_SNAPSHOT_FILE_BYTES = 8 * 1024 * 1024 * 1024;

/** What a snapshot file holds: the database's length, and whether the trailer matches it. */
export interface SnapshotFileCheck {
  /** Bytes of the SQLite database before the trailer. */
  dbBytes: number;
  /** The trailer is the SHA-256 of those bytes. */
  hashOk: boolean;
}

/** Reads a snapshot file once and checks its trailer. Throws Go-like messages for a missing or tiny file. */
export function checkSnapshotFile(path: string): SnapshotFileCheck {
  const sizeBytes = statSync(path).size;
  if (sizeBytes > MAX_SNAPSHOT_FILE_BYTES) throw new Error(`snapshot file ${path} is larger than ${MAX_SNAPSHOT_FILE_BYTES} bytes`);
  if (sizeBytes < SNAPSHOT_HASH_BYTES) return { dbBytes: sizeBytes, hashOk: false };
  const dbBytes = sizeBytes - SNAPSHOT_HASH_BYTES;
  const fd = openSync(path, "r");
  try {
    const hash = createHash("sha256");
    const buffer = new Uint8Array(Math.min(CHUNK_BYTES, Math.max(dbBytes, 1)));
    for (let offset = 0; offset < dbBytes;) {
      const want = Math.min(buffer.byteLength, dbBytes - offset);
      const got = readSync(fd, buffer, 0, want, offset);
      if (got <= 0) throw new Error(`snapshot file ${path} shrank while being read`);
      hash.update(buffer.subarray(0, got));
      offset += got;
    }
    const trailer = new Uint8Array(SNAPSHOT_HASH_BYTES);
    readSync(fd, trailer, 0, SNAPSHOT_HASH_BYTES, dbBytes);
    return { dbBytes, hashOk: Buffer.from(hash.digest()).equals(trailer) };
  } finally {
    closeSync(fd);
  }
}

/** Writes the database part of a snapshot file (without its trailer) to `outPath`. */
export function extractSnapshotDb(path: string, dbBytes: number, outPath: string): void {
  copyFileSync(path, outPath);
  truncateSync(outPath, dbBytes);
}
