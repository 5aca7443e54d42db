/**
 * The leader's side of `step` and `tick`: heartbeats and check-quorum, proposals and reads, follower
 * responses (which advance progress and the commit index), and leader transfer.
 * @module
 */
import type { RaftCore } from "./core.ts";
import { type Progress, ProgressState } from "./progress.ts";
import { proposeEntriesAsLeader } from "./propose.ts";
import { leaderReadIndex, recvReadAck, releasePendingReadIndexMessages } from "./read_index.ts";
import { bcastHeartbeat, maybeSendAppend } from "./replication.ts";
import { becomeFollower } from "./roles.ts";
import { type Message, MessageType, NONE, type NodeId, type ProposalError, StateRole } from "./types.ts";

/** A leader's tick: heartbeats every heartbeat timeout; check-quorum and transfer expiry every election timeout. */
export function tickHeartbeat(r: RaftCore): void {
  r.heartbeatElapsed++;
  r.electionElapsed++;
  if (r.electionElapsed >= r.electionTimeout) {
    r.electionElapsed = 0;
    if (r.checkQuorum) checkQuorum(r);
    // A transfer that did not finish within an election timeout is abandoned.
    if (r.role === StateRole.Leader && r.leadTransferee !== NONE) r.abortLeaderTransfer();
  }
  if (r.role !== StateRole.Leader) return;
  if (r.heartbeatElapsed >= r.heartbeatTimeout) {
    r.heartbeatElapsed = 0;
    bcastHeartbeat(r, r.readOnly.lastPendingContext());
  }
}

/** Steps down unless a quorum was active since the last check; then starts the next period. */
function checkQuorum(r: RaftCore): void {
  if (!r.prs.quorumActive(r.id)) {
    becomeFollower(r, r.term, NONE);
    return;
  }
  for (const [id, pr] of r.prs.progress) if (id !== r.id) pr.recentActive = false;
}

/** Handles a message of our term (or a local one) while leading. */
export function stepLeader(r: RaftCore, m: Message): ProposalError | undefined {
  switch (m.type) {
    case MessageType.Beat:
      bcastHeartbeat(r, r.readOnly.lastPendingContext());
      return undefined;
    case MessageType.CheckQuorum:
      checkQuorum(r);
      return undefined;
    case MessageType.Prop:
      return proposeEntriesAsLeader(r, m.entries);
    case MessageType.ReadIndex:
      return leaderReadIndex(r, m);
  }
  const pr = r.prs.progress.get(m.from);
  if (pr === undefined) return undefined;
  switch (m.type) {
    case MessageType.AppResp:
      handleAppendResponse(r, m, pr);
      break;
    case MessageType.HeartbeatResp:
      handleHeartbeatResponse(r, m, pr);
      break;
    case MessageType.SnapStatus:
      if (pr.state !== ProgressState.Snapshot) break;
      if (m.reject) pr.pendingSnapshot = 0;
      pr.becomeProbe();
      // Wait for a heartbeat response before probing again, whether it worked or not.
      pr.probeSent = true;
      break;
    case MessageType.Unreachable:
      // Optimistic sends were probably lost: fall back to one probe at a time.
      if (pr.state === ProgressState.Replicate) pr.becomeProbe();
      break;
    case MessageType.TransferLeader:
      handleTransferLeader(r, m.from, pr);
      break;
  }
  return undefined;
}

function handleAppendResponse(r: RaftCore, m: Message, pr: Progress): void {
  pr.recentActive = true;
  if (m.reject) {
    // Fast backtracking: the follower's hint (index, term) tells where its log may match ours.
    let nextProbeIndex = m.rejectHint;
    if (m.logTerm > 0) nextProbeIndex = r.log.findConflictByTerm(m.rejectHint, m.logTerm);
    if (pr.maybeDecrTo(m.index, nextProbeIndex)) {
      if (pr.state === ProgressState.Replicate) pr.becomeProbe();
      maybeSendAppend(r, m.from, pr, true);
    }
    return;
  }
  // No correct follower acks an entry this leader never had (acks from older terms were dropped before
  // here): such an ack is a lie from the wire, and taking it would point `next` past the log.
  if (m.index > r.log.lastIndex()) return;
  const wasPaused = pr.isPaused();
  if (!pr.maybeUpdate(m.index)) return;
  if (pr.state === ProgressState.Probe) {
    pr.becomeReplicate();
  } else if (pr.state === ProgressState.Snapshot && pr.match >= pr.pendingSnapshot) {
    pr.becomeProbe();
    pr.becomeReplicate();
  } else if (pr.state === ProgressState.Replicate) {
    pr.inflights.freeLE(m.index);
  }
  if (r.maybeCommit()) {
    releasePendingReadIndexMessages(r);
    r.pendingBroadcast = true;
  } else if (wasPaused) {
    maybeSendAppend(r, m.from, pr, true);
  }
  // Pipelining: keep the window full while there is something to send.
  while (maybeSendAppend(r, m.from, pr, false)) { /* bounded by the in-flight window */ }
  if (m.from === r.leadTransferee && pr.match === r.log.lastIndex()) r.sendTimeoutNow(m.from);
}

function handleHeartbeatResponse(r: RaftCore, m: Message, pr: Progress): void {
  pr.recentActive = true;
  pr.probeSent = false;
  // The follower is alive: let one more optimistic App go if the window is full.
  if (pr.state === ProgressState.Replicate && pr.inflights.full()) pr.inflights.freeFirstOne();
  if (pr.match < r.log.lastIndex()) maybeSendAppend(r, m.from, pr, true);
  if (m.context === undefined) return;
  recvReadAck(r, m.from, m.context);
}

function handleTransferLeader(r: RaftCore, target: NodeId, pr: Progress): void {
  if (pr.isLearner) return;
  if (r.leadTransferee !== NONE) {
    if (r.leadTransferee === target) return;
    r.abortLeaderTransfer();
  }
  if (target === r.id) return;
  // The transfer must finish within one election timeout.
  r.electionElapsed = 0;
  r.leadTransferee = target;
  if (pr.match === r.log.lastIndex()) r.sendTimeoutNow(target);
  else maybeSendAppend(r, target, pr, true);
}
