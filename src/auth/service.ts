/**
 * A member's auth service: the Auth RPCs every front-end calls, the checks the KV, lease, watch, cluster
 * and maintenance services call at their door, and the apply of auth entries and of every write's
 * proposer stamp. The state is the replicated AuthStore; tokens are this member's SimpleTokens.
 *
 * The door reads the current caller (src/auth/context.ts). The server's own calls have no caller and pass
 * unchecked. A read is checked by `admit` once it has caught up; a write only resolves its caller
 * (`stamp`: etcd's "invalid auth token" for an unknown token) and its keys are checked at apply against the
 * state its entry meets, so a revoke or a password change that commits first wins. With auth off a write
 * is stamped too: proposed before auth was enabled, it is refused at apply.
 * @module
 */
import type { EtcdError } from "../codec/errors.ts";
import { checkAdmin, checkRequestAccess, type AuthInfo, type CheckedRequest, type LeaseKeys } from "./checks.ts";
import { type Caller, currentCaller } from "./context.ts";
import { AuthErrors } from "./errors.ts";
import { applyAuthOp, type AuthResult } from "./apply.ts";
import type { AuthOp, AuthOpKind, AuthStamp } from "./ops.ts";
import type { AuthStore } from "./store.ts";
import { type SimpleTokens, tokenIndex, tokenPrefix } from "./tokens.ts";
import type { JwtTokens } from "./jwt.ts";
import { delay } from "../runtime/mod.ts";
import { hashPassword, verifyPassword } from "../runtime/password.ts";

/** etcd's default bcrypt cost (--bcrypt-cost) and its bounds (Go's bcrypt MinCost and MaxCost). */
export const DEFAULT_BCRYPT_COST = 10;
export const MIN_BCRYPT_COST = 4;
export const MAX_BCRYPT_COST = 31;

/** Longest a request waits for the Authenticate entry its token came from (etcd's request timeout). */
const TOKEN_WAIT_MS = 5_000;
const TOKEN_POLL_MS = 5;

/** The stored hash of an empty password (no bcrypt hash is empty). */
const EMPTY_PASSWORD_HASH = "";

/** What the service proposes through: the member (its proposeWrite). */
export interface AuthMember {
  proposeWrite<T>(op: { auth: AuthOp; caller?: AuthStamp }): Promise<T>;
}

/** Options of the service. */
export interface AuthServiceOptions {
  store: AuthStore;
  tokens: SimpleTokens;
  bcryptCost: number;
  /** Keys attached to a lease (for puts with a lease and revokes). */
  leaseKeys: LeaseKeys;
  /** This member's applied index (a token issued at a later index is waited for). */
  applied: () => number;
  /** --auth-token jwt: tokens are signed and checked with these keys instead of simple tokens. */
  jwt?: JwtTokens;
}

/** Kinds that need the root role (all but Authenticate), as etcd's needAdminPermission. */
function needsAdmin(kind: AuthOpKind): boolean {
  return kind !== "AuthenticateRequest";
}

/**
 * etcd's authApplierV3.UserGet and RoleGet: without the root role a user may still read itself and the
 * roles it has (so `user get --detail` works for anyone).
 */
function readsOwn(store: AuthStore, kind: AuthOpKind, request: Record<string, unknown>, info: AuthInfo | undefined): boolean {
  if (info === undefined) return false;
  if (kind === "AuthUserGetRequest") return (request.name ?? "") === info.user;
  if (kind === "AuthRoleGetRequest") return store.user(info.user)?.roles.includes(String(request.role ?? "")) ?? false;
  return false;
}

/** One member's auth service. */
export class AuthService {
  readonly store: AuthStore;
  readonly tokens: SimpleTokens;
  readonly #o: AuthServiceOptions;
  #member: AuthMember | undefined;

  constructor(options: AuthServiceOptions) {
    if (!Number.isInteger(options.bcryptCost) || options.bcryptCost < MIN_BCRYPT_COST || options.bcryptCost > MAX_BCRYPT_COST) {
      throw new Error(`bcrypt cost ${options.bcryptCost} is out of range [${MIN_BCRYPT_COST}, ${MAX_BCRYPT_COST}]`);
    }
    this.#o = options;
    this.store = options.store;
    this.tokens = options.tokens;
  }

  /** The member proposals go through (it exists only after the service: its apply needs the service). */
  attach(member: AuthMember): void {
    this.#member = member;
  }

  // ---- the door ----

  /**
   * True when `token` names a log index this member has not applied yet: the Authenticate that issued it
   * (through another member, or just now) is still on its way here. etcd waits for it; so does the caller,
   * through `waitForToken`, before it serves the request.
   */
  tokenPending(token: string): boolean {
    if (this.tokens.has(token) || !this.store.enabled) return false;
    const index = tokenIndex(token);
    return index !== undefined && index > this.#o.applied();
  }

  /** Waits (bounded by TOKEN_WAIT_MS) until the token's index is applied here. */
  async waitForToken(token: string): Promise<void> {
    for (let i = 0; i < TOKEN_WAIT_MS / TOKEN_POLL_MS && this.tokenPending(token); i++) await delay(TOKEN_POLL_MS);
  }

  /** Who the current call runs as: undefined for the server's own calls; throws for a bad token. */
  infoOf(caller: Caller | undefined = currentCaller()): AuthInfo | undefined {
    if (caller === undefined) return undefined;
    const store = this.store;
    // etcd's AuthInfoFromCtx reads the token whether auth is on or not: one nobody issued (auth off keeps
    // none) is "invalid auth token" even where the call would need no credentials at all.
    // etcd's simple tokens carry no revision: a live token is as new as the state (a change that matters
    // to it, a password change or deletion, drops it).
    if (caller.token !== undefined && this.#o.jwt !== undefined) {
      // A JWT carries the revision it was issued at: any auth change since makes it old (etcd).
      const claims = this.#o.jwt.verify(caller.token);
      if (claims === undefined) throw AuthErrors.invalidAuthToken();
      return claims;
    }
    if (caller.token !== undefined) {
      const user = this.tokens.userOf(caller.token);
      if (user === undefined) throw AuthErrors.invalidAuthToken();
      return { user, revision: store.revision };
    }
    if (!store.enabled) return { user: "", revision: store.revision }; // no token: nothing to check
    if (caller.commonName !== undefined && caller.commonName !== "") {
      return { user: caller.commonName, revision: store.revision };
    }
    return { user: "", revision: 0 };
  }

  /**
   * Checks the current caller for `request`; returns the stamp its proposal carries (undefined for the
   * server's own calls). Throws etcd's error.
   */
  admit(request: CheckedRequest): AuthStamp | undefined {
    const info = this.infoOf();
    if (info === undefined) return undefined;
    checkRequestAccess(this.store, info, request, this.#o.leaseKeys);
    return info;
  }

  /**
   * Who the current caller's write runs as, for its proposal: its keys are checked at apply only (etcd's
   * authApplierV3), against the state its entry meets — never against this member's state now, which on
   * a follower may not have applied a grant or revoke the client already saw acknowledged.
   */
  stamp(): AuthStamp | undefined {
    return this.infoOf();
  }

  /** Root only for the current caller (member changes); `denied`: the error a non-root user gets. */
  admitAdmin(denied: () => EtcdError = AuthErrors.permissionDenied): AuthStamp | undefined {
    const info = this.infoOf();
    if (info === undefined) return undefined;
    checkAdmin(this.store, info, denied);
    return info;
  }

  // ---- apply ----

  /** At apply: the write's proposer may still do it (etcd's authApplierV3). Throws etcd's error. */
  checkAtApply(stamp: AuthStamp, request: CheckedRequest): void {
    checkRequestAccess(this.store, stamp, request, this.#o.leaseKeys);
  }

  /** Applies an auth entry: the admin check against its stamp, then the operation. */
  apply(op: AuthOp, stamp: AuthStamp | undefined, index: number): AuthResult {
    if (needsAdmin(op.kind) && !readsOwn(this.store, op.kind, op.request, stamp)) checkAdmin(this.store, stamp);
    return applyAuthOp(op, { store: this.store, tokens: this.tokens, index });
  }

  // ---- the Auth RPCs ----

  /** etcd's Authenticate: the password checked here (bcrypt, off the event loop), the token through Raft. */
  async authenticate(req: { name?: string; password?: string }): Promise<unknown> {
    const name = req.name ?? "";
    const store = this.store;
    if (!store.enabled) throw AuthErrors.authNotEnabled();
    const user = store.user(name);
    if (user === undefined || user.noPassword) throw AuthErrors.authFailed();
    const password = req.password ?? "";
    let ok = false;
    if (user.hash === EMPTY_PASSWORD_HASH) {
      ok = password === "";
    } else {
      try {
        ok = await verifyPassword(password, user.hash);
      } catch {
        ok = false;
      }
    }
    if (!ok) throw AuthErrors.authFailed();
    const jwt = this.#o.jwt;
    const op: AuthOp = jwt === undefined
      ? { kind: "AuthenticateRequest", request: { name }, token: tokenPrefix() }
      : { kind: "AuthenticateRequest", request: { name }, jwt: jwt.sign(name, store.revision) };
    return await this.#m().proposeWrite({ auth: op });
  }

  /** Any other Auth RPC: the password hashed before proposing (etcd 3.4), then the log. */
  async call(kind: Exclude<AuthOpKind, "AuthenticateRequest">, req: Record<string, unknown>): Promise<unknown> {
    // As etcd: the door only resolves the caller; the root check (or a user reading itself) is apply's, on
    // the state the entry meets, so a follower behind on a grant does not refuse what the grant allows.
    const caller = this.infoOf();
    const op: AuthOp = { kind, request: { ...req } };
    if (kind === "AuthUserAddRequest" || kind === "AuthUserChangePasswordRequest") {
      const noPassword = (req.options as { no_password?: boolean } | undefined)?.no_password === true;
      op.hash = noPassword ? "" : await this.hash(String(req.password ?? ""));
      op.request.password = "";
    }
    return await this.#m().proposeWrite(caller === undefined ? { auth: op } : { auth: op, caller });
  }

  /** bcrypt with the configured cost, on Bun's thread pool. */
  hash(password: string): Promise<string> {
    // etcd 3.4 takes an empty password (and then accepts it); Bun's bcrypt refuses to hash one.
    if (password === "") return Promise.resolve(EMPTY_PASSWORD_HASH);
    return hashPassword(password, this.#o.bcryptCost);
  }

  #m(): AuthMember {
    if (this.#member === undefined) throw new Error("auth service used before attach");
    return this.#member;
  }
}
