/**
 * Applies one auth operation to the auth state, as etcd 3.4's auth store does, on every member alike:
 * the outcome depends on the entry and the state only. Every change bumps the auth revision. Errors are
 * thrown as etcd's values (the member answers them; the savepoint undoes nothing since nothing was written
 * before a refusal). Authenticate's token goes to this member's token table.
 * @module
 */
import { AuthErrors } from "./errors.ts";
import type { AuthOp } from "./ops.ts";
import { compareBytes, type Permission, PermType } from "./perms.ts";
import { ROOT, type AuthStore, type StoredRole } from "./store.ts";
import { isTokenPrefix, type SimpleTokens } from "./tokens.ts";

/** What apply needs besides the store. */
export interface AuthApplyContext {
  store: AuthStore;
  tokens: SimpleTokens;
  /** The entry's index: the token's suffix, as etcd's. */
  index: number;
}

/** The response body (without header) of one applied auth operation. */
export type AuthResult = Record<string, unknown>;

const EMPTY = new Uint8Array(0);

/** Applies `op`; throws etcd's error when the state refuses it. */
export function applyAuthOp(op: AuthOp, ctx: AuthApplyContext): AuthResult {
  const { store } = ctx;
  const r = op.request;
  switch (op.kind) {
    case "AuthEnableRequest":
      return enable(store);
    case "AuthDisableRequest":
      if (store.enabled) {
        store.setEnabled(false);
        store.bumpRevision();
        ctx.tokens.clear();
      }
      return {};
    case "AuthenticateRequest":
      return authenticate(op, ctx);
    case "AuthUserAddRequest":
      return userAdd(store, str(r.name), op.hash ?? "", (r.options as { no_password?: boolean } | undefined));
    case "AuthUserGetRequest":
      return { roles: [...existingUser(store, str(r.name)).roles] };
    case "AuthUserListRequest":
      return { users: store.userNames() };
    case "AuthUserDeleteRequest":
      return userDelete(ctx, str(r.name));
    case "AuthUserChangePasswordRequest": {
      const user = existingUser(store, str(r.name));
      store.putUser({ ...user, hash: op.hash ?? "" });
      store.bumpRevision();
      ctx.tokens.invalidateUser(user.name);
      return {};
    }
    case "AuthUserGrantRoleRequest":
      return grantRole(store, str(r.user), str(r.role));
    case "AuthUserRevokeRoleRequest":
      return revokeRole(store, str(r.name), str(r.role));
    case "AuthRoleAddRequest":
      return roleAdd(store, str(r.name));
    case "AuthRoleGetRequest":
      return { perm: existingRole(store, str(r.role)).perms.map(copyPerm) };
    case "AuthRoleListRequest":
      return { roles: store.roleNames() };
    case "AuthRoleDeleteRequest":
      return roleDelete(store, str(r.role));
    case "AuthRoleGrantPermissionRequest":
      return grantPermission(store, str(r.name), r.perm as Permission | undefined);
    case "AuthRoleRevokePermissionRequest":
      return revokePermission(store, str(r.role), bytes(r.key), bytes(r.range_end));
  }
}

/** etcd: enabling needs a root user holding the root role; enabling twice changes nothing. */
function enable(store: AuthStore): AuthResult {
  if (store.enabled) return {};
  const root = store.user(ROOT);
  if (root === undefined) throw AuthErrors.rootUserNotExist();
  if (!root.roles.includes(ROOT)) throw AuthErrors.rootRoleNotExist();
  store.setEnabled(true);
  store.bumpRevision();
  return {};
}

function authenticate(op: AuthOp, ctx: AuthApplyContext): AuthResult {
  if (!ctx.store.enabled) throw AuthErrors.authNotEnabled();
  const name = str(op.request.name);
  const user = ctx.store.user(name);
  if (user === undefined || user.noPassword) throw AuthErrors.authFailed();
  // A JWT was signed by the proposer; every member can check it with the public key alone.
  if (op.jwt !== undefined && op.token === undefined) return { token: op.jwt };
  if (op.token === undefined || !isTokenPrefix(op.token)) throw AuthErrors.authFailed();
  const token = `${op.token}.${ctx.index}`;
  ctx.tokens.assign(token, name);
  return { token };
}

function userAdd(store: AuthStore, name: string, hash: string, options: { no_password?: boolean } | undefined): AuthResult {
  if (name === "") throw AuthErrors.userEmpty();
  if (store.user(name) !== undefined) throw AuthErrors.userAlreadyExist();
  const noPassword = options?.no_password === true;
  store.putUser({ name, hash: noPassword ? "" : hash, noPassword, roles: [] });
  store.bumpRevision();
  return {};
}

function userDelete(ctx: AuthApplyContext, name: string): AuthResult {
  const { store } = ctx;
  if (store.enabled && name === ROOT) throw AuthErrors.invalidAuthMgmt();
  existingUser(store, name);
  store.deleteUser(name);
  store.bumpRevision();
  ctx.tokens.invalidateUser(name);
  return {};
}

function grantRole(store: AuthStore, name: string, role: string): AuthResult {
  const user = existingUser(store, name);
  // The root role may be granted before it exists (etcdctl's auth enable does exactly that).
  if (role !== ROOT && store.role(role) === undefined) throw AuthErrors.roleNotFound();
  if (user.roles.includes(role)) return {}; // etcd: already granted, nothing changes
  store.putUser({ ...user, roles: [...user.roles, role].sort() });
  store.bumpRevision();
  return {};
}

function revokeRole(store: AuthStore, name: string, role: string): AuthResult {
  if (store.enabled && name === ROOT && role === ROOT) throw AuthErrors.invalidAuthMgmt();
  const user = existingUser(store, name);
  if (!user.roles.includes(role)) throw AuthErrors.roleNotGranted();
  store.putUser({ ...user, roles: user.roles.filter((r) => r !== role) });
  store.bumpRevision();
  return {};
}

function roleAdd(store: AuthStore, name: string): AuthResult {
  if (name === "") throw AuthErrors.roleEmpty();
  if (store.role(name) !== undefined) throw AuthErrors.roleAlreadyExist();
  store.putRole({ name, perms: [] });
  store.bumpRevision();
  return {};
}

function roleDelete(store: AuthStore, name: string): AuthResult {
  if (store.enabled && name === ROOT) throw AuthErrors.invalidAuthMgmt();
  existingRole(store, name);
  store.deleteRole(name);
  // etcd takes the role away from every user holding it.
  for (const userName of store.userNames()) {
    const user = store.user(userName)!;
    if (user.roles.includes(name)) store.putUser({ ...user, roles: user.roles.filter((r) => r !== name) });
  }
  store.bumpRevision();
  return {};
}

/** A grant with the same key and range end replaces that permission's type, as etcd's. */
function grantPermission(store: AuthStore, name: string, perm: Permission | undefined): AuthResult {
  const role = existingRole(store, name);
  const granted: Permission = {
    permType: perm?.permType ?? PermType.READ,
    key: bytes(perm?.key),
    range_end: bytes(perm?.range_end),
  };
  if (![PermType.READ, PermType.WRITE, PermType.READWRITE].includes(granted.permType as PermType)) {
    throw AuthErrors.permissionNotGranted();
  }
  const perms = role.perms.filter((p) => !samePlace(p, granted.key, granted.range_end));
  perms.push(granted);
  store.putRole({ name, perms });
  store.bumpRevision();
  return {};
}

function revokePermission(store: AuthStore, name: string, key: Uint8Array, rangeEnd: Uint8Array): AuthResult {
  const role: StoredRole = existingRole(store, name);
  const perms = role.perms.filter((p) => !samePlace(p, key, rangeEnd));
  if (perms.length === role.perms.length) throw AuthErrors.permissionNotGranted();
  store.putRole({ name, perms });
  store.bumpRevision();
  return {};
}

function samePlace(p: Permission, key: Uint8Array, rangeEnd: Uint8Array): boolean {
  return compareBytes(p.key, key) === 0 && compareBytes(p.range_end, rangeEnd) === 0;
}

function existingUser(store: AuthStore, name: string): NonNullable<ReturnType<AuthStore["user"]>> {
  const user = store.user(name);
  if (user === undefined) throw AuthErrors.userNotFound();
  return user;
}

function existingRole(store: AuthStore, name: string): StoredRole {
  const role = store.role(name);
  if (role === undefined) throw AuthErrors.roleNotFound();
  return role;
}

function copyPerm(p: Permission): Permission {
  return { permType: p.permType, key: p.key, range_end: p.range_end };
}

function str(value: unknown): string {
  return typeof value === "string" ? value : "";
}

function bytes(value: unknown): Uint8Array {
  return value instanceof Uint8Array ? value : EMPTY;
}
