/**
 * etcd 3.4's corruption checks (etcdserver/corrupt.go), over HashKV (src/storage/hash_kv.ts):
 *
 * - Initial (`--experimental-initial-corrupt-check`): before a member that already has data serves anything,
 *   it hashes its own store and asks every peer for its HashKV at the same revision. A peer whose compact
 *   revision is the same but whose hash differs is an inconsistency: the member refuses to start
 *   ("<id> found data inconsistency with peers"). A peer that is behind (future revision), compacted past it, or
 *   unreachable is only reported, as etcd does.
 * - Periodic (`--experimental-corrupt-check-time`): the leader hashes, asks the peers at its revision, hashes
 *   again, and raises the CORRUPT alarm through Raft for a member that is ahead of it, compacted past it, or
 *   has a different hash at the same compact revision — or for itself when its own hash changed under an
 *   unchanged revision. At most one alarm per pass.
 *
 * Peers answer on the peer transport: a CBOR `{kind: "hashkv", revision}` request (`handlePeerHashKv`).
 * @module
 */
import { decodeCborValue, encodeCbor } from "../codec/cbor.ts";
import { type KvHash, type KvHasher, HashRevisionError } from "../storage/hash_kv.ts";
import { idHex } from "./ids.ts";

/** One peer's HashKV as it answered. */
export interface PeerHash {
  memberId: bigint;
  hash: number;
  compactRevision: number;
  /** The peer's current revision when it hashed. */
  revision: number;
}

/** A peer to ask: its id and peer URLs. */
export interface CorruptPeer {
  id: bigint;
  peerURLs: string[];
}

/** What the checks need from the server. */
export interface CorruptCheckOptions {
  memberId: bigint;
  hasher: KvHasher;
  /** The other members. */
  peers: () => CorruptPeer[];
  /** Sends a peer request to one peer URL; resolves with its answer bytes. */
  request: (url: string, payload: Uint8Array, timeoutMs: number) => Promise<Uint8Array>;
  /** Bound on each peer's answer. */
  timeoutMs: number;
  warn: (message: string) => void;
}

const HASHKV_KIND = "hashkv";

/**
 * Answers a peer's HashKV request, or returns undefined when `payload` is not one (the caller passes it on).
 */
export function handlePeerHashKv(payload: Uint8Array, hasher: KvHasher, memberId: bigint): Promise<Uint8Array> | undefined {
  let request: unknown;
  try {
    request = decodeCborValue(payload);
  } catch {
    return undefined;
  }
  if (typeof request !== "object" || request === null || (request as { kind?: unknown }).kind !== HASHKV_KIND) return undefined;
  const revision = (request as { revision?: unknown }).revision;
  if (typeof revision !== "number" || !Number.isSafeInteger(revision)) {
    return Promise.resolve(encodeCbor({ error: { kind: "bad", message: "hashkv revision is not an integer" } }));
  }
  return hasher.hashKv(revision).then(
    (h) => encodeCbor({ ok: { memberId: String(memberId), hash: h.hash, compactRevision: h.compactRevision, revision: h.currentRevision } }),
    (err) => encodeCbor({ error: { kind: err instanceof HashRevisionError ? err.kind : "other", message: String((err as Error)?.message ?? err) } }),
  );
}

/** Asks one peer (its URLs in turn) for its HashKV at `revision`. */
async function askPeer(o: CorruptCheckOptions, peer: CorruptPeer, revision: number): Promise<PeerHash> {
  let lastError = "no peer URL";
  for (const url of peer.peerURLs) {
    try {
      const raw = decodeCborValue(await o.request(url, encodeCbor({ kind: HASHKV_KIND, revision }), o.timeoutMs));
      const answer = raw as { ok?: Record<string, unknown>; error?: { kind?: string; message?: string } };
      if (answer.error !== undefined) throw new Error(answer.error.message ?? "unknown error");
      const ok = answer.ok ?? {};
      return {
        memberId: BigInt(String(ok.memberId)),
        hash: Number(ok.hash),
        compactRevision: Number(ok.compactRevision),
        revision: Number(ok.revision),
      };
    } catch (err) {
      lastError = String((err as Error)?.message ?? err);
    }
  }
  throw new Error(lastError);
}

/** Every peer's answer (a failed peer is warned about and left out). */
async function askPeers(o: CorruptCheckOptions, revision: number): Promise<PeerHash[]> {
  const answers = await Promise.all(o.peers().map(async (peer) => {
    try {
      return await askPeer(o, peer, revision);
    } catch (err) {
      o.warn(`corrupt check: cannot fetch hash from peer ${idHex(peer.id)} at revision ${revision}: ${(err as Error).message}`);
      return undefined;
    }
  }));
  return answers.filter((a): a is PeerHash => a !== undefined);
}

/** Pure: the peers whose answer at the same compact revision disagrees with ours (the initial check's rule). */
export function initialMismatches(own: KvHash, peers: PeerHash[]): PeerHash[] {
  return peers.filter((p) => p.compactRevision === own.compactRevision && p.hash !== own.hash);
}

/**
 * The initial check: throws "<id> found data inconsistency with peers" on a mismatch, as etcd refuses to start.
 */
export async function checkInitialHashKv(o: CorruptCheckOptions): Promise<void> {
  const own = await o.hasher.hashKv(0);
  const peers = await askPeers(o, own.currentRevision);
  for (const p of peers) {
    if (p.hash !== own.hash && p.compactRevision !== own.compactRevision) {
      o.warn(`corrupt check: peer ${idHex(p.memberId)} has a different compact revision (${p.compactRevision}, ours ${own.compactRevision}): not compared`);
    }
  }
  const bad = initialMismatches(own, peers);
  for (const p of bad) {
    o.warn(`corrupt check: found different hash values from peer ${idHex(p.memberId)} at revision ${own.currentRevision} (${p.hash}, ours ${own.hash})`);
  }
  if (bad.length > 0) throw new Error(`${idHex(o.memberId)} found data inconsistency with peers`);
}

/**
 * Pure: which member the leader's periodic pass raises CORRUPT for, if any (etcd's checkHashKV): `before`
 * and `after` are the leader's hashes around the peers' answers.
 */
export function periodicSuspect(memberId: bigint, before: KvHash, after: KvHash, peers: PeerHash[]): bigint | undefined {
  if (after.hash !== before.hash && after.currentRevision === before.currentRevision &&
    after.compactRevision === before.compactRevision) {
    return memberId;
  }
  for (const p of peers) {
    if (p.revision > after.currentRevision) return p.memberId; // a follower ahead of its leader
    if (p.compactRevision > after.compactRevision) return p.memberId;
    if (p.compactRevision === before.compactRevision && p.hash !== before.hash) return p.memberId;
  }
  return undefined;
}

/** One periodic pass on the leader; resolves with the member to raise CORRUPT for, if any. */
export async function periodicCheck(o: CorruptCheckOptions, confirmLeader: () => Promise<void>): Promise<bigint | undefined> {
  const before = await o.hasher.hashKv(0);
  const peers = await askPeers(o, before.currentRevision);
  await confirmLeader(); // etcd: a linearizable read, so "after" is at least as new as what the peers saw
  const after = await o.hasher.hashKv(0);
  return periodicSuspect(o.memberId, before, after, peers);
}

/** What the periodic monitor needs besides the check's options. */
export interface CorruptMonitorOptions {
  intervalMs: number;
  isLeader: () => boolean;
  confirmLeader: () => Promise<void>;
  /** Raises CORRUPT for `memberId` through Raft. */
  raise: (memberId: bigint) => Promise<unknown>;
}

/** Runs `periodicCheck` every `intervalMs` while leader, one pass at a time; `stop` ends it. */
export function startCorruptMonitor(o: CorruptCheckOptions, m: CorruptMonitorOptions): { stop(): void } {
  if (!(m.intervalMs > 0)) throw new Error("corrupt monitor: intervalMs must be positive");
  let running = false;
  const timer = setInterval(() => {
    if (running || !m.isLeader()) return;
    running = true;
    periodicCheck(o, m.confirmLeader)
      .then(async (suspect) => {
        if (suspect === undefined) return;
        o.warn(`corrupt check: raising CORRUPT for member ${idHex(suspect)}`);
        await m.raise(suspect);
      })
      .catch((err) => o.warn(`corrupt check: pass failed: ${(err as Error)?.message ?? err}`))
      .finally(() => (running = false));
  }, m.intervalMs);
  return { stop: () => clearInterval(timer) };
}
