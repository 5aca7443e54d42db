/**
 * Membership: applying a committed ConfChange, switching the tracker to a new configuration (a leader
 * that is removed or demoted steps down), and a founder's bootstrap entries.
 * @module
 */
import { encodeConfChange } from "./confchange.ts";
import type { RaftCore } from "./core.ts";
import { releasePendingReadIndexMessages } from "./read_index.ts";
import { becomeFollower } from "./roles.ts";
import {
  type ConfChange,
  ConfChangeType,
  type ConfState,
  type Entry,
  EntryType,
  NONE,
  type NodeId,
  StateRole,
} from "./types.ts";

/** Applies a committed ConfChange entry and returns the new ConfState. */
export function applyConfChange(r: RaftCore, cc: ConfChange): ConfState {
  const id = cc.nodeId;
  let voters = r.prs.voters;
  let learners = r.prs.learners;
  switch (cc.type) {
    case ConfChangeType.AddNode:
      if (!voters.includes(id)) voters = [...voters, id];
      learners = learners.filter((x) => x !== id);
      break;
    case ConfChangeType.AddLearnerNode:
      voters = voters.filter((x) => x !== id);
      if (!learners.includes(id)) learners = [...learners, id];
      break;
    case ConfChangeType.RemoveNode:
      voters = voters.filter((x) => x !== id);
      learners = learners.filter((x) => x !== id);
      break;
    default:
      throw new Error(`raft: unknown conf change type ${cc.type as number}`);
  }
  // Applying a change that is already in effect (e.g. the founding entries) changes nothing.
  if (voters === r.prs.voters && learners === r.prs.learners) return r.prs.confState();
  return switchToConfig(r, { voters, learners });
}

/** Makes `cs` the configuration (from a conf change or a restored snapshot). */
export function switchToConfig(r: RaftCore, cs: ConfState): ConfState {
  r.prs.setConfig(cs, r.log.lastIndex() + 1);
  r.isLearner = r.prs.learners.includes(r.id);
  if (r.role !== StateRole.Leader) return r.prs.confState();
  if (!r.prs.progress.has(r.id) || r.isLearner) {
    stepDownAfterRemoval(r);
    return r.prs.confState();
  }
  if (r.maybeCommit()) releasePendingReadIndexMessages(r);
  // Commit may have moved, and new members need probing.
  r.pendingBroadcast = true;
  if (r.leadTransferee !== NONE && !r.prs.isVoter(r.leadTransferee)) r.abortLeaderTransfer();
  return r.prs.confState();
}

/** We were removed (or demoted) while leading: hand over to an up-to-date voter if any, and step down. */
function stepDownAfterRemoval(r: RaftCore): void {
  const last = r.log.lastIndex();
  let successor: NodeId = NONE;
  for (const id of r.prs.voters) {
    if (r.prs.progress.get(id)?.match === last) {
      successor = id;
      break;
    }
  }
  if (successor !== NONE) r.sendTimeoutNow(successor);
  becomeFollower(r, r.term, NONE);
}

/**
 * A founding member's first start (empty log at index 0, zero hard state, a non-empty ConfState): write
 * the founding configuration into the log as committed ConfChange entries at term 1, ids in ascending
 * order, as etcd's Bootstrap does. Every founder writes the same entries, and a member that joins later
 * learns the founders by replaying the log from index 1.
 */
export function bootstrapLog(r: RaftCore): void {
  const ascending = (a: NodeId, b: NodeId): number => (a < b ? -1 : a > b ? 1 : 0);
  const changes: ConfChange[] = [
    ...[...r.prs.voters].sort(ascending).map((nodeId) => ({ type: ConfChangeType.AddNode, nodeId })),
    ...[...r.prs.learners].sort(ascending).map((nodeId) => ({ type: ConfChangeType.AddLearnerNode, nodeId })),
  ];
  const entries = changes.map((cc, i): Entry => ({
    term: 1,
    index: i + 1,
    type: EntryType.ConfChange,
    data: encodeConfChange(cc),
  }));
  r.log.append(entries);
  r.log.commitTo(entries.length);
  r.term = 1;
}
