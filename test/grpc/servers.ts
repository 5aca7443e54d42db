/**
 * Test servers for the gRPC suite: a real etcd 3.4 and a `tsetcd server`, by default serving gRPC and the
 * HTTP gateway on one client URL as etcd does, or with etcd 3.5's split (gRPC on --listen-client-urls, the
 * gateway on --listen-client-http-urls) when an HTTP port is given; each in a fresh temp data dir on the
 * ports the caller picks (this suite's range: 33000–33499; the client-port tests' 26000–26499), plus an
 * etcdctl runner. Only processes started here are ever stopped, by their own handle.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { etcdBinary, testFetchTls, TLS_FIXTURES } from "../helpers/etcd.ts";

const ROOT = resolve(import.meta.dir, "../..");
const BUN = join(ROOT, "node_modules/.bin/bun");
const START_TIMEOUT_MS = 20_000;
const STOP_GRACE_MS = 5_000;
const ETCDCTL_LIMIT_MS = 20_000;
const OUTPUT_KEEP_CHARS = 8_192;

/** A server under test. */
export interface TestServer {
  /** host:port of its gRPC API (etcdctl --endpoints). */
  grpcEndpoint: string;
  /** Base URL of its HTTP gateway. */
  httpUrl: string;
  peerUrl: string;
  pid: number;
  dataDir: string;
  output(): string;
  stop(): Promise<void>;
}

/** Ports of one server: client (gRPC, and the gateway unless split), peer, and (tsetcd, split) HTTP-only client. */
export interface Ports {
  grpc: number;
  peer: number;
  /** tsetcd only: the gateway's own port (--listen-client-http-urls); absent, it shares `grpc`'s. */
  http?: number;
}

/** Options of a test server. */
export interface TestServerOptions {
  /** https gRPC URL with the test certificates and --client-cert-auth. */
  tls?: boolean;
  extraArgs?: string[];
  /** Extra environment of the server process (e.g. TSETCD_CLIENT_OPENING_TIMEOUT_MS). */
  env?: Record<string, string>;
}

const children = new Set<ChildProcess>();
process.on("exit", () => {
  for (const child of children) child.kill("SIGKILL");
});

function baseArgs(dataDir: string, ports: Ports, options: TestServerOptions): string[] {
  const scheme = options.tls === true ? "https" : "http";
  const client = `${scheme}://127.0.0.1:${ports.grpc}`;
  const peer = `http://127.0.0.1:${ports.peer}`;
  const args = [
    "--data-dir", dataDir,
    "--listen-client-urls", client,
    "--advertise-client-urls", client,
    "--listen-peer-urls", peer,
    "--initial-advertise-peer-urls", peer,
    "--initial-cluster", `default=${peer}`,
  ];
  if (ports.http !== undefined) args.push("--listen-client-http-urls", `http://127.0.0.1:${ports.http}`);
  if (options.tls === true) {
    const file = (name: string): string => join(TLS_FIXTURES, name);
    args.push("--cert-file", file("server.pem"), "--key-file", file("server-key.pem"));
    args.push("--trusted-ca-file", file("ca.pem"), "--client-cert-auth");
  }
  return args.concat(options.extraArgs ?? []);
}

/** Starts a real etcd 3.4 (gRPC and HTTP on one port). */
export function startEtcd(ports: Ports, options: TestServerOptions = {}): Promise<TestServer> {
  return start("etcd", ports, options, (dir) => [etcdBinary(), baseArgs(dir, { grpc: ports.grpc, peer: ports.peer }, options)]);
}

/**
 * Starts `tsetcd server` with gRPC on `ports.grpc` and the HTTP gateway on `ports.http` (the split), or on
 * `ports.grpc` too when no HTTP port is given (the default, as etcd).
 */
export function startTsetcd(ports: Ports, options: TestServerOptions = {}): Promise<TestServer> {
  return start("tsetcd", ports, options, (dir) => [BUN, ["mod.ts", "server", ...baseArgs(dir, ports, options)]]);
}

async function start(
  name: string,
  ports: Ports,
  options: TestServerOptions,
  command: (dataDir: string) => [string, string[]],
): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), `grpc-${name}-`));
  const [bin, args] = command(join(dataDir, "data"));
  const child = spawn(bin, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...options.env } });
  children.add(child);
  let output = "";
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-OUTPUT_KEEP_CHARS);
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const httpPort = ports.http ?? ports.grpc;
  const httpUrl = `${ports.http === undefined && options.tls === true ? "https" : "http"}://127.0.0.1:${httpPort}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((done) => child.once("exit", () => done()));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    }
    children.delete(child);
    rmSync(dataDir, { recursive: true, force: true });
  };
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) break;
    if (await hasLeader(httpUrl, options.tls === true) && await portOpen(ports.grpc)) {
      return {
        grpcEndpoint: `127.0.0.1:${ports.grpc}`,
        httpUrl,
        peerUrl: `http://127.0.0.1:${ports.peer}`,
        pid: child.pid!,
        dataDir,
        output: () => output,
        stop,
      };
    }
    await Bun.sleep(100);
  }
  await stop();
  throw new Error(`${name} did not start; output:\n${output}`);
}

async function hasLeader(httpUrl: string, tls: boolean): Promise<boolean> {
  const tlsOption = tls && httpUrl.startsWith("https:") ? { tls: testFetchTls() } : {};
  try {
    const response = await fetch(`${httpUrl}/v3/maintenance/status`, {
      method: "POST",
      body: "{}",
      signal: AbortSignal.timeout(1_000),
      ...tlsOption,
    } as RequestInit);
    return response.status === 200 && /"leader":"[1-9]/.test(await response.text());
  } catch {
    return false;
  }
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect(port, "127.0.0.1");
    const timer = setTimeout(() => finish(false), 1_000);
    const finish = (ok: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      done(ok);
    };
    socket.once("connect", () => finish(true));
    socket.once("error", () => finish(false));
  });
}

/** One etcdctl run. */
export interface EtcdctlRun {
  stdout: string;
  stderr: string;
  code: number;
}

/** Runs etcdctl 3.4 against `endpoint` with `args` (and `stdin` when given); killed past 20 s. */
export function etcdctl(endpoint: string, args: string[], options: { stdin?: string; tls?: boolean } = {}): Promise<EtcdctlRun> {
  const tlsArgs = options.tls === true
    ? ["--cacert", join(TLS_FIXTURES, "ca.pem"), "--cert", join(TLS_FIXTURES, "client.pem"), "--key", join(TLS_FIXTURES, "client-key.pem")]
    : [];
  const bin = process.env.ETCDCTL_BIN ?? "etcdctl";
  return new Promise((done) => {
    const child = spawn(bin, [`--endpoints=${endpoint}`, ...tlsArgs, ...args], {
      stdio: ["pipe", "pipe", "pipe"],
      env: { ...process.env, ETCDCTL_API: "3" },
    });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (c) => (stdout += c));
    child.stderr!.on("data", (c) => (stderr += c));
    child.stdin!.end(options.stdin ?? "");
    const timer = setTimeout(() => child.kill("SIGKILL"), ETCDCTL_LIMIT_MS);
    child.on("error", (e) => done({ stdout, stderr: `${stderr}${e.message}`, code: -1 }));
    child.on("exit", (code) => {
      clearTimeout(timer);
      done({ stdout, stderr, code: code ?? -1 });
    });
  });
}

/** A background etcdctl (e.g. watch): its output so far, and a stop by its own PID. */
export function etcdctlBackground(endpoint: string, args: string[]): { output(): string; stop(): Promise<void> } {
  const child = spawn(process.env.ETCDCTL_BIN ?? "etcdctl", [`--endpoints=${endpoint}`, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ETCDCTL_API: "3" },
  });
  children.add(child);
  let out = "";
  child.stdout!.on("data", (c) => (out += c));
  child.stderr!.on("data", () => {});
  const limit = setTimeout(() => child.kill("SIGKILL"), 60_000);
  return {
    output: () => out,
    stop: async () => {
      clearTimeout(limit);
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((done) => child.once("exit", () => done()));
        child.kill("SIGTERM");
        await exited;
      }
      children.delete(child);
    },
  };
}
