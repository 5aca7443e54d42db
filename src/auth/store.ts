/**
 * The replicated auth state on the member's state database: users (bcrypt hashes, roles), roles (key
 * permissions), the enabled flag and the auth revision etcd bumps on every change. Because it lives in
 * the state database it survives restarts and travels inside snapshots (saved, restored, and sent to a
 * follower that catches up from one) with no extra step.
 *
 * The tables are read into memory and kept there; the copy is read again whenever the database says its
 * contents may have changed behind the prepared statements (a rolled-back apply, an installed snapshot).
 * Writes happen only in apply (src/auth/apply.ts), inside the member's apply transaction.
 * @module
 */
import type { SqlDatabase } from "../storage/adapter.ts";
import { compareBytes, type Permission, userPerms, type UserPerms } from "./perms.ts";

/** One user as stored. */
export interface StoredUser {
  name: string;
  /** bcrypt hash ("" when added with no password). */
  hash: string;
  noPassword: boolean;
  /** Role names, ascending (etcd keeps them sorted). */
  roles: string[];
}

/** One role as stored; permissions ascending by key, as etcd keeps them. */
export interface StoredRole {
  name: string;
  perms: Permission[];
}

/** etcd's root user and root role names. */
export const ROOT = "root";

/** The auth tables: data a backup carries and `snapshot restore` keeps. */
export const AUTH_TABLES = ["auth_user", "auth_role", "auth_meta"] as const;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS auth_user (
  name TEXT PRIMARY KEY NOT NULL,
  hash TEXT NOT NULL,
  no_password INTEGER NOT NULL,
  roles TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS auth_role (
  name TEXT PRIMARY KEY NOT NULL,
  perms TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS auth_meta (
  key TEXT PRIMARY KEY NOT NULL,
  value INTEGER NOT NULL
) WITHOUT ROWID;
`;

/** The auth tables and their in-memory copy. */
export class AuthStore {
  readonly #db: SqlDatabase;
  #epoch = -1;
  #users = new Map<string, StoredUser>();
  #roles = new Map<string, StoredRole>();
  #enabled = false;
  #revision = 0;
  /** Merged permissions per user, rebuilt lazily after any change. */
  #permCache = new Map<string, UserPerms>();

  constructor(db: SqlDatabase) {
    this.#db = db;
    db.exec(SCHEMA);
    this.#load();
  }

  /** Re-reads the tables when the database changed other than through this store. */
  #fresh(): void {
    const epoch = this.#db.changeEpoch?.();
    if (epoch === undefined || epoch !== this.#epoch) this.#load();
  }

  #load(): void {
    this.#epoch = this.#db.changeEpoch?.() ?? -1;
    this.#users = new Map();
    this.#roles = new Map();
    this.#permCache = new Map();
    for (const row of this.#db.prepare("SELECT name, hash, no_password, roles FROM auth_user").all()) {
      const user: StoredUser = {
        name: String(row.name),
        hash: String(row.hash),
        noPassword: Number(row.no_password) !== 0,
        roles: parseRoles(String(row.roles)),
      };
      this.#users.set(user.name, user);
    }
    for (const row of this.#db.prepare("SELECT name, perms FROM auth_role").all()) {
      this.#roles.set(String(row.name), { name: String(row.name), perms: parsePerms(String(row.perms)) });
    }
    this.#enabled = this.#meta("enabled") === 1;
    this.#revision = this.#meta("revision");
  }

  #meta(key: string): number {
    const row = this.#db.prepare("SELECT value FROM auth_meta WHERE key = ?").get(key);
    return row === undefined ? 0 : Number(row.value);
  }

  // ---- reads ----

  get enabled(): boolean {
    this.#fresh();
    return this.#enabled;
  }

  /** The auth revision: bumped by every change (etcd's authStore revision). */
  get revision(): number {
    this.#fresh();
    return this.#revision;
  }

  user(name: string): StoredUser | undefined {
    this.#fresh();
    return this.#users.get(name);
  }

  role(name: string): StoredRole | undefined {
    this.#fresh();
    return this.#roles.get(name);
  }

  /** User names ascending. */
  userNames(): string[] {
    this.#fresh();
    return [...this.#users.keys()].sort();
  }

  /** Role names ascending. */
  roleNames(): string[] {
    this.#fresh();
    return [...this.#roles.keys()].sort();
  }

  /** True when the user holds the root role. */
  isRoot(name: string): boolean {
    return this.user(name)?.roles.includes(ROOT) ?? false;
  }

  /** The user's merged key permissions (cached until the next change). */
  permsOf(name: string): UserPerms {
    this.#fresh();
    let perms = this.#permCache.get(name);
    if (perms === undefined) {
      const user = this.#users.get(name);
      const granted: Permission[] = [];
      for (const roleName of user?.roles ?? []) granted.push(...(this.#roles.get(roleName)?.perms ?? []));
      perms = userPerms(granted);
      this.#permCache.set(name, perms);
    }
    return perms;
  }

  // ---- writes (apply only) ----

  putUser(user: StoredUser): void {
    this.#fresh();
    this.#db.prepare("INSERT OR REPLACE INTO auth_user (name, hash, no_password, roles) VALUES (?, ?, ?, ?)")
      .run(user.name, user.hash, user.noPassword ? 1 : 0, JSON.stringify(user.roles));
    this.#users.set(user.name, user);
    this.#permCache.clear();
  }

  deleteUser(name: string): void {
    this.#fresh();
    this.#db.prepare("DELETE FROM auth_user WHERE name = ?").run(name);
    this.#users.delete(name);
    this.#permCache.clear();
  }

  putRole(role: StoredRole): void {
    this.#fresh();
    const perms = [...role.perms].sort((a, b) => compareBytes(a.key, b.key));
    this.#db.prepare("INSERT OR REPLACE INTO auth_role (name, perms) VALUES (?, ?)").run(role.name, formatPerms(perms));
    this.#roles.set(role.name, { name: role.name, perms });
    this.#permCache.clear();
  }

  deleteRole(name: string): void {
    this.#fresh();
    this.#db.prepare("DELETE FROM auth_role WHERE name = ?").run(name);
    this.#roles.delete(name);
    this.#permCache.clear();
  }

  setEnabled(enabled: boolean): void {
    this.#fresh();
    this.#setMeta("enabled", enabled ? 1 : 0);
    this.#enabled = enabled;
  }

  /** Bumps the auth revision (after every change, as etcd's commitRevision). */
  bumpRevision(): void {
    this.#fresh();
    this.#revision += 1;
    this.#setMeta("revision", this.#revision);
  }

  #setMeta(key: string, value: number): void {
    this.#db.prepare("INSERT OR REPLACE INTO auth_meta (key, value) VALUES (?, ?)").run(key, value);
  }
}

function parseRoles(text: string): string[] {
  const value: unknown = JSON.parse(text);
  if (!Array.isArray(value) || !value.every((r) => typeof r === "string")) {
    throw new Error("auth_user.roles is not a list of names");
  }
  return value as string[];
}

/** Permissions as JSON rows [type, key hex, range end hex]. */
function formatPerms(perms: readonly Permission[]): string {
  return JSON.stringify(perms.map((p) => [p.permType, toHex(p.key), toHex(p.range_end)]));
}

function parsePerms(text: string): Permission[] {
  const value: unknown = JSON.parse(text);
  if (!Array.isArray(value)) throw new Error("auth_role.perms is not a list");
  return value.map((row: unknown) => {
    if (!Array.isArray(row) || row.length !== 3) throw new Error("auth_role.perms holds a malformed row");
    return { permType: Number(row[0]), key: fromHex(String(row[1])), range_end: fromHex(String(row[2])) };
  });
}

function toHex(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) out += b.toString(16).padStart(2, "0");
  return out;
}

function fromHex(text: string): Uint8Array {
  if (text.length % 2 !== 0 || !/^[0-9a-f]*$/.test(text)) throw new Error("auth_role.perms holds a malformed key");
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}
