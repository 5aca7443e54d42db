/**
 * `SqlDatabase` on bun:sqlite. WAL journal; synchronous=FULL when durable so a commit is fsynced.
 *
 * bun:sqlite is loaded when the first database is opened, not imported: Deno refuses a module graph that
 * names a `bun:` module at all, and src/runtime/sqlite.ts imports this module on every runtime (picking
 * sqlite_node.ts off Bun). A synchronous require rather than a top-level `await import()`: Bun drops the
 * messages sent to a worker whose modules are still awaiting, and the log and snapshot threads open
 * databases through here.
 * @module
 */
import type { Database as BunDatabase } from "bun:sqlite";
import type { OpenOptions, SqlDatabase, SqlStatement, SqlValue } from "./adapter.ts";

function bunSqlite(): { Database: typeof BunDatabase } {
  return import.meta.require("bun:sqlite") as { Database: typeof BunDatabase };
}

/** Opens (creating if needed) a database file, or ":memory:". */
export function openDatabase(path: string, options: OpenOptions): SqlDatabase {
  const { Database } = bunSqlite();
  const db = new Database(path, { create: true, safeIntegers: options.safeIntegers ?? false });
  // On a new file only, before WAL and any table, or SQLite ignores it: free pages can then be handed back in
  // bounded steps (src/storage/defrag.ts) instead of by a VACUUM that rewrites the whole file at once. On an
  // existing file the pragma would want the write lock (another connection's writes: "database is locked").
  const pages = db.query("PRAGMA page_count").get() as { page_count: number } | null;
  if (pages?.page_count === 0) db.exec("PRAGMA auto_vacuum = INCREMENTAL");
  db.exec("PRAGMA journal_mode = WAL");
  db.exec(`PRAGMA synchronous = ${options.durable ? "FULL" : "OFF"}`);
  db.exec("PRAGMA foreign_keys = OFF");
  const cache = new Map<string, SqlStatement>();
  let epoch = 0;
  return {
    exec(sql: string): void {
      epoch++;
      try {
        db.exec(sql);
      } finally {
        epoch++;
      }
    },
    prepare(sql: string): SqlStatement {
      let stmt = cache.get(sql);
      if (stmt === undefined) {
        const raw = db.prepare(sql);
        stmt = {
          run: (...params: SqlValue[]) => raw.run(...(params as never[])) as { changes: number },
          get: (...params: SqlValue[]) => (raw.get(...(params as never[])) ?? undefined) as never,
          all: (...params: SqlValue[]) => raw.all(...(params as never[])) as never,
        };
        cache.set(sql, stmt);
      }
      return stmt;
    },
    transaction<T>(fn: () => T): T {
      try {
        return db.transaction(fn)();
      } catch (err) {
        epoch++; // rolled back: what was written inside is gone
        throw err;
      }
    },
    changeEpoch(): number {
      return epoch;
    },
    close(): void {
      cache.clear();
      db.close();
    },
  };
}
