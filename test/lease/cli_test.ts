// The lease, lock and elect commands as processes, against a real single-member server started in this
// process (test/lease/member.ts). Expected texts follow etcdctl 3.4.23's output, observed against etcd 3.4.23.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { cliCommand } from "../helpers/cli_runtime.ts";
import { type LeaseMember, startMember } from "./member.ts";

const ROOT = resolve(import.meta.dir, "../..");
/** The CLI: on Bun, or on Deno when test/deno/ imports this file. */
const CLI = cliCommand(ROOT);
const RUN_LIMIT_MS = 30_000;

let server: LeaseMember;
let dir: string;
const children = new Set<ChildProcess>();

test.before(async () => {
  server = await startMember();
  dir = mkdtempSync(join(tmpdir(), "tsetcd-lease-cli-"));
});
test.after(async () => {
  for (const child of children) child.kill("SIGKILL");
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Starts `tsetcd <args>` against the member; `done` resolves when it exits (killed after RUN_LIMIT_MS). */
function start(args: string[]): { child: ChildProcess; done: Promise<Run>; stdout: () => string } {
  const child = spawn(CLI[0]!, [...CLI.slice(1), `--endpoints=${server.endpoint}`, ...args], {
    cwd: dir,
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(child);
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (chunk) => (stdout += chunk));
  child.stderr!.on("data", (chunk) => (stderr += chunk));
  const timer = setTimeout(() => child.kill("SIGKILL"), RUN_LIMIT_MS);
  const done = new Promise<Run>((resolveRun) => {
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      resolveRun({ code: code ?? (signal === null ? -1 : 128), stdout, stderr });
    });
  });
  return { child, done, stdout: () => stdout };
}

function tsetcd(...args: string[]): Promise<Run> {
  return start(args).done;
}

async function waitFor(check: () => boolean | Promise<boolean>, limitMs: number): Promise<void> {
  const until = Date.now() + limitMs;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.unreachable(`condition not met within ${limitMs} ms`);
}

/**
 * A 100 s lease's remaining TTL as printed (whole seconds, truncated as etcd): at most 100, and at least
 * what is left of 100 s counted from before the grant was sent (each command here is a process start, so
 * a loaded machine may take seconds; a fixed "99 or 100" would fail it, not the server).
 */
function assertRemaining(printed: string | undefined, output: string, grantedAtMs: number): void {
  assert.ok(printed !== undefined, output);
  const remainingS = Number(printed);
  const leastS = Math.floor(100 - (performance.now() - grantedAtMs) / 1000);
  assert.ok(remainingS <= 100 && remainingS >= leastS, `remaining ${remainingS} s, expected ${leastS}..100: ${output}`);
}

test("lease grant, put --lease, timetolive --keys, list, keep-alive --once, revoke: etcdctl's texts", async () => {
  const grantedAtMs = performance.now();
  const grant = await tsetcd("lease", "grant", "100");
  assert.is(grant.code, 0, grant.stderr);
  const match = /^lease ([0-9a-f]{16}) granted with TTL\(100s\)\n$/.exec(grant.stdout);
  assert.ok(match, grant.stdout);
  const id = match![1]!;
  assert.is((await tsetcd("put", `--lease=${id}`, "k1", "v1")).stdout, "OK\n");
  assert.is((await tsetcd("put", `--lease=${id}`, "k2", "v2")).stdout, "OK\n");
  const ttl = await tsetcd("lease", "timetolive", id, "--keys");
  const text = new RegExp(`^lease ${id} granted with TTL\\(100s\\), remaining\\((\\d+)s\\), attached keys\\(\\[k1 k2\\]\\)\\n$`);
  assertRemaining(text.exec(ttl.stdout)?.[1], ttl.stdout, grantedAtMs);
  const json = await tsetcd("lease", "timetolive", id, "--keys", "-w", "json");
  const fields = new RegExp(`"id":${BigInt("0x" + id)},"ttl":(\\d+),"granted-ttl":100,"keys":\\["azE=","azI="\\]\\}\\n$`);
  assertRemaining(fields.exec(json.stdout)?.[1], json.stdout, grantedAtMs);
  assert.is((await tsetcd("lease", "list")).stdout, `found 1 leases\n${id}\n`);
  assert.is((await tsetcd("lease", "keep-alive", "--once", id)).stdout, `lease ${id} keepalived with TTL(100)\n`);
  assert.is((await tsetcd("lease", "revoke", id)).stdout, `lease ${id} revoked\n`);
  assert.is((await tsetcd("get", "k1")).stdout, "");
  assert.is((await tsetcd("lease", "timetolive", id)).stdout, `lease ${id} already expired\n`);
});

test("lease errors: etcdctl's messages and exit codes", async () => {
  const cases: [string[], number, string][] = [
    [["lease", "grant"], 128, "Error: lease grant command needs TTL argument\n"],
    [["lease", "grant", "abc"], 128, 'Error: bad TTL (strconv.ParseInt: parsing "abc": invalid syntax)\n'],
    [["lease", "grant", "9000000001"], 1, "Error: failed to grant lease (etcdserver: too large lease TTL)\n"],
    [["lease", "revoke", "zz"], 128, 'Error: bad lease ID arg (strconv.ParseInt: parsing "zz": invalid syntax), expecting ID in Hex\n'],
    [["lease", "revoke", "1234"], 1, "Error: failed to revoke lease (etcdserver: requested lease not found)\n"],
    [["lease", "keep-alive", "--once", "1234"], 2, "Error: etcdserver: requested lease not found\n"],
    [["lease", "grant", "7", "-w", "table"], 4, "Error: table not supported as output format\n"],
    [["lock"], 128, "Error: lock takes a lock name argument and an optional command to execute\n"],
    [["elect", "a"], 128, "Error: no proposal argument but -l not set\n"],
    [["elect", "-l", "a", "b"], 128, "Error: proposal given but -l is set\n"],
  ];
  const runs = await Promise.all(cases.map(([args]) => tsetcd(...args)));
  runs.forEach((run, i) => {
    const [args, code, stderr] = cases[i]!;
    assert.is(run.stderr, stderr, args.join(" "));
    assert.is(run.code, code, args.join(" "));
  });
  const keepAlive = await tsetcd("lease", "keep-alive", "1234");
  assert.is(keepAlive.stdout, "lease 0000000000001234 expired or revoked.\n");
  assert.is(keepAlive.code, 0);
});

test("lock -- cmd: runs the command holding the lock with ETCD_LOCK_KEY/REV, exits with its status, releases", async () => {
  const run = await tsetcd("lock", "jobs", "--", "sh", "-c", 'echo "$ETCD_LOCK_KEY $ETCD_LOCK_REV"; exit 3');
  assert.is(run.code, 3, run.stderr);
  const [key, rev] = run.stdout.trim().split(" ");
  assert.match(key!, /^jobs\/[0-9a-f]+$/);
  assert.ok(Number(rev) > 1, run.stdout);
  assert.is((await tsetcd("get", "jobs/", "--prefix")).stdout, "", "released");
});

test("five concurrent `tsetcd lock` processes increment a counter file with no overlap", async () => {
  const counter = join(dir, "counter");
  const log = join(dir, "log");
  writeFileSync(counter, "0");
  writeFileSync(log, "");
  // Read, pause, write back: any overlap loses an increment; enter/leave lines show overlaps directly.
  const script = `echo enter >> ${log}; n=$(cat ${counter}); sleep 0.05; echo $((n + 1)) > ${counter}; echo leave >> ${log}`;
  const rounds = 2;
  const workers = [0, 1, 2, 3, 4].map(async () => {
    for (let round = 0; round < rounds; round++) {
      const run = await tsetcd("lock", "counter", "--ttl", "5", "--", "sh", "-c", script);
      assert.is(run.code, 0, run.stderr);
    }
  });
  await Promise.all(workers);
  assert.is(readFileSync(counter, "utf8").trim(), String(5 * rounds));
  const lines = readFileSync(log, "utf8").trim().split("\n");
  assert.is(lines.length, 2 * 5 * rounds);
  lines.forEach((line, i) => assert.is(line, i % 2 === 0 ? "enter" : "leave", `overlap at line ${i}`));
});

test("lock without a command prints the key, holds until SIGINT, then releases (exit 0)", async () => {
  const holder = start(["lock", "held", "--ttl", "5"]);
  await waitFor(() => holder.stdout() !== "", 10_000);
  assert.match(holder.stdout(), /^held\/[0-9a-f]+\n\n$/);
  const key = holder.stdout().split("\n")[0]!;
  const second = start(["lock", "held", "--ttl", "5"]);
  await new Promise((r) => setTimeout(r, 500));
  assert.is(second.stdout(), "", "second waits");
  holder.child.kill("SIGINT");
  const first = await holder.done;
  assert.is(first.code, 0, first.stderr);
  await waitFor(() => second.stdout() !== "", 10_000);
  assert.not.ok(second.stdout().startsWith(key));
  second.child.kill("SIGTERM");
  assert.is((await second.done).code, 0);
  assert.is((await tsetcd("get", "held/", "--prefix")).stdout, "");
});

test("lock interrupted while waiting: etcdctl's context canceled, exit 1, its key removed", async () => {
  const holder = start(["lock", "busy", "--ttl", "5"]);
  await waitFor(() => holder.stdout() !== "", 10_000);
  const waiter = start(["lock", "busy", "--ttl", "5"]);
  const holders = async (): Promise<number> =>
    (await tsetcd("get", "busy/", "--prefix", "--keys-only")).stdout.split("\n").filter((l) => l !== "").length;
  await waitFor(async () => (await holders()) === 2, 10_000);
  waiter.child.kill("SIGINT");
  const waited = await waiter.done;
  assert.is(waited.stderr, "Error: context canceled\n");
  assert.is(waited.code, 1);
  assert.is(await holders(), 1);
  holder.child.kill("SIGINT");
  assert.is((await holder.done).code, 0);
});

test("elect: campaign prints key and proposal, -l prints each leader, SIGINT resigns", async () => {
  const observer = start(["elect", "-l", "boss"]);
  const a = start(["elect", "boss", "alpha"]);
  await waitFor(() => a.stdout() !== "", 10_000);
  assert.match(a.stdout(), /^boss\/[0-9a-f]+\nalpha\n$/);
  const b = start(["elect", "boss", "beta"]);
  await new Promise((r) => setTimeout(r, 500));
  assert.is(b.stdout(), "", "beta waits for alpha");
  a.child.kill("SIGINT");
  assert.is((await a.done).code, 0);
  await waitFor(() => b.stdout() !== "", 10_000);
  assert.match(b.stdout(), /^boss\/[0-9a-f]+\nbeta\n$/);
  await waitFor(() => observer.stdout().split("\n").length >= 5, 10_000);
  b.child.kill("SIGINT");
  assert.is((await b.done).code, 0);
  observer.child.kill("SIGINT");
  const observed = await observer.done;
  assert.is(observed.code, 0);
  assert.is(observed.stdout, a.stdout() + b.stdout());
  assert.is((await tsetcd("get", "boss/", "--prefix")).stdout, "");
});

test.run();
