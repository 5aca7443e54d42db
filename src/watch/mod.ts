/**
 * The watchable store: etcd's watch semantics on top of the MVCC store's write events and history.
 *
 * The server feeds the hub after each applied write batch (`notify(events, revision)`); each client
 * connection opens a stream (`openStream(send)`) and hands it WatchRequests. A watcher is either
 * - synced: it has received (or has queued) everything up to the hub's revision, and new events are pushed
 *   to it as they are notified, one response per revision as etcd does; or
 * - unsynced: it is behind (it started in the past, or its stream's outbox was full), and it is caught up
 *   from `history()` in pages of bounded size by `step()`, up to 1,000 revisions per response, until it
 *   reaches the hub's revision and becomes synced again.
 *
 * Guarantees (each tested in test/unit/watch_*_test.ts): events arrive ordered by revision, each once; a
 * revision's events are never split between responses (unless the watcher asked for `fragment` and the
 * response is over the size limit); a slow stream never loses events — when its outbox is full the watcher
 * falls back to history instead; progress responses name a revision only once every event at or below it
 * was delivered to every watcher of the stream.
 *
 * Pure: no I/O, no clock (progress notifications come from `tick(nowMs)`), no randomness. The server
 * schedules `step()` when `requestStep` asks for it.
 *
 * @example
 * ```ts
 * const hub = new WatchHub({ store, header: (rev) => server.header(rev), requestStep: () => setTimeout(() => hub.step(), 0) });
 * const stream = hub.openStream((resp) => transport.write(resp));
 * stream.handle({ create_request: { key: bytes("a"), prev_kv: true } });
 * // after each applied batch: hub.notify(events, store.currentRevision());
 * ```
 * @module
 */
import { EtcdError } from "../codec/errors.ts";
import type { Event, ResponseHeader, WatchCreateRequest, WatchRequest, WatchResponse } from "../codec/messages.ts";
import type { HistoryRequest, HistoryResult } from "../mvcc/mod.ts";
import { chunkByRevisions, type EventSelector, fragmentResponse, selectEvents, selectorOf } from "./events.ts";
import { Outbox } from "./stream.ts";

export { chunkByRevisions, fragmentResponse, selectEvents, selectorOf, spanContains } from "./events.ts";

/** What the hub reads from the MVCC store (MvccStore satisfies it). */
export interface HistorySource {
  history(req: HistoryRequest): HistoryResult;
  currentRevision(): number;
  compactedRevision(): number;
}

/** The hub's settings; every bound has a default. */
export interface WatchHubOptions {
  store: HistorySource;
  /** Fills a response header for a revision (cluster id, member id, raft term). Default: zeros. */
  header?: (revision: number) => ResponseHeader;
  /** Watchers one stream may hold (default 1,000). */
  maxWatchersPerStream?: number;
  /** Revisions in one catch-up response (default 1,000, etcd's watchBatchMaxRevs). */
  maxRevisionsPerResponse?: number;
  /** Event responses a paused stream holds before its watchers fall back to catch-up (default 128). */
  maxBufferedResponses?: number;
  /** Control responses allowed beyond that before the stream fails (default 1,024). */
  maxControlResponses?: number;
  /** Stored rows read per catch-up page (default 1,000). */
  historyRowsPerPage?: number;
  /** Catch-up pages one `step()` reads, over all watchers (default 16). */
  pagesPerStep?: number;
  /** Size above which a `fragment` watcher's response is split (default 1.5 MiB, etcd's max request). */
  maxResponseBytes?: number;
  /** Interval of progress notifications for `progress_notify` watchers (default 10 minutes, as etcd). */
  progressIntervalMs?: number;
  /** Called (at most once until the next `step()`) when catch-up work waits for a `step()`. */
  requestStep?: () => void;
}

/** One client connection's watch stream. */
export interface WatchStream {
  /** Handles one request of the client (create, cancel, progress). */
  handle(req: WatchRequest): void;
  /** The transport can take responses again after `send` returned false. */
  resume(): void;
  /** Ends the stream and all its watchers. */
  close(): void;
  /** True when the stream failed (its control reserve overflowed) and must be ended by the transport. */
  readonly failed: boolean;
}

/** etcd's ID for responses that belong to no watcher (progress responses, failed creates). */
export const INVALID_WATCH_ID = -1;
const DUPLICATE_ID_REASON = "mvcc: duplicate watch ID provided on the WatchStream";
const TOO_MANY_WATCHERS_REASON = "tsetcd: too many watchers on this stream";

interface Settings {
  maxWatchersPerStream: number;
  maxRevisionsPerResponse: number;
  maxBufferedResponses: number;
  maxControlResponses: number;
  historyRowsPerPage: number;
  pagesPerStep: number;
  maxResponseBytes: number;
  progressIntervalMs: number;
}

const DEFAULTS: Settings = {
  maxWatchersPerStream: 1_000,
  maxRevisionsPerResponse: 1_000,
  maxBufferedResponses: 128,
  maxControlResponses: 1_024,
  historyRowsPerPage: 1_000,
  pagesPerStep: 16,
  maxResponseBytes: 1.5 * 1024 * 1024,
  progressIntervalMs: 10 * 60 * 1000,
};

interface Watcher {
  id: number;
  stream: StreamState;
  key: Uint8Array;
  rangeEnd: Uint8Array | undefined;
  selector: EventSelector;
  /** The first revision the watcher wants. */
  minRev: number;
  synced: boolean;
  /** Unsynced: every event below this revision has been queued. */
  nextRev: number;
  /** Unsynced: where the next history page starts. */
  scan: { revision: number; sub: number };
  /** Unsynced: events read from history, not yet queued (at most one page plus one partial revision). */
  pending: Event[];
  progressNotify: boolean;
  fragment: boolean;
  /** Revision of the last event queued, to assert order and uniqueness. */
  lastEventRev: number;
  /** Whether events were queued since the last progress tick (etcd skips notifying those). */
  sentSinceTick: boolean;
}

interface StreamState {
  outbox: Outbox;
  watchers: Map<number, Watcher>;
  nextWatchId: number;
  progressPending: boolean;
  closed: boolean;
}

function defaultHeader(revision: number): ResponseHeader {
  return { cluster_id: 0n, member_id: 0n, revision, raft_term: 0 };
}

function latin1(bytes: Uint8Array): string {
  let s = "";
  for (const byte of bytes) s += String.fromCharCode(byte);
  return s;
}

/** The watch hub of one member. */
export class WatchHub {
  readonly #store: HistorySource;
  readonly #header: (revision: number) => ResponseHeader;
  readonly #requestStep: (() => void) | undefined;
  readonly #settings: Settings;
  /** The last revision notified: every event up to it is in the store and has been offered to watchers. */
  #revision: number;
  readonly #streams = new Set<StreamState>();
  /** Watchers of one key, by key; the rest (ranges) are scanned. */
  readonly #keyWatchers = new Map<string, Set<Watcher>>();
  readonly #rangeWatchers = new Set<Watcher>();
  readonly #unsynced = new Set<Watcher>();
  #stepRequested = false;
  #lastTickMs: number | undefined;

  constructor(options: WatchHubOptions) {
    this.#store = options.store;
    this.#header = options.header ?? defaultHeader;
    this.#requestStep = options.requestStep;
    this.#settings = { ...DEFAULTS };
    for (const name of Object.keys(DEFAULTS) as (keyof Settings)[]) {
      const value = options[name];
      if (value !== undefined) this.#settings[name] = value;
      if (!(this.#settings[name] >= 1)) throw new Error(`watch: ${name} must be ≥ 1`);
    }
    this.#revision = this.#store.currentRevision();
  }

  /** The last revision the hub was notified of. */
  revision(): number {
    return this.#revision;
  }

  /** Number of watchers, and how many are catching up (for /metrics and tests). */
  counts(): { watchers: number; unsynced: number; streams: number } {
    let watchers = 0;
    for (const stream of this.#streams) watchers += stream.watchers.size;
    return { watchers, unsynced: this.#unsynced.size, streams: this.#streams.size };
  }

  /**
   * Offers the events of an applied batch (ordered by revision and sub-revision, all above the last
   * notified revision) to the watchers; `revision` is the store's revision after the batch.
   */
  notify(events: readonly Event[], revision: number): void {
    if (revision < this.#revision) throw new Error(`watch: notify(${revision}) below ${this.#revision}`);
    let lastRev = this.#revision;
    for (const event of events) {
      const rev = event.kv.mod_revision;
      if (rev < lastRev || rev <= this.#revision || rev > revision) {
        throw new Error(`watch: event revision ${rev} out of order (hub ${this.#revision}, batch ${revision})`);
      }
      lastRev = rev;
    }
    this.#revision = revision;
    for (const [watcher, matched] of this.#match(events)) this.#deliverSynced(watcher, matched);
    for (const stream of this.#streams) this.#tryProgress(stream);
    this.#maybeRequestStep();
  }

  /**
   * The store jumped to `revision` without events (a snapshot was installed): every watcher falls back to
   * catch-up from the revision after the last one it was offered, so none silently skips the jump (the
   * history it needs may be gone: then it is canceled with compact_revision, as etcd does).
   */
  restore(revision: number): void {
    if (revision < this.#revision) throw new Error(`watch: restore(${revision}) below ${this.#revision}`);
    const from = this.#revision + 1;
    for (const stream of this.#streams) {
      for (const watcher of stream.watchers.values()) {
        if (watcher.synced && watcher.minRev <= revision) this.#fallBehind(watcher, Math.max(from, watcher.minRev));
      }
    }
    this.#revision = revision;
    this.#maybeRequestStep();
  }

  /**
   * Catches unsynced watchers up from history: at most `pagesPerStep` pages in all. Returns true when
   * work remains that another `step()` can do now (watchers whose streams have room).
   */
  step(): boolean {
    this.#stepRequested = false;
    let pages = 0;
    for (const watcher of [...this.#unsynced]) {
      if (pages >= this.#settings.pagesPerStep) break;
      if (!watcher.stream.outbox.hasRoom()) continue;
      this.#catchUp(watcher);
      pages += 1;
      // Round robin: one still behind goes to the back, so a long catch-up cannot starve the others.
      if (this.#unsynced.delete(watcher)) this.#unsynced.add(watcher);
    }
    for (const stream of this.#streams) this.#tryProgress(stream);
    const more = this.#hasRunnableWork();
    if (more) this.#maybeRequestStep();
    return more;
  }

  /**
   * Sends progress notifications, every `progressIntervalMs`, to synced `progress_notify` watchers that
   * received no events since the previous one (as etcd).
   */
  tick(nowMs: number): void {
    if (this.#lastTickMs === undefined) {
      this.#lastTickMs = nowMs;
      return;
    }
    if (nowMs - this.#lastTickMs < this.#settings.progressIntervalMs) return;
    this.#lastTickMs = nowMs;
    for (const stream of this.#streams) {
      for (const watcher of stream.watchers.values()) {
        const quiet = !watcher.sentSinceTick;
        watcher.sentSinceTick = false;
        if (!watcher.progressNotify || !watcher.synced || !quiet || !stream.outbox.hasRoom()) continue;
        stream.outbox.pushEvents({ header: this.#header(this.#revision), watch_id: watcher.id, events: [] });
      }
    }
  }

  /**
   * Opens a stream for one client connection; `send` returns false to ask for a pause until `resume()`.
   * `onFail` is called if the stream overflows its control reserve; the transport should then end it.
   */
  openStream(send: (response: WatchResponse) => boolean, options: { onFail?: () => void } = {}): WatchStream {
    const limits = {
      maxBufferedResponses: this.#settings.maxBufferedResponses,
      maxControlResponses: this.#settings.maxControlResponses,
    };
    const stream: StreamState = {
      outbox: new Outbox(send, limits, options.onFail),
      watchers: new Map(),
      nextWatchId: 0,
      progressPending: false,
      closed: false,
    };
    this.#streams.add(stream);
    return {
      handle: (req) => this.#handle(stream, req),
      resume: () => this.#resume(stream),
      close: () => this.#close(stream),
      get failed(): boolean {
        return stream.outbox.failed;
      },
    };
  }

  // ---- requests ----

  #handle(stream: StreamState, req: WatchRequest): void {
    if (stream.closed) return;
    if (req.create_request !== undefined) this.#create(stream, req.create_request);
    else if (req.cancel_request !== undefined) this.#cancel(stream, req.cancel_request.watch_id);
    else if (req.progress_request !== undefined) {
      stream.progressPending = true;
      this.#tryProgress(stream);
    }
    this.#maybeRequestStep();
  }

  #create(stream: StreamState, req: WatchCreateRequest): void {
    const refused = this.#refusal(stream, req.watch_id ?? 0);
    if (refused !== undefined) {
      stream.outbox.pushControl({
        header: this.#header(this.#revision),
        watch_id: INVALID_WATCH_ID,
        created: true,
        canceled: true,
        cancel_reason: refused,
        events: [],
      });
      return;
    }
    const id = this.#assignId(stream, req.watch_id ?? 0);
    const start = req.start_revision ?? 0;
    // etcd: 0 means "from now"; any other value, negative ones included, is taken as given (a start at
    // or below the compacted revision is then canceled with compact_revision).
    const minRev = start !== 0 ? start : this.#revision + 1;
    const watcher: Watcher = {
      id,
      stream,
      key: req.key,
      rangeEnd: req.range_end !== undefined && req.range_end.length > 0 ? req.range_end : undefined,
      selector: selectorOf(req.key, req.range_end, req.filters ?? [], req.prev_kv === true),
      minRev,
      synced: minRev > this.#revision,
      nextRev: minRev,
      scan: { revision: minRev, sub: 0 },
      pending: [],
      progressNotify: req.progress_notify === true,
      fragment: req.fragment === true,
      lastEventRev: 0,
      sentSinceTick: false,
    };
    stream.watchers.set(id, watcher);
    this.#index(watcher);
    stream.outbox.pushControl({ header: this.#header(this.#revision), watch_id: id, created: true, events: [] });
    if (!watcher.synced) {
      this.#unsynced.add(watcher);
      // Serve the first page at once: a watcher asking for a little history gets it without a step.
      if (stream.outbox.hasRoom()) this.#catchUp(watcher);
    }
  }

  /** Why a create is refused, as etcd words it; undefined when it is accepted. */
  #refusal(stream: StreamState, requestedId: number): string | undefined {
    if (requestedId !== 0 && stream.watchers.has(requestedId)) return DUPLICATE_ID_REASON;
    if (stream.watchers.size >= this.#settings.maxWatchersPerStream) return TOO_MANY_WATCHERS_REASON;
    return undefined;
  }

  /** etcd's rule: a client-chosen id as given; otherwise the next free id counting up from 0. */
  #assignId(stream: StreamState, requestedId: number): number {
    if (requestedId !== 0) return requestedId;
    // Bounded: at most maxWatchersPerStream ids are taken.
    while (stream.watchers.has(stream.nextWatchId)) stream.nextWatchId += 1;
    const id = stream.nextWatchId;
    stream.nextWatchId += 1;
    return id;
  }

  #cancel(stream: StreamState, id: number): void {
    const watcher = stream.watchers.get(id);
    if (watcher === undefined) return; // etcd 3.4 ignores a cancel of an unknown id
    this.#remove(watcher);
    stream.outbox.pushControl({ header: this.#header(this.#revision), watch_id: id, canceled: true, events: [] });
    this.#tryProgress(stream);
  }

  #resume(stream: StreamState): void {
    if (stream.closed) return;
    stream.outbox.resume();
    // Catch this stream's laggards up right away, one page each, while there is room.
    for (const watcher of stream.watchers.values()) {
      if (!watcher.synced && stream.outbox.hasRoom()) this.#catchUp(watcher);
    }
    this.#tryProgress(stream);
    this.#maybeRequestStep();
  }

  #close(stream: StreamState): void {
    if (stream.closed) return;
    stream.closed = true;
    for (const watcher of [...stream.watchers.values()]) this.#remove(watcher);
    this.#streams.delete(stream);
  }

  // ---- delivery ----

  /** The events of a batch each watcher receives, watchers in no particular order, events in order. */
  #match(events: readonly Event[]): Map<Watcher, Event[]> {
    const out = new Map<Watcher, Event[]>();
    const add = (watcher: Watcher, event: Event): void => {
      if (!watcher.synced) return;
      const list = out.get(watcher);
      if (list === undefined) out.set(watcher, [event]);
      else list.push(event);
    };
    for (const event of events) {
      const exact = this.#keyWatchers.get(latin1(event.kv.key));
      if (exact !== undefined) for (const watcher of exact) add(watcher, event);
      for (const watcher of this.#rangeWatchers) add(watcher, event);
    }
    return out;
  }

  /** Pushes a synced watcher's new events, one response per revision; on a full outbox it falls behind. */
  #deliverSynced(watcher: Watcher, candidates: Event[]): void {
    const events = selectEvents(watcher.selector, candidates, watcher.minRev);
    for (const chunk of chunkByRevisions(events, 1)) {
      const revision = chunk[0]!.kv.mod_revision;
      if (!this.#queueEvents(watcher, chunk, revision)) {
        this.#fallBehind(watcher, revision);
        return;
      }
    }
  }

  /** Queues one response of whole revisions; false when the outbox has no room (nothing was queued). */
  #queueEvents(watcher: Watcher, events: Event[], headerRevision: number): boolean {
    const first = events[0]!.kv.mod_revision;
    if (first <= watcher.lastEventRev) {
      throw new Error(`watch: watcher ${watcher.id} would get revision ${first} after ${watcher.lastEventRev}`);
    }
    const response: WatchResponse = { header: this.#header(headerRevision), watch_id: watcher.id, events };
    const parts = watcher.fragment ? fragmentResponse(response, this.#settings.maxResponseBytes) : [response];
    if (watcher.stream.outbox.pushAll(parts) === "full") return false;
    watcher.lastEventRev = events[events.length - 1]!.kv.mod_revision;
    watcher.sentSinceTick = true;
    return true;
  }

  /** A synced watcher whose outbox is full: every event from `revision` on will come from history. */
  #fallBehind(watcher: Watcher, revision: number): void {
    watcher.synced = false;
    watcher.nextRev = revision;
    watcher.scan = { revision, sub: 0 };
    watcher.pending = [];
    this.#unsynced.add(watcher);
  }

  /** Reads one history page for an unsynced watcher and queues every complete revision it can. */
  #catchUp(watcher: Watcher): void {
    if (watcher.synced) throw new Error("watch: catch-up of a synced watcher");
    const compacted = this.#store.compactedRevision();
    if (watcher.nextRev < compacted) {
      this.#cancelCompacted(watcher, compacted);
      return;
    }
    const done = this.#queuePending(watcher);
    if (!done) return;
    if (watcher.scan.revision <= this.#revision) {
      if (!this.#readPage(watcher)) return;
      if (!this.#queuePending(watcher)) return;
    }
    if (watcher.scan.revision > this.#revision && watcher.pending.length === 0) this.#markSynced(watcher);
  }

  /** Reads the next page into `pending`; false when the watcher was canceled (history compacted). */
  #readPage(watcher: Watcher): boolean {
    let page: HistoryResult;
    try {
      page = this.#store.history({
        key: watcher.key,
        range_end: watcher.rangeEnd,
        start_revision: watcher.scan.revision,
        start_sub: watcher.scan.sub,
        end_revision: this.#revision,
        limit_rows: this.#settings.historyRowsPerPage,
        prev_kv: watcher.selector.prevKv,
      });
    } catch (error) {
      if (!(error instanceof EtcdError)) throw error;
      this.#cancelCompacted(watcher, this.#store.compactedRevision());
      return false;
    }
    watcher.pending.push(...selectEvents(watcher.selector, page.events, watcher.minRev));
    watcher.scan = page.next ?? { revision: this.#revision + 1, sub: 0 };
    return true;
  }

  /**
   * Queues the complete revisions of `pending` (those below the scan position) in responses of at most
   * `maxRevisionsPerResponse` revisions. True when all of them were queued.
   */
  #queuePending(watcher: Watcher): boolean {
    const completeBelow = watcher.scan.revision;
    let count = 0;
    while (count < watcher.pending.length && watcher.pending[count]!.kv.mod_revision < completeBelow) count += 1;
    const ready = watcher.pending.slice(0, count);
    let queued = 0;
    for (const chunk of chunkByRevisions(ready, this.#settings.maxRevisionsPerResponse)) {
      if (!this.#queueEvents(watcher, chunk, this.#revision)) break;
      queued += chunk.length;
      watcher.nextRev = chunk[chunk.length - 1]!.kv.mod_revision + 1;
    }
    watcher.pending = watcher.pending.slice(queued);
    if (queued < count) return false;
    // Everything below the scan position is out (revisions without events for this watcher included).
    watcher.nextRev = Math.max(watcher.nextRev, watcher.pending[0]?.kv.mod_revision ?? completeBelow);
    return true;
  }

  #markSynced(watcher: Watcher): void {
    watcher.synced = true;
    watcher.nextRev = this.#revision + 1;
    this.#unsynced.delete(watcher);
  }

  /** etcd's answer to a watcher whose start was compacted away: canceled, with the compact revision. */
  #cancelCompacted(watcher: Watcher, compacted: number): void {
    const stream = watcher.stream;
    this.#remove(watcher);
    stream.outbox.pushControl({
      header: this.#header(0),
      watch_id: watcher.id,
      canceled: true,
      compact_revision: compacted,
      events: [],
    });
    this.#tryProgress(stream);
  }

  /** Answers a pending progress request once every watcher of the stream is synced. */
  #tryProgress(stream: StreamState): void {
    if (!stream.progressPending || stream.closed) return;
    for (const watcher of stream.watchers.values()) if (!watcher.synced) return;
    stream.progressPending = false;
    stream.outbox.pushControl({ header: this.#header(this.#revision), watch_id: INVALID_WATCH_ID, events: [] });
  }

  // ---- bookkeeping ----

  #index(watcher: Watcher): void {
    if (watcher.selector.span.kind !== "single") {
      this.#rangeWatchers.add(watcher);
      return;
    }
    const name = latin1(watcher.key);
    let set = this.#keyWatchers.get(name);
    if (set === undefined) {
      set = new Set();
      this.#keyWatchers.set(name, set);
    }
    set.add(watcher);
  }

  #remove(watcher: Watcher): void {
    watcher.stream.watchers.delete(watcher.id);
    this.#unsynced.delete(watcher);
    if (watcher.selector.span.kind !== "single") {
      this.#rangeWatchers.delete(watcher);
      return;
    }
    const name = latin1(watcher.key);
    const set = this.#keyWatchers.get(name);
    set?.delete(watcher);
    if (set !== undefined && set.size === 0) this.#keyWatchers.delete(name);
  }

  #hasRunnableWork(): boolean {
    for (const watcher of this.#unsynced) if (watcher.stream.outbox.hasRoom()) return true;
    return false;
  }

  #maybeRequestStep(): void {
    if (this.#stepRequested || this.#requestStep === undefined || !this.#hasRunnableWork()) return;
    this.#stepRequested = true;
    this.#requestStep();
  }
}
