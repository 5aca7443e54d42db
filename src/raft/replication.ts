/**
 * Leader-side sending: appends (or a snapshot when the log no longer has what a follower needs) and
 * heartbeats, paced by each follower's `Progress` (probe one at a time, pipeline within the in-flight
 * window, or wait for a snapshot). Appends of new proposals are coalesced and sent by `flushBroadcast`.
 * @module
 */
import type { RaftCore } from "./core.ts";
import { newMessage } from "./messages.ts";
import { type Progress, ProgressState } from "./progress.ts";
import { MessageType, type NodeId, StateRole } from "./types.ts";

/** Sends what the coalesced appends left pending: to each follower, as much as its window allows. */
export function flushBroadcast(r: RaftCore): void {
  if (!r.pendingBroadcast) return;
  r.pendingBroadcast = false;
  if (r.role !== StateRole.Leader) return;
  for (const [id, pr] of r.prs.progress) {
    if (id === r.id) continue;
    if (!maybeSendAppend(r, id, pr, true)) continue;
    while (pr.state === ProgressState.Replicate && maybeSendAppend(r, id, pr, false)) { /* window-bounded */ }
  }
}

/**
 * Sends a heartbeat to every other member; `ctx` is the newest pending read's context, if any. Heartbeat
 * coalescing: without a read to confirm, a follower replicating normally that was sent an App since the
 * last round is skipped — that App did a heartbeat's work. (A paused or probing follower always gets one:
 * its response is what resumes replication.)
 */
export function bcastHeartbeat(r: RaftCore, ctx: Uint8Array | undefined): void {
  for (const [id, pr] of r.prs.progress) {
    if (id === r.id) continue;
    const coalesced = ctx === undefined && pr.appendSinceHeartbeat && pr.state === ProgressState.Replicate &&
      !pr.isPaused();
    pr.appendSinceHeartbeat = false;
    if (coalesced) continue;
    const m = newMessage(MessageType.Heartbeat, id);
    // Never tell a follower to commit beyond what it is known to have.
    m.commit = Math.min(pr.match, r.log.committed);
    m.context = ctx;
    r.send(m);
  }
}

/** Sends an App (or a snapshot) to `to` if its state allows; returns whether a message was sent. */
export function maybeSendAppend(r: RaftCore, to: NodeId, pr: Progress, sendIfEmpty: boolean): boolean {
  if (pr.isPaused()) return false;
  const prevIndex = pr.next - 1;
  const prevTerm = r.log.term(prevIndex);
  const ents = prevTerm === -1 ? undefined : r.log.entriesFrom(pr.next, r.maxMsgSizeBytes);
  if (ents === undefined) return maybeSendSnapshot(r, to, pr);
  if (ents.length === 0 && !sendIfEmpty) return false;
  const m = newMessage(MessageType.App, to);
  m.index = prevIndex;
  m.logTerm = prevTerm;
  m.entries = ents;
  m.commit = r.log.committed;
  r.send(m);
  pr.appendSinceHeartbeat = true;
  if (ents.length > 0) {
    if (pr.state === ProgressState.Replicate) {
      const last = ents[ents.length - 1]!.index;
      pr.optimisticUpdate(last);
      pr.inflights.add(last);
    } else if (pr.state === ProgressState.Probe) {
      pr.probeSent = true;
    } else {
      throw new Error(`raft: sending append in state ${pr.state}`);
    }
  }
  return true;
}

function maybeSendSnapshot(r: RaftCore, to: NodeId, pr: Progress): boolean {
  if (pr.next - 1 > r.log.lastIndex()) {
    throw new Error(`raft: progress of ${to} has next ${pr.next} beyond last index ${r.log.lastIndex()}`);
  }
  // Only to a member we heard from recently: a snapshot is big.
  if (!pr.recentActive) return false;
  const snapshot = r.log.storage.snapshot();
  if (snapshot.metadata.index === 0) throw new Error("raft: need a snapshot, but the storage has none");
  const m = newMessage(MessageType.Snap, to);
  m.snapshot = snapshot;
  r.send(m);
  pr.becomeSnapshot(snapshot.metadata.index);
  return true;
}
