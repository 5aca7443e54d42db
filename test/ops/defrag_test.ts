/**
 * Defragmentation: free pages go back to the file system in bounded steps while writes continue, on a bare
 * database and through a running server (Maintenance.Defragment on the gateway, `tsetcd defrag` printing as
 * `etcdctl defrag` against the same server); a database created without auto_vacuum is left as it is.
 */
import { Database } from "bun:sqlite";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { runCliCaptured as tsetcd } from "../helpers/cli.ts";
import { runEtcdctl as etcdctl } from "../helpers/etcd.ts";
import { defragment, nextPagesPerStep } from "../../src/storage/defrag.ts";
import { openDatabase } from "../../src/storage/sqlite_bun.ts";
import { b64, type OpsServer, post, startServer } from "./servers.ts";

const dir = mkdtempSync(join(tmpdir(), "tsetcd-defrag-"));
let server: OpsServer | undefined;

test.after(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function fileBytes(path: string): number {
  return statSync(path).size;
}

test("free pages are handed back in bounded steps, and writes made between steps stay", async () => {
  const path = join(dir, "bare.db");
  const db = openDatabase(path, { durable: false });
  db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, x BLOB)");
  const insert = db.prepare("INSERT INTO t (x) VALUES (?)");
  db.transaction(() => {
    for (let i = 0; i < 8_000; i++) insert.run(new Uint8Array(1_000));
  });
  db.exec("DELETE FROM t WHERE id <= 6000");
  db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  const before = fileBytes(path);
  let between = 0;
  const result = await defragment(db, {
    maxPagesPerStep: 32,
    yieldStep: async () => {
      insert.run(new Uint8Array(10)); // a write between steps, as the member's would be
      between++;
    },
  });
  db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  const after = fileBytes(path);
  assert.is(result.mode, "incremental");
  assert.ok(result.freedPages > 1_000, `freed ${result.freedPages} pages`);
  assert.ok(result.steps > 10 && between >= result.steps - 1, `${result.steps} steps, ${between} writes between`);
  assert.ok(after < before / 2, `file ${before} → ${after} bytes`);
  assert.is(Number(db.prepare("SELECT count(*) AS n FROM t").get()!.n), 2_000 + between);
  db.close();
});

test("a step waits while the checkpoint thread is behind on the WAL (a bounded number of times), then goes on", async () => {
  const db = openDatabase(join(dir, "backlog.db"), { durable: false });
  db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, x BLOB)");
  const insert = db.prepare("INSERT INTO t (x) VALUES (?)");
  db.transaction(() => {
    for (let i = 0; i < 2_000; i++) insert.run(new Uint8Array(1_000));
  });
  db.exec("DELETE FROM t");
  const backlogs = [50_000, 9_000, 2_001]; // frames behind on the first three looks, then caught up
  let looks = 0;
  const withBacklog = Object.assign(Object.create(db) as typeof db, { walBacklogFrames: () => backlogs[looks++] ?? 0 });
  const result = await defragment(withBacklog, { maxWalBacklogFrames: 2_000, yieldStep: () => Promise.resolve() });
  assert.is(result.walWaitSteps, 3);
  assert.ok(result.freedPages > 100, `freed ${result.freedPages} pages`);
  assert.is(Number(db.prepare("PRAGMA freelist_count").get()!.freelist_count), 0);
  db.close();
});

test("a step's page count follows its time: halved past the budget, one more under half of it", () => {
  assert.is(nextPagesPerStep(16, 9, 4, 32), 8);
  assert.is(nextPagesPerStep(1, 50, 4, 32), 1);
  assert.is(nextPagesPerStep(16, 1, 4, 32), 17);
  assert.is(nextPagesPerStep(32, 1, 4, 32), 32);
  assert.is(nextPagesPerStep(16, 3, 4, 32), 16);
});

test("a step never waits for a lock another connection holds, never fsyncs, and leaves the settings as found", async () => {
  const path = join(dir, "locked.db");
  const db = openDatabase(path, { durable: true });
  db.exec("PRAGMA busy_timeout = 10000");
  db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, x BLOB)");
  const insert = db.prepare("INSERT INTO t (x) VALUES (?)");
  db.transaction(() => {
    for (let i = 0; i < 2_000; i++) insert.run(new Uint8Array(1_000));
  });
  db.exec("DELETE FROM t WHERE id <= 1500");
  // The log writer thread's part: another connection holding the write lock for a while.
  const holder = openDatabase(path, { durable: true });
  holder.exec("BEGIN IMMEDIATE");
  let pauses = 0;
  const result = await defragment(db, {
    yieldStep: async () => {
      if (++pauses === 5) holder.exec("COMMIT"); // the lock is let go after a few tries
      await Bun.sleep(1);
    },
  });
  holder.close();
  assert.ok(result.busySteps >= 4, `${result.busySteps} busy steps`);
  assert.ok(result.freedPages > 300, `freed ${result.freedPages} pages`);
  // With the 10 s busy timeout in force a step would have slept until the holder let go.
  assert.ok(result.longestStepMs < 1_000, `longest step ${result.longestStepMs} ms`);
  assert.is(Number(db.prepare("PRAGMA busy_timeout").get()!.timeout), 10_000);
  assert.is(Number(db.prepare("PRAGMA synchronous").get()!.synchronous), 2);
  assert.is(Number(db.prepare("SELECT count(*) AS n FROM t").get()!.n), 500);
  db.close();
});

test("a database created without auto_vacuum is left alone (no blocking VACUUM)", async () => {
  const path = join(dir, "old.db");
  const raw = new Database(path, { create: true });
  raw.exec("PRAGMA journal_mode = WAL");
  raw.exec("CREATE TABLE t (x BLOB)");
  raw.close();
  const db = openDatabase(path, { durable: false });
  const result = await defragment(db);
  assert.is(result.mode, "none");
  assert.is(result.freedPages, 0);
  db.close();
});

test("opening a second connection while another writes needs no lock (auto_vacuum is set on new files only)", () => {
  const path = join(dir, "shared.db");
  const first = openDatabase(path, { durable: false });
  first.exec("CREATE TABLE t (x INTEGER)");
  first.exec("BEGIN IMMEDIATE");
  first.prepare("INSERT INTO t VALUES (1)").run();
  // The snapshot and checkpoint threads open the state database like this while the member writes.
  const second = openDatabase(path, { durable: false });
  assert.is(Number(second.prepare("SELECT count(*) AS n FROM t").get()!.n), 0);
  first.exec("COMMIT");
  assert.is(Number(second.prepare("PRAGMA auto_vacuum").get()!.auto_vacuum), 2);
  second.close();
  first.close();
});

test("through the server: the database shrinks while puts go on, and tsetcd defrag prints as etcdctl", async () => {
  server = await startServer({ kind: "tsetcd", dataDir: join(dir, "server"), clientPort: 34561, peerPort: 34562 });
  const big = b64("v".repeat(64 * 1024));
  for (let round = 0; round < 2; round++) {
    await Promise.all(Array.from({ length: 8 }, async (_, c) => {
      for (let i = 0; i < 25; i++) await post(server!, "/v3/kv/put", { key: b64(`big-${c}-${i}`), value: big });
    }));
  }
  const { header } = await post(server, "/v3/kv/put", { key: b64("mark"), value: b64("m") });
  await post(server, "/v3/kv/compaction", { revision: (header as { revision: string }).revision, physical: true });
  const sizeOf = async (): Promise<number> => Number((await post(server!, "/v3/maintenance/status", {})).dbSize);
  const before = await sizeOf();
  let puts = 0;
  let stop = false;
  const writer = (async () => {
    while (!stop) {
      await post(server!, "/v3/kv/put", { key: b64("during"), value: b64(String(puts)) });
      puts++;
    }
  })();
  assert.equal(await post(server, "/v3/maintenance/defragment", {}), {});
  stop = true;
  await writer;
  const after = await sizeOf();
  assert.ok(after < before * 0.7, `db size ${before} → ${after} bytes`);
  assert.ok(puts > 0, "puts went on during the defrag");
  const argv = [`--endpoints=${server.endpoint}`, "defrag"];
  const [theirs, mine] = await Promise.all([etcdctl(argv), tsetcd(argv)]);
  assert.equal({ code: mine.code, out: mine.out, err: mine.err }, theirs);
  assert.is(mine.out, `Finished defragmenting etcd member[${server.endpoint}]\n`);
});

test.run();
