/**
 * Issue 12's operator commands, tsetcd's CLI against tsetcd vs etcdctl 3.4 against etcd 3.4 (same data):
 * `defrag` and `defrag --cluster`, `endpoint hashkv` and `--cluster` in every -w format, `check datascale`
 * (a quick load) and the error paths of both `check` commands (unknown load, bad -w, a prefix with keys),
 * compared on stdout, stderr and exit code with only ids, endpoints, sizes and the compaction revision (which
 * follows the put count) normalized. etcdctl's progress bar (carriage-return redraws, drawn even into a pipe)
 * is dropped; tsetcd draws it on a terminal only. `check perf` runs 60 s in etcdctl, so its output here is
 * ours with TSETCD_CHECK_PERF_DURATION_MS against the shape of etcdctl's real output, captured live by
 * bench/check_perf.ts into test/fixtures/ops/check_perf_etcdctl.txt. Last, 3-member clusters on both sides:
 * `defrag --cluster` and `endpoint hashkv --cluster` in every -w format, members named by ID rank.
 * etcd missing is a failure, not a skip. Ports 23600–23603 and 23620–23635.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Io } from "../../commands/command.ts";
import { runCli } from "../../commands/mod.ts";
import { startServer as startMember, type TsetcdServer } from "../../src/server/mod.ts";
import { runEtcdctl } from "../helpers/etcd.ts";
import { type OpsServer, startServer as startProcess } from "../ops/servers.ts";

const FIXTURE = resolve(import.meta.dir, "../fixtures/ops/check_perf_etcdctl.txt");
const dir = mkdtempSync(join(tmpdir(), "tsetcd-ops-compat-"));
let etcd: OpsServer;
let ours: TsetcdServer;
let etcdEndpoint = "";
let oursEndpoint = "";

interface Outcome {
  out: string;
  err: string;
  code: number;
}

/** The tsetcd CLI in this process, with an environment (the check commands' test knobs). */
async function tsetcd(args: string[], env: Record<string, string> = {}): Promise<Outcome> {
  const io: Io & { out: string; err: string } = {
    out: "",
    err: "",
    stdout: (t) => void (io.out += t),
    stdoutBytes: () => {},
    stderr: (t) => void (io.err += t),
    readStdin: () => new Uint8Array(),
    readStdinLine: () => undefined,
    env,
    stdoutIsTty: false,
  };
  const code = await runCli(args, io);
  return { out: io.out, err: io.err, code };
}

/** What may differ: ids, endpoints, hashes' headers' terms, sizes; the progress bar etcdctl draws in a pipe. */
function normalize(outcome: Outcome, side: { endpoint: string; memberId: bigint; clusterId: bigint }): Outcome {
  const clean = (text: string): string => {
    let out = text.replace(/(\r[^\r\n]*)+\n?/g, "");
    for (const [from, to] of [
      [side.endpoint, "<EP>"],
      [side.memberId.toString(), "<MEMBER>"],
      [side.clusterId.toString(), "<CLUSTER>"],
      [side.memberId.toString(16), "<MEMBER>"],
      [side.clusterId.toString(16), "<CLUSTER>"],
    ] as const) out = out.split(from).join(to);
    out = out.replace(/"raft_term":\d+/g, '"raft_term":<TERM>').replace(/"RaftTerm" : \d+/g, '"RaftTerm" : <TERM>');
    out = out.replace(/memory used : -?[0-9.]+ MB/g, "memory used : <MB> MB");
    return out.replace(/(Compact(?:ing|ed) with revision) \d+/g, "$1 <REV>");
  };
  return { out: clean(outcome.out), err: clean(outcome.err), code: outcome.code };
}

let etcdIds = { endpoint: "", memberId: 0n, clusterId: 0n };
let oursIds = { endpoint: "", memberId: 0n, clusterId: 0n };

async function idsOf(endpoint: string): Promise<{ endpoint: string; memberId: bigint; clusterId: bigint }> {
  const response = await fetch(`http://${endpoint}/v3/maintenance/status`, { method: "POST", body: "{}" });
  const header = ((await response.json()) as { header: { member_id: string; cluster_id: string } }).header;
  return { endpoint, memberId: BigInt(header.member_id), clusterId: BigInt(header.cluster_id) };
}

/** Runs `args` on both sides and asserts equal normalized results; returns etcdctl's. */
async function same(args: string[], env: Record<string, string> = {}): Promise<Outcome> {
  const [theirs, mine] = await Promise.all([
    runEtcdctl([`--endpoints=${etcdEndpoint}`, ...args]),
    tsetcd([`--endpoints=${oursEndpoint}`, ...args], env),
  ]);
  assert.ok(theirs.code !== -1, `etcdctl could not run: ${theirs.err}`);
  const expected = normalize(theirs, etcdIds);
  const actual = normalize(mine, oursIds);
  assert.equal(actual, expected, `${args.join(" ")}`);
  return expected;
}

test.before(async () => {
  const peer = "http://127.0.0.1:23603";
  [etcd, ours] = await Promise.all([
    startProcess({ kind: "etcd", dataDir: join(dir, "etcd"), clientPort: 23600, peerPort: 23601 }),
    startMember({
      name: "default",
      dataDir: join(dir, "ours"),
      listenClientUrls: ["http://127.0.0.1:23602"],
      advertiseClientUrls: ["http://127.0.0.1:23602"],
      listenPeerUrls: [peer],
      initialAdvertisePeerUrls: [peer],
      initialCluster: new Map([["default", [peer]]]),
      // Threads take seconds each to start on a loaded 2-core box; none is under test here.
      clientFrontThread: false,
      walCheckpointThread: false,
    }),
  ]);
  etcdEndpoint = etcd.endpoint;
  oursEndpoint = "127.0.0.1:23602";
  const deadline = Date.now() + 10_000;
  while (!ours.member.hasLeader() && Date.now() < deadline) await Bun.sleep(20);
  [etcdIds, oursIds] = await Promise.all([idsOf(etcdEndpoint), idsOf(oursEndpoint)]);
  // The same history on both: hashes are then equal without normalizing.
  for (const [key, value] of [["a", "1"], ["b", "2"], ["a", "3"], ["c/x", "4"]]) await same(["put", key!, value!]);
  await same(["del", "b"]);
});

test.after(async () => {
  await Promise.all([etcd?.stop(), ours?.close(), ...etcd3.map((m) => m.stop()), ...ours3.map((m) => m.close())]);
  rmSync(dir, { recursive: true, force: true });
});

test("defrag and defrag --cluster print and exit as etcdctl's, whatever -w says", async () => {
  for (const extra of [[], ["--cluster"], ["-w", "json"], ["-w", "table", "--cluster"]]) {
    const result = await same(["defrag", ...extra]);
    assert.is(result.code, 0);
    assert.match(result.out, /^Finished defragmenting etcd member\[/);
  }
});

test("endpoint hashkv and --cluster in every -w format, and --rev", async () => {
  // Read-only: all at once.
  const runs: Promise<Outcome>[] = [];
  for (const format of ["simple", "json", "table", "fields", "protobuf"]) {
    for (const extra of [[], ["--cluster"], ["--rev", "3"]]) runs.push(same(["endpoint", "hashkv", "-w", format, ...extra]));
  }
  const results = await Promise.all(runs);
  assert.match(results[0]!.out, /^<EP>, \d+\n$/);
  assert.is(results.at(-1)!.code, 4, "protobuf is not an output of endpoint hashkv");
});

test("check perf and check datascale refuse an unknown load (4), a bad -w (4) and a prefix with keys (3)", async () => {
  await same(["put", "/taken/k", "v"]);
  // None of these writes anything: all at once.
  await Promise.all([["check", "perf"], ["check", "datascale"]].map(async (command) => {
    const bogus = await same([...command, "--load=huge"]);
    assert.is(bogus.code, 4);
    assert.is((await same([...command, "-w", "yaml"])).code, 4);
    for (const format of ["simple", "json"]) {
      const taken = await same([...command, "--prefix=/taken/", "-w", format]);
      assert.is(taken.code, 3);
      assert.is(taken.err, 'Error: prefix "/taken/" has keys. Delete with etcdctl del --prefix /taken/ first\n');
    }
  }));
});

test("check datascale (etcdctl's s load; tsetcd's put count lowered) with --auto-compact --auto-defrag", async () => {
  const result = await same(["check", "datascale", "--auto-compact", "--auto-defrag"], { TSETCD_CHECK_DATASCALE_LIMIT: "300" });
  assert.is(result.code, 0);
  assert.is(
    result.out,
    "Start data scale check for work load [10000 key-value pairs, 1024 bytes per key-value, 50 concurrent clients].\n" +
      "Compacting with revision <REV>\nCompacted with revision <REV>\n" +
      'Defragmenting "<EP>"\nDefragmented "<EP>"\n' +
      "PASS: Approximate system memory used : <MB> MB.\n",
  );
  // The check's keys are gone on both sides.
  assert.is((await same(["get", "/etcdctl-check-datascale/", "--prefix", "--keys-only"])).out, "");
});

/** The shape of a `check perf` output line: which of etcdctl's lines it is, or undefined. */
function perfLineShape(line: string): string | undefined {
  const shapes: [string, RegExp][] = [
    ["throughput", /^(PASS: Throughput is|FAIL: Throughput too low:) \d+ writes\/s$/],
    ["slowest", /^(PASS: Slowest request took|Slowest request took too long:) (\d+\.\d{6}|NaN)s$/],
    ["stddev", /^(PASS: Stddev is|Stddev too high:) (\d+\.\d{6}|NaN)s$/],
    ["verdict", /^(PASS|FAIL)$/],
    ["errors", /^FAIL: too many errors$/],
    ["error", /^FAIL: ERROR\(.*\) -> \d+$/],
  ];
  return shapes.find(([, pattern]) => pattern.test(line))?.[0];
}

function perfShapes(stdout: string): string[] {
  const lines = stdout.replace(/(\r[^\r\n]*)+\n?/g, "").split("\n").filter((line) => line !== "");
  return lines.map((line) => perfLineShape(line) ?? `unknown line: ${JSON.stringify(line)}`)
    .filter((shape) => shape !== "error" && shape !== "errors");
}

test("check perf prints etcdctl's lines (shortened run) in the order of the etcdctl output captured live", async () => {
  const captured = readFileSync(FIXTURE, "utf8");
  assert.ok(captured.includes("\r"), "the fixture is etcdctl's raw output, progress bar included");
  const expected = perfShapes(captured);
  assert.equal(expected, ["throughput", "slowest", "stddev", "verdict"]);
  const mine = await tsetcd([`--endpoints=${oursEndpoint}`, "check", "perf"], { TSETCD_CHECK_PERF_DURATION_MS: "1500" });
  assert.equal(perfShapes(mine.out), expected, mine.out);
  assert.is(mine.err, "");
  assert.is(mine.code, mine.out.endsWith("PASS\n") ? 0 : 1, "exit 0 on PASS, 1 on FAIL");
  const left = await tsetcd([`--endpoints=${oursEndpoint}`, "get", "/etcdctl-check-perf/", "--prefix", "--count-only", "-w", "json"]);
  assert.not.match(left.out, /"count"/, "every key the check wrote was deleted");
});

/** Three members each side (etcd ports 23620–23625, tsetcd 23630–23635), for the --cluster forms. */
const CLUSTER_NAMES = ["c1", "c2", "c3"];
const etcd3: OpsServer[] = [];
const ours3: TsetcdServer[] = [];

/** Every member by ID rank (member lists are sorted by ID on both sides): id and client URL → <Mi>, <EPi>. */
async function rankNormalizer(endpoint: string): Promise<(text: string) => string> {
  const response = await fetch(`http://${endpoint}/v3/cluster/member/list`, { method: "POST", body: "{}" });
  const body = (await response.json()) as { header: { cluster_id: string }; members: { ID: string; clientURLs: string[] }[] };
  const members = body.members.map((m) => ({ id: BigInt(m.ID), url: m.clientURLs[0]! }))
    .sort((a, b) => (a.id < b.id ? -1 : 1));
  const clusterId = BigInt(body.header.cluster_id);
  return (text) => {
    let out = text.replace(/(\r[^\r\n]*)+\n?/g, "");
    members.forEach((m, i) => {
      for (const [from, to] of [[m.id.toString(), `<M${i}>`], [m.id.toString(16), `<M${i}>`], [m.url, `<EP${i}>`]]) {
        out = out.split(from!).join(to!);
      }
    });
    out = out.split(clusterId.toString()).join("<CLUSTER>").split(clusterId.toString(16)).join("<CLUSTER>");
    return out.replace(/"raft_term":\d+/g, '"raft_term":<TERM>').replace(/"RaftTerm" : \d+/g, '"RaftTerm" : <TERM>');
  };
}

test("on 3 members: defrag --cluster and endpoint hashkv --cluster in every -w format", async () => {
  const initial = (base: number): string => CLUSTER_NAMES.map((n, i) => `${n}=http://127.0.0.1:${base + 2 * i + 1}`).join(",");
  const [etcdSide, oursSide] = await Promise.all([
    Promise.all(CLUSTER_NAMES.map((name, i) =>
      startProcess({
        kind: "etcd",
        name,
        dataDir: join(dir, `etcd-${name}`),
        clientPort: 23620 + 2 * i,
        peerPort: 23621 + 2 * i,
        initialCluster: initial(23620),
      })
    )),
    Promise.all(CLUSTER_NAMES.map((name, i) => {
      const client = `http://127.0.0.1:${23630 + 2 * i}`;
      return startMember({
        name,
        dataDir: join(dir, `ours-${name}`),
        listenClientUrls: [client],
        advertiseClientUrls: [client],
        listenPeerUrls: [`http://127.0.0.1:${23631 + 2 * i}`],
        initialAdvertisePeerUrls: [`http://127.0.0.1:${23631 + 2 * i}`],
        initialCluster: new Map(CLUSTER_NAMES.map((n, j) => [n, [`http://127.0.0.1:${23631 + 2 * j}`]])),
        clientFrontThread: false,
        walCheckpointThread: false,
      });
    })),
  ]);
  etcd3.push(...etcdSide);
  ours3.push(...oursSide);
  const etcdEndpoints = [0, 1, 2].map((i) => `127.0.0.1:${23620 + 2 * i}`);
  const oursEndpoints = [0, 1, 2].map((i) => `127.0.0.1:${23630 + 2 * i}`);
  const deadline = Date.now() + 10_000;
  while (!ours3.every((m) => m.member.hasLeader()) && Date.now() < deadline) await Bun.sleep(20);
  // Both clusters publish their members' client URLs once running: wait (bounded) until all three list them.
  const [etcdNormal, oursNormal] = await Promise.all([etcdEndpoints[0]!, oursEndpoints[0]!].map(async (endpoint) => {
    for (let attempt = 0; attempt < 100; attempt++) {
      const list = await (await fetch(`http://${endpoint}/v3/cluster/member/list`, { method: "POST", body: "{}" })).json() as
        { members: { clientURLs?: string[] }[] };
      if (list.members.length === 3 && list.members.every((m) => (m.clientURLs ?? []).length > 0)) break;
      await Bun.sleep(100);
    }
    return rankNormalizer(endpoint);
  }));
  const both = async (args: string[]): Promise<[Outcome, Outcome]> => {
    const [theirs, mine] = await Promise.all([
      runEtcdctl([`--endpoints=${etcdEndpoints[0]}`, ...args]),
      tsetcd([`--endpoints=${oursEndpoints[0]}`, ...args]),
    ]);
    return [
      { out: etcdNormal!(theirs.out), err: etcdNormal!(theirs.err), code: theirs.code },
      { out: oursNormal!(mine.out), err: oursNormal!(mine.err), code: mine.code },
    ];
  };
  for (const [key, value] of [["k", "1"], ["k", "2"], ["j", "3"]]) await both(["put", key!, value!]);
  // A linearizable read on every member: each has then applied every put, so all hashes agree.
  await Promise.all([...etcdEndpoints, ...oursEndpoints].map((endpoint) =>
    fetch(`http://${endpoint}/v3/kv/range`, { method: "POST", body: JSON.stringify({ key: btoa("k") }) })
  ));
  const [theirDefrag, myDefrag] = await both(["defrag", "--cluster"]);
  assert.equal(myDefrag, theirDefrag);
  assert.is(theirDefrag.out, [0, 1, 2].map((i) => `Finished defragmenting etcd member[<EP${i}>]\n`).join(""));
  for (const format of ["simple", "json", "table", "fields"]) {
    const [theirs, mine] = await both(["endpoint", "hashkv", "--cluster", "-w", format]);
    assert.equal(mine, theirs, format);
    assert.is(theirs.code, 0);
    if (format === "simple") assert.match(theirs.out, /^<EP0>, (\d+)\n<EP1>, \1\n<EP2>, \1\n$/);
  }
});

test.run();
