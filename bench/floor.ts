/**
 * The ceilings a Bun server on this machine can reach, to read bench/RESULTS.md against: how fast a durable
 * SQLite commit is (1 row and 64 rows per transaction), how fast Bun.serve answers a gateway-shaped JSON
 * request that does no work, and how fast it answers when every request also commits one durable SQLite
 * row (what a 1-connection put can reach at best: nothing to batch). Run: `bun bench/floor.ts`.
 * @module
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "../src/storage/sqlite_bun.ts";
import type { SqlDatabase } from "../src/storage/adapter.ts";
import { parseWrkOutput, requestsPerSecond } from "./lib/report.ts";

const PORT = 24390;
const SQLITE_SECONDS = 2;
const WRK_SECONDS = 4;
const MAX_COMMITS = 1_000_000;
const VALUE = new Uint8Array(256).fill(120);

function openTable(dir: string): SqlDatabase {
  const db = openDatabase(join(dir, "floor.sqlite"), { durable: true });
  db.exec("CREATE TABLE IF NOT EXISTS kv (k BLOB PRIMARY KEY, v BLOB NOT NULL)");
  return db;
}

/** Commits `rowsPerTxn` 8-byte-key rows per transaction for `seconds`; returns commits/s. */
function sqliteCommitsPerS(db: SqlDatabase, rowsPerTxn: number, seconds: number): number {
  const insert = db.prepare("INSERT OR REPLACE INTO kv (k, v) VALUES (?, ?)");
  const key = new Uint8Array(8);
  const view = new DataView(key.buffer);
  const endMs = performance.now() + seconds * 1000;
  let commits = 0;
  while (performance.now() < endMs && commits < MAX_COMMITS) {
    db.transaction(() => {
      for (let i = 0; i < rowsPerTxn; i++) {
        view.setUint32(4, (commits * rowsPerTxn + i) % 100_000);
        insert.run(key, VALUE);
      }
    });
    commits++;
  }
  return commits / seconds;
}

/** Runs put.lua against 127.0.0.1:PORT without blocking the event loop (the server lives in this process). */
async function wrkPut(connections: number): Promise<string> {
  const script = join(import.meta.dir, "wrk", "put.lua");
  const child = Bun.spawn(["wrk", "-t1", `-c${connections}`, `-d${WRK_SECONDS}s`, "-s", script,
    `http://127.0.0.1:${PORT}`, "--", "keyspace=100000", "value_bytes=256"], { stdout: "pipe", stderr: "pipe" });
  const stdout = await new Response(child.stdout).text();
  await child.exited;
  const r = parseWrkOutput(stdout);
  return `${Math.round(requestsPerSecond(r))} req/s, p50 ${(r.p50Us / 1000).toFixed(3)} ms, ` +
    `p99 ${(r.p99Us / 1000).toFixed(3)} ms`;
}

async function httpFloor(db: SqlDatabase | undefined): Promise<string[]> {
  const insert = db?.prepare("INSERT OR REPLACE INTO kv (k, v) VALUES (?, ?)");
  let revision = 1;
  const server = Bun.serve({
    port: PORT,
    hostname: "127.0.0.1",
    async fetch(req): Promise<Response> {
      const body = (await req.json()) as { key: string; value: string };
      const key = Buffer.from(body.key, "base64");
      const value = Buffer.from(body.value, "base64");
      if (db !== undefined && insert !== undefined) db.transaction(() => insert.run(key, value));
      revision++;
      return Response.json({ header: { cluster_id: "1", member_id: "2", revision: String(revision), raft_term: "2" } });
    },
  });
  try {
    const lines: string[] = [];
    for (const connections of db === undefined ? [1, 64] : [1]) {
      lines.push(`c=${connections}: ${await wrkPut(connections)}`);
    }
    return lines;
  } finally {
    server.stop(true);
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "tsetcd-floor-"));
  try {
    const db = openTable(dir);
    const one = sqliteCommitsPerS(db, 1, SQLITE_SECONDS);
    const many = sqliteCommitsPerS(db, 64, SQLITE_SECONDS);
    console.log(`SQLite durable commit, 1 row/txn: ${Math.round(one)} commits/s (${(1e6 / one).toFixed(0)} µs each)`);
    console.log(`SQLite durable commit, 64 rows/txn: ${Math.round(many)} commits/s = ${Math.round(many * 64)} rows/s`);
    for (const line of await httpFloor(undefined)) console.log(`Bun.serve JSON put, no storage, ${line}`);
    for (const line of await httpFloor(db)) console.log(`Bun.serve JSON put + 1 durable commit per request, ${line}`);
    db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
