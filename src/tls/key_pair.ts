/**
 * Whether a certificate and key make a usable pair, worded as Go's crypto/tls (tls.X509KeyPair) words it, so
 * the server's flags and the CLI's fail with etcd's and etcdctl's exact messages.
 * @module
 */
import { createPrivateKey, X509Certificate } from "node:crypto";

/** etcd's TLSInfo check: a cert file needs a key file and the reverse. Undefined when both or neither. */
export function pairPresenceProblem(certFile: string, keyFile: string): string | undefined {
  if ((certFile === "") === (keyFile === "")) return undefined;
  return `KeyFile and CertFile must both be present[key: ${keyFile}, cert: ${certFile}]`;
}

/** A bound on PEM blocks per file: a CA bundle has a handful; a file with more is not PEM we want. */
const MAX_PEM_BLOCKS = 10_000;

/** One PEM block: its type and the whole block's text. */
interface PemBlock {
  type: string;
  text: string;
}

/** The PEM blocks of a text, in order, as Go's pem.Decode finds them (well-formed BEGIN/END pairs). */
export function pemBlocks(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  const pattern = /-----BEGIN ([^-\r\n]*)-----\r?\n[\s\S]*?-----END \1-----/g;
  for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
    if (blocks.length >= MAX_PEM_BLOCKS) break;
    blocks.push({ type: match[1]!, text: match[0] });
  }
  return blocks;
}

/** Go's tls.X509KeyPair checks, in its order: undefined when the pair is usable, else Go's message. */
export function keyPairProblem(certPem: string, keyPem: string): string | undefined {
  const certBlocks = pemBlocks(certPem);
  const certs = certBlocks.filter((b) => b.type === "CERTIFICATE");
  if (certs.length === 0) return missingCertificate(certBlocks.map((b) => b.type));
  const keyBlocks = pemBlocks(keyPem);
  const keyIndex = keyBlocks.findIndex((b) => b.type === "PRIVATE KEY" || b.type.endsWith(" PRIVATE KEY"));
  if (keyIndex < 0) return missingKey(keyBlocks.map((b) => b.type));
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(certs[0]!.text);
  } catch {
    return "x509: malformed certificate";
  }
  try {
    const key = createPrivateKey(keyBlocks[keyIndex]!.text);
    if (!certificate.checkPrivateKey(key)) return "tls: private key does not match public key";
  } catch {
    return "tls: failed to parse private key";
  }
  return undefined;
}

function missingCertificate(skipped: string[]): string {
  if (skipped.length === 0) return "tls: failed to find any PEM data in certificate input";
  if (skipped.length === 1 && skipped[0]!.endsWith("PRIVATE KEY")) {
    return "tls: failed to find certificate PEM data in certificate input, but did find a private key; PEM inputs may have been switched";
  }
  return `tls: failed to find "CERTIFICATE" PEM block in certificate input after skipping PEM blocks of the following types: [${skipped.join(" ")}]`;
}

function missingKey(skipped: string[]): string {
  if (skipped.length === 0) return "tls: failed to find any PEM data in key input";
  if (skipped.length === 1 && skipped[0] === "CERTIFICATE") {
    return "tls: found a certificate rather than a key in the PEM for the private key";
  }
  return `tls: failed to find PEM block with type ending in "PRIVATE KEY" in key input after skipping PEM blocks of the following types: [${skipped.join(" ")}]`;
}
