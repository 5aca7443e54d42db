/**
 * The vocabulary of the message table (schema.ts): what a field is, the names of every message kind, and
 * the constructors the table is written with. Everything protobuf needs beyond the declaration itself (tag
 * size, packing) is derived here from the field number and kind, never written by hand.
 * @module
 */

/**
 * How a scalar travels. JS representation / gateway JSON / Go type (used in etcd's error texts):
 * - `bytes`: Uint8Array / std base64 string / `[]uint8`
 * - `int64`, `uint64`: number / decimal string / `int64`, `uint64` (revisions, counts, TTLs, sizes)
 * - `id64`, `uid64`: bigint / decimal string / `int64`, `uint64` (lease, member, cluster ids)
 * - `int32`, `uint32`: number / JSON number / `int32`, `uint32` (uint32: the maintenance hashes)
 * - `bool`, `string`: as is
 */
export type ScalarKind = "bytes" | "int64" | "uint64" | "id64" | "uid64" | "int32" | "uint32" | "bool" | "string";

/** An enum: its Go type name (for error texts) and value names by number. */
export interface EnumDef {
  goName: string;
  names: readonly string[];
}

/** One field of a message. */
export interface FieldDef {
  /** Proto field name, as the gateway emits it and as messages.ts names it. */
  name: string;
  /** lowerCamelCase alias that the gateway also accepts on input. */
  jsonName: string;
  /** Protobuf field number. */
  number: number;
  kind: ScalarKind | "enum" | "message";
  enumDef?: EnumDef;
  message?: MessageKind;
  repeated: boolean;
  /** A repeated varint field (numbers, enums, bools): proto3 writes it packed, one length-delimited run. */
  packed: boolean;
  /** Name of the oneof group; such fields are never defaulted and at most one is set. */
  oneof?: string;
  /** A message field left undefined when absent (otherwise decoding fills a zero message). */
  optional: boolean;
  /** Bytes of the protobuf tag: the varint size of `number << 3` (1 below 16, 2 below 2048). */
  tagBytes: number;
}

/** Name of a request or response type, e.g. "RangeRequest", "RangeResponse". */
export type MessageKind =
  | "ResponseHeader" | "KeyValue" | "RangeRequest" | "RangeResponse" | "PutRequest" | "PutResponse"
  | "DeleteRangeRequest" | "DeleteRangeResponse" | "RequestOp" | "ResponseOp" | "Compare" | "TxnRequest"
  | "TxnResponse" | "CompactionRequest" | "CompactionResponse" | "Event" | "WatchCreateRequest"
  | "WatchCancelRequest" | "WatchProgressRequest" | "WatchRequest" | "WatchResponse" | "LeaseGrantRequest"
  | "LeaseGrantResponse" | "LeaseRevokeRequest" | "LeaseRevokeResponse" | "LeaseKeepAliveRequest"
  | "LeaseKeepAliveResponse" | "LeaseTimeToLiveRequest" | "LeaseTimeToLiveResponse" | "LeaseLeasesRequest"
  | "LeaseStatus" | "LeaseLeasesResponse" | "Member" | "MemberAddRequest" | "MemberAddResponse"
  | "MemberRemoveRequest" | "MemberRemoveResponse" | "MemberUpdateRequest" | "MemberUpdateResponse"
  | "MemberListRequest" | "MemberListResponse" | "MemberPromoteRequest" | "MemberPromoteResponse"
  | "StatusRequest" | "StatusResponse" | "MoveLeaderRequest" | "MoveLeaderResponse" | "AlarmRequest"
  | "AlarmMember" | "AlarmResponse" | "DefragmentRequest" | "DefragmentResponse" | "HashRequest"
  | "HashResponse" | "HashKVRequest" | "HashKVResponse" | "SnapshotRequest" | "SnapshotResponse"
  // authpb and etcdserverpb's Auth service
  | "UserAddOptions" | "Permission" | "AuthEnableRequest" | "AuthEnableResponse" | "AuthDisableRequest"
  | "AuthDisableResponse" | "AuthenticateRequest" | "AuthenticateResponse" | "AuthUserAddRequest"
  | "AuthUserAddResponse" | "AuthUserGetRequest" | "AuthUserGetResponse" | "AuthUserListRequest"
  | "AuthUserListResponse" | "AuthUserDeleteRequest" | "AuthUserDeleteResponse" | "AuthUserChangePasswordRequest"
  | "AuthUserChangePasswordResponse" | "AuthUserGrantRoleRequest" | "AuthUserGrantRoleResponse"
  | "AuthUserRevokeRoleRequest" | "AuthUserRevokeRoleResponse" | "AuthRoleAddRequest" | "AuthRoleAddResponse"
  | "AuthRoleGetRequest" | "AuthRoleGetResponse" | "AuthRoleListRequest" | "AuthRoleListResponse"
  | "AuthRoleDeleteRequest" | "AuthRoleDeleteResponse" | "AuthRoleGrantPermissionRequest"
  | "AuthRoleGrantPermissionResponse" | "AuthRoleRevokePermissionRequest" | "AuthRoleRevokePermissionResponse"
  // v3lockpb
  | "LockRequest" | "LockResponse" | "UnlockRequest" | "UnlockResponse"
  // v3electionpb
  | "CampaignRequest" | "CampaignResponse" | "LeaderKey" | "LeaderRequest" | "LeaderResponse" | "ResignRequest"
  | "ResignResponse" | "ProclaimRequest" | "ProclaimResponse";

/** Largest field number protobuf allows (2^29 - 1). */
const MAX_FIELD_NUMBER = 536_870_911;

/** protoc's json_name: drop underscores, upper-case the letter after each. */
function lowerCamel(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/** Bytes of the varint tag of field `number` (any wire type: the low 3 bits never change the size). */
function tagSizeBytes(number: number): number {
  let value = number * 8;
  let size = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 0x80);
    size++;
  }
  return size;
}

/** Options of the field constructors. */
export interface FieldOptions {
  repeated?: boolean;
  oneof?: string;
  optional?: boolean;
}

/** A scalar field. */
export function field(name: string, number: number, kind: ScalarKind, options: FieldOptions = {}): FieldDef {
  if (!Number.isInteger(number) || number < 1 || number > MAX_FIELD_NUMBER) {
    throw new Error(`schema: field ${name} has no valid number: ${number}`);
  }
  const repeated = options.repeated ?? false;
  return {
    name,
    jsonName: lowerCamel(name),
    number,
    kind,
    repeated,
    packed: repeated && kind !== "bytes" && kind !== "string",
    oneof: options.oneof,
    optional: false,
    tagBytes: tagSizeBytes(number),
  };
}

/** An enum field (repeated enums are packed, like every repeated varint). */
export function enumField(name: string, number: number, enumDef: EnumDef, options: FieldOptions = {}): FieldDef {
  return { ...field(name, number, "int32", options), kind: "enum", enumDef };
}

/** A message field; `optional` leaves it undefined when absent instead of filling a zero message. */
export function msgField(name: string, number: number, message: MessageKind, options: FieldOptions = {}): FieldDef {
  return {
    ...field(name, number, "bytes", options),
    kind: "message",
    message,
    packed: false,
    optional: options.optional ?? false,
  };
}
