import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EtcdError } from "../../src/codec/errors.ts";
import { startServer } from "../../src/server/mod.ts";
import { MvccStore } from "../../src/mvcc/mod.ts";
import type { SqlDatabase } from "../../src/storage/adapter.ts";
import { openDatabase } from "../../src/storage/sqlite_bun.ts";
import { singleVoter } from "../helpers/single_voter.ts";
import { mvccStateMachine } from "../../src/server/kv_machine.ts";
import { Member } from "../../src/server/member.ts";
import { internalRequestSizeBytes, isReadOnlyTxn, proposalError } from "../../src/server/requests.ts";
import { ProposalError } from "../../src/raft/mod.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const ID = 0x8e9e05c52164694dn;

interface Setup {
  member: Member;
  db: SqlDatabase;
  stateDb: SqlDatabase;
  clock: { nowMs: number };
}

async function setup(options: { separateState?: boolean; maxPending?: number; timeoutMs?: number; voters?: bigint[] } = {}): Promise<Setup> {
  let seed = 1;
  const { db, stateDb, log, raft } = singleVoter(ID, {
    separateState: options.separateState,
    voters: options.voters,
    random: () => (seed = (seed * 16807) % 2147483647) / 2147483647,
  });
  const clock = { nowMs: 0 };
  const member = new Member({
    db,
    stateDb,
    log,
    raft,
    kv: mvccStateMachine(new MvccStore(stateDb)),
    memberId: ID,
    clusterId: 42n,
    members: () => [],
    singleVoter: () => log.confState().voters.length === 1,
    maxTxnOps: 128,
    maxRequestBytes: 1024,
    requestTimeoutMs: options.timeoutMs ?? 1_000,
    maxPendingRequests: options.maxPending ?? 1_000,
    version: "3.4.30",
    now: () => clock.nowMs,
  });
  await member.campaign();
  return { member, db, stateDb, clock };
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

for (const separateState of [false, true]) {
  const mode = separateState ? "separate state db" : "one db";

  test(`${mode}: a batch of puts costs one fsync; reads see them`, async () => {
    const { member } = await setup({ separateState });
    assert.ok(member.info().isLeader);
    const before = member.info().fsyncs;
    const puts = await Promise.all(
      Array.from({ length: 50 }, (_, i) => member.put({ key: enc.encode(`k${i}`), value: enc.encode(`v${i}`) })),
    );
    assert.equal(puts.map((p) => p.header.revision), Array.from({ length: 50 }, (_, i) => i + 2));
    assert.is(puts[0]!.header.member_id, ID);
    assert.is(puts[0]!.header.cluster_id, 42n);
    assert.is(member.info().fsyncs - before, 1);
    const range = await member.range({ key: enc.encode("k"), range_end: enc.encode("l") });
    assert.is(range.count, 50);
    assert.is(range.header.revision, 51);
    const serializable = await member.range({ key: enc.encode("k7"), serializable: true });
    assert.is(dec.decode(serializable.kvs[0]!.value), "v7");
    const info = member.info();
    assert.is(info.applied, info.commit);
    member.stop();
  });

  test(`${mode}: apply errors reach their caller only, and change nothing`, async () => {
    const { member } = await setup({ separateState });
    await member.put({ key: enc.encode("a"), value: enc.encode("1") });
    const [bad, good] = await Promise.allSettled([
      member.put({ key: enc.encode("b"), lease: 99n }),
      member.put({ key: enc.encode("c"), value: enc.encode("3") }),
    ]);
    assert.is(bad.status, "rejected");
    assert.is(((bad as PromiseRejectedResult).reason as EtcdError).message, "etcdserver: requested lease not found");
    assert.is(good.status, "fulfilled");
    const all = await member.range({ key: enc.encode("\0"), range_end: enc.encode("\0") });
    assert.equal(all.kvs.map((kv) => dec.decode(kv.key)), ["a", "c"]);
    assert.is(all.header.revision, 3);
    member.stop();
  });
}

test("validation happens before proposing", async () => {
  const { member } = await setup();
  const before = member.info().lastIndex;
  assert.is((await rejection(member.put({ key: new Uint8Array() }))).message, "etcdserver: key is not provided");
  assert.is(
    (await rejection(member.put({ key: enc.encode("k"), value: new Uint8Array(2000) }))).message,
    "etcdserver: request is too large",
  );
  const ops = Array.from({ length: 129 }, (_, i) => ({ request_put: { key: enc.encode(`k${i}`) } }));
  assert.is((await rejection(member.txn({ success: ops }))).message, "etcdserver: too many operations in txn request");
  assert.is(member.info().lastIndex, before);
  member.stop();
});

test("too many pending requests, then timeouts, without a leader", async () => {
  // Two voters, the other one absent: no leader, nothing commits.
  const { member, clock } = await setup({ voters: [ID, 2n], maxPending: 3, timeoutMs: 500 });
  const pending = [1, 2, 3].map((i) => member.range({ key: enc.encode(`k${i}`) }));
  assert.is((await rejection(member.range({ key: enc.encode("k4") }))).message, "etcdserver: too many requests");
  clock.nowMs = 600;
  member.tick();
  for (const p of pending) assert.is((await rejection(p)).message, "etcdserver: request timed out");
  const noLeader = await rejection(member.put({ key: enc.encode("x") }));
  assert.is(noLeader.message, "etcdserver: no leader");
  member.stop();
  assert.is((await rejection(member.put({ key: enc.encode("x") }))).message, "etcdserver: server stopped");
});

test("with the log writer thread: batches, durability, restart", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tsetcd-writer-"));
  try {
    let server = await startServer({ dataDir: dir, listenClientUrls: ["http://127.0.0.1:0"], logWriterThread: true });
    assert.ok(server.member.info().isLeader);
    const before = server.member.info().fsyncs;
    const puts = await Promise.all(
      Array.from({ length: 100 }, (_, i) => server.member.put({ key: enc.encode(`w${i}`), value: enc.encode(`${i}`) })),
    );
    assert.is(new Set(puts.map((p) => p.header.revision)).size, 100);
    assert.ok(server.member.info().fsyncs - before <= 3, `${server.member.info().fsyncs - before} fsyncs`);
    const read = await server.member.range({ key: enc.encode("w"), range_end: enc.encode("x"), count_only: true });
    assert.is(read.count, 100);
    await server.close();
    server = await startServer({ dataDir: dir, listenClientUrls: ["http://127.0.0.1:0"], logWriterThread: true });
    const again = await server.member.range({ key: enc.encode("w"), range_end: enc.encode("x"), count_only: true });
    assert.is(again.count, 100);
    assert.is(again.header.revision, 101);
    await server.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("periodic auto-compaction compacts history older than the retention", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tsetcd-autocompact-"));
  try {
    const server = await startServer({
      dataDir: dir,
      listenClientUrls: ["http://127.0.0.1:0"],
      autoCompactionMode: "periodic",
      autoCompactionRetention: "1s",
    });
    await server.member.put({ key: enc.encode("a"), value: enc.encode("1") });
    await server.member.put({ key: enc.encode("a"), value: enc.encode("2") });
    const old = await server.member.range({ key: enc.encode("a"), revision: 2 });
    assert.is(dec.decode(old.kvs[0]!.value), "1");
    let compacted: EtcdError | undefined;
    for (let i = 0; i < 40 && compacted === undefined; i++) {
      await new Promise((r) => setTimeout(r, 100));
      await server.member.put({ key: enc.encode("b"), value: enc.encode(`${i}`) });
      try {
        await server.member.range({ key: enc.encode("a"), revision: 2 });
      } catch (err) {
        compacted = err as EtcdError;
      }
    }
    assert.is(compacted?.message, "etcdserver: mvcc: required revision has been compacted");
    const now = await server.member.range({ key: enc.encode("a") });
    assert.is(dec.decode(now.kvs[0]!.value), "2");
    await server.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("over --quota-backend-bytes, writes get 'database space exceeded' and deletes still pass", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tsetcd-quota-"));
  try {
    const server = await startServer({
      dataDir: dir,
      listenClientUrls: ["http://127.0.0.1:0"],
      quotaBackendBytes: 256 * 1024,
      maxRequestBytes: 64 * 1024,
    });
    let refused: EtcdError | undefined;
    for (let i = 0; i < 200 && refused === undefined; i++) {
      try {
        await server.member.put({ key: enc.encode(`big${i}`), value: new Uint8Array(32 * 1024).fill(i) });
      } catch (err) {
        refused = err as EtcdError;
      }
      if (i % 5 === 4) await new Promise((r) => setTimeout(r, 120)); // let a tick sample the size
    }
    assert.is(refused?.message, "etcdserver: mvcc: database space exceeded");
    const deleted = await server.member.deleteRange({ key: enc.encode("big"), range_end: enc.encode("bih") });
    assert.ok(deleted.deleted > 0);
    await server.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the log is compacted past --snapshot-count and a restart still finds everything", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tsetcd-snapcount-"));
  try {
    let server = await startServer({ dataDir: dir, listenClientUrls: ["http://127.0.0.1:0"], snapshotCount: 10 });
    for (let i = 0; i < 60; i++) await server.member.put({ key: enc.encode(`s${i}`), value: enc.encode(`${i}`) });
    const info = server.member.info();
    const firstIndex = info.lastIndex - (await countLogEntries(dir));
    assert.ok(firstIndex > 10, `log still starts at ${firstIndex + 1}`);
    await server.close();
    server = await startServer({ dataDir: dir, listenClientUrls: ["http://127.0.0.1:0"], snapshotCount: 10 });
    const all = await server.member.range({ key: enc.encode("s"), range_end: enc.encode("t"), count_only: true });
    assert.is(all.count, 60);
    assert.is(all.header.revision, 61);
    await server.member.put({ key: enc.encode("after"), value: enc.encode("restart") });
    await server.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

async function countLogEntries(dir: string): Promise<number> {
  const db = openDatabase(join(dir, "raft.db"), { durable: false });
  try {
    return Number(db.prepare("SELECT count(*) AS n FROM raft_entry").get()!.n);
  } finally {
    db.close();
  }
}

test("read-only txns and refused proposals", () => {
  const key = enc.encode("k");
  assert.ok(isReadOnlyTxn({ success: [{ request_range: { key } }] }));
  assert.ok(isReadOnlyTxn({}));
  assert.not.ok(isReadOnlyTxn({ failure: [{ request_put: { key } }] }));
  assert.not.ok(isReadOnlyTxn({ success: [{ request_txn: { success: [{ request_delete_range: { key } }] } }] }));
  assert.is(proposalError(ProposalError.NoLeader).message, "etcdserver: no leader");
  assert.is(proposalError(ProposalError.TooManyReads).message, "etcdserver: too many requests");
  assert.is(proposalError(ProposalError.Transferring).message, "etcdserver: leader changed");
});

test("request size is etcd's protobuf accounting", () => {
  // PutRequest{key: 3 bytes, value: 10 bytes} = 2+3 + 2+10 = 17 bytes; header {ID: 9-byte varint} = 10.
  const size = internalRequestSizeBytes({ put: { key: enc.encode("abc"), value: new Uint8Array(10) } }, 9);
  assert.is(size, 2 + 1 + 10 + 1 + 1 + 17);
});

test.run();
