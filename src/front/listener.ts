/**
 * The client front's listener: owns the public client port, and splices each connection to the server its
 * first bytes ask for (splice.ts). Runs in the front thread (worker.ts), or in-process when asked.
 * @module
 */
import type { TCPSocketListener } from "bun";
import { type FrontTargets, Link } from "./splice.ts";

/** What the front listens on and where it sends connections. */
export interface FrontListenOptions {
  hostname: string;
  /** 0: any free port (the listener reports the one it got). */
  port: number;
  /** The port is a TLS one: route by the ClientHello's ALPN, pass TLS through untouched. */
  tls: boolean;
  targets: FrontTargets;
  /** Connections held at once; past it a new one is closed at once (default 10,000). */
  maxConnections?: number;
  /** How long a new connection may take to say what it is before it is closed (default 5 s). */
  openingTimeoutMs?: number;
}

/** A listening front. */
export interface FrontListener {
  /** The port actually listened on. */
  port: number;
  /** Connections held now. */
  connections(): number;
  /** Stops listening and drops every connection. */
  close(): void;
}

const DEFAULT_MAX_CONNECTIONS = 10_000;
const DEFAULT_OPENING_TIMEOUT_MS = 5_000;

/** Listens on the public port; throws as Bun.listen does (e.g. the port is taken). */
export function listenFront(options: FrontListenOptions): FrontListener {
  const maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  const limits = { openingTimeoutMs: options.openingTimeoutMs ?? DEFAULT_OPENING_TIMEOUT_MS };
  if (!(maxConnections > 0 && limits.openingTimeoutMs > 0)) throw new Error("client front: limits must be positive");
  const links = new Set<Link>();
  const forget = (link: Link): void => {
    links.delete(link);
  };
  const listener: TCPSocketListener<Link> = Bun.listen<Link>({
    hostname: options.hostname,
    port: options.port,
    socket: {
      open(socket) {
        if (links.size >= maxConnections) return socket.terminate();
        const link = new Link(socket, limits, forget);
        socket.data = link;
        links.add(link);
      },
      data: (socket, chunk) => socket.data?.fromClient(chunk, options.tls, options.targets),
      drain: (socket) => socket.data?.clientDrained(),
      end: (socket) => socket.data?.clientDone(),
      close: (socket) => socket.data?.clientDone(),
      error: (socket) => socket.data?.clientDone(),
    },
  });
  return {
    port: listener.port,
    connections: () => links.size,
    close(): void {
      listener.stop(true);
      for (const link of [...links]) link.close();
      links.clear();
    },
  };
}
