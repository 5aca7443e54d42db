/**
 * Small facts about message kinds, and the one constructor the core uses for its outgoing messages.
 * @module
 */
import { type Message, MessageType, NONE, type NodeId } from "./types.ts";

/** The context of a Vote sent because of a leader transfer: it overrides the receivers' leader lease. */
export const CAMPAIGN_TRANSFER: Uint8Array = new TextEncoder().encode("CampaignTransfer");

/** Kinds that only the local application may step (never accepted from the network). */
export function isLocalMessage(t: MessageType): boolean {
  return t === MessageType.Hup || t === MessageType.Beat || t === MessageType.Unreachable ||
    t === MessageType.SnapStatus || t === MessageType.CheckQuorum;
}

/** Responses, which are only meaningful from a member we track. */
export function isResponseMessage(t: MessageType): boolean {
  return t === MessageType.AppResp || t === MessageType.VoteResp || t === MessageType.HeartbeatResp ||
    t === MessageType.PreVoteResp;
}

export function voteResponseType(t: MessageType): MessageType {
  return t === MessageType.Vote ? MessageType.VoteResp : MessageType.PreVoteResp;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A message with every field present (one object shape for the whole core: fast property access). */
export function newMessage(type: MessageType, to: NodeId): Message {
  return {
    type,
    from: NONE,
    to,
    term: 0,
    logTerm: 0,
    index: 0,
    entries: [],
    commit: 0,
    reject: false,
    rejectHint: 0,
    snapshot: undefined,
    context: undefined,
  };
}
