/**
 * Starts etcd or tsetcd on a fresh data dir with etcd's flags, waits until it serves, writes the keys the
 * range rows read, and stops it by PID.
 * @module
 */
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Target } from "./matrix.ts";

/** Client and peer ports of the benchmark (the BENCH range is 24000–24999). */
export const CLIENT_PORT = 24379;
export const PEER_PORT = 24380;

const READY_TIMEOUT_MS = 30_000;
const READY_POLL_MS = 100;
const STOP_GRACE_MS = 10_000;
const SEED_CONCURRENCY = 32;
const REQUEST_TIMEOUT_MS = 10_000;

/** A running server started by this process. */
export interface RunningServer {
  target: Target;
  child: ChildProcess;
  pid: number;
  url: string;
  logPath: string;
}

/** What to run for a target. */
export interface LaunchSpec {
  command: string;
  args: string[];
  cwd: string;
  /** Extra environment variables. */
  env: Record<string, string>;
}

/** Profiling and instrumentation of the tsetcd server (ignored for etcd). */
export interface Observe {
  /** Run under `bun --cpu-prof-md`, writing the profile into this folder on exit. */
  profileDir?: string;
  /** Preload bench/lib/instrument.ts, which appends its figures to this file on SIGUSR2. */
  instrumentOut?: string;
}

/** etcd's member flags for a single-member cluster on the bench ports; both servers take the same. */
export function memberFlags(dataDir: string): string[] {
  const client = `http://127.0.0.1:${CLIENT_PORT}`;
  const peer = `http://127.0.0.1:${PEER_PORT}`;
  return [
    "--name", "default",
    "--data-dir", dataDir,
    "--listen-client-urls", client,
    "--advertise-client-urls", client,
    "--listen-peer-urls", peer,
    "--initial-advertise-peer-urls", peer,
    "--initial-cluster", `default=${peer}`,
  ];
}

/** The command line for a target (etcd's default settings; tsetcd from the working tree). */
export function launchSpec(target: Target, dataDir: string, repoRoot: string, observe: Observe = {}): LaunchSpec {
  if (target === "etcd") return { command: "etcd", args: memberFlags(dataDir), cwd: repoRoot, env: {} };
  if (process.env.TSETCD_BENCH_RUNTIME === "deno") {
    // The same member on Deno (README, "On Deno"); no profile or instrument preload there.
    const deno = join(repoRoot, "node_modules", ".bin", "deno");
    return { command: deno, args: ["run", "-A", "mod.ts", "server", ...memberFlags(dataDir)], cwd: repoRoot, env: {} };
  }
  const bun = join(repoRoot, "node_modules", ".bin", "bun");
  const bunFlags: string[] = [];
  const env: Record<string, string> = {};
  if (observe.profileDir !== undefined) bunFlags.push("--cpu-prof-md", `--cpu-prof-dir=${observe.profileDir}`);
  if (observe.instrumentOut !== undefined) {
    bunFlags.push("--preload", join(repoRoot, "bench", "lib", "instrument.ts"));
    env.BENCH_INSTRUMENT_OUT = observe.instrumentOut;
  }
  return { command: bun, args: [...bunFlags, "mod.ts", "server", ...memberFlags(dataDir)], cwd: repoRoot, env };
}

/** Spawns the server with its output in `logPath`, then waits until a range request succeeds. */
export async function startServer(target: Target, spec: LaunchSpec, logPath: string): Promise<RunningServer> {
  const logFd = openSync(logPath, "a");
  const child = spawn(spec.command, spec.args, {
    cwd: spec.cwd,
    env: { ...process.env, ...spec.env },
    stdio: ["ignore", logFd, logFd],
  });
  closeSync(logFd);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${spec.command}`);
  const server: RunningServer = { target, child, pid, url: `http://127.0.0.1:${CLIENT_PORT}`, logPath };
  try {
    await waitReady(server);
  } catch (error) {
    await stopServer(server);
    const tail = readFileSync(logPath, "utf8").split("\n").slice(-15).join("\n");
    throw new Error(`${target} did not become ready: ${(error as Error).message}\n--- log tail ---\n${tail}`);
  }
  return server;
}

async function waitReady(server: RunningServer): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let lastError = "no attempt";
  while (Date.now() < deadline) {
    if (server.child.exitCode !== null || server.child.signalCode !== null) {
      throw new Error(`exited early (code ${server.child.exitCode}, signal ${server.child.signalCode})`);
    }
    try {
      const response = await post(server.url, "/v3/kv/range", { key: b64("ready-probe") });
      if (response.status === 200) return;
      lastError = `HTTP ${response.status}`;
    } catch (error) {
      lastError = (error as Error).message;
    }
    await Bun.sleep(READY_POLL_MS);
  }
  throw new Error(`not serving after ${READY_TIMEOUT_MS} ms (${lastError})`);
}

/** Sends SIGTERM to the server's PID, waits up to 10 s, then SIGKILL. */
export async function stopServer(server: RunningServer): Promise<void> {
  const exited = new Promise<void>((resolve) => {
    if (server.child.exitCode !== null || server.child.signalCode !== null) resolve();
    else server.child.once("exit", () => resolve());
  });
  try {
    process.kill(server.pid, "SIGTERM");
  } catch {
    return; // already gone
  }
  const timer = setTimeout(() => {
    try {
      process.kill(server.pid, "SIGKILL");
    } catch {
      // exited between the check and the kill
    }
  }, STOP_GRACE_MS);
  await exited;
  clearTimeout(timer);
}

function b64(text: string): string {
  return Buffer.from(text).toString("base64");
}

async function post(url: string, path: string, body: unknown): Promise<Response> {
  return await fetch(url + path, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
}

/** The 8-byte key with index `i`, identical to bench/wrk/common.lua's `key(i)`. */
export function benchKey(i: number): string {
  if (!(Number.isInteger(i) && i >= 0 && i <= 9_999_999)) throw new Error(`key index out of range: ${i}`);
  return `k${String(i).padStart(7, "0")}`;
}

/**
 * Writes keys 0..count-1 (the keys the range rows read) with `valueBytes`-byte values, then reads one back
 * and checks it: a server that answers 200 with the wrong data must not produce a benchmark number.
 */
export async function seedAndVerify(url: string, count: number, valueBytes: number): Promise<void> {
  const value = "v".repeat(valueBytes);
  let next = 0;
  async function worker(): Promise<void> {
    while (next < count) {
      const key = benchKey(next++);
      const response = await post(url, "/v3/kv/put", { key: b64(key), value: b64(value) });
      const text = await response.text();
      if (response.status !== 200) throw new Error(`seed put ${key}: HTTP ${response.status} ${text.slice(0, 200)}`);
    }
  }
  await Promise.all(Array.from({ length: Math.min(SEED_CONCURRENCY, count) }, worker));
  const probe = benchKey(count - 1);
  const response = await post(url, "/v3/kv/range", { key: b64(probe) });
  const body = (await response.json()) as { kvs?: Array<{ key?: string; value?: string }> };
  const kv = body.kvs?.[0];
  if (response.status !== 200 || body.kvs?.length !== 1 || kv?.key !== b64(probe) || kv.value !== b64(value)) {
    throw new Error(`range of ${probe} after seeding returned ${JSON.stringify(body).slice(0, 300)}`);
  }
}
