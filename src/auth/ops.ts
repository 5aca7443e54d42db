/**
 * The auth operations a log entry carries, and who proposed a write: the types shared by the proposal
 * codec (src/server/proposal.ts), apply, and the auth service. Decoding checks every field's type, since
 * an entry may come from anywhere; apply then checks what the auth state requires.
 * @module
 */
import type { MessageKind } from "../codec/schema.ts";
import { messageFromWire } from "../codec/wire.ts";
import type { AuthInfo } from "./checks.ts";

/** The Auth service's request kinds that go through the log (every one of them, reads too, as etcd). */
export const AUTH_OP_KINDS = [
  "AuthEnableRequest", "AuthDisableRequest", "AuthenticateRequest", "AuthUserAddRequest", "AuthUserGetRequest",
  "AuthUserListRequest", "AuthUserDeleteRequest", "AuthUserChangePasswordRequest", "AuthUserGrantRoleRequest",
  "AuthUserRevokeRoleRequest", "AuthRoleAddRequest", "AuthRoleGetRequest", "AuthRoleListRequest",
  "AuthRoleDeleteRequest", "AuthRoleGrantPermissionRequest", "AuthRoleRevokePermissionRequest",
] as const satisfies readonly MessageKind[];

export type AuthOpKind = typeof AUTH_OP_KINDS[number];

/** One auth operation: the request as the client sent it, with what the proposer computed for it. */
export interface AuthOp {
  kind: AuthOpKind;
  request: Record<string, unknown>;
  /** UserAdd, UserChangePassword: the bcrypt hash, made before proposing (the password never enters the log). */
  hash?: string;
  /** Authenticate: the token's random part, drawn by the proposer. */
  token?: string;
  /** Authenticate with --auth-token jwt: the token the proposer signed. */
  jwt?: string;
}

/** Who proposed a client write: checked again at apply against the auth state (etcd's header username and auth_revision). */
export type AuthStamp = AuthInfo;

/** Reads an entry's auth operation through the message schema; throws on anything malformed. */
export function readAuthOp(raw: unknown): AuthOp {
  if (!isRecord(raw)) throw new Error("auth operation is not a map");
  const kind = raw.kind;
  if (typeof kind !== "string" || !(AUTH_OP_KINDS as readonly string[]).includes(kind)) {
    throw new Error(`auth operation kind ${String(kind)} is not one`);
  }
  const request = messageFromWire<Record<string, unknown>>(kind as AuthOpKind, raw.request ?? {});
  // The password itself never travels: UserAdd and ChangePassword carry the hash instead.
  if (kind === "AuthUserAddRequest" || kind === "AuthUserChangePasswordRequest" || kind === "AuthenticateRequest") {
    request.password = "";
  }
  const op: AuthOp = { kind: kind as AuthOpKind, request };
  if (raw.hash !== undefined) op.hash = readString(raw.hash, "hash");
  if (raw.token !== undefined) op.token = readString(raw.token, "token");
  if (raw.jwt !== undefined) op.jwt = readString(raw.jwt, "jwt");
  return op;
}

/** Reads an entry's proposer stamp. */
export function readAuthStamp(raw: unknown): AuthStamp {
  if (!isRecord(raw)) throw new Error("auth stamp is not a map");
  const revision = raw.revision;
  if (typeof revision !== "number" || !Number.isSafeInteger(revision) || revision < 0) {
    throw new Error(`auth stamp revision ${String(revision)} is not a count`);
  }
  return { user: readString(raw.user, "user"), revision };
}

function readString(value: unknown, name: string): string {
  if (typeof value !== "string") throw new Error(`auth ${name} is not a string`);
  return value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}
