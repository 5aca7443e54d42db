// Differential: the same lease and lock command sequence through etcdctl 3.4 against a real etcd 3.4, and
// through tsetcd against a real tsetcd member (test/lease/member.ts, etcd's default timing, so the same 2 s
// minimum TTL); stdout, stderr and exit codes must match once the values of ids, cluster/member ids and
// terms are masked (the fields stay: one missing on our side shows). Remaining TTLs are masked for the text
// comparison and checked as numbers instead: on each side within what is left of the 100 s after the time
// measured between the grant and the query. A missing etcd fails loudly (CI installs it).
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { cliCommand } from "../helpers/cli_runtime.ts";
import { type LeaseMember, startMember, takePortPair } from "./member.ts";

const ROOT = resolve(import.meta.dir, "../..");
/** The CLI: on Bun, or on Deno when test/deno/ imports this file. */
const CLI = cliCommand(ROOT);
const ETCD = process.env.ETCD_BIN ?? "/usr/bin/etcd";
const ETCDCTL = process.env.ETCDCTL_BIN ?? "/usr/bin/etcdctl";
const START_ATTEMPTS = 4;
const RUN_LIMIT_MS = 20_000;

let etcd: ChildProcess | undefined;
let etcdEndpoint = "";
let dataDir = "";
let member: LeaseMember;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  /** performance.now() when the command was started and when it exited. */
  startMs: number;
  endMs: number;
}

function exec(command: string, args: string[]): Promise<Run> {
  return new Promise((resolveRun) => {
    const startMs = performance.now();
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (c) => (stdout += c));
    child.stderr!.on("data", (c) => (stderr += c));
    const timer = setTimeout(() => child.kill("SIGKILL"), RUN_LIMIT_MS);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolveRun({ code: code ?? -1, stdout, stderr, startMs, endMs: performance.now() });
    });
  });
}

async function startEtcd(): Promise<void> {
  if (!existsSync(ETCD) || !existsSync(ETCDCTL)) throw new Error("etcd 3.4 is not installed (etcd-server, etcd-client)");
  for (let attempt = 0; attempt < START_ATTEMPTS; attempt++) {
    const [port] = takePortPair();
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
  member = await startMember();
});
test.after(async () => {
  etcd?.kill("SIGKILL");
  await member.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** The remaining TTL of the 100 s lease as each output format prints it. */
const REMAINING_TTL = [
  { pattern: /remaining\((\d+)s\)/g, mask: "remaining(<TTL>s)" },
  { pattern: /"ttl":(\d+),"granted-ttl":100\b/g, mask: '"ttl":<TTL>,"granted-ttl":100' },
  { pattern: /"TTL" : (\d+)\n"GrantedTTL" : 100\b/g, mask: '"TTL" : <TTL>\n"GrantedTTL" : 100' },
];

/** The remaining TTLs printed in `text`, in order of the patterns. */
function remainingTtls(text: string): number[] {
  return REMAINING_TTL.flatMap(({ pattern }) => [...text.matchAll(pattern)].map((m) => Number(m[1])));
}

/**
 * Ids, cluster/member ids and terms differ by nature: their values are masked, their fields kept, so a
 * field one side lacks still shows. Remaining TTLs are masked here and checked by `assertRemaining`.
 */
function normalize(text: string, id: string): string {
  let out = text.split("\n").filter((line) => !line.startsWith('{"level":"warn"')).join("\n");
  if (id !== "") {
    out = out.replaceAll(id, "<ID>").replaceAll(String(BigInt("0x" + id)), "<ID>");
  }
  for (const { pattern, mask } of REMAINING_TTL) out = out.replace(pattern, mask);
  return out
    .replace(/"(cluster_id|member_id|raft_term)":\d+/g, '"$1":<N>')
    .replace(/"(ClusterID|MemberID|RaftTerm)" : \d+/g, '"$1" : <N>')
    .replace(/\b\d{12,}\b/g, "<BIG>")
    .replace(/[0-9a-f]{16}/g, "<HEX>");
}

/**
 * Each remaining TTL one side printed, against the time that side's commands took: the lease started
 * between the grant command's start and end, the answer was made between the query's start and end, and
 * the TTL is truncated to whole seconds. Applied to etcd too, which checks the rule itself.
 */
function assertRemaining(side: string, run: Run, grant: Run, label: string): void {
  for (const ttlS of remainingTtls(run.stdout)) {
    const mostS = Math.floor(100 - (run.startMs - grant.endMs) / 1000);
    const leastS = Math.floor(100 - (run.endMs - grant.startMs) / 1000);
    assert.ok(ttlS >= leastS && ttlS <= Math.min(100, mostS), `${side} ${label}: remaining ${ttlS} s, expected ${leastS}..${mostS}`);
  }
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
  const grants: { etcd?: Run; tsetcd?: Run } = {};
  let ttlsChecked = 0;
  for (const step of STEPS) {
    const argsFor = (id: string): string[] => step.map((a) => a.replace("<ID>", id));
    const [real, ours] = await Promise.all([
      exec(ETCDCTL, [`--endpoints=${etcdEndpoint}`, ...argsFor(ids.etcd)]),
      exec(CLI[0]!, [...CLI.slice(1), `--endpoints=${member.endpoint}`, ...argsFor(ids.tsetcd)]),
    ]);
    if (ids.etcd === "") {
      ids.etcd = /lease ([0-9a-f]{16})/.exec(real.stdout)?.[1] ?? "";
      ids.tsetcd = /lease ([0-9a-f]{16})/.exec(ours.stdout)?.[1] ?? "";
      assert.ok(ids.etcd !== "" && ids.tsetcd !== "", `${real.stdout} / ${ours.stdout}`);
      grants.etcd = real;
      grants.tsetcd = ours;
    }
    const label = step.join(" ");
    assert.is(remainingTtls(ours.stdout).length, remainingTtls(real.stdout).length, `remaining TTLs in ${label}`);
    assertRemaining("etcd", real, grants.etcd!, label);
    assertRemaining("tsetcd", ours, grants.tsetcd!, label);
    ttlsChecked += remainingTtls(ours.stdout).length;
    assert.is(normalize(ours.stdout, ids.tsetcd), normalize(real.stdout, ids.etcd), `stdout of ${label}`);
    assert.is(normalize(ours.stderr, ids.tsetcd), normalize(real.stderr, ids.etcd), `stderr of ${label}`);
    assert.is(ours.code, real.code, `exit code of ${label}`);
  }
  assert.is(ttlsChecked, 4, "every timetolive of the lease printed a remaining TTL");
});

test.run();
