/**
 * Linearizable reads on the leader (ReadIndex): a read records the commit index and is answered once a
 * quorum acks a heartbeat carrying its context, which proves we were still the leader at that index.
 * Reads that arrive before this leader committed an entry of its own term wait in
 * `pendingReadIndexMessages`, since until then our commit index may lag the cluster's.
 * @module
 */
import { EMPTY, type RaftCore } from "./core.ts";
import { newMessage } from "./messages.ts";
import { majority } from "./quorum.ts";
import { bcastHeartbeat } from "./replication.ts";
import { type Message, MessageType, NONE, type NodeId, ProposalError } from "./types.ts";

/** A ReadIndex request stepped on the leader (local, or forwarded by a follower). */
export function leaderReadIndex(r: RaftCore, m: Message): ProposalError | undefined {
  if (r.prs.isSingleton()) {
    respondToRead(r, m, r.log.committed);
    return undefined;
  }
  if (!r.committedEntryInCurrentTerm()) {
    // Our commit index may lag the true one until our first entry commits: hold the read until then.
    if (r.pendingReadIndexMessages.length >= r.maxPendingReadIndex) return ProposalError.TooManyReads;
    r.pendingReadIndexMessages.push(m);
    return undefined;
  }
  return startRead(r, m);
}

function startRead(r: RaftCore, m: Message): ProposalError | undefined {
  const ctx = m.context ?? EMPTY;
  if (!r.readOnly.addRequest(r.log.committed, m, ctx)) return ProposalError.TooManyReads;
  r.readOnly.recvAck(r.id, ctx);
  bcastHeartbeat(r, ctx);
  return undefined;
}

/** Starts the held reads once an entry of our term is committed (call after the commit index moved). */
export function releasePendingReadIndexMessages(r: RaftCore): void {
  if (r.pendingReadIndexMessages.length === 0 || !r.committedEntryInCurrentTerm()) return;
  const queued = r.pendingReadIndexMessages;
  r.pendingReadIndexMessages = [];
  for (const m of queued) startRead(r, m);
}

/** Counts a heartbeat ack carrying `ctx` from `from`; answers every read it confirms once a quorum acked. */
export function recvReadAck(r: RaftCore, from: NodeId, ctx: Uint8Array): void {
  const acks = r.readOnly.recvAck(from, ctx);
  if (acks === undefined) return;
  let granted = 0;
  for (const id of r.prs.voters) if (acks.has(id)) granted++;
  if (granted < majority(r.prs.voters.length)) return;
  for (const rs of r.readOnly.advance(ctx)) respondToRead(r, rs.req, rs.index);
}

function respondToRead(r: RaftCore, req: Message, index: number): void {
  const ctx = req.context ?? EMPTY;
  if (req.from === NONE || req.from === r.id) {
    r.readStates.push({ index, requestCtx: ctx });
    return;
  }
  const resp = newMessage(MessageType.ReadIndexResp, req.from);
  resp.index = index;
  resp.context = ctx;
  r.send(resp);
}
