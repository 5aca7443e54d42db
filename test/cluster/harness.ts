/**
 * A process harness for cluster tests: N real `tsetcd server` processes on loopback, each with its own
 * temporary data dir and ports from the CLUSTER-TEST range (30000–30999). It starts them with etcd's
 * cluster flags, finds the leader through /v3/maintenance/status, and SIGKILLs, SIGSTOPs, SIGCONTs or
 * restarts members by PID. `close()` kills every child by PID and removes the data dirs; it must run in a
 * `finally`, and an exit hook kills what is left if a test dies first.
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, openSync, closeSync, readFileSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "../../src/client/mod.ts";
import type { StatusResponse } from "../../src/codec/messages.ts";
import { readPem, type TlsClientMaterial } from "../../src/tls/material.ts";
import { serverCommand } from "../helpers/cli_runtime.ts";

const REPO = join(import.meta.dir, "..", "..");
const BUN = join(REPO, "node_modules", ".bin", "bun");
const MOD_TS = join(REPO, "mod.ts");
const LOG_LIMIT_BYTES = 64 * 1024;
const POLL_MS = 50;
/** Every port this harness hands out lies in the CLUSTER-TEST helper's range. */
export const PORT_MIN = 30000;
export const PORT_MAX = 30999;

/** Timing chosen for a loaded 2-core machine: heartbeats every 100 ms, elections after 1 s. */
export const DEFAULT_HEARTBEAT_MS = 100;
export const DEFAULT_ELECTION_MS = 1000;

/** The test-only certificates (test/fixtures/tls/make.sh): one CA signs every member's and the client's cert. */
export const TLS_FIXTURES = join(REPO, "test", "fixtures", "tls");
/** What a client of a TLS cluster presents: the test CA and the client certificate. */
export function testClientTls(): TlsClientMaterial {
  const pem = (name: string): string => readPem(join(TLS_FIXTURES, name));
  return { ca: pem("ca.pem"), cert: pem("client.pem"), key: pem("client-key.pem") };
}
/** Server flags for mutual TLS on both client and peer URLs with the test certificates (or generated ones). */
function tlsServerArgs(mode: true | "auto"): string[] {
  if (mode === "auto") return ["--auto-tls", "--peer-auto-tls"];
  const file = (name: string): string => join(TLS_FIXTURES, name);
  const args: string[] = [];
  for (const prefix of ["", "peer-"]) {
    args.push(
      `--${prefix}cert-file`, file("server.pem"),
      `--${prefix}key-file`, file("server-key.pem"),
      `--${prefix}trusted-ca-file`, file("ca.pem"),
      `--${prefix}client-cert-auth`,
    );
  }
  return args;
}

/** One member's fixed identity: its name, ports and data dir survive restarts. */
export interface MemberSlot {
  name: string;
  clientPort: number;
  peerPort: number;
  dataDir: string;
  clientUrl: string;
  peerUrl: string;
  /** The running process, if any. */
  child?: ChildProcess;
  /** Resolves with the exit code or signal of the current process. */
  exited?: Promise<number | string>;
  /** The tail of the current process's stderr and stdout. */
  log: string;
  /** Extra server flags for this member (e.g. a different --initial-cluster for a joiner). */
  extraArgs: string[];
  /**
   * The argv that runs this member's server; unset: `bun mod.ts server`, or `deno run -A mod.ts server` under
   * TSETCD_TEST_SERVER_RUNTIME=deno (test/helpers/cli_runtime.ts; test/deno/ runs cluster suites so).
   */
  command?: string[];
}

/** How to build a cluster. */
export interface ClusterOptions {
  size: number;
  /**
   * Preferred first port; member i uses base + 2i (client) and base + 2i + 1 (peer). The block actually
   * used is the first free one from there (see takePortBlock).
   */
  basePort: number;
  heartbeatMs?: number;
  electionMs?: number;
  snapshotCount?: number;
  token?: string;
  /** Bound on waiting for every member to serve and a leader to exist. */
  startTimeoutMs?: number;
  /**
   * https client and peer URLs: `true` with mutual TLS and the test certificates, "auto" with certificates
   * each member generates (--auto-tls, --peer-auto-tls), which clients cannot verify.
   */
  tls?: boolean | "auto";
}

/** Ports per block: room for 10 members (client + peer each). */
const BLOCK_PORTS = 20;
const BLOCKS = (PORT_MAX + 1 - PORT_MIN) / BLOCK_PORTS;

function lockPath(base: number): string {
  return join(tmpdir(), `tsetcd-cluster-test-ports-${base}.lock`);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Takes a block of ports for this process: a lock file per block (created exclusively, holding our PID)
 * keeps two test runs on one machine — another session may run the same suite at the same time — from
 * sharing ports. A lock whose PID is gone is stale and taken over. `preferred` is tried first.
 */
function takePortBlock(preferred: number): number {
  const first = Math.floor((preferred - PORT_MIN) / BLOCK_PORTS);
  for (let i = 0; i < BLOCKS; i++) {
    const base = PORT_MIN + ((first + i) % BLOCKS) * BLOCK_PORTS;
    const path = lockPath(base);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(path, "wx");
        writeSync(fd, String(process.pid));
        closeSync(fd);
        return base;
      } catch {
        let owner = Number.NaN;
        try {
          owner = Number(readFileSync(path, "utf8"));
        } catch {
          // vanished in between: try again
        }
        if (Number.isInteger(owner) && owner > 0 && processAlive(owner)) break;
        rmSync(path, { force: true });
      }
    }
  }
  throw new Error(`no free block of ${BLOCK_PORTS} ports in ${PORT_MIN}-${PORT_MAX}`);
}

function releasePortBlock(base: number): void {
  try {
    if (Number(readFileSync(lockPath(base), "utf8")) === process.pid) rmSync(lockPath(base), { force: true });
  } catch {
    // already gone
  }
}

const liveChildren = new Set<ChildProcess>();
process.on("exit", () => {
  for (const child of liveChildren) {
    try {
      if (child.pid !== undefined) process.kill(child.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function appendLog(slot: MemberSlot, chunk: string): void {
  slot.log += chunk;
  if (slot.log.length > LOG_LIMIT_BYTES) slot.log = slot.log.slice(-LOG_LIMIT_BYTES);
}

/** A set of member processes on loopback. */
export class ProcessCluster {
  readonly slots: MemberSlot[] = [];
  readonly heartbeatMs: number;
  readonly electionMs: number;
  readonly snapshotCount: number | undefined;
  readonly token: string;
  /** Set for a TLS cluster: what clients must present. */
  readonly clientTls: TlsClientMaterial | undefined;
  private readonly tlsMode: true | "auto" | undefined;
  private readonly root: string;
  private readonly blockBase: number;
  private nextPort: number;

  constructor(options: ClusterOptions) {
    if (options.size < 1 || options.size > 7) throw new Error(`cluster size ${options.size} out of range`);
    this.heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
    this.electionMs = options.electionMs ?? DEFAULT_ELECTION_MS;
    this.snapshotCount = options.snapshotCount;
    this.token = options.token ?? `tok-${process.pid}-${options.basePort}`;
    this.tlsMode = options.tls === true || options.tls === "auto" ? options.tls : undefined;
    this.clientTls = this.tlsMode === true ? testClientTls() : this.tlsMode === "auto" ? { insecureSkipVerify: true } : undefined;
    this.blockBase = takePortBlock(options.basePort);
    this.root = mkdtempSync(join(tmpdir(), "tsetcd-cluster-"));
    this.nextPort = this.blockBase;
    for (let i = 0; i < options.size; i++) this.addSlot(`m${i}`);
  }

  /** Reserves ports and a data dir for a member (not started). */
  addSlot(name: string): MemberSlot {
    const clientPort = this.nextPort;
    const peerPort = this.nextPort + 1;
    this.nextPort += 2;
    if (peerPort >= this.blockBase + BLOCK_PORTS) throw new Error(`more members than the ${BLOCK_PORTS}-port block holds`);
    const slot: MemberSlot = {
      name,
      clientPort,
      peerPort,
      dataDir: join(this.root, name),
      clientUrl: `${this.scheme()}://127.0.0.1:${clientPort}`,
      peerUrl: `${this.scheme()}://127.0.0.1:${peerPort}`,
      log: "",
      extraArgs: [],
    };
    this.slots.push(slot);
    return slot;
  }

  /** `--initial-cluster` over the given slots (default: every slot). */
  initialCluster(slots: MemberSlot[] = this.slots): string {
    return slots.map((s) => `${s.name}=${s.peerUrl}`).join(",");
  }

  /** The server flags for a slot. */
  serverArgs(slot: MemberSlot, state: "new" | "existing", initialCluster: string): string[] {
    const args = [
      "--name", slot.name,
      "--data-dir", slot.dataDir,
      "--listen-client-urls", slot.clientUrl,
      "--advertise-client-urls", slot.clientUrl,
      "--listen-peer-urls", slot.peerUrl,
      "--initial-advertise-peer-urls", slot.peerUrl,
      "--initial-cluster", initialCluster,
      "--initial-cluster-state", state,
      "--initial-cluster-token", this.token,
      "--heartbeat-interval", String(this.heartbeatMs),
      "--election-timeout", String(this.electionMs),
    ];
    if (this.snapshotCount !== undefined) args.push("--snapshot-count", String(this.snapshotCount));
    if (this.tlsMode !== undefined) args.push(...tlsServerArgs(this.tlsMode));
    return args;
  }

  private scheme(): "http" | "https" {
    return this.clientTls === undefined ? "http" : "https";
  }

  /** Starts a slot's process (it must not be running). Does not wait for it to serve. */
  spawn(slot: MemberSlot, args: string[]): void {
    if (slot.child !== undefined) throw new Error(`${slot.name} is already running (pid ${slot.child.pid})`);
    const [bin, ...prefix] = slot.command ?? serverCommand(REPO);
    const child = spawn(bin!, [...prefix, ...args], { stdio: ["ignore", "pipe", "pipe"], cwd: REPO });
    liveChildren.add(child);
    slot.child = child;
    appendLog(slot, `--- spawn pid ${child.pid}: ${args.join(" ")}\n`);
    child.stdout!.on("data", (c) => appendLog(slot, String(c)));
    child.stderr!.on("data", (c) => appendLog(slot, String(c)));
    slot.exited = new Promise((resolve) => {
      child.on("exit", (code, signal) => {
        liveChildren.delete(child);
        if (slot.child === child) slot.child = undefined;
        appendLog(slot, `--- exit ${code ?? signal}\n`);
        resolve(code ?? signal ?? "unknown");
      });
    });
  }

  /** Starts every slot with `--initial-cluster-state new` and waits for a leader. */
  async start(timeoutMs = 30_000): Promise<void> {
    const cluster = this.initialCluster();
    for (const slot of this.slots) this.spawn(slot, [...this.serverArgs(slot, "new", cluster), ...slot.extraArgs]);
    await this.waitForLeader(timeoutMs);
  }

  /** Restarts a stopped member with its original flags (same data dir, `new` state as etcd restarts do). */
  restart(slot: MemberSlot, state: "new" | "existing" = "new", initialCluster?: string): void {
    this.spawn(slot, [...this.serverArgs(slot, state, initialCluster ?? this.initialCluster()), ...slot.extraArgs]);
  }

  /** Sends a signal to a member's process by PID. */
  signal(slot: MemberSlot, signal: "SIGKILL" | "SIGSTOP" | "SIGCONT" | "SIGTERM"): void {
    const pid = slot.child?.pid;
    if (pid === undefined) throw new Error(`${slot.name} is not running`);
    process.kill(pid, signal);
  }

  /** SIGKILLs a member and waits until the process is gone. */
  async kill(slot: MemberSlot): Promise<void> {
    const exited = slot.exited;
    this.signal(slot, "SIGKILL");
    await exited;
  }

  /** One member's status, or undefined when it does not answer in time. */
  async status(slot: MemberSlot, timeoutMs = 1_000): Promise<StatusResponse | undefined> {
    const client = connect({
      endpoints: [slot.clientUrl],
      dialTimeoutMs: timeoutMs,
      commandTimeoutMs: timeoutMs,
      ...(this.clientTls === undefined ? {} : { tls: this.clientTls }),
    });
    try {
      return await client.status(slot.clientUrl);
    } catch {
      return undefined;
    }
  }

  /** The running slots. */
  running(): MemberSlot[] {
    return this.slots.filter((s) => s.child !== undefined);
  }

  /**
   * Waits until every running member answers status and the voters among them agree on one leader that
   * is itself running; returns that leader's slot.
   */
  async waitForLeader(timeoutMs = 15_000, among: MemberSlot[] = this.running()): Promise<MemberSlot> {
    const deadlineMs = Date.now() + timeoutMs;
    let last = "";
    while (Date.now() < deadlineMs) {
      const dead = among.filter((s) => s.child === undefined);
      if (dead.length > 0) throw new Error(`exited while waiting for a leader: ${dead.map((s) => s.name)}\n${this.logs()}`);
      const statuses = await Promise.all(among.map((s) => this.status(s)));
      const leaders = new Set(statuses.map((s) => s?.leader ?? 0n));
      if (statuses.every((s) => s !== undefined) && leaders.size === 1 && !leaders.has(0n)) {
        const leaderId = [...leaders][0]!;
        const index = statuses.findIndex((s) => s!.header.member_id === leaderId);
        if (index >= 0) return among[index]!;
      }
      last = statuses.map((s, i) => `${among[i]!.name}:${s === undefined ? "down" : s.leader.toString(16)}`).join(" ");
      await sleep(POLL_MS * 2);
    }
    throw new Error(`no agreed leader within ${timeoutMs} ms (${last})\n${this.logs()}`);
  }

  /** Waits until every listed member's applied index reaches `index`. */
  async waitForApplied(index: number, among: MemberSlot[] = this.running(), timeoutMs = 20_000): Promise<void> {
    const deadlineMs = Date.now() + timeoutMs;
    let last = "";
    while (Date.now() < deadlineMs) {
      const statuses = await Promise.all(among.map((s) => this.status(s)));
      if (statuses.every((s) => s !== undefined && s.raftAppliedIndex >= index)) return;
      last = statuses.map((s, i) => `${among[i]!.name}:${s?.raftAppliedIndex ?? "down"}`).join(" ");
      await sleep(POLL_MS * 2);
    }
    throw new Error(`applied index ${index} not reached within ${timeoutMs} ms (${last})`);
  }

  /** The slot whose member id is `id`, by asking each running member its status. */
  async slotOf(id: bigint): Promise<MemberSlot | undefined> {
    for (const slot of this.running()) {
      const s = await this.status(slot);
      if (s?.header.member_id === id) return slot;
    }
    return undefined;
  }

  /** Every member's recent output, for failure messages. */
  logs(): string {
    return this.slots.map((s) => `==== ${s.name} ====\n${s.log.slice(-4_000)}`).join("\n");
  }

  /** Kills every child by PID (SIGCONT first, so a stopped one can die), waits, removes the data dirs. */
  async close(): Promise<void> {
    const waits: Promise<unknown>[] = [];
    // Cleared below: a pending timer would hold the test's process open for the rest of its 5 s.
    const timers: ReturnType<typeof setTimeout>[] = [];
    for (const slot of this.slots) {
      const pid = slot.child?.pid;
      if (pid === undefined) continue;
      try {
        process.kill(pid, "SIGKILL");
        process.kill(pid, "SIGCONT");
      } catch {
        // already gone
      }
      if (slot.exited !== undefined) {
        waits.push(Promise.race([slot.exited, new Promise((resolve) => timers.push(setTimeout(resolve, 5_000)))]));
      }
    }
    await Promise.all(waits);
    for (const timer of timers) clearTimeout(timer);
    rmSync(this.root, { recursive: true, force: true });
    releasePortBlock(this.blockBase);
  }
}

/** Runs `body` with a started cluster, prints the members' logs if it fails, and always cleans up. */
export async function withCluster<T>(options: ClusterOptions, body: (c: ProcessCluster) => Promise<T>): Promise<T> {
  const cluster = new ProcessCluster(options);
  try {
    await cluster.start(options.startTimeoutMs);
    return await body(cluster);
  } catch (error) {
    console.error(cluster.logs()); // what the members said is most of the diagnosis
    throw error;
  } finally {
    await cluster.close();
  }
}

/** Runs a `tsetcd server` command to completion (refusals); bounded by `timeoutMs`. */
export function runServerOnce(
  args: string[],
  timeoutMs = 15_000,
): Promise<{ code: number | string; output: string }> {
  const child = spawn(BUN, [MOD_TS, "server", ...args], { stdio: ["ignore", "pipe", "pipe"], cwd: REPO });
  liveChildren.add(child);
  let output = "";
  child.stdout.on("data", (c) => (output += c));
  child.stderr.on("data", (c) => (output += c));
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(child.pid, "SIGKILL");
    }, timeoutMs);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      liveChildren.delete(child);
      resolve({ code: code ?? signal ?? "unknown", output });
    });
  });
}

/** A fresh temp dir (caller removes it) for one-off server runs. */
export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}
