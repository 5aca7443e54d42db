/**
 * The Raft log on SQLite: entries, hard state, snapshot metadata, the membership (conf state) and the
 * applied index, in the member's one database. Implements the core's `RaftStorage` from an in-memory copy
 * of the log after the last snapshot (loaded at open), so the core never waits on SQLite to read.
 *
 * Writing is split in two so the caller decides the transaction: `stage(ready)` issues the SQL (call it
 * inside `db.transaction`, possibly together with applying entries and `stageApplied`), then
 * `accept(ready)` updates the in-memory copy once that transaction has committed.
 *
 * Two databases may be given: the log's (entries, hard state, snapshot marker; fsynced on every commit)
 * and the state machine's (applied index and membership, written in the apply transactions with the
 * MVCC; it may sync less often, since a state that lost its last applies is replayed from the log). When
 * they are one database, the applied index is simply in the same file. Before the log is compacted the
 * state database is synced, so the log never drops an entry the durable state lacks.
 *
 * Compaction is logical at once (the snapshot marker moves; entries below it are never read again) and
 * physical in steps: each later write also deletes up to `TRIM_CHUNK_ENTRIES` rows below the marker, and
 * `trimStep` does one step on its own when no writes come. Deleting 100,000 rows in one transaction held
 * the event loop ~200 ms at every --snapshot-count entries (the p99 of a loaded cluster). A step also stops
 * at `TRIM_CHUNK_BYTES` of entry data where the sizes are known (entries compacted since the start): a
 * thousand 64 KiB entries are 64 MB of overflow pages to free in one transaction.
 * @module
 */
import type { SqlDatabase, SqlStatement } from "./adapter.ts";
import {
  type ConfState,
  type Entry,
  type EntryType,
  ErrCompacted,
  ErrUnavailable,
  type HardState,
  NONE,
  type RaftStorage,
  type Ready,
  type Snapshot,
  type SnapshotMetadata,
} from "../raft/types.ts";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS raft_entry (
  idx INTEGER PRIMARY KEY,
  term INTEGER NOT NULL,
  type INTEGER NOT NULL,
  data BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS raft_meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
`;

/** Rows below the snapshot marker deleted per write (about 1–2 ms of SQLite work). */
export const TRIM_CHUNK_ENTRIES = 1_000;
/** Entry bytes below the snapshot marker deleted per write, where their sizes are known. */
export const TRIM_CHUNK_BYTES = 4 * 1024 * 1024;
/** Bound on remembered chunk ends (beyond it, chunks fall back to `TRIM_CHUNK_ENTRIES` rows). */
const MAX_TRIM_CHUNK_ENDS = 4_096;

/** Keys of raft_meta. Values are JSON; 64-bit ids are written as decimal strings. */
const KEY_HARD_STATE = "hard_state";
const KEY_SNAPSHOT = "snapshot";
const KEY_CONF_STATE = "conf_state";
const KEY_APPLIED = "applied";

interface StoredSnapshot {
  index: number;
  term: number;
  confState: { voters: string[]; learners: string[] };
}

/** The Raft log of one member, persisted in SQLite. */
export class SqliteRaftLog implements RaftStorage {
  readonly #db: SqlDatabase;
  readonly #stateDb: SqlDatabase;
  readonly #deleteUpTo: SqlStatement;
  readonly #deleteBetween: SqlStatement;
  /** Lowest index that may still have a row below the snapshot marker (rows up to the marker are garbage). */
  #trimFrom = 1;
  /** The last index deleted by the trim step of the transaction in progress, once it commits. */
  #stagedTrimTo: number | undefined;
  /** Ascending indexes where a trim step should end so it deletes ≤ TRIM_CHUNK_BYTES (from `compact`). */
  #trimChunkEnds: number[] = [];
  readonly #setMeta: SqlStatement;
  readonly #setStateMeta: SqlStatement;
  readonly #writer: RaftLogWriter;
  #hardState: HardState = { term: 0, vote: NONE, commit: 0 };
  #confState: ConfState = { voters: [], learners: [] };
  #snapshotMeta: SnapshotMetadata = { index: 0, term: 0, confState: { voters: [], learners: [] } };
  /** Entries after the snapshot: `#entries[i]` has index `#snapshotMeta.index + 1 + i`. */
  #entries: Entry[] = [];
  #applied = 0;
  /** Supplies the state machine's bytes when the core asks for a snapshot (for a lagging follower). */
  snapshotData: () => Uint8Array = () => new Uint8Array(0);
  /**
   * When set, makes the whole snapshot the core sends a lagging follower: a copy of the applied state with
   * the metadata of the index it was taken at (which must still be in the log or be its snapshot point).
   */
  snapshotSource: (() => Snapshot) | undefined;

  constructor(db: SqlDatabase, stateDb: SqlDatabase = db) {
    this.#db = db;
    this.#stateDb = stateDb;
    db.exec(SCHEMA);
    if (stateDb !== db) stateDb.exec(SCHEMA);
    this.#setStateMeta = stateDb.prepare(
      "INSERT INTO raft_meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
    );
    this.#deleteUpTo = db.prepare("DELETE FROM raft_entry WHERE idx <= ?");
    this.#deleteBetween = db.prepare("DELETE FROM raft_entry WHERE idx >= ? AND idx <= ?");
    this.#setMeta = db.prepare(
      "INSERT INTO raft_meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
    );
    this.#writer = new RaftLogWriter(db);
    this.#load();
  }

  #load(): void {
    const meta = new Map<string, string>();
    for (const row of this.#db.prepare("SELECT key, value FROM raft_meta").all()) {
      meta.set(String(row.key), String(row.value));
    }
    if (this.#stateDb !== this.#db) {
      for (const row of this.#stateDb.prepare("SELECT key, value FROM raft_meta").all()) {
        if (row.key === KEY_APPLIED || row.key === KEY_CONF_STATE) meta.set(String(row.key), String(row.value));
      }
    }
    const hs = meta.get(KEY_HARD_STATE);
    if (hs !== undefined) {
      const parsed = JSON.parse(hs) as { term: number; vote: string; commit: number };
      this.#hardState = { term: parsed.term, vote: BigInt(parsed.vote), commit: parsed.commit };
    }
    const snap = meta.get(KEY_SNAPSHOT);
    if (snap !== undefined) this.#snapshotMeta = decodeSnapshotMeta(JSON.parse(snap) as StoredSnapshot);
    const conf = meta.get(KEY_CONF_STATE);
    this.#confState = conf !== undefined
      ? decodeConfState(JSON.parse(conf) as StoredSnapshot["confState"])
      : this.#snapshotMeta.confState;
    this.#applied = Number(meta.get(KEY_APPLIED) ?? this.#snapshotMeta.index);
    const lowest = this.#db.prepare("SELECT MIN(idx) AS lowest FROM raft_entry").get()?.lowest;
    this.#trimFrom = lowest === null || lowest === undefined ? this.#snapshotMeta.index + 1 : Number(lowest);
    const rows = this.#db.prepare("SELECT idx, term, type, data FROM raft_entry WHERE idx > ? ORDER BY idx")
      .all(this.#snapshotMeta.index);
    let expected = this.#snapshotMeta.index + 1;
    for (const row of rows) {
      if (Number(row.idx) !== expected) throw new Error(`raft log: gap at index ${expected} (found ${row.idx})`);
      this.#entries.push({
        index: expected,
        term: Number(row.term),
        type: Number(row.type) as EntryType,
        data: toBytes(row.data),
      });
      expected++;
    }
    if (this.#applied > this.lastIndex()) {
      throw new Error(`raft log: applied index ${this.#applied} is past the last entry ${this.lastIndex()}`);
    }
    // Commit-only hard states are written without a sync: after a power loss the stored commit index may lag
    // what was applied. Applied entries were committed, so the commit index is at least the applied one.
    if (this.#hardState.commit < this.#applied) this.#hardState = { ...this.#hardState, commit: this.#applied };
  }

  /** True when nothing was ever persisted (a brand-new data dir). */
  isEmpty(): boolean {
    return this.lastIndex() === 0 && this.#hardState.term === 0 && this.#confState.voters.length === 0;
  }

  /** Sets the initial membership of a new member; only on an empty log. */
  bootstrap(confState: ConfState): void {
    if (!this.isEmpty()) throw new Error("raft log: bootstrap on a non-empty log");
    this.#stateDb.transaction(() => this.stageConfState(confState));
    // Best effort: a bootstrap lost to a power cut leaves an empty log, and the next start bootstraps again.
    this.#syncState();
    this.#confState = cloneConfState(confState);
    this.#snapshotMeta = { index: 0, term: 0, confState: cloneConfState(confState) };
  }

  // ---- RaftStorage ----

  initialState(): { hardState: HardState; confState: ConfState } {
    return { hardState: { ...this.#hardState }, confState: cloneConfState(this.#confState) };
  }

  entries(lo: number, hi: number, maxSizeBytes: number): Entry[] {
    if (lo <= this.#snapshotMeta.index) throw new ErrCompacted();
    if (hi > this.lastIndex() + 1 || lo > hi) throw new ErrUnavailable();
    const offset = this.#snapshotMeta.index + 1;
    const out: Entry[] = [];
    let sizeBytes = 0;
    for (let i = lo; i < hi; i++) {
      const entry = this.#entries[i - offset]!;
      sizeBytes += entry.data.byteLength + 16;
      if (out.length > 0 && sizeBytes > maxSizeBytes) break;
      out.push(entry);
    }
    return out;
  }

  term(i: number): number {
    if (i === this.#snapshotMeta.index) return this.#snapshotMeta.term;
    if (i < this.#snapshotMeta.index) throw new ErrCompacted();
    if (i > this.lastIndex()) throw new ErrUnavailable();
    return this.#entries[i - this.#snapshotMeta.index - 1]!.term;
  }

  lastIndex(): number {
    return this.#snapshotMeta.index + this.#entries.length;
  }

  firstIndex(): number {
    return this.#snapshotMeta.index + 1;
  }

  snapshot(): Snapshot {
    if (this.snapshotSource !== undefined) {
      const snap = this.snapshotSource();
      if (snap.metadata.index < this.#snapshotMeta.index || snap.metadata.index > this.lastIndex()) {
        throw new Error(`raft log: snapshot at ${snap.metadata.index} outside the log [${this.#snapshotMeta.index}, ${this.lastIndex()}]`);
      }
      return snap;
    }
    return { metadata: { ...this.#snapshotMeta, confState: cloneConfState(this.#snapshotMeta.confState) }, data: this.snapshotData() };
  }

  // ---- persistence ----

  /** The last applied index, as durably recorded. */
  applied(): number {
    return this.#applied;
  }

  /** The membership as last applied. */
  confState(): ConfState {
    return cloneConfState(this.#confState);
  }

  /** Writes a Ready's hard state, snapshot and entries. Call inside a transaction; then `accept(ready)`. */
  stage(ready: Ready): void {
    this.check(ready);
    this.#stagedTrimTo = undefined;
    if (ready.snapshot !== undefined) {
      this.#deleteUpTo.run(Number.MAX_SAFE_INTEGER);
      this.#setMeta.run(KEY_SNAPSHOT, JSON.stringify(encodeSnapshotMeta(ready.snapshot.metadata)));
      // The state machine (its applied index and membership with it) is replaced by the snapshot's when the
      // application installs it; until then the applied index stays behind the snapshot point, and a restart
      // installs the snapshot saved on disk.
      if (this.#stateDb === this.#db) this.stageSnapshotState(ready.snapshot.metadata);
    }
    this.#writer.write(ready);
    if (ready.snapshot === undefined) this.#stageTrim();
  }

  /** True while rows below the snapshot marker remain to be deleted. */
  hasTrimBacklog(): boolean {
    return this.#trimFrom <= this.#snapshotMeta.index;
  }

  /** One trim step in its own transaction (when no write carries it); returns the rows left to delete. */
  trimStep(): number {
    if (!this.hasTrimBacklog()) return 0;
    this.#stagedTrimTo = undefined;
    this.#db.transaction(() => this.#stageTrim());
    this.#acceptTrim();
    return Math.max(0, this.#snapshotMeta.index - this.#trimFrom + 1);
  }

  /** Deletes the next chunk of rows below the snapshot marker; inside the caller's transaction. */
  #stageTrim(): void {
    if (!this.hasTrimBacklog()) return;
    while (this.#trimChunkEnds.length > 0 && this.#trimChunkEnds[0]! < this.#trimFrom) this.#trimChunkEnds.shift();
    const to = Math.min(this.#snapshotMeta.index, this.#trimFrom + TRIM_CHUNK_ENTRIES - 1, this.#trimChunkEnds[0] ?? Infinity);
    this.#deleteBetween.run(this.#trimFrom, to);
    this.#stagedTrimTo = to;
  }

  /** Records where trim steps over `dropped` (entries just compacted away, in order) should end. */
  #noteTrimChunks(dropped: Entry[]): void {
    let sizeBytes = 0;
    for (const entry of dropped) {
      if (this.#trimChunkEnds.length >= MAX_TRIM_CHUNK_ENDS) return;
      sizeBytes += entry.data.byteLength;
      if (sizeBytes >= TRIM_CHUNK_BYTES) {
        this.#trimChunkEnds.push(entry.index);
        sizeBytes = 0;
      }
    }
  }

  #acceptTrim(): void {
    if (this.#stagedTrimTo !== undefined) this.#trimFrom = this.#stagedTrimTo + 1;
    this.#stagedTrimTo = undefined;
  }

  /** Throws if a Ready's entries would leave a gap or overwrite the snapshot (a core bug). */
  check(ready: Ready): void {
    if (ready.entries.length === 0 || ready.snapshot !== undefined) return;
    const first = ready.entries[0]!.index;
    if (first <= this.#snapshotMeta.index) {
      throw new Error(`raft log: append at ${first} below the snapshot ${this.#snapshotMeta.index}`);
    }
    if (first > this.lastIndex() + 1) {
      throw new Error(`raft log: append at ${first} leaves a gap after ${this.lastIndex()}`);
    }
  }

  /** Updates the in-memory log after the transaction that staged `ready` committed. */
  accept(ready: Ready): void {
    this.#acceptTrim();
    if (ready.snapshot !== undefined) {
      const meta = ready.snapshot.metadata;
      this.#trimFrom = meta.index + 1; // the snapshot's transaction deleted every row
      this.#trimChunkEnds = [];
      this.#snapshotMeta = { index: meta.index, term: meta.term, confState: cloneConfState(meta.confState) };
      this.#confState = cloneConfState(meta.confState);
      this.#entries = [];
      this.#applied = meta.index;
    }
    if (ready.entries.length > 0) {
      const first = ready.entries[0]!.index;
      this.#entries.length = first - this.#snapshotMeta.index - 1;
      for (const entry of ready.entries) this.#entries.push(entry);
    }
    if (ready.hardState !== undefined) this.#hardState = { ...ready.hardState };
  }

  /** Records a snapshot's applied index and membership in the state database; inside the installing transaction. */
  stageSnapshotState(meta: SnapshotMetadata): void {
    this.#setStateMeta.run(KEY_CONF_STATE, JSON.stringify(encodeConfState(meta.confState)));
    this.#setStateMeta.run(KEY_APPLIED, String(meta.index));
  }

  /** Index of the last snapshot point (0 before any). */
  snapshotIndex(): number {
    return this.#snapshotMeta.index;
  }

  /** Records the applied index; call in the transaction that applied up to it. */
  stageApplied(index: number): void {
    if (index < this.#applied) throw new Error(`raft log: applied index going back from ${this.#applied} to ${index}`);
    this.#setStateMeta.run(KEY_APPLIED, String(index));
  }

  /** After that transaction committed. */
  acceptApplied(index: number): void {
    this.#applied = index;
  }

  /** Records a new membership, applied from a conf change; call inside the applying transaction. */
  stageConfState(confState: ConfState): void {
    this.#setStateMeta.run(KEY_CONF_STATE, JSON.stringify(encodeConfState(confState)));
  }

  /**
   * After that transaction committed. Membership changes are rare: the state is synced now if it can be
   * without waiting (else the log, not compacted past an unsynced state, replays the change).
   */
  acceptConfState(confState: ConfState): void {
    this.#syncState();
    this.#confState = cloneConfState(confState);
  }

  /**
   * Makes the state database durable up to its last commit (always true when it is the log's database).
   * A passive checkpoint never waits: when another connection (a snapshot copy, a checkpoint thread) keeps
   * part of the WAL in use, it answers false and the caller tries again later.
   */
  #syncState(): boolean {
    if (this.#stateDb === this.#db) return true;
    const row = this.#stateDb.prepare("PRAGMA wal_checkpoint(PASSIVE)").get();
    if (row === undefined) return false;
    const [busy, logFrames, checkpointedFrames] = Object.values(row).map(Number);
    return busy === 0 && logFrames === checkpointedFrames;
  }

  /**
   * Drops entries up to `index` (which must be applied), keeping a snapshot marker there; its own small
   * transaction (the rows go in later trim steps). The state machine's data is the snapshot's data. Pass
   * `stateSynced` when the state database was made durable since it last applied up to `index`; otherwise
   * it is checkpointed here, and when that cannot be done now this returns false, dropping nothing (the log
   * must keep what the durable state lacks): retry later.
   */
  compact(index: number, stateSynced = false): boolean {
    if (index <= this.#snapshotMeta.index) return true;
    if (index > this.#applied) throw new Error(`raft log: compacting ${index} past applied ${this.#applied}`);
    const meta: SnapshotMetadata = { index, term: this.term(index), confState: cloneConfState(this.#confState) };
    if (!stateSynced && !this.#syncState()) return false;
    this.#db.transaction(() => {
      this.#setMeta.run(KEY_SNAPSHOT, JSON.stringify(encodeSnapshotMeta(meta)));
    });
    const dropped = index - this.#snapshotMeta.index;
    this.#noteTrimChunks(this.#entries.slice(0, dropped));
    this.#entries = this.#entries.slice(dropped);
    this.#snapshotMeta = meta;
    return true;
  }
}

/** The log part of a Ready that reaches the disk: entries (replacing any suffix from the first) and hard state. */
export interface LogWrite {
  entries: Entry[];
  hardState?: HardState;
}

/**
 * Just the SQL that appends entries and records the hard state, with no in-memory log: what a writer
 * thread with its own connection runs (the owner of the `SqliteRaftLog` checks the Ready first).
 */
export class RaftLogWriter {
  readonly #insertEntry: SqlStatement;
  readonly #deleteFrom: SqlStatement;
  readonly #setMeta: SqlStatement;

  constructor(db: SqlDatabase) {
    db.exec(SCHEMA);
    this.#insertEntry = db.prepare("INSERT INTO raft_entry (idx, term, type, data) VALUES (?, ?, ?, ?)");
    this.#deleteFrom = db.prepare("DELETE FROM raft_entry WHERE idx >= ?");
    this.#setMeta = db.prepare(
      "INSERT INTO raft_meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
    );
  }

  /** Writes entries and hard state; call inside a transaction. */
  write(w: LogWrite): void {
    if (w.entries.length > 0) {
      this.#deleteFrom.run(w.entries[0]!.index);
      for (const entry of w.entries) this.#insertEntry.run(entry.index, entry.term, entry.type, entry.data);
    }
    if (w.hardState !== undefined) {
      const hs = w.hardState;
      this.#setMeta.run(KEY_HARD_STATE, JSON.stringify({ term: hs.term, vote: hs.vote.toString(), commit: hs.commit }));
    }
  }
}

function toBytes(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (value === null || value === undefined) return new Uint8Array(0);
  throw new Error(`raft log: entry data is not a BLOB (${typeof value})`);
}

function cloneConfState(c: ConfState): ConfState {
  return { voters: [...c.voters], learners: [...c.learners] };
}

function encodeConfState(c: ConfState): StoredSnapshot["confState"] {
  return { voters: c.voters.map(String), learners: c.learners.map(String) };
}

function decodeConfState(c: StoredSnapshot["confState"]): ConfState {
  return { voters: c.voters.map((v) => BigInt(v)), learners: c.learners.map((v) => BigInt(v)) };
}

function encodeSnapshotMeta(m: SnapshotMetadata): StoredSnapshot {
  return { index: m.index, term: m.term, confState: encodeConfState(m.confState) };
}

function decodeSnapshotMeta(s: StoredSnapshot): SnapshotMetadata {
  return { index: s.index, term: s.term, confState: decodeConfState(s.confState) };
}
