/**
 * `MemoryStorage`: the reference `RaftStorage`, holding the persisted log in memory. Used by tests, the
 * simulator (its "disk") and the benchmark. Layout follows etcd-io/raft: `ents[0]` is a dummy entry whose
 * index and term are those of the last snapshot (or compaction point), so the term at the snapshot index is
 * always answerable.
 * @module
 */
import {
  type ConfState,
  type Entry,
  EntryType,
  ErrCompacted,
  ErrSnapOutOfDate,
  ErrUnavailable,
  type HardState,
  NONE,
  type RaftStorage,
  type Snapshot,
} from "./types.ts";

const EMPTY = new Uint8Array(0);

/** Bytes an entry counts for in size limits: its payload plus a small fixed header. */
export function entrySizeBytes(e: Entry): number {
  return e.data.byteLength + 16;
}

/**
 * Returns the longest prefix of `ents` whose total size is at most `maxSizeBytes` (always at least one entry).
 * Returns `ents` itself when everything fits.
 */
export function limitSize(ents: Entry[], maxSizeBytes: number): Entry[] {
  if (ents.length <= 1) return ents;
  let size = entrySizeBytes(ents[0]!);
  let limit = 1;
  for (; limit < ents.length; limit++) {
    size += entrySizeBytes(ents[limit]!);
    if (size > maxSizeBytes) break;
  }
  return limit === ents.length ? ents : ents.slice(0, limit);
}

/** An empty snapshot at index 0 / term 0 holding `confState`: the starting point of a brand-new cluster. */
export function bootstrapSnapshot(confState: ConfState): Snapshot {
  return {
    metadata: { index: 0, term: 0, confState: { voters: [...confState.voters], learners: [...confState.learners] } },
    data: EMPTY,
  };
}

/** The persisted Raft log, hard state and last snapshot, in memory. */
export class MemoryStorage implements RaftStorage {
  private hs: HardState;
  private snap: Snapshot;
  /** ents[i] has index ents[0].index + i; ents[0] is the dummy entry at the snapshot point. */
  private ents: Entry[];

  constructor(init?: { snapshot?: Snapshot; hardState?: HardState; entries?: Entry[] }) {
    this.snap = init?.snapshot ?? bootstrapSnapshot({ voters: [], learners: [] });
    this.hs = init?.hardState ?? { term: 0, vote: NONE, commit: 0 };
    this.ents = [dummyEntry(this.snap.metadata.index, this.snap.metadata.term)];
    if (init?.entries !== undefined) this.append(init.entries);
  }

  initialState(): { hardState: HardState; confState: ConfState } {
    const cs = this.snap.metadata.confState;
    return {
      hardState: this.hardState(),
      confState: { voters: [...cs.voters], learners: [...cs.learners] },
    };
  }

  /** The hard state as last set (a copy; field by field, as a spread copy is several times slower). */
  hardState(): HardState {
    const hs = this.hs;
    return { term: hs.term, vote: hs.vote, commit: hs.commit };
  }

  setHardState(hs: HardState): void {
    this.hs = { term: hs.term, vote: hs.vote, commit: hs.commit };
  }

  entries(lo: number, hi: number, maxSizeBytes: number): Entry[] {
    const offset = this.ents[0]!.index;
    if (lo <= offset) throw new ErrCompacted();
    if (hi > this.lastIndex() + 1) throw new ErrUnavailable();
    if (lo >= hi) return [];
    // Find the size-limited end first: a lagging follower asks for the whole rest of the log and gets one
    // message's worth (what limitSize of the full slice would keep, without copying the rest first).
    const ents = this.ents;
    const start = lo - offset;
    let end = start + 1;
    for (let size = entrySizeBytes(ents[start]!); end < hi - offset; end++) {
      size += entrySizeBytes(ents[end]!);
      if (size > maxSizeBytes) break;
    }
    return ents.slice(start, end);
  }

  term(i: number): number {
    const offset = this.ents[0]!.index;
    if (i < offset) throw new ErrCompacted();
    if (i - offset >= this.ents.length) throw new ErrUnavailable();
    return this.ents[i - offset]!.term;
  }

  lastIndex(): number {
    return this.ents[0]!.index + this.ents.length - 1;
  }

  firstIndex(): number {
    return this.ents[0]!.index + 1;
  }

  snapshot(): Snapshot {
    return this.snap;
  }

  /** Replaces the whole log by `snap` (a follower restoring from its leader's snapshot). */
  applySnapshot(snap: Snapshot): void {
    if (snap.metadata.index <= this.snap.metadata.index) throw new ErrSnapOutOfDate();
    this.snap = snap;
    this.ents = [dummyEntry(snap.metadata.index, snap.metadata.term)];
  }

  /**
   * Records a snapshot of the application state as of `index` (which must be applied, hence in the log).
   * The log is not compacted; call `compact` for that.
   */
  createSnapshot(index: number, confState: ConfState, data: Uint8Array): Snapshot {
    if (index <= this.snap.metadata.index) throw new ErrSnapOutOfDate();
    if (index > this.lastIndex()) {
      throw new Error(`raft: snapshot ${index} is out of bound lastindex(${this.lastIndex()})`);
    }
    const term = this.ents[index - this.ents[0]!.index]!.term;
    this.snap = {
      metadata: { index, term, confState: { voters: [...confState.voters], learners: [...confState.learners] } },
      data,
    };
    return this.snap;
  }

  /** Drops the entries up to and including `index`; the caller has a snapshot covering them. */
  compact(index: number): void {
    const offset = this.ents[0]!.index;
    if (index <= offset) throw new ErrCompacted();
    if (index > this.lastIndex()) {
      throw new Error(`raft: compact ${index} is out of bound lastindex(${this.lastIndex()})`);
    }
    const i = index - offset;
    const kept = this.ents.slice(i);
    kept[0] = dummyEntry(index, this.ents[i]!.term);
    this.ents = kept;
  }

  /** Appends `entries` (contiguous), first truncating any existing suffix they overwrite. */
  append(entries: Entry[]): void {
    if (entries.length === 0) return;
    const first = this.firstIndex();
    const last = entries[0]!.index + entries.length - 1;
    if (last < first) return; // all already compacted
    let ents = entries;
    if (first > ents[0]!.index) ents = ents.slice(first - ents[0]!.index);
    const offset = ents[0]!.index - this.ents[0]!.index;
    if (offset > this.ents.length) {
      throw new Error(`raft: missing log entry [last: ${this.lastIndex()}, append at: ${ents[0]!.index}]`);
    }
    if (offset < this.ents.length) this.ents.length = offset; // truncate the conflicting suffix
    for (let i = 0; i < ents.length; i++) this.ents.push(ents[i]!);
  }
}

function dummyEntry(index: number, term: number): Entry {
  return { index, term, type: EntryType.Normal, data: EMPTY };
}
