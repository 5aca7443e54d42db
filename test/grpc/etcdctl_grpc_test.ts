/**
 * Differential test of the gRPC front-end: real etcdctl 3.4 runs the same command sequence against a real
 * etcd 3.4 and against a default `tsetcd server` (gRPC and the HTTP gateway on one client URL, as etcd's);
 * stdout, stderr and exit codes must be equal once ids, endpoints, lease ids, raft term/index, sizes,
 * remaining seconds and durations are replaced (test/cli/normalize.ts, plus lease and new member ids here). Meanwhile
 * curl's gateway (fetch) on the same URL keeps answering.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { normalize, type Outcome, type SideIds } from "../cli/normalize.ts";
import { etcdctl, etcdctlBackground, startEtcd, startTsetcd, type TestServer } from "./servers.ts";

/** This file's ports (the gRPC suite's range is 33000–33499). */
const ETCD_PORTS = { grpc: 33100, peer: 33101 };
const TSETCD_PORTS = { grpc: 33110, peer: 33111 };
const DEAD_ENDPOINT = "127.0.0.1:33199";
/** A learner's peer URL, the same on both sides (nothing listens there). */
const NEW_PEER_URL = "http://127.0.0.1:33198";

interface Side {
  server: TestServer;
  ids: SideIds;
  leases: string[];
  /** Members added by the sequence (hex ids). */
  added: string[];
  snapshotDir: string;
}

/** One step: etcdctl args (with {L} for the last lease granted, {SNAP} for a snapshot path), stdin. */
interface Step {
  name: string;
  args: string[];
  stdin?: string;
  /** Rows whose order follows random member ids: compared as a sorted set. */
  sortLines?: boolean;
}

const STEPS: Step[] = [
  { name: "put", args: ["put", "foo", "bar"] },
  { name: "put 2", args: ["put", "foo2", "bar2"] },
  { name: "put prev-kv", args: ["put", "foo", "baz", "--prev-kv"] },
  { name: "get", args: ["get", "foo"] },
  { name: "get missing", args: ["get", "nothing"] },
  { name: "get prefix", args: ["get", "--prefix", "foo"] },
  { name: "get prefix limit", args: ["get", "--prefix", "foo", "--limit", "1"] },
  { name: "get prefix json", args: ["get", "--prefix", "foo", "-w", "json"] },
  { name: "get keys-only sort", args: ["get", "--prefix", "foo", "--keys-only", "--order", "DESCEND"] },
  { name: "get count-only", args: ["get", "--prefix", "foo", "--count-only", "-w", "json"] },
  { name: "get from-key", args: ["get", "--from-key", "foo2"] },
  { name: "get future rev", args: ["get", "foo", "--rev", "1000"] },
  { name: "del", args: ["del", "foo2"] },
  { name: "del missing", args: ["del", "nothing"] },
  { name: "del prefix prev-kv", args: ["del", "--prefix", "--prev-kv", "fo"] },
  { name: "txn success", args: ["txn"], stdin: 'create("foo") = "0"\n\nput t 1\nput u 2\n\nput t 3\n\n' },
  { name: "txn failure", args: ["txn"], stdin: 'value("t") = "nope"\n\nput t 9\n\nget t\nget u\n\n' },
  { name: "txn json", args: ["txn", "-w", "json"], stdin: 'mod("t") > "0"\n\ndel u\n\n\n' },
  { name: "lease grant", args: ["lease", "grant", "100"] },
  { name: "lease timetolive", args: ["lease", "timetolive", "{L}"] },
  { name: "put lease", args: ["put", "--lease={L}", "lk", "v"] },
  { name: "lease timetolive keys", args: ["lease", "timetolive", "--keys", "{L}"] },
  { name: "lease keep-alive once", args: ["lease", "keep-alive", "--once", "{L}"] },
  { name: "lease list", args: ["lease", "list"] },
  { name: "lease revoke", args: ["lease", "revoke", "{L}"] },
  { name: "lease timetolive revoked", args: ["lease", "timetolive", "{L}"] },
  { name: "lease revoke again", args: ["lease", "revoke", "{L}"] },
  { name: "lease keep-alive once revoked", args: ["lease", "keep-alive", "--once", "{L}"] },
  { name: "get leased key gone", args: ["get", "lk"] },
  { name: "put bad lease", args: ["put", "--lease=123abc", "k", "v"] },
  { name: "member list", args: ["member", "list"] },
  { name: "member list json", args: ["member", "list", "-w", "json"] },
  { name: "endpoint status", args: ["endpoint", "status"] },
  { name: "endpoint health", args: ["endpoint", "health"] },
  { name: "alarm list", args: ["alarm", "list"] },
  { name: "compaction", args: ["compaction", "4"] },
  { name: "get compacted rev", args: ["get", "t", "--rev=2"] },
  { name: "compaction again", args: ["compaction", "3"] },
  { name: "get after compaction", args: ["get", "--prefix", "", "-w", "json"] },
  { name: "snapshot save", args: ["snapshot", "save", "{SNAP}"] },
  // etcdctl's lock is clientv3's mutex over KV, Lease and Watch (not the Lock service).
  { name: "lock with a command", args: ["lock", "L1", "--", "sh", "-c", "echo locked ${ETCD_LOCK_KEY%%/*}"] },
  { name: "user list", args: ["user", "list"] },
  { name: "role list", args: ["role", "list"] },
  { name: "user get", args: ["user", "get", "x"] },
  { name: "role get", args: ["role", "get", "r"] },
  { name: "user delete", args: ["user", "delete", "x"] },
  { name: "user grant-role", args: ["user", "grant-role", "x", "r"] },
  { name: "role grant-permission", args: ["role", "grant-permission", "r", "read", "k"] },
  { name: "role revoke-permission", args: ["role", "revoke-permission", "r", "k"] },
  { name: "auth enable", args: ["auth", "enable"] },
  { name: "auth disable", args: ["auth", "disable"] },
  { name: "get with credentials, auth disabled", args: ["--user=a:b", "get", "t"] },
  { name: "move-leader to self", args: ["move-leader", "{SELF}"] },
  { name: "member add bad url", args: ["member", "add", "n2", "--peer-urls=http://127.0.0.1:33198/x"] },
  { name: "member add learner", args: ["member", "add", "n2", "--learner", `--peer-urls=${NEW_PEER_URL}`] },
  { name: "member list with learner", args: ["member", "list"], sortLines: true },
  { name: "member promote not ready", args: ["member", "promote", "{NEW}"] },
  { name: "member update", args: ["member", "update", "{NEW}", "--peer-urls=http://127.0.0.1:33197"] },
  { name: "member update unknown", args: ["member", "update", "1234", "--peer-urls=http://127.0.0.1:33196"] },
  { name: "member promote self", args: ["member", "promote", "{SELF}"] },
  { name: "member remove", args: ["member", "remove", "{NEW}"] },
  { name: "member remove again", args: ["member", "remove", "{NEW}"] },
  { name: "member list after remove", args: ["member", "list", "-w", "json"] },
  { name: "put after membership changes", args: ["put", "after", "members"] },
];

const sides: Side[] = [];
const results: Outcome[][] = [[], []];

function fill(args: string[], side: Side): string[] {
  const lease = side.leases.at(-1) ?? "none";
  const added = side.added.at(-1) ?? "none";
  return args.map((a) =>
    a.replaceAll("{L}", lease).replaceAll("{NEW}", added).replaceAll("{SELF}", side.ids.memberId.toString(16))
      .replaceAll("{SNAP}", join(side.snapshotDir, "s.db"))
  );
}

/** Lease ids (hex in text, decimal in JSON), remaining seconds and the snapshot path also differ by side. */
function normalizeSide(outcome: Outcome, side: Side): Outcome {
  const base = normalize(outcome, side.ids);
  const fix = (text: string): string => {
    let out = text;
    for (const lease of side.leases) {
      out = out.split(lease).join("<LEASE>").split(BigInt(`0x${lease}`).toString()).join("<LEASE>");
    }
    for (const id of side.added) out = out.split(id).join("<NEW>").split(BigInt(`0x${id}`).toString()).join("<NEW>");
    return out.replace(/remaining\(\d+s\)/g, "remaining(<S>)").split(side.snapshotDir).join("<DIR>")
      // etcdctl prints ids with %16x (the width depends on the id) and lists members in id order.
      .replace(/^Member +</gm, "Member <")
      .replace(/^ETCD_INITIAL_CLUSTER="(.*)"$/m, (_, list: string) => `ETCD_INITIAL_CLUSTER="${list.split(",").sort().join(",")}"`);
  };
  return { stdout: fix(base.stdout), stderr: fix(base.stderr), code: base.code };
}

async function sideIds(server: TestServer): Promise<SideIds> {
  const run = await etcdctl(server.grpcEndpoint, ["endpoint", "status", "-w", "json"]);
  const cluster = /"cluster_id":(\d+)/.exec(run.stdout);
  const member = /"member_id":(\d+)/.exec(run.stdout);
  if (cluster === null || member === null) throw new Error(`endpoint status: ${run.stdout}${run.stderr}`);
  return {
    clusterId: BigInt(cluster[1]!),
    memberId: BigInt(member[1]!),
    endpoint: server.grpcEndpoint,
    peerUrl: server.peerUrl,
    deadEndpoint: DEAD_ENDPOINT,
    program: "etcdctl",
  };
}

test.before(async () => {
  const [etcd, tsetcd] = await Promise.all([startEtcd(ETCD_PORTS), startTsetcd(TSETCD_PORTS)]);
  for (const server of [etcd, tsetcd]) {
    sides.push({ server, ids: await sideIds(server), leases: [], added: [], snapshotDir: mkdtempSync(join(tmpdir(), "grpc-snap-")) });
  }
});

test.after(async () => {
  for (const side of sides) {
    await side.server.stop();
    rmSync(side.snapshotDir, { recursive: true, force: true });
  }
});

test("the server says where it serves gRPC and where the gateway, before it says it is ready", () => {
  const output = sides[1]!.server.output();
  const grpc = output.indexOf(`serving etcd's gRPC API on http://${sides[1]!.server.grpcEndpoint}`);
  const ready = output.indexOf(`ready to serve client requests on ${sides[1]!.server.httpUrl}`);
  assert.ok(grpc >= 0 && ready > grpc, output);
});

test("etcdctl 3.4 over gRPC: every step's output and exit code match etcd 3.4", async () => {
  for (const step of STEPS) {
    for (let i = 0; i < sides.length; i++) {
      const side = sides[i]!;
      const stdin = step.stdin === undefined ? {} : { stdin: step.stdin };
      const run = await etcdctl(side.server.grpcEndpoint, fill(step.args, side), stdin);
      const granted = /^lease ([0-9a-f]+) granted/.exec(run.stdout);
      if (step.name === "lease grant" && granted !== null) side.leases.push(granted[1]!);
      const added = /^Member +([0-9a-f]+) added/.exec(run.stdout);
      if (added !== null) side.added.push(added[1]!);
      const outcome = normalizeSide(run, side);
      if (step.sortLines === true) outcome.stdout = outcome.stdout.split("\n").sort().join("\n");
      results[i]!.push(outcome);
    }
    const [onEtcd, onTsetcd] = [results[0]!.at(-1)!, results[1]!.at(-1)!];
    assert.equal(onTsetcd, onEtcd, `step "${step.name}"`);
  }
  // The sequence did exercise what it claims (a guard against both sides failing the same way).
  const byName = (name: string): Outcome => results[1]![STEPS.findIndex((s) => s.name === name)]!;
  assert.is(byName("get").stdout, "foo\nbaz\n");
  assert.is(byName("get compacted rev").code, 1);
  assert.match(byName("get compacted rev").stderr, /etcdserver: mvcc: required revision has been compacted/);
  assert.match(byName("lease revoke again").stderr, /etcdserver: requested lease not found/);
  assert.match(byName("snapshot save").stdout, /^Snapshot saved at <DIR>\/s\.db\n$/);
  assert.is(sides[1]!.leases.length, 1);
  assert.is(sides[1]!.added.length, 1);
  assert.match(byName("member list with learner").stdout, /<NEW>, unstarted, , http:\/\/127\.0\.0\.1:33198, , true/);
  assert.match(byName("member remove").stdout, /^Member <NEW> removed from cluster <CLUSTER>\n$/);
  assert.is(byName("put after membership changes").code, 0);
  assert.is(byName("lock with a command").stdout, "locked L1\n");
  assert.is(byName("auth enable").stderr, "Error: etcdserver: root user does not exist\n");
  assert.is(byName("get with credentials, auth disabled").stdout, "t\n1\n");
});

test("a watch over gRPC sees puts and deletes, as etcd's does; the HTTP URL still answers", async () => {
  // The two sides are separate servers: watched at the same time.
  const outputs = await Promise.all(sides.map(async (side) => {
    const endpoint = side.server.grpcEndpoint;
    const watch = etcdctlBackground(endpoint, ["watch", "--prefix", "w", "--prev-kv"]);
    try {
      await Bun.sleep(700); // the watch is created before the first put
      await etcdctl(endpoint, ["put", "w1", "a"]);
      await etcdctl(endpoint, ["put", "w1", "b"]);
      await etcdctl(endpoint, ["put", "w2", "c"]);
      await etcdctl(endpoint, ["del", "--prefix", "w"]);
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline && (watch.output().match(/^DELETE$/gm) ?? []).length < 2) await Bun.sleep(50);
    } finally {
      await watch.stop();
    }
    return watch.output();
  }));
  assert.is(outputs[1], outputs[0]);
  assert.is(outputs[0], "PUT\nw1\na\nPUT\nw1\na\nw1\nb\nPUT\nw2\nc\nDELETE\nw1\nb\nw1\n\nDELETE\nw2\nc\nw2\n\n");
  // The gateway on the same port, at the same time as gRPC.
  const response = await fetch(`${sides[1]!.server.httpUrl}/v3/kv/put`, { method: "POST", body: '{"key":"aHR0cA==","value":"eA=="}' });
  assert.is(response.status, 200);
  const got = await etcdctl(sides[1]!.server.grpcEndpoint, ["get", "http"]);
  assert.is(got.stdout, "http\nx\n");
});

test("a keep-alive stream over gRPC renews a lease several times, as etcd's", async () => {
  // The two sides are separate servers: their leases run at the same time.
  await Promise.all(sides.map(async (side) => {
    const grant = await etcdctl(side.server.grpcEndpoint, ["lease", "grant", "5"]);
    const lease = /^lease ([0-9a-f]+) granted/.exec(grant.stdout)?.[1];
    assert.ok(lease !== undefined, grant.stdout + grant.stderr);
    const keep = etcdctlBackground(side.server.grpcEndpoint, ["lease", "keep-alive", lease!]);
    try {
      // etcdctl renews every TTL/3 s: two renewals within ~4 s.
      const deadline = Date.now() + 8_000;
      while (Date.now() < deadline && (keep.output().match(/keepalived with TTL\(5\)/g) ?? []).length < 3) await Bun.sleep(100);
    } finally {
      await keep.stop();
    }
    assert.ok((keep.output().match(/keepalived with TTL\(5\)/g) ?? []).length >= 3, keep.output());
    await Bun.sleep(6_000); // past the TTL: the lease expired without the keep-alive
    const ttl = await etcdctl(side.server.grpcEndpoint, ["lease", "timetolive", lease!]);
    assert.is(ttl.stdout, `lease ${lease} already expired\n`);
  }));
});

test.run();
