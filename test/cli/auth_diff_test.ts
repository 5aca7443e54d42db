/**
 * Differential auth test: the auth/user/role command sequence of auth_cases.ts through etcdctl 3.4 and
 * through tsetcd's CLI, each against its own fresh etcd 3.4 (started here with --bcrypt-cost 4 on test
 * ports). tsetcd's CLI reaches etcd over the gateway (it falls back to JSON there) with the token in the
 * Authorization header. After normalize.ts, stdout, stderr and exit codes must be equal case by case.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { AUTH_ENABLED_CASES, AUTH_SETUP_CASES } from "./auth_cases.ts";
import type { CliCase } from "./cases.ts";
import { normalize, type Outcome, type SideIds } from "./normalize.ts";

const ROOT = resolve(import.meta.dir, "../..");
const BUN = join(ROOT, "node_modules/.bin/bun");
const ETCDCTL_SIDE_PORT = 28510;
const TSETCD_SIDE_PORT = 28520;
const DEAD_PORT = 28599;
const COMMAND_TIMEOUT_MS = 20_000;
const STARTUP_TIMEOUT_MS = 15_000;

interface Side {
  ids: SideIds;
  command: string[];
  server: ChildProcess;
  dataDir: string;
}

const servers: { server: ChildProcess; dataDir: string }[] = [];

function stopAll(): void {
  for (const { server, dataDir } of servers) {
    if (server.exitCode === null) server.kill("SIGKILL");
    if (existsSync(dataDir)) rmSync(dataDir, { recursive: true, force: true });
  }
}
process.on("exit", stopAll);

/** Runs one CLI case; `<EP>` and `<DEAD>` in arguments and environment are this side's. */
export function runCase(command: string[], cliCase: CliCase, endpoint: string, dead: string): Promise<Outcome> {
  const fill = (text: string): string => text.replaceAll("<EP>", endpoint).replaceAll("<DEAD>", dead);
  const full = ["--endpoints", endpoint, ...cliCase.args.map(fill)];
  const env: Record<string, string | undefined> = { ...process.env, ETCDCTL_API: "3" };
  for (const key of Object.keys(env)) if (key.startsWith("ETCDCTL_") && key !== "ETCDCTL_API" || key.startsWith("TSETCD_")) delete env[key];
  for (const [key, value] of Object.entries(cliCase.env ?? {})) env[key] = fill(value);
  return new Promise((done) => {
    const child = spawn(command[0]!, [...command.slice(1), ...full], { cwd: ROOT, env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout!.setEncoding(cliCase.args.includes("protobuf") ? "latin1" : "utf8");
    child.stdout!.on("data", (chunk) => (stdout += chunk));
    child.stderr!.on("data", (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), COMMAND_TIMEOUT_MS);
    child.on("close", (code) => {
      clearTimeout(timer);
      done({ stdout, stderr, code: code ?? -1 });
    });
    child.stdin!.on("error", () => {}); // a command that exits before reading stdin
    child.stdin!.end(cliCase.stdin ?? "");
  });
}

async function waitHealthy(port: number, server: ChildProcess): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`server on ${port} exited with ${server.exitCode}`);
    try {
      const response = await fetch(`http://127.0.0.1:${port}/v3/kv/range`, { method: "POST", body: JSON.stringify({ key: btoa("health") }) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await Bun.sleep(100);
  }
  throw new Error(`server on ${port} not healthy after ${STARTUP_TIMEOUT_MS} ms`);
}

/** A fresh single-member etcd 3.4 on `port` (peer on port + 1), cheap bcrypt so the test stays fast. */
async function startEtcd(port: number, cli: string[]): Promise<Side> {
  const dataDir = mkdtempSync(join(tmpdir(), "auth-diff-"));
  const client = `http://127.0.0.1:${port}`;
  const peer = `http://127.0.0.1:${port + 1}`;
  const server = spawn("etcd", [
    "--data-dir", join(dataDir, "data"), "--bcrypt-cost", "4",
    "--listen-client-urls", client, "--advertise-client-urls", client,
    "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer, "--initial-cluster", `default=${peer}`,
  ], { cwd: ROOT, stdio: ["ignore", "ignore", "ignore"] });
  servers.push({ server, dataDir });
  await waitHealthy(port, server);
  const endpoint = `127.0.0.1:${port}`;
  const listed = await runCase(["etcdctl"], { args: ["member", "list", "-w", "fields"] }, endpoint, "");
  const clusterId = /"ClusterID" : (\d+)/.exec(listed.stdout);
  const memberId = /"ID" : (\d+)/.exec(listed.stdout);
  if (clusterId === null || memberId === null) throw new Error(`cannot read ids: ${listed.stdout}${listed.stderr}`);
  const ids: SideIds = {
    clusterId: BigInt(clusterId[1]!),
    memberId: BigInt(memberId[1]!),
    endpoint,
    peerUrl: peer,
    deadEndpoint: `127.0.0.1:${DEAD_PORT}`,
    program: cli[0] === "etcdctl" ? "etcdctl" : "tsetcd",
  };
  return { ids, command: cli, server, dataDir };
}

function describe(cliCase: CliCase): string {
  const stdin = cliCase.stdin === undefined ? "" : `  <<< ${JSON.stringify(cliCase.stdin)}`;
  const env = cliCase.env === undefined ? "" : ` (env ${JSON.stringify(cliCase.env)})`;
  return `${cliCase.args.join(" ")}${stdin}${env}`;
}

/** Runs `cases` on both sides, case by case, and returns the readable mismatches. */
async function compare(expected: Side, actual: Side, cases: CliCase[]): Promise<string[]> {
  const mismatches: string[] = [];
  for (const cliCase of cases) {
    const [a, b] = await Promise.all([
      runCase(expected.command, cliCase, expected.ids.endpoint, expected.ids.deadEndpoint),
      runCase(actual.command, cliCase, actual.ids.endpoint, actual.ids.deadEndpoint),
    ]);
    const protobuf = cliCase.args.includes("protobuf");
    const want = normalize(a, expected.ids, { protobuf });
    const got = normalize(b, actual.ids, { protobuf });
    if (want.stdout !== got.stdout || want.stderr !== got.stderr || want.code !== got.code) {
      mismatches.push(
        `$ ${describe(cliCase)}\n  etcdctl: code ${want.code} stdout ${JSON.stringify(want.stdout)} stderr ${JSON.stringify(want.stderr)}\n` +
          `  tsetcd:  code ${got.code} stdout ${JSON.stringify(got.stdout)} stderr ${JSON.stringify(got.stderr)}`,
      );
    }
  }
  return mismatches;
}

const hasEtcd = Bun.which("etcd") !== null && Bun.which("etcdctl") !== null;
const sides: Side[] = [];

test("two fresh etcd 3.4 servers start", async () => {
  assert.ok(hasEtcd, "etcd and etcdctl 3.4 must be installed (apt-get install etcd-server etcd-client)");
  sides.push(...await Promise.all([
    startEtcd(ETCDCTL_SIDE_PORT, ["etcdctl"]),
    startEtcd(TSETCD_SIDE_PORT, [BUN, join(ROOT, "mod.ts")]),
  ]));
  assert.is(sides.length, 2);
});

const GROUPS: [string, CliCase[]][] = [
  ["auth off: auth enable/disable, user and role commands, formats and errors", AUTH_SETUP_CASES],
  ["auth on: credentials, prompts, wrong passwords, a limited user, root's commands", AUTH_ENABLED_CASES],
];

for (const [name, cases] of GROUPS) {
  test(`${name}: tsetcd's CLI answers as etcdctl on etcd (${cases.length} commands)`, async () => {
    assert.is(sides.length, 2, "servers not started");
    const mismatches = await compare(sides[0]!, sides[1]!, cases);
    assert.is(mismatches.length, 0, `\n${mismatches.join("\n\n")}\n`);
  });
}

test("servers stop and temp dirs are removed", () => {
  stopAll();
  for (const { dataDir } of servers) assert.not.ok(existsSync(dataDir));
});

test.run();
