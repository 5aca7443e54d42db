/**
 * A data dir whose Raft log already holds poisoned entries — what earlier releases committed for requests
 * that bypassed any check: a lease grant with TTL undefined (the empty-body grant) or NaN, bytes that are
 * no proposal at all, a put whose key is not bytes, a txn whose read has an unknown sort target, a
 * membership update with a URL the transport cannot dial — starts, applies them as error outcomes, and
 * serves reads and writes; for one member (a real process, as a user runs it) and for three.
 *
 * The entries are written raw into the log through the storage layer (SqliteRaftLog.stage), encoded as
 * src/server/proposal.ts encodes proposals. On the code before the request boundary, the first start dies
 * with "fatal: the Ready loop failed", and every restart again.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeCbor } from "../../src/codec/cbor.ts";
import { ConfChangeType, encodeConfChange, type Entry, EntryType } from "../../src/raft/mod.ts";
import { encodeMemberContext } from "../../src/server/members.ts";
import { LOG_DB_FILE, STATE_DB_FILE } from "../../src/server/mod.ts";
import { SqliteRaftLog } from "../../src/storage/raft_log.ts";
import { openDatabase } from "../../src/storage/sqlite_bun.ts";
import { b64, call, rangeAll, type ServerProcess, spawnServer, stopServer, unb64 } from "./process_helpers.ts";
import { leaderOf, post, startCluster, waitFor } from "./cluster_helpers.ts";

const enc = new TextEncoder();
/** Ports of this file: one member's client and peer port, then a 3-member cluster's peer ports. */
const SINGLE_CLIENT_PORT = 31520;
const SINGLE_PEER_PORT = 31521;
const CLUSTER_BASE_PORT = 31530;
/** A proposer that no longer runs (its waiters are gone), as after a restart. */
const OLD_ORIGIN = 0x1234_5678_9abcn;

/** The payloads an earlier release could commit, each as its proposal encoding wrote it. */
function poisonedPayloads(): Uint8Array[] {
  return [
    // POST /v3/lease/grant with an empty body: the route passed `{}`, the service proposed TTL undefined.
    encodeCbor({ origin: OLD_ORIGIN, id: 1, leaseGrant: { ID: 0x4242n, TTL: undefined } }),
    // The same entry as a replay read it back (Number(undefined)).
    encodeCbor({ origin: OLD_ORIGIN, id: 2, leaseGrant: { ID: 0x4343n, TTL: Number.NaN } }),
    // Bytes that are not a proposal at all.
    new Uint8Array([0xff, 0x00, 0x13, 0x37]),
    encodeCbor({ origin: OLD_ORIGIN, id: 3 }),
    encodeCbor([1, 2, 3]),
    // A put whose key is a number, and one whose key is a map.
    encodeCbor({ origin: OLD_ORIGIN, id: 4, put: { key: 5, value: enc.encode("x") } }),
    encodeCbor({ origin: OLD_ORIGIN, id: 5, put: { key: { a: 1 } } }),
    // A txn that writes after a read with a sort target etcd has no sorter for (threw at apply).
    encodeCbor({
      origin: OLD_ORIGIN,
      id: 6,
      txn: {
        success: [
          { request_put: { key: enc.encode("poison/txn"), value: enc.encode("must not stay") } },
          { request_range: { key: enc.encode("a"), sort_target: 9 } },
        ],
      },
    }),
    // A member record change naming an id that is not decimal, and a lease checkpoint with a NaN TTL.
    encodeCbor({ origin: OLD_ORIGIN, id: 7, member: { ID: "not-a-number", peerURLs: ["http://x:1"] } }),
    encodeCbor({ origin: OLD_ORIGIN, id: 8, leaseCheckpoints: [{ ID: "17", remainingMs: Number.NaN }] }),
    // A proposal with no operation.
    encodeCbor({ origin: OLD_ORIGIN, id: 9 }),
  ];
}

/**
 * Membership entries an earlier release could commit: a learner added with a peer URL that has a path (the
 * transport refuses to dial it, which stopped the member), and a ConfChange whose bytes are no change.
 */
function poisonedConfChanges(): Uint8Array[] {
  const context = encodeMemberContext({
    name: "",
    peerURLs: ["http://127.0.0.1:31529/path"],
    isLearner: true,
    origin: OLD_ORIGIN,
    requestId: 10,
  });
  return [
    encodeConfChange({ type: ConfChangeType.AddLearnerNode, nodeId: 0xbad0_0001n, context }),
    new Uint8Array([0x07, 0x07, 0x07]),
  ];
}

/**
 * Appends `payloads` as Normal entries (then `confChanges` as ConfChange entries) after the log's last
 * entry, in its current term. `commit`: also mark them committed (one member: they are applied at the very
 * start, before any election).
 */
function poisonDataDir(
  dataDir: string,
  payloads: Uint8Array[],
  options: { commit: boolean; confChanges?: Uint8Array[] },
): { first: number; last: number } {
  const db = openDatabase(join(dataDir, LOG_DB_FILE), { durable: true });
  const stateDb = openDatabase(join(dataDir, STATE_DB_FILE), { durable: true });
  try {
    const log = new SqliteRaftLog(db, stateDb);
    const hardState = log.initialState().hardState;
    const first = log.lastIndex() + 1;
    const typed = [
      ...payloads.map((data) => ({ type: EntryType.Normal, data })),
      ...(options.confChanges ?? []).map((data) => ({ type: EntryType.ConfChange, data })),
    ];
    const entries: Entry[] = typed.map(({ type, data }, i) => ({ index: first + i, term: hardState.term, type, data }));
    const last = first + entries.length - 1;
    const commit = options.commit ? last : hardState.commit;
    db.transaction(() =>
      log.stage({
        hardState: { ...hardState, commit },
        entries,
        committedEntries: [],
        messages: [],
        readStates: [],
        mustSync: true,
      })
    );
    return { first, last };
  } finally {
    db.close();
    stateDb.close();
  }
}

function singleArgs(): string[] {
  const peer = `http://127.0.0.1:${SINGLE_PEER_PORT}`;
  return [
    "--name",
    "p1",
    "--listen-peer-urls",
    peer,
    "--initial-advertise-peer-urls",
    peer,
    "--initial-cluster",
    `p1=${peer}`,
  ];
}

test("one member: a data dir with poisoned committed entries starts, logs each once, and serves", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tsetcd-poisoned-"));
  let server: ServerProcess | undefined;
  try {
    server = await spawnServer(dir, SINGLE_CLIENT_PORT, { args: singleArgs() });
    await call(server.url, "/v3/kv/put", { key: b64("before"), value: b64("1") });
    await stopServer(server);
    server = undefined;
    const payloads = poisonedPayloads();
    const { first, last } = poisonDataDir(dir, payloads, { commit: true, confChanges: poisonedConfChanges() });

    // Twice: the first start applies the entries, the second replays nothing (they are applied) and the
    // log still holds them — neither may die.
    for (let start = 0; start < 2; start++) {
      server = await spawnServer(dir, SINGLE_CLIENT_PORT, { args: singleArgs() });
      const status = await call(server.url, "/v3/maintenance/status", {});
      assert.ok(Number(status.raftAppliedIndex) >= last, `applied ${status.raftAppliedIndex} < ${last}`);
      const all = await rangeAll(server.url);
      const written = ["after0", "before"].slice(start === 0 ? 1 : 0);
      assert.equal(all.kvs.map((kv) => unb64(kv.key)), written, "the failed txn left nothing behind");
      await call(server.url, "/v3/kv/put", { key: b64(`after${start}`), value: b64("2") });
      const got = await call(server.url, "/v3/kv/range", { key: b64(`after${start}`) });
      assert.is(unb64(got.kvs[0].value), "2");
      // The empty-body grant of the old release is, read with etcd's zero values, a grant of the minimum TTL.
      const ttl = await call(server.url, "/v3/lease/timetolive", { ID: String(0x4242n) });
      assert.is(ttl.grantedTTL, "2");
      const nan = await call(server.url, "/v3/lease/timetolive", { ID: String(0x4343n) });
      assert.is(nan.TTL, "-1", "the NaN grant was answered as an error, no lease");
      const members = await call(server.url, "/v3/cluster/member/list", {});
      assert.is(members.members.length, 2, "the learner with an undialable URL is a member all the same");
      await stopServer(server);
      const stderr = server.stderr();
      server = undefined;
      assert.not.match(stderr, /fatal/);
      if (start === 0) {
        // Each entry that could not be applied is logged once, with its index (the learner's add applies).
        const learnerAdd = first + payloads.length;
        for (let index = first + 1; index <= last; index++) {
          if (index === learnerAdd) continue;
          const lines = stderr.split("\n").filter((l) => l.includes(`entry ${index} could not be applied`));
          assert.is(lines.length, 1, `entry ${index} logged ${lines.length} times:\n${stderr}`);
        }
        assert.not.match(stderr, new RegExp(`entry ${first} could not be applied`), "the empty grant applies");
      }
    }
  } finally {
    if (server !== undefined) await stopServer(server);
    rmSync(dir, { recursive: true, force: true });
  }
});

test("three members: poisoned entries in every log are committed by the new leader and applied alike", async () => {
  const names = ["a", "b", "c"];
  const c = await startCluster(names, CLUSTER_BASE_PORT);
  try {
    const leader = leaderOf(c)!;
    const [status] = await post(leader.clientUrl, "/v3/kv/put", { key: b64("sentinel"), value: b64("kept") });
    assert.is(status, 200);
    const target = leader.member.info().commit;
    await waitFor(() => [...c.servers.values()].every((s) => s.member.info().applied >= target), 10_000, "catch up");
    // All at once, so no member elects itself in the meantime and appends to its log alone.
    await Promise.all([...c.servers.values()].map((s) => s.close()));
    c.servers.clear();
    const tails = names.map((name) => lastEntry(c.dirs.get(name)!));
    assert.equal(tails[1], tails[0], "logs end alike before poisoning");
    assert.equal(tails[2], tails[0], "logs end alike before poisoning");
    const payloads = poisonedPayloads();
    // Not marked committed: the new leader commits them with its first entry, as Raft commits old terms.
    const spans = names.map((name) => poisonDataDir(c.dirs.get(name)!, payloads, { commit: false }));
    const last = spans[0]!.last;

    await Promise.all(names.map((name) => c.start(name)));
    await waitFor(() => leaderOf(c) !== undefined, 15_000, "no leader after restart");
    await waitFor(
      () => [...c.servers.values()].every((s) => s.member.info().applied > last),
      15_000,
      "the poisoned entries were not applied everywhere",
    );
    const newLeader = leaderOf(c)!;
    const [putStatus] = await post(newLeader.clientUrl, "/v3/kv/put", { key: b64("after"), value: b64("1") });
    assert.is(putStatus, 200);
    for (const server of c.servers.values()) {
      const [code, body] = await post(server.clientUrl, "/v3/kv/range", { key: b64("\0"), range_end: b64("\0") });
      assert.is(code, 200);
      assert.equal((body.kvs ?? []).map((kv: { key: string }) => unb64(kv.key)), ["after", "sentinel"]);
      const [ttlCode, ttl] = await post(server.clientUrl, "/v3/lease/timetolive", { ID: String(0x4242n) });
      assert.is(ttlCode, 200);
      // The minimum TTL of this cluster's timing: 1.5 election timeouts of 500 ms, rounded up to 1 s.
      assert.is(ttl.grantedTTL, "1");
    }
  } finally {
    await c.destroy();
  }
});

/** The last entry's index and term of a closed member's log. */
function lastEntry(dataDir: string): [number, number] {
  const db = openDatabase(join(dataDir, LOG_DB_FILE), { durable: true });
  const stateDb = openDatabase(join(dataDir, STATE_DB_FILE), { durable: true });
  try {
    const log = new SqliteRaftLog(db, stateDb);
    const last = log.lastIndex();
    return [last, log.term(last)];
  } finally {
    db.close();
    stateDb.close();
  }
}

test.run();
