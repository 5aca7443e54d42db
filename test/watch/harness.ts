/**
 * Shared by the watch tests: an in-memory MVCC store with a hub fed after every write, and a recording
 * stream whose transport can be made slow (refusing more after each response until resumed).
 */
import type { Event, KeyValue, WatchResponse } from "../../src/codec/messages.ts";
import { EventType } from "../../src/codec/messages.ts";
import { MvccStore } from "../../src/mvcc/mod.ts";
import { openDatabase } from "../../src/storage/sqlite_bun.ts";
import { WatchHub, type WatchHubOptions, type WatchStream } from "../../src/watch/mod.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** UTF-8 bytes of a string. */
export function b(text: string): Uint8Array {
  return enc.encode(text);
}

/** A short text of an event, for comparisons: "PUT a=1@5" / "DELETE a@6", with "<prev" when present. */
export function brief(event: Event): string {
  const kv = event.kv;
  const main = event.type === EventType.PUT
    ? `PUT ${dec.decode(kv.key)}=${dec.decode(kv.value)}@${kv.mod_revision}`
    : `DELETE ${dec.decode(kv.key)}@${kv.mod_revision}`;
  return event.prev_kv === undefined ? main : `${main}<${kvText(event.prev_kv)}`;
}

function kvText(kv: KeyValue): string {
  return `${dec.decode(kv.key)}=${dec.decode(kv.value)}@${kv.mod_revision}`;
}

/** A store and a hub notified after every write made through it. */
export class Fixture {
  readonly store: MvccStore;
  readonly hub: WatchHub;
  /** Every event any write produced, in order. */
  readonly all: Event[] = [];

  constructor(options: Omit<WatchHubOptions, "store"> = {}) {
    this.store = new MvccStore(openDatabase(":memory:", { durable: false }));
    this.hub = new WatchHub({ store: this.store, ...options });
  }

  put(key: string, value: string): number {
    return this.#notify(this.store.put({ key: b(key), value: b(value) }).events);
  }

  del(key: string, rangeEnd?: string): number {
    const req = rangeEnd === undefined ? { key: b(key) } : { key: b(key), range_end: b(rangeEnd) };
    return this.#notify(this.store.deleteRange(req).events);
  }

  /** Puts several keys in one txn: one revision, several events. */
  putMany(pairs: [string, string][]): number {
    const success = pairs.map(([key, value]) => ({ request_put: { key: b(key), value: b(value) } }));
    return this.#notify(this.store.txn({ success }).events);
  }

  #notify(events: Event[]): number {
    this.all.push(...events);
    const revision = this.store.currentRevision();
    this.hub.notify(events, revision);
    return revision;
  }
}

/** A stream that records every response; `slow` makes its transport refuse more after each one. */
export class Recorder {
  readonly responses: WatchResponse[] = [];
  readonly stream: WatchStream;
  slow = false;
  failed = false;

  constructor(hub: WatchHub) {
    this.stream = hub.openStream((response) => {
      this.responses.push(response);
      return !this.slow;
    }, { onFail: () => (this.failed = true) });
  }

  /** Events received by a watcher, in arrival order. */
  events(watchId = 0): Event[] {
    return this.responses.filter((r) => r.watch_id === watchId).flatMap((r) => r.events);
  }

  /** Responses carrying events. */
  eventResponses(): WatchResponse[] {
    return this.responses.filter((r) => r.events.length > 0);
  }
}
