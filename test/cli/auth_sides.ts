/**
 * The servers and the runner of the differential auth tests: fresh single-member etcd 3.4 and tsetcd
 * servers on test ports (cheap bcrypt), one CLI case run against one side, and the comparison of sides
 * case by case after normalize.ts. Every server started here is killed, and its data dir removed, by
 * stopAll (also on exit).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { runCli } from "../../commands/mod.ts";
import { cliCommand, cliRuntime, serverCommand } from "../helpers/cli_runtime.ts";
import type { CliCase } from "./cases.ts";
import { normalize, type Outcome, type SideIds } from "./normalize.ts";

/** The repository root, where the CLI runs. */
export const ROOT = resolve(import.meta.dir, "../..");
/** tsetcd's CLI. */
/** tsetcd's CLI: on Bun (run in this process where it can be), or on Deno when test/deno/ sets the switch. */
export const TSETCD_CLI = cliCommand(ROOT);
/** A port nothing listens on; under Deno (test/deno/) one of helper U's range, beside that run's servers. */
const DEAD_PORT = cliRuntime() === "deno" ? 22939 : 28599;
const COMMAND_TIMEOUT_MS = 20_000;
const STARTUP_TIMEOUT_MS = 20_000;
const LOG_TAIL_BYTES = 4_096;

/** One CLI against one fresh server. */
export interface Side {
  ids: SideIds;
  /** The CLI: etcdctl or tsetcd's. */
  command: string[];
  /** Who answers, for messages. */
  label: string;
}

const servers: { server: ChildProcess; dataDir: string }[] = [];

/** Kills every server started here and removes their data dirs; true when all dirs are gone. */
export function stopAll(): boolean {
  for (const { server, dataDir } of servers) {
    if (server.exitCode === null) server.kill("SIGKILL");
    if (existsSync(dataDir)) rmSync(dataDir, { recursive: true, force: true });
  }
  return servers.every(({ dataDir }) => !existsSync(dataDir));
}
process.on("exit", stopAll);

/**
 * Runs tsetcd's CLI in this process (runCli with captured output): a case without stdin never prompts, and
 * skipping a Bun start per case keeps the long sequences fast. Cases with stdin run the real process.
 */
async function runInProcess(args: string[], env: Record<string, string | undefined>): Promise<Outcome> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(args, {
    stdout: (text) => (stdout += text),
    stdoutBytes: (bytes) => (stdout += Buffer.from(bytes).toString("latin1")),
    stderr: (text) => (stderr += text),
    readStdin: () => new Uint8Array(),
    readStdinLine: () => undefined,
    env,
    stdoutIsTty: false,
  });
  return { stdout, stderr, code };
}

/** Runs one CLI case; `<EP>` and `<DEAD>` in arguments and environment are this side's. */
export function runCase(command: string[], cliCase: CliCase, endpoint: string): Promise<Outcome> {
  const dead = `127.0.0.1:${DEAD_PORT}`;
  const fill = (text: string): string => text.replaceAll("<EP>", endpoint).replaceAll("<DEAD>", dead);
  const full = ["--endpoints", endpoint, ...cliCase.args.map(fill)];
  const env: Record<string, string | undefined> = { ...process.env, ETCDCTL_API: "3" };
  for (const key of Object.keys(env)) {
    if ((key.startsWith("ETCDCTL_") && key !== "ETCDCTL_API") || key.startsWith("TSETCD_")) delete env[key];
  }
  for (const [key, value] of Object.entries(cliCase.env ?? {})) env[key] = fill(value);
  if (command === TSETCD_CLI && cliCase.stdin === undefined && cliRuntime() === "bun") return runInProcess(full, env);
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

async function waitHealthy(port: number, server: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`server on ${port} exited with ${server.exitCode}:\n${log()}`);
    try {
      const body = JSON.stringify({ key: btoa("health") });
      const response = await fetch(`http://127.0.0.1:${port}/v3/kv/range`, { method: "POST", body });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await Bun.sleep(100);
  }
  throw new Error(`server on ${port} not healthy after ${STARTUP_TIMEOUT_MS} ms:\n${log()}`);
}

/** The flags both servers share: one member on `port`, its peer on port + 1, bcrypt cost 4. */
function memberArgs(port: number, dataDir: string, name: string): string[] {
  const client = `http://127.0.0.1:${port}`;
  const peer = `http://127.0.0.1:${port + 1}`;
  return [
    "--name", name, "--data-dir", join(dataDir, "data"), "--bcrypt-cost", "4",
    "--listen-client-urls", client, "--advertise-client-urls", client,
    "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer, "--initial-cluster", `${name}=${peer}`,
  ];
}

/**
 * Starts a fresh server ("etcd" 3.4 or "tsetcd") on `port` and returns the side of `cli` against it.
 * `extraArgs` go to the server (e.g. --auth-token-ttl).
 */
export async function startSide(
  server: "etcd" | "tsetcd",
  port: number,
  cli: string[],
  extraArgs: string[] = [],
): Promise<Side> {
  const dataDir = mkdtempSync(join(tmpdir(), `auth-${server}-`));
  const program = server === "etcd" ? ["etcd"] : serverCommand(ROOT);
  // A name of its own: another run of this test holding the port must not pass for our server.
  const name = `auth-${process.pid}-${port}`;
  const child = spawn(program[0]!, [...program.slice(1), ...memberArgs(port, dataDir, name), ...extraArgs], {
    cwd: ROOT,
    stdio: ["ignore", "ignore", "pipe"],
  });
  // The last few KB of the server's log, to say why it did not start.
  let log = "";
  child.stderr!.on("data", (chunk) => (log = (log + chunk).slice(-LOG_TAIL_BYTES)));
  servers.push({ server: child, dataDir });
  await waitHealthy(port, child, () => log);
  const endpoint = `127.0.0.1:${port}`;
  const listed = await runCase(["etcdctl"], { args: ["member", "list", "-w", "fields"] }, endpoint);
  if (!listed.stdout.includes(`"Name" : "${name}"`)) {
    throw new Error(`port ${port} is answered by another server (another run of this test?):\n${listed.stdout}${log}`);
  }
  const clusterId = /"ClusterID" : (\d+)/.exec(listed.stdout);
  const memberId = /"ID" : (\d+)/.exec(listed.stdout);
  if (clusterId === null || memberId === null) throw new Error(`cannot read ids: ${listed.stdout}${listed.stderr}`);
  const ids: SideIds = {
    clusterId: BigInt(clusterId[1]!),
    memberId: BigInt(memberId[1]!),
    endpoint,
    peerUrl: `http://127.0.0.1:${port + 1}`,
    deadEndpoint: `127.0.0.1:${DEAD_PORT}`,
    program: cli[0] === "etcdctl" ? "etcdctl" : "tsetcd",
  };
  return { ids, command: cli, label: `${cli[0] === "etcdctl" ? "etcdctl" : "tsetcd"} on ${server}` };
}

function describe(cliCase: CliCase): string {
  const stdin = cliCase.stdin === undefined ? "" : `  <<< ${JSON.stringify(cliCase.stdin)}`;
  const env = cliCase.env === undefined ? "" : ` (env ${JSON.stringify(cliCase.env)})`;
  return `${cliCase.args.join(" ")}${stdin}${env}`;
}

function show(label: string, o: Outcome): string {
  return `  ${label}: code ${o.code} stdout ${JSON.stringify(o.stdout)} stderr ${JSON.stringify(o.stderr)}`;
}

/**
 * Runs `cases` on the reference side and every other side (each case on all sides at once, cases in
 * order) and returns the readable mismatches against the reference.
 */
export async function compareSides(reference: Side, others: Side[], cases: CliCase[]): Promise<string[]> {
  const mismatches: string[] = [];
  for (const cliCase of cases) {
    const sides = [reference, ...others];
    const outcomes = await Promise.all(sides.map((side) => runCase(side.command, cliCase, side.ids.endpoint)));
    const protobuf = cliCase.args.includes("protobuf");
    const [want, ...got] = outcomes.map((outcome, i) => normalize(outcome, sides[i]!.ids, { protobuf }));
    got.forEach((g, i) => {
      if (want!.stdout === g.stdout && want!.stderr === g.stderr && want!.code === g.code) return;
      mismatches.push(`$ ${describe(cliCase)}\n${show(reference.label, want!)}\n${show(others[i]!.label, g)}`);
    });
  }
  return mismatches;
}
