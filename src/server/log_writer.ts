/**
 * The main thread's side of the log writer thread (log_worker.ts): `write` resolves once the entries and
 * hard state are committed and fsynced. One write at a time (the Ready loop waits for it before the next
 * Ready), so ordering is the call order.
 * @module
 */
import type { LogWrite } from "../storage/raft_log.ts";
import { WORKER_OPTIONS, workerUrl } from "../runtime/worker_url.ts";
import { diskMetrics } from "../metrics/etcd.ts";

/** Persists log writes off the main thread. */
export interface LogWriterClient {
  write(w: LogWrite): Promise<void>;
  close(): Promise<void>;
}

/** How long the thread may take to open the database before we fall back to writing inline. */
const OPEN_TIMEOUT_MS = 10_000;

interface Pending {
  resolve: () => void;
  reject: (err: Error) => void;
}

/**
 * Starts the writer thread on the log database at `path`; resolves to undefined when threads are not
 * available (e.g. a compiled binary without the worker bundled), and the caller writes inline.
 */
export async function startLogWriter(path: string): Promise<LogWriterClient | undefined> {
  let worker: Worker;
  try {
    worker = new Worker(workerUrl(import.meta.url, "./log_worker.ts", "src/server/log_worker.ts"), WORKER_OPTIONS);
  } catch {
    return undefined;
  }
  const pending = new Map<number, Pending>();
  let closing: Pending | undefined;
  let opened: Pending | undefined;
  let seq = 0;
  worker.onmessage = (event: MessageEvent): void => {
    const msg = event.data as { type: string; seq?: number; message?: string };
    if (msg.type === "opened") opened?.resolve();
    else if (msg.type === "closed") closing?.resolve();
    else if (msg.type === "failed" && msg.seq === undefined) opened?.reject(new Error(msg.message));
    else if (msg.type === "written" || msg.type === "failed") {
      const waiter = pending.get(msg.seq!);
      if (waiter === undefined) return;
      pending.delete(msg.seq!);
      if (msg.type === "written") waiter.resolve();
      else waiter.reject(new Error(`log writer: ${msg.message}`));
    }
  };
  worker.onerror = (event: ErrorEvent): void => {
    const error = new Error(`log writer thread failed: ${event.message}`);
    opened?.reject(error);
    for (const waiter of pending.values()) waiter.reject(error);
    pending.clear();
  };
  const ok = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), OPEN_TIMEOUT_MS);
    opened = {
      resolve: () => {
        clearTimeout(timer);
        resolve(true);
      },
      reject: () => {
        clearTimeout(timer);
        resolve(false);
      },
    };
    worker.postMessage({ type: "open", path });
  });
  opened = undefined;
  if (!ok) {
    worker.terminate();
    return undefined;
  }
  return {
    write(w: LogWrite): Promise<void> {
      const id = ++seq;
      const startMs = performance.now();
      return new Promise<void>((resolve, reject) => {
        // The thread's commit and fsync, with the hand-off both ways.
        const written = (): void => {
          diskMetrics.walFsync.observe((performance.now() - startMs) / 1000);
          resolve();
        };
        pending.set(id, { resolve: written, reject });
        // Only what the thread needs crosses: entries (copied) and the hard state.
        worker.postMessage({ type: "write", seq: id, write: { entries: w.entries, hardState: w.hardState } });
      });
    },
    close(): Promise<void> {
      return new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          worker.terminate();
          resolve();
        }, OPEN_TIMEOUT_MS);
        closing = {
          resolve: () => {
            clearTimeout(timer);
            worker.terminate();
            resolve();
          },
          reject: () => {},
        };
        worker.postMessage({ type: "close" });
      });
    },
  };
}
