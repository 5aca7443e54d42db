import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MvccStore } from "../../src/mvcc/mod.ts";
import type { Entry } from "../../src/raft/mod.ts";
import { SqliteRaftLog } from "../../src/storage/raft_log.ts";
import { openDatabase } from "../../src/storage/sqlite_bun.ts";
import { MemberRegistry } from "../../src/server/members.ts";
import { SnapshotStore } from "../../src/server/snapshots.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** A member's two databases in `dir`, with the log holding `entries` entries all applied. */
function open(dir: string, entries: number) {
  mkdirSync(dir, { recursive: true });
  const db = openDatabase(join(dir, "raft.db"), { durable: false });
  const statePath = join(dir, "state.db");
  const stateDb = openDatabase(statePath, { durable: false });
  const log = new SqliteRaftLog(db, stateDb);
  const store = new MvccStore(stateDb);
  const registry = new MemberRegistry(stateDb);
  if (entries > 0) {
    log.bootstrap({ voters: [1n], learners: [] });
    const ents: Entry[] = Array.from({ length: entries }, (_, i) => ({
      term: 2,
      index: i + 1,
      type: 0,
      data: new Uint8Array(0),
    }));
    const ready = { entries: ents, committedEntries: [], messages: [], readStates: [], mustSync: true };
    db.transaction(() => log.stage(ready));
    log.accept(ready);
    stateDb.transaction(() => log.stageApplied(entries));
    log.acceptApplied(entries);
  }
  const snapshots = new SnapshotStore({ dataDir: dir, statePath, stateDb, log, maxSizeBytes: 1 << 30 });
  return { db, stateDb, log, store, registry, snapshots };
}

test("a snapshot made from one member's state installs on another: keys, members, applied index", () => {
  const root = mkdtempSync(join(tmpdir(), "tsetcd-snap-"));
  try {
    const leader = open(join(root, "leader"), 30);
    for (let i = 0; i < 100; i++) leader.store.put({ key: enc.encode(`k${i}`), value: enc.encode(`v${i}`) });
    leader.stateDb.transaction(() =>
      leader.registry.put({ ID: 7n, name: "a", peerURLs: ["http://127.0.0.1:1"], clientURLs: [], isLearner: false })
    );
    const snap = leader.snapshots.make();
    assert.is(snap.metadata.index, 30);
    assert.is(snap.metadata.term, 2);
    assert.equal(snap.metadata.confState.voters, [1n]);
    assert.ok(snap.data.byteLength > 0);
    assert.is(leader.snapshots.make(), snap, "cached while the log continues it");
    leader.snapshots.invalidate();
    assert.is.not(leader.snapshots.make(), snap, "made again after invalidate");

    const follower = open(join(root, "follower"), 0);
    follower.store.put({ key: enc.encode("stale"), value: enc.encode("gone after install") });
    follower.snapshots.save(snap);
    follower.snapshots.install(snap);
    follower.registry.reload();
    const range = follower.store.range({ key: enc.encode("k"), range_end: enc.encode("l") });
    assert.is(range.count, 100);
    assert.is(follower.store.currentRevision(), leader.store.currentRevision());
    assert.is(follower.store.range({ key: enc.encode("stale") }).count, 0, "the old state is replaced");
    assert.is(dec.decode(follower.store.range({ key: enc.encode("k42") }).kvs[0]!.value), "v42");
    assert.equal(follower.registry.list().map((m) => m.name), ["a"]);
    // The applied index and membership in the state database are the snapshot's (a reopen reads them).
    const row = follower.stateDb.prepare("SELECT value FROM raft_meta WHERE key = 'applied'").get();
    assert.is(Number(row!.value), 30);
    for (const m of [leader, follower]) {
      m.snapshots.close();
      m.stateDb.close();
      m.db.close();
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test.run();
