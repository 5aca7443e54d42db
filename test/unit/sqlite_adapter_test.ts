import { test } from "uvu";
import * as assert from "uvu/assert";
import { openDatabase } from "../../src/storage/sqlite_bun.ts";

test("sqlite adapter round-trips blobs, bigints and transactions", () => {
  const db = openDatabase(":memory:", { durable: false, safeIntegers: true });
  db.exec("CREATE TABLE t (k BLOB PRIMARY KEY, id INTEGER)");
  const insert = db.prepare("INSERT INTO t (k, id) VALUES (?, ?)");
  const big = -0x7fff_ffff_ffff_fff0n;
  db.transaction(() => {
    insert.run(new Uint8Array([1, 2]), big);
    insert.run(new Uint8Array([3]), 7n);
  });
  const row = db.prepare("SELECT k, id FROM t WHERE k = ?").get(new Uint8Array([1, 2]));
  assert.ok(row !== undefined);
  assert.equal(Array.from(row.k as Uint8Array), [1, 2]);
  assert.is(row.id, big);
  assert.is(db.prepare("SELECT count(*) AS n FROM t").get()?.n, 2n);
  db.close();
});

test("a transaction that throws leaves nothing behind", () => {
  const db = openDatabase(":memory:", { durable: false });
  db.exec("CREATE TABLE t (k INTEGER PRIMARY KEY)");
  assert.throws(() =>
    db.transaction(() => {
      db.prepare("INSERT INTO t (k) VALUES (?)").run(1);
      throw new Error("boom");
    })
  );
  assert.is(db.prepare("SELECT count(*) AS n FROM t").get()?.n, 0);
  db.close();
});

test.run();
