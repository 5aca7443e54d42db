/**
 * Reads the two counters of a WAL database's shared-memory index (`<db>-shm`) that tell how long the WAL
 * is and how much of it a checkpoint already copied back — without a lock or a SQL statement, so it can be
 * asked after every commit. Layout (SQLite's wal.c, native byte order): two copies of the 48-byte
 * WalIndexHdr, `mxFrame` at byte 16; then WalCkptInfo, `nBackfill` at byte 96. A racy read is fine: the
 * numbers only decide when to checkpoint, never what is durable.
 * @module
 */
import { closeSync, openSync, readSync } from "node:fs";

/** Bytes of the index read: both header copies and the start of the checkpoint info. */
export const WAL_INDEX_PREFIX_BYTES = 100;
const MX_FRAME_OFFSET = 16;
const N_BACKFILL_OFFSET = 96;

/** Frames in the WAL and frames already copied into the database file. */
export interface WalFrames {
  frames: number;
  backfilled: number;
}

/** Parses the first `WAL_INDEX_PREFIX_BYTES` of a `-shm` file (little-endian hosts, as SQLite writes them). */
export function parseWalIndex(prefix: Uint8Array): WalFrames {
  if (prefix.byteLength < WAL_INDEX_PREFIX_BYTES) return { frames: 0, backfilled: 0 };
  const view = new DataView(prefix.buffer, prefix.byteOffset, prefix.byteLength);
  const frames = view.getUint32(MX_FRAME_OFFSET, true);
  const backfilled = view.getUint32(N_BACKFILL_OFFSET, true);
  // Mid-update (or a rewound WAL not yet written): never report more copied than present.
  return { frames, backfilled: Math.min(backfilled, frames) };
}

/** Reads the counters of the database at `dbPath` through an open descriptor of its `-shm` file. */
export class WalIndexReader {
  readonly #fd: number;
  readonly #buf = new Uint8Array(WAL_INDEX_PREFIX_BYTES);

  constructor(dbPath: string) {
    this.#fd = openSync(`${dbPath}-shm`, "r");
  }

  read(): WalFrames {
    const n = readSync(this.#fd, this.#buf, 0, WAL_INDEX_PREFIX_BYTES, 0);
    return parseWalIndex(this.#buf.subarray(0, n));
  }

  close(): void {
    closeSync(this.#fd);
  }
}
