/**
 * The client front: etcd serves gRPC and its HTTP gateway on one client URL, and so does tsetcd. The front
 * owns that port, reads each connection's first bytes (the HTTP/2 preface, or a TLS ClientHello offering
 * ALPN h2 → the node:http2 server; anything HTTP/1 → Bun.serve) and splices the raw bytes to the chosen
 * server on a local abstract unix socket. TLS is not terminated here, so client certificates still reach
 * the server that checks them.
 *
 * It runs in a thread of its own by default, so the copying costs the serving thread only unix-socket I/O.
 *
 * @example
 * const front = await startClientFront({ hostname: "127.0.0.1", port: 2379, tls: false, targets: localTargets("m1") });
 * await front.close();
 * @module
 */
import { workerUrl } from "../runtime/worker_url.ts";
import { type FrontListenOptions, listenFront } from "./listener.ts";
import type { FrontTargets } from "./splice.ts";

export type { FrontTargets } from "./splice.ts";

/** A running front. */
export interface ClientFront {
  /** The public port (resolved when 0 was asked for). */
  port: number;
  /** Stops listening and drops every connection it holds. */
  close(): Promise<void>;
}

/** How long the thread may take to start listening or to close. */
const THREAD_REPLY_TIMEOUT_MS = 10_000;
let nextTargetId = 0;

/** Two fresh abstract-socket names (no file to clean up, gone with the process) for one client URL. */
export function localTargets(label: string): FrontTargets {
  const base = `\0tsetcd-${process.pid}-${nextTargetId++}-${label}`;
  return { h2: `${base}-h2`, http1: `${base}-http1` };
}

/**
 * Starts the front on options.hostname:options.port. `thread: false` runs it on the calling thread (for
 * measuring the two against each other); the default is its own thread, falling back to this one when
 * threads are unavailable.
 */
export async function startClientFront(options: FrontListenOptions, how: { thread?: boolean } = {}): Promise<ClientFront> {
  if (how.thread !== false) {
    const worker = newWorker();
    if (worker !== undefined) return await startInThread(worker, options);
  }
  const front = listenFront(options);
  return { port: front.port, close: () => Promise.resolve(front.close()) };
}

function newWorker(): Worker | undefined {
  try {
    return new Worker(workerUrl(import.meta.url, "./worker.ts", "src/front/worker.ts"));
  } catch {
    return undefined;
  }
}

async function startInThread(worker: Worker, options: FrontListenOptions): Promise<ClientFront> {
  const reply = (type: string): Promise<Record<string, unknown>> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`client front: no ${type} reply`)), THREAD_REPLY_TIMEOUT_MS);
      worker.onmessage = (event: MessageEvent): void => {
        clearTimeout(timer);
        const msg = event.data as Record<string, unknown>;
        if (msg.type === "failed") reject(new Error(String(msg.message)));
        else resolve(msg);
      };
      worker.onerror = (event: ErrorEvent): void => {
        clearTimeout(timer);
        reject(new Error(`client front thread: ${event.message}`));
      };
    });
  const listening = reply("listening");
  worker.postMessage({ type: "start", options });
  let port: number;
  try {
    port = Number((await listening).port);
  } catch (error) {
    worker.terminate();
    throw error;
  }
  let closed: Promise<void> | undefined;
  // Past start-up a failure of the thread would leave the port unserved: say so loudly.
  worker.onerror = (event: ErrorEvent): void => {
    if (closed === undefined) console.error(`tsetcd: client front thread on port ${port} failed: ${event.message}`);
  };
  return {
    port,
    close: () => {
      closed ??= (async () => {
        const done = reply("closed");
        worker.postMessage({ type: "close" });
        await done.catch(() => {});
        worker.terminate();
      })();
      return closed;
    },
  };
}
