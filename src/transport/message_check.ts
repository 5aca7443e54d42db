/**
 * What a Raft message from a peer must look like before the core sees it. The codec checks each field's
 * type; this checks that the fields make a message some member could have sent: a kind that crosses the
 * network, on the channel that carries it, from the member that shook hands, numbers small enough to count
 * on, entries and snapshot only where the kind carries them, in the order a log holds them. Pure.
 *
 * It cannot tell a well-formed lie from the truth (that is what peer TLS is for); it keeps malformed
 * messages, which the core asserts against (a failed assertion there stops the member), out of the core.
 * @module
 */
import { decodeConfChange } from "../raft/confchange.ts";
import { type Entry, EntryType, type Message, MessageType, type NodeId, type Snapshot } from "../raft/types.ts";

/**
 * Bound on every term, index and commit a peer sends: 2^48. No cluster gets near it (a million elections or
 * entries a second for nine years), and below it `term + 1` and `index + n` stay exact in a JS number; a
 * term of 2^53 - 1 from a peer once made the member's next election unrepresentable on the wire, and it
 * stopped.
 */
export const MAX_WIRE_NUMBER = 2 ** 48;

/** Which connection a message arrived on. */
export type MessageChannel = "raft" | "snapshot";

/** Kinds the core only makes for itself (etcd's local messages): never accepted from a peer. */
const LOCAL_KINDS: ReadonlySet<number> = new Set([
  MessageType.Hup,
  MessageType.Beat,
  MessageType.Unreachable,
  MessageType.SnapStatus,
  MessageType.CheckQuorum,
]);

/**
 * Kinds that may carry term 0: proposals and reads are forwarded without one, and a member that has not
 * yet seen any term (a joiner) refuses a vote at its term 0. Every other kind the core stamps with its term.
 */
const TERMLESS_KINDS: ReadonlySet<number> = new Set([
  MessageType.Prop,
  MessageType.ReadIndex,
  MessageType.VoteResp,
  MessageType.PreVoteResp,
]);

/**
 * Why `m`, received on `channel` from the member `from` (its handshake), is not a message a member sends;
 * `undefined` when it could be. The caller has checked `m.to`.
 */
export function messageProblem(m: Message, from: NodeId, channel: MessageChannel): string | undefined {
  if (LOCAL_KINDS.has(m.type)) return `local message kind ${m.type} from the network`;
  if (m.from !== from) return `message from member ${hex(m.from)} on member ${hex(from)}'s connection`;
  const isSnap = m.type === MessageType.Snap;
  if (channel === "raft" && isSnap) return "snapshot message on the Raft channel";
  if (channel === "snapshot" && !isSnap) return `message kind ${m.type} on the snapshot channel`;
  return numbersProblem(m) ?? entriesProblem(m) ?? snapshotFieldProblem(m);
}

function numbersProblem(m: Message): string | undefined {
  const fields: [string, number][] = [
    ["term", m.term],
    ["logTerm", m.logTerm],
    ["index", m.index],
    ["commit", m.commit],
    ["rejectHint", m.rejectHint],
  ];
  for (const [name, value] of fields) {
    if (value > MAX_WIRE_NUMBER) return `${name} ${value} exceeds ${MAX_WIRE_NUMBER}`;
  }
  if (m.term === 0 && !TERMLESS_KINDS.has(m.type)) return `message kind ${m.type} without a term`;
  if (m.logTerm > m.term) return `logTerm ${m.logTerm} above term ${m.term}`;
  return undefined;
}

function entriesProblem(m: Message): string | undefined {
  const entries = m.entries;
  if (m.type === MessageType.Prop) {
    if (entries.length === 0) return "proposal without entries";
    return firstEntryProblem(entries, (e) => (e.term !== 0 || e.index !== 0 ? "a proposal's entry has a term or index" : undefined));
  }
  if (m.type !== MessageType.App) return entries.length === 0 ? undefined : `message kind ${m.type} with entries`;
  // An append carries a run of the leader's log right after (index, logTerm): consecutive indexes, terms
  // that never go down, none above the leader's.
  let previousTerm = m.logTerm;
  return firstEntryProblem(entries, (e, i) => {
    if (e.index !== m.index + 1 + i) return `entry at position ${i} has index ${e.index}, expected ${m.index + 1 + i}`;
    if (e.term < previousTerm || e.term > m.term) return `entry ${e.index} has term ${e.term} outside [${previousTerm}, ${m.term}]`;
    previousTerm = e.term;
    return undefined;
  });
}

/** Runs `check` and the entry checks every kind shares over `entries` (bounded by their count). */
function firstEntryProblem(entries: readonly Entry[], check: (e: Entry, i: number) => string | undefined): string | undefined {
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    if (e.term > MAX_WIRE_NUMBER || e.index > MAX_WIRE_NUMBER) return `entry ${i} has a term or index above ${MAX_WIRE_NUMBER}`;
    const problem = check(e, i) ?? confChangeProblem(e);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

/** A membership change is decoded by the core when applied; one it cannot decode is refused here. */
function confChangeProblem(e: Entry): string | undefined {
  if (e.type !== EntryType.ConfChange) return undefined;
  try {
    decodeConfChange(e.data);
    return undefined;
  } catch (err) {
    return `entry ${e.index}: malformed membership change (${err instanceof Error ? err.message : String(err)})`;
  }
}

function snapshotFieldProblem(m: Message): string | undefined {
  if (m.type !== MessageType.Snap) return m.snapshot === undefined ? undefined : `message kind ${m.type} with a snapshot`;
  if (m.snapshot === undefined) return "snapshot message without a snapshot";
  return snapshotProblem(m.snapshot, m.term);
}

/** A snapshot's metadata: a real point of the log, and a membership the core can install. */
function snapshotProblem(s: Snapshot, term: number): string | undefined {
  const { index, confState } = s.metadata;
  if (index === 0 || index > MAX_WIRE_NUMBER) return `snapshot index ${index} out of range`;
  if (s.metadata.term === 0 || s.metadata.term > term) return `snapshot term ${s.metadata.term} outside [1, ${term}]`;
  if (confState.voters.length === 0) return "snapshot membership without voters";
  const seen = new Set<NodeId>();
  for (const id of [...confState.voters, ...confState.learners]) {
    if (id <= 0n || id >= 1n << 64n) return `snapshot membership names id ${id}`;
    if (seen.has(id)) return `snapshot membership names member ${hex(id)} twice (or as voter and learner)`;
    seen.add(id);
  }
  return undefined;
}

function hex(id: NodeId): string {
  return id.toString(16);
}
