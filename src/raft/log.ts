/**
 * The Raft log as the core sees it: the stable part the application persisted (`RaftStorage`) followed by an
 * unstable tail (entries, or a snapshot, handed out in a Ready but not yet reported persisted), plus the
 * committed and applied indexes.
 * @module
 */
import { limitSize } from "./storage.ts";
import { type Entry, ErrCompacted, ErrUnavailable, type RaftStorage, type Snapshot } from "./types.ts";

/** Entries and/or a snapshot not yet persisted. `entries[i]` has index `offset + i`. */
class Unstable {
  snapshot: Snapshot | undefined;
  entries: Entry[] = [];
  offset: number;

  constructor(offset: number) {
    this.offset = offset;
  }

  maybeFirstIndex(): number {
    return this.snapshot === undefined ? -1 : this.snapshot.metadata.index + 1;
  }

  maybeLastIndex(): number {
    if (this.entries.length > 0) return this.offset + this.entries.length - 1;
    return this.snapshot === undefined ? -1 : this.snapshot.metadata.index;
  }

  /** The term at `i` if the unstable part knows it, else -1. */
  maybeTerm(i: number): number {
    if (i < this.offset) {
      const s = this.snapshot;
      return s !== undefined && s.metadata.index === i ? s.metadata.term : -1;
    }
    const last = this.maybeLastIndex();
    if (last === -1 || i > last) return -1;
    return this.entries[i - this.offset]!.term;
  }

  stableTo(i: number, t: number): void {
    const gt = this.maybeTerm(i);
    if (gt === -1) return;
    // Only entries still at the same term are now stable; a newer overwrite stays unstable.
    if (gt === t && i >= this.offset) {
      this.entries = this.entries.slice(i + 1 - this.offset);
      this.offset = i + 1;
    }
  }

  stableSnapTo(i: number): void {
    if (this.snapshot !== undefined && this.snapshot.metadata.index === i) this.snapshot = undefined;
  }

  restore(s: Snapshot): void {
    this.offset = s.metadata.index + 1;
    this.entries = [];
    this.snapshot = s;
  }

  truncateAndAppend(ents: Entry[]): void {
    const after = ents[0]!.index;
    if (after === this.offset + this.entries.length) {
      for (let i = 0; i < ents.length; i++) this.entries.push(ents[i]!);
    } else if (after <= this.offset) {
      // Replaces everything unstable; the storage part past `after` is shadowed by the new offset.
      this.offset = after;
      this.entries = ents.slice();
    } else {
      this.entries = this.entries.slice(0, after - this.offset);
      for (let i = 0; i < ents.length; i++) this.entries.push(ents[i]!);
    }
  }

  slice(lo: number, hi: number): Entry[] {
    if (lo > hi || lo < this.offset || hi > this.offset + this.entries.length) {
      throw new Error(`raft: unstable.slice[${lo},${hi}) out of bound [${this.offset},${this.offset + this.entries.length}]`);
    }
    return this.entries.slice(lo - this.offset, hi - this.offset);
  }
}

/** Options of the log's behaviour that tests may bend (deliberate bugs). */
export interface RaftLogOptions {
  /** Committed entries handed out per Ready, in bytes (at least one entry). */
  maxCommittedSizePerReadyBytes: number;
  /** Test-only bug: keep a conflicting suffix instead of truncating it. */
  keepConflictingSuffix: boolean;
}

/** The log: stable storage + unstable tail, committed and applied indexes. */
export class RaftLog {
  readonly storage: RaftStorage;
  readonly unstable: Unstable;
  committed: number;
  applied: number;
  private readonly options: RaftLogOptions;

  constructor(storage: RaftStorage, options: RaftLogOptions) {
    this.storage = storage;
    this.options = options;
    const firstIndex = storage.firstIndex();
    const lastIndex = storage.lastIndex();
    this.unstable = new Unstable(lastIndex + 1);
    this.committed = firstIndex - 1;
    this.applied = firstIndex - 1;
  }

  firstIndex(): number {
    const i = this.unstable.maybeFirstIndex();
    return i !== -1 ? i : this.storage.firstIndex();
  }

  lastIndex(): number {
    const i = this.unstable.maybeLastIndex();
    return i !== -1 ? i : this.storage.lastIndex();
  }

  lastTerm(): number {
    const t = this.term(this.lastIndex());
    if (t === -1) throw new Error(`raft: unexpected error getting the last term`);
    return t;
  }

  /** The term of entry `i`, or -1 when it is compacted away or beyond the last index. */
  term(i: number): number {
    const dummyIndex = this.firstIndex() - 1;
    if (i < dummyIndex || i > this.lastIndex()) return -1;
    const t = this.unstable.maybeTerm(i);
    if (t !== -1) return t;
    try {
      return this.storage.term(i);
    } catch (err) {
      if (err instanceof ErrCompacted || err instanceof ErrUnavailable) return -1;
      throw err;
    }
  }

  matchTerm(i: number, term: number): boolean {
    return this.term(i) === term;
  }

  /** Whether a log ending at (`lastIndex`, `lastTerm`) is at least as up to date as ours. */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const ourTerm = this.lastTerm();
    return lastTerm > ourTerm || (lastTerm === ourTerm && lastIndex >= this.lastIndex());
  }

  /**
   * A follower's append: if our log holds (`index`, `logTerm`), append `ents` after it (truncating a
   * conflicting suffix), advance commit to min(`committed`, last new index) and return the last new index;
   * otherwise return -1.
   */
  maybeAppend(index: number, logTerm: number, committed: number, ents: Entry[]): number {
    if (!this.matchTerm(index, logTerm)) return -1;
    const lastNewIndex = index + ents.length;
    const ci = this.findConflict(ents);
    if (ci !== 0) {
      if (ci <= this.committed) {
        throw new Error(`raft: entry ${ci} conflicts with committed entry [committed(${this.committed})]`);
      }
      let from = ci - (index + 1);
      // ---- DELIBERATE BUG (test-only, config.bugs.keepConflictingSuffix) ----
      // Keep the conflicting entries we already have and only add what lies beyond our last index.
      if (this.options.keepConflictingSuffix && ci <= this.lastIndex()) from = this.lastIndex() + 1 - (index + 1);
      // ---- END DELIBERATE BUG ----
      if (from < ents.length) this.append(from === 0 ? ents : ents.slice(from));
    }
    this.commitTo(Math.min(committed, lastNewIndex));
    return lastNewIndex;
  }

  /** Appends entries (already numbered, after the committed index); returns the new last index. */
  append(ents: Entry[]): number {
    if (ents.length === 0) return this.lastIndex();
    const after = ents[0]!.index - 1;
    if (after < this.committed) {
      throw new Error(`raft: after(${after}) is out of range [committed(${this.committed})]`);
    }
    this.unstable.truncateAndAppend(ents);
    return this.lastIndex();
  }

  /** The index of the first entry in `ents` that is not in our log with the same term, or 0. */
  findConflict(ents: Entry[]): number {
    for (let i = 0; i < ents.length; i++) {
      const e = ents[i]!;
      if (!this.matchTerm(e.index, e.term)) return e.index;
    }
    return 0;
  }

  /**
   * The largest index <= `index` whose term is <= `term` (or the first unknown one): where a log with an entry
   * of `term` at `index` may match ours. Used on both sides of fast backtracking.
   */
  findConflictByTerm(index: number, term: number): number {
    if (index > this.lastIndex()) return index;
    for (;;) {
      const t = this.term(index);
      if (t === -1 || t <= term) return index;
      index--;
    }
  }

  /** Entries from `lo` to the end, at most `maxSizeBytes`; undefined when `lo` is compacted. */
  entriesFrom(lo: number, maxSizeBytes: number): Entry[] | undefined {
    const last = this.lastIndex();
    if (lo > last) return [];
    return this.slice(lo, last + 1, maxSizeBytes);
  }

  /** Entries in [lo, hi), at most `maxSizeBytes`; undefined when `lo` is compacted. */
  slice(lo: number, hi: number, maxSizeBytes: number): Entry[] | undefined {
    if (lo > hi) throw new Error(`raft: invalid slice ${lo} > ${hi}`);
    const first = this.firstIndex();
    if (lo < first) return undefined;
    if (hi > this.lastIndex() + 1) throw new Error(`raft: slice[${lo},${hi}) out of bound [${first},${this.lastIndex()}]`);
    if (lo === hi) return [];
    const offset = this.unstable.offset;
    let ents: Entry[] = [];
    if (lo < offset) {
      let stored: Entry[];
      try {
        stored = this.storage.entries(lo, Math.min(hi, offset), maxSizeBytes);
      } catch (err) {
        if (err instanceof ErrCompacted) return undefined;
        throw err;
      }
      // The storage stopped early (size limit): return what it gave.
      if (stored.length < Math.min(hi, offset) - lo) return stored;
      ents = stored;
    }
    if (hi > offset) {
      const tail = this.unstable.slice(Math.max(lo, offset), hi);
      ents = ents.length > 0 ? ents.concat(tail) : tail;
    }
    return limitSize(ents, maxSizeBytes);
  }

  /** Commits up to `maxIndex` if that entry is of `term` (only current-term entries commit by counting). */
  maybeCommit(maxIndex: number, term: number, anyTerm: boolean): boolean {
    if (maxIndex > this.committed && (anyTerm || this.term(maxIndex) === term)) {
      this.commitTo(maxIndex);
      return true;
    }
    return false;
  }

  commitTo(toCommit: number): void {
    if (this.committed >= toCommit) return; // never decreases
    if (this.lastIndex() < toCommit) {
      throw new Error(`raft: tocommit(${toCommit}) is out of range [lastIndex(${this.lastIndex()})]`);
    }
    this.committed = toCommit;
  }

  appliedTo(i: number): void {
    if (i === 0) return;
    if (this.committed < i || i < this.applied) {
      throw new Error(`raft: applied(${i}) is out of range [prevApplied(${this.applied}), committed(${this.committed})]`);
    }
    this.applied = i;
  }

  stableTo(i: number, t: number): void {
    this.unstable.stableTo(i, t);
  }

  stableSnapTo(i: number): void {
    this.unstable.stableSnapTo(i);
  }

  /** The unstable entries, copied (the caller keeps them while the log goes on). */
  unstableEntries(): Entry[] {
    return this.unstable.entries.length === 0 ? [] : this.unstable.entries.slice();
  }

  hasNextEnts(): boolean {
    // Nothing committed past applied: no need to ask where the log starts (the common case).
    if (this.committed <= this.applied) return false;
    const off = Math.max(this.applied + 1, this.firstIndex());
    return this.committed + 1 > off;
  }

  /** Committed entries not yet applied (bounded by size per Ready). */
  nextEnts(): Entry[] {
    if (this.committed <= this.applied) return [];
    const off = Math.max(this.applied + 1, this.firstIndex());
    if (this.committed + 1 <= off) return [];
    const ents = this.slice(off, this.committed + 1, this.options.maxCommittedSizePerReadyBytes);
    if (ents === undefined) throw new Error(`raft: unexpected compaction when handing out committed entries`);
    return ents;
  }

  /** Replaces the log by a snapshot (a follower catching up). */
  restore(s: Snapshot): void {
    this.committed = s.metadata.index;
    this.unstable.restore(s);
  }
}
