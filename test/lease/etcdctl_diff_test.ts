// Differential: the same lease and lock command sequence through etcdctl 3.4 against a real etcd 3.4, and
// through tsetcd against the in-process fake member; stdout, stderr and exit codes must match once ids,
// cluster/member ids and terms are normalized. A missing etcd fails loudly (CI installs it).
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { type FakeServer, startFakeServer } from "./fake_server.ts";

const ROOT = resolve(import.meta.dir, "../..");
const BUN = join(ROOT, "node_modules/.bin/bun");
const ETCD = process.env.ETCD_BIN ?? "/usr/bin/etcd";
const ETCDCTL = process.env.ETCDCTL_BIN ?? "/usr/bin/etcdctl";
const PORT_MIN = 28100;
const PORT_MAX = 28998;
const START_ATTEMPTS = 4;
const RUN_LIMIT_MS = 20_000;

let etcd: ChildProcess | undefined;
let etcdEndpoint = "";
let dataDir = "";
let fake: FakeServer;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function exec(command: string, args: string[]): Promise<Run> {
  return new Promise((resolveRun) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (c) => (stdout += c));
    child.stderr!.on("data", (c) => (stderr += c));
    const timer = setTimeout(() => child.kill("SIGKILL"), RUN_LIMIT_MS);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolveRun({ code: code ?? -1, stdout, stderr });
    });
  });
}

async function startEtcd(): Promise<void> {
  if (!existsSync(ETCD) || !existsSync(ETCDCTL)) throw new Error("etcd 3.4 is not installed (etcd-server, etcd-client)");
  for (let attempt = 0; attempt < START_ATTEMPTS; attempt++) {
    const port = PORT_MIN + 2 * Math.floor(Math.random() * ((PORT_MAX - PORT_MIN) / 2));
    dataDir = mkdtempSync(join(tmpdir(), "tsetcd-lease-etcd-"));
    const client = `http://127.0.0.1:${port}`;
    const peer = `http://127.0.0.1:${port + 1}`;
    etcd = spawn(ETCD, ["--data-dir", dataDir, "--listen-client-urls", client, "--advertise-client-urls", client,
      "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer, "--initial-cluster", `default=${peer}`],
      { stdio: "ignore" });
    etcdEndpoint = `127.0.0.1:${port}`;
    for (let i = 0; i < 100; i++) {
      const health = await fetch(`${client}/health`).then((r) => r.ok, () => false);
      if (health) return;
      if (etcd.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    etcd.kill("SIGKILL");
    rmSync(dataDir, { recursive: true, force: true });
  }
  throw new Error("etcd did not start");
}

test.before(async () => {
  await startEtcd();
  fake = startFakeServer({ tickMs: 100, minTtlS: 2 });
});
test.after(async () => {
  etcd?.kill("SIGKILL");
  await fake.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Ids, cluster/member ids and terms differ by nature; remaining TTLs by a second. */
function normalize(text: string, id: string): string {
  let out = text.split("\n").filter((line) => !line.startsWith('{"level":"warn"')).join("\n");
  if (id !== "") {
    out = out.replaceAll(id, "<ID>").replaceAll(String(BigInt("0x" + id)), "<ID>");
  }
  return out
    .replace(/"(cluster_id|member_id|raft_term)":\d+/g, "")
    .replace(/([{,]),+/g, "$1")
    .replace(/\{,/g, "{")
    .replace(/,\}/g, "}")
    .replace(/"(ClusterID|MemberID|RaftTerm)" : \d+/g, '"$1" : <N>')
    .replace(/remaining\(\d+s\)/g, "remaining(<N>s)")
    .replace(/"ttl":(99|100),/g, '"ttl":<N>,')
    .replace(/"TTL" : (99|100)\n"GrantedTTL"/g, '"TTL" : <N>\n"GrantedTTL"')
    .replace(/\b\d{12,}\b/g, "<BIG>")
    .replace(/[0-9a-f]{16}/g, "<HEX>");
}

/** Each step's args; `<ID>` is the lease granted by the first step. */
const STEPS: string[][] = [
  ["lease", "grant", "100"],
  ["lease", "grant", "1", "-w", "json"],
  ["lease", "grant", "100", "-w", "fields"],
  ["put", "--lease=<ID>", "k1", "v1"],
  ["lease", "timetolive", "<ID>"],
  ["lease", "timetolive", "<ID>", "--keys"],
  ["lease", "timetolive", "<ID>", "--keys", "-w", "json"],
  ["lease", "timetolive", "<ID>", "--keys", "-w", "fields"],
  // etcd lists a lease's keys in map order: compare several keys only where the order cannot show
  ["put", "--lease=<ID>", "k2", "v2"],
  ["lease", "keep-alive", "--once", "<ID>"],
  ["lease", "keep-alive", "--once", "<ID>", "-w", "json"],
  ["lease", "keep-alive", "--once", "<ID>", "-w", "fields"],
  ["lease", "timetolive", "1234"],
  ["lease", "timetolive", "1234", "-w", "json"],
  ["lease", "keep-alive", "--once", "1234"],
  ["lease", "keep-alive", "1234"],
  ["lease", "revoke", "<ID>", "-w", "json"],
  ["get", "k", "--prefix"],
  ["lease", "revoke", "<ID>"],
  ["lease", "grant", "9000000001"],
  ["lease", "grant", "x"],
  ["lease", "revoke", "zz"],
  ["lease", "list", "-w", "table"],
  ["lock", "mylock", "--", "sh", "-c", 'echo "${ETCD_LOCK_KEY%/*} $ETCD_LOCK_REV"'],
  ["get", "mylock", "--prefix"],
  ["lock", "mylock", "--", "/nonexistent/tsetcd-test"],
  ["get", "mylock", "--prefix"],
  ["lock"],
  ["elect", "x"],
  ["elect", "-l", "x", "y"],
];

test("lease and lock commands: etcdctl against etcd and tsetcd print the same", async () => {
  const ids = { etcd: "", tsetcd: "" };
  for (const step of STEPS) {
    const argsFor = (id: string): string[] => step.map((a) => a.replace("<ID>", id));
    const [real, ours] = await Promise.all([
      exec(ETCDCTL, [`--endpoints=${etcdEndpoint}`, ...argsFor(ids.etcd)]),
      exec(BUN, [join(ROOT, "mod.ts"), `--endpoints=${fake.endpoint}`, ...argsFor(ids.tsetcd)]),
    ]);
    if (ids.etcd === "") {
      ids.etcd = /lease ([0-9a-f]{16})/.exec(real.stdout)?.[1] ?? "";
      ids.tsetcd = /lease ([0-9a-f]{16})/.exec(ours.stdout)?.[1] ?? "";
      assert.ok(ids.etcd !== "" && ids.tsetcd !== "", `${real.stdout} / ${ours.stdout}`);
    }
    const label = step.join(" ");
    assert.is(normalize(ours.stdout, ids.tsetcd), normalize(real.stdout, ids.etcd), `stdout of ${label}`);
    assert.is(normalize(ours.stderr, ids.tsetcd), normalize(real.stderr, ids.etcd), `stderr of ${label}`);
    assert.is(ours.code, real.code, `exit code of ${label}`);
  }
});

test.run();
