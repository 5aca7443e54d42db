/**
 * Maintenance.Snapshot from the client: the member's stream of CBOR frames (src/api/snapshot_route.ts)
 * as raw chunks whose concatenation is a snapshot file (database copy, then its SHA-256), and a save to a
 * path that never leaves a partial file under the final name.
 *
 * The stream is checked as it goes: the last message must be the SHA-256 of everything before it, so a
 * cut connection or a server error mid-way throws instead of passing for a complete snapshot.
 *
 * @example
 * const client = connect({ endpoints: ["127.0.0.1:2379"] });
 * await client.saveSnapshot("backup.db");
 * @module
 */
import { createHash } from "node:crypto";
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { EtcdError, GrpcCode } from "../codec/errors.ts";
import { errorFromBody } from "../codec/http.ts";
import { StreamFrameReader } from "../codec/frames.ts";
import { MAX_SNAPSHOT_FILE_BYTES, SNAPSHOT_HASH_BYTES } from "../server/snapshot_file.ts";

/** Bound on messages of one stream: 32 KiB each, so 32 GiB — far past the server's size bound. */
const MAX_SNAPSHOT_MESSAGES = 1 << 20;
/** Bound on the bytes of one stream: the largest snapshot file plus framing (an eighth more). */
const MAX_SNAPSHOT_STREAM_BYTES = MAX_SNAPSHOT_FILE_BYTES * 1.125;

/** Options of a snapshot download. */
export interface SnapshotOptions {
  /** Cancels the download; a save then removes its partial file. */
  signal?: AbortSignal;
  /**
   * How long to wait for the stream to start, connection retries included: the member makes its copy
   * before the first byte (default 130 s, past the member's own 120 s bound on a copy).
   */
  startTimeoutMs?: number;
  /** Called after each chunk with the bytes received so far (for progress lines). */
  onProgress?: (receivedBytes: number) => void;
}

/** Default of `startTimeoutMs`. */
export const DEFAULT_SNAPSHOT_START_TIMEOUT_MS = 130_000;

/** How the client opens the stream: its own send path (failover, TLS, deadline). */
export type SnapshotOpener = (options: SnapshotOptions) => Promise<Response>;

/**
 * The snapshot's bytes as they arrive. Throws EtcdError when the stream fails or ends without a
 * matching SHA-256 trailer (after yielding what came, so a caller writing a file must not keep it).
 */
export async function* snapshotChunks(open: SnapshotOpener, options: SnapshotOptions = {}): AsyncGenerator<Uint8Array> {
  const response = await open(options);
  if (!response.ok) throw errorFromBody(response.status, new Uint8Array(await response.arrayBuffer()));
  if (response.body === null) throw incomplete("the member sent no body");
  const reader = response.body.getReader() as ReadableStreamDefaultReader<Uint8Array>;
  const frames = new StreamFrameReader();
  const check = new TrailerCheck();
  let receivedBytes = 0;
  let streamBytes = 0;
  try {
    // Bounded by MAX_SNAPSHOT_STREAM_BYTES: every read that does not end the stream brings bytes.
    for (;;) {
      const { done, value } = await readOrCanceled(reader, options.signal);
      if (done) break;
      streamBytes += value.byteLength;
      if (streamBytes > MAX_SNAPSHOT_STREAM_BYTES) throw incomplete("the stream is larger than any snapshot");
      for (const frame of framesOf(frames, value)) {
        const blob = blobOf(frame);
        check.add(blob);
        receivedBytes += blob.byteLength;
        yield blob;
      }
      options.onProgress?.(receivedBytes);
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  if (frames.pendingBytes > 0) throw incomplete("the stream was cut inside a message");
  check.finish();
}

/**
 * Downloads a snapshot to `path`: writes `<path>.part`, fsyncs it, checks the trailer, then renames it to
 * `path`. On any failure the part file is removed and nothing is left at `path`.
 * Errors opening the part file read as etcdctl's `could not open <path>.part (<cause>)`.
 */
export async function saveSnapshotTo(open: SnapshotOpener, path: string, options: SnapshotOptions = {}): Promise<number> {
  const partPath = `${path}.part`;
  let fd: number;
  try {
    fd = openSync(partPath, "w", 0o600);
  } catch (error) {
    throw new Error(`could not open ${partPath} (${goOpenError(error, partPath)})`);
  }
  let sizeBytes = 0;
  try {
    for await (const chunk of snapshotChunks(open, options)) sizeBytes += writeFully(fd, chunk);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    rmSync(partPath, { force: true });
    throw error;
  }
  closeSync(fd);
  renameSync(partPath, path);
  return sizeBytes;
}

/** The next read; a caller's abort reads as the client's "context canceled", as for unary calls. */
async function readOrCanceled(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  signal: AbortSignal | undefined,
): Promise<{ done: true; value?: undefined } | { done: false; value: Uint8Array }> {
  try {
    // Rebuilt rather than returned: Deno's type of a read result (deno check) is not this union.
    const result = await reader.read();
    return result.done ? { done: true } : { done: false, value: result.value };
  } catch (error) {
    if (signal?.aborted === true) throw new EtcdError(GrpcCode.Canceled, "context canceled");
    throw new EtcdError(GrpcCode.Unavailable, `snapshot stream broken: ${(error as Error)?.message ?? error}`);
  }
}

/** Verifies that the last message is the SHA-256 of every one before it, holding back one message. */
class TrailerCheck {
  readonly #hash = createHash("sha256");
  #last: Uint8Array | undefined;
  #messages = 0;

  add(blob: Uint8Array): void {
    if (++this.#messages > MAX_SNAPSHOT_MESSAGES) throw incomplete("the stream has too many messages");
    if (this.#last !== undefined) this.#hash.update(this.#last);
    this.#last = blob;
  }

  finish(): void {
    const trailer = this.#last;
    if (trailer === undefined || trailer.byteLength !== SNAPSHOT_HASH_BYTES) throw incomplete("no SHA-256 trailer");
    if (!Buffer.from(this.#hash.digest()).equals(trailer)) throw incomplete("the SHA-256 trailer does not match");
  }
}

/** The messages `bytes` completes; a frame that is not CBOR means the stream is not a snapshot stream. */
function framesOf(reader: StreamFrameReader, bytes: Uint8Array): ReturnType<StreamFrameReader["push"]> {
  try {
    return reader.push(bytes);
  } catch (error) {
    throw incomplete(`a bad message (${(error as Error)?.message ?? error})`);
  }
}

/** A frame's blob, or the error it carries. */
function blobOf(frame: { result: unknown } | { error: { code: number; message: string } }): Uint8Array {
  if ("error" in frame) throw new EtcdError(frame.error.code as GrpcCode, frame.error.message);
  const blob = (frame.result as { blob?: unknown } | undefined)?.blob;
  if (blob === undefined) return new Uint8Array(0); // an empty blob is omitted, as in protobuf
  if (!(blob instanceof Uint8Array)) throw incomplete("a message's blob is not bytes");
  return blob;
}

function writeFully(fd: number, chunk: Uint8Array): number {
  // Each turn writes at least a byte or throws, so this ends within chunk.byteLength turns.
  for (let offset = 0; offset < chunk.byteLength;) offset += writeSync(fd, chunk, offset);
  return chunk.byteLength;
}

/** Go's *PathError text for a failed open, e.g. "open x.part: no such file or directory". */
function goOpenError(error: unknown, path: string): string {
  const code = (error as NodeJS.ErrnoException).code;
  const texts: Record<string, string> = {
    ENOENT: "no such file or directory",
    EACCES: "permission denied",
    EISDIR: "is a directory",
    ENOTDIR: "not a directory",
    EROFS: "read-only file system",
  };
  return `open ${path}: ${texts[code ?? ""] ?? (error as Error).message}`;
}

function incomplete(why: string): EtcdError {
  return new EtcdError(GrpcCode.Unavailable, `snapshot stream incomplete: ${why}`);
}
