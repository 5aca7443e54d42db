/**
 * Which failures during apply are the storage's (the disk, the file, the process' resources) rather than
 * the entry's. Only these may stop a member: they depend on this machine, so answering them as an entry's
 * error would let members disagree. Everything else an entry does at apply is the same on every member and
 * becomes its error outcome (src/server/member.ts).
 * @module
 */

/**
 * SQLite's primary result codes that mean the storage failed: I/O error, disk full, corruption, a file that
 * is not a database or cannot be opened, out of memory, read-only or locked files, lost locks. Not in it:
 * SQLITE_CONSTRAINT, SQLITE_MISMATCH, SQLITE_TOOBIG, SQLITE_RANGE, SQLITE_ERROR — what a statement does
 * with the entry's values, the same on every member.
 */
const STORAGE_CODES: ReadonlySet<string> = new Set([
  "SQLITE_IOERR",
  "SQLITE_FULL",
  "SQLITE_CORRUPT",
  "SQLITE_NOTADB",
  "SQLITE_CANTOPEN",
  "SQLITE_NOMEM",
  "SQLITE_READONLY",
  "SQLITE_BUSY",
  "SQLITE_LOCKED",
  "SQLITE_PROTOCOL",
  "SQLITE_PERM",
  "SQLITE_NOLFS",
  "SQLITE_AUTH",
  "SQLITE_INTERRUPT",
  "SQLITE_ABORT",
]);

/** Node-style errno codes of file operations (a sync or a copy of the database files). */
const FILE_CODES: ReadonlySet<string> = new Set(["ENOSPC", "EIO", "EDQUOT", "EROFS", "EACCES", "EPERM", "EMFILE"]);

/**
 * The SQLite primary code of an error from the storage adapter (bun:sqlite's SQLiteError carries the
 * extended name, e.g. SQLITE_IOERR_WRITE), or undefined for any other error.
 */
export function sqliteCodeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== "string" || !code.startsWith("SQLITE_")) return undefined;
  const extended = code.indexOf("_", "SQLITE_".length);
  return extended < 0 ? code : code.slice(0, extended);
}

/** True when `error` is a storage failure: the member must stop rather than answer the entry with it. */
export function isStorageFailure(error: unknown): boolean {
  const sqlite = sqliteCodeOf(error);
  if (sqlite !== undefined) return STORAGE_CODES.has(sqlite);
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && FILE_CODES.has(code);
}

/** One line saying what failed, for the message a stopping member prints. */
export function describeStorageFailure(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return `storage failure (${String(code)}): ${String((error as Error)?.message ?? error)}`;
}
