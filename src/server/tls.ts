/**
 * A member's TLS, from its flags to PEM material: reads the files once, checks the cert and key belong
 * together, and refuses https URLs without a cert with etcd's messages — all before the data dir is touched.
 * With --auto-tls / --peer-auto-tls and no files, `addAutoTls` makes (once, then reuses) a self-signed pair in
 * the data dir, as etcd does under <data-dir>/fixtures/{client,peer}.
 * @module
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  dialerMaterial,
  readPem,
  readServerMaterial,
  type TlsClientMaterial,
  type TlsServerMaterial,
} from "../tls/material.ts";
import { keyPairProblem, pairPresenceProblem } from "../tls/key_pair.ts";
import type { ServerConfig, TlsFlags } from "./config.ts";

type TlsConfig = Pick<ServerConfig, "clientTls" | "peerTls" | "listenClientUrls" | "listenPeerUrls">;

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
export function resolveMemberTls(config: TlsConfig): MemberTls {
  const client = readChecked(config.clientTls);
  const peer = readChecked(config.peerTls);
  for (const url of config.listenClientUrls) {
    if (url.protocol === "https:" && client === undefined && !config.clientTls.autoTls) {
      throw new Error(`TLS key/cert (--cert-file, --key-file) must be provided for client url ${urlText(url)} with HTTPS scheme`);
    }
  }
  for (const url of config.listenPeerUrls) {
    if (url.protocol === "https:" && peer === undefined && !config.peerTls.autoTls) {
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

/**
 * Fills in what --auto-tls / --peer-auto-tls ask for and files did not give: a self-signed pair for the
 * listen hosts, kept in `<dataDir>/fixtures/{client,peer}` and reused on restart. Nobody can verify it, so
 * this member dials with verification off (etcd's SelfCert does the same).
 */
export async function addAutoTls(config: TlsConfig & { dataDir: string }, tls: MemberTls): Promise<MemberTls> {
  const out: MemberTls = { ...tls };
  if (out.client === undefined && config.clientTls.autoTls && hasHttps(config.listenClientUrls)) {
    const pair = await selfSignedPair(join(config.dataDir, "fixtures", "client"), config.listenClientUrls);
    out.client = withFlags(pair, config.clientTls);
    out.clientDialer = { cert: pair.cert, key: pair.key, insecureSkipVerify: true };
  }
  if (out.peer === undefined && config.peerTls.autoTls && hasHttps(config.listenPeerUrls)) {
    const pair = await selfSignedPair(join(config.dataDir, "fixtures", "peer"), config.listenPeerUrls);
    out.peer = { server: withFlags(pair, config.peerTls), client: { cert: pair.cert, key: pair.key, insecureSkipVerify: true } };
  }
  return out;
}

function hasHttps(urls: readonly URL[]): boolean {
  return urls.some((url) => url.protocol === "https:");
}

function withFlags(pair: { cert: string; key: string }, flags: TlsFlags): TlsServerMaterial {
  const material: TlsServerMaterial = { cert: pair.cert, key: pair.key, clientCertAuth: flags.clientCertAuth };
  if (flags.trustedCaFile !== "") material.ca = readPem(flags.trustedCaFile);
  return material;
}

/** The pair in `dir` if both files are there (etcd keeps its first one), else a new one written there. */
async function selfSignedPair(dir: string, urls: readonly URL[]): Promise<{ cert: string; key: string }> {
  const certPath = join(dir, "cert.pem");
  const keyPath = join(dir, "key.pem");
  if (existsSync(certPath) && existsSync(keyPath)) return { cert: readPem(certPath), key: readPem(keyPath) };
  const hosts = [...new Set(urls.map((url) => url.hostname))];
  // Loaded only here: asn1js is needed by --auto-tls alone, not by every start.
  const { createSelfSigned } = await import("../tls/self_signed.ts");
  const pair = await createSelfSigned({ hosts });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(keyPath, pair.key, { mode: 0o600 });
  writeFileSync(certPath, pair.cert, { mode: 0o644 });
  return pair;
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
  const missing = pairPresenceProblem(flags.certFile, flags.keyFile);
  if (missing !== undefined) throw new Error(missing);
  const material = readServerMaterial(flags, flags.clientCertAuth);
  if (material === undefined) return undefined;
  const problem = keyPairProblem(material.cert, material.key);
  if (problem !== undefined) throw new Error(problem);
  return material;
}

function urlText(url: URL): string {
  return `${url.protocol}//${url.host}`;
}
