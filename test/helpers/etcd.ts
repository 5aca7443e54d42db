/**
 * Starts and stops a real etcd 3.4 (and, for differential tests, a tsetcd server with the same flags) on
 * loopback, in a fresh temp data dir, on ports from the 23000–23099 range. A missing etcd binary fails
 * loudly: CI installs it, so its absence is a broken environment, never a reason to skip.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join, resolve } from "node:path";
import { serverCommand } from "./cli_runtime.ts";

/** A running server process under test. */
export interface ServerProcess {
  name: string;
  clientUrl: string;
  pid: number;
  dataDir: string;
  /** Last lines the process printed, for failure messages. */
  output(): string;
  /** SIGTERM, then SIGKILL after a grace period; removes the data dir. Idempotent. */
  stop(): Promise<void>;
}

/** Options for both kinds of server. */
export interface StartOptions {
  /** Passed as --max-request-bytes. */
  maxRequestBytes?: number;
  extraArgs?: string[];
  startTimeoutMs?: number;
  /** An https client URL with mutual TLS (--client-cert-auth) using the test certificates. */
  tls?: boolean;
}

/** The test-only certificates (test/fixtures/tls/make.sh). */
export const TLS_FIXTURES = resolve(import.meta.dir, "..", "fixtures", "tls");

/** Bun's fetch `tls` option for a client holding the test CA and client certificate. */
export function testFetchTls(): { ca: string; cert: string; key: string } {
  const read = (name: string): string => readFileSync(join(TLS_FIXTURES, name), "utf8");
  return { ca: read("ca.pem"), cert: read("client.pem"), key: read("client-key.pem") };
}

const PORT_MIN = 23000;
const PORT_MAX = 23099;
const START_ATTEMPTS = 4;
const STOP_GRACE_MS = 5_000;
const OUTPUT_KEEP_BYTES = 8_192;
const REPO_ROOT = resolve(import.meta.dir, "../..");

const running = new Set<ChildProcess>();
/** Ports handed out by this process, never reused by it: a new server must not find an old one's port. */
const usedPorts = new Set<number>();
process.on("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

/** Path of the etcd binary; throws with install instructions when absent. */
export function etcdBinary(): string {
  const fromEnv = process.env.ETCD_BIN;
  if (fromEnv !== undefined && existsSync(fromEnv)) return fromEnv;
  const dirs = (process.env.PATH ?? "").split(delimiter).filter((dir) => dir !== "");
  for (const dir of dirs) {
    const candidate = join(dir, "etcd");
    if (existsSync(candidate)) return candidate;
  }
  throw new Error("etcd is not installed (apt-get install -y etcd-server etcd-client); the compat suite needs it");
}

/**
 * Two adjacent free ports in our range, chosen at random so concurrent suites rarely collide (a collision
 * makes the start fail and be retried). Bounded: the range has 50 pairs.
 */
function pickPorts(): [number, number] {
  const pairs = (PORT_MAX - PORT_MIN + 1) >> 1;
  const start = Math.floor(Math.random() * pairs);
  for (let i = 0; i < pairs; i++) {
    const client = PORT_MIN + ((start + i) % pairs) * 2;
    if (usedPorts.has(client)) continue;
    usedPorts.add(client);
    usedPorts.add(client + 1);
    return [client, client + 1];
  }
  throw new Error("compat: no free port pair left in 23000-23099");
}

function clusterArgs(dataDir: string, client: number, peer: number, options: StartOptions): string[] {
  const clientUrl = `${options.tls === true ? "https" : "http"}://127.0.0.1:${client}`;
  const peerUrl = `http://127.0.0.1:${peer}`;
  const args = [
    "--data-dir", dataDir,
    "--listen-client-urls", clientUrl,
    "--advertise-client-urls", clientUrl,
    "--listen-peer-urls", peerUrl,
    "--initial-advertise-peer-urls", peerUrl,
    "--initial-cluster", `default=${peerUrl}`,
  ];
  if (options.maxRequestBytes !== undefined) args.push("--max-request-bytes", String(options.maxRequestBytes));
  if (options.tls === true) {
    const file = (name: string): string => join(TLS_FIXTURES, name);
    args.push("--cert-file", file("server.pem"), "--key-file", file("server-key.pem"));
    args.push("--trusted-ca-file", file("ca.pem"), "--client-cert-auth");
  }
  return args.concat(options.extraArgs ?? []);
}

/**
 * Ready means /health is true and status names a leader: a member can be up before it has elected itself,
 * and a write sent in between would fail with "no leader".
 */
async function waitReady(child: ChildProcess, clientUrl: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  const tls = clientUrl.startsWith("https:") ? { tls: testFetchTls() } : {};
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) return false;
    if (await isReady(clientUrl, tls)) return true;
    await Bun.sleep(50);
  }
  return false;
}

async function isReady(clientUrl: string, tls: object): Promise<boolean> {
  try {
    const health = await fetch(`${clientUrl}/health`, { signal: AbortSignal.timeout(1_000), ...tls } as RequestInit);
    if (health.status !== 200 || !(await health.text()).includes('"health":"true"')) return false;
    const status = await fetch(`${clientUrl}/v3/maintenance/status`, {
      method: "POST",
      body: "{}",
      signal: AbortSignal.timeout(1_000),
      ...tls,
    } as RequestInit);
    return status.status === 200 && /"leader":"[1-9]/.test(await status.text());
  } catch {
    return false; // not listening yet
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), STOP_GRACE_MS);
  await exited;
  clearTimeout(timer);
}

async function startProcess(
  name: string,
  command: (dataDir: string, client: number, peer: number) => [string, string[]],
  options: StartOptions,
): Promise<ServerProcess> {
  const timeoutMs = options.startTimeoutMs ?? 15_000;
  let lastOutput = "";
  for (let attempt = 0; attempt < START_ATTEMPTS; attempt++) {
    const dataDir = mkdtempSync(join(tmpdir(), `compat-${name}-`));
    const [client, peer] = pickPorts();
    const [bin, args] = command(join(dataDir, "data"), client, peer);
    const child = spawn(bin, args, { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
    running.add(child);
    let output = "";
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString()).slice(-OUTPUT_KEEP_BYTES);
    };
    child.stdout!.on("data", keep);
    child.stderr!.on("data", keep);
    const clientUrl = `${options.tls === true ? "https" : "http"}://127.0.0.1:${client}`;
    if (await waitReady(child, clientUrl, timeoutMs)) {
      let stopped = false;
      return {
        name,
        clientUrl,
        pid: child.pid!,
        dataDir,
        output: () => output,
        stop: async () => {
          if (stopped) return;
          stopped = true;
          await stopChild(child);
          running.delete(child);
          rmSync(dataDir, { recursive: true, force: true });
        },
      };
    }
    lastOutput = output;
    await stopChild(child);
    running.delete(child);
    rmSync(dataDir, { recursive: true, force: true });
  }
  throw new Error(`${name} did not become healthy after ${START_ATTEMPTS} attempts; last output:\n${lastOutput}`);
}

/** Starts a single-member etcd 3.4 in a temp dir and waits until /health says true. */
export function startEtcd(options: StartOptions = {}): Promise<ServerProcess> {
  const bin = etcdBinary();
  return startProcess("etcd", (dataDir, client, peer) => [bin, clusterArgs(dataDir, client, peer, options)], options);
}

/** Starts `tsetcd server` (bun mod.ts server; deno under test/deno/, see cli_runtime.ts) with etcd's flags. */
export function startTsetcd(options: StartOptions = {}): Promise<ServerProcess> {
  const [bin, ...serverArgs] = serverCommand(REPO_ROOT);
  return startProcess(
    "tsetcd",
    (dataDir, client, peer) => [bin!, [...serverArgs, ...clusterArgs(dataDir, client, peer, options)]],
    options,
  );
}

/** What one etcdctl run printed and returned. */
export interface EtcdctlRun {
  code: number;
  out: string;
  err: string;
}

/** Bound on one etcdctl run; past it the process is killed. */
const ETCDCTL_RUN_LIMIT_MS = 20_000;

/** Runs etcdctl 3.4 (v3 API) with `args`; a missing binary comes back as code -1 with the reason. */
export function runEtcdctl(args: string[]): Promise<EtcdctlRun> {
  const bin = process.env.ETCDCTL_BIN ?? "etcdctl";
  return new Promise((done) => {
    const child = spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ETCDCTL_API: "3" } });
    let out = "";
    let err = "";
    child.stdout!.on("data", (c) => (out += c));
    child.stderr!.on("data", (c) => (err += c));
    const timer = setTimeout(() => child.kill("SIGKILL"), ETCDCTL_RUN_LIMIT_MS);
    child.on("error", (e) => done({ code: -1, out, err: `${err}${e.message}` }));
    child.on("exit", (code) => {
      clearTimeout(timer);
      done({ code: code ?? -1, out, err });
    });
  });
}
