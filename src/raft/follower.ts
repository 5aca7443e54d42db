/**
 * The follower's and the (pre-)candidate's side of `step`: forwarding proposals, reads and transfer
 * requests to the leader, accepting appends, heartbeats and snapshots, and counting votes.
 * @module
 */
import { EMPTY, type RaftCore } from "./core.ts";
import { campaign, hup, poll } from "./election.ts";
import { switchToConfig } from "./membership.ts";
import { newMessage } from "./messages.ts";
import { VoteResult } from "./progress.ts";
import { becomeFollower, becomeLeader } from "./roles.ts";
import { type Message, MessageType, NONE, ProposalError, type Snapshot, StateRole } from "./types.ts";

/** Handles a message of our term (or a local one) while following. */
export function stepFollower(r: RaftCore, m: Message): ProposalError | undefined {
  switch (m.type) {
    case MessageType.Prop:
    case MessageType.ReadIndex:
      return forwardToLeader(r, m);
    case MessageType.App:
    case MessageType.Heartbeat:
    case MessageType.Snap:
      r.electionElapsed = 0;
      r.lead = m.from;
      handleFromLeader(r, m);
      return undefined;
    case MessageType.TransferLeader: {
      if (r.lead === NONE) return undefined;
      const fwd = newMessage(MessageType.TransferLeader, r.lead);
      fwd.from = m.from;
      r.send(fwd);
      return undefined;
    }
    case MessageType.TimeoutNow:
      // Leader transfer: campaign at once, without pre-vote, overriding the others' leader lease.
      hup(r, "transfer");
      return undefined;
    case MessageType.ReadIndexResp:
      r.readStates.push({ index: m.index, requestCtx: m.context ?? EMPTY });
      return undefined;
  }
  return undefined;
}

/** Handles a message of our term (or a local one) while a candidate or pre-candidate. */
export function stepCandidate(r: RaftCore, m: Message): ProposalError | undefined {
  const myVoteResp = r.role === StateRole.PreCandidate ? MessageType.PreVoteResp : MessageType.VoteResp;
  switch (m.type) {
    case MessageType.Prop:
      return ProposalError.NoLeader;
    case MessageType.ReadIndex:
      return ProposalError.NoLeader;
    case MessageType.App:
    case MessageType.Heartbeat:
    case MessageType.Snap:
      // A leader of this term exists: stop campaigning and follow it.
      becomeFollower(r, m.term, m.from);
      handleFromLeader(r, m);
      return undefined;
  }
  if (m.type === myVoteResp) {
    const result = poll(r, m.from, !m.reject);
    if (result === VoteResult.Won) {
      if (r.role === StateRole.PreCandidate) campaign(r, "election");
      else becomeLeader(r);
    } else if (result === VoteResult.Lost) {
      becomeFollower(r, r.term, NONE);
    }
  }
  return undefined;
}

/** A proposal or read on a follower goes to the leader; with no leader known the caller hears it at once. */
function forwardToLeader(r: RaftCore, m: Message): ProposalError | undefined {
  if (r.lead === NONE) return ProposalError.NoLeader;
  const fwd = newMessage(m.type, r.lead);
  if (m.type === MessageType.Prop) fwd.entries = m.entries;
  else fwd.context = m.context;
  r.send(fwd);
  return undefined;
}

/** An App, Heartbeat or Snap from the leader of our term. */
function handleFromLeader(r: RaftCore, m: Message): void {
  if (m.type === MessageType.App) handleAppendEntries(r, m);
  else if (m.type === MessageType.Heartbeat) handleHeartbeat(r, m);
  else handleSnapshot(r, m);
}

function handleAppendEntries(r: RaftCore, m: Message): void {
  if (m.index < r.log.committed) {
    const resp = newMessage(MessageType.AppResp, m.from);
    resp.index = r.log.committed;
    r.send(resp);
    return;
  }
  const lastNew = r.log.maybeAppend(m.index, m.logTerm, m.commit, m.entries);
  const resp = newMessage(MessageType.AppResp, m.from);
  if (lastNew >= 0) {
    resp.index = lastNew;
    r.send(resp);
    return;
  }
  // Reject with a hint: the largest index <= min(m.index, our last) whose term is <= the leader's prev
  // term. The leader skips every entry of a conflicting term in one round trip.
  let hintIndex = Math.min(m.index, r.log.lastIndex());
  hintIndex = r.log.findConflictByTerm(hintIndex, m.logTerm);
  const hintTerm = r.log.term(hintIndex);
  resp.index = m.index;
  resp.reject = true;
  resp.rejectHint = hintIndex;
  resp.logTerm = hintTerm === -1 ? 0 : hintTerm;
  r.send(resp);
}

function handleHeartbeat(r: RaftCore, m: Message): void {
  r.log.commitTo(Math.min(m.commit, r.log.lastIndex()));
  const resp = newMessage(MessageType.HeartbeatResp, m.from);
  resp.context = m.context;
  r.send(resp);
}

function handleSnapshot(r: RaftCore, m: Message): void {
  const resp = newMessage(MessageType.AppResp, m.from);
  if (m.snapshot !== undefined && restore(r, m.snapshot)) resp.index = r.log.lastIndex();
  else resp.index = r.log.committed;
  r.send(resp);
}

/** Restores from a leader's snapshot if it is newer than our commit; returns whether it did. */
function restore(r: RaftCore, s: Snapshot): boolean {
  const meta = s.metadata;
  if (meta.index <= r.log.committed) return false;
  if (r.role !== StateRole.Follower) {
    // Defensive: only a follower restores. Step down into the next term rather than restore.
    becomeFollower(r, r.term + 1, NONE);
    return false;
  }
  const cs = meta.confState;
  if (!cs.voters.includes(r.id) && !cs.learners.includes(r.id)) return false;
  if (r.log.matchTerm(meta.index, meta.term)) {
    // We already have the entry: just fast-forward the commit index.
    r.log.commitTo(meta.index);
    return false;
  }
  r.log.restore(s);
  switchToConfig(r, { voters: [...cs.voters], learners: [...cs.learners] });
  return true;
}
