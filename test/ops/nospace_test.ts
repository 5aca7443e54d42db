/**
 * NOSPACE end to end on a 3-member tsetcd cluster with a small --quota-backend-bytes, as an operator meets it
 * on etcd: fill one member past the quota; its put is refused and NOSPACE is raised through Raft, so
 * `tsetcd alarm list` through another member shows it and every member refuses puts, txns that put and lease
 * grants while still serving reads, deletes and compactions, with /health false. A restarted member
 * still lists the alarm and refuses writes. Then delete, compact, `tsetcd defrag --cluster` (every member's database back
 * under the quota, and writes still refused: the alarm, not the size, refuses them now), `tsetcd alarm
 * disarm`, /health true again, and writes pass on every member.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { TsetcdServer } from "../../src/server/mod.ts";
import { runCliCaptured as tsetcd } from "../helpers/cli.ts";
import { leaderOf, startCluster, type TestCluster } from "../server/cluster_helpers.ts";

const NAMES = ["n1", "n2", "n3"];
const PEER_BASE_PORT = 21250;
const QUOTA_BYTES = 1024 * 1024;
const VALUE = b64("q".repeat(100_000));
const MAX_FILL_PUTS = 40;
const NOSPACE_TEXT = "etcdserver: mvcc: database space exceeded";
let cluster: TestCluster;
/** The first member's id, in decimal, as alarms carry it. */
let fillerId = "";

function b64(text: string): string {
  return Buffer.from(text).toString("base64");
}

function members(): TsetcdServer[] {
  return NAMES.map((n) => cluster.servers.get(n)!);
}

/** host:port, as the CLI's --endpoints takes it. */
function endpointOf(server: TsetcdServer): string {
  return new URL(server.clientUrl).host;
}

/** POSTs and answers the status and parsed body whatever the status. */
async function call(server: TsetcdServer, path: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const answer = await fetch(`${server.clientUrl}${path}`, { method: "POST", body: JSON.stringify(body), signal: AbortSignal.timeout(10_000) });
  return { status: answer.status, body: JSON.parse(await answer.text()) as Record<string, unknown> };
}

/** As `call`, but anything other than 200 fails. */
async function post(server: TsetcdServer, path: string, body: unknown): Promise<Record<string, unknown>> {
  const answer = await call(server, path, body);
  assert.is(answer.status, 200, `${path} on ${server.clientUrl}: ${JSON.stringify(answer.body)}`);
  return answer.body;
}

async function health(server: TsetcdServer): Promise<string> {
  const answer = await fetch(`${server.clientUrl}/health`, { signal: AbortSignal.timeout(10_000) });
  return ((await answer.json()) as { health: string }).health;
}

async function dbSize(server: TsetcdServer): Promise<number> {
  return Number((await post(server, "/v3/maintenance/status", {})).dbSize);
}

async function expectWritesRefused(server: TsetcdServer, what: string): Promise<void> {
  const requests: [string, unknown][] = [
    ["/v3/kv/put", { key: b64("refused"), value: b64("x") }],
    ["/v3/kv/txn", { success: [{ request_put: { key: b64("refused"), value: b64("x") } }] }],
    ["/v3/lease/grant", { TTL: 30 }],
  ];
  for (const [path, body] of requests) {
    const answer = await call(server, path, body);
    assert.is(answer.status, 429, `${what}: ${path} on ${server.clientUrl}: ${JSON.stringify(answer.body)}`);
    assert.is(answer.body.error, NOSPACE_TEXT);
  }
}

async function alarmsVia(server: TsetcdServer): Promise<{ memberID: string; alarm: string }[]> {
  return ((await post(server, "/v3/maintenance/alarm", { action: "GET" })).alarms ?? []) as { memberID: string; alarm: string }[];
}

test.before(async () => {
  cluster = await startCluster(NAMES, PEER_BASE_PORT, { quotaBackendBytes: QUOTA_BYTES });
  fillerId = String(members()[0]!.memberId);
});

test.after(async () => {
  await cluster?.destroy();
});

test("past the quota one member raises NOSPACE through Raft and every member refuses writes, serving reads", async () => {
  const filler = members()[0]!;
  let refused: Record<string, unknown> | undefined;
  for (let i = 0; i < MAX_FILL_PUTS && refused === undefined; i++) {
    const answer = await call(filler, "/v3/kv/put", { key: b64(`fill/${i}`), value: VALUE });
    if (answer.status !== 200) refused = answer.body;
    if (i % 3 === 2) await Bun.sleep(120); // the member samples its database size at most every 100 ms
  }
  assert.is(refused?.error, NOSPACE_TEXT, "the filling member refused a put");
  // The alarm is in the replicated list: `tsetcd alarm list` through another member shows it.
  const listed = await tsetcd([`--endpoints=${endpointOf(members()[2]!)}`, "alarm", "list"]);
  assert.is(listed.code, 0, listed.err);
  assert.ok(listed.out.includes(`memberID:${fillerId} alarm:NOSPACE \n`), listed.out);
  for (const m of members()) {
    assert.ok((await alarmsVia(m)).some((a) => a.memberID === fillerId && a.alarm === "NOSPACE"), m.clientUrl);
    await expectWritesRefused(m, "alarm raised");
    const read = await post(m, "/v3/kv/range", { key: b64("fill/0") });
    assert.is((read.kvs as unknown[]).length, 1, `a read is served on ${m.clientUrl}`);
    assert.is(await health(m), "false", `/health under NOSPACE on ${m.clientUrl}`);
  }
});

test("a restarted member still lists the alarm and refuses writes", async () => {
  const name = NAMES.find((n) => cluster.servers.get(n) !== leaderOf(cluster))!;
  await cluster.servers.get(name)!.close();
  const m = await cluster.start(name, { quotaBackendBytes: QUOTA_BYTES });
  assert.ok((await alarmsVia(m)).some((a) => a.memberID === fillerId && a.alarm === "NOSPACE"), m.clientUrl);
  await expectWritesRefused(m, "after restart");
});

test("delete, compact and defrag bring every member under the quota; the alarm refuses until disarmed", async () => {
  const deleted = await post(members()[1]!, "/v3/kv/deleterange", { key: b64("fill/"), range_end: b64("fill0") });
  assert.ok(Number(deleted.deleted) > 0, "the delete is served under NOSPACE");
  const revision = (deleted.header as { revision: string }).revision;
  await post(members()[2]!, "/v3/kv/compaction", { revision, physical: true });
  const defrag = await tsetcd([`--endpoints=${endpointOf(members()[0]!)}`, "defrag", "--cluster"]);
  assert.is(defrag.code, 0, defrag.err);
  assert.is(defrag.out.split("\n").filter((l) => l.startsWith("Finished defragmenting etcd member[")).length, 3, defrag.out);
  for (const m of members()) {
    const sizeBytes = await dbSize(m);
    assert.ok(sizeBytes < QUOTA_BYTES / 2, `${m.clientUrl} is ${sizeBytes} bytes after the defrag`);
    await expectWritesRefused(m, "under the quota, alarm still raised");
  }
  const disarm = await tsetcd([`--endpoints=${endpointOf(members()[1]!)}`, "alarm", "disarm"]);
  assert.is(disarm.code, 0, disarm.err);
  assert.ok(disarm.out.includes(`memberID:${fillerId} alarm:NOSPACE \n`), disarm.out);
  for (const [i, m] of members().entries()) {
    assert.equal(await alarmsVia(m), [], `no alarm left on ${m.clientUrl}`);
    assert.is(await health(m), "true", `/health after the disarm on ${m.clientUrl}`);
    const put = await call(m, "/v3/kv/put", { key: b64(`after/${i}`), value: b64("ok") });
    assert.is(put.status, 200, JSON.stringify(put.body));
    assert.is((await call(m, "/v3/lease/grant", { TTL: 30 })).status, 200);
  }
  const after = await post(members()[0]!, "/v3/kv/range", { key: b64("after/"), range_end: b64("after0") });
  assert.is(Number(after.count), 3);
});

test.run();
