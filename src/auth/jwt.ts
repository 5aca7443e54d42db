/**
 * etcd's JWT tokens (`--auth-token jwt,sign-method=RS256,pub-key=…,priv-key=…,ttl=5m`): a signed token
 * carrying the user name, the auth revision when it was issued and its expiry (claims `exp`, `revision`,
 * `username`, as etcd signs them). Any member holding the public key checks one without shared state; a
 * token issued before an auth change is refused with etcd's "revision of auth store is old". Signing and
 * checking use node:crypto synchronously (RSA PKCS#1 v1.5, RSA-PSS, ECDSA), so the request path has no await.
 * @module
 */
import { createPrivateKey, createPublicKey, type KeyObject, sign, verify } from "node:crypto";
import { readFileSync } from "node:fs";
import { parseGoDurationMs } from "../server/go_duration.ts";

/** The sign methods tsetcd takes, as JWT names them. */
const METHODS: Record<string, { hash: string; kind: "rsa" | "pss" | "ec" }> = {
  RS256: { hash: "sha256", kind: "rsa" },
  RS384: { hash: "sha384", kind: "rsa" },
  RS512: { hash: "sha512", kind: "rsa" },
  PS256: { hash: "sha256", kind: "pss" },
  PS384: { hash: "sha384", kind: "pss" },
  PS512: { hash: "sha512", kind: "pss" },
  ES256: { hash: "sha256", kind: "ec" },
  ES384: { hash: "sha384", kind: "ec" },
  ES512: { hash: "sha512", kind: "ec" },
};

/** etcd's default JWT lifetime. */
const DEFAULT_TTL_MS = 5 * 60 * 1000;
/** Bound on a token's length before it is parsed at all. */
const MAX_TOKEN_CHARS = 8_192;

/** The `jwt,…` options of --auth-token. */
export interface JwtOptions {
  signMethod: string;
  pubKeyPath: string;
  /** Without it the member checks tokens but cannot issue any (etcd: verify-only). */
  privKeyPath?: string;
  ttlMs: number;
}

/** Parses --auth-token's value: "simple", or "jwt,…"; a string is etcd's refusal text. */
export function parseAuthToken(value: string): { kind: "simple" } | { kind: "jwt"; options: JwtOptions } | string {
  const [kind, ...rest] = value.split(",");
  if (kind === "simple" && rest.length === 0) return { kind: "simple" };
  if (kind !== "jwt") return `unknown token type: ${value}`;
  const opts = new Map<string, string>();
  for (const part of rest) {
    const eq = part.indexOf("=");
    if (eq <= 0) return `invalid auth token option: ${part}`;
    opts.set(part.slice(0, eq), part.slice(eq + 1));
  }
  const signMethod = opts.get("sign-method") ?? "";
  if (METHODS[signMethod] === undefined) return `auth: invalid auth options (sign-method ${JSON.stringify(signMethod)})`;
  const pubKeyPath = opts.get("pub-key") ?? "";
  if (pubKeyPath === "") return "auth: invalid auth options (pub-key missing)";
  const ttlText = opts.get("ttl");
  const ttlMs = ttlText === undefined ? DEFAULT_TTL_MS : parseGoDurationMs(ttlText);
  if (ttlMs === undefined || ttlMs <= 0) return `auth: invalid auth options (ttl ${JSON.stringify(ttlText)})`;
  const privKeyPath = opts.get("priv-key");
  return { kind: "jwt", options: { signMethod, pubKeyPath, ttlMs, ...(privKeyPath ? { privKeyPath } : {}) } };
}

/** A key with the padding or signature encoding its method needs; fits both sign and verify. */
interface KeyInput {
  key: KeyObject;
  padding?: number;
  saltLength?: number;
  dsaEncoding?: "der" | "ieee-p1363";
}

/** What a valid token says. */
export interface JwtClaims {
  user: string;
  revision: number;
}

function base64url(bytes: Uint8Array | string): string {
  return Buffer.from(bytes).toString("base64url");
}

/** Issues and checks one member's JWT tokens. */
export class JwtTokens {
  readonly #method: { hash: string; kind: "rsa" | "pss" | "ec" };
  readonly #alg: string;
  readonly #publicKey: KeyObject;
  readonly #privateKey: KeyObject | undefined;
  readonly #ttlMs: number;
  readonly #nowMs: () => number;

  constructor(options: JwtOptions, nowMs: () => number = Date.now) {
    this.#alg = options.signMethod;
    this.#method = METHODS[options.signMethod]!;
    this.#publicKey = createPublicKey(readFileSync(options.pubKeyPath));
    this.#privateKey = options.privKeyPath === undefined ? undefined : createPrivateKey(readFileSync(options.privKeyPath));
    this.#ttlMs = options.ttlMs;
    this.#nowMs = nowMs;
    const wantEc = this.#method.kind === "ec";
    if ((this.#publicKey.asymmetricKeyType === "ec") !== wantEc) {
      throw new Error(`auth: the public key does not fit sign-method ${options.signMethod}`);
    }
  }

  /** True when this member can issue tokens (it has the private key). */
  get canSign(): boolean {
    return this.#privateKey !== undefined;
  }

  /** A token for `user` at auth `revision`, valid for the TTL. */
  sign(user: string, revision: number): string {
    if (this.#privateKey === undefined) throw new Error("auth: no private key to sign tokens with");
    const header = base64url(JSON.stringify({ alg: this.#alg, typ: "JWT" }));
    const exp = Math.floor((this.#nowMs() + this.#ttlMs) / 1000);
    const payload = base64url(JSON.stringify({ exp, revision, username: user }));
    const input = `${header}.${payload}`;
    const signature = sign(this.#method.hash, Buffer.from(input), this.#keyOptions(this.#privateKey));
    return `${input}.${base64url(signature)}`;
  }

  /** The claims of a token this member's key signed and that has not expired, or undefined. */
  verify(token: string): JwtClaims | undefined {
    if (token.length > MAX_TOKEN_CHARS) return undefined;
    const parts = token.split(".");
    if (parts.length !== 3) return undefined;
    try {
      const header = JSON.parse(Buffer.from(parts[0]!, "base64url").toString()) as { alg?: unknown };
      if (header.alg !== this.#alg) return undefined; // never let the token pick the algorithm
      const ok = verify(
        this.#method.hash,
        Buffer.from(`${parts[0]}.${parts[1]}`),
        this.#keyOptions(this.#publicKey),
        Buffer.from(parts[2]!, "base64url"),
      );
      if (!ok) return undefined;
      const claims = JSON.parse(Buffer.from(parts[1]!, "base64url").toString()) as Record<string, unknown>;
      const { exp, revision, username } = claims;
      if (typeof exp !== "number" || typeof revision !== "number" || typeof username !== "string") return undefined;
      if (exp * 1000 <= this.#nowMs() || !Number.isSafeInteger(revision) || revision < 0) return undefined;
      return { user: username, revision };
    } catch {
      return undefined;
    }
  }

  #keyOptions(key: KeyObject): KeyInput {
    // PSS with the salt as long as the digest (JWT's PS*), ECDSA as raw r‖s (JWT's ES*).
    if (this.#method.kind === "pss") return { key, padding: 6 /* RSA_PKCS1_PSS_PADDING */, saltLength: -1 };
    if (this.#method.kind === "ec") return { key, dsaEncoding: "ieee-p1363" };
    return { key };
  }
}
