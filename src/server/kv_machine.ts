/**
 * The MVCC store as the member's state machine: writes return their response (events are for watchers,
 * which a later issue adds), reads go straight through.
 * @module
 */
import type { CompactionRequest, CompactionResponse } from "../codec/messages.ts";
import type { MvccStore } from "../mvcc/mod.ts";
import type { KvStateMachine } from "./member.ts";

/** Wraps an MvccStore (on the member's database) as a `KvStateMachine`. */
export function mvccStateMachine(store: MvccStore): KvStateMachine {
  return {
    range: (req) => store.range(req),
    put: (req) => store.put(req).response,
    deleteRange: (req) => store.deleteRange(req).response,
    txn: (req) => store.txn(req).response,
    // Always removed at once inside the apply (etcd does it in the background; `physical` only makes the
    // caller wait for it, and here it is done before the reply either way).
    compact: (req: CompactionRequest): CompactionResponse => store.compact(req.revision, { physical: true }),
    revision: () => store.currentRevision(),
    sizeBytes: () => store.sizeBytes(),
  };
}
