/**
 * What every fuzz request is made from: the two encodings, the shape of a mutation, and one valid request
 * of each kind the routes read (the baseline a field mutation changes one field of).
 *
 * Safety of the cluster under test starts here: every key a baseline names sorts at or after "zfuzz/", and
 * member URLs are not URLs, so a valid request can neither reach the sentinels nor change membership.
 * @module
 */
import type { MessageKind } from "../../src/codec/schema.ts";
import { cloneWire, WireMap, wmap } from "./wire.ts";

/** The two encodings every route is fuzzed in. */
export type Encoding = "json" | "cbor";
export const ENCODINGS: readonly Encoding[] = ["json", "cbor"];

/** One request the fuzzer sends. */
export interface Mutation {
  /** What was done, e.g. "field success[0].request_put.key: bad base64 chars" or "body: empty". */
  name: string;
  body: Uint8Array;
  /** Default POST. */
  method?: string;
  /** Default: the encoding's own (application/json or application/cbor). */
  contentType?: string;
  /** The body is bigger than the server may accept: a connection closed early is an acceptable answer. */
  oversized?: boolean;
}

/** Limits the generators must exceed. */
export interface MutationOptions {
  /** The servers' --max-request-bytes (default 1.5 MiB). */
  maxRequestBytes: number;
  /** Values tried per field at the top level of a request besides ALWAYS_TRIED (a seeded sample). */
  topValuesPerField: number;
  /** Values tried per field below the top level of a request (a seeded sample). */
  nestedValuesPerField: number;
}

/** Keys the fuzzer may make valid all start with this; sentinels sort before it. */
export const FUZZ_KEY_PREFIX = "zfuzz/";
const TEXT = new TextEncoder();

/** UTF-8 bytes of a string. */
export function bytesOf(text: string): Uint8Array {
  return TEXT.encode(text);
}

/** Standard padded base64 of bytes (or of a string's UTF-8). */
export function base64Of(bytes: Uint8Array | string): string {
  return Buffer.from(typeof bytes === "string" ? bytesOf(bytes) : bytes).toString("base64");
}

/** A valid message of each kind the routes read; fields absent here take their zero value. */
function baseline(kind: MessageKind): WireMap {
  switch (kind) {
    case "RangeRequest":
      return wmap({ key: bytesOf("zfuzz/r"), range_end: bytesOf("zfuzz/s"), limit: 10, sort_order: "ASCEND", serializable: true });
    case "PutRequest":
      return wmap({ key: bytesOf("zfuzz/p"), value: bytesOf("fuzz"), prev_kv: true });
    case "DeleteRangeRequest":
      return wmap({ key: bytesOf("zfuzz/d"), range_end: bytesOf("zfuzz/e"), prev_kv: true });
    case "Compare":
      return wmap({ result: "EQUAL", target: "VERSION", key: bytesOf("zfuzz/t"), version: 0 });
    case "RequestOp":
      return wmap({ request_put: baseline("PutRequest") });
    case "TxnRequest":
      return wmap({
        compare: [baseline("Compare")],
        success: [baseline("RequestOp")],
        failure: [wmap({ request_range: baseline("RangeRequest") })],
      });
    case "CompactionRequest":
      return wmap({ revision: 1, physical: false });
    case "MemberListRequest":
      return wmap({ linearizable: true });
    case "MemberAddRequest":
      return wmap({ peerURLs: ["fuzz-not-a-url"], isLearner: true });
    case "MemberUpdateRequest":
      return wmap({ ID: 1n, peerURLs: ["fuzz-not-a-url"] });
    case "MemberRemoveRequest":
    case "MemberPromoteRequest":
    case "LeaseRevokeRequest":
    case "LeaseKeepAliveRequest":
      return wmap({ ID: 1n });
    case "MoveLeaderRequest":
      return wmap({ targetID: 1n });
    case "LeaseGrantRequest":
      return wmap({ TTL: 60 });
    case "LeaseTimeToLiveRequest":
      return wmap({ ID: 1n, keys: true });
    case "WatchCreateRequest":
      return wmap({
        key: bytesOf("zfuzz/w"),
        range_end: bytesOf("zfuzz/x"),
        start_revision: 0,
        filters: ["NODELETE"],
        prev_kv: true,
      });
    case "WatchRequest":
      return wmap({ create_request: baseline("WatchCreateRequest") });
    default:
      return LOCK_ELECTION_AUTH[kind]?.() ?? new WireMap();
  }
}

/**
 * Lock, election and auth requests: names under zfuzz/ (lock and election keys are name/<lease>), leases
 * no grant returns, users and roles named zfuzz-… (never "root", without which auth cannot be enabled).
 */
const LOCK_ELECTION_AUTH: Partial<Record<MessageKind, () => WireMap>> = {
  LockRequest: () => wmap({ name: bytesOf("zfuzz/lock"), lease: 1n }),
  UnlockRequest: () => wmap({ key: bytesOf("zfuzz/lock/1") }),
  CampaignRequest: () => wmap({ name: bytesOf("zfuzz/elect"), lease: 1n, value: bytesOf("v") }),
  ProclaimRequest: () => wmap({ leader: leaderKey(), value: bytesOf("v") }),
  ResignRequest: () => wmap({ leader: leaderKey() }),
  LeaderRequest: () => wmap({ name: bytesOf("zfuzz/elect") }),
  AuthenticateRequest: () => wmap({ name: "zfuzz-user", password: "zfuzz" }),
  AuthUserAddRequest: () => wmap({ name: "zfuzz-user", password: "zfuzz" }),
  AuthUserGetRequest: () => wmap({ name: "zfuzz-user" }),
  AuthUserDeleteRequest: () => wmap({ name: "zfuzz-user" }),
  AuthUserChangePasswordRequest: () => wmap({ name: "zfuzz-user", password: "zfuzz2" }),
  AuthUserGrantRoleRequest: () => wmap({ user: "zfuzz-user", role: "zfuzz-role" }),
  AuthUserRevokeRoleRequest: () => wmap({ name: "zfuzz-user", role: "zfuzz-role" }),
  AuthRoleAddRequest: () => wmap({ name: "zfuzz-role" }),
  AuthRoleGetRequest: () => wmap({ role: "zfuzz-role" }),
  AuthRoleDeleteRequest: () => wmap({ role: "zfuzz-role" }),
  AuthRoleRevokePermissionRequest: () => wmap({ role: "zfuzz-role", key: bytesOf("zfuzz/") }),
};

function leaderKey(): WireMap {
  return wmap({ name: bytesOf("zfuzz/elect"), key: bytesOf("zfuzz/elect/1"), rev: 1, lease: 1n });
}

/** The valid baseline request of a kind (a copy), as the routes' "all fields present" case. */
export function baselineOf(kind: MessageKind | undefined): WireMap {
  return kind === undefined ? new WireMap() : (cloneWire(baseline(kind)) as WireMap);
}
