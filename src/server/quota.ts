/**
 * What a raised alarm refuses at apply, and what a write costs against --quota-backend-bytes. Pure.
 *
 * etcd 3.4 swaps its applier while an alarm is raised: under NOSPACE (its "capped" applier) puts, txns
 * that put and lease grants fail with "database space exceeded"; under CORRUPT every write the applier
 * sees fails with "corrupt cluster" (put, delete, txn, compaction, lease grant and revoke). Reads never reach
 * that applier, so they are served under both. The decision reads only the entry and the replicated alarm
 * list, so every member answers an entry alike, even one proposed just before the alarm committed.
 *
 * With both alarms raised, CORRUPT answers: that is etcd's order after a restart (it re-wraps its applier in
 * the order each alarm was raised while it runs; a restart settles on this one).
 * @module
 */
import { type EtcdError, Errors } from "../codec/errors.ts";
import type { PutRequest, RequestOp, TxnRequest } from "../codec/messages.ts";
import type { Proposal } from "./proposal.ts";

/** etcd's estimate of a key's metadata in its backend (kvOverhead). */
export const KV_OVERHEAD_BYTES = 256;
/** etcd's estimate of a stored lease (leaseOverhead). */
export const LEASE_OVERHEAD_BYTES = 64;

/** Which alarms are raised, by type, anywhere in the cluster. */
export interface RaisedAlarms {
  noSpace: boolean;
  corrupt: boolean;
}

/** No alarm raised. */
export const NO_ALARMS: Readonly<RaisedAlarms> = Object.freeze({ noSpace: false, corrupt: false });

/** A put's cost: etcd's overhead plus its key and value. */
export function putCostBytes(req: PutRequest): number {
  return KV_OVERHEAD_BYTES + req.key.byteLength + (req.value?.byteLength ?? 0);
}

function branchCostBytes(ops: RequestOp[] | undefined): number {
  let costBytes = 0;
  for (const op of ops ?? []) {
    // As etcd 3.4's costTxnReq: only a put directly in the branch counts; a nested txn's puts do not.
    if (op.request_put !== undefined) costBytes += putCostBytes(op.request_put);
  }
  return costBytes;
}

/** A txn's cost: its costlier branch (only one of them runs). Zero for a txn that puts nothing directly. */
export function txnCostBytes(req: TxnRequest): number {
  return Math.max(branchCostBytes(req.success), branchCostBytes(req.failure));
}

/**
 * What a proposal costs against the quota; 0 for the writes the quota never refuses (deletes, compaction,
 * lease revoke, auth, alarms, membership). Positive for every put and lease grant.
 */
export function proposalCostBytes(p: Omit<Proposal, "origin" | "id">): number {
  if (p.put !== undefined) return putCostBytes(p.put);
  if (p.txn !== undefined) return txnCostBytes(p.txn);
  if (p.leaseGrant !== undefined) return LEASE_OVERHEAD_BYTES;
  return 0;
}

/** True for the writes etcd 3.4's corrupt applier refuses. */
function refusedUnderCorrupt(p: Proposal): boolean {
  return p.put !== undefined || p.deleteRange !== undefined || p.txn !== undefined || p.compaction !== undefined ||
    p.leaseGrant !== undefined || p.leaseRevoke !== undefined;
}

/** True for the writes etcd 3.4's capped applier refuses (a txn only when it puts). */
function refusedUnderNoSpace(p: Proposal): boolean {
  return p.put !== undefined || p.leaseGrant !== undefined || (p.txn !== undefined && txnCostBytes(p.txn) > 0);
}

/**
 * The error a committed proposal is answered with, instead of being applied, while `raised` alarms are up;
 * undefined when it applies as usual.
 */
export function alarmRefusal(p: Proposal, raised: Readonly<RaisedAlarms>): EtcdError | undefined {
  if (raised.corrupt && refusedUnderCorrupt(p)) return Errors.corrupt();
  if (raised.noSpace && refusedUnderNoSpace(p)) return Errors.noSpace();
  return undefined;
}
