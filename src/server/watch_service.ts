/**
 * The watch service of one member: the WatchHub fed with every applied write's events, its catch-up
 * steps scheduled on the event loop, its progress clock driven by the member's tick.
 * @module
 */
import type { Event, ResponseHeader } from "../codec/messages.ts";
import type { MvccStore } from "../mvcc/mod.ts";
import { WatchHub } from "../watch/mod.ts";
import { logger } from "../log/mod.ts";

/** Options of the watch service. */
export interface WatchServiceOptions {
  store: MvccStore;
  /** Fills a response header for a revision. */
  header: (revision: number) => ResponseHeader;
  /** --max-request-bytes: a `fragment` watcher's responses are split above it. */
  maxResponseBytes: number;
  /** Interval of progress notifications (default: the hub's). */
  progressIntervalMs?: number;
}

/** Catch-up rounds run back to back before yielding to the event loop (requests, the Ready loop). */
const STEPS_PER_TURN = 4;

/** The hub and the hooks the server calls. */
export class WatchService {
  readonly hub: WatchHub;
  readonly #store: MvccStore;
  #stepTimer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  constructor(options: WatchServiceOptions) {
    this.#store = options.store;
    this.hub = new WatchHub({
      store: options.store,
      header: options.header,
      maxResponseBytes: options.maxResponseBytes,
      ...(options.progressIntervalMs === undefined ? {} : { progressIntervalMs: options.progressIntervalMs }),
      requestStep: () => this.#scheduleStep(),
    });
  }

  /** The events of one applied write (in apply order); revisions must be above everything notified. */
  onEvents(events: readonly Event[]): void {
    if (this.#closed) return;
    const revision = this.#store.currentRevision();
    if (events.length === 0 && revision === this.hub.revision()) return;
    try {
      this.hub.notify(events, revision);
    } catch (error) {
      // Called inside the apply of a committed write: a failure of this member's own watchers must not
      // become the write's outcome (the other members applied it), so it is contained here and the
      // watchers catch up from the store's history as after a snapshot.
      logger().error(`watch hub failed at revision ${revision}; watchers catch up from history: ${error}`);
      this.#resync(revision);
    }
  }

  #resync(revision: number): void {
    try {
      if (revision >= this.hub.revision()) this.hub.restore(revision);
    } catch (error) {
      logger().error(`watch hub could not catch up: ${error}`);
    }
  }

  /** A snapshot replaced the store: watchers catch up from history (or are canceled as compacted). */
  onSnapshotInstalled(): void {
    if (this.#closed) return;
    this.hub.restore(this.#store.currentRevision());
  }

  /** The member's tick: progress notifications. */
  tick(nowMs: number): void {
    if (!this.#closed) this.hub.tick(nowMs);
  }

  close(): void {
    this.#closed = true;
    if (this.#stepTimer !== undefined) clearTimeout(this.#stepTimer);
  }

  #scheduleStep(): void {
    if (this.#stepTimer !== undefined || this.#closed) return;
    this.#stepTimer = setTimeout(() => {
      this.#stepTimer = undefined;
      if (this.#closed) return;
      for (let i = 0; i < STEPS_PER_TURN; i++) if (!this.hub.step()) return;
      this.#scheduleStep();
    }, 0);
  }
}
