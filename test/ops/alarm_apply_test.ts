/**
 * Raised alarms refuse writes at apply, as etcd 3.4's capped (NOSPACE) and corrupt (CORRUPT) appliers, on an
 * in-process single member (src/server/quota.ts, called from the member's apply): what each refuses and
 * what still passes, gateway status codes as etcd's gateway (429 / 500), a write queued in the same turn as
 * the alarm (past the door, refused at apply), status listing the alarms among its errors, and a negative
 * quota turning the check off. (The quota door itself: test/ops/nospace_test.ts, test/compat/alarm_etcd_test.ts.)
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { EtcdError, GrpcCode } from "../../src/codec/errors.ts";
import { AlarmType } from "../../src/codec/messages.ts";
import { startServer, type TsetcdServer } from "../../src/server/mod.ts";

const enc = new TextEncoder();
const dir = mkdtempSync(join(tmpdir(), "tsetcd-alarm-apply-"));
const PEER_PORT = 21211;
let server: TsetcdServer;

const NOSPACE_TEXT = "etcdserver: mvcc: database space exceeded";
const CORRUPT_TEXT = "etcdserver: corrupt cluster";

test.before(async () => {
  const peer = `http://127.0.0.1:${PEER_PORT}`;
  server = await startServer({
    dataDir: join(dir, "m"),
    name: "m",
    listenClientUrls: ["http://127.0.0.1:0"],
    listenPeerUrls: [peer],
    initialAdvertisePeerUrls: [peer],
  });
});

test.after(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

function b64(text: string): string {
  return Buffer.from(text).toString("base64");
}

/** POSTs to the gateway; answers the status code and the parsed body, whatever the code. */
async function call(path: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const answer = await fetch(`${server.clientUrl}${path}`, {
    method: "POST",
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: answer.status, body: JSON.parse(await answer.text()) as Record<string, unknown> };
}

async function setAlarm(action: "ACTIVATE" | "DEACTIVATE", alarm: "NOSPACE" | "CORRUPT", memberID = "77"): Promise<void> {
  const answer = await call("/v3/maintenance/alarm", { action, memberID, alarm });
  assert.is(answer.status, 200, JSON.stringify(answer.body));
}

async function alarmList(): Promise<{ memberID: string; alarm: string }[]> {
  return ((await call("/v3/maintenance/alarm", { action: "GET" })).body.alarms ?? []) as { memberID: string; alarm: string }[];
}

async function disarmAll(): Promise<void> {
  for (const a of await alarmList()) await setAlarm("DEACTIVATE", a.alarm as "NOSPACE", a.memberID);
  assert.equal(await alarmList(), []);
}

const PUT = ["/v3/kv/put", { key: b64("k"), value: b64("v") }] as const;
const TXN_PUT = ["/v3/kv/txn", { success: [{ request_put: { key: b64("k"), value: b64("t") } }] }] as const;
const TXN_FAILURE_PUT = ["/v3/kv/txn", {
  compare: [{ key: b64("nope"), target: "VERSION", version: "9", result: "EQUAL" }],
  failure: [{ request_put: { key: b64("k"), value: b64("f") } }],
}] as const;
const TXN_DELETE = ["/v3/kv/txn", { success: [{ request_delete_range: { key: b64("gone") } }] }] as const;
const TXN_NESTED_PUT = ["/v3/kv/txn", { success: [{ request_txn: { success: [{ request_put: { key: b64("n"), value: b64("n") } }] } }] }] as const;
const TXN_READ = ["/v3/kv/txn", { success: [{ request_range: { key: b64("k") } }] }] as const;
const DELETE = ["/v3/kv/deleterange", { key: b64("gone") }] as const;
const RANGE = ["/v3/kv/range", { key: b64("k") }] as const;
const RANGE_SERIAL = ["/v3/kv/range", { key: b64("k"), serializable: true }] as const;
const GRANT = ["/v3/lease/grant", { TTL: 60 }] as const;

async function expectRefused(request: readonly [string, unknown], text: string, status: number): Promise<void> {
  const answer = await call(request[0], request[1]);
  assert.is(answer.status, status, `${request[0]} ${JSON.stringify(request[1])}: ${JSON.stringify(answer.body)}`);
  assert.is(answer.body.error, text, `${request[0]} ${JSON.stringify(request[1])}`);
}

async function expectServed(request: readonly [string, unknown]): Promise<Record<string, unknown>> {
  const answer = await call(request[0], request[1]);
  assert.is(answer.status, 200, `${request[0]} ${JSON.stringify(request[1])}: ${JSON.stringify(answer.body)}`);
  return answer.body;
}

async function compactToNow(): Promise<void> {
  const revision = (server.member.revision()).toString();
  await expectServed(["/v3/kv/compaction", { revision }]);
}

test("NOSPACE: puts, txns that put and lease grants are refused (429, as etcd's gateway); the rest is served", async () => {
  await expectServed(PUT);
  const lease = await expectServed(GRANT);
  await setAlarm("ACTIVATE", "NOSPACE");
  await expectRefused(PUT, NOSPACE_TEXT, 429);
  await expectRefused(TXN_PUT, NOSPACE_TEXT, 429);
  await expectRefused(TXN_FAILURE_PUT, NOSPACE_TEXT, 429);
  await expectRefused(GRANT, NOSPACE_TEXT, 429);
  await expectServed(TXN_DELETE);
  await expectServed(TXN_READ);
  await expectServed(DELETE);
  await expectServed(RANGE);
  await expectServed(RANGE_SERIAL);
  await compactToNow();
  await expectServed(["/v3/kv/lease/revoke", { ID: lease.ID }]);
  // etcd 3.4 counts only a txn's own puts: one nested inside an inner txn passes its capped applier.
  await expectServed(TXN_NESTED_PUT);
  const value = (await expectServed(RANGE)).kvs as { value: string }[];
  assert.is(Buffer.from(value[0]!.value, "base64").toString(), "v", "no refused write changed the key");
  await disarmAll();
  await expectServed(PUT);
});

test("CORRUPT: every write the applier sees is refused (500, code 15); ranges and read-only txns are served", async () => {
  const lease = await expectServed(GRANT);
  await setAlarm("ACTIVATE", "CORRUPT");
  for (const request of [PUT, TXN_PUT, TXN_DELETE, TXN_NESTED_PUT, DELETE, GRANT]) {
    await expectRefused(request, CORRUPT_TEXT, 500);
  }
  await expectRefused(["/v3/kv/lease/revoke", { ID: lease.ID }], CORRUPT_TEXT, 500);
  await expectRefused(["/v3/kv/compaction", { revision: String(server.member.revision()) }], CORRUPT_TEXT, 500);
  const refused = await call(PUT[0], PUT[1]);
  assert.is(refused.body.code, 15, "DataLoss, as etcd");
  await expectServed(RANGE);
  await expectServed(RANGE_SERIAL);
  await expectServed(TXN_READ);
  // With both raised, CORRUPT answers (etcd's order after a restart), and a delete stays refused.
  await setAlarm("ACTIVATE", "NOSPACE");
  await expectRefused(PUT, CORRUPT_TEXT, 500);
  await expectRefused(DELETE, CORRUPT_TEXT, 500);
  await disarmAll();
  await expectServed(PUT);
  await expectServed(["/v3/kv/lease/revoke", { ID: lease.ID }]);
});

test("a put queued in the same turn as the alarm passes the door and is refused at apply", async () => {
  const key = enc.encode("same-turn");
  const raised = server.member.proposeWrite({ alarm: { action: "activate", memberID: 78n, alarm: AlarmType.NOSPACE } });
  const put = server.member.put({ key, value: enc.encode("x") });
  const txn = server.member.txn({ success: [{ request_put: { key, value: enc.encode("y") } }] });
  await raised;
  for (const write of [put, txn]) {
    const error = await write.then(() => undefined, (err: unknown) => err);
    assert.ok(error instanceof EtcdError, `refused: ${String(error)}`);
    assert.is(error.message, NOSPACE_TEXT);
    assert.is(error.code, GrpcCode.ResourceExhausted);
  }
  assert.is((await server.member.range({ key })).count, 0, "neither write applied");
  await setAlarm("ACTIVATE", "CORRUPT", "78");
  const revision = server.member.revision();
  const compact = server.member.compact({ revision });
  const disarm = server.member.proposeWrite({ alarm: { action: "deactivate", memberID: 78n, alarm: AlarmType.CORRUPT } });
  const error = await compact.then(() => undefined, (err: unknown) => err);
  assert.is((error as Error | undefined)?.message, CORRUPT_TEXT, "the compaction proposed before the disarm applies under CORRUPT");
  await disarm;
  await disarmAll();
});

test("status lists raised alarms among its errors, as etcd 3.4's", async () => {
  await setAlarm("ACTIVATE", "NOSPACE", "5");
  await setAlarm("ACTIVATE", "CORRUPT", "5");
  assert.equal((await server.member.status()).errors, ["memberID:5 alarm:NOSPACE ", "memberID:5 alarm:CORRUPT "]);
  await disarmAll();
  assert.equal((await server.member.status()).errors, []);
});

test("a negative --quota-backend-bytes turns the quota off, as etcd's (writes pass)", async () => {
  const peer = `http://127.0.0.1:${PEER_PORT + 1}`;
  const off = await startServer({
    dataDir: join(dir, "off"),
    name: "off",
    listenClientUrls: ["http://127.0.0.1:0"],
    listenPeerUrls: [peer],
    initialAdvertisePeerUrls: [peer],
    quotaBackendBytes: -1,
  });
  try {
    const put = await off.member.put({ key: enc.encode("k"), value: enc.encode("v") });
    assert.ok(put.header.revision > 1);
  } finally {
    await off.close();
  }
});

test.run();
