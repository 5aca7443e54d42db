/**
 * Throughput of the consensus core alone: three in-memory members in one process, no I/O. The leader is
 * given proposals of 256-byte values in batches; every member's Ready is persisted to MemoryStorage, its
 * messages delivered directly, its committed entries "applied" (counted). Runs for DURATION_MS and prints
 * committed entries/s and MB/s (of payload committed at the leader).
 *
 *   node_modules/.bin/bun bench/raft-core.ts [--seconds 5] [--batch 1000] [--size 256]
 */
import {
  bootstrapSnapshot,
  EntryType,
  MemoryStorage,
  type Message,
  type NodeId,
  RaftNode,
  StateRole,
} from "../src/raft/mod.ts";
import { seededRandom } from "../src/raft/testing.ts";

function flag(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? fallback : Number(process.argv[at + 1]);
}

const DURATION_MS = flag("seconds", 5) * 1000;
const BATCH = flag("batch", 1000);
const VALUE_BYTES = flag("size", 256);
/** Keep this many applied entries in each log; compact the rest away. */
const RETAIN_ENTRIES = 10_000;
const COMPACT_EVERY_ENTRIES = 50_000;
const MAX_PUMP_ROUNDS = 10_000;

interface Member {
  id: NodeId;
  node: RaftNode;
  storage: MemoryStorage;
  applied: number;
  lastCompact: number;
  committedEntries: number;
  committedBytes: number;
}

const ids: NodeId[] = [1n, 2n, 3n];
const members = new Map<NodeId, Member>();
for (const id of ids) {
  const storage = new MemoryStorage({ snapshot: bootstrapSnapshot({ voters: ids, learners: [] }) });
  const node = new RaftNode({
    id,
    electionTick: 10,
    heartbeatTick: 1,
    storage,
    maxSizePerMsgBytes: 1 << 20,
    maxInflightMsgs: 256,
    maxUncommittedEntriesSizeBytes: 1 << 30,
    preVote: true,
    checkQuorum: true,
    random: seededRandom(Number(id)),
  });
  members.set(id, { id, node, storage, applied: 0, lastCompact: 0, committedEntries: 0, committedBytes: 0 });
}

let inbox: Message[] = [];

function handleReady(m: Member): boolean {
  if (!m.node.hasReady()) return false;
  const rd = m.node.ready();
  if (rd.snapshot !== undefined) m.storage.applySnapshot(rd.snapshot);
  if (rd.entries.length > 0) m.storage.append(rd.entries);
  if (rd.hardState !== undefined) m.storage.setHardState(rd.hardState);
  for (let i = 0; i < rd.messages.length; i++) inbox.push(rd.messages[i]!);
  const committed = rd.committedEntries;
  for (let i = 0; i < committed.length; i++) {
    const e = committed[i]!;
    if (e.type === EntryType.Normal && e.data.byteLength > 0) {
      m.committedEntries++;
      m.committedBytes += e.data.byteLength;
    }
  }
  if (committed.length > 0) m.applied = committed[committed.length - 1]!.index;
  m.node.advance();
  if (m.applied - m.lastCompact >= COMPACT_EVERY_ENTRIES) {
    m.storage.createSnapshot(m.applied, m.node.status().confState, new Uint8Array(0));
    m.storage.compact(m.applied - RETAIN_ENTRIES);
    m.lastCompact = m.applied;
  }
  return true;
}

function pump(): void {
  for (let round = 0; round < MAX_PUMP_ROUNDS; round++) {
    let busy = false;
    for (const m of members.values()) busy = handleReady(m) || busy;
    if (inbox.length > 0) {
      const batch = inbox;
      inbox = [];
      for (let i = 0; i < batch.length; i++) {
        const msg = batch[i]!;
        members.get(msg.to)!.node.step(msg);
      }
      busy = true;
    }
    if (!busy) return;
  }
  throw new Error("bench: no quiescence");
}

pump(); // founding entries
const leader = members.get(1n)!;
leader.node.campaign();
pump();
if (leader.node.status().role !== StateRole.Leader) throw new Error("bench: no leader");

// Distinct values, prepared up front so the loop measures the core, not the allocation of payloads.
const POOL = 4096;
const pool: Uint8Array[] = [];
const backing = new Uint8Array(POOL * VALUE_BYTES);
for (let i = 0; i < backing.length; i++) backing[i] = (i * 31) & 0xff;
for (let i = 0; i < POOL; i++) pool.push(backing.subarray(i * VALUE_BYTES, (i + 1) * VALUE_BYTES));

const startMs = performance.now();
let loops = 0;
let proposed = 0;
let rejected = 0;
const startEntries = leader.committedEntries;
const startBytes = leader.committedBytes;
while (performance.now() - startMs < DURATION_MS) {
  for (let i = 0; i < BATCH; i++) {
    if (leader.node.propose(pool[proposed % POOL]!) === undefined) proposed++;
    else rejected++;
  }
  pump();
  // A logical tick every few turns keeps heartbeats and check-quorum in the picture.
  if (++loops % 10 === 0) {
    for (const m of members.values()) m.node.tick();
    pump();
  }
}
const elapsedS = (performance.now() - startMs) / 1000;
const entries = leader.committedEntries - startEntries;
const bytes = leader.committedBytes - startBytes;
for (const m of members.values()) {
  if (m.committedEntries !== leader.committedEntries) {
    throw new Error(`bench: member ${m.id} applied ${m.committedEntries}, leader ${leader.committedEntries}`);
  }
}
const entriesPerS = Math.round(entries / elapsedS);
const mbPerS = bytes / elapsedS / (1024 * 1024);
console.log(
  `raft-core: 3 members, ${VALUE_BYTES}-byte values, batches of ${BATCH}: ${entries} entries committed in ` +
    `${elapsedS.toFixed(2)} s = ${entriesPerS.toLocaleString("en-US")} entries/s, ${mbPerS.toFixed(1)} MB/s` +
    (rejected > 0 ? ` (${rejected} proposals refused)` : ""),
);
