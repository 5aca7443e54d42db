// Differential against real etcd 3.4: the same watch, lease, lock and elect command sequence through
// etcdctl against a fresh etcd, and through `tsetcd` against a fresh real `tsetcd server`; stdout, stderr
// and exit codes must match once lease ids, cluster/member ids and terms are normalized. Both start empty,
// so revisions line up. A missing etcd fails loudly (CI installs it).
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { BUN, Cluster, exec, MOD_TS, type Run, sleep } from "./procs.ts";

const ETCD = process.env.ETCD_BIN ?? "/usr/bin/etcd";
const ETCDCTL = process.env.ETCDCTL_BIN ?? "/usr/bin/etcdctl";

let etcd: ChildProcess | undefined;
let etcdDir = "";
let etcdEndpoint = "";
let ours: Cluster;
let oursEndpoint = "";

async function startEtcd(): Promise<void> {
  if (!existsSync(ETCD) || !existsSync(ETCDCTL)) throw new Error("etcd 3.4 is not installed (etcd-server, etcd-client)");
  for (let attempt = 0; attempt < 4; attempt++) {
    const port = 31800 + 2 * Math.floor(Math.random() * 90);
    etcdDir = mkdtempSync(join(tmpdir(), "tsetcd-it-etcd-"));
    const client = `http://127.0.0.1:${port}`;
    const peer = `http://127.0.0.1:${port + 1}`;
    etcd = spawn(ETCD, ["--data-dir", etcdDir, "--listen-client-urls", client, "--advertise-client-urls", client,
      "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer, "--initial-cluster", `default=${peer}`], {
      stdio: "ignore",
    });
    etcdEndpoint = `127.0.0.1:${port}`;
    for (let i = 0; i < 100; i++) {
      if (await fetch(`${client}/health`).then((r) => r.ok, () => false)) return;
      if (etcd.exitCode !== null) break;
      await sleep(100);
    }
    etcd.kill("SIGKILL");
    rmSync(etcdDir, { recursive: true, force: true });
  }
  throw new Error("etcd did not start");
}

test.before(async () => {
  ours = new Cluster(1);
  await Promise.all([startEtcd(), ours.start()]);
  oursEndpoint = ours.endpoints[0]!.replace("http://", "");
});
test.after(async () => {
  etcd?.kill("SIGKILL");
  await ours.close();
  rmSync(etcdDir, { recursive: true, force: true });
});

function etcdctl(args: string[]): Promise<Run> {
  return exec(ETCDCTL, [`--endpoints=${etcdEndpoint}`, ...args]);
}
function tsetcd(args: string[]): Promise<Run> {
  return exec(BUN, [MOD_TS, `--endpoints=${oursEndpoint}`, ...args]);
}

/** Lease ids, cluster/member ids and terms differ by nature; remaining TTLs by a second. */
function normalize(text: string, id: string): string {
  let out = text.split("\n").filter((line) => !line.startsWith('{"level":"warn"')).join("\n");
  if (id !== "") out = out.replaceAll(id, "<ID>").replaceAll(String(BigInt("0x" + id)), "<ID>");
  return out
    .replace(/"(cluster_id|member_id|raft_term)":\d+/g, '"$1":<N>')
    .replace(/"(ClusterID|MemberID|RaftTerm)" : \d+/g, '"$1" : <N>')
    .replace(/remaining\(\d+s\)/g, "remaining(<N>s)")
    .replace(/"ttl":(99|100),/g, '"ttl":<N>,')
    .replace(/"TTL" : (99|100)\n"GrantedTTL"/g, '"TTL" : <N>\n"GrantedTTL"')
    .replace(/\b\d{12,}\b/g, "<BIG>")
    .replace(/[0-9a-f]{16}/g, "<HEX>");
}

async function compare(steps: string[][], ids = { etcd: "", tsetcd: "" }): Promise<void> {
  for (const step of steps) {
    const argsFor = (id: string): string[] => step.map((a) => a.replace("<ID>", id));
    const [real, mine] = await Promise.all([etcdctl(argsFor(ids.etcd)), tsetcd(argsFor(ids.tsetcd))]);
    if (ids.etcd === "" && step[0] === "lease" && step[1] === "grant") {
      ids.etcd = /lease ([0-9a-f]{16})/.exec(real.stdout)?.[1] ?? "";
      ids.tsetcd = /lease ([0-9a-f]{16})/.exec(mine.stdout)?.[1] ?? "";
      assert.ok(ids.etcd !== "" && ids.tsetcd !== "", `${real.stdout} / ${mine.stdout}`);
    }
    const label = step.join(" ");
    assert.is(normalize(mine.stdout, ids.tsetcd), normalize(real.stdout, ids.etcd), `stdout of ${label}`);
    assert.is(normalize(mine.stderr, ids.tsetcd), normalize(real.stderr, ids.etcd), `stderr of ${label}`);
    assert.is(mine.code, real.code, `exit code of ${label}`);
  }
}

/** Runs `watch` on both until `lines` lines of stdout arrived (bounded), then interrupts both. */
async function compareWatch(args: string[], lines: number): Promise<void> {
  const start = (command: string, endpoint: string, pre: string[]): { child: ChildProcess; out: () => string; done: Promise<unknown> } => {
    const child = spawn(command, [...pre, `--endpoints=${endpoint}`, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout!.on("data", (c) => (out += c));
    const done = new Promise((r) => child.on("exit", r));
    return { child, out: () => out, done };
  };
  const real = start(ETCDCTL, etcdEndpoint, []);
  const mine = start(BUN, oursEndpoint, [MOD_TS]);
  const deadline = Date.now() + 10_000;
  const enough = (o: string): boolean => o.split("\n").length > lines;
  while (Date.now() < deadline && !(enough(real.out()) && enough(mine.out()))) await sleep(50);
  await sleep(300); // anything still on its way
  for (const p of [real, mine]) p.child.kill("SIGINT");
  const timer = setTimeout(() => [real, mine].forEach((p) => p.child.kill("SIGKILL")), 5_000);
  await Promise.all([real.done, mine.done]);
  clearTimeout(timer);
  assert.ok(enough(real.out()), `etcdctl watch printed: ${real.out()}`);
  assert.is(normalize(mine.out(), ""), normalize(real.out(), ""), `watch ${args.join(" ")}`);
}

test("watch: history replay, prev-kv, json and fields output, compacted start — as etcdctl", async () => {
  await compare([
    ["put", "dw/a", "1"],
    ["put", "dw/a", "2"],
    ["put", "dw/b", "3"],
    ["del", "dw/a"],
  ]);
  await compareWatch(["watch", "dw/", "--prefix", "--rev", "2", "--prev-kv"], 3);
  await compareWatch(["watch", "dw/a", "--rev", "2", "-w", "json"], 1);
  await compareWatch(["watch", "dw/b", "--rev", "2", "-w", "fields"], 3);
  await compare([
    ["compact", "3"],
    ["watch", "dw/a", "--rev", "1"],
    ["watch", "dw/a", "--rev", "2", "-w", "json"],
  ]);
});

/** Reads a gateway watch stream until `lines` complete lines arrived (bounded), then closes it. */
async function watchLines(url: string, body: string, lines: number): Promise<string[]> {
  const controller = new AbortController();
  const response = await fetch(url + "/v3/watch", { method: "POST", body, signal: controller.signal });
  const reader = response.body!.getReader();
  let text = "";
  const deadline = Date.now() + 5_000;
  while (text.split("\n").length <= lines && Date.now() < deadline) {
    const chunk = await Promise.race([reader.read(), sleep(500).then(() => undefined)]);
    if (chunk === undefined) continue;
    if (chunk.done) break;
    text += new TextDecoder().decode(chunk.value);
  }
  controller.abort();
  return text.split("\n").slice(0, lines);
}

test("gateway POST /v3/watch from history, prev_kv, filters, compacted start: the same lines as etcd's", async () => {
  const mask = (line: string): string => line.replace(/"(cluster_id|member_id|raft_term)":"\d+"/g, '"$1":"<N>"');
  const key = Buffer.from("dw/").toString("base64");
  const end = Buffer.from("dw0").toString("base64");
  // After the CLI test above: dw/a=1@2, dw/a=2@3, dw/b=3@4, DELETE dw/a@5, compacted at 3. History comes in
  // one response; the prev_kv of the put at 3 is compacted away on both.
  const cases: [string, number][] = [
    [JSON.stringify({ create_request: { key, range_end: end, start_revision: "3", prev_kv: true } }), 2],
    [JSON.stringify({ create_request: { key, range_end: end, start_revision: "3", filters: ["NODELETE"] } }), 2],
    [JSON.stringify({ create_request: { key, range_end: end, start_revision: "2" } }), 2],
    [JSON.stringify({ create_request: { key, range_end: end } }) + JSON.stringify({ progress_request: {} }), 2],
  ];
  for (const [body, lines] of cases) {
    const [real, mine] = await Promise.all(
      [`http://${etcdEndpoint}`, `http://${oursEndpoint}`].map((url) => watchLines(url, body, lines)),
    );
    assert.is(real.filter((l) => l !== "").length, lines, `etcd answered ${real.join("\n")}`);
    assert.equal(mine.map(mask), real.map(mask), body);
  }
});

/** The same gateway JSON requests to both; bodies and statuses must match once member ids and terms are masked. */
test("gateway lease routes (aliases, duplicate id, ignore_lease, errors, keep-alive stream) answer as etcd's", async () => {
  const requests: [string, string][] = [
    ["/v3/lease/grant", '{"ID":"77","TTL":"60"}'],
    ["/v3/lease/grant", '{"ID":"77","TTL":"60"}'],
    ["/v3/kv/put", '{"key":"Z2k=","value":"MQ==","lease":"77"}'],
    ["/v3/kv/put", '{"key":"Z2k=","value":"Mg==","ignore_lease":true}'],
    ["/v3/kv/put", '{"key":"Z2o=","value":"Mg==","lease":"78"}'],
    ["/v3/kv/range", '{"key":"Z2k="}'],
    ["/v3/kv/lease/timetolive", '{"ID":"77","keys":true}'],
    ["/v3/lease/timetolive", '{"ID":"78"}'],
    ["/v3/kv/lease/leases", "{}"],
    ["/v3/kv/lease/revoke", '{"ID":"78"}'],
    ["/v3/lease/grant", '{"TTL":"9000000001"}'],
    ["/v3/lease/keepalive", '{"ID":"77"}{"ID":"0"}\n{"ID":"78"}'],
    ["/v3/lease/timetolive", "xx"],
    ["/v3/lease/revoke", '{"ID":"77"}'],
    ["/v3/kv/range", '{"key":"Z2k="}'],
  ];
  const mask = (text: string): string =>
    text.replace(/"(cluster_id|member_id|raft_term)":"\d+"/g, '"$1":"<N>"').replace(/"TTL":"5\d","grantedTTL"/, '"TTL":"<N>","grantedTTL"');
  const urls = [`http://${etcdEndpoint}`, `http://${oursEndpoint}`];
  for (const [path, body] of requests) {
    const [real, mine] = await Promise.all(urls.map(async (url) => {
      const response = await fetch(url + path, { method: "POST", body });
      return `${response.status} ${mask(await response.text())}`;
    }));
    assert.is(mine, real, `${path} ${body}`);
  }
});

test("lease, lock and elect commands print the same as etcdctl against etcd", async () => {
  await compare([
    ["lease", "grant", "100"],
    ["lease", "grant", "1", "-w", "json"],
    ["put", "--lease=<ID>", "k1", "v1"],
    ["lease", "timetolive", "<ID>"],
    ["lease", "timetolive", "<ID>", "--keys"],
    ["lease", "timetolive", "<ID>", "--keys", "-w", "json"],
    ["lease", "timetolive", "<ID>", "--keys", "-w", "fields"],
    ["lease", "keep-alive", "--once", "<ID>"],
    ["lease", "keep-alive", "--once", "<ID>", "-w", "json"],
    ["lease", "timetolive", "1234"],
    ["lease", "keep-alive", "--once", "1234"],
    ["lease", "revoke", "<ID>", "-w", "json"],
    ["get", "k", "--prefix"],
    ["lease", "revoke", "<ID>"],
    ["lease", "grant", "9000000001"],
    ["lock", "mylock", "--", "sh", "-c", 'echo "${ETCD_LOCK_KEY%/*} $ETCD_LOCK_REV"'],
    ["get", "mylock", "--prefix"],
    ["lock", "mylock", "--", "/nonexistent/tsetcd-test"],
    ["elect", "-l", "x", "y"],
  ]);
});

test.run();
