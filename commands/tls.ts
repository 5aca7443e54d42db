/**
 * etcdctl's TLS flags (--cacert, --cert, --key, --insecure-skip-tls-verify, --insecure-transport): when
 * they ask for TLS, and the material they name, read once and checked the way etcdctl 3.4 checks it
 * (pkg/transport TLSInfo.ClientConfig and Go's tls.X509KeyPair), so a bad file fails before any dial with
 * etcdctl's exact message and exit code 128.
 * @module
 */
import { X509Certificate } from "node:crypto";
import { keyPairProblem, pairPresenceProblem, pemBlocks } from "../src/tls/key_pair.ts";
import { readPem, type TlsClientMaterial } from "../src/tls/material.ts";
import { CliError, ExitCode } from "./errors.ts";

/** The TLS-related global flags as given; empty file names mean "not given", as etcdctl's flags. */
export interface TlsFlags {
  certFile: string;
  keyFile: string;
  caFile: string;
  insecureTransport: boolean;
  insecureSkipVerify: boolean;
  /** File flags typed on the command line with an empty value (`--cert=`), which etcdctl refuses. */
  emptyGiven: readonly ("cert" | "key" | "cacert")[];
}

/** The flags without any TLS: plaintext for "host:port" endpoints. */
export const NO_TLS_FLAGS: TlsFlags = {
  certFile: "",
  keyFile: "",
  caFile: "",
  insecureTransport: true,
  insecureSkipVerify: false,
  emptyGiven: [],
};

/** etcdctl's keyAndCertFromCmd: `--cert=` (or --key=, --cacert=) typed on the line is an error. */
export function checkTlsFlags(flags: TlsFlags): void {
  // etcdctl checks cert, then key, then cacert.
  for (const name of ["cert", "key", "cacert"] as const) {
    if (flags.emptyGiven.includes(name)) {
      throw new CliError(ExitCode.BadArgs, `empty string is passed to --${name} option`);
    }
  }
}

/**
 * Whether the client gets a TLS config, which makes "host:port" endpoints dial TLS: any file flag,
 * --insecure-skip-tls-verify, or --insecure-transport=false. (etcdctl 3.4.23 itself ignores
 * --insecure-skip-tls-verify unless another of these is given — etcd issues #11693/#14315, fixed later;
 * we follow the fixed behaviour.)
 */
export function wantsTls(flags: TlsFlags): boolean {
  const anyFile = flags.certFile !== "" || flags.keyFile !== "" || flags.caFile !== "";
  return anyFile || flags.insecureSkipVerify || !flags.insecureTransport;
}

/** How files are read (injected by tests); readPem by default. */
export type PemReader = (path: string) => string;

/**
 * The client's TLS material from the flags, or undefined when they ask for none. Reads each file once and
 * checks it as etcdctl does; throws CliError(128) with etcdctl's message on the first problem.
 */
export function tlsMaterialFrom(flags: TlsFlags, read: PemReader = readPem): TlsClientMaterial | undefined {
  checkTlsFlags(flags);
  if (!wantsTls(flags)) return undefined;
  const material: TlsClientMaterial = {};
  try {
    if (flags.certFile !== "" || flags.keyFile !== "") Object.assign(material, keyPairOf(flags, read));
    if (flags.caFile !== "") material.ca = trustedCaOf(read(flags.caFile));
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(ExitCode.BadArgs, (error as Error).message);
  }
  if (flags.insecureSkipVerify) material.insecureSkipVerify = true;
  return material;
}

/** TLSInfo.baseConfig: both files, read and matched (Go's tls.X509KeyPair messages). */
function keyPairOf(flags: TlsFlags, read: PemReader): { cert: string; key: string } {
  if (flags.certFile === "" || flags.keyFile === "") {
    throw new CliError(ExitCode.BadArgs, pairPresenceProblem(flags.certFile, flags.keyFile)!);
  }
  const cert = read(flags.certFile);
  const key = read(flags.keyFile);
  const problem = keyPairProblem(cert, key);
  if (problem !== undefined) throw new CliError(ExitCode.BadArgs, problem);
  return { cert, key };
}

/**
 * etcd's tlsutil.NewCertPool: every PEM block must be a certificate. A file with no PEM at all gives an
 * empty pool (nothing verifies); the bundle is passed on as the blocks alone.
 */
function trustedCaOf(pem: string): string {
  const blocks = pemBlocks(pem);
  for (const block of blocks) {
    try {
      new X509Certificate(block.text);
    } catch {
      throw new CliError(ExitCode.BadArgs, "x509: malformed certificate");
    }
  }
  return blocks.map((b) => b.text).join("\n") + (blocks.length > 0 ? "\n" : "");
}
