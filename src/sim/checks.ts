/**
 * Raft's safety properties, checked incrementally as a simulated run goes: each member reports what it
 * persists, applies and when it leads; the checker keeps global records and returns a message for the
 * first property broken.
 * @module
 */
import { type Entry, type HardState, NONE, type NodeId, type RaftStorage } from "../raft/types.ts";

/**
 * What a violation broke. `safety` and `linearizability` are the properties a correct Raft must never break
 * under any fault; `liveness` (no progress after the faults stop) and `exception` (the simulation itself
 * threw) are failures too, but not evidence that a deliberate bug was caught by the checks.
 */
export type ViolationKind = "safety" | "linearizability" | "liveness" | "exception";

/** One broken property of a run. */
export interface Violation {
  kind: ViolationKind;
  message: string;
}

/** A violation as one line: `kind: message`. */
export function describeViolation(v: Violation): string {
  return `${v.kind}: ${v.message}`;
}

/** A compact fingerprint of an entry's content (type, length, FNV-1a of the bytes). */
export function entryFingerprint(e: Entry): string {
  let h = 0x811c9dc5;
  const d = e.data;
  for (let i = 0; i < d.length; i++) h = Math.imul(h ^ d[i]!, 0x01000193);
  return `${e.type}/${d.length}/${(h >>> 0).toString(16)}`;
}

/**
 * Fingerprints by entry object. The simulated network passes the leader's entry objects to every member, so
 * one entry is fingerprinted once instead of at every persist and apply on every member (it was the
 * largest single cost of the checks). The key is the entry and its payload both: whatever produced an entry
 * with other content gets its own fingerprint.
 */
const fingerprints = new WeakMap<Entry, { type: Entry["type"]; data: Uint8Array; fingerprint: string }>();

function cachedFingerprint(e: Entry): string {
  const seen = fingerprints.get(e);
  if (seen !== undefined && seen.data === e.data && seen.type === e.type) return seen.fingerprint;
  const fingerprint = entryFingerprint(e);
  fingerprints.set(e, { type: e.type, data: e.data, fingerprint });
  return fingerprint;
}

/** Bound on indexes and terms in a persisted-entry key (index * 2^26 + term stays an exact integer). */
const KEY_PART_LIMIT = 2 ** 26;

/** (index, term) as one number: a map keyed by it needs no string per persisted entry. */
function persistedKey(index: number, term: number): number {
  if (!(index >= 0 && index < KEY_PART_LIMIT && term >= 0 && term < KEY_PART_LIMIT)) {
    throw new Error(`checker: entry ${index}:${term} out of the key range`);
  }
  return index * KEY_PART_LIMIT + term;
}

interface CommittedEntry {
  term: number;
  fingerprint: string;
  /** Member that first applied it (for messages). */
  by: NodeId;
}

/** Reads the term of entry `i` from a storage, or undefined when it is not there (compacted, missing). */
export function storageTerm(storage: RaftStorage, i: number): number | undefined {
  if (i < storage.firstIndex() - 1 || i > storage.lastIndex()) return undefined;
  try {
    return storage.term(i);
  } catch {
    return undefined;
  }
}

/** Global records of a run and the checks against them. Each check returns a violation message or undefined. */
export class SafetyChecker {
  private readonly leaderByTerm = new Map<number, NodeId>();
  /** The apply outcome of each committed entry, as the first member to apply it got it. */
  private readonly outcomes = new Map<number, { outcome: string; by: NodeId }>();
  /** Entries known committed (some member applied them), by index. */
  readonly committed = new Map<number, CommittedEntry>();
  maxCommittedIndex = 0;
  /** Log matching: (index, term) → fingerprint and previous entry's term, as first persisted anywhere. */
  private readonly persisted = new Map<number, { fingerprint: string; prevTerm: number | undefined; by: NodeId }>();

  /** At most one leader per term. */
  onLeader(id: NodeId, term: number): string | undefined {
    const other = this.leaderByTerm.get(term);
    if (other !== undefined && other !== id) return `two leaders in term ${term}: ${other} and ${id}`;
    this.leaderByTerm.set(term, id);
    return undefined;
  }

  /** Log matching, on entries a member has just made durable. */
  onPersist(id: NodeId, entries: readonly Entry[], storage: RaftStorage): string | undefined {
    for (const e of entries) {
      const fingerprint = cachedFingerprint(e);
      const prevTerm = storageTerm(storage, e.index - 1);
      const key = persistedKey(e.index, e.term);
      const seen = this.persisted.get(key);
      if (seen === undefined) {
        this.persisted.set(key, { fingerprint, prevTerm, by: id });
      } else {
        if (seen.fingerprint !== fingerprint) {
          return `log matching: entry ${e.index}:${e.term} differs between ${seen.by} and ${id}`;
        }
        if (seen.prevTerm !== undefined && prevTerm !== undefined && seen.prevTerm !== prevTerm) {
          return `log matching: entry ${e.index}:${e.term} follows term ${seen.prevTerm} on ${seen.by} but ${prevTerm} on ${id}`;
        }
      }
    }
    return undefined;
  }

  /**
   * A member's durable log agrees with the committed record up to the member's own durable commit index.
   * (Above it a lagging follower may legitimately hold a stale leader's entry, to be overwritten later.)
   */
  onDurableCommit(id: NodeId, storage: RaftStorage, fromIndex: number, commit: number): string | undefined {
    for (let i = Math.max(fromIndex, storage.firstIndex()); i <= Math.min(commit, storage.lastIndex()); i++) {
      const c = this.committed.get(i);
      if (c === undefined) continue;
      const t = storageTerm(storage, i);
      if (t !== undefined && t !== c.term) {
        return `committed entry ${i} (term ${c.term}, applied by ${c.by}) is term ${t} in the durable log of ${id}, ` +
          `which has commit ${commit}`;
      }
    }
    return undefined;
  }

  /**
   * A member's durable hard state only moves forward: term never decreases, a vote cast in a term is never
   * changed, commit never decreases.
   */
  onHardState(id: NodeId, before: HardState, after: HardState): string | undefined {
    if (after.term < before.term) return `hard state of ${id}: term went back from ${before.term} to ${after.term}`;
    if (after.term === before.term && before.vote !== NONE && after.vote !== before.vote) {
      return `hard state of ${id}: vote in term ${after.term} changed from ${before.vote} to ${after.vote}`;
    }
    if (after.commit < before.commit) {
      return `hard state of ${id}: commit went back from ${before.commit} to ${after.commit}`;
    }
    return undefined;
  }

  /** State machine safety: every member applies the same entry at an index. Records the entry as committed. */
  onApply(id: NodeId, e: Entry): string | undefined {
    const fingerprint = cachedFingerprint(e);
    const c = this.committed.get(e.index);
    if (c === undefined) {
      this.committed.set(e.index, { term: e.term, fingerprint, by: id });
      if (e.index > this.maxCommittedIndex) this.maxCommittedIndex = e.index;
      return undefined;
    }
    if (c.term !== e.term || c.fingerprint !== fingerprint) {
      return `state machine safety: index ${e.index} applied as term ${c.term} by ${c.by} but term ${e.term} by ${id}`;
    }
    return undefined;
  }

  /**
   * Deterministic apply: every member that applies the entry at `index` gets the same outcome from its state
   * machine (a put applied or deduplicated, a marker, the same error for an entry that is no command).
   */
  onOutcome(id: NodeId, index: number, outcome: string): string | undefined {
    const first = this.outcomes.get(index);
    if (first === undefined) {
      this.outcomes.set(index, { outcome, by: id });
      return undefined;
    }
    if (first.outcome === outcome) return undefined;
    return `deterministic apply: entry ${index} gave ${JSON.stringify(first.outcome)} on ${first.by} ` +
      `but ${JSON.stringify(outcome)} on ${id}`;
  }

  /** A snapshot (installed or restored) must agree with the committed entry at its index. */
  onSnapshot(id: NodeId, index: number, term: number): string | undefined {
    const c = this.committed.get(index);
    if (c !== undefined && c.term !== term) {
      return `snapshot at ${index} on ${id} has term ${term}, committed entry there has term ${c.term}`;
    }
    return undefined;
  }

  /** A durable log never contradicts a committed entry in [lo, hi]. */
  checkDurableLog(id: NodeId, storage: RaftStorage, lo: number, hi: number): string | undefined {
    const from = Math.max(lo, storage.firstIndex());
    const to = Math.min(hi, storage.lastIndex());
    for (let i = from; i <= to; i++) {
      const c = this.committed.get(i);
      if (c === undefined) continue;
      const t = storageTerm(storage, i);
      if (t !== undefined && t !== c.term) {
        return `durable log of ${id} has term ${t} at committed index ${i} (committed term ${c.term})`;
      }
    }
    return undefined;
  }

  /** Leader completeness: a new leader's log holds every entry committed so far. */
  checkLeaderComplete(id: NodeId, term: number, storage: RaftStorage): string | undefined {
    if (storage.lastIndex() < this.maxCommittedIndex) {
      return `leader completeness: leader ${id} of term ${term} has last index ${storage.lastIndex()} ` +
        `but index ${this.maxCommittedIndex} is committed`;
    }
    const broken = this.checkDurableLog(id, storage, 1, this.maxCommittedIndex);
    return broken === undefined ? undefined : `leader completeness (term ${term}): ${broken}`;
  }
}
