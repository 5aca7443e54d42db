/**
 * A member's TLS, from its flags to PEM material: reads the files once, checks the cert and key belong
 * together, and refuses https URLs without a cert with etcd's messages — all before the data dir is touched.
 * @module
 */
import { createSecureContext } from "node:tls";
import { dialerMaterial, readServerMaterial, type TlsClientMaterial, type TlsServerMaterial } from "../tls/material.ts";
import type { ServerConfig, TlsFlags } from "./config.ts";

/** What the HTTP listener and the peer transport use. */
export interface MemberTls {
  /** For https client URLs; undefined when no --cert-file/--key-file. */
  client?: TlsServerMaterial;
  /** What this member presents when it calls another member's client URL (lease forwarding). */
  clientDialer?: TlsClientMaterial;
  /** For https peer URLs, listening and dialing; undefined when no --peer-cert-file/--peer-key-file. */
  peer?: { server: TlsServerMaterial; client: TlsClientMaterial };
}

/** Reads and checks a member's TLS flags. Throws etcd's message on the first problem. */
export function resolveMemberTls(config: Pick<ServerConfig, "clientTls" | "peerTls" | "listenClientUrls" | "listenPeerUrls">): MemberTls {
  const client = readChecked(config.clientTls);
  const peer = readChecked(config.peerTls);
  for (const url of config.listenClientUrls) {
    if (url.protocol === "https:" && client === undefined) {
      throw new Error(`TLS key/cert (--cert-file, --key-file) must be provided for client url ${urlText(url)} with HTTPS scheme`);
    }
  }
  for (const url of config.listenPeerUrls) {
    if (url.protocol === "https:" && peer === undefined) {
      throw new Error(`cannot listen on TLS for ${url.host}: KeyFile and CertFile are not presented`);
    }
  }
  const tls: MemberTls = {};
  if (client !== undefined) {
    tls.client = client;
    tls.clientDialer = dialerMaterial(client);
  }
  if (peer !== undefined) tls.peer = { server: peer, client: dialerMaterial(peer) };
  return tls;
}

/** Bun.serve's `tls` option for one client URL (undefined for http). */
export function serveTlsOption(url: URL, material: TlsServerMaterial | undefined): Record<string, unknown> | undefined {
  if (url.protocol !== "https:" || material === undefined) return undefined;
  const option: Record<string, unknown> = {
    cert: material.cert,
    key: material.key,
    requestCert: material.clientCertAuth,
    rejectUnauthorized: material.clientCertAuth,
  };
  if (material.ca !== undefined) option.ca = material.ca;
  return option;
}

function readChecked(flags: TlsFlags): TlsServerMaterial | undefined {
  if ((flags.certFile === "") !== (flags.keyFile === "")) {
    throw new Error(`KeyFile and CertFile must both be present[key: ${flags.keyFile}, cert: ${flags.certFile}]`);
  }
  const material = readServerMaterial(flags, flags.clientCertAuth);
  if (material === undefined) return undefined;
  try {
    createSecureContext({ cert: material.cert, key: material.key });
  } catch (err) {
    const text = String((err as Error).message ?? err);
    // Go's crypto/tls words it this way; OpenSSL says "key values mismatch".
    if (/mismatch/i.test(text)) throw new Error("tls: private key does not match public key");
    if (/NO_START_LINE/.test(text)) throw new Error("tls: failed to find any PEM data in certificate or key input");
    throw new Error(`tls: failed to load the key pair (${flags.certFile}, ${flags.keyFile}): ${text}`);
  }
  return material;
}

function urlText(url: URL): string {
  return `${url.protocol}//${url.host}`;
}
