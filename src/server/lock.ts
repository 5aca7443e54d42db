/**
 * The data directory lock: one server per data dir. The lock file holds the owner's PID; a lock left by a
 * process that no longer exists is taken over, a live one is refused with a clear error.
 * @module
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";

/** The lock file's name inside the data dir. */
export const LOCK_FILE = "tsetcd.lock";

/** Bound on take-over attempts (a race with another starting server). */
const MAX_ATTEMPTS = 3;

/** A held lock; `release` removes the file if it is still ours. */
export interface DataDirLock {
  path: string;
  release(): void;
}

/** Takes the lock on `dataDir` (which must exist) for this process, or throws. */
export function lockDataDir(dataDir: string, pid: number = process.pid): DataDirLock {
  const path = join(dataDir, LOCK_FILE);
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    if (tryCreate(path, pid)) return { path, release: () => releaseIfOwned(path, pid) };
    const owner = readOwner(path);
    if (owner !== undefined && owner !== pid && isAlive(owner)) {
      throw new Error(`data dir ${dataDir} is in use by another tsetcd server (pid ${owner}; lock file ${path})`);
    }
    // Stale (dead owner, unreadable, or ourselves from a previous life): remove and retry.
    rmSync(path, { force: true });
  }
  throw new Error(`could not take the lock on data dir ${dataDir} (${path})`);
}

function tryCreate(path: string, pid: number): boolean {
  let fd: number;
  try {
    fd = openSync(path, "wx");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw err;
  }
  try {
    writeSync(fd, `${pid}\n`);
  } finally {
    closeSync(fd);
  }
  return true;
}

function readOwner(path: string): number | undefined {
  try {
    const pid = Number(readFileSync(path, "utf8").trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** True when a process with this PID exists (signal 0 checks without signalling). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

function releaseIfOwned(path: string, pid: number): void {
  if (readOwner(path) === pid) rmSync(path, { force: true });
}
