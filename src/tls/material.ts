/**
 * TLS material as the server and the clients use it: PEM text, read once at start, never paths, so the
 * transport, the HTTP server and the client library share one shape and need no file access of their own.
 * @module
 */
import { readFileSync } from "node:fs";

/** What a listener needs: its certificate and key, and whom to trust when it asks for client certificates. */
export interface TlsServerMaterial {
  /** PEM certificate chain presented to whoever connects. */
  cert: string;
  /** PEM private key of `cert`. */
  key: string;
  /** PEM CA bundle that client certificates must chain to (etcd's --trusted-ca-file). */
  ca?: string;
  /** Ask every client for a certificate signed by `ca`, and refuse those without one (--client-cert-auth). */
  clientCertAuth: boolean;
}

/** What a dialer needs: whom to trust, and optionally a certificate to present. */
export interface TlsClientMaterial {
  /** PEM CA bundle the server's certificate must chain to; absent → the system's roots. */
  ca?: string;
  /** PEM certificate presented to servers that ask (mutual TLS); needs `key`. */
  cert?: string;
  /** PEM private key of `cert`. */
  key?: string;
  /** Accept any server certificate (etcdctl's --insecure-skip-tls-verify). */
  insecureSkipVerify?: boolean;
}

/** Files named on a command line, before they are read. Empty strings mean "not given", as etcd's flags. */
export interface TlsFileNames {
  certFile: string;
  keyFile: string;
  trustedCaFile: string;
}

/** Reads one PEM file; the error names the file and why, as Go's os.Open does. */
export function readPem(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file or directory" : code === "EACCES" ? "permission denied" : String(err);
    throw new Error(`open ${path}: ${why}`);
  }
}

/** Server material from file names, or undefined when no cert and key are given. Throws on unreadable files. */
export function readServerMaterial(files: TlsFileNames, clientCertAuth: boolean): TlsServerMaterial | undefined {
  if (files.certFile === "" && files.keyFile === "") return undefined;
  const material: TlsServerMaterial = { cert: readPem(files.certFile), key: readPem(files.keyFile), clientCertAuth };
  if (files.trustedCaFile !== "") material.ca = readPem(files.trustedCaFile);
  return material;
}

/**
 * What a member presents when it dials as a client (to a peer, or to the leader's client URL): its own
 * certificate, and the same trusted CA it checks others against — etcd's TLSInfo.ClientConfig.
 */
export function dialerMaterial(server: TlsServerMaterial): TlsClientMaterial {
  const material: TlsClientMaterial = { cert: server.cert, key: server.key };
  if (server.ca !== undefined) material.ca = server.ca;
  return material;
}
