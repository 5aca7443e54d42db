/**
 * Start-up times on Bun and on Deno, for the README's Deno section (not a test: run it by hand, on an idle
 * machine for meaningful numbers):
 *   node_modules/.bin/bun test/deno/measure_start.ts [runs]
 * Prints the median and the spread of: the CLI's `version` (no network), the CLI's `put` against a Bun
 * member, and a one-member server from spawn to a leader answering /health. Ports 25750-25759.
 * @module
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dir, "../..");
const BUN = join(ROOT, "node_modules/.bin/bun");
const DENO = join(ROOT, "node_modules/.bin/deno");
const RUNS = Math.min(Math.max(Number(process.argv[2] ?? 11), 3), 101);
const CLI_LIMIT_MS = 30_000;
const SERVER_LIMIT_MS = 30_000;
const MEMBER_PORT = 25750;

const RUNTIMES: Record<string, string[]> = {
  bun: [BUN, join(ROOT, "mod.ts")],
  deno: [DENO, "run", "-A", join(ROOT, "mod.ts")],
};

function stats(samplesMs: number[]): string {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  return `median ${median.toFixed(0)} ms (min ${sorted[0]!.toFixed(0)}, max ${sorted.at(-1)!.toFixed(0)}, n=${sorted.length})`;
}

function timeCli(command: string[], args: string[]): number {
  const startMs = performance.now();
  const run = spawnSync(command[0]!, [...command.slice(1), ...args], { cwd: ROOT, timeout: CLI_LIMIT_MS, stdio: "ignore" });
  if (run.status !== 0) throw new Error(`${command.join(" ")} ${args.join(" ")} exited ${run.status}`);
  return performance.now() - startMs;
}

function serverArgs(dataDir: string, port: number): string[] {
  const client = `http://127.0.0.1:${port}`;
  const peer = `http://127.0.0.1:${port + 1}`;
  return ["server", "--data-dir", dataDir, "--listen-client-urls", client, "--advertise-client-urls", client,
    "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer, "--initial-cluster", `default=${peer}`];
}

async function healthy(port: number): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(500) });
    return response.ok && (await response.text()).includes('"health":"true"');
  } catch {
    return false;
  }
}

/** Spawns a member, waits until it is healthy, returns the time taken and a stop function. */
async function startMember(command: string[], port: number): Promise<{ readyMs: number; stop: () => Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), "tsetcd-start-"));
  const startMs = performance.now();
  const child = spawn(command[0]!, [...command.slice(1), ...serverArgs(join(dataDir, "data"), port)], { cwd: ROOT, stdio: "ignore" });
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  const stop = async (): Promise<void> => {
    child.kill("SIGKILL");
    await exited;
    rmSync(dataDir, { recursive: true, force: true });
  };
  while (performance.now() - startMs < SERVER_LIMIT_MS) {
    if (await healthy(port)) return { readyMs: performance.now() - startMs, stop };
    await new Promise((r) => setTimeout(r, 10));
  }
  await stop();
  throw new Error(`${command.join(" ")} server not healthy within ${SERVER_LIMIT_MS} ms`);
}

const member = await startMember(RUNTIMES.bun!, MEMBER_PORT);
try {
  for (const [name, command] of Object.entries(RUNTIMES)) {
    timeCli(command, ["version"]); // warm the module cache (Deno transpiles once)
    const version = Array.from({ length: RUNS }, () => timeCli(command, ["version"]));
    const put = Array.from({ length: RUNS }, (_, i) =>
      timeCli(command, ["--endpoints", `127.0.0.1:${MEMBER_PORT}`, "put", `start/${i}`, "v"]));
    console.log(`${name} CLI version: ${stats(version)}`);
    console.log(`${name} CLI put:     ${stats(put)}`);
  }
} finally {
  await member.stop();
}
for (const [name, command] of Object.entries(RUNTIMES)) {
  const samples: number[] = [];
  for (let i = 0; i < Math.min(RUNS, 7); i++) {
    const started = await startMember(command, MEMBER_PORT + 2 + 2 * (i % 3));
    samples.push(started.readyMs);
    await started.stop();
  }
  console.log(`${name} server spawn→healthy: ${stats(samples)}`);
}
