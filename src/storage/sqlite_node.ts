/**
 * `SqlDatabase` on node:sqlite (`DatabaseSync`), for Deno and Node; `sqlite_bun.ts` is the same contract on
 * bun:sqlite, and src/runtime/sqlite.ts picks one of the two. The pragmas are those of the Bun adapter.
 *
 * Two differences of node:sqlite are evened out here so that callers see what Bun gives them:
 * - node:sqlite binds every JS number as REAL; Bun binds an integral number as INTEGER. Integral numbers
 *   are bound as bigint, so a column without integer affinity (or a `typeof(?)`) sees the same type.
 * - node:sqlite has no transaction helper; `transaction` runs BEGIN/COMMIT, and a nested call a SAVEPOINT,
 *   as Bun's `db.transaction` does.
 *
 * One difference is kept on purpose: reading an integer beyond 2^53 without `safeIntegers` throws a
 * RangeError here, where Bun returns a rounded number. Our tables read 64-bit ids as text or bigint.
 * @module
 */
import { DatabaseSync, type StatementSync } from "node:sqlite";
import type { OpenOptions, SqlDatabase, SqlRow, SqlStatement, SqlValue } from "./adapter.ts";

/** Transactions nested deeper than this are a bug in the caller (Bun's helper has no bound; we do). */
const MAX_TRANSACTION_DEPTH = 64;
const INT64_MIN = -(2 ** 63);
const INT64_MAX = 2 ** 63;

/** A parameter as Bun would bind it: an integral number as an INTEGER, everything else as it is. */
function bindable(value: SqlValue): SqlValue {
  if (typeof value === "number" && Number.isInteger(value) && value >= INT64_MIN && value < INT64_MAX) {
    return BigInt(value);
  }
  return value;
}

function bindAll(params: SqlValue[]): SqlValue[] {
  let converted: SqlValue[] | undefined;
  for (let i = 0; i < params.length; i++) {
    const value = bindable(params[i]!);
    if (value === params[i]) continue;
    converted ??= params.slice();
    converted[i] = value;
  }
  return converted ?? params;
}

function wrapStatement(raw: StatementSync, safeIntegers: boolean): SqlStatement {
  if (safeIntegers) raw.setReadBigInts(true);
  return {
    run: (...params: SqlValue[]) => ({ changes: Number(raw.run(...(bindAll(params) as never[])).changes) }),
    get: (...params: SqlValue[]) => raw.get(...(bindAll(params) as never[])) as SqlRow | undefined,
    all: (...params: SqlValue[]) => raw.all(...(bindAll(params) as never[])) as SqlRow[],
  };
}

/** Opens (creating if needed) a database file, or ":memory:". */
export function openDatabase(path: string, options: OpenOptions): SqlDatabase {
  const db = new DatabaseSync(path);
  const safeIntegers = options.safeIntegers ?? false;
  // As in sqlite_bun.ts: incremental auto-vacuum on a new file only (an existing one would need the lock).
  const pages = db.prepare("PRAGMA page_count").get() as { page_count: number } | undefined;
  if (pages?.page_count === 0) db.exec("PRAGMA auto_vacuum = INCREMENTAL");
  db.exec("PRAGMA journal_mode = WAL");
  db.exec(`PRAGMA synchronous = ${options.durable ? "FULL" : "OFF"}`);
  db.exec("PRAGMA foreign_keys = OFF");
  const cache = new Map<string, SqlStatement>();
  let epoch = 0;
  let depth = 0;

  /** BEGIN … COMMIT, or a savepoint inside one; anything thrown, the commit's failure too, rolls back. */
  function runTransaction<T>(fn: () => T): T {
    if (depth >= MAX_TRANSACTION_DEPTH) throw new Error(`transactions nested deeper than ${MAX_TRANSACTION_DEPTH}`);
    const outer = depth === 0;
    const savepoint = `tsetcd_sp${depth}`;
    db.exec(outer ? "BEGIN" : `SAVEPOINT ${savepoint}`);
    depth++;
    try {
      const result = fn();
      db.exec(outer ? "COMMIT" : `RELEASE ${savepoint}`);
      return result;
    } catch (err) {
      // A failed COMMIT may already have ended the transaction (SQLite rolls back on some errors).
      if (db.isTransaction) db.exec(outer ? "ROLLBACK" : `ROLLBACK TO ${savepoint}; RELEASE ${savepoint}`);
      throw err;
    } finally {
      depth--;
    }
  }

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
        stmt = wrapStatement(db.prepare(sql), safeIntegers);
        cache.set(sql, stmt);
      }
      return stmt;
    },
    transaction<T>(fn: () => T): T {
      try {
        return runTransaction(fn);
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
