/**
 * The storage adapter's contract, exercised the same way on any adapter and runtime: `runContract(open)`
 * returns what each check observed, as JSON-safe text, so test/deno/sqlite_node_test.ts can require the
 * answers of bun:sqlite on Bun, node:sqlite on Bun and node:sqlite on Deno to be equal. Run directly (as
 * Deno does), it prints the node:sqlite adapter's answers as one JSON line.
 * @module
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { OpenOptions, SqlDatabase, SqlValue } from "../../src/storage/adapter.ts";

/** How a value looks in the report: its type and its text (bigints and blobs kept distinguishable). */
function show(value: SqlValue | undefined): string {
  if (value === undefined) return "undefined";
  if (value === null) return "null";
  if (value instanceof Uint8Array) return `blob[${Array.from(value).join(",")}]`;
  return `${typeof value}:${String(value)}`;
}

/** Runs every check on databases from `open` and returns name → observed. */
export function runContract(open: (path: string, options: OpenOptions) => SqlDatabase): Record<string, string> {
  const out: Record<string, string> = {};
  const safe = open(":memory:", { durable: false, safeIntegers: true });
  safe.exec("CREATE TABLE t (k BLOB PRIMARY KEY, id INTEGER, loose)");
  const insert = safe.prepare("INSERT INTO t (k, id, loose) VALUES (?, ?, ?)");
  safe.transaction(() => {
    insert.run(new Uint8Array([1, 2]), -0x7fff_ffff_ffff_fff0n, 5);
    insert.run(new Uint8Array([3]), 7n, 2.5);
  });
  const row = safe.prepare("SELECT k, id, loose, typeof(loose) AS ty FROM t WHERE k = ?").get(new Uint8Array([1, 2]))!;
  out.safeRow = [row.k, row.id, row.loose, row.ty].map((v) => show(v)).join(" ");
  out.safeCount = show(safe.prepare("SELECT count(*) AS n FROM t").get()?.n);
  out.realStaysReal = show(safe.prepare("SELECT loose FROM t WHERE id = 7").get()?.loose);
  safe.close();

  const db = open(":memory:", { durable: false });
  out.bindTypes = show(db.prepare("SELECT typeof(?) || ',' || typeof(?) || ',' || typeof(?) || ',' || typeof(?) AS t")
    .get(5, 5.5, 2 ** 40, "x")?.t);
  db.exec("CREATE TABLE n (k INTEGER PRIMARY KEY, v TEXT)");
  const epoch0 = db.changeEpoch!();
  out.changes = show(db.prepare("INSERT INTO n (k, v) VALUES (?, ?), (?, ?)").run(1, "a", 2, "b").changes);
  out.noRow = show(db.prepare("SELECT v FROM n WHERE k = ?").get(99)?.v);
  out.limitParam = db.prepare("SELECT k FROM n ORDER BY k LIMIT ?").all(1).map((r) => show(r.k)).join(",");
  try {
    db.transaction(() => {
      db.prepare("INSERT INTO n (k, v) VALUES (?, ?)").run(3, "c");
      throw new Error("boom");
    });
    out.rollback = "did not throw";
  } catch (error) {
    out.rollback = `${(error as Error).message}, rows ${show(db.prepare("SELECT count(*) AS c FROM n").get()?.c)}`;
  }
  out.epochMoved = String(db.changeEpoch!() > epoch0);
  db.transaction(() => {
    db.prepare("INSERT INTO n (k, v) VALUES (?, ?)").run(10, "outer");
    try {
      db.transaction(() => {
        db.prepare("INSERT INTO n (k, v) VALUES (?, ?)").run(11, "inner");
        throw new Error("inner");
      });
    } catch {
      // the inner part is undone, the outer goes on
    }
    db.transaction(() => db.prepare("INSERT INTO n (k, v) VALUES (?, ?)").run(12, "inner kept"));
  });
  out.nested = db.prepare("SELECT v FROM n WHERE k >= 10 ORDER BY k").all().map((r) => show(r.v)).join(",");
  out.returned = show(db.transaction(() => 42 as SqlValue));
  db.close();

  const dir = mkdtempSync(join(tmpdir(), "tsetcd-sqlite-contract-"));
  try {
    const file = open(join(dir, "d.db"), { durable: true });
    out.pragmas = ["journal_mode", "synchronous", "auto_vacuum", "foreign_keys"]
      .map((p) => `${p}=${show(Object.values(file.prepare(`PRAGMA ${p}`).get() ?? {})[0])}`).join(" ");
    file.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

if (import.meta.main) {
  const { openDatabase } = await import("../../src/storage/sqlite_node.ts");
  console.log(JSON.stringify(runContract(openDatabase)));
}
