/**
 * The message table's second half (schema.ts has the first): etcdserverpb's Auth service with authpb's
 * Permission and UserAddOptions, then v3lockpb (Lock) and v3electionpb (Election). Field numbers are etcd
 * 3.4's.
 * @module
 */
import { type EnumDef, enumField, field, type FieldDef, type MessageKind, msgField } from "./schema_fields.ts";

const PermissionType: EnumDef = { goName: "authpb.Permission_Type", names: ["READ", "WRITE", "READWRITE"] };

const R = { repeated: true } as const;
const header = msgField("header", 1, "ResponseHeader");
const onlyHeader = [header];

/** authpb, the Auth service's messages, v3lockpb and v3electionpb. */
export const AUTH_SCHEMAS = {
  UserAddOptions: [field("no_password", 1, "bool")],
  Permission: [enumField("permType", 1, PermissionType), field("key", 2, "bytes"),
    field("range_end", 3, "bytes")],
  AuthEnableRequest: [],
  AuthEnableResponse: onlyHeader,
  AuthDisableRequest: [],
  AuthDisableResponse: onlyHeader,
  AuthenticateRequest: [field("name", 1, "string"), field("password", 2, "string")],
  AuthenticateResponse: [header, field("token", 2, "string")],
  AuthUserAddRequest: [field("name", 1, "string"), field("password", 2, "string"),
    msgField("options", 3, "UserAddOptions")],
  AuthUserAddResponse: onlyHeader,
  AuthUserGetRequest: [field("name", 1, "string")],
  AuthUserGetResponse: [header, field("roles", 2, "string", R)],
  AuthUserListRequest: [],
  AuthUserListResponse: [header, field("users", 2, "string", R)],
  AuthUserDeleteRequest: [field("name", 1, "string")],
  AuthUserDeleteResponse: onlyHeader,
  AuthUserChangePasswordRequest: [field("name", 1, "string"), field("password", 2, "string")],
  AuthUserChangePasswordResponse: onlyHeader,
  AuthUserGrantRoleRequest: [field("user", 1, "string"), field("role", 2, "string")],
  AuthUserGrantRoleResponse: onlyHeader,
  AuthUserRevokeRoleRequest: [field("name", 1, "string"), field("role", 2, "string")],
  AuthUserRevokeRoleResponse: onlyHeader,
  AuthRoleAddRequest: [field("name", 1, "string")],
  AuthRoleAddResponse: onlyHeader,
  AuthRoleGetRequest: [field("role", 1, "string")],
  AuthRoleGetResponse: [header, msgField("perm", 2, "Permission", R)],
  AuthRoleListRequest: [],
  AuthRoleListResponse: [header, field("roles", 2, "string", R)],
  AuthRoleDeleteRequest: [field("role", 1, "string")],
  AuthRoleDeleteResponse: onlyHeader,
  AuthRoleGrantPermissionRequest: [field("name", 1, "string"), msgField("perm", 2, "Permission")],
  AuthRoleGrantPermissionResponse: onlyHeader,
  AuthRoleRevokePermissionRequest: [field("role", 1, "string"), field("key", 2, "bytes"),
    field("range_end", 3, "bytes")],
  AuthRoleRevokePermissionResponse: onlyHeader,

  LockRequest: [field("name", 1, "bytes"), field("lease", 2, "id64")],
  LockResponse: [header, field("key", 2, "bytes")],
  UnlockRequest: [field("key", 1, "bytes")],
  UnlockResponse: onlyHeader,

  CampaignRequest: [field("name", 1, "bytes"), field("lease", 2, "id64"), field("value", 3, "bytes")],
  CampaignResponse: [header, msgField("leader", 2, "LeaderKey")],
  LeaderKey: [field("name", 1, "bytes"), field("key", 2, "bytes"), field("rev", 3, "int64"),
    field("lease", 4, "id64")],
  LeaderRequest: [field("name", 1, "bytes")],
  LeaderResponse: [header, msgField("kv", 2, "KeyValue")],
  ResignRequest: [msgField("leader", 1, "LeaderKey")],
  ResignResponse: onlyHeader,
  ProclaimRequest: [msgField("leader", 1, "LeaderKey"), field("value", 2, "bytes")],
  ProclaimResponse: onlyHeader,
} as const satisfies Partial<Record<MessageKind, readonly FieldDef[]>>;
