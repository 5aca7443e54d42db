/**
 * `alarm list` and `alarm disarm`, differential and live: etcdctl 3.4 against a real etcd 3.4 and `tsetcd`'s
 * CLI against a tsetcd member, both started with the same small --quota-backend-bytes. Both are filled with
 * the CLI's put until it is refused ("database space exceeded", exit 1), and each then lists its own
 * NOSPACE alarm; every -w format (simple, json, protobuf bytes, fields' crash, table, a bogus one) of list and
 * disarm prints the same stdout with the same exit code; an over-quota write after a disarm raises the alarm
 * again on both; argument errors match. etcdctl over gRPC against tsetcd prints what it prints against etcd
 * (Maintenance.Alarm, and the refused put and lease grant). etcd missing is a failure, not a skip.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Io } from "../../commands/command.ts";
import { runCli } from "../../commands/mod.ts";
import { type OpsServer, post, startServer } from "../ops/servers.ts";

const dir = mkdtempSync(join(tmpdir(), "tsetcd-alarm-compat-"));
const QUOTA_BYTES = 1024 * 1024;
const VALUE = "v".repeat(100_000);
const MAX_FILL_PUTS = 40;
const RUN_LIMIT_MS = 20_000;
let etcd: OpsServer | undefined;
let ours: OpsServer | undefined;
/** Each side's member id in decimal, as the alarm list prints it. */
const selfIds = new Map<OpsServer, string>();

interface Run {
  code: number;
  out: Buffer;
  err: string;
}

function etcdctl(args: string[], server: OpsServer = etcd!): Run {
  const run = spawnSync("etcdctl", [`--endpoints=${server.endpoint}`, ...args], {
    env: { ...process.env, ETCDCTL_API: "3" },
    timeout: RUN_LIMIT_MS,
  });
  if (run.error !== undefined) throw run.error;
  return { code: run.status ?? -1, out: run.stdout, err: run.stderr.toString() };
}

async function tsetcd(args: string[]): Promise<Run> {
  const chunks: Buffer[] = [];
  let err = "";
  const io: Io = {
    stdout: (t) => void chunks.push(Buffer.from(t)),
    stdoutBytes: (b) => void chunks.push(Buffer.from(b)),
    stderr: (t) => void (err += t),
    readStdin: () => new Uint8Array(),
    readStdinLine: () => undefined,
    env: {},
    stdoutIsTty: false,
  };
  const code = await runCli([`--endpoints=${ours!.endpoint}`, ...args], io);
  return { code, out: Buffer.concat(chunks), err };
}

/** The line a failure ends with ("Error: …", or a panic's first line); etcdctl logs its retries before it. */
function lastErrorLine(err: string): string {
  const lines = err.split("\n").filter((l) => l.startsWith("Error:") || l.startsWith("panic:"));
  return lines[0] ?? "";
}

/** The run with the server's own member id written as <self> in its stdout. */
function withSelf(run: Run, server: OpsServer): Run {
  return { ...run, out: Buffer.from(run.out.toString("latin1").replaceAll(selfIds.get(server)!, "<self>"), "latin1") };
}

/** Runs `args` on both sides; stdout with each side's own member id written as <self>. */
async function both(args: string[]): Promise<{ etcd: Run; ours: Run }> {
  const mine = await tsetcd(args);
  const theirs = etcdctl(args);
  return { etcd: withSelf(theirs, etcd!), ours: withSelf(mine, ours!) };
}

async function expectSame(args: string[]): Promise<{ etcd: Run; ours: Run }> {
  const runs = await both(args);
  const what = args.join(" ");
  assert.is(runs.ours.code, runs.etcd.code, `${what}: exit code (etcd stderr: ${runs.etcd.err.slice(0, 300)})`);
  assert.is(runs.ours.out.toString("hex"), runs.etcd.out.toString("hex"), `${what}: stdout\netcd: ${runs.etcd.out}\nours: ${runs.ours.out}`);
  assert.is(lastErrorLine(runs.ours.err), lastErrorLine(runs.etcd.err), `${what}: stderr`);
  return runs;
}

async function raise(server: OpsServer, memberID: string, alarm: "NOSPACE" | "CORRUPT"): Promise<void> {
  await post(server, "/v3/maintenance/alarm", { action: "ACTIVATE", memberID, alarm });
}

test.before(async () => {
  const flags = ["--quota-backend-bytes", String(QUOTA_BYTES)];
  [etcd, ours] = await Promise.all([
    startServer({ kind: "etcd", dataDir: join(dir, "etcd"), clientPort: 21220, peerPort: 21221, extraArgs: flags }),
    startServer({ kind: "tsetcd", dataDir: join(dir, "ours"), clientPort: 21230, peerPort: 21231, extraArgs: flags }),
  ]);
  for (const server of [etcd, ours]) {
    const status = await post(server, "/v3/maintenance/status", {});
    selfIds.set(server, (status.header as { member_id: string }).member_id);
  }
});

test.after(async () => {
  await Promise.all([etcd?.stop(), ours?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

// First, while both are far under the quota: the refusals here come from the raised alarm alone.
test("etcdctl over gRPC: tsetcd's alarm answers and NOSPACE refusals print as etcd's", async () => {
  await Promise.all([raise(etcd!, "5", "NOSPACE"), raise(ours!, "5", "NOSPACE")]);
  const cases = [
    ["alarm", "list"],
    ["alarm", "list", "-w", "json"],
    ["alarm", "list", "-w", "protobuf"],
    ["put", "k", "v"],
    ["lease", "grant", "30"],
    ["alarm", "disarm", "-w", "json"],
    ["alarm", "list"],
    ["put", "k", "v"],
  ];
  for (const args of cases) {
    const theirs = withSelf(etcdctl(args, etcd!), etcd!);
    const mine = withSelf(etcdctl(args, ours!), ours!);
    const what = args.join(" ");
    assert.is(mine.code, theirs.code, `${what}: exit code (${mine.err.slice(0, 300)})`);
    assert.is(mine.out.toString("hex"), theirs.out.toString("hex"), `${what}: stdout\netcd: ${theirs.out}\nours: ${mine.out}`);
    assert.is(lastErrorLine(mine.err), lastErrorLine(theirs.err), `${what}: stderr`);
    const refused = mine.err.includes("etcdserver: mvcc: database space exceeded");
    if (args[0] !== "alarm") assert.is(refused, cases.indexOf(args) < cases.length - 1, `${what}: ${mine.err}`);
  }
});

test("filled past the quota, both refuse a put and list their own NOSPACE alarm", async () => {
  let refused: { etcd: Run; ours: Run } | undefined;
  for (let i = 0; i < MAX_FILL_PUTS && refused === undefined; i++) {
    const runs = await both(["put", `fill-${i}`, VALUE]);
    if (runs.etcd.code !== 0 && runs.ours.code !== 0) refused = runs;
    else if (runs.etcd.code !== 0 || runs.ours.code !== 0) {
      // One side is a put or two behind: it must refuse within a few more.
      const late = runs.etcd.code === 0 ? () => etcdctl(["put", `late-${i}`, VALUE]) : async () => await tsetcd(["put", `late-${i}`, VALUE]);
      for (let j = 0; j < 5; j++) {
        const run = await late();
        if (run.code !== 0) break;
      }
      refused = await both(["put", `fill-${i}-again`, VALUE]);
    }
    if (i % 3 === 2) await Bun.sleep(120); // tsetcd samples its database size at most every 100 ms
  }
  assert.ok(refused !== undefined, "both refused a put within the fill");
  assert.is(refused.ours.code, 1);
  assert.is(refused.etcd.code, 1);
  assert.is(lastErrorLine(refused.ours.err), "Error: etcdserver: mvcc: database space exceeded");
  assert.is(lastErrorLine(refused.etcd.err), lastErrorLine(refused.ours.err));
  const listed = await expectSame(["alarm", "list"]);
  assert.is(listed.ours.out.toString(), "memberID:<self> alarm:NOSPACE \n");
});

test("over the quota, a disarm lifts the alarm and the next put raises it again, on both", async () => {
  const disarmed = await expectSame(["alarm", "disarm"]);
  assert.is(disarmed.ours.out.toString(), "memberID:<self> alarm:NOSPACE \n");
  await expectSame(["alarm", "list"]);
  const again = await both(["put", "after-disarm", VALUE]);
  assert.is(again.ours.code, 1);
  assert.is(again.etcd.code, 1);
  assert.is(lastErrorLine(again.ours.err), lastErrorLine(again.etcd.err));
  const listed = await expectSame(["alarm", "list", "-w", "json"]);
  assert.match(listed.ours.out.toString(), /^\{"alarms":\[\{"memberID":<self>,"alarm":1\}\]\}\n$/);
  await expectSame(["alarm", "disarm", "-w", "json"]);
});

test("each -w format of list and disarm, with one alarm, with none, and argument errors", async () => {
  for (const format of ["simple", "json", "protobuf", "fields", "table", "bogus"]) {
    await Promise.all([raise(etcd!, "5", "NOSPACE"), raise(ours!, "5", "NOSPACE")]);
    await expectSame(["alarm", "list", "-w", format]);
    await expectSame(["alarm", "disarm", "-w", format]);
    await expectSame(["alarm", "list", "-w", format]);
    await expectSame(["alarm", "disarm", "-w", format]);
  }
  for (const args of [["alarm", "list", "extra"], ["alarm", "disarm", "extra"]]) {
    const runs = await expectSame(args);
    assert.is(runs.ours.code, 128);
  }
});

test("two alarms of two members list the same lines (etcd's order is its map's, so sorted) and disarm both", async () => {
  await Promise.all([raise(etcd!, "7", "CORRUPT"), raise(ours!, "7", "CORRUPT")]);
  await Promise.all([raise(etcd!, "5", "NOSPACE"), raise(ours!, "5", "NOSPACE")]);
  const runs = await both(["alarm", "list"]);
  const sorted = (run: Run): string[] => run.out.toString().split("\n").sort();
  assert.equal(sorted(runs.ours), sorted(runs.etcd));
  assert.equal(sorted(runs.ours), ["", "memberID:5 alarm:NOSPACE ", "memberID:7 alarm:CORRUPT "]);
  const disarmed = await both(["alarm", "disarm"]);
  assert.equal(sorted(disarmed.ours), sorted(disarmed.etcd));
  await expectSame(["alarm", "list"]);
});

test.run();
