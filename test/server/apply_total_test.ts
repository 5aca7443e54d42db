/**
 * Apply is total (src/server/member.ts): a committed entry that does not decode, or that breaks an
 * invariant half-way through its write, is rolled back and answered as `entryNotApplied` — the waiting
 * proposer gets it, nothing it wrote stays, and the member goes on applying. Only storage failures
 * (src/server/storage_failure.ts) are thrown on.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { EtcdError, GrpcCode } from "../../src/codec/errors.ts";
import type { PutRequest } from "../../src/codec/messages.ts";
import { MvccStore } from "../../src/mvcc/mod.ts";
import type { RaftNode } from "../../src/raft/mod.ts";
import { mvccStateMachine } from "../../src/server/kv_machine.ts";
import { type KvStateMachine, Member } from "../../src/server/member.ts";
import { isStorageFailure, sqliteCodeOf } from "../../src/server/storage_failure.ts";
import { openDatabase } from "../../src/storage/sqlite_bun.ts";
import { singleVoter } from "../helpers/single_voter.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const ID = 0x51n;

interface Setup {
  member: Member;
  raft: RaftNode;
  store: MvccStore;
}

/**
 * One voter whose state machine writes a put, then breaks an invariant for keys starting with "boom"
 * (after its row is written, so only a rollback can remove it).
 */
async function setup(separateState: boolean): Promise<Setup> {
  const { db, stateDb, log, raft } = singleVoter(ID, { separateState });
  const store = new MvccStore(stateDb);
  const inner = mvccStateMachine(store);
  const kv: KvStateMachine = {
    ...inner,
    put(req: PutRequest) {
      const response = inner.put(req);
      if (dec.decode(req.key).startsWith("boom")) throw new Error("invariant broken after the write");
      return response;
    },
  };
  const member = new Member({
    db,
    stateDb,
    log,
    raft,
    kv,
    memberId: ID,
    clusterId: 7n,
    members: () => [],
    singleVoter: () => true,
    maxTxnOps: 128,
    maxRequestBytes: 1 << 20,
    requestTimeoutMs: 2_000,
    maxPendingRequests: 100,
    version: "3.4.30",
    ...(separateState ? { stateCommitIntervalMs: 1_000 } : {}),
  });
  await member.campaign();
  return { member, raft, store };
}

async function rejection(promise: Promise<unknown>): Promise<EtcdError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof EtcdError) return err;
    throw err;
  }
  throw new Error("expected a rejection");
}

/** Waits (bounded) until the member applied up to `index`. */
async function appliedUpTo(member: Member, index: number): Promise<void> {
  for (let turn = 0; turn < 200 && member.info().applied < index; turn++) {
    member.tick();
    await Bun.sleep(5);
  }
  assert.ok(member.info().applied >= index, `applied ${member.info().applied} < ${index}`);
}

for (const separateState of [false, true]) {
  const mode = separateState ? "separate state db" : "one db";

  test(`${mode}: an invariant broken half-way is rolled back and answered; the member goes on`, async () => {
    const { member, store } = await setup(separateState);
    await member.put({ key: enc.encode("before"), value: enc.encode("1") });
    const revision = store.currentRevision();
    const error = await rejection(member.put({ key: enc.encode("boom"), value: enc.encode("x") }));
    assert.is(error.code, GrpcCode.Internal);
    assert.is(error.message, "etcdserver: request could not be applied: invariant broken after the write");
    // The row the put wrote before the failure is gone, and the revision did not move.
    assert.is(store.currentRevision(), revision);
    assert.is(store.range({ key: enc.encode("boom") }).kvs.length, 0);
    const after = await member.put({ key: enc.encode("after"), value: enc.encode("2") });
    assert.is(after.header.revision, revision + 1);
    assert.is(dec.decode(store.range({ key: enc.encode("after") }).kvs[0]!.value), "2");
    member.stop();
  });

  test(`${mode}: entries that are no proposal are skipped alike; an operation it cannot apply is answered`, async () => {
    const { member, raft, store } = await setup(separateState);
    const revision = store.currentRevision();
    // Raw bytes, as a foreign or older proposer could have committed them.
    for (const data of [new Uint8Array([0xff, 0x01]), enc.encode("not cbor at all"), new Uint8Array([0xa0])]) {
      raft.propose(data);
    }
    const target = member.info().lastIndex + 3;
    await appliedUpTo(member, target);
    // This member has no lease service: the lease grant is an operation it cannot apply.
    const empty = await rejection(member.proposeWrite({ leaseGrant: { ID: 5n, TTL: 5 } }));
    assert.is(empty.code, GrpcCode.Internal);
    assert.is(empty.message, "etcdserver: request could not be applied: apply: proposal without an operation");
    const ok = await member.put({ key: enc.encode("k"), value: enc.encode("v") });
    assert.is(ok.header.revision, revision + 1);
    member.stop();
  });
}

test("storage failures are told apart by SQLite's code, extended codes included", () => {
  const sqlite = (code: string): Error => Object.assign(new Error(code), { name: "SQLiteError", code });
  for (const code of ["SQLITE_IOERR_WRITE", "SQLITE_IOERR", "SQLITE_FULL", "SQLITE_CORRUPT", "SQLITE_NOTADB",
    "SQLITE_CANTOPEN", "SQLITE_READONLY_DBMOVED", "SQLITE_BUSY", "SQLITE_NOMEM"]) {
    assert.ok(isStorageFailure(sqlite(code)), code);
  }
  for (const code of ["SQLITE_CONSTRAINT_PRIMARYKEY", "SQLITE_MISMATCH", "SQLITE_TOOBIG", "SQLITE_ERROR", "SQLITE_RANGE"]) {
    assert.not.ok(isStorageFailure(sqlite(code)), code);
  }
  assert.is(sqliteCodeOf(sqlite("SQLITE_IOERR_FSYNC")), "SQLITE_IOERR");
  assert.ok(isStorageFailure(Object.assign(new Error("no space"), { code: "ENOSPC" })));
  assert.not.ok(isStorageFailure(new Error("lease TTL must be an integer, got NaN")));
  assert.not.ok(isStorageFailure(new TypeError("x is undefined")));
  assert.not.ok(isStorageFailure(undefined));
});

test("a real SQLite failure carries the code the classification reads", () => {
  const db = openDatabase(":memory:", { durable: false });
  db.exec("CREATE TABLE t (a PRIMARY KEY)");
  db.prepare("INSERT INTO t VALUES (1)").run();
  let caught: unknown;
  try {
    db.prepare("INSERT INTO t VALUES (1)").run();
  } catch (err) {
    caught = err;
  }
  assert.is(sqliteCodeOf(caught), "SQLITE_CONSTRAINT");
  assert.not.ok(isStorageFailure(caught));
  db.close();
});

test.run();
