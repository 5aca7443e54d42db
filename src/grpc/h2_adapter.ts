/**
 * The gRPC listener on our own HTTP/2 (src/h2) instead of node:http2: a node:net server (or node:tls with
 * ALPN h2) whose sockets each get one H2Connection. Its streams carry the part of node:http2's stream and
 * session surface that src/grpc's handlers use, so the server's stream handler (dispatch, GrpcCall, the
 * unary and streaming calls, keepalive's ping policy, require-leader) runs on them unchanged.
 *
 * Why: Bun's node:http2 costs over 100 µs of CPU per unary call, mostly flushing each stream on its own;
 * here every frame a connection queues in one event-loop turn leaves in one socket write.
 * @module
 */
import type { IncomingHttpHeaders, ServerHttp2Stream } from "node:http2";
import { createServer as createNetServer, type Server, type Socket } from "node:net";
import { createServer as createTlsServer, type TLSSocket } from "node:tls";
import type { Duplex } from "node:stream";
import type { H2Connection } from "../h2/connection.ts";
import type { HeaderField } from "../h2/hpack.ts";
import { serveH2Connection } from "../h2/socket.ts";
import type { H2Stream } from "../h2/stream.ts";
import type { TlsServerMaterial } from "../tls/material.ts";
import { type KeepaliveOptions, noteServerWrite, watchSession } from "./keepalive.ts";
import { listenGrpc } from "./listen.ts";

/** What the own-engine listener needs of the gRPC server's options. */
export interface OwnGrpcOptions {
  tls?: TlsServerMaterial;
  maxConcurrentStreams: number;
  keepalive: KeepaliveOptions;
  socketPath?: string;
}

/** A listening gRPC front-end (the same shape as src/grpc/server.ts's GrpcListener). */
export interface OwnGrpcListener {
  url: string;
  close(): Promise<void>;
}

/** Connections one listener holds at once; past it new ones are closed at once (as the node:http2 engine). */
const MAX_CONNECTIONS = 10_000;

/**
 * Starts the listener; `onStream` is the server's handler of one stream (node:http2's 'stream' event),
 * `onClose` releases what the server holds besides the listener.
 */
export async function startOwnGrpcServer(
  url: URL,
  options: OwnGrpcOptions,
  onStream: (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => void,
  onClose: () => void,
): Promise<OwnGrpcListener> {
  const connections = new Set<H2Connection>();
  const serve = (socket: Duplex): void => {
    if (connections.size >= MAX_CONNECTIONS) {
      socket.destroy();
      return;
    }
    const connection: H2Connection = serveH2Connection(socket, undefined, {
      maxConcurrentStreams: options.maxConcurrentStreams,
      onStream: (stream, fields) => onStream(stream as unknown as ServerHttp2Stream, headersOf(fields)),
      // Strikes clear per frame that leaves, as grpc-go's: a long answer draining over many windows draws
      // the client's BDP pings, which must not add up to too_many_pings.
      onFrameSent: () => noteServerWrite(connection as never),
    });
    connections.add(connection);
    connection.on("close", () => connections.delete(connection));
    watchSession(connection as never, options.keepalive);
  };
  const server = listenerFor(url, options.tls, serve);
  const port = await listenGrpc(server, url, options);
  return {
    url: `${url.protocol}//${url.hostname}:${port}`,
    close: () => {
      onClose();
      for (const connection of connections) {
        connection.destroy();
        (connection.socket as Socket).destroy();
      }
      connections.clear();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

function listenerFor(url: URL, tls: TlsServerMaterial | undefined, serve: (socket: Duplex) => void): Server {
  if (url.protocol !== "https:") return createNetServer({ noDelay: true }, (socket) => serve(socket));
  if (tls === undefined) throw new Error("gRPC: an https client URL needs --cert-file and --key-file");
  const server = createTlsServer({
    cert: tls.cert,
    key: tls.key,
    ...(tls.ca === undefined ? {} : { ca: tls.ca }),
    requestCert: tls.clientCertAuth,
    rejectUnauthorized: tls.clientCertAuth,
    ALPNProtocols: ["h2"],
  });
  server.on("secureConnection", (socket: TLSSocket) => serve(socket));
  server.on("tlsClientError", () => {});
  return server;
}

/** Header fields as node:http2 gives them: repeated names joined with ", " (set-cookie kept as a list). */
export function headersOf(fields: HeaderField[]): IncomingHttpHeaders {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of fields) {
    const had = headers[name];
    if (had === undefined) headers[name] = value;
    else if (Array.isArray(had)) had.push(value);
    else headers[name] = name === "set-cookie" ? [had, value] : `${had}, ${value}`;
  }
  return headers as IncomingHttpHeaders;
}

/** The stream type handlers receive, for tests. */
export type { H2Stream };
