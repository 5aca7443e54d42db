/**
 * An exclusive, advisory OS lock on a file (`flock(2)` with LOCK_EX|LOCK_NB through bun:ffi on the C
 * library). The kernel drops it when the last descriptor of the open file goes away — when the process
 * exits or is killed, before it is even reaped (a zombie holds no files) — so no stale lock outlives its
 * owner, whatever PID the file names. Only this module knows it runs on Bun.
 *
 * flock rather than fcntl: an fcntl lock belongs to the process and is lost when *any* descriptor of the
 * file is closed (a second open in the same process, a library reading it); a flock belongs to this one
 * open file description, so a second open of the same path in the same process is refused like any other.
 * The descriptor is opened close-on-exec, so a spawned child does not inherit (and keep) the lock.
 * @module
 */
import { dlopen, FFIType, read } from "bun:ffi";
import { closeSync, constants, ftruncateSync, openSync, writeSync } from "node:fs";

/** A held lock; `release` drops it (closing the descriptor). Idempotent. */
export interface FileLock {
  release(): void;
}

const LOCK_EX = 2;
const LOCK_NB = 4;
/** EWOULDBLOCK: Linux 11, the BSDs and macOS 35. */
const WOULD_BLOCK = new Set([11, 35]);

interface Libc {
  flock(fd: number, operation: number): number;
  errno(): number;
}

let libc: Libc | undefined;

/**
 * Takes the lock on `path` (created if missing) without waiting: the held lock, or `undefined` when another
 * open file holds it. Writes `contents` into the file once locked (a hint for people, never read back to
 * decide anything). Throws on any other failure.
 */
export function tryLockFile(path: string, contents = ""): FileLock | undefined {
  const c = loadLibc();
  // Created if missing, never truncated before the lock is ours: the holder's contents stay readable.
  const fd = openSync(path, constants.O_RDWR | constants.O_CREAT, 0o644);
  if (c.flock(fd, LOCK_EX | LOCK_NB) !== 0) {
    const errno = c.errno();
    closeSync(fd);
    if (WOULD_BLOCK.has(errno)) return undefined;
    throw new Error(`flock(${path}) failed with errno ${errno}`);
  }
  try {
    ftruncateSync(fd, 0);
    writeSync(fd, contents, 0);
  } catch (err) {
    closeSync(fd);
    throw err;
  }
  let held = true;
  return {
    release(): void {
      if (!held) return;
      held = false;
      closeSync(fd);
    },
  };
}

/** The C library's names, tried in order (bounded): glibc, then a generic name (musl, BSD), macOS. */
function libcCandidates(): string[] {
  if (process.platform === "darwin") return ["libc.dylib", "/usr/lib/libSystem.B.dylib"];
  return ["libc.so.6", "libc.so"];
}

function loadLibc(): Libc {
  if (libc !== undefined) return libc;
  const errnoSymbol = process.platform === "darwin" || process.platform.endsWith("bsd") ? "__error" : "__errno_location";
  const failures: string[] = [];
  for (const name of libcCandidates()) {
    try {
      const lib = dlopen(name, {
        flock: { args: [FFIType.i32, FFIType.i32], returns: FFIType.i32 },
        [errnoSymbol]: { args: [], returns: FFIType.ptr },
      });
      const errnoAt = lib.symbols[errnoSymbol] as () => number | null;
      libc = {
        flock: (fd, operation) => lib.symbols.flock(fd, operation) as number,
        errno: () => {
          const at = errnoAt();
          return at === null ? -1 : read.i32(at as never, 0);
        },
      };
      return libc;
    } catch (err) {
      failures.push(`${name}: ${(err as Error).message}`);
    }
  }
  throw new Error(`cannot lock files on this platform (no C library with flock: ${failures.join("; ")})`);
}
