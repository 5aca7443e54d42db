/**
 * Raft snapshots of the state database: a compact copy by `VACUUM INTO` (through a second connection, so an
 * open apply transaction is not disturbed), with the metadata of the applied index the copy holds; installed
 * on a follower (saved durably first, then every state table replaced from it in one transaction).
 *
 * Every time the log is compacted (each --snapshot-count applied entries) a copy is prepared on a worker
 * thread, unless the member is alone in its cluster, so the one a lagging follower needs is usually ready
 * without blocking the Ready loop; when it is not (no thread, or it no longer continues the log), the copy is
 * made inline.
 *
 * Bounds: one snapshot file kept on disk (`snapshot.db`, replaced by the next), one made snapshot cached in
 * memory, and no snapshot bigger than `maxSizeBytes`.
 * @module
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { ConfState, Snapshot } from "../raft/mod.ts";
import type { SqlDatabase } from "../storage/adapter.ts";
import type { SqliteRaftLog } from "../storage/raft_log.ts";
import { openDatabase } from "../runtime/sqlite.ts";
import type { SnapshotInstaller } from "./member.ts";
import { unrefWorker, WORKER_OPTIONS, workerUrl } from "../runtime/worker_url.ts";
import { logger } from "../log/mod.ts";

/** The received snapshot kept in the data dir until the next one replaces it. */
export const SNAPSHOT_FILE = "snapshot.db";
/** The prepared copy, beside the data: replaced by the next one. */
const PREPARED_FILE = "snapshot.prepared.db";
/** Tables of the log, never replaced by a snapshot (they matter when log and state share a database). */
const LOG_TABLES = new Set(["raft_entry", "raft_meta", "tsetcd_cluster"]);

/** Makes and installs the snapshots of one member. */
export class SnapshotStore implements SnapshotInstaller {
  readonly #dataDir: string;
  readonly #statePath: string;
  readonly #stateDb: SqlDatabase;
  readonly #log: SqliteRaftLog;
  readonly #maxSizeBytes: number;
  #reader: SqlDatabase | undefined;
  #cached: Snapshot | undefined;
  #worker: Worker | undefined;
  /** A copy is being prepared on the worker. */
  #preparing = false;
  /** The prepared copy is complete on disk. */
  #prepared = false;
  /** Bumped by `invalidate()`: a copy started before holds an outdated membership. */
  #generation = 0;
  /** Copies prepared on the worker thread. */
  prepared = 0;
  /** Snapshots made (leader) and installed (follower), for tests and /metrics. */
  made = 0;
  installed = 0;

  constructor(options: {
    dataDir: string;
    statePath: string;
    stateDb: SqlDatabase;
    log: SqliteRaftLog;
    maxSizeBytes: number;
  }) {
    this.#dataDir = options.dataDir;
    this.#statePath = options.statePath;
    this.#stateDb = options.stateDb;
    this.#log = options.log;
    this.#maxSizeBytes = options.maxSizeBytes;
  }

  /**
   * The snapshot to send a lagging follower: the cached one while the log still continues it, else a new
   * copy of the state as last committed (its metadata read from the copy itself, so data and index agree).
   */
  make(): Snapshot {
    const cached = this.#cached;
    if (cached !== undefined && cached.metadata.index >= this.#log.snapshotIndex()) return cached;
    this.#reader ??= openDatabase(this.#statePath, { durable: false });
    if (this.#prepared) {
      const snap = this.#load(join(this.#dataDir, PREPARED_FILE));
      if (snap !== undefined) return snap;
    }
    const tmp = join(this.#dataDir, `snapshot.make.${process.pid}.db`);
    removeDb(tmp);
    try {
      this.#reader.exec(`VACUUM INTO '${tmp.replaceAll("'", "''")}'`);
      const snap = this.#load(tmp);
      if (snap === undefined) throw new Error("snapshot: a fresh copy does not continue the log");
      return snap;
    } finally {
      removeDb(tmp);
    }
  }

  /**
   * Starts preparing a copy on the worker thread (at most one at a time); the next `make()` uses it while it
   * continues the log. Without threads this does nothing and `make()` copies inline.
   */
  prepareInBackground(): void {
    if (this.#preparing) return;
    // A lone member has nobody to send a snapshot to: a copy would only hold a second state database's worth
    // of disk (bench/DISK_USE.md). Should a member join, `make()` copies inline, then each compaction here.
    const members = this.#log.confState();
    if (members.voters.length + members.learners.length <= 1) {
      removeDb(join(this.#dataDir, PREPARED_FILE));
      this.#prepared = false;
      return;
    }
    if (this.#worker === undefined) {
      try {
        this.#worker = new Worker(workerUrl(import.meta.url, "./snapshot_worker.ts", "src/server/snapshot_worker.ts"), WORKER_OPTIONS);
      } catch {
        return;
      }
      unrefWorker(this.#worker);
    }
    const out = join(this.#dataDir, PREPARED_FILE);
    removeDb(out);
    this.#prepared = false;
    this.#preparing = true;
    const worker = this.#worker;
    const generation = this.#generation;
    worker.onmessage = (event: MessageEvent): void => {
      this.#preparing = false;
      const msg = event.data as { type: string; message?: string };
      if (msg.type === "made" && generation === this.#generation) {
        this.#prepared = true;
        this.prepared++;
      } else if (msg.type !== "made") {
        logger().error(`preparing a snapshot failed: ${msg.message}`);
      }
    };
    worker.postMessage({ type: "make", statePath: this.#statePath, outPath: out });
  }

  /** Reads a copy and its metadata; undefined when it no longer continues the log (or is too big). */
  #load(path: string): Snapshot | undefined {
    const meta = readMeta(this.#reader!, path);
    if (meta.applied < this.#log.snapshotIndex() || meta.applied > this.#log.lastIndex()) return undefined;
    const data = new Uint8Array(readFileSync(path));
    if (data.byteLength > this.#maxSizeBytes) {
      throw new Error(`snapshot of ${data.byteLength} bytes exceeds the bound of ${this.#maxSizeBytes}`);
    }
    this.#cached = {
      metadata: { index: meta.applied, term: this.#log.term(meta.applied), confState: meta.confState },
      data,
    };
    this.made++;
    return this.#cached;
  }

  /** Writes the snapshot's data to `snapshot.db` and syncs it (replacing the previous one). */
  save(snapshot: Snapshot): void {
    const path = join(this.#dataDir, SNAPSHOT_FILE);
    const tmp = `${path}.tmp`;
    const fd = openSync(tmp, "w");
    try {
      let offset = 0;
      while (offset < snapshot.data.byteLength) offset += writeSync(fd, snapshot.data, offset);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
    const dir = openSync(this.#dataDir, "r");
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
  }

  /** Replaces every state table by the saved snapshot's, with its applied index and membership. */
  install(snapshot: Snapshot): void {
    const path = join(this.#dataDir, SNAPSHOT_FILE);
    if (!existsSync(path)) throw new Error("snapshot: install without a saved snapshot");
    const db = this.#stateDb;
    db.exec(`ATTACH DATABASE '${path.replaceAll("'", "''")}' AS snap`);
    try {
      const tables = db.prepare("SELECT name FROM snap.sqlite_master WHERE type = 'table'").all()
        .map((row) => String(row.name))
        .filter((name) => !LOG_TABLES.has(name) && !name.startsWith("sqlite_"));
      const mine = new Set(
        db.prepare("SELECT name FROM main.sqlite_master WHERE type = 'table'").all().map((row) => String(row.name)),
      );
      db.transaction(() => {
        for (const name of mine) {
          if (!LOG_TABLES.has(name) && !name.startsWith("sqlite_")) db.exec(`DELETE FROM main."${name}"`);
        }
        for (const name of tables) {
          if (mine.has(name)) db.exec(`INSERT INTO main."${name}" SELECT * FROM snap."${name}"`);
        }
        this.#log.stageSnapshotState(snapshot.metadata);
      });
    } finally {
      db.exec("DETACH DATABASE snap");
    }
    this.installed++;
  }

  /** True when a saved snapshot is ahead of the applied state (a crash between saving and installing it). */
  pending(): boolean {
    return this.#log.applied() < this.#log.snapshotIndex() && existsSync(join(this.#dataDir, SNAPSHOT_FILE));
  }

  /** Forgets the cached snapshot (the membership changed since it was made). */
  invalidate(): void {
    this.#cached = undefined;
    this.#prepared = false;
    this.#generation++;
  }

  close(): void {
    this.#worker?.terminate();
    this.#worker = undefined;
    this.#reader?.close();
    this.#reader = undefined;
    this.#cached = undefined;
  }
}

function readMeta(reader: SqlDatabase, path: string): { applied: number; confState: ConfState } {
  reader.exec(`ATTACH DATABASE '${path.replaceAll("'", "''")}' AS made`);
  try {
    const rows = reader.prepare("SELECT key, value FROM made.raft_meta WHERE key IN ('applied', 'conf_state')").all();
    const meta = new Map(rows.map((r) => [String(r.key), String(r.value)]));
    const conf = JSON.parse(meta.get("conf_state") ?? '{"voters":[],"learners":[]}') as {
      voters: string[];
      learners: string[];
    };
    return {
      applied: Number(meta.get("applied") ?? 0),
      confState: { voters: conf.voters.map((v) => BigInt(v)), learners: conf.learners.map((v) => BigInt(v)) },
    };
  } finally {
    reader.exec("DETACH DATABASE made");
  }
}

function removeDb(path: string): void {
  for (const suffix of ["", "-wal", "-shm", "-journal"]) rmSync(path + suffix, { force: true });
}
