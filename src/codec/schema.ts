/**
 * One table describing every etcd v3 message tsetcd speaks: field names and numbers in proto declaration
 * order, the wire kind of each field, repeated/oneof markers. Every encoding (gateway JSON in json.ts, CBOR
 * in cbor.ts, protobuf in protobuf.ts) is driven by it in both directions, so no message has a hand-written
 * encoder; schema_auth_lock_election.ts holds the Auth, Lock and Election messages. proto/*.proto says the same in protobuf's own language (test/unit/codec_protobuf_test.ts checks
 * that the two agree).
 *
 * The order of fields is the order of the `.proto` declaration because etcd's gateway (jsonpb over Go
 * structs) emits keys in that order, and emitting the same order keeps our bytes identical to etcd's. In
 * every etcd message that order is also ascending by field number, which is the order gogoproto marshals in.
 *
 * Field numbers are facts of etcd 3.4's protocol (etcdserverpb, mvccpb, authpb, v3lockpb, v3electionpb).
 * @module
 */
import { AUTH_SCHEMAS } from "./schema_auth_lock_election.ts";
import { type EnumDef, enumField, field, type FieldDef, type MessageKind, msgField } from "./schema_fields.ts";

export { type EnumDef, type FieldDef, type MessageKind, type ScalarKind } from "./schema_fields.ts";

const SortOrder: EnumDef = { goName: "etcdserverpb.RangeRequest_SortOrder", names: ["NONE", "ASCEND", "DESCEND"] };
const SortTarget: EnumDef = {
  goName: "etcdserverpb.RangeRequest_SortTarget",
  names: ["KEY", "VERSION", "CREATE", "MOD", "VALUE"],
};
const CompareResult: EnumDef = {
  goName: "etcdserverpb.Compare_CompareResult",
  names: ["EQUAL", "GREATER", "LESS", "NOT_EQUAL"],
};
const CompareTarget: EnumDef = {
  goName: "etcdserverpb.Compare_CompareTarget",
  names: ["VERSION", "CREATE", "MOD", "VALUE", "LEASE"],
};
const EventType: EnumDef = { goName: "mvccpb.Event_EventType", names: ["PUT", "DELETE"] };
const FilterType: EnumDef = { goName: "etcdserverpb.WatchCreateRequest_FilterType", names: ["NOPUT", "NODELETE"] };
const AlarmType: EnumDef = { goName: "etcdserverpb.AlarmType", names: ["NONE", "NOSPACE", "CORRUPT"] };
const AlarmAction: EnumDef = {
  goName: "etcdserverpb.AlarmRequest_AlarmAction",
  names: ["GET", "ACTIVATE", "DEACTIVATE"],
};

const R = { repeated: true } as const;
const header = msgField("header", 1, "ResponseHeader");
const optionalHeader = msgField("header", 1, "ResponseHeader", { optional: true });
const membersAt2 = msgField("members", 2, "Member", R);

/** etcdserverpb's KV, Watch, Lease, Cluster and Maintenance messages, and mvccpb's. */
const CORE_SCHEMAS = {
  ResponseHeader: [field("cluster_id", 1, "uid64"), field("member_id", 2, "uid64"), field("revision", 3, "int64"),
    field("raft_term", 4, "uint64")],
  KeyValue: [field("key", 1, "bytes"), field("create_revision", 2, "int64"), field("mod_revision", 3, "int64"),
    field("version", 4, "int64"), field("value", 5, "bytes"), field("lease", 6, "id64")],
  RangeRequest: [field("key", 1, "bytes"), field("range_end", 2, "bytes"), field("limit", 3, "int64"),
    field("revision", 4, "int64"), enumField("sort_order", 5, SortOrder), enumField("sort_target", 6, SortTarget),
    field("serializable", 7, "bool"), field("keys_only", 8, "bool"), field("count_only", 9, "bool"),
    field("min_mod_revision", 10, "int64"), field("max_mod_revision", 11, "int64"),
    field("min_create_revision", 12, "int64"), field("max_create_revision", 13, "int64")],
  RangeResponse: [header, msgField("kvs", 2, "KeyValue", R), field("more", 3, "bool"), field("count", 4, "int64")],
  PutRequest: [field("key", 1, "bytes"), field("value", 2, "bytes"), field("lease", 3, "id64"),
    field("prev_kv", 4, "bool"), field("ignore_value", 5, "bool"), field("ignore_lease", 6, "bool")],
  PutResponse: [header, msgField("prev_kv", 2, "KeyValue", { optional: true })],
  DeleteRangeRequest: [field("key", 1, "bytes"), field("range_end", 2, "bytes"), field("prev_kv", 3, "bool")],
  DeleteRangeResponse: [header, field("deleted", 2, "int64"), msgField("prev_kvs", 3, "KeyValue", R)],
  RequestOp: [msgField("request_range", 1, "RangeRequest", { oneof: "request" }),
    msgField("request_put", 2, "PutRequest", { oneof: "request" }),
    msgField("request_delete_range", 3, "DeleteRangeRequest", { oneof: "request" }),
    msgField("request_txn", 4, "TxnRequest", { oneof: "request" })],
  ResponseOp: [msgField("response_range", 1, "RangeResponse", { oneof: "response" }),
    msgField("response_put", 2, "PutResponse", { oneof: "response" }),
    msgField("response_delete_range", 3, "DeleteRangeResponse", { oneof: "response" }),
    msgField("response_txn", 4, "TxnResponse", { oneof: "response" })],
  Compare: [enumField("result", 1, CompareResult), enumField("target", 2, CompareTarget), field("key", 3, "bytes"),
    field("version", 4, "int64", { oneof: "target_union" }),
    field("create_revision", 5, "int64", { oneof: "target_union" }),
    field("mod_revision", 6, "int64", { oneof: "target_union" }),
    field("value", 7, "bytes", { oneof: "target_union" }), field("lease", 8, "id64", { oneof: "target_union" }),
    field("range_end", 64, "bytes")],
  TxnRequest: [msgField("compare", 1, "Compare", R), msgField("success", 2, "RequestOp", R),
    msgField("failure", 3, "RequestOp", R)],
  TxnResponse: [header, field("succeeded", 2, "bool"), msgField("responses", 3, "ResponseOp", R)],
  CompactionRequest: [field("revision", 1, "int64"), field("physical", 2, "bool")],
  CompactionResponse: [header],
  Event: [enumField("type", 1, EventType), msgField("kv", 2, "KeyValue"),
    msgField("prev_kv", 3, "KeyValue", { optional: true })],
  WatchCreateRequest: [field("key", 1, "bytes"), field("range_end", 2, "bytes"), field("start_revision", 3, "int64"),
    field("progress_notify", 4, "bool"), enumField("filters", 5, FilterType, R), field("prev_kv", 6, "bool"),
    field("watch_id", 7, "int64"), field("fragment", 8, "bool")],
  WatchCancelRequest: [field("watch_id", 1, "int64")],
  WatchProgressRequest: [],
  WatchRequest: [msgField("create_request", 1, "WatchCreateRequest", { oneof: "request_union" }),
    msgField("cancel_request", 2, "WatchCancelRequest", { oneof: "request_union" }),
    msgField("progress_request", 3, "WatchProgressRequest", { oneof: "request_union" })],
  WatchResponse: [header, field("watch_id", 2, "int64"), field("created", 3, "bool"), field("canceled", 4, "bool"),
    field("compact_revision", 5, "int64"), field("cancel_reason", 6, "string"), field("fragment", 7, "bool"),
    msgField("events", 11, "Event", R)],
  LeaseGrantRequest: [field("TTL", 1, "int64"), field("ID", 2, "id64")],
  LeaseGrantResponse: [header, field("ID", 2, "id64"), field("TTL", 3, "int64"), field("error", 4, "string")],
  LeaseRevokeRequest: [field("ID", 1, "id64")],
  LeaseRevokeResponse: [header],
  LeaseKeepAliveRequest: [field("ID", 1, "id64")],
  LeaseKeepAliveResponse: [header, field("ID", 2, "id64"), field("TTL", 3, "int64")],
  LeaseTimeToLiveRequest: [field("ID", 1, "id64"), field("keys", 2, "bool")],
  LeaseTimeToLiveResponse: [header, field("ID", 2, "id64"), field("TTL", 3, "int64"),
    field("grantedTTL", 4, "int64"), field("keys", 5, "bytes", R)],
  LeaseLeasesRequest: [],
  LeaseStatus: [field("ID", 1, "id64")],
  LeaseLeasesResponse: [header, msgField("leases", 2, "LeaseStatus", R)],
  Member: [field("ID", 1, "uid64"), field("name", 2, "string"), field("peerURLs", 3, "string", R),
    field("clientURLs", 4, "string", R), field("isLearner", 5, "bool")],
  MemberAddRequest: [field("peerURLs", 1, "string", R), field("isLearner", 2, "bool")],
  MemberAddResponse: [header, msgField("member", 2, "Member"), msgField("members", 3, "Member", R)],
  MemberRemoveRequest: [field("ID", 1, "uid64")],
  MemberRemoveResponse: [header, membersAt2],
  MemberUpdateRequest: [field("ID", 1, "uid64"), field("peerURLs", 2, "string", R)],
  MemberUpdateResponse: [header, membersAt2],
  // `linearizable` is etcd 3.5's addition (3.4's request is empty); a 3.4 client never sends it.
  MemberListRequest: [field("linearizable", 1, "bool")],
  MemberListResponse: [header, membersAt2],
  MemberPromoteRequest: [field("ID", 1, "uid64")],
  MemberPromoteResponse: [header, membersAt2],
  StatusRequest: [],
  StatusResponse: [header, field("version", 2, "string"), field("dbSize", 3, "int64"), field("leader", 4, "uid64"),
    field("raftIndex", 5, "uint64"), field("raftTerm", 6, "uint64"), field("raftAppliedIndex", 7, "uint64"),
    field("errors", 8, "string", R), field("dbSizeInUse", 9, "int64"), field("isLearner", 10, "bool")],
  MoveLeaderRequest: [field("targetID", 1, "uid64")],
  // etcd 3.4 answers move-leader, defragment and each snapshot chunk without a header: absence must survive.
  MoveLeaderResponse: [optionalHeader],
  AlarmRequest: [enumField("action", 1, AlarmAction), field("memberID", 2, "uid64"), enumField("alarm", 3, AlarmType)],
  AlarmMember: [field("memberID", 1, "uid64"), enumField("alarm", 2, AlarmType)],
  // etcd 3.4 answers an alarm GET without any header ("{}"), so absence must survive a round trip.
  AlarmResponse: [optionalHeader, msgField("alarms", 2, "AlarmMember", R)],
  DefragmentRequest: [],
  DefragmentResponse: [optionalHeader],
  HashRequest: [],
  HashResponse: [header, field("hash", 2, "uint32")],
  HashKVRequest: [field("revision", 1, "int64")],
  HashKVResponse: [header, field("hash", 2, "uint32"), field("compact_revision", 3, "int64")],
  SnapshotRequest: [],
  SnapshotResponse: [optionalHeader, field("remaining_bytes", 2, "uint64"), field("blob", 3, "bytes")],
} as const satisfies Record<string, readonly FieldDef[]>;

/** Every message kind the codec knows, with its fields in proto declaration order. */
export const SCHEMAS: Readonly<Record<MessageKind, readonly FieldDef[]>> = { ...CORE_SCHEMAS, ...AUTH_SCHEMAS };

// The table and the MessageKind union name the same kinds: an entry missing from the union fails here.
const EVERY_ENTRY_IS_A_KIND: [Exclude<keyof typeof CORE_SCHEMAS | keyof typeof AUTH_SCHEMAS, MessageKind>] extends
  [never] ? true : false = true;
void EVERY_ENTRY_IS_A_KIND;

/** The proto package of each kind that is not etcdserverpb's. */
const PACKAGES: Partial<Record<MessageKind, ProtoPackage>> = {
  KeyValue: "mvccpb",
  Event: "mvccpb",
  Permission: "authpb",
  UserAddOptions: "authpb",
  LockRequest: "v3lockpb",
  LockResponse: "v3lockpb",
  UnlockRequest: "v3lockpb",
  UnlockResponse: "v3lockpb",
  CampaignRequest: "v3electionpb",
  CampaignResponse: "v3electionpb",
  LeaderKey: "v3electionpb",
  LeaderRequest: "v3electionpb",
  LeaderResponse: "v3electionpb",
  ResignRequest: "v3electionpb",
  ResignResponse: "v3electionpb",
  ProclaimRequest: "v3electionpb",
  ProclaimResponse: "v3electionpb",
};

/** etcd's proto packages, named as gRPC names them in method paths ("/etcdserverpb.KV/Range"). */
export type ProtoPackage = "etcdserverpb" | "mvccpb" | "authpb" | "v3lockpb" | "v3electionpb";

/** The proto package a message kind belongs to, e.g. "mvccpb" for KeyValue. */
export function protoPackageOf(kind: MessageKind): ProtoPackage {
  return PACKAGES[kind] ?? "etcdserverpb";
}

/** Every message kind, in table order. */
export const MESSAGE_KINDS: readonly MessageKind[] = Object.keys(SCHEMAS) as MessageKind[];

/** The fields of one message kind, in proto declaration order. */
export function fieldsOf(kind: MessageKind): readonly FieldDef[] {
  const fields: readonly FieldDef[] | undefined = (SCHEMAS as Record<string, readonly FieldDef[]>)[kind];
  if (fields === undefined) throw new Error(`codec: unknown message kind ${kind}`);
  return fields;
}

/** The Go type etcd names in "cannot unmarshal X into Go value of type T" for a field's element. */
export function goTypeName(def: FieldDef): string {
  switch (def.kind) {
    case "bytes":
      return "[]uint8";
    case "int64":
    case "id64":
      return "int64";
    case "uint64":
    case "uid64":
      return "uint64";
    case "int32":
      return "int32";
    case "uint32":
      return "uint32";
    case "bool":
      return "bool";
    case "string":
      return "string";
    case "enum":
      return def.enumDef!.goName;
    case "message":
      return "map[string]json.RawMessage";
  }
}
