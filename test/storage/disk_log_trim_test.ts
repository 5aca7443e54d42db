/**
 * The Raft log's rows below a compaction point go in steps bounded in bytes as well as rows
 * (src/storage/raft_log.ts): a lone member compacts every 5,000 entries, and a thousand 64 KiB entries in
 * one step were 64 MB of pages freed in one transaction.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "../../src/storage/sqlite_bun.ts";
import { SqliteRaftLog, TRIM_CHUNK_BYTES, TRIM_CHUNK_ENTRIES } from "../../src/storage/raft_log.ts";
import { type Entry, EntryType, type Ready } from "../../src/raft/types.ts";

const ENTRY_BYTES = 64 * 1024;
const ENTRIES = 300;

function entry(index: number, sizeBytes: number): Entry {
  return { index, term: 1, type: EntryType.Normal, data: new Uint8Array(sizeBytes) };
}

function ready(entries: Entry[]): Ready {
  return { readStates: [], entries, committedEntries: [], messages: [], mustSync: true };
}

test("a trim step deletes at most TRIM_CHUNK_BYTES of the compacted entries, then the rest in later steps", () => {
  const dir = mkdtempSync(join(tmpdir(), "tsetcd-log-trim-"));
  const db = openDatabase(join(dir, "raft.db"), { durable: false });
  try {
    const log = new SqliteRaftLog(db);
    log.bootstrap({ voters: [1n], learners: [] });
    const big = ready(Array.from({ length: ENTRIES }, (_, i) => entry(i + 1, ENTRY_BYTES)));
    db.transaction(() => log.stage(big));
    log.accept(big);
    db.transaction(() => log.stageApplied(ENTRIES));
    log.acceptApplied(ENTRIES);
    const rows = (): number => Number(db.prepare("SELECT count(*) AS n FROM raft_entry").get()!.n);
    assert.ok(log.compact(ENTRIES - 10));
    assert.ok(ENTRIES < TRIM_CHUNK_ENTRIES, "the row bound alone would take every row in one step");

    const next = ready([entry(ENTRIES + 1, 10)]);
    db.transaction(() => log.stage(next));
    log.accept(next);
    const perStep = TRIM_CHUNK_BYTES / ENTRY_BYTES;
    assert.is(rows(), ENTRIES + 1 - perStep, `one write carries ${perStep} entries of ${ENTRY_BYTES} bytes`);

    let steps = 0;
    while (log.hasTrimBacklog() && steps < 100) {
      log.trimStep();
      steps++;
    }
    assert.is(steps, Math.ceil((ENTRIES - 10 - perStep) / perStep));
    assert.is(rows(), 11, "only the entries after the marker are left");
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
