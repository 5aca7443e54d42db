/**
 * Peer URLs as etcd's flags spell them (`http://host:port`), reduced to what a socket needs. Pure.
 * @module
 */

/** A dialable / listenable address. */
export interface HostPort {
  host: string;
  port: number;
}

/** etcd's default peer port, used when a peer URL names none. */
export const DEFAULT_PEER_PORT = 2380;

/**
 * Parses a peer URL. Only `http:` is accepted for now (TLS is future work); a path other than `/` is refused
 * so a misplaced client URL is noticed.
 *
 * @example
 * parsePeerUrl("http://127.0.0.1:12380"); // { host: "127.0.0.1", port: 12380 }
 */
export function parsePeerUrl(url: string): HostPort {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`transport: invalid peer URL ${JSON.stringify(url)}`);
  }
  if (parsed.protocol === "https:") throw new Error(`transport: TLS peer URLs are not supported yet: ${url}`);
  if (parsed.protocol !== "http:") throw new Error(`transport: peer URL must be http://host:port: ${url}`);
  if (parsed.pathname !== "/" && parsed.pathname !== "") throw new Error(`transport: peer URL has a path: ${url}`);
  // URL keeps IPv6 literals bracketed; sockets want them bare.
  const host = parsed.hostname.replace(/^\[(.*)\]$/, "$1");
  if (host === "") throw new Error(`transport: peer URL has no host: ${url}`);
  const port = parsed.port === "" ? DEFAULT_PEER_PORT : Number(parsed.port);
  return { host, port };
}

/** Formats an address back into a peer URL. */
export function formatPeerUrl(address: HostPort): string {
  const host = address.host.includes(":") ? `[${address.host}]` : address.host;
  return `http://${host}:${address.port}`;
}
