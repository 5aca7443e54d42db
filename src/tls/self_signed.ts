/**
 * Self-signed certificates for etcd's --auto-tls and --peer-auto-tls: an ECDSA P-256 key from WebCrypto and
 * an X.509 v3 certificate for the member's listen hosts, DER-encoded with asn1js. Like etcd's SelfCert:
 * organisation "etcd", server and client auth, valid for a year. Nobody can verify such a certificate, so
 * clients skip verification (--insecure-skip-tls-verify); it encrypts, it does not authenticate.
 * @module
 */
import * as asn1 from "asn1js";
import { isIP } from "node:net";

/** A certificate and its private key, as PEM text. */
export interface SelfSignedPair {
  cert: string;
  key: string;
}

/** Options of `createSelfSigned`. */
export interface SelfSignedOptions {
  /** Host names and IP addresses the certificate names (subject alternative names). */
  hosts: readonly string[];
  /** Start of validity (default: now). */
  now?: Date;
  /** Length of validity (etcd's default: one year). */
  validityDays?: number;
}

const ECDSA_P256 = { name: "ECDSA", namedCurve: "P-256" } as const;
const SIGN_SHA256 = { name: "ECDSA", hash: "SHA-256" } as const;
const DEFAULT_VALIDITY_DAYS = 365;
/** Bound on the names one certificate carries (a member listens on a handful of URLs). */
const MAX_HOSTS = 64;
const MS_PER_DAY = 86_400_000;

const OID = {
  ecdsaWithSha256: "1.2.840.10045.4.3.2",
  organization: "2.5.4.10",
  keyUsage: "2.5.29.15",
  subjectAltName: "2.5.29.17",
  basicConstraints: "2.5.29.19",
  extKeyUsage: "2.5.29.37",
  serverAuth: "1.3.6.1.5.5.7.3.1",
  clientAuth: "1.3.6.1.5.5.7.3.2",
} as const;

/**
 * Makes a fresh key pair and a certificate for `hosts`, signed by its own key.
 * @example const { cert, key } = await createSelfSigned({ hosts: ["127.0.0.1", "localhost"] });
 */
export async function createSelfSigned(options: SelfSignedOptions): Promise<SelfSignedPair> {
  if (options.hosts.length > MAX_HOSTS) throw new Error(`self-signed: ${options.hosts.length} hosts, at most ${MAX_HOSTS}`);
  const keys = await crypto.subtle.generateKey(ECDSA_P256, true, ["sign", "verify"]);
  const spki = new Uint8Array(await crypto.subtle.exportKey("spki", keys.publicKey));
  const now = options.now ?? new Date();
  const notAfter = new Date(now.getTime() + (options.validityDays ?? DEFAULT_VALIDITY_DAYS) * MS_PER_DAY);
  const tbs = tbsCertificate(randomSerial(), now, notAfter, spki, options.hosts);
  const tbsDer = new Uint8Array(tbs.toBER());
  const rawSignature = new Uint8Array(await crypto.subtle.sign(SIGN_SHA256, keys.privateKey, tbsDer));
  const certificate = new asn1.Sequence({
    value: [tbs, algorithm(OID.ecdsaWithSha256), new asn1.BitString({ valueHex: derSignature(rawSignature) })],
  });
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey("pkcs8", keys.privateKey));
  return { cert: pem("CERTIFICATE", new Uint8Array(certificate.toBER())), key: pem("PRIVATE KEY", pkcs8) };
}

function tbsCertificate(serial: Uint8Array, notBefore: Date, notAfter: Date, spki: Uint8Array, hosts: readonly string[]): asn1.Sequence {
  const name = organization("etcd");
  return new asn1.Sequence({
    value: [
      new asn1.Constructed({ idBlock: { tagClass: 3, tagNumber: 0 }, value: [new asn1.Integer({ value: 2 })] }), // v3
      new asn1.Integer({ valueHex: positive(serial) }),
      algorithm(OID.ecdsaWithSha256),
      name, // issuer: the certificate signs itself
      new asn1.Sequence({ value: [new asn1.UTCTime({ valueDate: notBefore }), new asn1.UTCTime({ valueDate: notAfter })] }),
      name, // subject
      fromDer(spki),
      new asn1.Constructed({ idBlock: { tagClass: 3, tagNumber: 3 }, value: [new asn1.Sequence({ value: extensions(hosts) })] }),
    ],
  });
}

function extensions(hosts: readonly string[]): asn1.Sequence[] {
  // keyUsage: digitalSignature (bit 0) and keyEncipherment (bit 2); 5 unused bits in the one byte.
  const keyUsage = new asn1.BitString({ valueHex: new Uint8Array([0b1010_0000]), unusedBits: 5 });
  const purposes = new asn1.Sequence({ value: [oid(OID.serverAuth), oid(OID.clientAuth)] });
  const list = [
    extension(OID.keyUsage, true, keyUsage),
    extension(OID.extKeyUsage, false, purposes),
    extension(OID.basicConstraints, true, new asn1.Sequence({ value: [] })),
  ];
  if (hosts.length > 0) list.push(extension(OID.subjectAltName, false, new asn1.Sequence({ value: hosts.map(generalName) })));
  return list;
}

/** A dNSName [2] or iPAddress [7] entry of a subject alternative name. */
function generalName(host: string): asn1.Primitive {
  const bare = host.replace(/^\[(.*)\]$/, "$1");
  const version = isIP(bare);
  if (version === 0) return new asn1.Primitive({ idBlock: { tagClass: 3, tagNumber: 2 }, valueHex: new TextEncoder().encode(bare) });
  return new asn1.Primitive({ idBlock: { tagClass: 3, tagNumber: 7 }, valueHex: version === 4 ? ipv4Bytes(bare) : ipv6Bytes(bare) });
}

function ipv4Bytes(address: string): Uint8Array {
  return new Uint8Array(address.split(".").map(Number));
}

function ipv6Bytes(address: string): Uint8Array {
  const [head = "", tail] = address.split("::");
  const groups = (part: string): number[] => (part === "" ? [] : part.split(":").map((g) => parseInt(g, 16)));
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const all = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  const bytes = new Uint8Array(16);
  all.forEach((group, i) => {
    bytes[2 * i] = group >> 8;
    bytes[2 * i + 1] = group & 0xff;
  });
  return bytes;
}

function extension(id: string, critical: boolean, value: asn1.BaseBlock): asn1.Sequence {
  const parts: asn1.BaseBlock[] = [oid(id)];
  if (critical) parts.push(new asn1.Boolean({ value: true }));
  parts.push(new asn1.OctetString({ valueHex: new Uint8Array(value.toBER()) }));
  return new asn1.Sequence({ value: parts });
}

function organization(value: string): asn1.Sequence {
  const attribute = new asn1.Sequence({ value: [oid(OID.organization), new asn1.Utf8String({ value })] });
  return new asn1.Sequence({ value: [new asn1.Set({ value: [attribute] })] });
}

function algorithm(id: string): asn1.Sequence {
  return new asn1.Sequence({ value: [oid(id)] });
}

function oid(value: string): asn1.ObjectIdentifier {
  return new asn1.ObjectIdentifier({ value });
}

function fromDer(der: Uint8Array): asn1.BaseBlock {
  const parsed = asn1.fromBER(der);
  if (parsed.offset === -1) throw new Error("self-signed: WebCrypto exported an unreadable public key");
  return parsed.result as asn1.BaseBlock;
}

/** WebCrypto signs ECDSA as r‖s; X.509 wants SEQUENCE { INTEGER r, INTEGER s }. */
function derSignature(raw: Uint8Array): Uint8Array {
  if (raw.length !== 64) throw new Error(`self-signed: P-256 signature of ${raw.length} bytes`);
  const r = new asn1.Integer({ valueHex: positive(raw.subarray(0, 32)) });
  const s = new asn1.Integer({ valueHex: positive(raw.subarray(32)) });
  return new Uint8Array(new asn1.Sequence({ value: [r, s] }).toBER());
}

/** Big-endian unsigned bytes as a DER INTEGER's content: no redundant leading zeros, a zero before a high bit. */
function positive(bytes: Uint8Array): Uint8Array {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const trimmed = bytes.subarray(start);
  if ((trimmed[0]! & 0x80) === 0) return trimmed;
  const padded = new Uint8Array(trimmed.length + 1);
  padded.set(trimmed, 1);
  return padded;
}

/** 128 random bits, as etcd's SelfCert draws its serial numbers. */
function randomSerial(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(16));
}

function pem(label: string, der: Uint8Array): string {
  const base64 = Buffer.from(der).toString("base64");
  const lines = base64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}
