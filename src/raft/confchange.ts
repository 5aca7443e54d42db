/**
 * Membership changes: the byte form of a `ConfChange` carried in a ConfChange log entry
 * (`[version u8 = 1][type u8][nodeId u64 big-endian][context length u32 big-endian][context bytes]`), and the
 * leader's admission rules for a proposed change.
 * @module
 */
import type { ProgressTracker } from "./progress.ts";
import { majority } from "./quorum.ts";
import { type ConfChange, ConfChangeType, type NodeId, ProposalError } from "./types.ts";

const VERSION = 1;
const HEADER_BYTES = 1 + 1 + 8 + 4;
const MAX_NODE_ID = (1n << 64n) - 1n;

/** Encodes a membership change for the data of a ConfChange entry. */
export function encodeConfChange(cc: ConfChange): Uint8Array {
  if (cc.nodeId < 0n || cc.nodeId > MAX_NODE_ID) throw new Error(`raft: node id ${cc.nodeId} out of range`);
  const context = cc.context ?? new Uint8Array(0);
  const out = new Uint8Array(HEADER_BYTES + context.byteLength);
  const view = new DataView(out.buffer);
  view.setUint8(0, VERSION);
  view.setUint8(1, cc.type);
  view.setBigUint64(2, cc.nodeId);
  view.setUint32(10, context.byteLength);
  out.set(context, HEADER_BYTES);
  return out;
}

/** Decodes the data of a ConfChange entry; throws on anything malformed. */
export function decodeConfChange(data: Uint8Array): ConfChange {
  if (data.byteLength < HEADER_BYTES) throw new Error("raft: conf change too short");
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (view.getUint8(0) !== VERSION) throw new Error(`raft: unknown conf change version ${view.getUint8(0)}`);
  const type = view.getUint8(1);
  if (type !== ConfChangeType.AddNode && type !== ConfChangeType.RemoveNode && type !== ConfChangeType.AddLearnerNode) {
    throw new Error(`raft: unknown conf change type ${type}`);
  }
  const nodeId = view.getBigUint64(2);
  const length = view.getUint32(10);
  if (HEADER_BYTES + length !== data.byteLength) throw new Error("raft: conf change length mismatch");
  const cc: ConfChange = { type, nodeId };
  if (length > 0) cc.context = data.slice(HEADER_BYTES);
  return cc;
}

/** A learner may be promoted once its match is at least this fraction of the leader's last index. */
const LEARNER_CAUGHT_UP_FRACTION = 0.9;

/** What the admission check needs to know about the leader. */
export interface AdmissionView {
  self: NodeId;
  tracker: ProgressTracker;
  committed: number;
  lastIndex: number;
  /** Skip the quorum check (the caller accepts the risk). */
  force: boolean;
}

/**
 * Whether the leader may propose `cc` now (one change at a time is checked by the caller):
 * promoting a learner needs it caught up (match at least the commit index, or 90% of the last index);
 * a change of voters needs, unless forced, at least a quorum of the new voter set recently active
 * (growing a single voter to two is always allowed: the new member cannot be active yet).
 */
export function admitConfChange(cc: ConfChange, view: AdmissionView): ProposalError | undefined {
  const { tracker } = view;
  const current = tracker.voters;
  let next = current.filter((id) => id !== cc.nodeId);
  if (cc.type === ConfChangeType.AddNode) {
    next = current.includes(cc.nodeId) ? current : [...next, cc.nodeId];
    const pr = tracker.progress.get(cc.nodeId);
    const caughtUp = pr !== undefined &&
      (pr.match >= view.committed || pr.match >= LEARNER_CAUGHT_UP_FRACTION * view.lastIndex);
    if (pr !== undefined && pr.isLearner && !caughtUp) return ProposalError.NotLearnerCaughtUp;
  }
  const unchanged = next.length === current.length && next.every((id) => current.includes(id));
  if (view.force || unchanged) return undefined;
  if (current.length === 1 && cc.type === ConfChangeType.AddNode) return undefined;
  let active = 0;
  for (const id of next) {
    if (id === view.self || tracker.progress.get(id)?.recentActive === true) active++;
  }
  return active < majority(next.length) ? ProposalError.WouldLoseQuorum : undefined;
}
