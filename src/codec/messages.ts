/**
 * etcd v3's request and response shapes (etcdserverpb, mvccpb, authpb, v3lockpb, v3electionpb; proto/ has
 * them as .proto files), shared by the server, the client and every encoding (gateway JSON in json.ts, CBOR
 * in cbor.ts, protobuf in protobuf.ts).
 *
 * Field names are the proto field names, snake_case, on purpose: the gateway JSON uses them verbatim, so
 * the JSON codec maps values (bytes ↔ base64, int64 ↔ decimal string), never names.
 * Bytes are Uint8Array. Revisions, versions, counts and TTLs are numbers (they stay below 2^53);
 * 64-bit ids (cluster, member, lease) are bigint. Optional fields default to the proto zero value.
 * @module
 */

export interface ResponseHeader {
  cluster_id: bigint;
  member_id: bigint;
  revision: number;
  raft_term: number;
}

export interface KeyValue {
  key: Uint8Array;
  create_revision: number;
  mod_revision: number;
  version: number;
  value: Uint8Array;
  lease: bigint;
}

export const SortOrder = { NONE: 0, ASCEND: 1, DESCEND: 2 } as const;
export type SortOrder = typeof SortOrder[keyof typeof SortOrder];
export const SortTarget = { KEY: 0, VERSION: 1, CREATE: 2, MOD: 3, VALUE: 4 } as const;
export type SortTarget = typeof SortTarget[keyof typeof SortTarget];

export interface RangeRequest {
  key: Uint8Array;
  range_end?: Uint8Array;
  limit?: number;
  revision?: number;
  sort_order?: SortOrder;
  sort_target?: SortTarget;
  serializable?: boolean;
  keys_only?: boolean;
  count_only?: boolean;
  min_mod_revision?: number;
  max_mod_revision?: number;
  min_create_revision?: number;
  max_create_revision?: number;
}

export interface RangeResponse {
  header: ResponseHeader;
  kvs: KeyValue[];
  more: boolean;
  count: number;
}

export interface PutRequest {
  key: Uint8Array;
  value?: Uint8Array;
  lease?: bigint;
  prev_kv?: boolean;
  ignore_value?: boolean;
  ignore_lease?: boolean;
}

export interface PutResponse {
  header: ResponseHeader;
  prev_kv?: KeyValue;
}

export interface DeleteRangeRequest {
  key: Uint8Array;
  range_end?: Uint8Array;
  prev_kv?: boolean;
}

export interface DeleteRangeResponse {
  header: ResponseHeader;
  deleted: number;
  prev_kvs: KeyValue[];
}

/** Exactly one field is set. */
export interface RequestOp {
  request_range?: RangeRequest;
  request_put?: PutRequest;
  request_delete_range?: DeleteRangeRequest;
  request_txn?: TxnRequest;
}

/** Exactly one field is set. */
export interface ResponseOp {
  response_range?: RangeResponse;
  response_put?: PutResponse;
  response_delete_range?: DeleteRangeResponse;
  response_txn?: TxnResponse;
}

export const CompareResult = { EQUAL: 0, GREATER: 1, LESS: 2, NOT_EQUAL: 3 } as const;
export type CompareResult = typeof CompareResult[keyof typeof CompareResult];
export const CompareTarget = { VERSION: 0, CREATE: 1, MOD: 2, VALUE: 3, LEASE: 4 } as const;
export type CompareTarget = typeof CompareTarget[keyof typeof CompareTarget];

/** One of version / create_revision / mod_revision / value / lease is set, matching `target`. */
export interface Compare {
  result?: CompareResult;
  target?: CompareTarget;
  key: Uint8Array;
  range_end?: Uint8Array;
  version?: number;
  create_revision?: number;
  mod_revision?: number;
  value?: Uint8Array;
  lease?: bigint;
}

export interface TxnRequest {
  compare?: Compare[];
  success?: RequestOp[];
  failure?: RequestOp[];
}

export interface TxnResponse {
  header: ResponseHeader;
  succeeded: boolean;
  responses: ResponseOp[];
}

export interface CompactionRequest {
  revision: number;
  physical?: boolean;
}

export interface CompactionResponse {
  header: ResponseHeader;
}

export const EventType = { PUT: 0, DELETE: 1 } as const;
export type EventType = typeof EventType[keyof typeof EventType];

export interface Event {
  type: EventType;
  kv: KeyValue;
  prev_kv?: KeyValue;
}

// ---- watch ----

export const WatchFilterType = { NOPUT: 0, NODELETE: 1 } as const;
export type WatchFilterType = typeof WatchFilterType[keyof typeof WatchFilterType];

export interface WatchCreateRequest {
  key: Uint8Array;
  range_end?: Uint8Array;
  start_revision?: number;
  progress_notify?: boolean;
  filters?: WatchFilterType[];
  prev_kv?: boolean;
  watch_id?: number;
  fragment?: boolean;
}

/** Exactly one field is set. */
export interface WatchRequest {
  create_request?: WatchCreateRequest;
  cancel_request?: { watch_id: number };
  progress_request?: Record<string, never>;
}

export interface WatchResponse {
  header: ResponseHeader;
  watch_id: number;
  created?: boolean;
  canceled?: boolean;
  compact_revision?: number;
  cancel_reason?: string;
  fragment?: boolean;
  events: Event[];
}

// ---- lease ----

export interface LeaseGrantRequest {
  TTL: number;
  ID?: bigint;
}
export interface LeaseGrantResponse {
  header: ResponseHeader;
  ID: bigint;
  TTL: number;
  error?: string;
}
export interface LeaseRevokeRequest {
  ID: bigint;
}
export interface LeaseRevokeResponse {
  header: ResponseHeader;
}
export interface LeaseKeepAliveRequest {
  ID: bigint;
}
export interface LeaseKeepAliveResponse {
  header: ResponseHeader;
  ID: bigint;
  TTL: number;
}
export interface LeaseTimeToLiveRequest {
  ID: bigint;
  keys?: boolean;
}
export interface LeaseTimeToLiveResponse {
  header: ResponseHeader;
  ID: bigint;
  TTL: number;
  grantedTTL: number;
  keys: Uint8Array[];
}
export interface LeaseLeasesResponse {
  header: ResponseHeader;
  leases: { ID: bigint }[];
}

// ---- cluster ----

export interface Member {
  ID: bigint;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
  isLearner?: boolean;
}
export interface MemberAddRequest {
  peerURLs: string[];
  isLearner?: boolean;
}
export interface MemberAddResponse {
  header: ResponseHeader;
  member: Member;
  members: Member[];
}
export interface MemberRemoveRequest {
  ID: bigint;
}
export interface MemberRemoveResponse {
  header: ResponseHeader;
  members: Member[];
}
export interface MemberUpdateRequest {
  ID: bigint;
  peerURLs: string[];
}
export interface MemberUpdateResponse {
  header: ResponseHeader;
  members: Member[];
}
export interface MemberListRequest {
  linearizable?: boolean;
}
export interface MemberListResponse {
  header: ResponseHeader;
  members: Member[];
}
export interface MemberPromoteRequest {
  ID: bigint;
}
export interface MemberPromoteResponse {
  header: ResponseHeader;
  members: Member[];
}

// ---- maintenance ----

export interface StatusResponse {
  header: ResponseHeader;
  version: string;
  dbSize: number;
  leader: bigint;
  raftIndex: number;
  raftTerm: number;
  raftAppliedIndex: number;
  errors: string[];
  dbSizeInUse: number;
  isLearner: boolean;
}
export interface MoveLeaderRequest {
  targetID: bigint;
}
/** etcd 3.4 answers without a header. */
export interface MoveLeaderResponse {
  header?: ResponseHeader;
}
export const AlarmType = { NONE: 0, NOSPACE: 1, CORRUPT: 2 } as const;
export type AlarmType = typeof AlarmType[keyof typeof AlarmType];
export const AlarmAction = { GET: 0, ACTIVATE: 1, DEACTIVATE: 2 } as const;
export type AlarmAction = typeof AlarmAction[keyof typeof AlarmAction];

export interface AlarmRequest {
  action: AlarmAction;
  memberID: bigint;
  alarm: AlarmType;
}
export interface AlarmMember {
  memberID: bigint;
  alarm: number;
}
export interface AlarmResponse {
  header?: ResponseHeader;
  alarms: AlarmMember[];
}
/** etcd 3.4 answers without a header. */
export interface DefragmentResponse {
  header?: ResponseHeader;
}
export interface HashResponse {
  header: ResponseHeader;
  /** CRC-32 (Castagnoli) of the backend, as a uint32. */
  hash: number;
}
export interface HashKVRequest {
  revision?: number;
}
export interface HashKVResponse {
  header: ResponseHeader;
  hash: number;
  compact_revision: number;
}
/** One chunk of a snapshot stream (etcd 3.4 sends no header). */
export interface SnapshotResponse {
  header?: ResponseHeader;
  remaining_bytes: number;
  blob: Uint8Array;
}

// ---- auth (etcdserverpb's Auth service, authpb) ----

export const PermissionType = { READ: 0, WRITE: 1, READWRITE: 2 } as const;
export type PermissionType = typeof PermissionType[keyof typeof PermissionType];

export interface Permission {
  permType: PermissionType;
  key: Uint8Array;
  range_end: Uint8Array;
}
export interface UserAddOptions {
  no_password: boolean;
}
/** The answer of every auth RPC that returns nothing but a header. */
export interface AuthHeaderResponse {
  header: ResponseHeader;
}
export interface AuthenticateRequest {
  name: string;
  password: string;
}
export interface AuthenticateResponse {
  header: ResponseHeader;
  token: string;
}
export interface AuthUserAddRequest {
  name: string;
  password: string;
  options: UserAddOptions;
}
/** AuthUserGetRequest and AuthUserDeleteRequest. */
export interface AuthUserNameRequest {
  name: string;
}
export interface AuthUserGetResponse {
  header: ResponseHeader;
  roles: string[];
}
export interface AuthUserListResponse {
  header: ResponseHeader;
  users: string[];
}
export interface AuthUserChangePasswordRequest {
  name: string;
  password: string;
}
export interface AuthUserGrantRoleRequest {
  user: string;
  role: string;
}
export interface AuthUserRevokeRoleRequest {
  name: string;
  role: string;
}
export interface AuthRoleAddRequest {
  name: string;
}
/** AuthRoleGetRequest and AuthRoleDeleteRequest. */
export interface AuthRoleNameRequest {
  role: string;
}
export interface AuthRoleGetResponse {
  header: ResponseHeader;
  perm: Permission[];
}
export interface AuthRoleListResponse {
  header: ResponseHeader;
  roles: string[];
}
export interface AuthRoleGrantPermissionRequest {
  name: string;
  perm: Permission;
}
export interface AuthRoleRevokePermissionRequest {
  role: string;
  key: Uint8Array;
  range_end: Uint8Array;
}

// ---- lock (v3lockpb) ----

export interface LockRequest {
  name: Uint8Array;
  lease: bigint;
}
export interface LockResponse {
  header: ResponseHeader;
  key: Uint8Array;
}
export interface UnlockRequest {
  key: Uint8Array;
}
export interface UnlockResponse {
  header: ResponseHeader;
}

// ---- election (v3electionpb) ----

export interface LeaderKey {
  name: Uint8Array;
  key: Uint8Array;
  rev: number;
  lease: bigint;
}
export interface CampaignRequest {
  name: Uint8Array;
  lease: bigint;
  value: Uint8Array;
}
export interface CampaignResponse {
  header: ResponseHeader;
  leader: LeaderKey;
}
export interface LeaderRequest {
  name: Uint8Array;
}
export interface LeaderResponse {
  header: ResponseHeader;
  kv: KeyValue;
}
export interface ResignRequest {
  leader: LeaderKey;
}
export interface ResignResponse {
  header: ResponseHeader;
}
export interface ProclaimRequest {
  leader: LeaderKey;
  value: Uint8Array;
}
export interface ProclaimResponse {
  header: ResponseHeader;
}
