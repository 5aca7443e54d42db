/**
 * v3electionpb.Election as etcd's election server runs it: clientv3's election recipe on the server, over
 * the same KV and watch services as the other RPCs. Candidates put `name/<lease hex>` with their value; the
 * leader is the key created first. Campaign waits until every earlier key is gone; Proclaim rewrites the
 * leader's value while it still leads; Resign deletes its key; Leader reads the first key. Errors come as
 * etcd's server sends them (Unknown, the recipe's texts). Observe, a stream, is in observe.ts.
 * @module
 */
import { EtcdError, GrpcCode } from "../codec/errors.ts";
import {
  type CampaignRequest,
  type CampaignResponse,
  CompareResult,
  CompareTarget,
  type LeaderKey,
  type LeaderRequest,
  type LeaderResponse,
  type ProclaimRequest,
  type ProclaimResponse,
  type RangeRequest,
  type ResignRequest,
  type ResignResponse,
  SortOrder,
  SortTarget,
  type TxnRequest,
} from "../codec/messages.ts";
import { asClientError, checked, concat, prefixEnd, waitPredecessors } from "./mutex.ts";
import type { GrpcServices } from "./types.ts";

const ENC = new TextEncoder();
const notLeader = (): EtcdError => new EtcdError(GrpcCode.Unknown, "election: not leader");
const noLeader = (): EtcdError => new EtcdError(GrpcCode.Unknown, "election: no leader");
const missingLeader = (): EtcdError => new EtcdError(GrpcCode.Unknown, '"leader" field must be provided');

/**
 * etcd refuses a request without a leader key. The schema fills an absent LeaderKey with zero values, so
 * an empty key stands for it (an explicit LeaderKey with an empty key, which etcd would take to its txn
 * check's "key is not provided", gets the same answer as none).
 */
function hasLeader(leader: LeaderKey | undefined): leader is LeaderKey {
  return leader !== undefined && leader.key.length > 0;
}

/** Campaign: resolves once this candidate leads `req.name`; rejects if `signal` aborts first. */
export function campaign(services: GrpcServices, req: CampaignRequest, signal?: AbortSignal): Promise<CampaignResponse> {
  return asClientError(runCampaign(services, req, signal));
}

/** Proclaim: a new value for the leader's key, if it still leads. */
export function proclaim(services: GrpcServices, req: ProclaimRequest): Promise<ProclaimResponse> {
  return asClientError((async () => {
    if (!hasLeader(req.leader)) throw missingLeader();
    return { header: await writeIfLeader(services, req.leader, req.value) };
  })());
}

/** Leader: the current leader's key and value. */
export function leader(services: GrpcServices, req: LeaderRequest): Promise<LeaderResponse> {
  return asClientError((async () => {
    const prefix = concat(req.name, ENC.encode("/"));
    const range = await services.kv.range(checked<RangeRequest>("RangeRequest", firstCreated(prefix)));
    const kv = range.kvs[0];
    if (kv === undefined) throw noLeader();
    return { header: range.header, kv };
  })());
}

/** Resign: deletes the leader's key if it is still the one campaigned with. */
export function resign(services: GrpcServices, req: ResignRequest): Promise<ResignResponse> {
  return asClientError((async () => {
    if (!hasLeader(req.leader)) throw missingLeader();
    return { header: await deleteIfLeader(services, req.leader) };
  })());
}

async function runCampaign(services: GrpcServices, req: CampaignRequest, signal?: AbortSignal): Promise<CampaignResponse> {
  const prefix = concat(req.name, ENC.encode("/"));
  const key = concat(prefix, ENC.encode(req.lease.toString(16)));
  const txn = await services.kv.txn(checked<TxnRequest>("TxnRequest", {
    compare: [{ result: CompareResult.EQUAL, target: CompareTarget.CREATE, key, create_revision: 0 }],
    success: [{ request_put: { key, value: req.value, lease: req.lease } }],
    failure: [{ request_range: { key } }],
  }));
  const leaderKey: LeaderKey = { name: req.name, key, rev: txn.header.revision, lease: req.lease };
  if (!txn.succeeded) {
    const existing = txn.responses[0]!.response_range!.kvs[0]!;
    leaderKey.rev = existing.create_revision;
    if (!sameBytes(existing.value, req.value)) {
      try {
        await writeIfLeader(services, leaderKey, req.value);
      } catch (error) {
        await deleteIfLeader(services, leaderKey).catch(() => {});
        throw error;
      }
    }
  }
  try {
    await waitPredecessors(services, prefix, leaderKey.rev - 1, signal);
  } catch (error) {
    // As the recipe: a campaign given up by its caller resigns.
    if (signal?.aborted === true) await deleteIfLeader(services, leaderKey).catch(() => {});
    throw error;
  }
  return { header: txn.header, leader: leaderKey };
}

async function writeIfLeader(services: GrpcServices, leaderKey: LeaderKey, value: Uint8Array): Promise<ProclaimResponse["header"]> {
  const txn = await services.kv.txn(checked<TxnRequest>("TxnRequest", {
    compare: [{ result: CompareResult.EQUAL, target: CompareTarget.CREATE, key: leaderKey.key, create_revision: leaderKey.rev }],
    success: [{ request_put: { key: leaderKey.key, value, lease: leaderKey.lease } }],
    failure: [],
  }));
  if (!txn.succeeded) throw notLeader();
  return txn.header;
}

async function deleteIfLeader(services: GrpcServices, leaderKey: LeaderKey): Promise<ResignResponse["header"]> {
  const txn = await services.kv.txn(checked<TxnRequest>("TxnRequest", {
    compare: [{ result: CompareResult.EQUAL, target: CompareTarget.CREATE, key: leaderKey.key, create_revision: leaderKey.rev }],
    success: [{ request_delete_range: { key: leaderKey.key } }],
    failure: [],
  }));
  return txn.header;
}

function firstCreated(prefix: Uint8Array): Partial<RangeRequest> {
  return { key: prefix, range_end: prefixEnd(prefix), sort_target: SortTarget.CREATE, sort_order: SortOrder.ASCEND, limit: 1 };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
