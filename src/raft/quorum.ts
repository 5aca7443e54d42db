/**
 * Majority arithmetic over one voter set: the commit index a quorum has reached, and the outcome of a vote.
 * One change at a time means there is never a joint configuration, so one majority is all we need.
 * @module
 */
import type { NodeId } from "./types.ts";

/** How many voters make a majority of `voterCount` (0 voters: 0). */
export function majority(voterCount: number): number {
  return voterCount === 0 ? 0 : Math.floor(voterCount / 2) + 1;
}

/** The outcome of counting votes (or acks) so far. */
export const VoteResult = { Pending: 0, Lost: 1, Won: 2 } as const;
export type VoteResult = typeof VoteResult[keyof typeof VoteResult];

/**
 * The highest index that a majority of `voters` has matched: sort the match indexes descending and take the
 * one at position quorum-1. An empty voter set commits nothing (0).
 */
export function committedIndex(voters: readonly NodeId[], matchOf: (id: NodeId) => number): number {
  const n = voters.length;
  if (n === 0) return 0;
  if (n === 1) return matchOf(voters[0]!);
  const matches = new Array<number>(n);
  // Insertion sort, descending: voter sets are small, and this runs on every acknowledgement.
  for (let i = 0; i < n; i++) {
    const m = matchOf(voters[i]!);
    let j = i;
    for (; j > 0 && matches[j - 1]! < m; j--) matches[j] = matches[j - 1]!;
    matches[j] = m;
  }
  return matches[majority(n) - 1]!;
}

/**
 * Counts `votes` (true = granted, false = rejected, absent = not yet heard) among `voters`; votes from
 * non-voters are ignored. An empty voter set wins (there is nobody to ask).
 */
export function voteResult(voters: readonly NodeId[], votes: ReadonlyMap<NodeId, boolean>): VoteResult {
  if (voters.length === 0) return VoteResult.Won;
  let granted = 0;
  let missing = 0;
  for (const id of voters) {
    const v = votes.get(id);
    if (v === undefined) missing++;
    else if (v) granted++;
  }
  const q = majority(voters.length);
  if (granted >= q) return VoteResult.Won;
  if (granted + missing >= q) return VoteResult.Pending;
  return VoteResult.Lost;
}
