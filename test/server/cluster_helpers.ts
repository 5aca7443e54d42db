/**
 * Test helpers: several members in this process on loopback (peer ports from a base in 29000–29999,
 * client ports picked by the OS), and small JSON gateway calls.
 * @module
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer, type StartServerOptions, type TsetcdServer } from "../../src/server/mod.ts";

export const HEARTBEAT_MS = 50;
export const ELECTION_MS = 500;

/** A cluster under test: its members by name, the data dirs, and how to start one more. */
export interface TestCluster {
  servers: Map<string, TsetcdServer>;
  dirs: Map<string, string>;
  peerUrl(name: string): string;
  initialCluster: Map<string, string[]>;
  /** Starts (or restarts) member `name` with these extra options. */
  start(name: string, extra?: Partial<StartServerOptions>): Promise<TsetcdServer>;
  /** Closes every running member and removes the data dirs. */
  destroy(): Promise<void>;
}

/** Starts `names.length` founders at once and waits for a leader. */
export async function startCluster(
  names: string[],
  basePort: number,
  extra: Partial<StartServerOptions> = {},
): Promise<TestCluster> {
  const root = mkdtempSync(join(tmpdir(), "tsetcd-cluster-"));
  const ports = new Map<string, number>();
  const initialCluster = new Map<string, string[]>();
  names.forEach((name, i) => {
    ports.set(name, basePort + i);
    initialCluster.set(name, [`http://127.0.0.1:${basePort + i}`]);
  });
  let nextPort = basePort + names.length;
  const c: TestCluster = {
    servers: new Map(),
    dirs: new Map(),
    initialCluster,
    peerUrl(name: string): string {
      if (!ports.has(name)) ports.set(name, nextPort++);
      return `http://127.0.0.1:${ports.get(name)}`;
    },
    async start(name: string, more: Partial<StartServerOptions> = {}): Promise<TsetcdServer> {
      const url = c.peerUrl(name);
      if (!c.dirs.has(name)) c.dirs.set(name, join(root, name));
      const server = await startServer({
        name,
        dataDir: c.dirs.get(name)!,
        listenClientUrls: ["http://127.0.0.1:0"],
        listenPeerUrls: [url],
        initialAdvertisePeerUrls: [url],
        initialCluster,
        initialClusterToken: "test-token",
        heartbeatIntervalMs: HEARTBEAT_MS,
        electionTimeoutMs: ELECTION_MS,
        requestTimeoutMs: 3_000,
        ...extra,
        ...more,
      });
      c.servers.set(name, server);
      return server;
    },
    async destroy(): Promise<void> {
      await Promise.all([...c.servers.values()].map((s) => s.close().catch(() => {})));
      c.servers.clear();
      rmSync(root, { recursive: true, force: true });
    },
  };
  try {
    // Every start settles before anything is judged, so a failed start never leaves the others running.
    const started = await Promise.allSettled(names.map((name) => c.start(name)));
    const failed = started.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed !== undefined) throw failed.reason;
    await waitFor(() => leaderOf(c) !== undefined, 10_000, "no leader elected");
    // Every founder published its name and client URLs (what etcd's reconfiguration checks count).
    await waitFor(
      () => [...c.servers.values()].every((s) => s.member.members().every((m) => m.clientURLs.length > 0)),
      10_000,
      "founders did not publish",
    );
  } catch (err) {
    await c.destroy();
    throw err;
  }
  return c;
}

/** The running member that leads, if one does and every running member agrees. */
export function leaderOf(c: TestCluster): TsetcdServer | undefined {
  const running = [...c.servers.values()];
  const leader = running.find((s) => s.member.info().isLeader);
  if (leader === undefined) return undefined;
  return running.every((s) => s.member.info().leader === leader.memberId) ? leader : undefined;
}

/** The running members that do not lead. */
export function followersOf(c: TestCluster): TsetcdServer[] {
  return [...c.servers.values()].filter((s) => !s.member.info().isLeader);
}

/** Polls `check` every 20 ms until it holds; throws `message` after `timeoutMs`. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, message: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await Bun.sleep(20);
  }
  throw new Error(`${message} (after ${timeoutMs} ms)`);
}

export const b64 = (s: string): string => Buffer.from(s).toString("base64");
export const unb64 = (s: string): string => Buffer.from(s, "base64").toString();

/** POSTs a gateway JSON call; resolves to [status, body]. */
export async function post(url: string, path: string, body: unknown): Promise<[number, Record<string, any>]> {
  const response = await fetch(`${url}${path}`, { method: "POST", body: JSON.stringify(body) });
  return [response.status, (await response.json()) as Record<string, any>];
}
