/**
 * Differential test: the same command sequences through etcdctl 3.4 against a real etcd 3.4, and through
 * `tsetcd` against a tsetcd server, both started here on test ports with temp data dirs. After
 * normalize.ts removes what may legitimately differ, stdout, stderr and exit codes must be equal.
 * Known server-side differences (COMPAT_FINDINGS.md) are listed in KNOWN_SERVER_DIFFERENCES.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { cliCommand, cliPortShift } from "../helpers/cli_runtime.ts";
import {
  CLUSTER_CASES,
  COMPACTION_CASES,
  CONNECTION_CASES,
  type CliCase,
  DEL_CASES,
  GET_CASES,
  PUT_CASES,
  TXN_CASES,
} from "./cases.ts";
import { KNOWN_SERVER_DIFFERENCES, normalize, type Outcome, type SideIds } from "./normalize.ts";

const ROOT = resolve(import.meta.dir, "../..");
const BUN = join(ROOT, "node_modules/.bin/bun");
// The CLI runs on Bun, or on Deno when test/deno/cli_diff_test.ts imports this file (ports shifted then).
const ETCD_PORT = 22301 + cliPortShift();
const TSETCD_PORT = 22311 + cliPortShift();
const DEAD_PORT = 22399 + cliPortShift();
const COMMAND_TIMEOUT_MS = 20_000;
const STARTUP_TIMEOUT_MS = 15_000;

interface Side {
  ids: SideIds;
  command: string[];
  server: ChildProcess;
  dataDir: string;
}

const sides: Side[] = [];

function serverArgs(port: number, dataDir: string): string[] {
  const client = `http://127.0.0.1:${port}`;
  const peer = `http://127.0.0.1:${port + 1}`;
  return [
    "--data-dir", dataDir,
    "--listen-client-urls", client,
    "--advertise-client-urls", client,
    "--listen-peer-urls", peer,
    "--initial-advertise-peer-urls", peer,
    "--initial-cluster", `default=${peer}`,
  ];
}

async function waitHealthy(port: number, server: ChildProcess): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`server on ${port} exited with ${server.exitCode}`);
    try {
      // Ready means a linearizable read succeeds, i.e. a leader exists.
      const response = await fetch(`http://127.0.0.1:${port}/v3/kv/range`, {
        method: "POST",
        body: JSON.stringify({ key: btoa("health") }),
      });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await Bun.sleep(100);
  }
  throw new Error(`server on ${port} not healthy after ${STARTUP_TIMEOUT_MS} ms`);
}

function run(command: string[], cliCase: CliCase, endpoint: string, dead: string): Promise<Outcome> {
  const fill = (text: string): string => text.replaceAll("<EP>", endpoint).replaceAll("<DEAD>", dead);
  const args = cliCase.args.map(fill);
  const full = cliCase.noEndpoint === true ? args : ["--endpoints", endpoint, ...args];
  const env: Record<string, string | undefined> = { ...process.env, ETCDCTL_API: "3" };
  for (const key of Object.keys(env)) if (key.startsWith("ETCDCTL_ENDPOINTS") || key.startsWith("TSETCD_")) delete env[key];
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
    child.stdin!.end(cliCase.stdin ?? "");
  });
}

async function memberIds(side: Omit<Side, "ids">, endpoint: string): Promise<{ clusterId: bigint; memberId: bigint }> {
  const outcome = await run(side.command, { args: ["member", "list", "-w", "fields"] }, endpoint, "");
  const cluster = /"ClusterID" : (\d+)/.exec(outcome.stdout);
  const member = /"ID" : (\d+)/.exec(outcome.stdout);
  if (cluster === null || member === null) throw new Error(`cannot read ids: ${outcome.stdout}${outcome.stderr}`);
  return { clusterId: BigInt(cluster[1]!), memberId: BigInt(member[1]!) };
}

async function startSide(program: "etcdctl" | "tsetcd", port: number): Promise<Side> {
  const dataDir = mkdtempSync(join(tmpdir(), `cli-diff-${program}-`));
  const serverCommand = program === "etcdctl" ? ["etcd"] : [BUN, join(ROOT, "mod.ts"), "server"];
  const server = spawn(serverCommand[0]!, [...serverCommand.slice(1), ...serverArgs(port, join(dataDir, "data"))], {
    cwd: ROOT,
    stdio: ["ignore", "ignore", "ignore"],
  });
  const command = program === "etcdctl" ? ["etcdctl"] : cliCommand(ROOT);
  const partial = { command, server, dataDir };
  sides.push({ ...partial, ids: undefined as unknown as SideIds });
  await waitHealthy(port, server);
  const endpoint = `127.0.0.1:${port}`;
  const { clusterId, memberId } = await memberIds(partial, endpoint);
  const ids: SideIds = {
    clusterId,
    memberId,
    endpoint,
    peerUrl: `http://127.0.0.1:${port + 1}`,
    deadEndpoint: `127.0.0.1:${DEAD_PORT}`,
    program,
  };
  const side = { ...partial, ids };
  sides[sides.length - 1] = side;
  return side;
}

function stopAll(): void {
  for (const side of sides) {
    if (side.server.exitCode === null) side.server.kill("SIGKILL");
    if (existsSync(side.dataDir)) rmSync(side.dataDir, { recursive: true, force: true });
  }
}
process.on("exit", stopAll);

function describe(cliCase: CliCase): string {
  const stdin = cliCase.stdin === undefined ? "" : `  <<< ${JSON.stringify(cliCase.stdin)}`;
  const env = cliCase.env === undefined ? "" : ` (env ${JSON.stringify(cliCase.env)})`;
  return `${cliCase.args.join(" ")}${stdin}${env}`;
}

/** Runs a sequence on both sides (concurrently per case) and returns the readable mismatches. */
async function compareSequence(cases: CliCase[]): Promise<string[]> {
  const [etcd, ours] = [sides[0]!, sides[1]!];
  const mismatches: string[] = [];
  for (const cliCase of cases) {
    const [expected, actual] = await Promise.all([
      run(etcd.command, cliCase, etcd.ids.endpoint, etcd.ids.deadEndpoint),
      run(ours.command, cliCase, ours.ids.endpoint, ours.ids.deadEndpoint),
    ]);
    const protobuf = cliCase.args.includes("protobuf");
    const want = normalize(expected, etcd.ids, { protobuf });
    const got = normalize(KNOWN_SERVER_DIFFERENCES.reduce((o, d) => d.apply(o), actual), ours.ids, { protobuf });
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

test("both servers start", async () => {
  assert.ok(hasEtcd, "etcd and etcdctl 3.4 must be installed (apt-get install etcd-server etcd-client)");
  await startSide("etcdctl", ETCD_PORT);
  await startSide("tsetcd", TSETCD_PORT);
  assert.is(sides.length, 2);
});

const GROUPS: [string, CliCase[]][] = [
  ["put", PUT_CASES],
  ["get", GET_CASES],
  ["del", DEL_CASES],
  ["txn", TXN_CASES],
  ["compaction", COMPACTION_CASES],
  ["endpoint, member, version, unknown commands", CLUSTER_CASES],
  ["connection failures and endpoint selection", CONNECTION_CASES],
];

for (const [name, cases] of GROUPS) {
  test(`${name}: same output and exit codes as etcdctl (${cases.length} commands)`, async () => {
    assert.is(sides.length, 2, "servers not started");
    const mismatches = await compareSequence(cases);
    assert.is(mismatches.length, 0, `\n${mismatches.join("\n\n")}\n`);
  });
}

test("servers shut down and temp dirs are removed", () => {
  stopAll();
  for (const side of sides) assert.not.ok(existsSync(side.dataDir));
});

test.run();
