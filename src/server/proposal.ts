/**
 * What a Normal log entry carries: one client write, tagged with the proposing process (`origin`, a
 * random 64-bit nonce chosen at start) and a request id unique within that process. Only the process
 * that proposed an entry has a waiter for it; matching on the origin too means an entry replayed after a
 * restart can never resolve a new caller that happens to reuse an id.
 *
 * Encoded with the codec's CBOR; decoded back through the message schema. Whatever the request boundary
 * passes survives encode → decode unchanged: int64 fields are JS numbers, exact only up to 2^53, so a
 * larger one (a compare against int64 max, a TTL of int64 min) travels as the CBOR integer that reads back
 * as the same number (see carriedExactly).
 * @module
 */
import { decodeCborValue, encodeCbor, MAX_CBOR_DEPTH } from "../codec/cbor.ts";
import type {
  CompactionRequest,
  DeleteRangeRequest,
  LeaseGrantRequest,
  LeaseRevokeRequest,
  PutRequest,
  TxnRequest,
} from "../codec/messages.ts";
import { messageFromWire } from "../codec/wire.ts";
import { type AuthOp, type AuthStamp, readAuthOp, readAuthStamp } from "../auth/ops.ts";
import { type AlarmOp, readAlarmOp } from "./alarms.ts";

/** One replicated write. Exactly one of the operation fields is set. */
export interface Proposal {
  origin: bigint;
  id: number;
  put?: PutRequest;
  deleteRange?: DeleteRangeRequest;
  txn?: TxnRequest;
  compaction?: CompactionRequest;
  /** A membership record change that is not a Raft configuration change (update URLs, publish attributes). */
  member?: MemberOp;
  // ---- lease operations (src/server/lease_service.ts applies them) ----
  /** Grants a lease; the proposer chose the id (chooseLeaseId), so every member applies the same one. */
  leaseGrant?: { ID: bigint; TTL: number };
  /** Revokes a lease and deletes its keys in one revision. */
  leaseRevoke?: { ID: bigint };
  /** Remaining TTLs the leader persists, so a new leader resumes them instead of restarting full TTLs. */
  leaseCheckpoints?: LeaseCheckpointOp[];
  /** An Auth RPC (src/auth applies it). */
  auth?: AuthOp;
  /**
   * Who proposed a client's write, checked again at apply against the auth state the entry meets (etcd's
   * header username and auth_revision). Absent on the server's own writes. Not an operation.
   */
  caller?: AuthStamp;
  /** Raises or disarms an alarm (src/server/alarms.ts applies it). */
  alarm?: AlarmOp;
}

/** One persisted remaining TTL. */
export interface LeaseCheckpointOp {
  ID: bigint;
  remainingMs: number;
}

/** Updates one member's record: peer URLs (member update) or name and client URLs (publish after start). */
export interface MemberOp {
  ID: bigint;
  peerURLs?: string[];
  name?: string;
  clientURLs?: string[];
}

/** Proposal → entry data. */
export function encodeProposal(p: Proposal): Uint8Array {
  const ops = Number(p.put !== undefined) + Number(p.deleteRange !== undefined) + Number(p.txn !== undefined) +
    Number(p.compaction !== undefined) + Number(p.member !== undefined) + leaseOpCount(p) +
    Number(p.auth !== undefined) + Number(p.alarm !== undefined);
  if (ops !== 1) throw new Error(`proposal must carry exactly one operation, has ${ops}`);
  if (p.member !== undefined) return encodeCbor({ ...p, member: { ...p.member, ID: String(p.member.ID) } });
  if (p.alarm !== undefined) return encodeCbor({ ...p, alarm: { ...p.alarm, memberID: String(p.alarm.memberID) } });
  if (p.leaseCheckpoints !== undefined) {
    return encodeCbor({ ...p, leaseCheckpoints: p.leaseCheckpoints.map((c) => ({ ...c, ID: String(c.ID) })) });
  }
  return encodeCbor(carriedExactly(p, 0));
}

/**
 * Deepest nesting of an entry's data: a request as deep as a client may send (MAX_CBOR_DEPTH, Go's JSON
 * bound), inside the proposal's own map, plus what decoding filled in: a txn left `null` or `{}` at the
 * bottom is a map of empty lists (two levels where `null` had none).
 */
const MAX_PROPOSAL_DEPTH = MAX_CBOR_DEPTH + 2;
/** Deepest nesting carriedExactly walks: decodeProposal would refuse a deeper item anyway. */
const MAX_CARRY_DEPTH = MAX_PROPOSAL_DEPTH;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

/**
 * `value` with every integral number beyond 2^53 replaced by a bigint that the schema reads back as the
 * same number (the same object when there is none, the common case). Such a number is the nearest double
 * to the decimal the client sent; written as that double, it would read back through String() as a
 * rounded decimal out of int64's range. 2^63 (int64 max rounded up) becomes int64 max and 2^64 (uint64 max
 * rounded up) uint64 max: each is legal in its field and rounds back to the same double.
 */
function carriedExactly(value: unknown, depth: number): unknown {
  if (typeof value === "number") {
    return Number.isInteger(value) && !Number.isSafeInteger(value) ? exactInteger(value) : value;
  }
  if (typeof value !== "object" || value === null || value instanceof Uint8Array) return value;
  if (depth > MAX_CARRY_DEPTH) throw new Error(`proposal nested deeper than ${MAX_CARRY_DEPTH}`);
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const carried = carriedExactly(value[i], depth + 1);
      if (carried !== value[i]) (out ??= value.slice())[i] = carried;
    }
    return out ?? value;
  }
  let out: Record<string, unknown> | undefined;
  for (const [key, item] of Object.entries(value)) {
    const carried = carriedExactly(item, depth + 1);
    if (carried !== item) (out ??= { ...value })[key] = carried;
  }
  return out ?? value;
}

function exactInteger(n: number): bigint {
  const exact = BigInt(n);
  if (exact === INT64_MAX + 1n) return INT64_MAX;
  if (exact > UINT64_MAX) return UINT64_MAX;
  return exact < INT64_MIN ? INT64_MIN : exact;
}

/**
 * An entry's data that is not a well-formed proposal. `origin` and `id` are kept when they could be read,
 * so the member that proposed it (if it still waits) can be answered.
 */
export class UndecodableProposal extends Error {
  readonly origin: bigint | undefined;
  readonly id: number | undefined;
  constructor(message: string, origin?: bigint, id?: number) {
    super(message);
    this.name = "UndecodableProposal";
    this.origin = origin;
    this.id = id;
  }
}

/**
 * Entry data → proposal. Every field goes through the message schema (etcd's zero values, strict types),
 * so what apply sees is complete and typed. Throws UndecodableProposal on bytes that are not one: the
 * same bytes fail the same way on every member.
 */
export function decodeProposal(data: Uint8Array): Proposal {
  let value: unknown;
  try {
    value = decodeCborValue(data, MAX_PROPOSAL_DEPTH);
  } catch (error) {
    throw new UndecodableProposal(`entry data is not CBOR: ${messageOf(error)}`);
  }
  if (!isRecord(value)) throw new UndecodableProposal("entry data is not a proposal");
  const origin = readOrigin(value.origin);
  const id = typeof value.id === "number" && Number.isSafeInteger(value.id) ? value.id : undefined;
  if (origin === undefined || id === undefined) {
    throw new UndecodableProposal("entry data is not a proposal (no origin or id)", origin, id);
  }
  try {
    return readOperations(value, { origin, id });
  } catch (error) {
    throw new UndecodableProposal(`entry data holds a malformed request: ${messageOf(error)}`, origin, id);
  }
}

function readOperations(value: Record<string, unknown>, p: Proposal): Proposal {
  if (value.put !== undefined) p.put = messageFromWire<PutRequest>("PutRequest", value.put);
  if (value.deleteRange !== undefined) {
    p.deleteRange = messageFromWire<DeleteRangeRequest>("DeleteRangeRequest", value.deleteRange);
  }
  if (value.txn !== undefined) p.txn = messageFromWire<TxnRequest>("TxnRequest", value.txn);
  if (value.compaction !== undefined) {
    p.compaction = messageFromWire<CompactionRequest>("CompactionRequest", value.compaction);
  }
  if (value.member !== undefined) p.member = readMemberOp(value.member);
  decodeLeaseOps(value, p);
  if (value.auth !== undefined) p.auth = readAuthOp(value.auth);
  if (value.caller !== undefined) p.caller = readAuthStamp(value.caller);
  if (value.alarm !== undefined) p.alarm = readAlarmOp(value.alarm);
  return p;
}

function readMemberOp(raw: unknown): MemberOp {
  if (!isRecord(raw)) throw new Error("member operation is not a map");
  const op: MemberOp = { ID: readDecimalId(raw.ID) };
  if (raw.peerURLs !== undefined) op.peerURLs = readStrings(raw.peerURLs, "peerURLs");
  if (raw.clientURLs !== undefined) op.clientURLs = readStrings(raw.clientURLs, "clientURLs");
  if (raw.name !== undefined) {
    if (typeof raw.name !== "string") throw new Error("member name is not a string");
    op.name = raw.name;
  }
  return op;
}

function readStrings(raw: unknown, name: string): string[] {
  if (!Array.isArray(raw) || !raw.every((u) => typeof u === "string")) throw new Error(`${name} is not a list of strings`);
  return raw as string[];
}

/** Ids travel as decimal strings in member and checkpoint operations (encodeProposal writes them so). */
function readDecimalId(raw: unknown): bigint {
  if (typeof raw !== "string" || !/^-?[0-9]{1,20}$/.test(raw)) throw new Error(`id ${String(raw)} is not decimal`);
  return BigInt(raw);
}

function readOrigin(raw: unknown): bigint | undefined {
  if (typeof raw === "bigint") return raw;
  if (typeof raw === "number" && Number.isSafeInteger(raw)) return BigInt(raw);
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

function messageOf(error: unknown): string {
  return String((error as Error)?.message ?? error);
}

function leaseOpCount(p: Proposal): number {
  return Number(p.leaseGrant !== undefined) + Number(p.leaseRevoke !== undefined) +
    Number(p.leaseCheckpoints !== undefined);
}

/** The lease operations of a decoded entry, through the lease messages' schema (ids back to bigint). */
function decodeLeaseOps(value: Record<string, unknown>, p: Proposal): void {
  if (value.leaseGrant !== undefined) {
    const grant = messageFromWire<LeaseGrantRequest>("LeaseGrantRequest", value.leaseGrant);
    p.leaseGrant = { ID: grant.ID ?? 0n, TTL: grant.TTL };
  }
  if (value.leaseRevoke !== undefined) {
    p.leaseRevoke = { ID: messageFromWire<LeaseRevokeRequest>("LeaseRevokeRequest", value.leaseRevoke).ID };
  }
  if (value.leaseCheckpoints !== undefined) {
    if (!Array.isArray(value.leaseCheckpoints)) throw new Error("leaseCheckpoints is not a list");
    p.leaseCheckpoints = value.leaseCheckpoints.map((c: unknown) => {
      if (!isRecord(c)) throw new Error("a lease checkpoint is not a map");
      const remainingMs = c.remainingMs;
      if (typeof remainingMs !== "number" || !Number.isSafeInteger(remainingMs)) {
        throw new Error(`lease checkpoint remainingMs ${String(remainingMs)} is not an integer`);
      }
      return { ID: readDecimalId(c.ID), remainingMs };
    });
  }
}

/** A random 64-bit nonce for this process's proposals. */
export function newOrigin(): bigint {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  let value = 0n;
  for (const b of bytes) value = (value << 8n) | BigInt(b);
  return value;
}
