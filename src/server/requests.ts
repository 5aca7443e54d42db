/**
 * Pure request rules the member applies before proposing: etcd's size accounting, which txns are
 * read-only, and how a refused proposal maps to an etcd error.
 * @module
 */
import { type EtcdError, Errors } from "../codec/errors.ts";
import type { TxnRequest } from "../codec/messages.ts";
import { protoSizeBytes, varintSizeBytes } from "../codec/proto_size.ts";
import { type Entry, EntryType, ProposalError } from "../raft/mod.ts";
import type { Proposal } from "./proposal.ts";

/** The etcd error for a proposal or read the core refused. */
export function proposalError(reason: string): EtcdError {
  switch (reason) {
    case ProposalError.NoLeader:
      return Errors.noLeader();
    case ProposalError.Transferring:
      return Errors.leaderChanged();
    case ProposalError.NotLearnerCaughtUp:
      return Errors.learnerNotReady();
    case ProposalError.WouldLoseQuorum:
      return Errors.memberNotEnoughStarted();
    case ProposalError.ConfChangePending:
      return Errors.unhealthy();
    case ProposalError.TooLarge:
    case ProposalError.TooManyReads:
      return Errors.tooManyRequests();
  }
  return Errors.notCapable();
}

/**
 * Size of the request as etcd accounts it against --max-request-bytes: the protobuf InternalRaftRequest
 * holding a header (field 100) with the request id, and the request in its own field (put = 4 …).
 */
export function internalRequestSizeBytes(op: Omit<Proposal, "origin" | "id">, requestIdBytes: number): number {
  let bodyBytes: number;
  if (op.put !== undefined) bodyBytes = protoSizeBytes("PutRequest", op.put);
  else if (op.deleteRange !== undefined) bodyBytes = protoSizeBytes("DeleteRangeRequest", op.deleteRange);
  else if (op.txn !== undefined) bodyBytes = protoSizeBytes("TxnRequest", op.txn);
  else if (op.compaction !== undefined) bodyBytes = protoSizeBytes("CompactionRequest", op.compaction);
  else if (op.member !== undefined) bodyBytes = 64 + JSON.stringify([op.member.peerURLs, op.member.clientURLs]).length;
  else if (op.leaseGrant !== undefined || op.leaseRevoke !== undefined) bodyBytes = 22; // two int64 fields at most
  else if (op.leaseCheckpoints !== undefined) bodyBytes = 24 * op.leaseCheckpoints.length;
  else if (op.auth !== undefined) bodyBytes = 64 + protoSizeBytes(op.auth.kind, op.auth.request) + (op.auth.hash?.length ?? 0);
  else if (op.alarm !== undefined) bodyBytes = 24; // AlarmRequest: action, member id, type
  else throw new Error("internalRequestSizeBytes: no operation");
  const headerBytes = 1 + requestIdBytes; // RequestHeader{ID}
  return 2 + varintSizeBytes(headerBytes) + headerBytes + 1 + varintSizeBytes(bodyBytes) + bodyBytes;
}

/** True when some entry is a client write (not a no-op or a membership change). */
export function carriesWrites(entries: Entry[]): boolean {
  return entries.some((e) => e.type === EntryType.Normal && e.data.byteLength > 0);
}

/** Throws a validation error, if any. */
export function throwIf(error: EtcdError | undefined): void {
  if (error !== undefined) throw error;
}

/** True when no branch of the txn (nested ones included) writes. */
export function isReadOnlyTxn(req: TxnRequest): boolean {
  for (const op of [...(req.success ?? []), ...(req.failure ?? [])]) {
    if (op.request_put !== undefined || op.request_delete_range !== undefined) return false;
    if (op.request_txn !== undefined && !isReadOnlyTxn(op.request_txn)) return false;
  }
  return true;
}

/** True when every read of the txn (nested ones included) is serializable. */
export function allSerializable(req: TxnRequest): boolean {
  for (const op of [...(req.success ?? []), ...(req.failure ?? [])]) {
    if (op.request_range !== undefined && op.request_range.serializable !== true) return false;
    if (op.request_txn !== undefined && !allSerializable(op.request_txn)) return false;
  }
  return true;
}
