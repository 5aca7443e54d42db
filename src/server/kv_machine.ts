/**
 * The MVCC store as the member's state machine: writes return their response and hand their events on
 * (lease attachments, watchers), reads go straight through.
 * @module
 */
import { type CompactionRequest, type CompactionResponse, type Event, EventType } from "../codec/messages.ts";
import type { MvccStore, RangeStreamSettings, RowMeasure } from "../mvcc/mod.ts";
import type { RangeRequest } from "../codec/messages.ts";
import type { RangeSnapshots } from "../storage/range_stream.ts";

/** Where large ranges' snapshots come from, and when a range streams (src/mvcc/range_stream.ts). */
export interface RangeStreams {
  snapshots: RangeSnapshots;
  settings: RangeStreamSettings;
}
import type { KvStateMachine } from "./member.ts";
import { type KvCounters, newKvCounters } from "../metrics/etcd.ts";

/**
 * Wraps an MvccStore (on the member's database) as a `KvStateMachine`; `onEvents` receives every applied
 * write's events, in apply order (lease attachments, watchers); `counters` counts them for /metrics.
 */
export function mvccStateMachine(
  store: MvccStore,
  onEvents: (events: Event[]) => void = () => {},
  counters: KvCounters = newKvCounters(),
  streams?: RangeStreams,
): KvStateMachine {
  function events<R>(result: { response: R; events: Event[] }): R {
    // For etcd_debugging_mvcc_keys_total: a put of version 1 made a key, a delete removed one.
    for (const event of result.events) {
      if (event.type === EventType.DELETE) counters.keysDelta--;
      else if (event.kv.version === 1) counters.keysDelta++;
      counters.eventRevision = event.kv.mod_revision;
    }
    onEvents(result.events);
    return result.response;
  }
  return {
    range: (req) => {
      counters.ranges++;
      return store.range(req);
    },
    ...(streams === undefined ? {} : {
      rangeStreamed: (req: RangeRequest, how: { beforeSnapshot: () => void; measure?: RowMeasure }) => {
        counters.ranges++;
        return store.rangeStreamed(req, { ...streams, ...how });
      },
    }),
    put: (req) => {
      counters.puts++;
      return events(store.put(req));
    },
    deleteRange: (req) => {
      counters.deletes++;
      return events(store.deleteRange(req));
    },
    txn: (req) => {
      counters.txns++;
      return events(store.txn(req));
    },
    // Always removed at once inside the apply (etcd does it in the background; `physical` only makes the
    // caller wait for it, and here it is done before the reply either way).
    compact: (req: CompactionRequest): CompactionResponse => store.compact(req.revision, { physical: true }),
    revision: () => store.currentRevision(),
    sizeBytes: () => store.sizeBytes(),
  };
}
