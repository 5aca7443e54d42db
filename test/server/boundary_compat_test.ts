/**
 * The request boundary against a real etcd 3.4, live: the requests of issue 9 (empty and zero bodies on
 * every route, lease TTL bounds, member URLs, txn checks, enums etcd tolerates) go to both servers and the
 * normalised answers (status, content type, body bytes) must be equal. Uses the differential harness of
 * test/compat with this file's own ports (31550–31553). etcd missing is a failure, not a skip.
 *
 * Requests where tsetcd deliberately differs (etcd 3.4 crashes on an unknown sort target; it stores peer
 * URLs our transport could not dial) are in request_boundary_test.ts and crashing_requests_test.ts.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ServerProcess as CompatServer } from "../helpers/etcd.ts";
import { etcdBinary } from "../helpers/etcd.ts";
import { b64, runScenario, type Step } from "../compat/harness.ts";
import { type ServerProcess, spawnServer } from "./process_helpers.ts";

const ETCD_CLIENT_PORT = 31550;
const ETCD_PEER_PORT = 31551;
const OURS_CLIENT_PORT = 31552;
const OURS_PEER_PORT = 31553;
const READY_TIMEOUT_MS = 15_000;

const j = JSON.stringify;
/** A granted lease's id is random on both servers. */
const leaseId = (body: string): string => body.replace(/"ID":"-?\d+"/g, '"ID":"<id>"');
const BAD_URLS = "etcdserver: given member URLs are invalid";

const STEPS: Step[] = [
  { name: "put a", path: "/v3/kv/put", body: j({ key: b64("a"), value: b64("1") }), status: 200 },
  // Zero bodies: etcd's gateway reads '', '{}' and 'null' as the zero message.
  ...["", "{}", "null"].map((body): Step => ({
    name: `lease grant ${JSON.stringify(body)}`,
    path: "/v3/lease/grant",
    body,
    status: 200,
    includes: '"TTL":"2"',
    normalize: leaseId,
  })),
  { name: "lease grant negative TTL", path: "/v3/lease/grant", body: j({ TTL: -5 }), status: 200, includes: '"TTL":"2"', normalize: leaseId },
  { name: "lease grant TTL at the max", path: "/v3/lease/grant", body: j({ TTL: 9_000_000_000 }), status: 200, normalize: leaseId },
  { name: "lease grant TTL over the max", path: "/v3/lease/grant", body: j({ TTL: 9_000_000_001 }), status: 400, includes: "too large lease TTL" },
  { name: "lease grant TTL int64 max", path: "/v3/lease/grant", body: '{"TTL":"9223372036854775807"}', status: 400 },
  { name: "lease grant negative id", path: "/v3/lease/grant", body: j({ TTL: 5, ID: -7 }), status: 200 },
  { name: "lease grant the negative id again", path: "/v3/lease/grant", body: '{"TTL":5,"ID":"-7"}', status: 412 },
  { name: "lease grant fractional TTL", path: "/v3/lease/grant", body: '{"TTL":1.5}', status: 400 },
  { name: "lease grant exponent TTL", path: "/v3/lease/grant", body: '{"TTL":"1e3"}', status: 400 },
  { name: "lease grant array", path: "/v3/lease/grant", body: "[]", status: 400 },
  { name: "lease grant string", path: "/v3/lease/grant", body: '"x"', status: 400 },
  { name: "lease revoke empty", path: "/v3/lease/revoke", body: "", status: 404 },
  { name: "lease revoke the negative id", path: "/v3/lease/revoke", body: j({ ID: -7 }), status: 200 },
  { name: "lease time-to-live empty", path: "/v3/lease/timetolive", body: "", status: 200 },
  { name: "lease time-to-live negative id", path: "/v3/lease/timetolive", body: j({ ID: -5 }), status: 200 },
  { name: "lease time-to-live bad id", path: "/v3/lease/timetolive", body: '{"ID":"abc"}', status: 400 },
  { name: "put empty", path: "/v3/kv/put", body: "", status: 400 },
  { name: "put negative lease", path: "/v3/kv/put", body: j({ key: b64("a"), lease: -5 }), status: 404 },
  { name: "deleterange empty", path: "/v3/kv/deleterange", body: "", status: 400 },
  { name: "txn empty", path: "/v3/kv/txn", body: "", status: 200 },
  { name: "txn empty op", path: "/v3/kv/txn", body: j({ success: [{}] }), status: 400, includes: "key not found" },
  { name: "txn nested empty op", path: "/v3/kv/txn", body: j({ success: [{ request_txn: { success: [{}] } }] }), status: 400 },
  { name: "txn empty compare", path: "/v3/kv/txn", body: j({ compare: [{}] }), status: 400, includes: "key is not provided" },
  { name: "txn empty put", path: "/v3/kv/txn", body: j({ success: [{ request_put: {} }] }), status: 400 },
  // Enums etcd does not know: a compare target compares as equal, a result holds, a sort order sorts nothing.
  ...["EQUAL", "NOT_EQUAL", "GREATER"].map((result): Step => ({
    name: `txn compare target 7 ${result}`,
    path: "/v3/kv/txn",
    body: j({ compare: [{ key: b64("a"), target: 7, result }] }),
    status: 200,
  })),
  { name: "txn compare result 9", path: "/v3/kv/txn", body: j({ compare: [{ key: b64("a"), result: 9, version: "100" }] }), status: 200 },
  {
    name: "writing txn compare target 7",
    path: "/v3/kv/txn",
    body: j({ compare: [{ key: b64("a"), target: 7 }], success: [{ request_put: { key: b64("b") } }] }),
    status: 200,
  },
  { name: "put c", path: "/v3/kv/put", body: j({ key: b64("c"), value: b64("0") }), status: 200 },
  ...["VALUE", "MOD", "KEY"].map((target): Step => ({
    name: `range sort order 7 by ${target}`,
    path: "/v3/kv/range",
    body: j({ key: b64("a"), range_end: b64("z"), sort_order: 7, sort_target: target, limit: 2 }),
    status: 200,
  })),
  { name: "compaction empty", path: "/v3/kv/compaction", body: "", status: 200 },
  { name: "compaction negative", path: "/v3/kv/compaction", body: j({ revision: -1 }), status: 400 },
  { name: "compaction future", path: "/v3/kv/compaction", body: j({ revision: 100 }), status: 400 },
  // Membership: etcd checks the URLs of an add first, the member of an update/remove/promote first.
  ...[[], [""], ["foo"], ["http://"], ["ftp://1.2.3.4:5"], ["http://1.2.3.4"], ["http://1.2.3.4:5/path"],
    ["http://1.2.3.4:5/"], ["http://%zz"], ["http://1.2.3.4:x"]].map((urls): Step => ({
      name: `member add ${JSON.stringify(urls)}`,
      path: "/v3/cluster/member/add",
      body: j({ peerURLs: urls }),
      status: 400,
      includes: BAD_URLS,
    })),
  { name: "member add empty", path: "/v3/cluster/member/add", body: "", status: 400, includes: BAD_URLS },
  { name: "member update empty", path: "/v3/cluster/member/update", body: "", status: 404 },
  { name: "member update unknown with bad URLs", path: "/v3/cluster/member/update", body: j({ ID: "1", peerURLs: ["foo"] }), status: 404 },
  { name: "member remove empty", path: "/v3/cluster/member/remove", body: "", status: 404 },
  { name: "member promote empty", path: "/v3/cluster/member/promote", body: "", status: 404 },
  { name: "move leader empty", path: "/v3/maintenance/transfer-leadership", body: "", status: 412 },
  { name: "move leader unknown", path: "/v3/maintenance/transfer-leadership", body: j({ targetID: "5" }), status: 412 },
];

/** A single-member etcd 3.4 on this file's ports; resolves once /health says true. */
async function startEtcd(dataDir: string): Promise<{ server: CompatServer; exited: Promise<unknown> }> {
  const client = `http://127.0.0.1:${ETCD_CLIENT_PORT}`;
  const peer = `http://127.0.0.1:${ETCD_PEER_PORT}`;
  const child = spawn(etcdBinary(), [
    "--data-dir", join(dataDir, "etcd"),
    "--listen-client-urls", client, "--advertise-client-urls", client,
    "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer, "--initial-cluster", `default=${peer}`,
  ], { stdio: ["ignore", "ignore", "ignore"] });
  const exited = new Promise((resolve) => child.on("exit", resolve));
  const server: CompatServer = {
    name: "etcd",
    clientUrl: client,
    pid: child.pid!,
    dataDir,
    output: () => "",
    stop: async () => {
      child.kill("SIGTERM");
      // Cleared once it exits: a pending timer would hold this process open for the rest of the 5 s.
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const ok = await fetch(`${client}/health`).then((r) => r.ok, () => false);
    if (ok) return { server, exited };
    await Bun.sleep(100);
  }
  await server.stop();
  throw new Error("etcd did not become healthy");
}

test("zero bodies, TTL bounds, member URLs, txn checks and tolerated enums answer as etcd 3.4", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tsetcd-boundary-compat-"));
  let etcd: CompatServer | undefined;
  let ours: ServerProcess | undefined;
  try {
    etcd = (await startEtcd(dir)).server;
    const peer = `http://127.0.0.1:${OURS_PEER_PORT}`;
    ours = await spawnServer(join(dir, "tsetcd"), OURS_CLIENT_PORT, {
      args: ["--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer, "--initial-cluster", `default=${peer}`],
    });
    const oursServer: CompatServer = { ...etcd, name: "tsetcd", clientUrl: ours.url, pid: ours.child.pid! };
    const problems = await runScenario(etcd, oursServer, STEPS);
    assert.equal(problems, [], problems.join("\n"));
    const health = await fetch(`${ours.url}/health`);
    assert.is(health.status, 200);
  } finally {
    await etcd?.stop();
    if (ours !== undefined) {
      ours.child.kill("SIGTERM");
      const timer = setTimeout(() => ours!.child.kill("SIGKILL"), 5_000);
      await ours.exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
