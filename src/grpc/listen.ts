/**
 * Putting a gRPC listener (either engine's: node:http2 or src/h2 over node:net/node:tls) on its URL: the
 * URL's TCP port, or an abstract unix socket behind the client front.
 * @module
 */
import type { Server } from "node:net";

/** Where a gRPC listener takes its connections from. */
export interface GrpcListenPlace {
  /** Listen on this (abstract) unix socket instead of the URL's port: the client front's hop. */
  socketPath?: string;
}

/** Starts `server` listening as `place` says; resolves with the TCP port in use (the URL's behind the front). */
export async function listenGrpc(server: Server, url: URL, place: GrpcListenPlace): Promise<number> {
  const host = url.hostname.replace(/^\[|\]$/g, "");
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    const listening = (): void => {
      server.off("error", reject);
      resolve();
    };
    if (place.socketPath !== undefined) server.listen(place.socketPath, listening);
    else server.listen(Number(url.port), host, listening);
  });
  server.on("error", (error: Error) => console.error(`tsetcd: gRPC listener ${url.host}: ${error.message}`));
  const address = server.address();
  return typeof address === "object" && address !== null ? address.port : Number(url.port);
}
