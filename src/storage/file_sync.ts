/**
 * fdatasync of files on the runtime's I/O threads (node:fs/promises), so the event loop goes on meanwhile.
 * Used to make the state database durable before the Raft log is compacted: with the state in WAL mode and
 * synchronous=NORMAL, every checkpoint syncs what it copies before the WAL may be rewritten, so syncing the
 * WAL file (then the main file) makes every commit made before the call durable.
 * @module
 */
import { open } from "node:fs/promises";

/** fdatasync each file in order; a file that does not exist (no WAL yet) is skipped. */
export async function syncFiles(paths: readonly string[]): Promise<void> {
  for (const path of paths) {
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(path, "r");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") continue;
      throw err;
    }
    try {
      await handle.datasync();
    } finally {
      await handle.close();
    }
  }
}
