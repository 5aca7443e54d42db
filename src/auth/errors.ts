/**
 * etcd 3.4's auth errors (rpctypes), with the gRPC code each carries and so the gateway status
 * (InvalidArgument 400, FailedPrecondition 412, PermissionDenied 403, Unauthenticated 401). Every text and
 * code here was checked against etcd 3.4 with etcdctl and the gateway.
 * @module
 */
import { EtcdError, GrpcCode } from "../codec/errors.ts";

const C = GrpcCode;

function define(code: GrpcCode, message: string): () => EtcdError {
  return () => new EtcdError(code, message);
}

/** One constructor per error, so every throw site gets a fresh value with etcd's code and text. */
export const AuthErrors = {
  rootUserNotExist: define(C.FailedPrecondition, "etcdserver: root user does not exist"),
  rootRoleNotExist: define(C.FailedPrecondition, "etcdserver: root user does not have root role"),
  userAlreadyExist: define(C.FailedPrecondition, "etcdserver: user name already exists"),
  userEmpty: define(C.InvalidArgument, "etcdserver: user name is empty"),
  userNotFound: define(C.FailedPrecondition, "etcdserver: user name not found"),
  roleAlreadyExist: define(C.FailedPrecondition, "etcdserver: role name already exists"),
  roleNotFound: define(C.FailedPrecondition, "etcdserver: role name not found"),
  roleEmpty: define(C.InvalidArgument, "etcdserver: role name is empty"),
  authFailed: define(C.InvalidArgument, "etcdserver: authentication failed, invalid user ID or password"),
  permissionDenied: define(C.PermissionDenied, "etcdserver: permission denied"),
  roleNotGranted: define(C.FailedPrecondition, "etcdserver: role is not granted to the user"),
  permissionNotGranted: define(C.FailedPrecondition, "etcdserver: permission is not granted to the role"),
  authNotEnabled: define(C.FailedPrecondition, "etcdserver: authentication is not enabled"),
  invalidAuthToken: define(C.Unauthenticated, "etcdserver: invalid auth token"),
  invalidAuthMgmt: define(C.InvalidArgument, "etcdserver: invalid auth management"),
  authOldRevision: define(C.InvalidArgument, "etcdserver: revision of auth store is old"),
} as const;
