/**
 * The client's side of etcd's auth: a user name and password turned into a token once (POST
 * /v3/auth/authenticate), carried on every request in the `Authorization` header as etcd's gateway reads it,
 * and fetched again once when the server says the token is no longer good (expired simple token, password
 * changed, role revoked). Pure apart from the `authenticate` callback the Client supplies.
 * @module
 */
import { EtcdError } from "../codec/errors.ts";

/** A user name and its password, as `connect({ username, password })` takes them. */
export interface Credentials {
  username: string;
  password: string;
}

/** The gateway path of Authenticate (sent without a token). */
export const AUTHENTICATE_PATH = "/v3/auth/authenticate";
/** The header etcd's gateway turns into the gRPC `authorization` metadata it reads the token from. */
export const TOKEN_HEADER = "authorization";

/** etcd's answers after which a fresh token may succeed (clientv3 re-authenticates on these). */
const REFRESH_MESSAGES = new Set([
  "etcdserver: invalid auth token",
  "etcdserver: revision of auth store is old",
  // The server dropped the token (e.g. a restarted member with simple tokens) while we still have credentials.
  "etcdserver: user name is empty",
]);

/** Authenticate's answer when auth is off: the client then goes on without a token, as clientv3 does. */
const NOT_ENABLED_MESSAGE = "etcdserver: authentication is not enabled";

/**
 * Authentication failed while connecting (wrong password, unknown user): etcdctl reports it as a failed
 * dial (exit code 2), not as a failed request.
 */
export class AuthenticationError extends EtcdError {
  constructor(cause: EtcdError) {
    super(cause.code, cause.message);
    this.name = "AuthenticationError";
  }
}

/** True when `error` is one of the answers a new token may cure. */
export function isStaleTokenError(error: unknown): boolean {
  return error instanceof EtcdError && REFRESH_MESSAGES.has(error.message);
}

/**
 * True when a watch was refused in a way a new token may cure: a stale token, or etcd's watch cancel
 * "permission denied", which is also what a watch created with an expired token gets. A watch retries once
 * after a refresh and then gives up, so a real denial still ends it.
 */
export function isWatchAuthRefusal(error: unknown): boolean {
  if (!(error instanceof EtcdError)) return false;
  if ([...REFRESH_MESSAGES].some((message) => error.message.includes(message))) return true;
  return error.message.includes("etcdserver: permission denied");
}

/** Where streams (watch) get the token from: the Client's keeper. */
export interface TokenSource {
  current(signal?: AbortSignal): Promise<string | undefined>;
  refresh(stale: string | undefined, signal?: AbortSignal): Promise<string | undefined>;
}

/** Asks the server for a token; resolves to the token text. */
export type Authenticate = (credentials: Credentials, signal: AbortSignal | undefined) => Promise<string>;

/**
 * Holds the current token and makes sure concurrent requests share one Authenticate call (a watch, a
 * keep-alive and a put that all find the token stale trigger one refresh, not three).
 */
export class TokenKeeper implements TokenSource {
  readonly #credentials: Credentials;
  readonly #authenticate: Authenticate;
  #token: string | undefined;
  #fetched = false;
  #pending: Promise<string | undefined> | undefined;

  constructor(credentials: Credentials, authenticate: Authenticate) {
    if (credentials.username === "" || credentials.password === "") {
      throw new Error("TokenKeeper: both a user name and a password are required");
    }
    this.#credentials = credentials;
    this.#authenticate = authenticate;
  }

  /** The token to send (authenticating first if none was fetched yet); undefined when auth is off. */
  current(signal?: AbortSignal): Promise<string | undefined> {
    if (this.#fetched) return Promise.resolve(this.#token);
    return this.#fetch(signal);
  }

  /**
   * Fetches a new token unless another caller already replaced `stale`; resolves to the token to retry
   * with. Only called after the server refused `stale`.
   */
  refresh(stale: string | undefined, signal?: AbortSignal): Promise<string | undefined> {
    if (this.#pending !== undefined) return this.#pending;
    if (this.#fetched && this.#token !== stale) return Promise.resolve(this.#token);
    this.#fetched = false;
    return this.#fetch(signal);
  }

  #fetch(signal: AbortSignal | undefined): Promise<string | undefined> {
    if (this.#pending !== undefined) return this.#pending;
    const pending = this.#ask(signal).finally(() => {
      if (this.#pending === pending) this.#pending = undefined;
    });
    this.#pending = pending;
    return pending;
  }

  async #ask(signal: AbortSignal | undefined): Promise<string | undefined> {
    try {
      this.#token = await this.#authenticate(this.#credentials, signal);
    } catch (error) {
      if (!(error instanceof EtcdError)) throw error;
      if (error.message !== NOT_ENABLED_MESSAGE) throw new AuthenticationError(error);
      this.#token = undefined;
    }
    this.#fetched = true;
    return this.#token;
  }
}
