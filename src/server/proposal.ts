/**
 * What a Normal log entry carries: one client write, tagged with the proposing process (`origin`, a
 * random 64-bit nonce chosen at start) and a request id unique within that process. Only the process
 * that proposed an entry has a waiter for it; matching on the origin too means an entry replayed after a
 * restart can never resolve a new caller that happens to reuse an id.
 *
 * Encoded with the codec's CBOR; decoded back through the message schema.
 * @module
 */
import { decodeCborValue, encodeCbor } from "../codec/cbor.ts";
import type {
  CompactionRequest,
  DeleteRangeRequest,
  LeaseGrantRequest,
  LeaseRevokeRequest,
  PutRequest,
  TxnRequest,
} from "../codec/messages.ts";
import { messageFromWire } from "../codec/wire.ts";

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
    Number(p.compaction !== undefined) + Number(p.member !== undefined) + leaseOpCount(p);
  if (ops !== 1) throw new Error(`proposal must carry exactly one operation, has ${ops}`);
  if (p.member !== undefined) return encodeCbor({ ...p, member: { ...p.member, ID: String(p.member.ID) } });
  if (p.leaseCheckpoints !== undefined) {
    return encodeCbor({ ...p, leaseCheckpoints: p.leaseCheckpoints.map((c) => ({ ...c, ID: String(c.ID) })) });
  }
  return encodeCbor(p);
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
    value = decodeCborValue(data);
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
