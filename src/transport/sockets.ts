/**
 * How the transport opens its sockets: plain TCP for `http://` peer URLs, TLS for `https://` ones (etcd's
 * --peer-cert-file and friends). Everything past this module sees a Socket either way, plus the name of the
 * event after which that socket may carry frames.
 * @module
 */
import { createServer as createTcpServer, isIP, type Server, Socket } from "node:net";
import {
  connect as connectTls,
  type ConnectionOptions,
  createSecureContext,
  createServer as createTlsServer,
  type TlsOptions,
} from "node:tls";
import type { TlsClientMaterial, TlsServerMaterial } from "../tls/material.ts";
import type { PeerTls, TransportLogger } from "./options.ts";
import type { HostPort } from "./url.ts";

/** A socket being dialled, and the event after which it may carry frames. */
export interface Dialing {
  socket: Socket;
  /** "connect" for TCP; "secureConnect" for TLS, once the handshake has checked the peer's certificate. */
  readyEvent: "connect" | "secureConnect";
  /**
   * Call once every listener is attached. Starts a TCP dial; a TLS dial has already started (its events
   * still come no sooner than a later turn), and one that could not even start fails here, through 'error'.
   */
  begin(): void;
}

/**
 * Dials `address`: TLS when it is `secure` (with `client`'s CA and certificate, or the system's roots when
 * none is given), TCP otherwise. Never throws: a failure arrives as 'error' and 'close', like a refused dial.
 */
export function dialSocket(address: HostPort, client: TlsClientMaterial | undefined): Dialing {
  if (address.secure !== true) {
    // Constructed before connect() so every listener is attached before any event can fire.
    const socket = new Socket();
    return { socket, readyEvent: "connect", begin: () => socket.connect({ host: address.host, port: address.port }) };
  }
  try {
    const socket = connectTls(tlsConnectOptions(address, client ?? {}));
    return { socket, readyEvent: "secureConnect", begin: () => {} };
  } catch (err) {
    // Material is checked when the transport is made, so this is unexpected; still only this dial fails.
    const socket = new Socket();
    const failure = err instanceof Error ? err : new Error(String(err));
    return { socket, readyEvent: "secureConnect", begin: () => socket.destroy(failure) };
  }
}

function tlsConnectOptions(address: HostPort, client: TlsClientMaterial): ConnectionOptions {
  const options: ConnectionOptions = {
    host: address.host,
    port: address.port,
    rejectUnauthorized: client.insecureSkipVerify !== true,
  };
  if (client.ca !== undefined) options.ca = client.ca;
  if (client.cert !== undefined) options.cert = client.cert;
  if (client.key !== undefined) options.key = client.key;
  // SNI names a host, never an address (and Bun throws on an IP servername).
  if (isIP(address.host) === 0) options.servername = address.host;
  return options;
}

/** Options of `createListener`. */
export interface ListenerOptions {
  /** Needed when the address is secure; ignored otherwise (etcd ignores the cert for http URLs). */
  tls: TlsServerMaterial | undefined;
  /** A TLS client must finish its handshake within this, or is dropped. */
  handshakeTimeoutMs: number;
  /** Bound on TLS sockets open at once, handshaking or not; past it new ones are closed at once. */
  maxConnections: number;
  logger: TransportLogger;
  /** A connection ready for frames: for TLS, after a handshake that passed every certificate check. */
  onConnection(socket: Socket): void;
}

/** A server for `address` (not yet listening): TLS when the address is secure, TCP otherwise. */
export function createListener(address: HostPort, options: ListenerOptions): Server {
  if (address.secure !== true) return createTcpServer((socket) => options.onConnection(socket));
  if (options.tls === undefined) throw new Error("transport: a TLS listener needs TLS material");
  if (!(options.maxConnections > 0)) throw new Error(`transport: maxConnections ${options.maxConnections}`);
  const server = createTlsServer(tlsServerOptions(options.tls, options.handshakeTimeoutMs), (socket) => {
    options.onConnection(socket);
  });
  let openConnections = 0;
  server.on("connection", (socket: Socket) => {
    socket.on("error", () => {}); // reported by 'tlsClientError' or, after the handshake, by the connection
    if (openConnections >= options.maxConnections) {
      socket.destroy();
      return;
    }
    openConnections++;
    socket.once("close", () => openConnections--);
  });
  server.on("tlsClientError", (err: Error, socket: Socket | undefined) => {
    const remote = socket === undefined ? "unknown" : `${socket.remoteAddress}:${socket.remotePort}`;
    options.logger.info(`transport: TLS handshake with ${remote} failed: ${err.message}`);
    // Bun reports a handshake timeout without closing the socket; close it so it cannot linger.
    socket?.destroy();
  });
  return server;
}

function tlsServerOptions(tls: TlsServerMaterial, handshakeTimeoutMs: number): TlsOptions {
  const options: TlsOptions = {
    cert: tls.cert,
    key: tls.key,
    requestCert: tls.clientCertAuth,
    rejectUnauthorized: tls.clientCertAuth,
    handshakeTimeout: handshakeTimeoutMs,
  };
  if (tls.ca !== undefined) options.ca = tls.ca;
  return options;
}

/**
 * Checks that the PEM texts parse and each key matches its certificate, so a bad file fails when the
 * transport is made instead of on every dial. Throws with the reason.
 */
export function checkTlsMaterial(tls: PeerTls): void {
  const client = tls.client;
  if ((client.cert === undefined) !== (client.key === undefined)) {
    throw new Error("transport: TLS client material needs both a certificate and its key, or neither");
  }
  tryContext("server", { cert: tls.server.cert, key: tls.server.key, ca: tls.server.ca });
  tryContext("client", { cert: client.cert, key: client.key, ca: client.ca });
}

function tryContext(side: string, material: { cert?: string; key?: string; ca?: string }): void {
  try {
    createSecureContext(material);
  } catch (err) {
    throw new Error(`transport: unusable TLS ${side} material: ${err instanceof Error ? err.message : String(err)}`);
  }
}
