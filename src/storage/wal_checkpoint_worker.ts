/**
 * The WAL checkpoint thread: owns its own connection to each database it was given and, on a timer, when
 * at least `minFrames` WAL frames wait to be copied back, copies them into the database file
 * (`PRAGMA wal_checkpoint(PASSIVE)`, which never waits for and never blocks the writer). This is the copy
 * and fsync SQLite's auto-checkpoint would otherwise run inside a COMMIT on the main thread; waiting for
 * `minFrames` (SQLite's own default threshold) keeps its fsyncs as rare as before, so they don't compete
 * with the log's. A pass runs only in the thread's checkpoint turn (checkpoint_turn.ts), which it leaves to
 * the writer when the writer asks, so the writer's own checkpoint (the one that rewinds the WAL) never finds
 * the checkpoint lock taken by this thread. Messages: open (with the turn's buffer) → opened | failed;
 * close → closed.
 * @module
 */
import { openDatabase } from "../runtime/sqlite.ts";
import type { SqlDatabase } from "./adapter.ts";
import { CheckpointTurn } from "./checkpoint_turn.ts";
import { WalIndexReader } from "./wal_index.ts";

declare const self: Worker;

/** Bound on databases one thread checkpoints. */
const MAX_DATABASES = 8;
/** How long the thread starts no pass while the writer asks for the turn (it takes it at its next commit). */
const YIELD_TO_WRITER_MS = 1_000;

const open: { path: string; db: SqlDatabase; index: WalIndexReader }[] = [];
let minFrames = 1;
/** One turn for all of this thread's databases (wal_checkpointer.ts gives each thread one database). */
let turn: CheckpointTurn | undefined;
let maxYields = 1;
let timer: ReturnType<typeof setInterval> | undefined;

function checkpointAll(): void {
  for (const { db, index } of open) {
    const { frames, backfilled } = index.read();
    if (frames - backfilled < minFrames) continue;
    if (!turn!.takeForThread(maxYields)) continue; // the writer's turn: the next pass looks again
    try {
      db.prepare("PRAGMA wal_checkpoint(PASSIVE)").get();
    } catch {
      // busy or closed under us: the next pass tries again
    } finally {
      turn!.release();
    }
  }
}

function closeAll(): void {
  if (timer !== undefined) clearInterval(timer);
  timer = undefined;
  for (const { db, index } of open.splice(0)) {
    index.close();
    db.close();
  }
}

self.onmessage = (event: MessageEvent): void => {
  const msg = event.data as {
    type: string;
    paths?: string[];
    intervalMs?: number;
    minFrames?: number;
    turn?: SharedArrayBuffer;
  };
  try {
    if (msg.type === "open") {
      const paths = msg.paths ?? [];
      if (paths.length === 0 || paths.length > MAX_DATABASES) throw new Error("checkpoint worker: 1–8 paths");
      if (!(msg.intervalMs! >= 1)) throw new Error("checkpoint worker: intervalMs must be ≥ 1");
      if (!(msg.turn instanceof SharedArrayBuffer)) throw new Error("checkpoint worker: no checkpoint turn");
      turn = new CheckpointTurn(msg.turn);
      maxYields = Math.ceil(YIELD_TO_WRITER_MS / msg.intervalMs!);
      for (const path of paths) {
        // This runtime's SQLite (src/runtime/sqlite.ts); its pragmas match the writer's, synchronous is set below.
        const db = openDatabase(path, { durable: true });
        // Never wait: a pass that finds the checkpoint lock taken is simply skipped.
        db.exec("PRAGMA busy_timeout = 0");
        // A checkpoint syncs the WAL before copying and the database after: log compaction relies on it.
        db.exec("PRAGMA synchronous = FULL");
        db.prepare("PRAGMA wal_checkpoint(PASSIVE)").get(); // also makes sure the -shm index exists
        open.push({ path, db, index: new WalIndexReader(path) });
      }
      minFrames = Math.max(1, msg.minFrames ?? 1);
      timer = setInterval(checkpointAll, msg.intervalMs!);
      self.postMessage({ type: "opened" });
    } else if (msg.type === "close") {
      closeAll();
      self.postMessage({ type: "closed" });
    }
  } catch (err) {
    closeAll();
    self.postMessage({ type: "failed", message: String((err as Error)?.stack ?? err) });
  }
};
