/**
 * Who this member is, on its first start and on every restart: the member and cluster ids, the cluster
 * token, and the members registry's first content.
 *
 * - A founder (`--initial-cluster-state new`) derives the ids from the flags as etcd does, and refuses to
 *   start when a running peer says this member was bootstrapped before (a wiped data dir must go through
 *   member remove + member add + `existing`, never rejoin silently with an empty log).
 * - A joining member (`existing`) asks a peer for the cluster and finds itself among the members (added by
 *   member add); it starts with an empty log and catches up from the leader.
 * - A restart reads what the first start stored, whatever the flags say now.
 * @module
 */
import type { Member as MemberInfo } from "../codec/messages.ts";
import type { SqlDatabase } from "../storage/adapter.ts";
import type { SqliteRaftLog } from "../storage/raft_log.ts";
import { createRequestTransport, type PeerTls } from "../transport/mod.ts";
import { type ClusterInfoAnswer, decodeMembersAnswer, membersRequest } from "./cluster.ts";
import type { ServerConfig } from "./config.ts";
import { clusterIdFor, idHex, memberIdFor } from "./ids.ts";
import type { MemberRegistry } from "./members.ts";

/** The identity of a member. */
export interface ClusterInfo {
  memberId: bigint;
  clusterId: bigint;
  /** The --initial-cluster-token the member was created with: peers must present the same. */
  token: string;
}

interface StoredCluster {
  memberId: string;
  clusterId: string;
  token?: string;
  /** Written by data dirs from before the members registry. */
  members?: { ID: string; name: string; peerURLs: string[] }[];
}

/** How long a starting member waits for one peer's answer about the cluster. */
const PEER_QUERY_TIMEOUT_MS = 1_000;

function ensureTable(db: SqlDatabase): void {
  db.exec("CREATE TABLE IF NOT EXISTS tsetcd_cluster (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
}

/** A restart: the identity stored on first start. A data dir from before the registry seeds it. */
export function loadCluster(db: SqlDatabase, registry: MemberRegistry): ClusterInfo {
  ensureTable(db);
  const row = db.prepare("SELECT value FROM tsetcd_cluster WHERE key = 'cluster'").get();
  if (row === undefined) throw new Error("the data dir has a Raft log but no cluster record");
  const stored = JSON.parse(String(row.value)) as StoredCluster;
  if (registry.isEmpty() && stored.members !== undefined) {
    for (const m of stored.members) {
      registry.put({ ID: BigInt(m.ID), name: m.name, peerURLs: m.peerURLs, clientURLs: [] });
    }
  }
  return { memberId: BigInt(stored.memberId), clusterId: BigInt(stored.clusterId), token: stored.token ?? "etcd-cluster" };
}

/** A brand-new data dir: found a new cluster or join an existing one; stores the identity. */
export async function startCluster(
  config: ServerConfig,
  db: SqlDatabase,
  log: SqliteRaftLog,
  registry: MemberRegistry,
  peerTls?: PeerTls,
  /** False for `snapshot restore`: it founds the cluster offline, every member from the same file. */
  askPeers = true,
): Promise<ClusterInfo> {
  const token = config.initialClusterToken;
  let info: ClusterInfo;
  let members: MemberInfo[];
  if (config.initialClusterState === "existing") {
    const joined = await joinExisting(config, peerTls);
    info = { memberId: joined.memberId, clusterId: joined.clusterId, token };
    members = joined.members;
  } else {
    members = [...config.initialCluster].map(([name, peerURLs]) => ({
      ID: memberIdFor(peerURLs, token),
      name,
      peerURLs,
      clientURLs: [],
    }));
    const memberId = members.find((m) => m.name === config.name)!.ID;
    info = { memberId, clusterId: clusterIdFor(members.map((m) => m.ID)), token };
    if (members.length > 1 && askPeers) await refuseIfBootstrapped(config, memberId, peerTls);
  }
  const stored: StoredCluster = { memberId: String(info.memberId), clusterId: String(info.clusterId), token };
  ensureTable(db);
  db.transaction(() =>
    db.prepare("INSERT OR REPLACE INTO tsetcd_cluster (key, value) VALUES ('cluster', ?)").run(JSON.stringify(stored))
  );
  for (const m of members) registry.put(m);
  // A founder writes the founding configuration; a joining member learns it from the leader's log.
  if (config.initialClusterState === "new") log.bootstrap({ voters: members.map((m) => m.ID), learners: [] });
  return info;
}

/** Asks every peer of --initial-cluster (not this member's URLs) what cluster it is in; bounded per peer. */
async function askPeers(config: ServerConfig, memberId: bigint, peerTls: PeerTls | undefined): Promise<ClusterInfoAnswer[]> {
  const own = new Set(config.initialAdvertisePeerUrls);
  const urls = [...config.initialCluster.values()].flat().filter((u) => !own.has(u));
  const transport = createRequestTransport(memberId, config.initialClusterToken, peerTls);
  try {
    const answers = await Promise.all(urls.map(async (url) => {
      try {
        const bytes = await transport.request(url, membersRequest(), { timeoutMs: PEER_QUERY_TIMEOUT_MS });
        return decodeMembersAnswer(bytes);
      } catch {
        return undefined; // not up yet, or another cluster token: ask the others
      }
    }));
    return answers.filter((a): a is ClusterInfoAnswer => a !== undefined);
  } finally {
    await transport.close();
  }
}

/** etcd's isMemberBootstrapped: a running peer lists this member with client URLs (it published before). */
async function refuseIfBootstrapped(config: ServerConfig, memberId: bigint, peerTls: PeerTls | undefined): Promise<void> {
  for (const answer of await askPeers(config, memberId, peerTls)) {
    const me = answer.members.find((m) => m.ID === memberId);
    if (me !== undefined && me.clientURLs.length > 0) {
      throw new Error(
        `member ${idHex(memberId)} has already been bootstrapped (remove it with member remove, add it again ` +
          `with member add, and start it with --initial-cluster-state existing)`,
      );
    }
  }
}

/** Finds this member, by its peer URLs, in a running cluster. */
async function joinExisting(
  config: ServerConfig,
  peerTls: PeerTls | undefined,
): Promise<{ memberId: bigint; clusterId: bigint; members: MemberInfo[] }> {
  const answers = await askPeers(config, 1n, peerTls);
  if (answers.length === 0) {
    throw new Error("could not reach any member of the existing cluster (--initial-cluster) to join it");
  }
  const answer = answers[0]!;
  const own = config.initialAdvertisePeerUrls;
  const me = answer.members.find((m) => m.peerURLs.some((u) => own.includes(u)));
  if (me === undefined) {
    throw new Error(`this member's peer URLs (${own.join(",")}) are not in the existing cluster; add it with member add first`);
  }
  return { memberId: me.ID, clusterId: answer.clusterId, members: answer.members };
}
