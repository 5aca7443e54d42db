/**
 * CORRUPT, end to end on a 3-member tsetcd cluster started with --experimental-corrupt-check-time: members
 * that applied the same writes have equal HashKV and no alarm is raised; then one member's state database is
 * edited offline (sqlite3 changes one stored value while it is stopped). Restarted with
 * --experimental-initial-corrupt-check it refuses to start ("found data inconsistency with peers", as etcd);
 * restarted without it, the leader's periodic check raises the CORRUPT alarm for that member through Raft, and
 * every member lists it.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { b64, type OpsServer, post, startServer } from "./servers.ts";

const dir = mkdtempSync(join(tmpdir(), "tsetcd-corrupt-"));
const NAMES = ["m1", "m2", "m3"];
const CLIENT_PORTS = [34541, 34543, 34545];
const INITIAL_CLUSTER = NAMES.map((n, i) => `${n}=http://127.0.0.1:${CLIENT_PORTS[i]! + 1}`).join(",");
const CHECK_TIME = "300ms";
const ALARM_WAIT_MS = 15_000;
const REFUSAL_WAIT_MS = 20_000;
const members: (OpsServer | undefined)[] = [undefined, undefined, undefined];

function start(i: number, extraArgs: string[] = [], waitReady = true): Promise<OpsServer> {
  return startServer({
    kind: "tsetcd",
    name: NAMES[i]!,
    dataDir: join(dir, NAMES[i]!),
    clientPort: CLIENT_PORTS[i]!,
    peerPort: CLIENT_PORTS[i]! + 1,
    initialCluster: INITIAL_CLUSTER,
    extraArgs: ["--experimental-corrupt-check-time", CHECK_TIME, ...extraArgs],
    waitReady,
  });
}

interface Alarm {
  memberID: string;
  alarm: string;
}

async function alarms(server: OpsServer): Promise<Alarm[]> {
  return ((await post(server, "/v3/maintenance/alarm", { action: "GET" })).alarms ?? []) as Alarm[];
}

async function hashOf(server: OpsServer, revision: number): Promise<string> {
  return JSON.stringify((await post(server, "/v3/maintenance/hashkv", { revision })).hash);
}

async function memberIdOf(server: OpsServer): Promise<string> {
  return ((await post(server, "/v3/maintenance/status", {})).header as { member_id: string }).member_id;
}

test.before(async () => {
  const started = await Promise.all([0, 1, 2].map((i) => start(i)));
  started.forEach((s, i) => (members[i] = s));
});

test.after(async () => {
  await Promise.all(members.map((m) => m?.stop()));
  rmSync(dir, { recursive: true, force: true });
});

test("members that applied the same writes hash alike, and the periodic check raises nothing", async () => {
  for (let i = 0; i < 30; i++) await post(members[i % 3]!, "/v3/kv/put", { key: b64(`key-${i % 7}`), value: b64(`value-${i}`) });
  const put = await post(members[0]!, "/v3/kv/put", { key: b64("last"), value: b64("x") });
  const revision = Number((put.header as { revision: string }).revision);
  // A linearizable read on each member first: its store has then applied `revision`.
  await Promise.all(members.map((m) => post(m!, "/v3/kv/range", { key: b64("last") })));
  const hashes = await Promise.all(members.map((m) => hashOf(m!, revision)));
  assert.is(new Set(hashes).size, 1, `one hash on every member: ${hashes.join(", ")}`);
  await Bun.sleep(1_500); // five check periods
  assert.equal(await alarms(members[0]!), []);
});

test("a member whose state database was edited offline is refused at start, then alarmed by the leader", async () => {
  const m3 = members[2]!;
  const m3Id = await memberIdOf(m3);
  await m3.stop();
  const db = join(dir, "m3", "state.db");
  const edit = spawnSync("sqlite3", [db, "UPDATE mvcc_revisions SET value = X'6576696c' WHERE id = (SELECT max(id) FROM mvcc_revisions WHERE tombstone = 0);"]);
  assert.is(edit.status, 0, `sqlite3: ${edit.stderr}`);
  // With the initial check it must not start.
  const refused = await start(2, ["--experimental-initial-corrupt-check"], false);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const tooLong = new Promise<string>((done) => (timer = setTimeout(() => done("still running"), REFUSAL_WAIT_MS)));
  const code = await Promise.race([refused.exited, tooLong]);
  clearTimeout(timer); // a pending timer would hold the test process open for the rest of its time
  const output = refused.output();
  await refused.stop();
  assert.is.not(code, "still running", `the corrupted member kept running:\n${output}`);
  assert.is.not(code, 0);
  assert.match(output, new RegExp(`${BigInt(m3Id).toString(16)} found data inconsistency with peers`));
  // Without it, it starts; the leader's periodic check finds it and raises CORRUPT through Raft.
  members[2] = await start(2);
  const deadline = Date.now() + ALARM_WAIT_MS;
  let seen: Alarm[] = [];
  while (Date.now() < deadline && seen.length === 0) {
    await Bun.sleep(200);
    seen = await alarms(members[0]!);
  }
  assert.equal(seen, [{ memberID: m3Id, alarm: "CORRUPT" }]);
  // Replicated: every member lists it.
  await Promise.all(members.map((m) => post(m!, "/v3/kv/range", { key: b64("last") })));
  for (const m of members) assert.equal(await alarms(m!), seen);
});

test.run();
