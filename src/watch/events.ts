/**
 * Pure helpers of the watch hub: which events a watcher wants (key span, filters, prev_kv), how a run of
 * events is cut at revision boundaries, and how an oversized response is split into fragments.
 * @module
 */
import type { Event, WatchResponse } from "../codec/messages.ts";
import { EventType, WatchFilterType } from "../codec/messages.ts";
import { protoSizeBytes } from "../codec/proto_size.ts";
import { compareBytes, keySpan } from "../mvcc/range_rules.ts";
import type { KeySpan } from "../storage/mvcc_queries.ts";

/** What a watcher selects: its key span, the event types it drops, and whether it keeps prev_kv. */
export interface EventSelector {
  span: KeySpan;
  noPut: boolean;
  noDelete: boolean;
  prevKv: boolean;
}

/** The selector of a create request's key, range_end, filters and prev_kv. */
export function selectorOf(
  key: Uint8Array,
  rangeEnd: Uint8Array | undefined,
  filters: readonly number[],
  prevKv: boolean,
): EventSelector {
  return {
    span: keySpan(key, rangeEnd),
    noPut: filters.includes(WatchFilterType.NOPUT),
    noDelete: filters.includes(WatchFilterType.NODELETE),
    prevKv,
  };
}

/** Whether `key` lies in `span`. */
export function spanContains(span: KeySpan, key: Uint8Array): boolean {
  const fromStart = compareBytes(key, span.key);
  if (span.kind === "single") return fromStart === 0;
  if (fromStart < 0) return false;
  return span.kind === "from" || compareBytes(key, span.end) < 0;
}

/**
 * The events of `events` a watcher receives, at or after `fromRevision`: in its span, not filtered out,
 * prev_kv removed unless asked for. Events are shared, never mutated (many watchers see the same ones).
 */
export function selectEvents(selector: EventSelector, events: readonly Event[], fromRevision: number): Event[] {
  const out: Event[] = [];
  for (const event of events) {
    if (event.kv.mod_revision < fromRevision) continue;
    if (event.type === EventType.PUT ? selector.noPut : selector.noDelete) continue;
    if (!spanContains(selector.span, event.kv.key)) continue;
    out.push(selector.prevKv || event.prev_kv === undefined ? event : { type: event.type, kv: event.kv });
  }
  return out;
}

/**
 * Splits events (ordered by revision) into runs of at most `maxRevisions` distinct revisions each, never
 * cutting a revision: the unit of atomic delivery.
 */
export function chunkByRevisions(events: readonly Event[], maxRevisions: number): Event[][] {
  if (!(maxRevisions >= 1)) throw new Error("watch: maxRevisions must be ≥ 1");
  const chunks: Event[][] = [];
  let current: Event[] = [];
  let revisions = 0;
  let lastRev = -1;
  for (const event of events) {
    const rev = event.kv.mod_revision;
    if (rev < lastRev) throw new Error(`watch: events out of order (${rev} after ${lastRev})`);
    if (rev !== lastRev) {
      if (revisions === maxRevisions) {
        chunks.push(current);
        current = [];
        revisions = 0;
      }
      revisions += 1;
      lastRev = rev;
    }
    current.push(event);
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/**
 * etcd's fragmentation: a response over `maxBytes` (protobuf size) whose watcher asked for `fragment` is
 * sent as several, each as full as the limit allows (at least one event), all but the last marked
 * `fragment`. A response that fits, or one event alone, is sent whole.
 */
export function fragmentResponse(response: WatchResponse, maxBytes: number): WatchResponse[] {
  if (response.events.length <= 1 || protoSizeBytes("WatchResponse", response) <= maxBytes) return [response];
  const emptySize = protoSizeBytes("WatchResponse", { ...response, events: [], fragment: true });
  const parts: WatchResponse[] = [];
  let events: Event[] = [];
  let sizeBytes = emptySize;
  for (const event of response.events) {
    const eventBytes = eventFieldSizeBytes(event);
    if (events.length > 0 && sizeBytes + eventBytes > maxBytes) {
      parts.push({ ...response, events, fragment: true });
      events = [];
      sizeBytes = emptySize;
    }
    events.push(event);
    sizeBytes += eventBytes;
  }
  parts.push({ ...response, events });
  return parts;
}

/** Bytes one event adds to a WatchResponse: tag, length varint, body. */
function eventFieldSizeBytes(event: Event): number {
  const body = protoSizeBytes("Event", event);
  return 1 + lengthVarintBytes(body) + body;
}

function lengthVarintBytes(n: number): number {
  let size = 1;
  let rest = n;
  while (rest >= 0x80) {
    rest = Math.floor(rest / 0x80);
    size += 1;
  }
  return size;
}
