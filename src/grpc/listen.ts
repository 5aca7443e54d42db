/**
 * Putting a gRPC listener (either engine's: node:http2 or src/h2 over node:net/node:tls) on its URL: the
 * URL's TCP port, an abstract unix socket behind the client front, or nothing at all when the shared client
 * port hands sockets in.
 * @module
 */
import type { Server } from "node:net";

/** Where a gRPC listener takes its connections from. */
export interface GrpcListenPlace {
  /** Listen on this (abstract) unix socket instead of the URL's port: the client front's hop. */
  socketPath?: string;
  /** Listen nowhere: connections come through the listener's accept(socket). */
  acceptOnly?: boolean;
}

/** Starts `server` listening as `place` says; resolves with the TCP port in use (the URL's when none is bound). */
export async function listenGrpc(server: Server, url: URL, place: GrpcListenPlace): Promise<number> {
  const host = url.hostname.replace(/^\[|\]$/g, "");
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    const listening = (): void => {
      server.off("error", reject);
      resolve();
    };
    if (place.acceptOnly === true) listening();
    else if (place.socketPath !== undefined) server.listen(place.socketPath, listening);
    else server.listen(Number(url.port), host, listening);
  });
  server.on("error", (error: Error) => console.error(`tsetcd: gRPC listener ${url.host}: ${error.message}`));
  const address = place.acceptOnly === true ? null : server.address();
  return typeof address === "object" && address !== null ? address.port : Number(url.port);
}
