/**
 * Elections: the election timer, campaigning (pre-vote first when configured, or at once for a leader
 * transfer), counting votes, and answering vote requests.
 * @module
 */
import type { RaftCore } from "./core.ts";
import { CAMPAIGN_TRANSFER, newMessage, voteResponseType } from "./messages.ts";
import { VoteResult } from "./progress.ts";
import { becomeCandidate, becomeLeader, becomePreCandidate } from "./roles.ts";
import { EntryType, type Message, MessageType, NONE, type NodeId, StateRole } from "./types.ts";

/** Bytes read per slice when scanning unapplied entries for a conf change. */
const SCAN_SLICE_BYTES = 1 << 20;

/** "pre": a pre-vote round; "election": a real one; "transfer": a real one that overrides leader leases. */
export type CampaignType = "pre" | "election" | "transfer";

/** A non-leader's tick: campaign once the randomized election timeout has passed without a leader. */
export function tickElection(r: RaftCore): void {
  r.electionElapsed++;
  if (promotable(r) && r.electionElapsed >= r.randomizedElectionTimeout) {
    r.electionElapsed = 0;
    hup(r, r.preVote ? "pre" : "election");
  }
}

function promotable(r: RaftCore): boolean {
  return r.prs.progress.has(r.id) && !r.isLearner && r.log.unstable.snapshot === undefined;
}

function hasUnappliedConfChanges(r: RaftCore): boolean {
  if (r.log.applied >= r.log.committed) return false;
  let lo = r.log.applied + 1;
  const hi = r.log.committed + 1;
  while (lo < hi) {
    const ents = r.log.slice(lo, hi, SCAN_SLICE_BYTES);
    if (ents === undefined || ents.length === 0) return false;
    for (const e of ents) if (e.type === EntryType.ConfChange) return true;
    lo = ents[ents.length - 1]!.index + 1;
  }
  return false;
}

/** Starts a campaign of `type` if this member may: not a leader, a voter, nothing unapplied that could change that. */
export function hup(r: RaftCore, type: CampaignType): void {
  if (r.role === StateRole.Leader) return;
  if (!promotable(r)) return;
  if (hasUnappliedConfChanges(r)) return;
  campaign(r, type);
}

/** Becomes (pre-)candidate, votes for itself and asks every other voter. */
export function campaign(r: RaftCore, type: CampaignType): void {
  let voteType: MessageType;
  let term: number;
  if (type === "pre") {
    becomePreCandidate(r);
    voteType = MessageType.PreVote;
    term = r.term + 1; // the term we would have; not taken yet
  } else {
    becomeCandidate(r);
    voteType = MessageType.Vote;
    term = r.term;
  }
  if (poll(r, r.id, true) === VoteResult.Won) {
    // A single voter wins at once.
    if (type === "pre") campaign(r, "election");
    else becomeLeader(r);
    return;
  }
  const lastIndex = r.log.lastIndex();
  const lastTerm = r.log.lastTerm();
  for (const id of r.prs.voters) {
    if (id === r.id) continue;
    const m = newMessage(voteType, id);
    m.term = term;
    m.index = lastIndex;
    m.logTerm = lastTerm;
    if (type === "transfer") m.context = CAMPAIGN_TRANSFER;
    r.send(m);
  }
}

/** Records `id`'s vote and returns the tally so far. */
export function poll(r: RaftCore, id: NodeId, granted: boolean): VoteResult {
  r.prs.recordVote(id, granted);
  return r.prs.tallyVotes();
}

/** Answers a Vote or PreVote (the term checks were done by the caller). */
export function handleVoteRequest(r: RaftCore, m: Message): void {
  let canVote = r.vote === m.from || (r.vote === NONE && r.lead === NONE) ||
    (m.type === MessageType.PreVote && m.term > r.term);
  // ---- DELIBERATE BUG (test-only, config.bugs.voteTwice) ----
  if (r.bugVoteTwice && m.type === MessageType.Vote) canVote = true;
  // ---- END DELIBERATE BUG ----
  const resp = newMessage(voteResponseType(m.type), m.from);
  if (canVote && r.log.isUpToDate(m.index, m.logTerm)) {
    // The response carries the request's term: a pre-vote grant is for the term the candidate would take.
    resp.term = m.term;
    r.send(resp);
    if (m.type === MessageType.Vote) {
      if (r.vote !== NONE && r.vote !== m.from && !r.bugVoteTwice) {
        throw new Error(`raft: ${r.id} would vote twice in term ${r.term}`);
      }
      r.electionElapsed = 0;
      r.vote = m.from;
    }
  } else {
    resp.term = r.term;
    resp.reject = true;
    r.send(resp);
  }
}
