/**
 * One-line descriptions of messages and membership changes, for the event trace.
 * @module
 */
import { type ConfChange, ConfChangeType, type Message, MessageType } from "../raft/types.ts";

const MESSAGE_NAMES = new Map<number, string>(Object.entries(MessageType).map(([k, v]) => [v, k]));

/** A message as one trace token: sender→receiver, kind, term and the fields that matter for its kind. */
export function describeMessage(m: Message): string {
  const name = MESSAGE_NAMES.get(m.type) ?? String(m.type);
  let s = `${m.from}→${m.to} ${name} t${m.term}`;
  if (m.type === MessageType.App || m.type === MessageType.AppResp || m.type === MessageType.Vote || m.type === MessageType.PreVote) {
    s += ` i${m.index}/${m.logTerm} n${m.entries.length} c${m.commit}`;
  }
  if (m.reject) s += ` reject(hint ${m.rejectHint})`;
  if (m.snapshot !== undefined) s += ` snap@${m.snapshot.metadata.index}`;
  return s;
}

/** A conf change as "add 4", "remove 2", "add-learner 6". */
export function confChangeName(cc: ConfChange): string {
  const kind = cc.type === ConfChangeType.AddNode ? "add" : cc.type === ConfChangeType.RemoveNode ? "remove" : "add-learner";
  return `${kind} ${cc.nodeId}`;
}
