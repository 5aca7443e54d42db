/**
 * The storage adapter for this runtime: bun:sqlite on Bun (src/storage/sqlite_bun.ts), node:sqlite elsewhere
 * (src/storage/sqlite_node.ts). Code outside src/storage opens databases through here, so it never names a
 * runtime's SQLite module.
 *
 * Both adapters are imported statically and one is picked at once, with no top-level await: Bun loses the
 * messages posted to a worker while its modules await (the log, snapshot and checkpoint threads import
 * this). That works because sqlite_bun.ts loads bun:sqlite only when it opens a database (Deno refuses
 * a static `bun:` import), and node:sqlite exists on Bun too (imported there, never used).
 * @module
 */
import type { OpenOptions, SqlDatabase } from "../storage/adapter.ts";
import { openDatabase as openOnBun } from "../storage/sqlite_bun.ts";
import { openDatabase as openOnNode } from "../storage/sqlite_node.ts";
import { RUNTIME } from "./mod.ts";

const open = RUNTIME === "bun" ? openOnBun : openOnNode;

/**
 * Opens (creating if needed) a database file, or ":memory:", on this runtime's SQLite.
 * @example const db = openDatabase("/tmp/x.db", { durable: true });
 */
export function openDatabase(path: string, options: OpenOptions): SqlDatabase {
  return open(path, options);
}
