/**
 * Errors as values with etcd's gRPC code and message (api/v3rpc/rpctypes), defined once and reused by every
 * front-end: HTTP maps `code` to a status, the CLI prints `message` on stderr.
 * @module
 */

/** gRPC status codes, as etcd returns them. */
export const GrpcCode = {
  OK: 0,
  Canceled: 1,
  Unknown: 2,
  InvalidArgument: 3,
  DeadlineExceeded: 4,
  NotFound: 5,
  AlreadyExists: 6,
  PermissionDenied: 7,
  ResourceExhausted: 8,
  FailedPrecondition: 9,
  Aborted: 10,
  OutOfRange: 11,
  Unimplemented: 12,
  Internal: 13,
  Unavailable: 14,
  DataLoss: 15,
  Unauthenticated: 16,
} as const;
export type GrpcCode = typeof GrpcCode[keyof typeof GrpcCode];

/** An error a client can see: etcd's code and message. */
export class EtcdError extends Error {
  readonly code: GrpcCode;
  constructor(code: GrpcCode, message: string) {
    super(message);
    this.code = code;
    this.name = "EtcdError";
  }
}

function define(code: GrpcCode, message: string): () => EtcdError {
  return () => new EtcdError(code, message);
}

const C = GrpcCode;

/** Constructors for every etcd error tsetcd returns; call to get a fresh value. */
export const Errors = {
  emptyKey: define(C.InvalidArgument, "etcdserver: key is not provided"),
  keyNotFound: define(C.InvalidArgument, "etcdserver: key not found"),
  valueProvided: define(C.InvalidArgument, "etcdserver: value is provided"),
  leaseProvided: define(C.InvalidArgument, "etcdserver: lease is provided"),
  tooManyOps: define(C.InvalidArgument, "etcdserver: too many operations in txn request"),
  duplicateKey: define(C.InvalidArgument, "etcdserver: duplicate key given in txn request"),
  compacted: define(C.OutOfRange, "etcdserver: mvcc: required revision has been compacted"),
  futureRev: define(C.OutOfRange, "etcdserver: mvcc: required revision is a future revision"),
  noSpace: define(C.ResourceExhausted, "etcdserver: mvcc: database space exceeded"),
  leaseNotFound: define(C.NotFound, "etcdserver: requested lease not found"),
  leaseExist: define(C.FailedPrecondition, "etcdserver: lease already exists"),
  leaseTTLTooLarge: define(C.OutOfRange, "etcdserver: too large lease TTL"),
  watchCanceled: define(C.Canceled, "etcdserver: watch canceled"),
  memberExist: define(C.FailedPrecondition, "etcdserver: member ID already exist"),
  peerURLExist: define(C.FailedPrecondition, "etcdserver: Peer URLs already exists"),
  memberNotEnoughStarted: define(
    C.FailedPrecondition,
    "etcdserver: re-configuration failed due to not enough started members",
  ),
  memberBadURLs: define(C.InvalidArgument, "etcdserver: given member URLs are invalid"),
  memberNotFound: define(C.NotFound, "etcdserver: member not found"),
  memberNotLearner: define(C.FailedPrecondition, "etcdserver: can only promote a learner member"),
  learnerNotReady: define(
    C.FailedPrecondition,
    "etcdserver: can only promote a learner member which is in sync with leader",
  ),
  tooManyLearners: define(C.FailedPrecondition, "etcdserver: too many learner members in cluster"),
  requestTooLarge: define(C.InvalidArgument, "etcdserver: request is too large"),
  tooManyRequests: define(C.ResourceExhausted, "etcdserver: too many requests"),
  noLeader: define(C.Unavailable, "etcdserver: no leader"),
  notLeader: define(C.FailedPrecondition, "etcdserver: not leader"),
  leaderChanged: define(C.Unavailable, "etcdserver: leader changed"),
  notCapable: define(C.Unavailable, "etcdserver: not capable"),
  stopped: define(C.Unavailable, "etcdserver: server stopped"),
  timeout: define(C.Unavailable, "etcdserver: request timed out"),
  timeoutDueToLeaderFail: define(
    C.Unavailable,
    "etcdserver: request timed out, possibly due to previous leader failure",
  ),
  timeoutDueToConnectionLost: define(
    C.Unavailable,
    "etcdserver: request timed out, possibly due to connection lost",
  ),
  unhealthy: define(C.Unavailable, "etcdserver: unhealthy cluster"),
  corrupt: define(C.DataLoss, "etcdserver: corrupt cluster"),
  notSupportedForLearner: define(C.Unavailable, "etcdserver: rpc not supported for learner"),
  badLeaderTransferee: define(C.FailedPrecondition, "etcdserver: bad leader transferee"),
  // etcd 3.4 crashes on an unknown sort target (a nil sorter); tsetcd refuses it instead.
  unknownSortTarget: define(C.InvalidArgument, "etcdserver: unknown sort target"),
} as const;

/**
 * The outcome of a committed entry that could not be applied (it does not decode, or it breaks an
 * invariant of the state machine): every member answers it the same way and goes on. It can only come
 * from an entry that bypassed the request boundary (written by an older release, or a bug), so it is
 * Internal, not the client's InvalidArgument. `detail` must not depend on anything local to a member.
 */
export function entryNotApplied(detail: string): EtcdError {
  return new EtcdError(C.Internal, `etcdserver: request could not be applied: ${detail}`);
}
