/**
 * etcd's Auth service as etcd 3.4 answers it with authentication disabled and no user or role defined —
 * which is tsetcd's state until the auth issue lands: the lists are empty, a named user or role is not
 * found, enabling needs a root user, disabling succeeds, and Authenticate says authentication is not
 * enabled (clientv3 then goes on without a token, so clients configured with credentials still work).
 * Adding a user or a role would have to be stored and replicated: Unimplemented until then.
 * Texts and codes checked with etcdctl 3.4 against etcd 3.4.
 * @module
 */
import { EtcdError, GrpcCode } from "../codec/errors.ts";
import type { MessageKind } from "../codec/schema.ts";
import type { RequestKind } from "../server/boundary.ts";
import type { GrpcServices, UnaryMethod } from "./types.ts";

// etcd's rpctypes texts; they move to the codec's Errors table when the auth issue defines it there.
const userNotFound = (): EtcdError => new EtcdError(GrpcCode.FailedPrecondition, "etcdserver: user name not found");
const roleNotFound = (): EtcdError => new EtcdError(GrpcCode.FailedPrecondition, "etcdserver: role name not found");
const rootMissing = (): EtcdError => new EtcdError(GrpcCode.FailedPrecondition, "etcdserver: root user does not exist");
const authNotEnabled = (): EtcdError =>
  new EtcdError(GrpcCode.FailedPrecondition, "etcdserver: authentication is not enabled");

function refuse(request: RequestKind, response: MessageKind, error: () => EtcdError): UnaryMethod {
  return {
    request,
    response,
    call: () => Promise.reject(error()),
  };
}

function answer(request: RequestKind, response: MessageKind, extra: Record<string, unknown>): UnaryMethod {
  return {
    request,
    response,
    call: async (services: GrpcServices) => ({ header: (await services.kv.status()).header, ...extra }),
  };
}

function notYet(request: RequestKind, response: MessageKind): UnaryMethod {
  return refuse(request, response, () => new EtcdError(GrpcCode.Unimplemented, "tsetcd: auth is not implemented yet"));
}

/** The Auth service's methods by name. */
export const AUTH_METHODS: Record<string, UnaryMethod> = {
  AuthEnable: refuse("AuthEnableRequest", "AuthEnableResponse", rootMissing),
  AuthDisable: answer("AuthDisableRequest", "AuthDisableResponse", {}),
  Authenticate: refuse("AuthenticateRequest", "AuthenticateResponse", authNotEnabled),
  UserAdd: notYet("AuthUserAddRequest", "AuthUserAddResponse"),
  UserGet: refuse("AuthUserGetRequest", "AuthUserGetResponse", userNotFound),
  UserList: answer("AuthUserListRequest", "AuthUserListResponse", { users: [] }),
  UserDelete: refuse("AuthUserDeleteRequest", "AuthUserDeleteResponse", userNotFound),
  UserChangePassword: refuse("AuthUserChangePasswordRequest", "AuthUserChangePasswordResponse", userNotFound),
  UserGrantRole: refuse("AuthUserGrantRoleRequest", "AuthUserGrantRoleResponse", userNotFound),
  UserRevokeRole: refuse("AuthUserRevokeRoleRequest", "AuthUserRevokeRoleResponse", userNotFound),
  RoleAdd: notYet("AuthRoleAddRequest", "AuthRoleAddResponse"),
  RoleGet: refuse("AuthRoleGetRequest", "AuthRoleGetResponse", roleNotFound),
  RoleList: answer("AuthRoleListRequest", "AuthRoleListResponse", { roles: [] }),
  RoleDelete: refuse("AuthRoleDeleteRequest", "AuthRoleDeleteResponse", roleNotFound),
  RoleGrantPermission: refuse("AuthRoleGrantPermissionRequest", "AuthRoleGrantPermissionResponse", roleNotFound),
  RoleRevokePermission: refuse("AuthRoleRevokePermissionRequest", "AuthRoleRevokePermissionResponse", roleNotFound),
};
