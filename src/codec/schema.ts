/**
 * One table describing every etcd v3 message tsetcd speaks: field names in proto declaration order, the
 * wire kind of each field, repeated/oneof markers. Both encodings (gateway JSON in json.ts, CBOR in cbor.ts)
 * are driven by it in both directions, so no message has a hand-written encoder.
 *
 * The order of fields is the order of the `.proto` declaration because etcd's gateway (jsonpb over Go
 * structs) emits keys in that order, and emitting the same order keeps our bytes identical to etcd's.
 * @module
 */

/**
 * How a scalar travels. JS representation / gateway JSON / Go type (used in etcd's error texts):
 * - `bytes`: Uint8Array / std base64 string / `[]uint8`
 * - `int64`, `uint64`: number / decimal string / `int64`, `uint64` (revisions, counts, TTLs, sizes)
 * - `id64`, `uid64`: bigint / decimal string / `int64`, `uint64` (lease, member, cluster ids)
 * - `int32`: number / JSON number / `int32`
 * - `bool`, `string`: as is
 */
export type ScalarKind = "bytes" | "int64" | "uint64" | "id64" | "uid64" | "int32" | "bool" | "string";

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
  kind: ScalarKind | "enum" | "message";
  enumDef?: EnumDef;
  message?: MessageKind;
  repeated: boolean;
  /** Name of the oneof group; such fields are never defaulted and at most one is set. */
  oneof?: string;
  /** A message field left undefined when absent (otherwise decoding fills a zero message). */
  optional: boolean;
  /** Bytes of the protobuf tag (1 for field numbers below 16, 2 below 2048); only Compare.range_end (64) is 2. */
  tagBytes: number;
}

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

/** protoc's json_name: drop underscores, upper-case the letter after each. */
function lowerCamel(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

interface FieldOptions {
  repeated?: boolean;
  oneof?: string;
  optional?: boolean;
}

function field(name: string, kind: ScalarKind, options: FieldOptions = {}): FieldDef {
  return {
    name,
    jsonName: lowerCamel(name),
    kind,
    repeated: options.repeated ?? false,
    oneof: options.oneof,
    optional: false,
    tagBytes: 1,
  };
}

function enumField(name: string, enumDef: EnumDef, options: FieldOptions = {}): FieldDef {
  return { ...field(name, "int32", options), kind: "enum", enumDef };
}

function msgField(name: string, message: MessageKind, options: FieldOptions = {}): FieldDef {
  return { ...field(name, "int32", options), kind: "message", message, optional: options.optional ?? false };
}

const R = { repeated: true } as const;
const header = msgField("header", "ResponseHeader");
const membersField = msgField("members", "Member", R);

/** Every message kind the codec knows, with its fields in proto declaration order. */
export const SCHEMAS = {
  ResponseHeader: [field("cluster_id", "uid64"), field("member_id", "uid64"), field("revision", "int64"),
    field("raft_term", "uint64")],
  KeyValue: [field("key", "bytes"), field("create_revision", "int64"), field("mod_revision", "int64"),
    field("version", "int64"), field("value", "bytes"), field("lease", "id64")],
  RangeRequest: [field("key", "bytes"), field("range_end", "bytes"), field("limit", "int64"),
    field("revision", "int64"), enumField("sort_order", SortOrder), enumField("sort_target", SortTarget),
    field("serializable", "bool"), field("keys_only", "bool"), field("count_only", "bool"),
    field("min_mod_revision", "int64"), field("max_mod_revision", "int64"), field("min_create_revision", "int64"),
    field("max_create_revision", "int64")],
  RangeResponse: [header, msgField("kvs", "KeyValue", R), field("more", "bool"), field("count", "int64")],
  PutRequest: [field("key", "bytes"), field("value", "bytes"), field("lease", "id64"), field("prev_kv", "bool"),
    field("ignore_value", "bool"), field("ignore_lease", "bool")],
  PutResponse: [header, msgField("prev_kv", "KeyValue", { optional: true })],
  DeleteRangeRequest: [field("key", "bytes"), field("range_end", "bytes"), field("prev_kv", "bool")],
  DeleteRangeResponse: [header, field("deleted", "int64"), msgField("prev_kvs", "KeyValue", R)],
  RequestOp: [msgField("request_range", "RangeRequest", { oneof: "request" }),
    msgField("request_put", "PutRequest", { oneof: "request" }),
    msgField("request_delete_range", "DeleteRangeRequest", { oneof: "request" }),
    msgField("request_txn", "TxnRequest", { oneof: "request" })],
  ResponseOp: [msgField("response_range", "RangeResponse", { oneof: "response" }),
    msgField("response_put", "PutResponse", { oneof: "response" }),
    msgField("response_delete_range", "DeleteRangeResponse", { oneof: "response" }),
    msgField("response_txn", "TxnResponse", { oneof: "response" })],
  Compare: [enumField("result", CompareResult), enumField("target", CompareTarget), field("key", "bytes"),
    field("version", "int64", { oneof: "target_union" }), field("create_revision", "int64", { oneof: "target_union" }),
    field("mod_revision", "int64", { oneof: "target_union" }), field("value", "bytes", { oneof: "target_union" }),
    field("lease", "id64", { oneof: "target_union" }), { ...field("range_end", "bytes"), tagBytes: 2 }],
  TxnRequest: [msgField("compare", "Compare", R), msgField("success", "RequestOp", R),
    msgField("failure", "RequestOp", R)],
  TxnResponse: [header, field("succeeded", "bool"), msgField("responses", "ResponseOp", R)],
  CompactionRequest: [field("revision", "int64"), field("physical", "bool")],
  CompactionResponse: [header],
  Event: [enumField("type", EventType), msgField("kv", "KeyValue"),
    msgField("prev_kv", "KeyValue", { optional: true })],
  WatchCreateRequest: [field("key", "bytes"), field("range_end", "bytes"), field("start_revision", "int64"),
    field("progress_notify", "bool"), enumField("filters", FilterType, R), field("prev_kv", "bool"),
    field("watch_id", "int64"), field("fragment", "bool")],
  WatchCancelRequest: [field("watch_id", "int64")],
  WatchProgressRequest: [],
  WatchRequest: [msgField("create_request", "WatchCreateRequest", { oneof: "request_union" }),
    msgField("cancel_request", "WatchCancelRequest", { oneof: "request_union" }),
    msgField("progress_request", "WatchProgressRequest", { oneof: "request_union" })],
  WatchResponse: [header, field("watch_id", "int64"), field("created", "bool"), field("canceled", "bool"),
    field("compact_revision", "int64"), field("cancel_reason", "string"), field("fragment", "bool"),
    msgField("events", "Event", R)],
  LeaseGrantRequest: [field("TTL", "int64"), field("ID", "id64")],
  LeaseGrantResponse: [header, field("ID", "id64"), field("TTL", "int64"), field("error", "string")],
  LeaseRevokeRequest: [field("ID", "id64")],
  LeaseRevokeResponse: [header],
  LeaseKeepAliveRequest: [field("ID", "id64")],
  LeaseKeepAliveResponse: [header, field("ID", "id64"), field("TTL", "int64")],
  LeaseTimeToLiveRequest: [field("ID", "id64"), field("keys", "bool")],
  LeaseTimeToLiveResponse: [header, field("ID", "id64"), field("TTL", "int64"), field("grantedTTL", "int64"),
    field("keys", "bytes", R)],
  LeaseLeasesRequest: [],
  LeaseStatus: [field("ID", "id64")],
  LeaseLeasesResponse: [header, msgField("leases", "LeaseStatus", R)],
  Member: [field("ID", "uid64"), field("name", "string"), field("peerURLs", "string", R),
    field("clientURLs", "string", R), field("isLearner", "bool")],
  MemberAddRequest: [field("peerURLs", "string", R), field("isLearner", "bool")],
  MemberAddResponse: [header, msgField("member", "Member"), membersField],
  MemberRemoveRequest: [field("ID", "uid64")],
  MemberRemoveResponse: [header, membersField],
  MemberUpdateRequest: [field("ID", "uid64"), field("peerURLs", "string", R)],
  MemberUpdateResponse: [header, membersField],
  MemberListRequest: [field("linearizable", "bool")],
  MemberListResponse: [header, membersField],
  MemberPromoteRequest: [field("ID", "uid64")],
  MemberPromoteResponse: [header, membersField],
  StatusRequest: [],
  StatusResponse: [header, field("version", "string"), field("dbSize", "int64"), field("leader", "uid64"),
    field("raftIndex", "uint64"), field("raftTerm", "uint64"), field("raftAppliedIndex", "uint64"),
    field("errors", "string", R), field("dbSizeInUse", "int64"), field("isLearner", "bool")],
  MoveLeaderRequest: [field("targetID", "uid64")],
  MoveLeaderResponse: [header],
  AlarmRequest: [enumField("action", AlarmAction), field("memberID", "uid64"), enumField("alarm", AlarmType)],
  AlarmMember: [field("memberID", "uid64"), enumField("alarm", AlarmType)],
  // etcd 3.4 answers an alarm GET without any header ("{}"), so absence must survive a round trip.
  AlarmResponse: [msgField("header", "ResponseHeader", { optional: true }), msgField("alarms", "AlarmMember", R)],
} as const satisfies Record<string, readonly FieldDef[]>;

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
  | "AlarmMember" | "AlarmResponse";

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
