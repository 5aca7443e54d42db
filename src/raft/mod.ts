/**
 * The consensus core: a pure, deterministic Raft state machine in the style of etcd-io/raft.
 *
 * ## Driving a member
 * ```ts
 * const node = new RaftNode({ id: 1n, electionTick: 10, heartbeatTick: 1, storage, maxSizePerMsgBytes: 1 << 20,
 *   maxInflightMsgs: 256, preVote: true, checkQuorum: true, random: seededRandom });
 * // every tick interval:         node.tick();
 * // on a message from a peer:    node.step(message);
 * // then, once per loop turn:
 * if (node.hasReady()) {
 *   const rd = node.ready();
 *   // 1. persist: rd.hardState, rd.entries (storage.append), rd.snapshot (storage.applySnapshot); fsync if rd.mustSync
 *   // 2. send rd.messages
 *   // 3. apply rd.snapshot, then rd.committedEntries in order; for an EntryType.ConfChange entry call
 *   //    node.applyConfChange(decodeConfChange(entry.data)); serve rd.readStates once applied up to their index
 *   node.advance();
 * }
 * ```
 * `ready()` may not be called again before `advance()`; `hasReady()` answers false in between.
 *
 * ## Bootstrapping a new cluster
 * Every founding member starts from storage whose snapshot is at index 0 / term 0 and holds the initial
 * ConfState; nothing else is needed (no log entries, zero hard state):
 * ```ts
 * const storage = new MemoryStorage({ snapshot: bootstrapSnapshot({ voters: [1n, 2n, 3n], learners: [] }) });
 * ```
 * On such a first start the core writes the founding configuration into the log, as etcd's Bootstrap does:
 * one committed ConfChange entry per member at term 1 (AddNode for voters, then AddLearnerNode for
 * learners, ids ascending), so every founder has the same entries 1..n. The first Ready hands them out
 * to persist (with hard state term 1, commit n) and to apply like any ConfChange entry (applying a change
 * already in effect changes nothing). Elections start once they are applied, at term 2.
 *
 * A member joining an existing cluster later starts from empty storage (`new MemoryStorage()`, an empty
 * ConfState): it does not campaign, and learns the whole configuration by replaying the leader's log from
 * index 1 (or from a snapshot), including the AddNode / AddLearnerNode that added it.
 *
 * ## Restarting a member
 * Construct the node over the storage as persisted; pass `applied` (the application's applied index) so the
 * committed entries above it are handed out again and nothing is applied twice.
 * @module
 */
export * from "./types.ts";
export { RaftNode } from "./raft.ts";
export { bootstrapSnapshot, entrySizeBytes, limitSize, MemoryStorage } from "./storage.ts";
export { decodeConfChange, encodeConfChange } from "./confchange.ts";
export { ProgressState } from "./progress.ts";
