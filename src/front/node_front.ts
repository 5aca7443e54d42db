/**
 * The client front on node:net, for Deno (Bun's front is listener.ts on Bun.listen, in a thread). Same job:
 * own the public client port, read each connection's first bytes, choose the HTTP/2 (gRPC) or the HTTP/1
 * server with opening.ts, and splice the raw bytes to that server's local unix socket. It runs on the
 * member's own thread: Deno has node:net but no Bun.listen, and the copying is node streams' pipe, whose
 * backpressure pauses a side while the other has a full buffer.
 *
 * The targets here are socket files (nodeTargets), not abstract names: Deno.serve listens on a path only.
 * @module
 */
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { classifyOpening, MAX_OPENING_BYTES } from "./opening.ts";
import type { FrontListenOptions } from "./listener.ts";
import type { ClientFront, FrontTargets } from "./mod.ts";

const DEFAULT_MAX_CONNECTIONS = 10_000;
const DEFAULT_OPENING_TIMEOUT_MS = 5_000;
let nextTargetId = 0;

/**
 * Two fresh socket-file paths (in the temporary directory, short enough for a unix socket's 108 bytes) for
 * one client URL; the front's close removes them.
 */
export function nodeTargets(label: string): FrontTargets {
  if (nextTargetId === 0) sweepStaleTargets(tmpdir());
  const base = join(tmpdir(), `tsetcd-${process.pid}-${nextTargetId++}-${label}`);
  const targets = { h2: `${base}-h2.sock`, http1: `${base}-http1.sock` };
  if (Buffer.byteLength(targets.http1) >= 108) throw new Error(`client front: socket path too long: ${targets.http1}`);
  return targets;
}

/** Directory entries looked at by one sweep: a bound on the work, not on correctness (the next start sweeps on). */
const MAX_SWEPT_ENTRIES = 10_000;
const TARGET_FILE = /^tsetcd-(\d+)-\d+-.*-(h2|http1)\.sock$/;

/**
 * Removes socket files of members that died without closing (SIGKILL leaves them): ours by name, and only
 * those whose process is gone, so a live member's files on the same machine are never touched.
 */
export function sweepStaleTargets(dir: string): number {
  let removed = 0;
  let entries: string[];
  try {
    entries = readdirSync(dir).slice(0, MAX_SWEPT_ENTRIES);
  } catch {
    return 0;
  }
  for (const entry of entries) {
    const pid = Number(TARGET_FILE.exec(entry)?.[1] ?? NaN);
    if (!Number.isSafeInteger(pid) || pid === process.pid || alive(pid)) continue;
    rmSync(join(dir, entry), { force: true });
    removed++;
  }
  return removed;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists under another user.
    return (error as { code?: string }).code === "EPERM";
  }
}

/** Removes the targets' socket files (a stale one would refuse the next listen on that path). */
export function removeTargets(targets: FrontTargets): void {
  rmSync(targets.h2, { force: true });
  rmSync(targets.http1, { force: true });
}

/**
 * Listens on options.hostname:options.port and splices each connection to options.targets; rejects as
 * node:net's listen does (e.g. the port is taken).
 */
export async function startNodeFront(options: FrontListenOptions): Promise<ClientFront> {
  const maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  const openingTimeoutMs = options.openingTimeoutMs ?? DEFAULT_OPENING_TIMEOUT_MS;
  if (!(maxConnections > 0 && openingTimeoutMs > 0)) throw new Error("client front: limits must be positive");
  // Every socket the front holds (clients and their upstreams, for close) and the clients alone (the bound).
  const sockets = new Set<Socket>();
  let clients = 0;
  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  };
  const server: Server = createServer({ allowHalfOpen: true }, (client) => {
    if (clients >= maxConnections) {
      client.destroy();
      return;
    }
    clients++;
    client.once("close", () => clients--);
    track(client);
    open(client, options, openingTimeoutMs, track);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.hostname, () => {
      server.off("error", reject);
      resolve();
    });
  });
  server.on("error", (error: Error) => console.error(`tsetcd: client front ${options.hostname}: ${error.message}`));
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : options.port;
  let closed: Promise<void> | undefined;
  return {
    port,
    close: () => {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of [...sockets]) socket.destroy();
        sockets.clear();
      });
      return closed;
    },
  };
}

/** Gathers the client's opening (bounded in bytes and time), then splices it to the server it chose. */
function open(client: Socket, options: FrontListenOptions, openingTimeoutMs: number, track: (s: Socket) => void): void {
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  const timer = setTimeout(() => client.destroy(), openingTimeoutMs);
  const onData = (chunk: Uint8Array): void => {
    chunks.push(chunk);
    bytes += chunk.length;
    const opening = classifyOpening(Buffer.concat(chunks, bytes).subarray(0, MAX_OPENING_BYTES + 1), { tls: options.tls });
    if (opening.kind === "more") return;
    clearTimeout(timer);
    client.off("data", onData);
    if (opening.kind === "refuse") {
      client.destroy();
      return;
    }
    client.pause();
    splice(client, Buffer.concat(chunks, bytes), opening.kind === "h2" ? options.targets.h2 : options.targets.http1, track);
  };
  client.on("data", onData);
  client.on("error", () => client.destroy());
  client.once("close", () => clearTimeout(timer));
}

function splice(client: Socket, opening: Uint8Array, path: string, track: (s: Socket) => void): void {
  const upstream = createConnection({ path, allowHalfOpen: true });
  track(upstream);
  const drop = (): void => {
    client.destroy();
    upstream.destroy();
  };
  upstream.on("error", drop);
  client.on("error", drop);
  client.once("close", () => upstream.destroy());
  upstream.once("close", () => client.destroy());
  upstream.once("connect", () => {
    upstream.write(opening);
    client.pipe(upstream);
    upstream.pipe(client);
    client.resume();
  });
}
