/**
 * WAL checkpoints off the main thread. SQLite's auto-checkpoint copies the WAL back into the database
 * file (and fsyncs it) inside whichever COMMIT crosses `wal_autocheckpoint` pages; on the state database
 * that COMMIT carries ~100 ms of applied writes and stalled the event loop 22–43 ms each time
 * (bench/RESULTS.md, bench/checkpoint_probe.ts). Here auto-checkpoint is off and a thread with its own
 * connection runs `PRAGMA wal_checkpoint(PASSIVE)` once enough frames wait (wal_checkpoint_worker.ts).
 *
 * A passive checkpoint cannot rewind the WAL: SQLite starts writing it from the beginning again only
 * when a write transaction starts while every frame is already copied back, and the writer here opens
 * its next transaction right after each commit. So the WAL's length is bounded from this side: after each
 * commit the WAL's length is read from its shared-memory index (wal_index.ts), and once it passes
 * `maxWalBytes` a checkpoint runs on this connection (it only copies what the thread has not), after
 * which the next transaction rewinds the WAL. `journal_size_limit` then trims the file.
 *
 * That checkpoint runs in the writer's checkpoint turn (checkpoint_turn.ts): SQLite answers a second
 * checkpointer SQLITE_BUSY at once, busy handler or not, and the thread, mid-pass most of the time under
 * load, used to win that race on ~95 % of the writer's attempts. Finding the thread mid-pass, the writer
 * asks for the next turn (the thread starts no pass meanwhile) and takes it after its next commit; only a
 * WAL at 4× the bound makes it wait, on this thread, for the pass to end.
 *
 * Once the WAL has not grown for `idleTruncateMs`, this connection cuts it to nothing
 * (`wal_checkpoint(TRUNCATE)` without waiting: a reader present makes it a no-op, tried again after the next
 * quiet spell). Left alone, the file kept the longest length it had reached under load (the state
 * database's up to `maxWalBytes`) for as long as the member stayed idle: a third of the data dir after a
 * bulk load (bench/DISK_USE.md). Only the writer's connection may do it: a TRUNCATE checkpoint holds the
 * write lock, and the writer, upgrading a read transaction to a write, gets SQLITE_BUSY at once (no busy
 * handler) when another connection holds it.
 *
 * Durability is unchanged: a checkpoint only copies committed frames; what was synced stays synced.
 * @module
 */
import type { SqlDatabase } from "./adapter.ts";
import { CheckpointTurn } from "./checkpoint_turn.ts";
import { WalIndexReader } from "./wal_index.ts";
import { unrefWorker, WORKER_OPTIONS, workerUrl } from "../runtime/worker_url.ts";

/** Options of `checkpointOffThread`. */
export interface WalCheckpointOptions {
  /** How often the thread looks at the WAL. Default 20 ms. */
  intervalMs?: number;
  /** Frames that must wait before the thread checkpoints. Default 1,000 (SQLite's auto-checkpoint's). */
  minFrames?: number;
  /**
   * WAL length past which this connection rewinds it after a commit (one commit's copy on the event loop).
   * Default 128 MiB: at ~8 MB per 100 ms state commit under load, a rewind every ~1.5 s.
   */
  maxWalBytes?: number;
  /** How long the WAL must stay unchanged before it is truncated. Default 1,000 ms. */
  idleTruncateMs?: number;
}

const DEFAULT_INTERVAL_MS = 20;
const DEFAULT_MIN_FRAMES = 1_000;
const DEFAULT_MAX_WAL_BYTES = 128 * 1024 * 1024;
const DEFAULT_IDLE_TRUNCATE_MS = 1_000;
/** How long the thread may take to open the database before we keep SQLite's auto-checkpoint instead. */
const OPEN_TIMEOUT_MS = 10_000;
const CLOSE_TIMEOUT_MS = 10_000;
const BUSY_TIMEOUT_MS = 10_000;
/**
 * The most frames a rewind on the writer's connection may have to copy back itself (8 MiB of 4 KiB pages):
 * a rewind that found the thread 100k frames behind copied them on the event loop, 15–455 ms (during a
 * defrag of a 1.1 GB store).
 */
const REWIND_BACKLOG_FRAMES = 2_000;
/** How long a writer whose WAL reached 4× the bound blocks for the thread's pass to end. */
const WRITER_TURN_WAIT_MS = 1_000;
const BEGIN = /^\s*BEGIN\b/i;
const COMMIT = /^\s*(COMMIT|END)\b/i;
const ROLLBACK = /^\s*ROLLBACK\s*(TRANSACTION\s*)?;?\s*$/i;

/** What the WAL-length bound needs to know; pure, so it is testable without a thread. */
export class WalBound {
  readonly #maxFrames: number;
  /** Frames the WAL held when last looked at. */
  #frames = 0;
  /** Of those, frames no checkpoint had copied back yet. */
  #backlog = 0;
  /** Times this connection ran the rewinding checkpoint. */
  rewinds = 0;

  constructor(maxWalBytes: number, pageSizeBytes: number) {
    if (!(maxWalBytes > 0 && pageSizeBytes > 0)) throw new Error("wal checkpointer: sizes must be positive");
    this.#maxFrames = Math.max(1, Math.floor(maxWalBytes / pageSizeBytes));
  }

  /** The WAL's length now and how much of it is copied back, in frames (negative: unknown, keep the last). */
  report(frames: number, backfilled = frames): void {
    if (frames < 0) return;
    this.#frames = frames;
    this.#backlog = Math.max(0, frames - backfilled);
  }

  /**
   * True when the commit just made should be followed by a checkpoint on the writer's connection: the WAL
   * is past the bound and the thread has copied nearly all of it, so the rewind costs the event loop little.
   * With a large backlog (the thread behind, e.g. under a defrag's page moves) the thread catches up first;
   * only past 4× the bound does the writer take the copy on itself (mustWait).
   */
  shouldRewind(): boolean {
    if (this.#frames <= this.#maxFrames) return false;
    return this.#backlog <= REWIND_BACKLOG_FRAMES || this.mustWait();
  }

  /**
   * True when the WAL reached 4× the bound although the thread yields its turn to the writer (one pass of
   * the thread outlasted several commits, e.g. a slow fsync): the writer then waits for that pass to end.
   */
  mustWait(): boolean {
    return this.#frames > 4 * this.#maxFrames;
  }

  /** The writer checkpointed: `complete` when it copied every frame (the next transaction rewinds). */
  rewound(complete: boolean): void {
    this.rewinds++;
    if (complete) this.#frames = 0;
  }
}

/**
 * Turns off SQLite's auto-checkpoint on `db` (the database file at `path`) and starts a thread that
 * checkpoints it; returns the connection to use from now on (closing it stops the thread), or undefined
 * when no thread could be started — then `db` is left as it was, auto-checkpoint on.
 */
export async function checkpointOffThread(
  db: SqlDatabase,
  path: string,
  options: WalCheckpointOptions = {},
): Promise<SqlDatabase | undefined> {
  const intervalMs = options.intervalMs ?? DEFAULT_INTERVAL_MS;
  const maxWalBytes = options.maxWalBytes ?? DEFAULT_MAX_WAL_BYTES;
  if (path === ":memory:" || path === "") return undefined;
  let worker: Worker;
  try {
    worker = new Worker(workerUrl(import.meta.url, "./wal_checkpoint_worker.ts", "src/storage/wal_checkpoint_worker.ts"), WORKER_OPTIONS);
  } catch {
    return undefined; // e.g. a compiled binary without the worker bundled
  }
  const pageSizeBytes = Number(Object.values(db.prepare("PRAGMA page_size").get() ?? {})[0] ?? 4096);
  const bound = new WalBound(maxWalBytes, pageSizeBytes);
  const turn = new CheckpointTurn();
  let closed: (() => void) | undefined;
  const opened = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), OPEN_TIMEOUT_MS);
    worker.onmessage = (event: MessageEvent): void => {
      const msg = event.data as { type: string };
      if (msg.type === "closed") closed?.();
      else if (msg.type === "opened" || msg.type === "failed") {
        clearTimeout(timer);
        resolve(msg.type === "opened");
      }
    };
    worker.onerror = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const minFrames = options.minFrames ?? DEFAULT_MIN_FRAMES;
    worker.postMessage({ type: "open", paths: [path], intervalMs, minFrames, turn: turn.buffer });
  });
  if (!opened) {
    worker.terminate();
    return undefined;
  }
  unrefWorker(worker); // a forgotten close must not keep the process alive
  db.exec("PRAGMA wal_autocheckpoint = 0");
  // Locks of the thread's connection other than the checkpoint lock (which the turn keeps apart, and for
  // which SQLite never waits) are brief: wait for them rather than fail a write.
  if (Number(Object.values(db.prepare("PRAGMA busy_timeout").get() ?? {})[0] ?? 0) === 0) {
    db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
  }
  db.exec(`PRAGMA journal_size_limit = ${maxWalBytes}`);
  const index = new WalIndexReader(path);
  const idleTruncateMs = options.idleTruncateMs ?? DEFAULT_IDLE_TRUNCATE_MS;
  return wrap(db, { bound, turn, index, idleTruncateMs }, () => {
    const timer = setTimeout(() => worker.terminate(), CLOSE_TIMEOUT_MS);
    closed = () => {
      clearTimeout(timer);
      worker.terminate();
    };
    worker.postMessage({ type: "close" });
  });
}

/** Whether an idle WAL is due for truncation; pure, so it is testable without a thread or a clock. */
export class WalIdle {
  readonly #idleMs: number;
  #frames = -1;
  #sinceMs = 0;

  constructor(idleMs: number) {
    if (!(idleMs > 0)) throw new Error("wal checkpointer: idleMs must be positive");
    this.#idleMs = idleMs;
  }

  /**
   * The WAL's length at `nowMs`: true when it holds frames and has not changed for the idle time. Once it
   * answered true it waits another idle time (a truncation that found a reader is not retried at once).
   */
  due(frames: number, nowMs: number): boolean {
    if (frames !== this.#frames) {
      this.#frames = frames;
      this.#sinceMs = nowMs;
      return false;
    }
    if (frames <= 0 || nowMs - this.#sinceMs < this.#idleMs) return false;
    this.#sinceMs = nowMs;
    return true;
  }
}

interface WrapParts {
  bound: WalBound;
  turn: CheckpointTurn;
  index: WalIndexReader;
  idleTruncateMs: number;
}

/**
 * `db` with the bound checked after every outermost commit, an idle WAL truncated, and the thread stopped
 * on close.
 */
function wrap(db: SqlDatabase, parts: WrapParts, stopThread: () => void): SqlDatabase {
  const { bound, turn, index } = parts;
  let depth = 0;
  let execTxn = false;
  const idle = new WalIdle(parts.idleTruncateMs);
  const truncateIfIdle = (): void => {
    if (depth > 0 || execTxn || !idle.due(index.read().frames, performance.now())) return;
    if (!turn.takeForWriter(0)) return;
    const busyMs = Number(Object.values(db.prepare("PRAGMA busy_timeout").get() ?? {})[0] ?? 0);
    try {
      // Never wait here: a reader (a snapshot copy, a streamed range) keeps the WAL until a later try.
      // (Pragmas through prepare, not exec: exec tells the caches on this connection that rows changed.)
      db.prepare("PRAGMA busy_timeout = 0").get();
      db.prepare("PRAGMA wal_checkpoint(TRUNCATE)").get();
    } catch {
      // busy or closing: the next quiet spell tries again
    } finally {
      db.prepare(`PRAGMA busy_timeout = ${busyMs}`).get();
      turn.release();
    }
  };
  // A quarter of the idle time between looks: a WAL is truncated between 1× and 1.25× that long after its
  // last write.
  const idleTimer = setInterval(truncateIfIdle, Math.max(1, Math.floor(parts.idleTruncateMs / 4)));
  (idleTimer as { unref?: () => void }).unref?.();
  const afterCommit = (): void => {
    const wal = index.read();
    bound.report(wal.frames, wal.backfilled);
    if (!bound.shouldRewind()) return;
    // The thread mid-pass: it now leaves the next turn to us, taken after the next commit.
    if (!turn.takeForWriter(bound.mustWait() ? WRITER_TURN_WAIT_MS : 0)) return;
    let complete = false;
    try {
      // PASSIVE: a reader still on old frames (a backup copy) must not stall the event loop; it only
      // delays the rewind to a later commit.
      const row = db.prepare("PRAGMA wal_checkpoint(PASSIVE)").get() ?? {};
      complete = Number(row.busy) === 0 && Number(row.log) === Number(row.checkpointed);
    } catch {
      // e.g. another process's checkpoint: the next commit tries again
    } finally {
      turn.release();
    }
    bound.rewound(complete);
  };
  const wrapped: SqlDatabase = {
    exec(sql: string): void {
      db.exec(sql);
      if (BEGIN.test(sql)) execTxn = true;
      else if (COMMIT.test(sql) || ROLLBACK.test(sql)) {
        const committed = execTxn && COMMIT.test(sql);
        execTxn = false;
        if (committed && depth === 0) afterCommit();
      }
    },
    prepare: (sql) => db.prepare(sql),
    transaction<T>(fn: () => T): T {
      depth++;
      let result: T;
      try {
        result = db.transaction(fn);
      } finally {
        depth--;
      }
      if (depth === 0 && !execTxn) afterCommit();
      return result;
    },
    close(): void {
      clearInterval(idleTimer);
      stopThread();
      index.close();
      db.close();
    },
  };
  if (db.changeEpoch !== undefined) wrapped.changeEpoch = () => db.changeEpoch!();
  wrapped.walBacklogFrames = () => {
    const wal = index.read();
    return wal.frames - wal.backfilled;
  };
  return wrapped;
}
