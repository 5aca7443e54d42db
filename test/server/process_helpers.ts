/**
 * Test helpers: run `tsetcd server` as a real process on a loopback port, wait until it serves, talk to it
 * in gateway JSON, and kill it by PID.
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";

const MOD_TS = join(import.meta.dir, "..", "..", "mod.ts");
const READY_TIMEOUT_MS = 15_000;

/** A server process under test. */
export interface ServerProcess {
  child: ChildProcess;
  url: string;
  stderr: () => string;
  /** Resolves with the exit code (or signal name) once the process is gone. */
  exited: Promise<number | string>;
}

/** Spawns a server; resolves once it printed its ready line, rejects if it exits or stalls first. */
export function spawnServer(
  dataDir: string,
  port: number,
  options: { env?: Record<string, string>; args?: string[] } = {},
): Promise<ServerProcess> {
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [
    MOD_TS,
    "server",
    "--data-dir",
    dataDir,
    "--listen-client-urls",
    url,
    "--advertise-client-urls",
    url,
    ...(options.args ?? []),
  ], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...options.env } });
  let stderr = "";
  child.stdout!.on("data", () => {});
  const exited = new Promise<number | string>((resolve) => {
    child.on("exit", (code, signal) => resolve(code ?? signal ?? "unknown"));
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`server did not start in ${READY_TIMEOUT_MS} ms:\n${stderr}`));
    }, READY_TIMEOUT_MS);
    child.stderr!.on("data", (chunk) => {
      stderr += chunk;
      if (stderr.includes("ready to serve client requests")) {
        clearTimeout(timer);
        resolve({ child, url, stderr: () => stderr, exited });
      }
    });
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code}) before serving:\n${stderr}`));
    });
  });
}

/** Stops a server with SIGTERM, or SIGKILL if it has not exited within 10 s. */
export async function stopServer(server: ServerProcess): Promise<void> {
  server.child.kill("SIGTERM");
  // A timer, not Bun.sleep: it is cleared once the server exits, so it does not hold the test's process
  // open for the rest of the 10 s.
  let timer: ReturnType<typeof setTimeout> | undefined;
  const grace = new Promise<string>((resolve) => (timer = setTimeout(() => resolve("timeout"), 10_000)));
  const code = await Promise.race([server.exited, grace]);
  clearTimeout(timer);
  if (code === "timeout") {
    server.child.kill("SIGKILL");
    await server.exited;
  }
}

/** The flags of a one-member cluster named `name` with its peer URL on `peerPort`. */
export function singleMemberArgs(name: string, peerPort: number): string[] {
  const peer = `http://127.0.0.1:${peerPort}`;
  return ["--name", name, "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer, "--initial-cluster", `${name}=${peer}`];
}

/** Runs a server command to completion (for refusals and --version). */
export function runServerCommand(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [MOD_TS, "server", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c) => (stdout += c));
  child.stderr.on("data", (c) => (stderr += c));
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), READY_TIMEOUT_MS);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export const b64 = (s: string): string => Buffer.from(s).toString("base64");
export const unb64 = (s: string): string => Buffer.from(s, "base64").toString();

/** POSTs gateway JSON; throws on a non-2xx answer (with etcd's message). */
export async function call(url: string, path: string, body: object): Promise<any> {
  const res = await fetch(url + path, { method: "POST", body: JSON.stringify(body) });
  const json = await res.json() as any;
  if (res.status !== 200) throw new Error(`${path}: HTTP ${res.status} ${json?.message}`);
  return json;
}

/** Every key-value in the store, oldest key first. */
export async function rangeAll(url: string): Promise<{ revision: number; kvs: any[] }> {
  const res = await call(url, "/v3/kv/range", { key: b64("\0"), range_end: b64("\0") });
  return { revision: Number(res.header.revision), kvs: res.kvs ?? [] };
}
