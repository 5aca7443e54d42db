/**
 * Single-member etcd 3.4 and tsetcd servers for the ops tests, on helper G's ports (34500–34999), with a data
 * dir that survives a stop so a test can restart a member on it. Every start and stop is bounded in time.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { resolve } from "node:path";

const REPO_ROOT = resolve(import.meta.dir, "../..");
const BUN = resolve(REPO_ROOT, "node_modules/.bin/bun");
const READY_TIMEOUT_MS = 20_000;
const STOP_GRACE_MS = 5_000;
const OUTPUT_KEEP_BYTES = 8_192;
const POLL_MS = 50;

const running = new Set<ChildProcess>();
process.on("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

/** A running server. */
export interface OpsServer {
  clientUrl: string;
  /** host:port, as etcdctl's --endpoints takes it. */
  endpoint: string;
  output(): string;
  /** SIGTERM, SIGKILL after a grace period; keeps the data dir. Idempotent. */
  stop(): Promise<void>;
  /** Resolves when the process exits by itself (e.g. refused to start). */
  exited: Promise<number | null>;
}

/** What to start: which binary, its data dir and ports, extra flags. */
export interface OpsServerSpec {
  kind: "etcd" | "tsetcd";
  dataDir: string;
  clientPort: number;
  peerPort: number;
  name?: string;
  /** Default: a single-member cluster of this member. */
  initialCluster?: string;
  initialClusterState?: "new" | "existing";
  extraArgs?: string[];
  /** Wait for a leader (default true); false returns once the process is spawned. */
  waitReady?: boolean;
}

function argsOf(spec: OpsServerSpec): string[] {
  const client = `http://127.0.0.1:${spec.clientPort}`;
  const peer = `http://127.0.0.1:${spec.peerPort}`;
  const name = spec.name ?? "default";
  return [
    "--name", name,
    "--data-dir", spec.dataDir,
    "--listen-client-urls", client,
    "--advertise-client-urls", client,
    "--listen-peer-urls", peer,
    "--initial-advertise-peer-urls", peer,
    "--initial-cluster", spec.initialCluster ?? `${name}=${peer}`,
    "--initial-cluster-state", spec.initialClusterState ?? "new",
    ...(spec.extraArgs ?? []),
  ];
}

async function hasLeader(clientUrl: string): Promise<boolean> {
  try {
    const answer = await fetch(`${clientUrl}/v3/maintenance/status`, {
      method: "POST",
      body: "{}",
      signal: AbortSignal.timeout(1_000),
    });
    return answer.status === 200 && /"leader":"[1-9]/.test(await answer.text());
  } catch {
    return false;
  }
}

/** Starts a server and (by default) waits until it knows a leader. */
export async function startServer(spec: OpsServerSpec): Promise<OpsServer> {
  const [bin, args] = spec.kind === "etcd" ? ["/usr/bin/etcd", argsOf(spec)] : [BUN, ["mod.ts", "server", ...argsOf(spec)]];
  const child = spawn(bin, args, { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
  running.add(child);
  let output = "";
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-OUTPUT_KEEP_BYTES);
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)));
  const clientUrl = `http://127.0.0.1:${spec.clientPort}`;
  const server: OpsServer = {
    clientUrl,
    endpoint: `127.0.0.1:${spec.clientPort}`,
    output: () => output,
    exited,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
      running.delete(child);
    },
  };
  if (spec.waitReady === false) return server;
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${spec.kind} exited with ${child.exitCode}:\n${output}`);
    if (await hasLeader(clientUrl)) return server;
    await Bun.sleep(POLL_MS);
  }
  await server.stop();
  throw new Error(`${spec.kind} on ${spec.clientPort} found no leader in ${READY_TIMEOUT_MS} ms:\n${output}`);
}

/** POSTs a JSON body to a gateway path; returns the parsed answer (throws on a non-200). */
export async function post(server: OpsServer, path: string, body: unknown): Promise<Record<string, unknown>> {
  const answer = await fetch(`${server.clientUrl}${path}`, {
    method: "POST",
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await answer.text();
  if (answer.status !== 200) throw new Error(`${path} answered ${answer.status}: ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

/** Base64 of a UTF-8 string, as the gateway's JSON carries bytes. */
export function b64(text: string): string {
  return Buffer.from(text).toString("base64");
}
