/**
 * The data dir's exclusive lock (see src/storage/file_lock.ts for what it must guarantee) on this runtime:
 * flock through bun:ffi on Bun; on Deno, `Deno.FsFile#tryLockSync`, which is the same flock(LOCK_EX|LOCK_NB)
 * on an open file description Deno opens close-on-exec. Both drop the lock when the process dies.
 * @module
 */
import type { FileLock } from "../storage/file_lock.ts";
import { RUNTIME } from "./mod.ts";

interface DenoFile {
  tryLockSync(exclusive: boolean): boolean;
  truncateSync(length: number): void;
  writeSync(data: Uint8Array): number;
  close(): void;
}

interface DenoFs {
  openSync(path: string, options: { read: boolean; write: boolean; create: boolean }): DenoFile;
}

/** Bound on short writes of the hint text (it is a few dozen bytes). */
const MAX_WRITES = 64;

function tryLockOnDeno(path: string, contents: string): FileLock | undefined {
  const deno = (globalThis as unknown as { Deno: DenoFs }).Deno;
  // Created if missing, never truncated before the lock is ours: the holder's contents stay readable.
  const file = deno.openSync(path, { read: true, write: true, create: true });
  try {
    if (!file.tryLockSync(true)) {
      file.close();
      return undefined;
    }
    file.truncateSync(0);
    const bytes = new TextEncoder().encode(contents);
    for (let offset = 0, writes = 0; offset < bytes.length && writes < MAX_WRITES; writes++) {
      offset += file.writeSync(bytes.subarray(offset));
    }
  } catch (err) {
    file.close();
    throw err;
  }
  let held = true;
  return {
    release(): void {
      if (!held) return;
      held = false;
      file.close();
    },
  };
}

const bunLock = RUNTIME === "bun" ? await import("../storage/file_lock.ts") : undefined;

/**
 * Takes the lock on `path` without waiting: the held lock, or undefined when another open file holds it.
 * @example const lock = tryLockFile(join(dataDir, "LOCK"), `${process.pid}\n`); lock?.release();
 */
export function tryLockFile(path: string, contents = ""): FileLock | undefined {
  return bunLock !== undefined ? bunLock.tryLockFile(path, contents) : tryLockOnDeno(path, contents);
}
