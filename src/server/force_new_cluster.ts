/**
 * `--force-new-cluster`: a member restarts from its data dir as a one-member cluster, to recover a cluster
 * that lost its quorum for good. As etcd's, the new membership is written as Raft entries: one RemoveNode
 * per other member, appended after the log and committed, so they apply on this member at start (registry
 * and core alike) and every member added later learns them from the log like any other membership change.
 *
 * Where it differs from etcd (restartAsStandaloneNode): etcd discards the entries past the stored commit
 * index. Here they are kept and committed with the new ones: the commit index is written without a sync,
 * so a write the old cluster acknowledged may lie past the stored one, and this member is now the only
 * copy of it. The price is that an entry the old cluster never committed (its client saw a timeout) may
 * take effect; a timed-out request's outcome was unknown to its client anyway.
 *
 * A learner forced this way is promoted by one more entry (AddNode of itself): a cluster of one learner
 * could never elect a leader.
 *
 * Runs before the Raft core starts; on a data dir that already is a one-member cluster it appends nothing.
 * @module
 */
import {
  type ConfChange,
  ConfChangeType,
  decodeConfChange,
  encodeConfChange,
  type Entry,
  EntryType,
  NONE,
  type NodeId,
  type Ready,
} from "../raft/mod.ts";
import type { SqlDatabase } from "../storage/adapter.ts";
import type { SqliteRaftLog } from "../storage/raft_log.ts";
import { idHex } from "./ids.ts";

/** What the rewrite did (for the start-up log and tests). */
export interface ForcedCluster {
  /** The members whose RemoveNode entries were appended. */
  removed: NodeId[];
  /** True when this member was a learner and an AddNode entry promotes it. */
  promoted: boolean;
  /** The stored commit index before, and the commit index now (the new last entry). */
  commitBefore: number;
  commitAfter: number;
}

/** Entries read per step while scanning the log's unapplied tail for membership changes. */
const SCAN_BATCH_BYTES = 16 * 1024 * 1024;
/** Bound on the scan's steps (each step reads at least one entry). */
const MAX_SCAN_STEPS = 10_000_000;

/**
 * Rewrites the membership of the log in `log` (stored in `db`) to `self` alone and commits every entry.
 * Throws when `self` is not a member of its own log's membership (the data dir is not this member's).
 */
export function forceNewCluster(log: SqliteRaftLog, db: SqlDatabase, self: NodeId): ForcedCluster {
  const { hardState } = log.initialState();
  const members = membersAtEnd(log);
  const role = members.get(self);
  if (role === undefined) {
    throw new Error(`--force-new-cluster: member ${idHex(self)} is not in the membership its data dir holds`);
  }
  const last = log.lastIndex();
  // A log that never saw an election has term 0; entries need a term, and a new term forgets the vote.
  const term = Math.max(hardState.term, 1);
  const removed = [...members.keys()].filter((id) => id !== self).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const changes: ConfChange[] = removed.map((nodeId) => ({ type: ConfChangeType.RemoveNode, nodeId }));
  const promoted = role === "learner";
  if (promoted) changes.push({ type: ConfChangeType.AddNode, nodeId: self });
  const entries: Entry[] = changes.map((change, i) => ({
    index: last + 1 + i,
    term,
    type: EntryType.ConfChange,
    data: encodeConfChange(change),
  }));
  const commitAfter = last + entries.length;
  const ready: Ready = {
    hardState: { term, vote: term === hardState.term ? hardState.vote : NONE, commit: commitAfter },
    entries,
    committedEntries: [],
    messages: [],
    readStates: [],
    mustSync: true,
  };
  db.transaction(() => log.stage(ready));
  log.accept(ready);
  return { removed, promoted, commitBefore: hardState.commit, commitAfter };
}

/**
 * The membership once every entry of the log has applied: the applied one, folded with the membership
 * changes still unapplied. A change that does not decode changes nothing, as when it is applied.
 */
function membersAtEnd(log: SqliteRaftLog): Map<NodeId, Role> {
  const conf = log.confState();
  const members = new Map<NodeId, Role>();
  for (const id of conf.voters) members.set(id, "voter");
  for (const id of conf.learners) members.set(id, "learner");
  const last = log.lastIndex();
  let next = log.applied() + 1;
  for (let step = 0; next <= last; step++) {
    if (step >= MAX_SCAN_STEPS) throw new Error("--force-new-cluster: log scan did not end");
    const batch = log.entries(next, last + 1, SCAN_BATCH_BYTES);
    for (const entry of batch) {
      if (entry.type === EntryType.ConfChange) foldChange(members, entry.data);
    }
    next += batch.length;
  }
  return members;
}

type Role = "voter" | "learner";

function foldChange(members: Map<NodeId, Role>, data: Uint8Array): void {
  let change;
  try {
    change = decodeConfChange(data);
  } catch {
    return;
  }
  if (change.type === ConfChangeType.RemoveNode) members.delete(change.nodeId);
  else members.set(change.nodeId, change.type === ConfChangeType.AddLearnerNode ? "learner" : "voter");
}
