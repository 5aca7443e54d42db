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
import type { CompactionRequest, DeleteRangeRequest, PutRequest, TxnRequest } from "../codec/messages.ts";
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

/** Entry data → proposal; throws on bytes that are not one. */
export function decodeProposal(data: Uint8Array): Proposal {
  const value = decodeCborValue(data) as Record<string, unknown>;
  if (typeof value !== "object" || value === null || typeof value.id !== "number") {
    throw new Error("entry data is not a proposal");
  }
  // Through the schema, so ids come back as bigint and absent fields as etcd's zero values.
  const p: Proposal = { origin: BigInt(value.origin as number | bigint), id: value.id };
  if (value.put !== undefined) p.put = messageFromWire<PutRequest>("PutRequest", value.put);
  if (value.deleteRange !== undefined) {
    p.deleteRange = messageFromWire<DeleteRangeRequest>("DeleteRangeRequest", value.deleteRange);
  }
  if (value.txn !== undefined) p.txn = messageFromWire<TxnRequest>("TxnRequest", value.txn);
  if (value.compaction !== undefined) {
    p.compaction = messageFromWire<CompactionRequest>("CompactionRequest", value.compaction);
  }
  if (value.member !== undefined) {
    const m = value.member as Record<string, unknown>;
    p.member = { ID: BigInt(String(m.ID)) };
    if (Array.isArray(m.peerURLs)) p.member.peerURLs = m.peerURLs.map(String);
    if (Array.isArray(m.clientURLs)) p.member.clientURLs = m.clientURLs.map(String);
    if (typeof m.name === "string") p.member.name = m.name;
  }
  decodeLeaseOps(value, p);
  return p;
}

function leaseOpCount(p: Proposal): number {
  return Number(p.leaseGrant !== undefined) + Number(p.leaseRevoke !== undefined) +
    Number(p.leaseCheckpoints !== undefined);
}

/** The lease operations of a decoded entry, ids back to bigint. */
function decodeLeaseOps(value: Record<string, unknown>, p: Proposal): void {
  if (value.leaseGrant !== undefined) {
    const g = value.leaseGrant as Record<string, unknown>;
    p.leaseGrant = { ID: BigInt(g.ID as bigint | number), TTL: Number(g.TTL) };
  }
  if (value.leaseRevoke !== undefined) {
    p.leaseRevoke = { ID: BigInt((value.leaseRevoke as Record<string, unknown>).ID as bigint | number) };
  }
  if (Array.isArray(value.leaseCheckpoints)) {
    p.leaseCheckpoints = value.leaseCheckpoints.map((c: Record<string, unknown>) => ({
      ID: BigInt(String(c.ID)),
      remainingMs: Number(c.remainingMs),
    }));
  }
}

/** A random 64-bit nonce for this process's proposals. */
export function newOrigin(): bigint {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  let value = 0n;
  for (const b of bytes) value = (value << 8n) | BigInt(b);
  return value;
}
