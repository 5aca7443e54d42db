/**
 * etcd's Auth RPCs as both front-ends serve them, and their gateway paths: each calls the member's auth
 * service (src/auth/service.ts), which checks the caller, hashes passwords before proposing, and sends the
 * operation through Raft.
 * @module
 */
import { EtcdError, GrpcCode } from "../codec/errors.ts";
import type { MessageKind } from "../codec/schema.ts";
import type { AuthOpKind } from "../auth/ops.ts";
import type { AuthService } from "../auth/service.ts";
import type { RequestKind } from "../server/boundary.ts";
import type { KvService } from "../server/member.ts";

/** One Auth RPC as both front-ends see it: its messages and its call on the KV service's auth. */
export interface AuthRpc {
  request: RequestKind & AuthOpKind;
  response: MessageKind;
  call: (kv: KvService, req: Record<string, unknown>) => Promise<unknown>;
}

/** The member's auth service; a server built without one (tests of other layers) has none. */
function authOf(kv: KvService): AuthService {
  if (kv.auth === undefined) throw new EtcdError(GrpcCode.Unimplemented, "tsetcd: this server has no auth service");
  return kv.auth;
}

function rpc(request: RequestKind & AuthOpKind, response: MessageKind): AuthRpc {
  if (request === "AuthenticateRequest") {
    return { request, response, call: (kv, req) => authOf(kv).authenticate(req) };
  }
  return { request, response, call: (kv, req) => authOf(kv).call(request, req) };
}

/** The Auth RPCs by gRPC method name. */
export const AUTH_RPCS: Record<string, AuthRpc> = {
  AuthEnable: rpc("AuthEnableRequest", "AuthEnableResponse"),
  AuthDisable: rpc("AuthDisableRequest", "AuthDisableResponse"),
  Authenticate: rpc("AuthenticateRequest", "AuthenticateResponse"),
  UserAdd: rpc("AuthUserAddRequest", "AuthUserAddResponse"),
  UserGet: rpc("AuthUserGetRequest", "AuthUserGetResponse"),
  UserList: rpc("AuthUserListRequest", "AuthUserListResponse"),
  UserDelete: rpc("AuthUserDeleteRequest", "AuthUserDeleteResponse"),
  UserChangePassword: rpc("AuthUserChangePasswordRequest", "AuthUserChangePasswordResponse"),
  UserGrantRole: rpc("AuthUserGrantRoleRequest", "AuthUserGrantRoleResponse"),
  UserRevokeRole: rpc("AuthUserRevokeRoleRequest", "AuthUserRevokeRoleResponse"),
  RoleAdd: rpc("AuthRoleAddRequest", "AuthRoleAddResponse"),
  RoleGet: rpc("AuthRoleGetRequest", "AuthRoleGetResponse"),
  RoleList: rpc("AuthRoleListRequest", "AuthRoleListResponse"),
  RoleDelete: rpc("AuthRoleDeleteRequest", "AuthRoleDeleteResponse"),
  RoleGrantPermission: rpc("AuthRoleGrantPermissionRequest", "AuthRoleGrantPermissionResponse"),
  RoleRevokePermission: rpc("AuthRoleRevokePermissionRequest", "AuthRoleRevokePermissionResponse"),
};

/** etcd 3.4's gateway paths of the Auth RPCs (api/etcdserverpb/gw/rpc.pb.gw.go). */
export const AUTH_GATEWAY_PATHS: Record<string, string> = {
  "/v3/auth/enable": "AuthEnable",
  "/v3/auth/disable": "AuthDisable",
  "/v3/auth/authenticate": "Authenticate",
  "/v3/auth/user/add": "UserAdd",
  "/v3/auth/user/get": "UserGet",
  "/v3/auth/user/list": "UserList",
  "/v3/auth/user/delete": "UserDelete",
  "/v3/auth/user/changepw": "UserChangePassword",
  "/v3/auth/user/grant": "UserGrantRole",
  "/v3/auth/user/revoke": "UserRevokeRole",
  "/v3/auth/role/add": "RoleAdd",
  "/v3/auth/role/get": "RoleGet",
  "/v3/auth/role/list": "RoleList",
  "/v3/auth/role/delete": "RoleDelete",
  "/v3/auth/role/grant": "RoleGrantPermission",
  "/v3/auth/role/revoke": "RoleRevokePermission",
};

