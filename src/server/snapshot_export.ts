/**
 * The member side of etcd's Maintenance.Snapshot: a consistent copy of the state database, read back in
 * chunks with the SHA-256 of the whole copy as the last chunk — the file format of src/server/snapshot_file.ts.
 *
 * How a copy is made, and why:
 * - the member's open apply transaction is committed first, so the copy holds everything applied so far;
 * - `VACUUM INTO` a temp file in the data dir runs on a one-off worker thread (src/server/snapshot_worker.ts,
 *   the same copy Raft snapshots use): a large copy must not stall heartbeats on the event loop (a compiled
 *   binary has no worker file; there the copy runs inline, as SnapshotStore.make's fallback does);
 * - the copy is read 32 KiB at a time (etcd's chunk size) with async reads, so memory stays bounded;
 * - the temp file is removed when the stream ends, fails or is abandoned (`close`).
 *
 * Bounds: at most `maxInFlight` snapshots per member (more is etcd's ResourceExhausted), a copy may take
 * `copyTimeoutMs`, and a copy larger than MAX_SNAPSHOT_FILE_BYTES is refused.
 * @module
 */
import { createHash, type Hash } from "node:crypto";
import { readdirSync, rmSync, statSync } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { join } from "node:path";
import { EtcdError, GrpcCode } from "../codec/errors.ts";
import { openDatabase } from "../runtime/sqlite.ts";
import { MAX_SNAPSHOT_FILE_BYTES, SNAPSHOT_HASH_BYTES } from "./snapshot_file.ts";
import { WORKER_OPTIONS, workerUrl } from "../runtime/worker_url.ts";

/** Bytes per chunk, as etcd's maintenance server sends them. */
export const SNAPSHOT_CHUNK_BYTES = 32 * 1024;
/** Default bound on snapshots being copied or streamed at once by one member. */
export const DEFAULT_MAX_SNAPSHOTS_IN_FLIGHT = 2;
/** Default bound on one `VACUUM INTO` copy. */
export const DEFAULT_SNAPSHOT_COPY_TIMEOUT_MS = 120_000;

/** Temp copies are named `<prefix><pid>.<n>.db` in the data dir. */
export const EXPORT_PREFIX = "snapshot.export.";

/** What the exporter needs from a member. */
export interface SnapshotSourceOptions {
  /** Where temp copies go (the member's data dir: same file system, same permissions). */
  dataDir: string;
  /** The state database file. */
  statePath: string;
  /** Commits the member's open apply transaction (Member.commitState). */
  commitState: () => void;
  maxInFlight?: number;
  copyTimeoutMs?: number;
}

/** One message of the snapshot stream: a slice of the copy, or (last) its SHA-256. */
export interface SnapshotChunk {
  blob: Uint8Array;
  /** Bytes of the copy still to come after this chunk (0 for the last data chunk and the hash). */
  remainingBytes: number;
}

/** A made copy being streamed; `close` releases it (idempotent, safe at any point). */
export interface SnapshotCopy {
  readonly sizeBytes: number;
  /** The next message, or undefined after the hash was returned. */
  next(): Promise<SnapshotChunk | undefined>;
  close(): void;
}

/** Copies and streams snapshots of one member, a bounded number at a time. */
export class SnapshotExporter {
  readonly #o: Required<SnapshotSourceOptions>;
  #inFlight = 0;
  #sequence = 0;

  constructor(options: SnapshotSourceOptions) {
    this.#o = {
      maxInFlight: DEFAULT_MAX_SNAPSHOTS_IN_FLIGHT,
      copyTimeoutMs: DEFAULT_SNAPSHOT_COPY_TIMEOUT_MS,
      ...options,
    };
    if (!(this.#o.maxInFlight >= 1)) throw new Error("snapshot export: maxInFlight must be ≥ 1");
    removeStaleCopies(this.#o.dataDir);
  }

  /** Snapshots currently copied or streamed (for tests and metrics). */
  get inFlight(): number {
    return this.#inFlight;
  }

  /**
   * Takes a slot, commits applied state, copies it off-thread. Throws EtcdError ResourceExhausted when
   * `maxInFlight` snapshots are already running. The caller must `close()` the copy.
   */
  async open(): Promise<SnapshotCopy> {
    if (this.#inFlight >= this.#o.maxInFlight) {
      throw new EtcdError(
        GrpcCode.ResourceExhausted,
        `etcdserver: too many snapshots in flight (at most ${this.#o.maxInFlight}); retry later`,
      );
    }
    this.#inFlight++;
    const path = join(this.#o.dataDir, `${EXPORT_PREFIX}${process.pid}.${++this.#sequence}.db`);
    let released = false;
    // The slot frees at once; the file goes once its handle is closed.
    const releaseSlot = (): void => {
      if (released) return;
      released = true;
      this.#inFlight--;
      console.assert(this.#inFlight >= 0, "snapshot export: slot released twice");
    };
    try {
      this.#o.commitState();
      await copyOffThread(this.#o.statePath, path, this.#o.copyTimeoutMs);
      return await openCopy(path, releaseSlot);
    } catch (error) {
      removeDb(path);
      releaseSlot();
      throw asEtcdError(error);
    }
  }
}

/** The worker script could not start (a compiled binary holds no worker files). */
class WorkerUnavailable extends Error {}

/**
 * `VACUUM INTO` on a one-off worker; where no worker can start, on this thread (correct, but the event
 * loop waits for the copy, as SnapshotStore.make does in that case).
 */
async function copyOffThread(statePath: string, outPath: string, timeoutMs: number): Promise<void> {
  removeDb(outPath);
  try {
    await copyOnWorker(statePath, outPath, timeoutMs);
  } catch (error) {
    if (!(error instanceof WorkerUnavailable)) throw error;
    removeDb(outPath);
    copyInline(statePath, outPath);
  }
}

/** Runs `VACUUM INTO` on a one-off worker; terminates it after `timeoutMs`. */
function copyOnWorker(statePath: string, outPath: string, timeoutMs: number): Promise<void> {
  let worker: Worker;
  try {
    worker = new Worker(workerUrl(import.meta.url, "./snapshot_worker.ts", "src/server/snapshot_worker.ts"), WORKER_OPTIONS);
  } catch (error) {
    return Promise.reject(new WorkerUnavailable(String((error as Error)?.message ?? error)));
  }
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      worker.terminate();
      reject(new Error(`snapshot copy took longer than ${timeoutMs} ms`));
    }, timeoutMs);
    worker.onmessage = (event: MessageEvent): void => {
      clearTimeout(timer);
      worker.terminate();
      const msg = event.data as { type: string; message?: string };
      if (msg.type === "made") resolve();
      else reject(new Error(`snapshot copy failed: ${msg.message}`));
    };
    // The script itself did not load: no copy was attempted.
    worker.onerror = (event: ErrorEvent): void => {
      clearTimeout(timer);
      worker.terminate();
      reject(new WorkerUnavailable(event.message));
    };
    worker.postMessage({ type: "make", statePath, outPath });
  });
}

/** The same copy on this thread, through a connection of its own (the member's stays untouched). */
function copyInline(statePath: string, outPath: string): void {
  const db = openDatabase(statePath, { durable: false });
  try {
    db.exec("PRAGMA busy_timeout = 10000");
    db.exec(`VACUUM INTO '${outPath.replaceAll("'", "''")}'`);
  } finally {
    db.close();
  }
}

/** Opens the made copy for chunked reading; closing it frees the slot and removes the file. */
async function openCopy(path: string, releaseSlot: () => void): Promise<SnapshotCopy> {
  const sizeBytes = statSync(path).size;
  if (sizeBytes > MAX_SNAPSHOT_FILE_BYTES - SNAPSHOT_HASH_BYTES) {
    throw new Error(`snapshot of ${sizeBytes} bytes is larger than ${MAX_SNAPSHOT_FILE_BYTES} bytes`);
  }
  const file = await open(path, "r");
  return new ChunkedCopy(file, sizeBytes, () => {
    releaseSlot();
    void file.close().catch(() => {}).finally(() => removeDb(path));
  });
}

/** Reads a copy front to back, hashing as it goes; the hash is the message after the last chunk. */
class ChunkedCopy implements SnapshotCopy {
  readonly sizeBytes: number;
  readonly #file: FileHandle;
  readonly #hash: Hash = createHash("sha256");
  readonly #onClose: () => void;
  #offsetBytes = 0;
  #hashSent = false;
  #closed = false;

  constructor(file: FileHandle, sizeBytes: number, onClose: () => void) {
    this.#file = file;
    this.sizeBytes = sizeBytes;
    this.#onClose = onClose;
  }

  async next(): Promise<SnapshotChunk | undefined> {
    if (this.#closed || this.#hashSent) return undefined;
    if (this.#offsetBytes >= this.sizeBytes) {
      this.#hashSent = true;
      return { blob: new Uint8Array(this.#hash.digest()), remainingBytes: 0 };
    }
    const wantBytes = Math.min(SNAPSHOT_CHUNK_BYTES, this.sizeBytes - this.#offsetBytes);
    const blob = new Uint8Array(wantBytes);
    // A short read is possible in principle: fill the chunk, bounded by its size.
    for (let filled = 0; filled < wantBytes;) {
      const { bytesRead } = await this.#file.read(blob, filled, wantBytes - filled, this.#offsetBytes + filled);
      if (this.#closed) return undefined;
      if (bytesRead <= 0) throw new EtcdError(GrpcCode.Internal, "snapshot copy shrank while being streamed");
      filled += bytesRead;
    }
    this.#offsetBytes += wantBytes;
    this.#hash.update(blob);
    return { blob, remainingBytes: this.sizeBytes - this.#offsetBytes };
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#onClose();
  }
}

function asEtcdError(error: unknown): EtcdError {
  if (error instanceof EtcdError) return error;
  return new EtcdError(GrpcCode.Internal, String((error as Error)?.message ?? error));
}

/** Copies left by a member that died mid-stream (the data dir lock says none of them is in use). */
function removeStaleCopies(dataDir: string): void {
  let names: string[] = [];
  try {
    names = readdirSync(dataDir);
  } catch {
    return; // no data dir yet: nothing to clean
  }
  for (const name of names) {
    if (name.startsWith(EXPORT_PREFIX)) rmSync(join(dataDir, name), { force: true });
  }
}

function removeDb(path: string): void {
  for (const suffix of ["", "-wal", "-shm", "-journal"]) rmSync(path + suffix, { force: true });
}
