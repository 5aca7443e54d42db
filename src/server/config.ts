/**
 * `tsetcd server` configuration: etcd's flags, their defaults, and the TSETCD_* / ETCD_* environment.
 * Pure: arguments and environment in, a validated config (or a message for stderr) out.
 *
 * Flags are written as etcd (Go's flag package) takes them: `--name x`, `--name=x`, `-name x`; booleans
 * stand alone or take `=true|false`. Environment variables name a flag in upper case with `_` for `-`
 * (`ETCD_DATA_DIR`, `TSETCD_DATA_DIR`); a flag on the command line wins, then TSETCD_, then ETCD_.
 *
 * As etcd 3.4: `--config-file` (or ETCD_CONFIG_FILE / TSETCD_CONFIG_FILE) reads etcd's YAML file
 * (src/server/config_file.ts) and then every other flag and environment variable is ignored, though the
 * command line must still parse. An etcd flag tsetcd does not implement is refused by name, on the command
 * line, in the environment and in the file, unless its value changes nothing (src/server/etcd_flags.ts);
 * flag errors exit 2, as Go's.
 * @module
 */

import { readFileSync } from "node:fs";
import type { TlsFileNames } from "../tls/material.ts";
import { configFileValues } from "./config_file.ts";
import {
  BAD_FLAG_EXIT_CODE,
  ETCD_34_BOOL_FLAGS,
  ETCD_34_FLAGS,
  isHarmlessValue,
  undefinedFlagMessage,
  unsupportedFlagMessage,
} from "./etcd_flags.ts";
import { parseRetention } from "./compactor.ts";
import { parseAuthToken } from "../auth/jwt.ts";
import { parseGoDurationMs } from "./go_duration.ts";

/** A member's configuration after parsing and validation. */
export interface ServerConfig {
  name: string;
  dataDir: string;
  /** --wal-dir: where the Raft log database lives ("": in the data dir). */
  walDir: string;
  /** --max-snapshots: accepted and checked; tsetcd keeps one snapshot file whatever it says (see its help). */
  maxSnapshots: number;
  /** --max-wals: accepted and checked; the log is one database trimmed by --snapshot-count (see its help). */
  maxWals: number;
  /** --strict-reconfig-check: refuse a member add/remove/promote that could cost the cluster its quorum. */
  strictReconfigCheck: boolean;
  /** --force-new-cluster: restart from this data dir as a one-member cluster (src/server/force_new_cluster.ts). */
  forceNewCluster: boolean;
  /** --experimental-watch-progress-notify-interval: how often progress_notify watchers hear the revision. */
  watchProgressNotifyIntervalMs: number;
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

/** What the command line asks for. `configFile`: the file the config came from (flags and env ignored). */
export type ParsedArgs =
  | { kind: "run"; config: ServerConfig; configFile?: string }
  | { kind: "version" }
  | { kind: "help" }
  | { kind: "error"; message: string; exitCode: number };

/** Exit code of a configuration etcd parses but refuses (a bad value, a missing name). */
const INVALID_CONFIG_EXIT_CODE = 1;

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
  "wal-dir": { kind: "string", defaultValue: "", help: "Path to a dedicated directory for the Raft log database (raft.db); default: the data dir." },
  "max-snapshots": { kind: "int", defaultValue: "5", help: "Maximum number of snapshot files to retain (0 is unlimited). tsetcd keeps one (snapshot.db, replaced by the next), whatever the value." },
  "max-wals": { kind: "int", defaultValue: "5", help: "Maximum number of wal files to retain (0 is unlimited). tsetcd's log is one database (raft.db, in --wal-dir or the data dir), trimmed every --snapshot-count applied entries to the last few thousand (kept for followers to catch up), whatever the value." },
  "strict-reconfig-check": { kind: "bool", defaultValue: "true", help: "Reject reconfiguration requests that would cause quorum loss." },
  "force-new-cluster": { kind: "bool", defaultValue: "false", help: "Force to create a new one-member cluster from this data dir. Unlike etcd, the log's entries past the stored commit index are kept and committed, not discarded (a write may have been acknowledged after the last commit index was written)." },
  "config-file": { kind: "string", defaultValue: "", help: "Path to etcd's YAML server configuration file; when given, other command line flags and environment variables are ignored." },
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
  "experimental-watch-progress-notify-interval": { kind: "duration", defaultValue: "10m", help: "Duration of periodical watch progress notification." },
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

/** Where parseServerArgs reads a --config-file (tests give their own). */
export interface ParseOptions {
  readFile?: (path: string) => string;
}

/**
 * Parses `tsetcd server` arguments and environment (or the --config-file they name) into a validated config.
 * @example parseServerArgs(["--name", "n1", "--data-dir=/tmp/n1"], process.env)
 */
export function parseServerArgs(
  args: string[],
  env: Record<string, string | undefined>,
  options: ParseOptions = {},
): ParsedArgs {
  if (args.length > MAX_ARGS) return flagError(`too many arguments (${args.length})`);
  const fromArgs = readArgs(args);
  if (typeof fromArgs === "string") return flagError(fromArgs);
  if (fromArgs.get("version") === "true") return { kind: "version" };
  if (fromArgs.get("help") === "true") return { kind: "help" };
  const configFile = fromArgs.get("config-file") ?? envValue(env, "config-file") ?? "";
  const given = configFile === "" ? fromCommandLine(fromArgs, env) : fromFile(configFile, options);
  // etcd exits 1 for a configuration file it cannot use, 2 for a flag it cannot parse.
  if (typeof given === "string") return configFile === "" ? flagError(given) : configError(given);
  const values = new Map<string, string>();
  for (const [name, spec] of Object.entries(FLAGS)) {
    const value = given.get(name) ?? spec.defaultValue;
    const bad = checkKind(name, spec.kind, value);
    if (bad !== undefined) return flagError(bad);
    values.set(name, value);
  }
  const built = buildConfig(values);
  return configFile === "" || built.kind !== "run" ? built : { ...built, configFile };
}

function flagError(message: string): ParsedArgs {
  return { kind: "error", message, exitCode: BAD_FLAG_EXIT_CODE };
}

function configError(message: string): ParsedArgs {
  return { kind: "error", message, exitCode: INVALID_CONFIG_EXIT_CODE };
}

/** The flags given, then the environment: TSETCD_ over ETCD_. An unsupported etcd flag set there is refused. */
function fromCommandLine(fromArgs: Map<string, string>, env: Record<string, string | undefined>): Map<string, string> | string {
  const out = new Map<string, string>();
  for (const name of Object.keys(FLAGS)) {
    // --version/--help only from the command line: ETCD_VERSION is commonly set in etcd images.
    const fromEnv = name === "version" || name === "help" ? undefined : envValue(env, name);
    const value = fromArgs.get(name) ?? fromEnv;
    if (value !== undefined) out.set(name, value);
  }
  for (const name of ETCD_34_FLAGS) {
    if (FLAGS[name] !== undefined || name === "version") continue;
    const value = envValue(env, name);
    if (value !== undefined && value !== "" && !isHarmlessValue(name, value)) {
      return `${unsupportedFlagMessage(name, value)} (set in the environment)`;
    }
  }
  return out;
}

/** etcd 3.4's rule: a configuration file replaces every other flag and environment variable. */
function fromFile(path: string, options: ParseOptions): Map<string, string> | string {
  let text: string;
  try {
    text = (options.readFile ?? ((p: string) => readFileSync(p, "utf8")))(path);
  } catch (err) {
    return `--config-file: ${(err as Error).message}`;
  }
  const values = configFileValues(text, { kindOf: (name) => FLAGS[name]?.kind });
  return typeof values === "string" ? `--config-file ${path}: ${values}` : values;
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
    if (spec === undefined && !ETCD_34_FLAGS.has(name)) return undefinedFlagMessage(name);
    const isBool = spec === undefined ? ETCD_34_BOOL_FLAGS.has(name) : spec.kind === "bool";
    if (spec === undefined) {
      // An etcd flag tsetcd lacks: read its value as etcd would, then accept it only if it changes nothing.
      const value = eq >= 0 ? body.slice(eq + 1) : isBool ? "true" : args[++i];
      if (value === undefined) return `flag needs an argument: -${name}`;
      if (!isHarmlessValue(name, value)) return unsupportedFlagMessage(name, value);
      continue;
    }
    if (eq >= 0) {
      out.set(name, body.slice(eq + 1));
    } else if (isBool) {
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
  if (name === "") return configError("--name must not be empty");
  const listenClientUrls = parseUrls("listen-client-urls", get("listen-client-urls"));
  const httpText = get("listen-client-http-urls");
  const listenClientHttpUrls = httpText === "" ? [] : parseUrls("listen-client-http-urls", httpText);
  const listenPeerUrls = parseUrls("listen-peer-urls", get("listen-peer-urls"));
  const metricsText = get("listen-metrics-urls");
  const listenMetricsUrls = metricsText === "" ? [] : parseUrls("listen-metrics-urls", metricsText);
  if (typeof listenMetricsUrls === "string") return configError(listenMetricsUrls);
  const logger = get("logger");
  if (logger !== "zap" && logger !== "capnslog") return configError(`unknown logger option ${JSON.stringify(logger)}`);
  const logLevel = get("log-level");
  if (!["debug", "info", "warn", "error", "panic", "fatal"].includes(logLevel)) {
    return configError(`unknown log level ${JSON.stringify(logLevel)}`);
  }
  const advertiseClient = parseUrls("advertise-client-urls", get("advertise-client-urls"));
  const advertisePeer = parseUrls("initial-advertise-peer-urls", get("initial-advertise-peer-urls"));
  for (const urls of [listenClientUrls, listenClientHttpUrls, listenPeerUrls, advertiseClient, advertisePeer]) {
    if (typeof urls === "string") return configError(urls);
  }
  const peerUrls = (advertisePeer as URL[]).map(urlText);
  const clusterText = get("initial-cluster") || `${name}=${peerUrls.join(`,${name}=`)}`;
  const initialCluster = parseInitialCluster(clusterText);
  if (typeof initialCluster === "string") return configError(initialCluster);
  const own = initialCluster.get(name);
  if (own === undefined) {
    return configError(`couldn't find local name "${name}" in the initial cluster configuration`);
  }
  const state = get("initial-cluster-state");
  if (state !== "new" && state !== "existing") {
    return flagError(`invalid value "${state}" for flag -initial-cluster-state: valid values are "new", "existing"`);
  }
  const mode = get("auto-compaction-mode");
  if (mode !== "periodic" && mode !== "revision") {
    return configError(`unknown auto-compaction-mode ${JSON.stringify(mode)}`);
  }
  const retention = get("auto-compaction-retention");
  try {
    parseRetention(mode, retention);
  } catch (err) {
    return configError((err as Error).message);
  }
  const heartbeatIntervalMs = int("heartbeat-interval");
  const electionTimeoutMs = int("election-timeout");
  const timing = checkTiming(heartbeatIntervalMs, electionTimeoutMs);
  if (timing !== undefined) return configError(timing);
  for (const positive of ["max-request-bytes", "max-txn-ops", "snapshot-count"]) {
    if (int(positive) <= 0) return configError(`--${positive} must be positive`);
  }
  if (int("max-concurrent-streams") > MAX_UINT32) {
    const text = get("max-concurrent-streams");
    return flagError(`invalid value "${text}" for flag -max-concurrent-streams: strconv.ParseUint: parsing "${text}": value out of range`);
  }
  const authToken = get("auth-token");
  const tokenKind = parseAuthToken(authToken);
  if (typeof tokenKind === "string") return configError(tokenKind);
  if (int("auth-token-ttl") <= 0) return configError("--auth-token-ttl must be positive");
  if (int("bcrypt-cost") < 4 || int("bcrypt-cost") > 31) {
    return configError(`invalid bcrypt-cost: ${get("bcrypt-cost")} (must be between 4 and 31)`);
  }
  const duration = (name: string): number => parseGoDurationMs(get(name))!;
  // Go's time.NewTicker panics on a non-positive interval: etcd 3.4 takes 0 and crashes at the first watch.
  if (duration("experimental-watch-progress-notify-interval") <= 0) {
    return configError(`--experimental-watch-progress-notify-interval must be >0 (set to ${get("experimental-watch-progress-notify-interval")})`);
  }
  return {
    kind: "run",
    config: {
      name,
      dataDir: get("data-dir") || `${name}.tsetcd`,
      walDir: get("wal-dir"),
      maxSnapshots: int("max-snapshots"),
      maxWals: int("max-wals"),
      strictReconfigCheck: get("strict-reconfig-check") === "true",
      forceNewCluster: get("force-new-cluster") === "true",
      watchProgressNotifyIntervalMs: duration("experimental-watch-progress-notify-interval"),
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
    // A boolean's default is worth printing only when it is on (--strict-reconfig-check).
    const quiet = spec.defaultValue === "" || (spec.kind === "bool" && spec.defaultValue === "false");
    const def = quiet ? "" : ` (default ${JSON.stringify(spec.defaultValue)})`;
    lines.push(`  --${name}${def}`, `      ${spec.help}`);
  }
  lines.push(
    "",
    "Any other etcd 3.4 flag is refused (\"not supported by tsetcd\") unless its value changes nothing",
    "(--enable-v2=false, --proxy=off, an empty --cors), on the command line, in the environment and in",
    "--config-file; flag errors exit 2, as etcd's.",
  );
  return lines.join("\n");
}
