/**
 * Proposals on the leader: admission (leader transfer, one conf change at a time, the uncommitted-size
 * budget), numbering in our term, and the append to our own log. Sending is left to `flushBroadcast`.
 * @module
 */
import { admitConfChange, decodeConfChange } from "./confchange.ts";
import { payloadBytes, type RaftCore } from "./core.ts";
import { releasePendingReadIndexMessages } from "./read_index.ts";
import { type Entry, EntryType, NONE, ProposalError } from "./types.ts";

/** A local proposal of one entry; `force` skips the check that the new quorum is recently active. */
export function proposeAsLeader(
  r: RaftCore,
  type: EntryType,
  data: Uint8Array,
  force: boolean,
): ProposalError | undefined {
  if (!r.prs.progress.has(r.id)) return ProposalError.NoLeader;
  if (r.leadTransferee !== NONE) return ProposalError.Transferring;
  if (type === EntryType.ConfChange) {
    const err = checkConfChange(r, data, force);
    if (err !== undefined) return err;
  }
  if (!r.increaseUncommittedSize(data.byteLength)) return ProposalError.TooLarge;
  const index = r.log.lastIndex() + 1;
  r.log.append([{ term: r.term, index, type, data }]);
  if (type === EntryType.ConfChange) r.pendingConfIndex = index;
  afterLeaderAppend(r, index);
  return undefined;
}

/** A MsgProp stepped on the leader (forwarded by a follower): all of its entries or none. */
export function proposeEntriesAsLeader(r: RaftCore, entries: Entry[]): ProposalError | undefined {
  if (entries.length === 0) throw new Error("raft: stepped empty MsgProp");
  if (!r.prs.progress.has(r.id)) return ProposalError.NoLeader;
  if (r.leadTransferee !== NONE) return ProposalError.Transferring;
  let pendingConf = r.pendingConfIndex;
  const last = r.log.lastIndex();
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    if (e.type !== EntryType.ConfChange) continue;
    // A forwarded batch is all or nothing, and never forced.
    if (pendingConf > r.log.applied) return ProposalError.ConfChangePending;
    let err: ProposalError | undefined;
    try {
      err = checkConfChange(r, e.data, false);
    } catch {
      return undefined; // malformed conf change from a peer: drop it
    }
    if (err !== undefined) return err;
    pendingConf = last + 1 + i;
  }
  if (!r.increaseUncommittedSize(payloadBytes(entries))) return ProposalError.TooLarge;
  r.pendingConfIndex = pendingConf;
  appendEntries(r, entries);
  return undefined;
}

/** Appends copies of `entries` numbered in our term (copies: a forwarded message may be delivered twice). */
export function appendEntries(r: RaftCore, entries: Entry[]): void {
  const last = r.log.lastIndex();
  const numbered = new Array<Entry>(entries.length);
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    numbered[i] = { term: r.term, index: last + 1 + i, type: e.type, data: e.data };
  }
  afterLeaderAppend(r, r.log.append(numbered));
}

function afterLeaderAppend(r: RaftCore, lastIndex: number): void {
  r.prs.progress.get(r.id)!.maybeUpdate(lastIndex);
  // Only a single voter can commit on its own append: otherwise a follower must ack first.
  if (r.prs.isSingleton() && r.maybeCommit()) releasePendingReadIndexMessages(r);
  r.pendingBroadcast = true;
}

function checkConfChange(r: RaftCore, data: Uint8Array, force: boolean): ProposalError | undefined {
  if (r.pendingConfIndex > r.log.applied) return ProposalError.ConfChangePending;
  return admitConfChange(decodeConfChange(data), {
    self: r.id,
    tracker: r.prs,
    committed: r.log.committed,
    lastIndex: r.log.lastIndex(),
    force,
  });
}
