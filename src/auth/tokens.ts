/**
 * etcd's simple tokens: an opaque random string naming a user, kept in memory by every member. The
 * proposer draws the random part and Authenticate goes through Raft, so every member learns the token
 * when it applies the entry (`<16 letters>.<entry index>`, etcd's shape) and it works on any member.
 * A token lives --auth-token-ttl after its last use; a password change, the user's deletion, or auth
 * being disabled drops it (etcd's invalidateUser / disable). Not persisted: a restarted member forgets its
 * tokens and clients authenticate again, as with etcd.
 * @module
 */

/** Bound on tokens held at once; the oldest is dropped past it (a client authenticating in a loop). */
const MAX_TOKENS = 100_000;
const LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
const PREFIX_LENGTH = 16;

/** The random part of a new token, drawn by the member that proposes the Authenticate. */
export function tokenPrefix(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(PREFIX_LENGTH));
  let out = "";
  for (const b of bytes) out += LETTERS[b % LETTERS.length];
  return out;
}

/** True when `text` has the shape of a prefix this module draws (checked on apply: entries may be forged). */
export function isTokenPrefix(text: string): boolean {
  return text.length === PREFIX_LENGTH && /^[A-Za-z]+$/.test(text);
}

interface Held {
  user: string;
  expiresAtMs: number;
}

/** One member's simple tokens. */
export class SimpleTokens {
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #tokens = new Map<string, Held>();

  constructor(options: { ttlMs: number; now?: () => number }) {
    if (!(options.ttlMs > 0)) throw new Error(`token TTL must be positive, got ${options.ttlMs}`);
    this.#ttlMs = options.ttlMs;
    this.#now = options.now ?? (() => performance.now());
  }

  /** Records a token applied from the log. */
  assign(token: string, user: string): void {
    if (this.#tokens.size >= MAX_TOKENS) {
      const oldest = this.#tokens.keys().next().value;
      if (oldest !== undefined) this.#tokens.delete(oldest);
    }
    this.#tokens.set(token, { user, expiresAtMs: this.#now() + this.#ttlMs });
  }

  /** The user a live token names (its life starts again), or undefined. */
  userOf(token: string): string | undefined {
    const held = this.#tokens.get(token);
    if (held === undefined) return undefined;
    const nowMs = this.#now();
    if (nowMs >= held.expiresAtMs) {
      this.#tokens.delete(token);
      return undefined;
    }
    held.expiresAtMs = nowMs + this.#ttlMs;
    return held.user;
  }

  /** True when the token is held (its life is not extended). */
  has(token: string): boolean {
    return this.#tokens.has(token);
  }

  /** Drops every token of `user` (password changed, user deleted). */
  invalidateUser(user: string): void {
    for (const [token, held] of this.#tokens) {
      if (held.user === user) this.#tokens.delete(token);
    }
  }

  /** Drops every token (auth disabled). */
  clear(): void {
    this.#tokens.clear();
  }

  /** Drops expired tokens; bounded by the number held. */
  sweep(): void {
    const nowMs = this.#now();
    for (const [token, held] of this.#tokens) {
      if (nowMs >= held.expiresAtMs) this.#tokens.delete(token);
    }
  }
}

/** The log index a simple token names (`<prefix>.<index>`), or undefined for anything else. */
export function tokenIndex(token: string): number | undefined {
  const dot = token.lastIndexOf(".");
  if (dot < 0 || !isTokenPrefix(token.slice(0, dot))) return undefined;
  const index = Number(token.slice(dot + 1));
  return Number.isSafeInteger(index) && index > 0 ? index : undefined;
}
