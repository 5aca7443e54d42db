/**
 * The socket glue of an HTTP/2 server connection: one H2Connection per socket, fed by its 'data' events,
 * and one socket write per event-loop turn for all the frames every stream queued in it (the connection
 * coalesces them; this schedules the flush with setImmediate). While the socket's buffer is full (write()
 * false) nothing more is flushed until 'drain', and the connection holds stream data back behind its own
 * bounded output (its streams' write() then says false), so a slow reader cannot grow memory unbounded.
 *
 * Works on any node-style duplex: a node:net socket, or the TLS socket a listener negotiated ALPN h2 on.
 * @module
 */
import type { Duplex } from "node:stream";
import { H2Connection, type H2ConnectionOptions } from "./connection.ts";

/** How long a closing socket may take to flush its last frames before it is destroyed. */
const END_GRACE_MS = 1_000;

/** Options of serveH2Connection: the connection's, less the output hook this module supplies. */
export type ServeH2Options = Omit<H2ConnectionOptions, "onOutput">;

/**
 * Serves HTTP/2 on `socket`, whose first bytes (already read by whoever sniffed the protocol) are `firstChunk`.
 * Returns the connection; it emits 'close' when the socket is gone.
 *
 * @example
 * net.createServer((socket) => socket.once("data", (first) => serveH2Connection(socket, first, { onStream })));
 */
export function serveH2Connection(socket: Duplex, firstChunk: Uint8Array | undefined, options: ServeH2Options): H2Connection {
  let scheduled = false;
  let blocked = false;
  let gone = false;
  const flush = (): void => {
    scheduled = false;
    if (gone || blocked) return;
    const out = connection.takeOutput();
    if (out !== undefined) blocked = !socket.write(out);
    if (connection.ending && !blocked) {
      // A GOAWAY (or a destroy) went out with this write: the connection is over.
      gone = true;
      socket.end(); // after the GOAWAY is written; a peer that never reads is cut off below
      setTimeout(() => socket.destroy(), END_GRACE_MS).unref?.();
      connection.destroy();
    }
  };
  const schedule = (): void => {
    if (scheduled || gone) return;
    scheduled = true;
    setImmediate(flush);
  };
  const connection = new H2Connection({ ...options, onOutput: schedule });
  connection.socket = socket;
  socket.on("drain", () => {
    blocked = false;
    schedule();
  });
  socket.on("data", (chunk: Uint8Array) => {
    try {
      connection.receive(chunk);
    } catch (error) {
      // Our bug, not the peer's (its errors are H2Errors, answered inside): this connection only.
      console.error("tsetcd: internal error on an HTTP/2 connection:", error);
      connection.destroy();
      socket.destroy();
    }
  });
  socket.on("error", () => {}); // a reset by the peer: 'close' follows
  socket.on("end", () => socket.end());
  socket.on("close", () => {
    gone = true;
    connection.destroy();
  });
  if (firstChunk !== undefined && firstChunk.length > 0) connection.receive(firstChunk);
  schedule();
  return connection;
}
