/**
 * --force-new-cluster: the log rewrite alone (every entry kept and committed, one RemoveNode per other
 * member, nothing appended twice), then a real recovery: a 3-member process cluster loses two data dirs
 * for good, its leader's member restarts alone with every acknowledged key, and a new member joins it.
 * Ports 21700–21719 (helper F's range).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfChangeType, decodeConfChange, encodeConfChange, type Entry, EntryType, type Ready } from "../../src/raft/mod.ts";
import { openDatabase } from "../../src/storage/sqlite_bun.ts";
import { SqliteRaftLog } from "../../src/storage/raft_log.ts";
import { forceNewCluster } from "../../src/server/force_new_cluster.ts";
import { b64, call, unb64 } from "./process_helpers.ts";

const MOD_TS = join(import.meta.dir, "..", "..", "mod.ts");
const BASE_PORT = 21700;
const POLL_MS = 100;
/**
 * Bound on each wait (a start, an election, a catch-up): ~3 s on an idle machine, but a start alone took
 * 10–20 s while benchmarks loaded this 2-core machine to a load average of 16.
 */
const WAIT_MS = 60_000;

function entry(index: number, term: number, data = `e${index}`): Entry {
  return { index, term, type: EntryType.Normal, data: new TextEncoder().encode(data) };
}

function persist(log: SqliteRaftLog, db: ReturnType<typeof openDatabase>, r: Partial<Ready>): void {
  const ready: Ready = { entries: [], committedEntries: [], messages: [], readStates: [], mustSync: true, ...r };
  db.transaction(() => log.stage(ready));
  log.accept(ready);
}

test("the rewrite keeps every entry, commits them all, and removes every other member once", () => {
  const dir = mkdtempSync(join(tmpdir(), "tsetcd-fnc-unit-"));
  try {
    const path = join(dir, "raft.db");
    let db = openDatabase(path, { durable: true });
    let log = new SqliteRaftLog(db);
    log.bootstrap({ voters: [1n, 2n, 3n], learners: [] });
    const addLearner: Entry = {
      index: 5,
      term: 3,
      type: EntryType.ConfChange,
      data: encodeConfChange({ type: ConfChangeType.AddLearnerNode, nodeId: 9n }),
    };
    // Entries 4–6 lie past the stored commit index (3): etcd would drop them, this must not.
    persist(log, db, { entries: [entry(1, 1), entry(2, 2), entry(3, 3), entry(4, 3), addLearner, entry(6, 3)], hardState: { term: 3, vote: 1n, commit: 3 } });
    db.transaction(() => log.stageApplied(2));
    log.acceptApplied(2);
    const forced = forceNewCluster(log, db, 1n);
    // Members 2 and 3 from the applied membership, 9 from the unapplied AddLearnerNode at 5.
    assert.equal(forced, { removed: [2n, 3n, 9n], promoted: false, commitBefore: 3, commitAfter: 9 });
    db.close();
    db = openDatabase(path, { durable: true });
    log = new SqliteRaftLog(db);
    const { hardState } = log.initialState();
    assert.equal(hardState, { term: 3, vote: 1n, commit: 9 });
    const all = log.entries(1, 10, 1 << 20);
    assert.equal(all.slice(0, 6).map((e) => e.data.byteLength > 0 && e.index), [1, 2, 3, 4, 5, 6]);
    assert.equal(all.slice(0, 4).map((e) => new TextDecoder().decode(e.data)), ["e1", "e2", "e3", "e4"]);
    const removes = all.slice(6).map((e) => ({ term: e.term, type: e.type, cc: decodeConfChange(e.data) }));
    assert.equal(removes.map((r) => [r.term, r.type, r.cc.type, r.cc.nodeId]), [
      [3, EntryType.ConfChange, ConfChangeType.RemoveNode, 2n],
      [3, EntryType.ConfChange, ConfChangeType.RemoveNode, 3n],
      [3, EntryType.ConfChange, ConfChangeType.RemoveNode, 9n],
    ]);
    // Run again (the flag left on at the next restart): nothing more to remove, nothing appended.
    assert.equal(forceNewCluster(log, db, 1n), { removed: [], promoted: false, commitBefore: 9, commitAfter: 9 });
    assert.is(log.lastIndex(), 9);
    // A data dir whose membership does not hold this member is not its own.
    assert.throws(() => forceNewCluster(log, db, 7n), /not in the membership/);
    db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a learner forced alone is promoted by one more entry", () => {
  const dir = mkdtempSync(join(tmpdir(), "tsetcd-fnc-learner-"));
  try {
    const db = openDatabase(join(dir, "raft.db"), { durable: true });
    const log = new SqliteRaftLog(db);
    log.bootstrap({ voters: [1n], learners: [] });
    const addLearner: Entry = {
      index: 2,
      term: 1,
      type: EntryType.ConfChange,
      data: encodeConfChange({ type: ConfChangeType.AddLearnerNode, nodeId: 5n }),
    };
    persist(log, db, { entries: [entry(1, 1), addLearner], hardState: { term: 1, vote: 1n, commit: 2 } });
    assert.equal(forceNewCluster(log, db, 5n), { removed: [1n], promoted: true, commitBefore: 2, commitAfter: 4 });
    const tail = log.entries(3, 5, 1 << 20).map((e) => decodeConfChange(e.data));
    assert.equal(tail.map((cc) => [cc.type, cc.nodeId]), [[ConfChangeType.RemoveNode, 1n], [ConfChangeType.AddNode, 5n]]);
    db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** One member process of the test cluster. */
interface Proc {
  name: string;
  clientUrl: string;
  peerUrl: string;
  dataDir: string;
  child?: ChildProcess;
  exited?: Promise<unknown>;
  log: string;
}

const children = new Set<ChildProcess>();
process.on("exit", () => {
  for (const child of children) if (child.pid !== undefined) process.kill(child.pid, "SIGKILL");
});

function startMember(p: Proc, cluster: string, extra: string[]): void {
  const args = [
    MOD_TS, "server", "--name", p.name, "--data-dir", p.dataDir,
    "--listen-client-urls", p.clientUrl, "--advertise-client-urls", p.clientUrl,
    "--listen-peer-urls", p.peerUrl, "--initial-advertise-peer-urls", p.peerUrl,
    "--initial-cluster", cluster, "--initial-cluster-token", `fnc-${process.pid}`,
    "--heartbeat-interval", "100", "--election-timeout", "1000", ...extra,
  ];
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  children.add(child);
  p.child = child;
  p.log = "";
  child.stdout!.on("data", (c) => (p.log += c));
  child.stderr!.on("data", (c) => (p.log += c));
  p.exited = new Promise((resolve) => child.on("exit", (code, signal) => {
    children.delete(child);
    resolve(code ?? signal);
  }));
}

async function kill(p: Proc): Promise<void> {
  if (p.child?.pid === undefined) return;
  process.kill(p.child.pid, "SIGKILL");
  await p.exited;
  p.child = undefined;
}

async function status(p: Proc): Promise<any | undefined> {
  try {
    return await call(p.clientUrl, "/v3/maintenance/status", {});
  } catch {
    return undefined;
  }
}

/** Waits (bounded) until `check` answers something other than undefined. */
async function until<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadlineMs = Date.now() + timeoutMs;
  while (Date.now() < deadlineMs) {
    const value = await check();
    if (value !== undefined) return value;
    await Bun.sleep(POLL_MS);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

async function put(url: string, key: string, value: string): Promise<void> {
  await call(url, "/v3/kv/put", { key: b64(key), value: b64(value) });
}

/** Every key and value, read on this member alone (serializable). */
async function localKeys(url: string): Promise<Map<string, string>> {
  const res = await call(url, "/v3/kv/range", { key: b64("k/"), range_end: b64("k0"), serializable: true });
  return new Map((res.kvs ?? []).map((kv: any) => [unb64(kv.key), unb64(kv.value)]));
}

test("a 3-member cluster that lost two data dirs recovers from its leader's with every acknowledged key", async () => {
  const root = mkdtempSync(join(tmpdir(), "tsetcd-fnc-"));
  const procs: Proc[] = [0, 1, 2, 3].map((i) => ({
    name: `f${i}`,
    clientUrl: `http://127.0.0.1:${BASE_PORT + 2 * i}`,
    peerUrl: `http://127.0.0.1:${BASE_PORT + 2 * i + 1}`,
    dataDir: join(root, `f${i}`),
    log: "",
  }));
  const [a, b, c, joiner] = procs as [Proc, Proc, Proc, Proc];
  try {
    const founders = [a, b, c];
    const cluster = founders.map((p) => `${p.name}=${p.peerUrl}`).join(",");
    for (const p of founders) startMember(p, cluster, ["--initial-cluster-state", "new"]);
    const leaderId = await until("a leader all three agree on", WAIT_MS, async () => {
      const s = await Promise.all(founders.map(status));
      const leaders = new Set(s.map((x) => x?.leader));
      return s.every((x) => x !== undefined) && leaders.size === 1 && s[0].leader !== "0" ? String(s[0].leader) : undefined;
    });
    const leader = (await Promise.all(founders.map(async (p) => ((await status(p))?.header.member_id === leaderId ? p : undefined))))
      .find((p) => p !== undefined)!;
    // Acknowledged writes, through every member; the last ones just before the crash.
    const acked = new Map<string, string>();
    for (let round = 0; round < 6; round++) {
      await Promise.all(founders.map(async (p, i) => {
        for (let j = 0; j < 5; j++) {
          const key = `k/${round}-${i}-${j}`;
          await put(p.clientUrl, key, `v${round}${i}${j}`);
          acked.set(key, `v${round}${i}${j}`);
        }
      }));
    }
    assert.is(acked.size, 90);
    await Promise.all(founders.map(kill));
    for (const p of founders) if (p !== leader) rmSync(p.dataDir, { recursive: true, force: true });

    startMember(leader, cluster, ["--initial-cluster-state", "new", "--force-new-cluster"]);
    await until("the forced member to lead", WAIT_MS, async () => {
      const s = await status(leader);
      return s !== undefined && s.leader === s.header.member_id ? true : undefined;
    });
    const kept = await localKeys(leader.clientUrl);
    for (const [key, value] of acked) assert.is(kept.get(key), value, `acknowledged ${key} lost`);
    await put(leader.clientUrl, "k/after", "1");
    const members = (await call(leader.clientUrl, "/v3/cluster/member/list", {})).members;
    assert.equal(members.map((m: any) => [m.name, m.peerURLs]), [[leader.name, [leader.peerUrl]]]);
    assert.match(leader.log, "--force-new-cluster: a one-member cluster now; removed ");

    // A new member joins the one-member cluster and catches up (the removals reach it through the log).
    const added = await call(leader.clientUrl, "/v3/cluster/member/add", { peerURLs: [joiner.peerUrl] });
    assert.is(added.members.length, 2);
    // Two voters now: a write needs the new member, so it comes once the new member holds the old keys.
    startMember(joiner, `${leader.name}=${leader.peerUrl},${joiner.name}=${joiner.peerUrl}`, ["--initial-cluster-state", "existing"]);
    const caughtUp = await until("the new member to hold every key", WAIT_MS, async () => {
      const keys = await localKeys(joiner.clientUrl).catch(() => undefined);
      return keys !== undefined && keys.size === acked.size + 1 ? keys : undefined;
    });
    for (const [key, value] of acked) assert.is(caughtUp.get(key), value);
    await put(leader.clientUrl, "k/joined", "2");
    await until("the new member to apply a write of the two-member cluster", WAIT_MS, async () =>
      (await localKeys(joiner.clientUrl)).get("k/joined") === "2" ? true : undefined);
    const seen = (await call(joiner.clientUrl, "/v3/cluster/member/list", {})).members;
    assert.equal(seen.map((m: any) => m.name).sort(), [leader.name, joiner.name]);
  } catch (error) {
    for (const p of procs) console.error(`==== ${p.name} ====\n${p.log.slice(-3_000)}`);
    throw error;
  } finally {
    await Promise.all(procs.map(kill));
    rmSync(root, { recursive: true, force: true });
  }
});

test.run();
