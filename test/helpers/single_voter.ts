/**
 * One voter's storage and Raft core in memory, as the member tests build it: the log and hard state in
 * `db`, the state machine in `stateDb` (the same database unless `separateState`).
 * @module
 */
import { type NodeId, RaftNode } from "../../src/raft/mod.ts";
import type { SqlDatabase } from "../../src/storage/adapter.ts";
import { SqliteRaftLog } from "../../src/storage/raft_log.ts";
import { openDatabase } from "../../src/storage/sqlite_bun.ts";

/** What a single in-memory voter is made of. */
export interface SingleVoter {
  db: SqlDatabase;
  stateDb: SqlDatabase;
  log: SqliteRaftLog;
  raft: RaftNode;
}

/** Builds the storage and core of member `id`, founded with `voters` (default: itself alone). */
export function singleVoter(
  id: NodeId,
  options: { separateState?: boolean; voters?: NodeId[]; random?: () => number } = {},
): SingleVoter {
  const db = openDatabase(":memory:", { durable: false });
  const stateDb = options.separateState === true ? openDatabase(":memory:", { durable: false }) : db;
  const log = new SqliteRaftLog(db, stateDb);
  log.bootstrap({ voters: options.voters ?? [id], learners: [] });
  const raft = new RaftNode({
    id,
    electionTick: 10,
    heartbeatTick: 1,
    storage: log,
    applied: log.applied(),
    maxSizePerMsgBytes: 1 << 20,
    maxInflightMsgs: 256,
    preVote: true,
    checkQuorum: true,
    random: options.random ?? (() => 0.5),
  });
  return { db, stateDb, log, raft };
}
