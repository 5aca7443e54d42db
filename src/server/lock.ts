/**
 * The data directory lock: one server per data dir. An OS lock on `tsetcd.lock` (src/storage/file_lock.ts),
 * which the kernel drops when its holder dies — even while the dead process is a zombie not yet reaped —
 * so a crashed member restarts at once. The file's text (the holder's PID) is only shown in the refusal:
 * a file naming a live process, left by a crash or by an older release's PID-file lock, blocks nothing.
 *
 * The file is never removed: a server that opened it just before the removal would lock the unlinked file
 * while the next one creates and locks a fresh one, and two servers would share the dir.
 * @module
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { tryLockFile } from "../runtime/file_lock.ts";

/** The lock file's name inside the data dir. */
export const LOCK_FILE = "tsetcd.lock";

/** A held lock; `release` drops it (idempotent). */
export interface DataDirLock {
  path: string;
  release(): void;
}

/** Takes the lock on `dataDir` (which must exist) for this process, or throws when another holds it. */
export function lockDataDir(dataDir: string): DataDirLock {
  const path = join(dataDir, LOCK_FILE);
  const held = tryLockFile(path, `${process.pid}\n`);
  if (held === undefined) {
    const owner = readOwner(path);
    const who = owner === undefined ? "" : `pid ${owner}; `;
    throw new Error(`data dir ${dataDir} is in use by another tsetcd server (${who}lock file ${path})`);
  }
  return { path, release: held.release };
}

/** The PID the holder wrote, when the file holds one (it may not yet: the holder writes after locking). */
function readOwner(path: string): number | undefined {
  try {
    const pid = Number(readFileSync(path, "utf8").trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
