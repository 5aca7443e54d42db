/**
 * Whether a snapshot received from a peer is a state database this member can install — checked by the
 * transport before Raft sees it (`checkSnapshot`). Raft installs whatever snapshot it is given, and an
 * install that fails is a storage failure that stops the member: bytes that are no SQLite database once
 * did exactly that. So the copy is opened on its own first: SQLite's quick check, and the applied index and
 * membership it records must be the ones the message claims (`snapshots.ts` reads them the same way).
 *
 * Cost: one write of the data to a scratch file in the data dir and a quick check, on the event loop;
 * snapshots arrive rarely (a follower far behind), and the check is linear in the size.
 * @module
 */
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Snapshot } from "../raft/mod.ts";
import type { SqlDatabase } from "../storage/adapter.ts";
import { openDatabase } from "../runtime/sqlite.ts";

/** The scratch copy's name; removed after each check. */
const CHECK_FILE = "snapshot.check.db";

/** Why `snapshot` cannot be installed, or `undefined` when it can. Never throws. */
export function snapshotDataProblem(dataDir: string, snapshot: Snapshot): string | undefined {
  const path = join(dataDir, CHECK_FILE);
  removeDb(path);
  try {
    writeFileSync(path, snapshot.data);
    let db: SqlDatabase;
    try {
      db = openDatabase(path, { durable: false });
    } catch (err) {
      return `its data is not a database (${errorText(err)})`;
    }
    try {
      return contentProblem(db, snapshot);
    } catch (err) {
      return `its data is not a state database (${errorText(err)})`;
    } finally {
      db.close();
    }
  } catch (err) {
    return `it could not be checked (${errorText(err)})`;
  } finally {
    removeDb(path);
  }
}

function contentProblem(db: SqlDatabase, snapshot: Snapshot): string | undefined {
  const check = db.prepare("PRAGMA quick_check(1)").get();
  const verdict = check === undefined ? "no answer" : String(Object.values(check)[0]);
  if (verdict !== "ok") return `its data is damaged (${verdict})`;
  const rows = db.prepare("SELECT key, value FROM raft_meta WHERE key IN ('applied', 'conf_state')").all();
  const meta = new Map(rows.map((r) => [String(r.key), String(r.value)]));
  const applied = Number(meta.get("applied"));
  if (applied !== snapshot.metadata.index) {
    return `its data holds applied index ${meta.get("applied")}, the message says ${snapshot.metadata.index}`;
  }
  const conf = JSON.parse(meta.get("conf_state") ?? "null") as { voters?: unknown; learners?: unknown } | null;
  const claimed = snapshot.metadata.confState;
  if (!sameIds(conf?.voters, claimed.voters) || !sameIds(conf?.learners, claimed.learners)) {
    return "its data holds another membership than the message";
  }
  return undefined;
}

function sameIds(stored: unknown, claimed: readonly bigint[]): boolean {
  if (!Array.isArray(stored) || stored.length !== claimed.length) return false;
  const want = claimed.map(String).sort();
  const have = stored.map(String).sort();
  return want.every((id, i) => id === have[i]);
}

function removeDb(path: string): void {
  for (const suffix of ["", "-wal", "-shm", "-journal"]) rmSync(path + suffix, { force: true });
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
