/**
 * Role transitions: follower, pre-candidate, candidate, leader. Each (except the pre-candidate, which
 * takes no term) starts from `reset`, which clears everything that belongs to one term in one role.
 * @module
 */
import { EMPTY, type RaftCore } from "./core.ts";
import { Progress } from "./progress.ts";
import { appendEntries } from "./propose.ts";
import { ReadOnly } from "./read_only.ts";
import { EntryType, NONE, type NodeId, StateRole } from "./types.ts";

function reset(r: RaftCore, term: number): void {
  if (term < r.term) throw new Error(`raft: term would go back from ${r.term} to ${term}`);
  if (r.term !== term) {
    r.term = term;
    r.vote = NONE;
  }
  r.lead = NONE;
  r.electionElapsed = 0;
  r.heartbeatElapsed = 0;
  resetRandomizedElectionTimeout(r);
  r.abortLeaderTransfer();
  r.prs.resetVotes();
  const last = r.log.lastIndex();
  for (const [id, pr] of r.prs.progress) {
    const fresh = new Progress(last + 1, r.prs.maxInflightMsgs, pr.isLearner);
    if (id === r.id) fresh.match = last;
    r.prs.progress.set(id, fresh);
  }
  r.pendingConfIndex = 0;
  r.uncommittedSizeBytes = 0;
  r.readOnly = new ReadOnly(r.maxPendingReadIndex);
  r.pendingReadIndexMessages = [];
  r.pendingBroadcast = false;
}

function resetRandomizedElectionTimeout(r: RaftCore): void {
  const x = r.random();
  if (!(x >= 0 && x < 1)) throw new Error(`raft: config.random() returned ${x}, outside [0, 1)`);
  r.randomizedElectionTimeout = r.electionTimeout + Math.floor(x * r.electionTimeout);
}

export function becomeFollower(r: RaftCore, term: number, lead: NodeId): void {
  reset(r, term);
  r.lead = lead;
  r.role = StateRole.Follower;
}

export function becomeCandidate(r: RaftCore): void {
  if (r.role === StateRole.Leader) throw new Error("raft: invalid transition [leader -> candidate]");
  reset(r, r.term + 1);
  r.vote = r.id;
  r.role = StateRole.Candidate;
}

export function becomePreCandidate(r: RaftCore): void {
  if (r.role === StateRole.Leader) throw new Error("raft: invalid transition [leader -> pre-candidate]");
  // A pre-candidate changes neither term nor vote: a partitioned member cannot inflate terms.
  r.prs.resetVotes();
  r.lead = NONE;
  r.role = StateRole.PreCandidate;
}

export function becomeLeader(r: RaftCore): void {
  if (r.role === StateRole.Follower) throw new Error("raft: invalid transition [follower -> leader]");
  reset(r, r.term);
  r.lead = r.id;
  r.role = StateRole.Leader;
  r.prs.progress.get(r.id)!.becomeReplicate();
  r.prs.progress.get(r.id)!.recentActive = true;
  // Conservatively assume the log holds an unapplied conf change: none may be proposed before it is applied.
  r.pendingConfIndex = r.log.lastIndex();
  // ---- DELIBERATE BUG (test-only, config.bugs.commitPreviousTermByCounting) ----
  // Without the empty entry of its own term, the buggy leader commits old entries by counting (figure 8).
  if (r.bugCommitPreviousTerm) {
    r.pendingBroadcast = true;
    return;
  }
  // ---- END DELIBERATE BUG ----
  appendEntries(r, [{ term: 0, index: 0, type: EntryType.Normal, data: EMPTY }]);
  r.pendingBroadcast = true;
}
