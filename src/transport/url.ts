/**
 * Peer URLs as etcd's flags spell them (`http://host:port`, `https://host:port`), reduced to what a socket
 * needs. Pure.
 * @module
 */

/** A dialable / listenable address. */
export interface HostPort {
  host: string;
  port: number;
  /** The URL said `https`: dial and listen with TLS. Absent means plain TCP (`http`). */
  secure?: boolean;
}

/** etcd's default peer port, used when a peer URL names none. */
export const DEFAULT_PEER_PORT = 2380;

/**
 * Parses a peer URL (`http:` or `https:`); a path other than `/` is refused so a misplaced client URL is
 * noticed. `secure` is set only for https, so a plain address stays `{ host, port }`.
 *
 * @example
 * parsePeerUrl("http://127.0.0.1:12380"); // { host: "127.0.0.1", port: 12380 }
 * parsePeerUrl("https://[::1]:2380"); // { host: "::1", port: 2380, secure: true }
 */
export function parsePeerUrl(url: string): HostPort {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`transport: invalid peer URL ${JSON.stringify(url)}`);
  }
  const secure = parsed.protocol === "https:";
  if (!secure && parsed.protocol !== "http:") {
    throw new Error(`transport: peer URL must be http://host:port or https://host:port: ${url}`);
  }
  if (parsed.pathname !== "/" && parsed.pathname !== "") throw new Error(`transport: peer URL has a path: ${url}`);
  // URL keeps IPv6 literals bracketed; sockets want them bare.
  const host = parsed.hostname.replace(/^\[(.*)\]$/, "$1");
  if (host === "") throw new Error(`transport: peer URL has no host: ${url}`);
  const port = parsed.port === "" ? DEFAULT_PEER_PORT : Number(parsed.port);
  return secure ? { host, port, secure } : { host, port };
}

/** Formats an address back into a peer URL, `https` when it is secure. */
export function formatPeerUrl(address: HostPort): string {
  const host = address.host.includes(":") ? `[${address.host}]` : address.host;
  const scheme = address.secure === true ? "https" : "http";
  return `${scheme}://${host}:${address.port}`;
}
