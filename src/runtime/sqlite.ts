/**
 * The storage adapter for this runtime: bun:sqlite on Bun (src/storage/sqlite_bun.ts), node:sqlite elsewhere
 * (src/storage/sqlite_node.ts). Code outside src/storage opens databases through here, so it never names a
 * runtime's SQLite module. The adapter is imported dynamically: a static `import "bun:sqlite"` would stop
 * Deno from loading the module graph at all, and Bun need not load node:sqlite.
 * @module
 */
import type { OpenOptions, SqlDatabase } from "../storage/adapter.ts";
import { RUNTIME } from "./mod.ts";

const adapter: { openDatabase(path: string, options: OpenOptions): SqlDatabase } = RUNTIME === "bun"
  ? await import("../storage/sqlite_bun.ts")
  : await import("../storage/sqlite_node.ts");

/**
 * Opens (creating if needed) a database file, or ":memory:", on this runtime's SQLite.
 * @example const db = openDatabase("/tmp/x.db", { durable: true });
 */
export function openDatabase(path: string, options: OpenOptions): SqlDatabase {
  return adapter.openDatabase(path, options);
}
