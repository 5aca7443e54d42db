/**
 * Maintenance.Hash and Maintenance.HashKV for one member: the walk (src/storage/hash_kv.ts) on the state
 * database, answered with this member's header and etcd's errors.
 * @module
 */
import { Errors } from "../codec/errors.ts";
import type { AlarmRequest, AlarmResponse, DefragmentResponse, HashKVRequest, HashKVResponse, HashResponse, ResponseHeader } from "../codec/messages.ts";
import { HashRevisionError, type KvHash, type KvHasher } from "../storage/hash_kv.ts";

/** The maintenance RPCs a front-end calls (beside Status, Snapshot and MoveLeader). */
export interface MaintenanceService {
  hash(): Promise<HashResponse>;
  hashKv(req: HashKVRequest): Promise<HashKVResponse>;
  /** Maintenance.Alarm (src/server/alarms.ts); without it, etcd's answer with no alarm raised. */
  alarm?(req: AlarmRequest): Promise<AlarmResponse>;
  /** Maintenance.Defragment (src/storage/defrag.ts). */
  defragment?(): Promise<DefragmentResponse>;
}

/** What the service needs from the member. */
export interface HashServiceOptions {
  hasher: KvHasher;
  /** This member's response header now (its revision is replaced by the hashed store's). */
  header: () => Promise<ResponseHeader>;
}

/** Hash and HashKV over one member's store. */
export function hashService(options: HashServiceOptions): MaintenanceService {
  const withHeader = async (result: KvHash): Promise<ResponseHeader> => ({
    ...(await options.header()),
    revision: result.currentRevision,
  });
  return {
    async hash(): Promise<HashResponse> {
      const result = await options.hasher.hash();
      return { header: await withHeader(result), hash: result.hash };
    },
    async hashKv(req: HashKVRequest): Promise<HashKVResponse> {
      const revision = req.revision ?? 0;
      let result: KvHash;
      try {
        result = await options.hasher.hashKv(revision);
      } catch (err) {
        if (err instanceof HashRevisionError) throw err.kind === "compacted" ? Errors.compacted() : Errors.futureRev();
        throw err;
      }
      return { header: await withHeader(result), hash: result.hash, compact_revision: result.compactRevision };
    },
  };
}
