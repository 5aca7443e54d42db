/**
 * The standalone binary: `npm run build` (`bun build --compile` of mod.ts and the worker threads' entry
 * points) must give one executable that is both the server and the CLI. Builds it into a temp dir with the
 * exact arguments of package.json's build script, starts it as a server, talks to that server with the same
 * binary as a client, checks its checkpoint threads run (not SQLite's on-loop fallback), and reports the
 * binary's size and cold-start time.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const REPO_ROOT = resolve(import.meta.dir, "..", "..");
const BUN = join(REPO_ROOT, "node_modules", ".bin", "bun");
const CLIENT_PORT = 24479; // BENCH's range is 24000–24999; bench/run.ts uses 24379/24380
const PEER_PORT = 24480;
const ENDPOINT = `http://127.0.0.1:${CLIENT_PORT}`;
const BUILD_TIMEOUT_MS = 180_000;
const COMMAND_TIMEOUT_MS = 20_000;
const READY_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 10_000;
const COLD_START_RUNS = 5;

const workDir = mkdtempSync(join(tmpdir(), "tsetcd-binary-"));
const binary = join(workDir, "tsetcd");
let server: ChildProcess | undefined;
let serverLog = "";

interface CommandResult {
  status: number | null;
  stdout: string;
  stderr: string;
  wallMs: number;
}

function runBinary(args: string[]): CommandResult {
  const startMs = performance.now();
  // cwd is the temp dir so the binary cannot lean on the repo's node_modules or sources.
  const run = spawnSync(binary, args, { cwd: workDir, encoding: "utf8", timeout: COMMAND_TIMEOUT_MS });
  const wallMs = performance.now() - startMs;
  if (run.error !== undefined) throw run.error;
  return { status: run.status, stdout: run.stdout, stderr: run.stderr, wallMs };
}

function median(values: number[]): number {
  assert.ok(values.length > 0);
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function waitReady(child: ChildProcess): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let lastError = "no attempt";
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`server exited early (code ${child.exitCode}, signal ${child.signalCode}):\n${serverLog}`);
    }
    try {
      const response = await fetch(`${ENDPOINT}/v3/kv/range`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ key: Buffer.from("probe").toString("base64") }),
        signal: AbortSignal.timeout(2_000),
      });
      if (response.status === 200) return;
      lastError = `HTTP ${response.status}`;
    } catch (error) {
      lastError = (error as Error).message;
    }
    await Bun.sleep(100);
  }
  throw new Error(`server not ready after ${READY_TIMEOUT_MS} ms (${lastError}):\n${serverLog}`);
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  process.kill(child.pid, "SIGTERM");
  const timer = setTimeout(() => {
    if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, "SIGKILL");
  }, STOP_GRACE_MS);
  await exited;
  clearTimeout(timer);
}

test.after(async () => {
  if (server !== undefined) await stopServer(server);
  rmSync(workDir, { recursive: true, force: true });
});

/** package.json's build script, run with our bun and writing to `binary` instead of dist/tsetcd. */
function buildArgs(): string[] {
  const script = (JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { scripts: { build: string } }).scripts.build;
  const words = script.split(/\s+/);
  assert.is(words[0], "bun", `the build script does not start with bun: ${script}`);
  return words.slice(1).map((w) => (w === "dist/tsetcd" ? binary : w));
}

test("npm run build's bun build --compile produces one executable", () => {
  const args = buildArgs();
  assert.ok(args.includes(binary), "the build script does not write dist/tsetcd");
  for (const entry of args.filter((a) => a.endsWith(".ts"))) assert.ok(existsSync(join(REPO_ROOT, entry)), `${entry} is missing`);
  const build = spawnSync(BUN, args, {
    cwd: REPO_ROOT,
    encoding: "utf8",
    timeout: BUILD_TIMEOUT_MS,
  });
  assert.is(build.status, 0, `build failed:\n${build.stdout}\n${build.stderr}`);
  const sizeBytes = statSync(binary).size;
  assert.ok(sizeBytes > 1_000_000, `binary is only ${sizeBytes} bytes`);
  console.log(`binary size: ${(sizeBytes / 1e6).toFixed(1)} MB (${sizeBytes} bytes)`);
});

test("the binary prints its version quickly (cold start)", () => {
  const wallMs: number[] = [];
  for (let i = 0; i < COLD_START_RUNS; i++) {
    const run = runBinary(["--version"]);
    assert.is(run.status, 0, `--version exited ${run.status}: ${run.stderr}`);
    assert.match(run.stdout, /version/i);
    wallMs.push(run.wallMs);
  }
  const medianMs = median(wallMs);
  console.log(`cold start (--version, median of ${COLD_START_RUNS}): ${medianMs.toFixed(0)} ms ` +
    `[${wallMs.map((ms) => ms.toFixed(0)).join(", ")}]`);
  assert.ok(medianMs < 5_000, `--version took ${medianMs} ms`);
});

test("the binary runs as a server and as its own client", async () => {
  const dataDir = join(workDir, "data");
  const peer = `http://127.0.0.1:${PEER_PORT}`;
  server = spawn(binary, [
    "server", "--name", "default", "--data-dir", dataDir,
    "--listen-client-urls", ENDPOINT, "--advertise-client-urls", ENDPOINT,
    "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer, "--initial-cluster", `default=${peer}`,
  ], { cwd: workDir, stdio: ["ignore", "pipe", "pipe"] });
  server.stdout?.on("data", (chunk) => (serverLog = (serverLog + chunk).slice(-4_000)));
  server.stderr?.on("data", (chunk) => (serverLog = (serverLog + chunk).slice(-4_000)));
  await waitReady(server);

  const value = `value-${process.pid}-${Date.now()}`;
  const put = runBinary(["--endpoints", ENDPOINT, "put", "binary-key", value]);
  assert.is(put.status, 0, `put exited ${put.status}: ${put.stderr}`);
  assert.is(put.stdout, "OK\n");

  const get = runBinary(["--endpoints", ENDPOINT, "get", "binary-key"]);
  assert.is(get.status, 0, `get exited ${get.status}: ${get.stderr}`);
  assert.is(get.stdout, `binary-key\n${value}\n`);

  // A missing key prints nothing and still succeeds, as etcdctl does.
  const missing = runBinary(["--endpoints", ENDPOINT, "get", "no-such-key"]);
  assert.is(missing.status, 0, `get of a missing key exited ${missing.status}: ${missing.stderr}`);
  assert.is(missing.stdout, "");

  // The client's write is visible through the gateway too: both paths reach the same store.
  const response = await fetch(`${ENDPOINT}/v3/kv/range`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ key: Buffer.from("binary-key").toString("base64") }),
  });
  const body = (await response.json()) as { kvs?: Array<{ value?: string }> };
  assert.is(Buffer.from(body.kvs?.[0]?.value ?? "", "base64").toString(), value);

  // The worker threads are in the binary: both databases are checkpointed off the event loop.
  const metrics = await (await fetch(`${ENDPOINT}/metrics`)).text();
  assert.match(metrics, 'tsetcd_checkpoint_thread{db="state"} 1');
  assert.match(metrics, 'tsetcd_checkpoint_thread{db="log"} 1');
  const backup = join(workDir, "backup.db");
  const save = runBinary(["--endpoints", ENDPOINT, "snapshot", "save", backup]);
  assert.is(save.status, 0, `snapshot save exited ${save.status}: ${save.stderr}`);
  assert.is(save.stdout, `Snapshot saved at ${backup}\n`);

  await stopServer(server);
  assert.ok(server.exitCode !== null || server.signalCode !== null, "server still running after stop");
});

test.run();
