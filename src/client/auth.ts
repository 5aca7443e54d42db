/**
 * The Auth service's calls (etcd's `/v3/auth/...` gateway paths): enable and disable auth, users, roles
 * and their key-range permissions. They share the Client's request path, so they carry its token and fail
 * over like every other call. Authenticate itself is done by the Client when given credentials.
 *
 * @example
 * import { AuthClient, connect, PermissionType } from "tsetcd";
 * const auth = new AuthClient(connect({ endpoints: ["127.0.0.1:2379"] }));
 * await auth.userAdd("root", "secret");
 * await auth.roleAdd("root");
 * await auth.userGrantRole("root", "root"); // auth enable needs root with the root role
 * await auth.userAdd("app", "app-secret");
 * await auth.roleAdd("app");
 * const bytes = (text: string) => new TextEncoder().encode(text);
 * await auth.roleGrantPermission("app", { permType: PermissionType.READWRITE, key: bytes("app/"), range_end: bytes("app0") });
 * await auth.userGrantRole("app", "app");
 * await auth.authEnable();
 * const client = connect({ endpoints: ["127.0.0.1:2379"], username: "app", password: "app-secret" });
 * @module
 */
import type {
  AuthenticateResponse,
  AuthHeaderResponse,
  AuthRoleGetResponse,
  AuthRoleListResponse,
  AuthUserGetResponse,
  AuthUserListResponse,
  Permission,
} from "../codec/messages.ts";
import type { MessageKind } from "../codec/schema.ts";
import type { CallOptions, Client } from "./mod.ts";
import { AUTHENTICATE_PATH } from "./token.ts";

interface Unary {
  call<T>(path: string, request: unknown, kind: MessageKind, options: CallOptions, target?: object): Promise<T>;
}

/** The Client's own unary path (failover, deadline, token), as src/client/lease.ts reaches it. */
function unaryOf(client: Client): Unary {
  const raw = client as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  return { call: <T>(...args: unknown[]) => raw["call"]!.apply(client, args) as Promise<T> };
}

/** Reads (retried on another endpoint when one does not answer) versus changes (never re-sent). */
const READ = { idempotent: true } as const;

/** Auth calls over a Client. */
export class AuthClient {
  readonly #u: Unary;

  constructor(client: Client) {
    this.#u = unaryOf(client);
  }

  /** A token for `name` (the Client does this itself when connected with credentials). */
  authenticate(name: string, password: string, options: CallOptions = {}): Promise<AuthenticateResponse> {
    return this.#u.call(AUTHENTICATE_PATH, { name, password }, "AuthenticateResponse", options, READ);
  }

  /** Turns auth on; the server refuses without a root user that has the root role. */
  authEnable(options: CallOptions = {}): Promise<AuthHeaderResponse> {
    return this.#u.call("/v3/auth/enable", {}, "AuthEnableResponse", options);
  }

  /** Turns auth off (root only while it is on). */
  authDisable(options: CallOptions = {}): Promise<AuthHeaderResponse> {
    return this.#u.call("/v3/auth/disable", {}, "AuthDisableResponse", options);
  }

  /** Adds a user; `noPassword` makes one that can only authenticate by client certificate. */
  userAdd(name: string, password: string, options: CallOptions & { noPassword?: boolean } = {}): Promise<AuthHeaderResponse> {
    const request = { name, password, options: { no_password: options.noPassword === true } };
    return this.#u.call("/v3/auth/user/add", request, "AuthUserAddResponse", options);
  }

  /** A user's roles. */
  userGet(name: string, options: CallOptions = {}): Promise<AuthUserGetResponse> {
    return this.#u.call("/v3/auth/user/get", { name }, "AuthUserGetResponse", options, READ);
  }

  /** Every user name, sorted. */
  userList(options: CallOptions = {}): Promise<AuthUserListResponse> {
    return this.#u.call("/v3/auth/user/list", {}, "AuthUserListResponse", options, READ);
  }

  /** Deletes a user. */
  userDelete(name: string, options: CallOptions = {}): Promise<AuthHeaderResponse> {
    return this.#u.call("/v3/auth/user/delete", { name }, "AuthUserDeleteResponse", options);
  }

  /** Sets a user's password (tokens issued before stop working). */
  userChangePassword(name: string, password: string, options: CallOptions = {}): Promise<AuthHeaderResponse> {
    return this.#u.call("/v3/auth/user/changepw", { name, password }, "AuthUserChangePasswordResponse", options);
  }

  /** Grants `role` to `user`. */
  userGrantRole(user: string, role: string, options: CallOptions = {}): Promise<AuthHeaderResponse> {
    return this.#u.call("/v3/auth/user/grant", { user, role }, "AuthUserGrantRoleResponse", options);
  }

  /** Revokes `role` from `user`. */
  userRevokeRole(name: string, role: string, options: CallOptions = {}): Promise<AuthHeaderResponse> {
    return this.#u.call("/v3/auth/user/revoke", { name, role }, "AuthUserRevokeRoleResponse", options);
  }

  /** Adds a role without permissions. */
  roleAdd(name: string, options: CallOptions = {}): Promise<AuthHeaderResponse> {
    return this.#u.call("/v3/auth/role/add", { name }, "AuthRoleAddResponse", options);
  }

  /** A role's permissions. */
  roleGet(role: string, options: CallOptions = {}): Promise<AuthRoleGetResponse> {
    return this.#u.call("/v3/auth/role/get", { role }, "AuthRoleGetResponse", options, READ);
  }

  /** Every role name, sorted. */
  roleList(options: CallOptions = {}): Promise<AuthRoleListResponse> {
    return this.#u.call("/v3/auth/role/list", {}, "AuthRoleListResponse", options, READ);
  }

  /** Deletes a role (and revokes it from every user). */
  roleDelete(role: string, options: CallOptions = {}): Promise<AuthHeaderResponse> {
    return this.#u.call("/v3/auth/role/delete", { role }, "AuthRoleDeleteResponse", options);
  }

  /** Grants a permission: one key (empty range_end), a range, a prefix, or from a key (range_end "\0"). */
  roleGrantPermission(name: string, perm: Permission, options: CallOptions = {}): Promise<AuthHeaderResponse> {
    return this.#u.call("/v3/auth/role/grant", { name, perm }, "AuthRoleGrantPermissionResponse", options);
  }

  /** Revokes the permission on exactly [key, rangeEnd) from `role`. */
  roleRevokePermission(
    role: string,
    key: Uint8Array,
    rangeEnd: Uint8Array,
    options: CallOptions = {},
  ): Promise<AuthHeaderResponse> {
    const request = { role, key, range_end: rangeEnd };
    return this.#u.call("/v3/auth/role/revoke", request, "AuthRoleRevokePermissionResponse", options);
  }
}
