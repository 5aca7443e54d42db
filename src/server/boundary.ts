/**
 * The request boundary: the one step every client request passes before a service sees it, whatever its
 * encoding. It decodes the body into a complete typed message with etcd's zero values (an empty body, `{}`
 * and `null` are the zero message, as etcd's gateway reads them) and checks it as etcd's server does
 * (checkPutRequest, checkRangeRequest, checkTxnRequest with nested txns, lease TTL bounds, member peer
 * URLs), throwing etcd's code and message. A request that has not passed it is never proposed.
 *
 * Encodings plug in as decoders (`DECODERS`): gateway JSON and CBOR from the HTTP front-end, protobuf from
 * gRPC's; all three give the same message shape and go through the same checks.
 *
 * @example
 * const put = readRequest<PutRequest>("PutRequest", "json", body, { maxTxnOps: 128 });
 * @module
 */
import { decodeCbor } from "../codec/cbor.ts";
import { EtcdError, Errors, GrpcCode } from "../codec/errors.ts";
import type { WireFormat } from "../codec/http.ts";
import { decodeJson } from "../codec/json.ts";
import { protoSizeBytes } from "../codec/proto_size.ts";
import { decodeProtobuf } from "../codec/protobuf.ts";
import type {
  LeaseGrantRequest,
  MemberAddRequest,
  MemberUpdateRequest,
  PutRequest,
  RangeRequest,
  RequestOp,
  TxnRequest,
} from "../codec/messages.ts";
import { SortOrder, SortTarget } from "../codec/messages.ts";
import type { MessageKind } from "../codec/schema.ts";
import { messageFromWire } from "../codec/wire.ts";
import { MAX_LEASE_TTL_S } from "../lease/rules.ts";
import {
  checkDeleteRangeRequest,
  checkPutRequest,
  checkRangeRequest,
  checkTxnRequest,
  DEFAULT_MAX_TXN_OPS,
} from "../mvcc/validate.ts";

/** The request kinds a client may send. */
export type RequestKind =
  | "RangeRequest" | "PutRequest" | "DeleteRangeRequest" | "TxnRequest" | "CompactionRequest"
  | "LeaseGrantRequest" | "LeaseRevokeRequest" | "LeaseKeepAliveRequest" | "LeaseTimeToLiveRequest"
  | "LeaseLeasesRequest" | "MemberAddRequest" | "MemberRemoveRequest" | "MemberUpdateRequest"
  | "MemberListRequest" | "MemberPromoteRequest" | "StatusRequest" | "MoveLeaderRequest" | "WatchRequest"
  | "AlarmRequest" | "DefragmentRequest" | "HashRequest" | "HashKVRequest" | "SnapshotRequest"
  | "AuthEnableRequest" | "AuthDisableRequest" | "AuthenticateRequest" | "AuthUserAddRequest"
  | "AuthUserGetRequest" | "AuthUserListRequest" | "AuthUserDeleteRequest" | "AuthUserChangePasswordRequest"
  | "AuthUserGrantRoleRequest" | "AuthUserRevokeRoleRequest" | "AuthRoleAddRequest" | "AuthRoleGetRequest"
  | "AuthRoleListRequest" | "AuthRoleDeleteRequest" | "AuthRoleGrantPermissionRequest"
  | "AuthRoleRevokePermissionRequest" | "LockRequest" | "UnlockRequest" | "CampaignRequest" | "ProclaimRequest"
  | "LeaderRequest" | "ResignRequest";

/** Server settings the checks depend on. */
export interface BoundaryLimits {
  /** --max-txn-ops (etcd's default 128). */
  maxTxnOps: number;
  /**
   * Largest protobuf size of a message (gRPC's receive limit: --max-request-bytes plus its overhead
   * allowance); checked after decoding and before any other check, as gRPC refuses it first. None: no bound.
   */
  maxMessageBytes?: number;
}

/** etcd's defaults, for front-ends built without a server config (tests, embedders). */
export const DEFAULT_LIMITS: BoundaryLimits = { maxTxnOps: DEFAULT_MAX_TXN_OPS };

/** Turns one encoded message into a zero-filled message of `kind`; throws EtcdError(InvalidArgument). */
export type RequestDecoder = (kind: MessageKind, body: Uint8Array) => unknown;

const TEXT = new TextDecoder();

/** The encodings a request arrives in: the HTTP gateway's (WireFormat) and gRPC's protobuf. */
export type RequestFormat = WireFormat | "protobuf";

/** One decoder per encoding; each fills etcd's zero values through the codec's schema table. */
export const DECODERS: Record<RequestFormat, RequestDecoder> = {
  json: (kind, body) => decodeJson(kind, TEXT.decode(body)),
  cbor: (kind, body) => decodeCbor(kind, body),
  protobuf: (kind, body) => decodeProtobuf(kind, body),
};

/**
 * Decodes and checks one request: the complete typed message, or etcd's error thrown as an EtcdError.
 * Anything else the decoder throws (a bug, a runtime limit such as stack depth) is reported as the client's
 * InvalidArgument too: the body is what made it fail, and nothing has been proposed.
 */
export function readRequest<T>(kind: RequestKind, format: RequestFormat, body: Uint8Array, limits = DEFAULT_LIMITS): T {
  const maxBytes = limits.maxMessageBytes;
  // gRPC refuses a message by its length on the wire before decoding it; protobuf bodies are that message.
  if (format === "protobuf" && maxBytes !== undefined && body.length > maxBytes) {
    throw messageTooLarge(body.length, maxBytes);
  }
  let message: unknown;
  try {
    message = DECODERS[format](kind, body);
  } catch (error) {
    throw asInvalidArgument(error);
  }
  if (maxBytes !== undefined) {
    const sizeBytes = protoSizeBytes(kind, message);
    if (sizeBytes > maxBytes) throw messageTooLarge(sizeBytes, maxBytes);
  }
  checkRequest(kind, message, limits);
  return message as T;
}

/**
 * The same step for a message already parsed from its container (a stream frame's `result`): zero-filled
 * through the schema and checked. Throws EtcdError.
 */
export function readRequestValue<T>(kind: RequestKind, value: unknown, limits = DEFAULT_LIMITS): T {
  let message: unknown;
  try {
    message = messageFromWire(kind, value);
  } catch (error) {
    throw asInvalidArgument(error);
  }
  checkRequest(kind, message, limits);
  return message as T;
}

/** gRPC's refusal of a message over its receive limit, which etcd's clients see as is. */
export function messageTooLarge(sizeBytes: number, limitBytes: number): EtcdError {
  return new EtcdError(
    GrpcCode.ResourceExhausted,
    `grpc: received message larger than max (${sizeBytes} vs. ${limitBytes})`,
  );
}

/**
 * Checks a decoded message of `kind` as etcd's server does before proposing it; throws etcd's error.
 * May rewrite what etcd treats as equivalent (an unknown sort order is etcd's "no sort").
 */
export function checkRequest(kind: RequestKind, message: unknown, limits = DEFAULT_LIMITS): void {
  switch (kind) {
    case "RangeRequest":
      return throwIf(checkRange(message as RangeRequest));
    case "PutRequest":
      return throwIf(checkPutRequest(message as PutRequest));
    case "DeleteRangeRequest":
      return throwIf(checkDeleteRangeRequest(message as never));
    case "TxnRequest":
      return throwIf(checkTxn(message as TxnRequest, limits));
    case "LeaseGrantRequest":
      return throwIf(checkLeaseGrant(message as LeaseGrantRequest));
    case "MemberAddRequest":
      return throwIf(checkPeerUrls((message as MemberAddRequest).peerURLs));
    case "MemberUpdateRequest":
      // etcd answers an unknown member before it looks at the URLs: the cluster service checks them.
      return assertList((message as MemberUpdateRequest).peerURLs);
    default:
      // Compaction, lease revoke/keep-alive/time-to-live/leases, member remove/promote/list, status,
      // move-leader, watch, the other maintenance RPCs, auth, lock and election have no check of their own
      // in etcd's server: their answers (compacted, lease not found, member not found, bad leader
      // transferee, user not found, …) come from the state they meet.
      return;
  }
}

function throwIf(error: EtcdError | undefined): void {
  if (error !== undefined) throw error;
}

function assertList(value: unknown): void {
  if (!Array.isArray(value)) throw new Error("boundary: a decoded repeated field is not a list");
}

function asInvalidArgument(error: unknown): EtcdError {
  if (error instanceof EtcdError) return error;
  return new EtcdError(GrpcCode.InvalidArgument, String((error as Error)?.message ?? error));
}

// ---- KV ----

/**
 * etcd's range check, plus the sort fields: an unknown sort order makes etcd skip sorting (rows stay in
 * key order), which is sort order NONE by key; an unknown sort target makes etcd 3.4 dereference a nil
 * sorter and crash, so it is refused here.
 */
function checkRange(req: RangeRequest): EtcdError | undefined {
  const error = checkRangeRequest(req);
  if (error !== undefined) return error;
  const target = req.sort_target ?? SortTarget.KEY;
  if (!isEnumValue(target, SortTarget.VALUE)) return Errors.unknownSortTarget();
  if (!isEnumValue(req.sort_order ?? SortOrder.NONE, SortOrder.DESCEND)) {
    req.sort_order = SortOrder.NONE;
    req.sort_target = SortTarget.KEY;
  }
  return undefined;
}

function isEnumValue(value: number, max: number): boolean {
  return Number.isInteger(value) && value >= 0 && value <= max;
}

/** etcd's txn check (ops, keys, duplicates), then the range check of every read in it, nested ones too. */
function checkTxn(req: TxnRequest, limits: BoundaryLimits): EtcdError | undefined {
  const error = checkTxnRequest(req, { maxTxnOps: limits.maxTxnOps });
  if (error !== undefined) return error;
  // The shape check bounds the nesting (each level spends an op), so this walk is bounded too.
  return checkTxnRanges(req);
}

function checkTxnRanges(req: TxnRequest): EtcdError | undefined {
  const ops: RequestOp[] = [...(req.success ?? []), ...(req.failure ?? [])];
  for (const op of ops) {
    const error = op.request_range !== undefined
      ? checkRange(op.request_range)
      : op.request_txn !== undefined
      ? checkTxnRanges(op.request_txn)
      : undefined;
    if (error !== undefined) return error;
  }
  return undefined;
}

// ---- leases ----

/**
 * etcd refuses a TTL above MaxLeaseTTL; a TTL at or below the minimum (zero and negative ones too) is
 * raised to the minimum when applied, as etcd's lessor does. Any id is the client's choice (0: the
 * server picks one), negative ones included.
 */
function checkLeaseGrant(req: LeaseGrantRequest): EtcdError | undefined {
  if (!Number.isInteger(req.TTL)) throw new Error(`boundary: decoded lease TTL is not an integer: ${req.TTL}`);
  if (req.TTL > MAX_LEASE_TTL_S) return Errors.leaseTTLTooLarge();
  return undefined;
}

// ---- members ----

/** A peer URL as etcd's types.NewURLs reads it: scheme, authority (user info, host, port), then the rest. */
const URL_SHAPE = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)(.*)$/s;
const MAX_PORT = 65_535;

/**
 * etcd's member URL rule (types.NewURLs): a non-empty list of http(s) URLs, each with a host and an
 * explicit port and no path ("http://h:1/" is refused too). Stricter than etcd where our transport could
 * not dial what etcd would store: unix sockets, an empty host, a port above 65535.
 */
export function checkPeerUrls(urls: readonly string[] | undefined): EtcdError | undefined {
  if (urls === undefined || urls.length === 0) return Errors.memberBadURLs();
  for (const raw of urls) {
    if (!isPeerUrl(raw)) return Errors.memberBadURLs();
  }
  return undefined;
}

function isPeerUrl(raw: string): boolean {
  const match = URL_SHAPE.exec(raw);
  if (match === null) return false;
  const scheme = match[1]!.toLowerCase();
  if (scheme !== "http" && scheme !== "https") return false;
  const rest = match[3]!;
  if (rest.startsWith("/")) return false;
  const authority = match[2]!;
  const hostPort = authority.slice(authority.lastIndexOf("@") + 1);
  const colon = hostPort.lastIndexOf(":");
  if (colon <= 0 || hostPort.endsWith("]")) return false;
  const port = hostPort.slice(colon + 1);
  if (!/^[0-9]{1,5}$/.test(port) || Number(port) > MAX_PORT) return false;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    return false;
  }
  return parsed.hostname !== "";
}
