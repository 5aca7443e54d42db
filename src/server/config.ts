/**
 * `tsetcd server` configuration: etcd's flags, their defaults, and the TSETCD_* / ETCD_* environment.
 * Pure: arguments and environment in, a validated config (or a message for stderr) out.
 *
 * Flags are written as etcd (Go's flag package) takes them: `--name x`, `--name=x`, `-name x`; booleans
 * stand alone or take `=true|false`. Environment variables name a flag in upper case with `_` for `-`
 * (`ETCD_DATA_DIR`, `TSETCD_DATA_DIR`); a flag on the command line wins, then TSETCD_, then ETCD_.
 * @module
 */

import type { TlsFileNames } from "../tls/material.ts";
import { parseRetention } from "./compactor.ts";
import { parseAuthToken } from "../auth/jwt.ts";
import { parseGoDurationMs } from "./go_duration.ts";

/** A member's configuration after parsing and validation. */
export interface ServerConfig {
  name: string;
  dataDir: string;
  listenClientUrls: URL[];
  /**
   * --listen-client-http-urls (etcd 3.5's split): HTTP-only client URLs. When set, the HTTP gateway is served
   * there and --listen-client-urls serve etcd's gRPC API only; empty: HTTP on --listen-client-urls, no gRPC.
   */
  listenClientHttpUrls: URL[];
  advertiseClientUrls: string[];
  listenPeerUrls: URL[];
  /** --listen-metrics-urls: extra listeners serving /metrics and the health endpoints only (https: client TLS). */
  listenMetricsUrls: URL[];
  /** --logger: "zap" (JSON lines) or "capnslog" (etcd 3.4's default, human-readable lines). */
  logger: "zap" | "capnslog";
  /** --log-level: debug, info, warn, error, panic or fatal. */
  logLevel: string;
  /** --log-outputs: "default", "stderr", "stdout" or file paths. */
  logOutputs: string[];
  initialAdvertisePeerUrls: string[];
  /** name → peer URLs, from --initial-cluster (or this member alone). */
  initialCluster: Map<string, string[]>;
  initialClusterState: "new" | "existing";
  initialClusterToken: string;
  heartbeatIntervalMs: number;
  electionTimeoutMs: number;
  snapshotCount: number;
  /** 0 means the default (2 GiB), as etcd. */
  quotaBackendBytes: number;
  maxRequestBytes: number;
  maxTxnOps: number;
  /** --max-concurrent-streams: streams per gRPC connection (etcd's default 2^32-1). */
  maxConcurrentStreams: number;
  /** --grpc-keepalive-min-time: the shortest ping interval a gRPC client may use (default 5 s). */
  grpcKeepaliveMinTimeMs: number;
  /** --grpc-keepalive-interval: the server pings a gRPC connection idle this long (default 2 h; 0: never). */
  grpcKeepaliveIntervalMs: number;
  /** --grpc-keepalive-timeout: and closes it when the ping goes unanswered this long (default 20 s; 0: never). */
  grpcKeepaliveTimeoutMs: number;
  autoCompactionMode: "periodic" | "revision";
  autoCompactionRetention: string;
  /** --auth-token: "simple" (etcd's default) or "jwt,sign-method=…,pub-key=…,priv-key=…,ttl=…". */
  authToken: string;
  /** --auth-token-ttl: how long a simple token lives after its last use. */
  authTokenTtlS: number;
  /** --bcrypt-cost: the cost of the bcrypt hashes of user passwords (4–31, default 10). */
  bcryptCost: number;
  /** --experimental-initial-corrupt-check: compare HashKV with the peers before serving (default false). */
  initialCorruptCheck?: boolean;
  /** --experimental-corrupt-check-time: how often a leader compares members' HashKV (0: never, the default). */
  corruptCheckTimeMs?: number;
  /** --cert-file, --key-file, --trusted-ca-file, --client-cert-auth: TLS on https client URLs. */
  clientTls: TlsFlags;
  /** --peer-cert-file, --peer-key-file, --peer-trusted-ca-file, --peer-client-cert-auth: TLS between members. */
  peerTls: TlsFlags;
}

/** TLS files as named on the command line ("" = not given); read at start (src/server/tls.ts). */
export interface TlsFlags extends TlsFileNames {
  clientCertAuth: boolean;
  /** --auto-tls / --peer-auto-tls: a self-signed pair when no cert and key files are given. */
  autoTls: boolean;
}

/** What the command line asks for. */
export type ParsedArgs =
  | { kind: "run"; config: ServerConfig }
  | { kind: "version" }
  | { kind: "help" }
  | { kind: "error"; message: string };

/** etcd's default quota when --quota-backend-bytes is 0. */
export const DEFAULT_QUOTA_BYTES = 2 * 1024 * 1024 * 1024;
/** --max-concurrent-streams is a uint32 in etcd. */
const MAX_UINT32 = 4_294_967_295;
/** etcd refuses an election timeout above this. */
const MAX_ELECTION_TIMEOUT_MS = 50_000;

/** "duration": Go's syntax ("5s", "2h0m0s"), as etcd's duration flags. */
type FlagKind = "string" | "int" | "bool" | "duration";

interface FlagSpec {
  kind: FlagKind;
  defaultValue: string;
  help: string;
}


/** Every flag tsetcd takes, etcd's spelling and default. */
const FLAGS: Record<string, FlagSpec> = {
  "name": { kind: "string", defaultValue: "default", help: "Human-readable name for this member." },
  "data-dir": { kind: "string", defaultValue: "", help: "Path to the data directory (default <name>.tsetcd)." },
  "listen-client-urls": { kind: "string", defaultValue: "http://127.0.0.1:2379", help: "URLs to listen on for client traffic." },
  "listen-client-http-urls": { kind: "string", defaultValue: "", help: "URLs to listen on for HTTP-only client traffic; when set, --listen-client-urls serve gRPC only." },
  "advertise-client-urls": { kind: "string", defaultValue: "http://127.0.0.1:2379", help: "This member's client URLs to advertise to the cluster." },
  "listen-metrics-urls": { kind: "string", defaultValue: "", help: "List of URLs to listen on for the metrics and health endpoints." },
  "logger": { kind: "string", defaultValue: "capnslog", help: "Specify 'zap' for structured logging or 'capnslog'." },
  "log-level": { kind: "string", defaultValue: "info", help: "Configures log level. Only supports debug, info, warn, error, panic, or fatal." },
  "log-outputs": { kind: "string", defaultValue: "default", help: "Specify 'stdout' or 'stderr' to skip journald logging even when running under systemd, or list of comma separated output targets." },
  "listen-peer-urls": { kind: "string", defaultValue: "http://127.0.0.1:2380", help: "URLs to listen on for peer traffic." },
  "initial-advertise-peer-urls": { kind: "string", defaultValue: "http://127.0.0.1:2380", help: "This member's peer URLs to advertise to the cluster." },
  "initial-cluster": { kind: "string", defaultValue: "", help: "Initial cluster configuration for bootstrapping (name=url,...)." },
  "initial-cluster-state": { kind: "string", defaultValue: "new", help: "Initial cluster state: new or existing." },
  "initial-cluster-token": { kind: "string", defaultValue: "etcd-cluster", help: "Initial cluster token; the ids derive from it." },
  "heartbeat-interval": { kind: "int", defaultValue: "100", help: "Time (in milliseconds) of a heartbeat interval." },
  "election-timeout": { kind: "int", defaultValue: "1000", help: "Time (in milliseconds) for an election to timeout." },
  "auth-token": { kind: "string", defaultValue: "simple", help: "Specify auth token type and its options ('simple' or 'jwt')." },
  "auth-token-ttl": { kind: "int", defaultValue: "300", help: "The lifetime in seconds of the auth token." },
  "bcrypt-cost": { kind: "int", defaultValue: "10", help: "Specify bcrypt algorithm cost factor for auth password hashing." },
  "snapshot-count": { kind: "int", defaultValue: "100000", help: "Number of committed entries that trigger a log compaction." },
  "quota-backend-bytes": { kind: "int", defaultValue: "0", help: "Raise alarms when the backend size exceeds the given quota (0 = 2 GiB)." },
  "max-request-bytes": { kind: "int", defaultValue: "1572864", help: "Maximum client request size in bytes the server will accept." },
  "max-txn-ops": { kind: "int", defaultValue: "128", help: "Maximum number of operations permitted in a transaction." },
  "max-concurrent-streams": { kind: "int", defaultValue: "4294967295", help: "Maximum concurrent streams that each client can open at a time." },
  "grpc-keepalive-min-time": { kind: "duration", defaultValue: "5s", help: "Minimum duration interval that a client should wait before pinging server." },
  "grpc-keepalive-interval": { kind: "duration", defaultValue: "2h0m0s", help: "Frequency duration of server-to-client ping to check if a connection is alive (0 to disable)." },
  "grpc-keepalive-timeout": { kind: "duration", defaultValue: "20s", help: "Additional duration of wait before closing a non-responsive connection (0 to disable)." },
  "auto-compaction-mode": { kind: "string", defaultValue: "periodic", help: "Interpret auto-compaction-retention as: periodic (duration) or revision (count)." },
  "auto-compaction-retention": { kind: "string", defaultValue: "0", help: "Auto compaction retention (0 = off); hours when a bare number in periodic mode." },
  "experimental-initial-corrupt-check": { kind: "bool", defaultValue: "false", help: "Enable to check data corruption before serving any client/peer traffic." },
  "experimental-corrupt-check-time": { kind: "duration", defaultValue: "0s", help: "Duration of time between cluster corruption check passes." },
  "cert-file": { kind: "string", defaultValue: "", help: "Path to the client server TLS cert file." },
  "key-file": { kind: "string", defaultValue: "", help: "Path to the client server TLS key file." },
  "trusted-ca-file": { kind: "string", defaultValue: "", help: "Path to the client server TLS trusted CA file." },
  "client-cert-auth": { kind: "bool", defaultValue: "false", help: "Enable client cert authentication." },
  "auto-tls": { kind: "bool", defaultValue: "false", help: "Client TLS using generated certificates." },
  "peer-cert-file": { kind: "string", defaultValue: "", help: "Path to the peer server TLS cert file." },
  "peer-key-file": { kind: "string", defaultValue: "", help: "Path to the peer server TLS key file." },
  "peer-trusted-ca-file": { kind: "string", defaultValue: "", help: "Path to the peer server TLS trusted CA file." },
  "peer-client-cert-auth": { kind: "bool", defaultValue: "false", help: "Enable peer client cert authentication." },
  "peer-auto-tls": { kind: "bool", defaultValue: "false", help: "Peer TLS using generated certificates." },
  "version": { kind: "bool", defaultValue: "false", help: "Print the version and exit." },
  "help": { kind: "bool", defaultValue: "false", help: "Show this help." },
};

/** Upper bound on arguments, so a runaway caller cannot make parsing quadratic. */
const MAX_ARGS = 1_000;

/** The flag names tsetcd understands (for help text). */
export function flagNames(): string[] {
  return Object.keys(FLAGS);
}

/**
 * Parses `tsetcd server` arguments and environment into a validated config.
 * @example parseServerArgs(["--name", "n1", "--data-dir=/tmp/n1"], process.env)
 */
export function parseServerArgs(args: string[], env: Record<string, string | undefined>): ParsedArgs {
  if (args.length > MAX_ARGS) return { kind: "error", message: `too many arguments (${args.length})` };
  const fromArgs = readArgs(args);
  if (typeof fromArgs === "string") return { kind: "error", message: fromArgs };
  if (fromArgs.get("version") === "true") return { kind: "version" };
  if (fromArgs.get("help") === "true") return { kind: "help" };
  const values = new Map<string, string>();
  for (const [name, spec] of Object.entries(FLAGS)) {
    // --version/--help only from the command line: ETCD_VERSION is commonly set in etcd images.
    const fromEnv = name === "version" || name === "help" ? undefined : envValue(env, name);
    const value = fromArgs.get(name) ?? fromEnv ?? spec.defaultValue;
    const bad = checkKind(name, spec.kind, value);
    if (bad !== undefined) return { kind: "error", message: bad };
    values.set(name, value);
  }
  return buildConfig(values);
}

/** Reads `--flag value`, `--flag=value`, `-flag`; returns an error message on unknown flags or stray words. */
function readArgs(args: string[]): Map<string, string> | string {
  const out = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith("-") || arg === "-" || arg === "--") {
      return `unexpected argument "${arg}" (flags only; see --help)`;
    }
    const body = arg.replace(/^--?/, "");
    const eq = body.indexOf("=");
    const name = eq >= 0 ? body.slice(0, eq) : body;
    const spec = FLAGS[name];
    if (spec === undefined) return `flag provided but not defined: -${name}`;
    if (eq >= 0) {
      out.set(name, body.slice(eq + 1));
    } else if (spec.kind === "bool") {
      out.set(name, "true");
    } else {
      const next = args[i + 1];
      if (next === undefined) return `flag needs an argument: -${name}`;
      out.set(name, next);
      i++;
    }
  }
  return out;
}

function envValue(env: Record<string, string | undefined>, flag: string): string | undefined {
  const suffix = flag.toUpperCase().replaceAll("-", "_");
  return env[`TSETCD_${suffix}`] ?? env[`ETCD_${suffix}`];
}

function checkKind(name: string, kind: FlagKind, value: string): string | undefined {
  if (kind === "int" && !/^\d+$/.test(value)) {
    return `invalid value "${value}" for flag -${name}: parse error`;
  }
  if (kind === "duration" && parseGoDurationMs(value) === undefined) {
    return `invalid value "${value}" for flag -${name}: parse error`;
  }
  if (kind === "bool" && value !== "true" && value !== "false") {
    return `invalid boolean value "${value}" for -${name}: parse error`;
  }
  return undefined;
}

function buildConfig(v: Map<string, string>): ParsedArgs {
  const get = (name: string): string => v.get(name)!;
  const int = (name: string): number => Number(get(name));
  const name = get("name");
  if (name === "") return { kind: "error", message: "--name must not be empty" };
  const listenClientUrls = parseUrls("listen-client-urls", get("listen-client-urls"));
  const httpText = get("listen-client-http-urls");
  const listenClientHttpUrls = httpText === "" ? [] : parseUrls("listen-client-http-urls", httpText);
  const listenPeerUrls = parseUrls("listen-peer-urls", get("listen-peer-urls"));
  const metricsText = get("listen-metrics-urls");
  const listenMetricsUrls = metricsText === "" ? [] : parseUrls("listen-metrics-urls", metricsText);
  if (typeof listenMetricsUrls === "string") return { kind: "error", message: listenMetricsUrls };
  const logger = get("logger");
  if (logger !== "zap" && logger !== "capnslog") return { kind: "error", message: `unknown logger option ${JSON.stringify(logger)}` };
  const logLevel = get("log-level");
  if (!["debug", "info", "warn", "error", "panic", "fatal"].includes(logLevel)) {
    return { kind: "error", message: `unknown log level ${JSON.stringify(logLevel)}` };
  }
  const advertiseClient = parseUrls("advertise-client-urls", get("advertise-client-urls"));
  const advertisePeer = parseUrls("initial-advertise-peer-urls", get("initial-advertise-peer-urls"));
  for (const urls of [listenClientUrls, listenClientHttpUrls, listenPeerUrls, advertiseClient, advertisePeer]) {
    if (typeof urls === "string") return { kind: "error", message: urls };
  }
  const peerUrls = (advertisePeer as URL[]).map(urlText);
  const clusterText = get("initial-cluster") || `${name}=${peerUrls.join(`,${name}=`)}`;
  const initialCluster = parseInitialCluster(clusterText);
  if (typeof initialCluster === "string") return { kind: "error", message: initialCluster };
  const own = initialCluster.get(name);
  if (own === undefined) {
    return { kind: "error", message: `couldn't find local name "${name}" in the initial cluster configuration` };
  }
  const state = get("initial-cluster-state");
  if (state !== "new" && state !== "existing") {
    return { kind: "error", message: `invalid value "${state}" for flag -initial-cluster-state: valid values are "new", "existing"` };
  }
  const mode = get("auto-compaction-mode");
  if (mode !== "periodic" && mode !== "revision") {
    return { kind: "error", message: `unknown auto-compaction-mode ${JSON.stringify(mode)}` };
  }
  const retention = get("auto-compaction-retention");
  try {
    parseRetention(mode, retention);
  } catch (err) {
    return { kind: "error", message: (err as Error).message };
  }
  const heartbeatIntervalMs = int("heartbeat-interval");
  const electionTimeoutMs = int("election-timeout");
  const timing = checkTiming(heartbeatIntervalMs, electionTimeoutMs);
  if (timing !== undefined) return { kind: "error", message: timing };
  for (const positive of ["max-request-bytes", "max-txn-ops", "snapshot-count"]) {
    if (int(positive) <= 0) return { kind: "error", message: `--${positive} must be positive` };
  }
  if (int("max-concurrent-streams") > MAX_UINT32) {
    const text = get("max-concurrent-streams");
    return { kind: "error", message: `invalid value "${text}" for flag -max-concurrent-streams: strconv.ParseUint: parsing "${text}": value out of range` };
  }
  const authToken = get("auth-token");
  const tokenKind = parseAuthToken(authToken);
  if (typeof tokenKind === "string") return { kind: "error", message: tokenKind };
  if (int("auth-token-ttl") <= 0) return { kind: "error", message: "--auth-token-ttl must be positive" };
  if (int("bcrypt-cost") < 4 || int("bcrypt-cost") > 31) {
    return { kind: "error", message: `invalid bcrypt-cost: ${get("bcrypt-cost")} (must be between 4 and 31)` };
  }
  const duration = (name: string): number => parseGoDurationMs(get(name))!;
  return {
    kind: "run",
    config: {
      name,
      dataDir: get("data-dir") || `${name}.tsetcd`,
      listenClientUrls: listenClientUrls as URL[],
      listenClientHttpUrls: listenClientHttpUrls as URL[],
      advertiseClientUrls: (advertiseClient as URL[]).map(urlText),
      listenPeerUrls: listenPeerUrls as URL[],
      listenMetricsUrls,
      logger,
      logLevel,
      logOutputs: get("log-outputs").split(",").map((o) => o.trim()).filter((o) => o !== ""),
      initialAdvertisePeerUrls: peerUrls,
      initialCluster,
      initialClusterState: state,
      initialClusterToken: get("initial-cluster-token"),
      authToken,
      authTokenTtlS: int("auth-token-ttl"),
      bcryptCost: int("bcrypt-cost"),
      heartbeatIntervalMs,
      electionTimeoutMs,
      snapshotCount: int("snapshot-count"),
      quotaBackendBytes: int("quota-backend-bytes"),
      maxRequestBytes: int("max-request-bytes"),
      maxTxnOps: int("max-txn-ops"),
      maxConcurrentStreams: int("max-concurrent-streams"),
      grpcKeepaliveMinTimeMs: duration("grpc-keepalive-min-time"),
      grpcKeepaliveIntervalMs: duration("grpc-keepalive-interval"),
      grpcKeepaliveTimeoutMs: duration("grpc-keepalive-timeout"),
      autoCompactionMode: mode,
      autoCompactionRetention: retention,
      initialCorruptCheck: get("experimental-initial-corrupt-check") === "true",
      corruptCheckTimeMs: duration("experimental-corrupt-check-time"),
      clientTls: tlsFlags(get, ""),
      peerTls: tlsFlags(get, "peer-"),
    },
  };
}

function tlsFlags(get: (name: string) => string, prefix: "" | "peer-"): TlsFlags {
  return {
    certFile: get(`${prefix}cert-file`),
    keyFile: get(`${prefix}key-file`),
    trustedCaFile: get(`${prefix}trusted-ca-file`),
    clientCertAuth: get(`${prefix}client-cert-auth`) === "true",
    autoTls: get(`${prefix}auto-tls`) === "true",
  };
}

function checkTiming(heartbeatMs: number, electionMs: number): string | undefined {
  if (heartbeatMs <= 0) return "--heartbeat-interval must be positive";
  if (electionMs > MAX_ELECTION_TIMEOUT_MS) {
    return `--election-timeout[${electionMs}ms] is too long, and should be set less than ${MAX_ELECTION_TIMEOUT_MS}ms`;
  }
  if (electionMs < 5 * heartbeatMs) {
    return `--election-timeout[${electionMs}ms] should be at least as 5 times as --heartbeat-interval[${heartbeatMs}ms]`;
  }
  return undefined;
}

/** A URL as etcd prints it: no trailing slash on a bare host. */
function urlText(url: URL): string {
  return `${url.protocol}//${url.host}`;
}

/** Parses a comma-separated list of http or https URLs with a host and port. */
export function parseUrls(flag: string, text: string): URL[] | string {
  const parts = text.split(",").map((s) => s.trim()).filter((s) => s !== "");
  if (parts.length === 0) return `--${flag}: no URL given`;
  const urls: URL[] = [];
  for (const part of parts) {
    let url: URL;
    try {
      url = new URL(part);
    } catch {
      return `--${flag}: invalid URL "${part}"`;
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") return `--${flag}: URL scheme must be http or https: "${part}"`;
    if (url.port === "") return `--${flag}: URL must have a port: "${part}"`;
    if (url.pathname !== "/" && url.pathname !== "") return `--${flag}: URL must not have a path: "${part}"`;
    urls.push(url);
  }
  return urls;
}

/** Parses `n1=http://a:2380,n1=http://b:2380,n2=http://c:2380` into name → URLs. */
export function parseInitialCluster(text: string): Map<string, string[]> | string {
  const out = new Map<string, string[]>();
  for (const item of text.split(",").map((s) => s.trim()).filter((s) => s !== "")) {
    const eq = item.indexOf("=");
    if (eq <= 0) return `--initial-cluster: expected name=url, got "${item}"`;
    const urls = parseUrls("initial-cluster", item.slice(eq + 1));
    if (typeof urls === "string") return urls;
    const name = item.slice(0, eq);
    out.set(name, [...(out.get(name) ?? []), ...urls.map(urlText)]);
  }
  if (out.size === 0) return "--initial-cluster: empty";
  return out;
}

/** The help text for `tsetcd server --help`. */
export function serverUsage(): string {
  const lines = ["Usage: tsetcd server [flags]", "", "Flags (also TSETCD_<FLAG> / ETCD_<FLAG> environment variables):"];
  for (const [name, spec] of Object.entries(FLAGS)) {
    if (name === "help") continue;
    const def = spec.kind === "bool" || spec.defaultValue === "" ? "" : ` (default ${JSON.stringify(spec.defaultValue)})`;
    lines.push(`  --${name}${def}`, `      ${spec.help}`);
  }
  return lines.join("\n");
}
