/**
 * A real single-member tsetcd server for the lease tests, started in this process with `startServer`
 * (every write through Raft, leases expired by the leader's lessor through the log, the real routes), on
 * loopback ports from 31000–31499 and a fresh temporary data dir. `restart()` stops it and starts it again
 * on the same ports and data dir (a real outage); `close()` stops it and removes the data dir.
 * @module
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer, type TsetcdServer } from "../../mod.ts";

const PORT_MIN = 31000;
const PORT_MAX = 31499;
/** A port pair may be taken by someone else's test: try the next pair, a bounded number of times. */
const START_ATTEMPTS = 6;

/** Ports handed out by this process: a random start in the range, then counting up, never reused. */
let nextPort = PORT_MIN + 2 * Math.floor(Math.random() * ((PORT_MAX - PORT_MIN) / 2));
/** Two adjacent loopback ports from the lease tests' range (a client and a peer port). */
export function takePortPair(): [number, number] {
  if (nextPort + 1 > PORT_MAX) nextPort = PORT_MIN;
  const pair: [number, number] = [nextPort, nextPort + 1];
  nextPort += 2;
  return pair;
}

/** One more loopback port from the lease tests' range, for something else a test listens on. */
export function takeTestPort(): number {
  return takePortPair()[0];
}

/** Raft timing of the member; the minimum lease TTL follows from it (etcd's rule: 1.5 election timeouts). */
export interface MemberTiming {
  heartbeatMs?: number;
  electionMs?: number;
}

/** A running member and what the tests need of it. */
export interface LeaseMember {
  /** host:port, as the CLI's --endpoints takes it. */
  endpoint: string;
  server: TsetcdServer;
  /** Stops the member and starts it again on the same data dir and ports; resolves once it serves. */
  restart(downMs?: number): Promise<void>;
  /** Stops the member (if running) and removes its data dir. */
  close(): Promise<void>;
}

function options(dataDir: string, clientPort: number, peerPort: number, timing: MemberTiming): Parameters<typeof startServer>[0] {
  const peer = `http://127.0.0.1:${peerPort}`;
  const client = `http://127.0.0.1:${clientPort}`;
  return {
    name: "default",
    dataDir,
    listenClientUrls: [client],
    advertiseClientUrls: [client],
    listenPeerUrls: [peer],
    initialAdvertisePeerUrls: [peer],
    initialCluster: new Map([["default", [peer]]]),
    heartbeatIntervalMs: timing.heartbeatMs ?? 100,
    electionTimeoutMs: timing.electionMs ?? 1_000,
  };
}

/** Starts a member (default timing: etcd's 100 ms heartbeat, 1 s election timeout, 2 s minimum TTL). */
export async function startMember(timing: MemberTiming = {}): Promise<LeaseMember> {
  const root = mkdtempSync(join(tmpdir(), "tsetcd-lease-member-"));
  let lastError: unknown;
  for (let attempt = 0; attempt < START_ATTEMPTS; attempt++) {
    const [clientPort, peerPort] = takePortPair();
    const dataDir = join(root, `data-${attempt}`);
    let server: TsetcdServer;
    try {
      server = await startServer(options(dataDir, clientPort, peerPort, timing));
    } catch (error) {
      lastError = error; // most likely a port in use: the next pair
      continue;
    }
    let running: TsetcdServer | undefined = server;
    const member: LeaseMember = {
      endpoint: `127.0.0.1:${clientPort}`,
      server,
      restart: async (downMs = 0) => {
        await running?.close();
        running = undefined;
        if (downMs > 0) await Bun.sleep(downMs);
        running = await startServer(options(dataDir, clientPort, peerPort, timing));
        member.server = running;
      },
      close: async () => {
        await running?.close();
        running = undefined;
        rmSync(root, { recursive: true, force: true });
      },
    };
    return member;
  }
  rmSync(root, { recursive: true, force: true });
  throw new Error(`no member started in ${START_ATTEMPTS} attempts: ${lastError}`);
}
