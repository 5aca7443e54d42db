/**
 * Real processes for the integration tests: `tsetcd server` members (one, or a 3-member cluster) on
 * loopback ports from 31000–31999, each in a temp data dir, and CLI runs (`tsetcd …`, bounded in time).
 * Every child is killed by PID in `close()`/`stop()` and, should a test die first, on process exit.
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { connect } from "../../src/client/mod.ts";
import type { StatusResponse } from "../../src/codec/messages.ts";

export const REPO = resolve(import.meta.dir, "../..");
export const BUN = join(REPO, "node_modules/.bin/bun");
export const MOD_TS = join(REPO, "mod.ts");
const PORT_MIN = 31000;
const PORT_MAX = 31999;
const LOG_KEEP_CHARS = 16_000;
const POLL_MS = 50;

const live = new Set<ChildProcess>();
process.on("exit", () => {
  for (const child of live) {
    try {
      if (child.pid !== undefined) process.kill(child.pid, "SIGKILL");
    } catch {
      // gone already
    }
  }
});

/** Ports handed out by this process: a random start in the range, then counting up, never reused. */
let nextPort = PORT_MIN + 2 * Math.floor(Math.random() * 400);
function takePorts(count: number): number[] {
  if (nextPort + count > PORT_MAX) nextPort = PORT_MIN;
  const ports = Array.from({ length: count }, (_, i) => nextPort + i);
  nextPort += count;
  return ports;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** One member process slot (ports and data dir survive a kill). */
export interface Member {
  name: string;
  clientUrl: string;
  peerUrl: string;
  dataDir: string;
  child?: ChildProcess;
  exited?: Promise<unknown>;
  log: string;
}

/** A set of members started together; `size` 1 is a single-member server. */
export class Cluster {
  readonly members: Member[] = [];
  readonly #root: string;
  readonly #token = `it-${process.pid}-${Date.now()}`;
  readonly #extraArgs: string[];

  /** `extraArgs`: more server flags for every member (e.g. `--snapshot-count 50`). */
  constructor(size: number, options: { extraArgs?: string[] } = {}) {
    this.#extraArgs = options.extraArgs ?? [];
    if (!(size >= 1 && size <= 5)) throw new Error(`cluster size ${size}`);
    this.#root = mkdtempSync(join(tmpdir(), "tsetcd-it-"));
    const ports = takePorts(2 * size);
    for (let i = 0; i < size; i++) {
      this.members.push({
        name: `m${i}`,
        clientUrl: `http://127.0.0.1:${ports[2 * i]}`,
        peerUrl: `http://127.0.0.1:${ports[2 * i + 1]}`,
        dataDir: join(this.#root, `m${i}`),
        log: "",
      });
    }
  }

  /** Client endpoints of every member. */
  get endpoints(): string[] {
    return this.members.map((m) => m.clientUrl);
  }

  #spawn(m: Member): void {
    const initial = this.members.map((x) => `${x.name}=${x.peerUrl}`).join(",");
    const args = [
      MOD_TS, "server", "--name", m.name, "--data-dir", m.dataDir,
      "--listen-client-urls", m.clientUrl, "--advertise-client-urls", m.clientUrl,
      "--listen-peer-urls", m.peerUrl, "--initial-advertise-peer-urls", m.peerUrl,
      "--initial-cluster", initial, "--initial-cluster-token", this.#token,
      "--heartbeat-interval", "100", "--election-timeout", "1000",
      ...this.#extraArgs,
    ];
    const child = spawn(BUN, args, { stdio: ["ignore", "pipe", "pipe"], cwd: REPO });
    live.add(child);
    m.child = child;
    const keep = (chunk: unknown): void => {
      m.log = (m.log + String(chunk)).slice(-LOG_KEEP_CHARS);
    };
    child.stdout!.on("data", keep);
    child.stderr!.on("data", keep);
    m.exited = new Promise((done) =>
      child.on("exit", (code, signal) => {
        live.delete(child);
        if (m.child === child) m.child = undefined;
        done(code ?? signal);
      })
    );
  }

  /** Starts every member and waits until they agree on a leader; returns it. */
  async start(timeoutMs = 20_000): Promise<Member> {
    for (const m of this.members) this.#spawn(m);
    return await this.waitForLeader(timeoutMs);
  }

  /** Starts a killed member again on its data dir (same flags). */
  restart(m: Member): void {
    if (m.child !== undefined) throw new Error(`${m.name} is still running`);
    this.#spawn(m);
  }

  /** A member's status, or undefined when it does not answer within `timeoutMs`. */
  async status(m: Member, timeoutMs = 1_000): Promise<StatusResponse | undefined> {
    const client = connect({ endpoints: [m.clientUrl], dialTimeoutMs: timeoutMs, commandTimeoutMs: timeoutMs });
    return await client.status(m.clientUrl).catch(() => undefined);
  }

  /** Waits until every running member names the same running leader. */
  async waitForLeader(timeoutMs = 15_000): Promise<Member> {
    const deadline = Date.now() + timeoutMs;
    const running = (): Member[] => this.members.filter((m) => m.child !== undefined);
    while (Date.now() < deadline) {
      const among = running();
      const statuses = await Promise.all(among.map((m) => this.status(m)));
      const leaders = new Set(statuses.map((s) => s?.leader ?? 0n));
      if (statuses.every((s) => s !== undefined) && leaders.size === 1 && !leaders.has(0n)) {
        const index = statuses.findIndex((s) => s!.header.member_id === s!.leader);
        if (index >= 0) return among[index]!;
      }
      await sleep(POLL_MS * 2);
    }
    throw new Error(`no leader within ${timeoutMs} ms\n${this.logs()}`);
  }

  /** Sends a signal to a member by PID (SIGSTOP/SIGCONT pause and resume it). */
  signal(m: Member, signal: "SIGSTOP" | "SIGCONT"): void {
    const pid = m.child?.pid;
    if (pid === undefined) throw new Error(`${m.name} is not running`);
    process.kill(pid, signal);
  }

  /** SIGKILLs a member by PID and waits for it to be gone. */
  async kill(m: Member): Promise<void> {
    const pid = m.child?.pid;
    if (pid === undefined) throw new Error(`${m.name} is not running`);
    const exited = m.exited;
    process.kill(pid, "SIGKILL");
    await exited;
  }

  logs(): string {
    return this.members.map((m) => `==== ${m.name} ====\n${m.log.slice(-3_000)}`).join("\n");
  }

  /** Kills every member by PID, waits (bounded), removes the data dirs. */
  async close(): Promise<void> {
    const waits: Promise<unknown>[] = [];
    // Cleared below: a pending timer would hold the test's process open for the rest of its 5 s.
    const timers: ReturnType<typeof setTimeout>[] = [];
    for (const m of this.members) {
      const pid = m.child?.pid;
      if (pid === undefined) continue;
      try {
        process.kill(pid, "SIGKILL");
        process.kill(pid, "SIGCONT"); // a stopped process dies only once continued
      } catch {
        // gone already
      }
      waits.push(Promise.race([m.exited, new Promise((resolve) => timers.push(setTimeout(resolve, 5_000)))]));
    }
    await Promise.all(waits);
    for (const timer of timers) clearTimeout(timer);
    rmSync(this.#root, { recursive: true, force: true });
  }
}

/** Outcome of a finished command. */
export interface Run {
  code: number | string;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion, SIGKILLed after `timeoutMs`. */
export function exec(command: string, args: string[], options: { timeoutMs?: number; env?: Record<string, string>; cwd?: string } = {}): Promise<Run> {
  const child = spawn(command, args, {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...options.env },
    cwd: options.cwd ?? REPO,
  });
  live.add(child);
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (c) => (stdout += c));
  child.stderr!.on("data", (c) => (stderr += c));
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 20_000);
  return new Promise((done) =>
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      live.delete(child);
      done({ code: code ?? signal ?? "unknown", stdout, stderr });
    })
  );
}

/** `tsetcd --endpoints=… args` to completion. */
export function tsetcd(endpoints: string[], args: string[], options: { timeoutMs?: number; env?: Record<string, string> } = {}): Promise<Run> {
  return exec(BUN, [MOD_TS, `--endpoints=${endpoints.join(",")}`, ...args], options);
}

/** A long-running command (watch, elect, lock holder): its output so far, and an interrupt. */
export interface Background {
  stdout(): string;
  stderr(): string;
  /** Sends a signal by PID and waits for the exit (bounded; SIGKILL after 5 s). */
  stop(signal?: NodeJS.Signals): Promise<Run>;
  /** Resolves when `stdout` satisfies `check` (polls; throws after `timeoutMs`). */
  waitFor(check: (stdout: string) => boolean, timeoutMs?: number): Promise<string>;
}

/** Starts `tsetcd --endpoints=… args` in the background. */
export function background(endpoints: string[], args: string[]): Background {
  const child = spawn(BUN, [MOD_TS, `--endpoints=${endpoints.join(",")}`, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    cwd: REPO,
  });
  live.add(child);
  let out = "";
  let err = "";
  child.stdout!.on("data", (c) => (out += c));
  child.stderr!.on("data", (c) => (err += c));
  const exited = new Promise<number | string>((done) =>
    child.on("exit", (code, signal) => {
      live.delete(child);
      done(code ?? signal ?? "unknown");
    })
  );
  return {
    stdout: () => out,
    stderr: () => err,
    async stop(signal = "SIGINT"): Promise<Run> {
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
        try {
          process.kill(child.pid, signal);
        } catch {
          // gone already
        }
      }
      const timer = setTimeout(() => child.pid !== undefined && child.kill("SIGKILL"), 5_000);
      const code = await exited;
      clearTimeout(timer);
      return { code, stdout: out, stderr: err };
    },
    async waitFor(check, timeoutMs = 10_000): Promise<string> {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if (check(out)) return out;
        await sleep(POLL_MS);
      }
      throw new Error(`timed out waiting; stdout so far:\n${out}\nstderr:\n${err}`);
    },
  };
}

/** Base64 of a UTF-8 string (the gateway's bytes). */
export function b64(text: string): string {
  return Buffer.from(text).toString("base64");
}

/** POSTs gateway JSON and returns the parsed body (throws on an HTTP error). */
export async function gateway<T = Record<string, unknown>>(url: string, path: string, body: unknown): Promise<T> {
  const response = await fetch(url + path, { method: "POST", body: JSON.stringify(body) });
  const text = await response.text();
  if (!response.ok) throw new Error(`${path}: ${response.status} ${text}`);
  return JSON.parse(text) as T;
}
