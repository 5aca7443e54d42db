/**
 * The shared client port without a splice: one node:net listener in the serving thread takes every
 * connection, reads its first bytes (opening.ts) and serves it in place: the HTTP/2 preface → the gRPC
 * server's node:http2 (handed the socket with those bytes put back), HTTP/1 → the gateway through our own
 * HTTP/1.1 server (src/http1). No extra thread, no second socket, no copy of the bytes. Cleartext only:
 * a TLS client port keeps the splicing front (mod.ts).
 *
 * @example
 * const shared = await listenShared({ hostname: "127.0.0.1", port: 0, gateway, h2: grpc.accept, limits });
 * await shared.close();
 * @module
 */
import { createServer, type Server, type Socket } from "node:net";
import { Http1Connection, type Http1Handler, type Http1Limits } from "../http1/conn.ts";
import { classifyOpening } from "./opening.ts";

/** What the shared port listens on and who serves what. */
export interface SharedListenOptions {
  hostname: string;
  /** 0: any free port. */
  port: number;
  /** The HTTP/1 gateway's fetch handler. */
  gateway: Http1Handler;
  /** Takes an HTTP/2 connection (its first bytes already unshifted). */
  h2: (socket: Socket) => void;
  limits: Http1Limits;
  /** Connections held at once; past it a new one is closed at once (default 10,000). */
  maxConnections?: number;
  /** How long a new connection may take to show what it is before it is closed (default 5 s). */
  openingTimeoutMs?: number;
}

/** A listening shared port. */
export interface SharedListener {
  port: number;
  /** Connections held now (HTTP/1 and HTTP/2, and those not yet classified). */
  connections(): number;
  /** Stops listening and drops every connection. */
  close(): Promise<void>;
}

const DEFAULT_MAX_CONNECTIONS = 10_000;
const DEFAULT_OPENING_TIMEOUT_MS = 5_000;

/** Listens on options.hostname:options.port; rejects as node:net does (e.g. the port is taken). */
export async function listenShared(options: SharedListenOptions): Promise<SharedListener> {
  const maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  const openingTimeoutMs = options.openingTimeoutMs ?? DEFAULT_OPENING_TIMEOUT_MS;
  if (!(maxConnections > 0 && openingTimeoutMs > 0)) throw new Error("shared client port: limits must be positive");
  const sockets = new Set<Socket>();
  const http1 = new Set<Http1Connection>();
  const origin = `http://${options.hostname.includes(":") ? `[${options.hostname}]` : options.hostname}`;
  const server: Server = createServer((socket) => {
    if (sockets.size >= maxConnections) return void socket.destroy();
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    socket.on("error", () => {}); // a reset by the peer: that connection only
    classify(socket, openingTimeoutMs, (kind, first) => {
      if (kind === "h2") {
        socket.pause();
        socket.unshift(first);
        options.h2(socket);
        socket.resume();
        return;
      }
      const connection = new Http1Connection(socket, options.gateway, { limits: options.limits, origin: `${origin}:${port}` });
      http1.add(connection);
      socket.once("close", () => http1.delete(connection));
      connection.receive(first);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.hostname, () => {
      server.off("error", reject);
      resolve();
    });
  });
  server.on("error", (error: Error) => console.error(`tsetcd: client port ${options.hostname}: ${error.message}`));
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : options.port;
  return {
    port,
    connections: () => sockets.size,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const connection of http1) connection.destroy();
        for (const socket of sockets) socket.destroy();
        sockets.clear();
      }),
  };
}

/** Reads until the opening says HTTP/1 or HTTP/2 (bounded in bytes by classifyOpening, in time here). */
function classify(socket: Socket, timeoutMs: number, chosen: (kind: "h2" | "http1", first: Buffer) => void): void {
  let seen: Buffer = Buffer.alloc(0);
  const timer = setTimeout(() => socket.destroy(), timeoutMs);
  const onData = (chunk: Buffer): void => {
    seen = seen.length === 0 ? chunk : Buffer.concat([seen, chunk]);
    const opening = classifyOpening(seen, { tls: false });
    if (opening.kind === "more") return;
    clearTimeout(timer);
    socket.off("data", onData);
    socket.off("close", onClose);
    if (opening.kind === "refuse") return void socket.destroy();
    chosen(opening.kind, seen);
  };
  const onClose = (): void => clearTimeout(timer);
  socket.on("data", onData);
  socket.once("close", onClose);
}
