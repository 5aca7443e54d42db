/**
 * --config-file: etcd's YAML configuration (embed.Config's keys) gives the same config the flags would;
 * with a file, every other flag and environment variable is ignored (etcd 3.4's rule), and a key tsetcd
 * cannot honour is refused. Parse only: the files are given in memory.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { parseServerArgs, type ParsedArgs } from "../../src/server/config.ts";

/**
 * A file as an etcd 3.4 operator writes it (etcd.conf.yml.sample's keys and layout); etcd 3.4.23 starts on
 * it (local paths and URLs swapped in) but for grpc-keepalive-interval, a Go string it refuses and we take.
 */
const ETCD_SAMPLE = `
# This is the configuration file for the etcd server.
name: 'infra1'
data-dir: /var/lib/etcd/infra1
wal-dir: /var/lib/etcd-wal/infra1
snapshot-count: 10000
heartbeat-interval: 100
election-timeout: 1000
quota-backend-bytes: 0
listen-peer-urls: https://10.0.1.10:2380
listen-client-urls: https://10.0.1.10:2379,https://127.0.0.1:2379
max-snapshots: 5
max-wals: 5
initial-advertise-peer-urls: https://10.0.1.10:2380
advertise-client-urls: https://10.0.1.10:2379
initial-cluster: infra1=https://10.0.1.10:2380,infra2=https://10.0.1.11:2380
initial-cluster-token: 'etcd-cluster-1'
initial-cluster-state: 'new'
strict-reconfig-check: false
listen-metrics-urls: http://127.0.0.1:2381
experimental-watch-progress-notify-interval: 5000000000
grpc-keepalive-min-time: 10000000000
grpc-keepalive-interval: 1h
client-transport-security:
  cert-file: /etc/etcd/server.pem
  key-file: /etc/etcd/server-key.pem
  client-cert-auth: true
  trusted-ca-file: /etc/etcd/ca.pem
  auto-tls: false
peer-transport-security:
  cert-file: /etc/etcd/peer.pem
  key-file: /etc/etcd/peer-key.pem
  client-cert-auth: true
  trusted-ca-file: /etc/etcd/ca.pem
logger: zap
log-outputs: [stderr]
log-level: warn
force-new-cluster: false
auto-compaction-mode: periodic
auto-compaction-retention: "1"
`;

function parse(args: string[], files: Record<string, string>, env: Record<string, string> = {}): ParsedArgs {
  return parseServerArgs(args, env, {
    readFile: (path) => {
      const text = files[path];
      if (text === undefined) throw new Error(`ENOENT: no such file or directory, open '${path}'`);
      return text;
    },
  });
}

function run(args: string[], files: Record<string, string>, env: Record<string, string> = {}) {
  const parsed = parse(args, files, env);
  if (parsed.kind !== "run") throw new Error(`expected a config, got ${JSON.stringify(parsed)}`);
  return parsed;
}

function refusal(files: Record<string, string>): { message: string; exitCode: number } {
  const parsed = parse(["--config-file", "/c.yml"], files);
  if (parsed.kind !== "error") throw new Error(`expected a refusal, got ${parsed.kind}`);
  return parsed;
}

test("etcd's sample file gives the config its flags would", () => {
  const parsed = run(["--config-file", "/etc/etcd.yml"], { "/etc/etcd.yml": ETCD_SAMPLE });
  assert.is(parsed.configFile, "/etc/etcd.yml");
  const c = parsed.config;
  assert.is(c.name, "infra1");
  assert.is(c.dataDir, "/var/lib/etcd/infra1");
  assert.is(c.walDir, "/var/lib/etcd-wal/infra1");
  assert.is(c.snapshotCount, 10_000);
  assert.equal(c.listenClientUrls.map((u) => u.host), ["10.0.1.10:2379", "127.0.0.1:2379"]);
  assert.equal(c.advertiseClientUrls, ["https://10.0.1.10:2379"]);
  assert.equal([...c.initialCluster.keys()], ["infra1", "infra2"]);
  assert.is(c.initialClusterToken, "etcd-cluster-1");
  assert.is(c.strictReconfigCheck, false);
  assert.equal(c.listenMetricsUrls.map(String), ["http://127.0.0.1:2381/"]);
  // Durations are Go's time.Duration in nanoseconds, as etcd reads the file; a Go string is taken too.
  assert.is(c.watchProgressNotifyIntervalMs, 5_000);
  assert.is(c.grpcKeepaliveMinTimeMs, 10_000);
  assert.is(c.grpcKeepaliveIntervalMs, 3_600_000); // "1h": etcd would refuse the string, tsetcd takes it
  assert.equal(c.clientTls, {
    certFile: "/etc/etcd/server.pem",
    keyFile: "/etc/etcd/server-key.pem",
    trustedCaFile: "/etc/etcd/ca.pem",
    clientCertAuth: true,
    autoTls: false,
  });
  assert.equal(c.peerTls, {
    certFile: "/etc/etcd/peer.pem",
    keyFile: "/etc/etcd/peer-key.pem",
    trustedCaFile: "/etc/etcd/ca.pem",
    clientCertAuth: true,
    autoTls: false,
  });
  assert.is(c.logger, "zap");
  assert.equal(c.logOutputs, ["stderr"]);
  assert.is(c.logLevel, "warn");
  assert.is(c.autoCompactionRetention, "1");
});

test("with a file, other flags and the environment are ignored; ETCD_CONFIG_FILE names one too", () => {
  const files = { "/c.yml": "name: fromfile\n" };
  const c = run(["--config-file=/c.yml", "--name", "fromflag", "--snapshot-count", "7"], files, {
    ETCD_NAME: "fromenv",
    ETCD_MAX_TXN_OPS: "3",
  }).config;
  assert.is(c.name, "fromfile");
  assert.is(c.snapshotCount, 100_000); // the default, not the flag's 7
  assert.is(c.maxTxnOps, 128); // nor the environment's 3
  assert.is(c.dataDir, "fromfile.tsetcd");
  assert.is(run([], files, { ETCD_CONFIG_FILE: "/c.yml", ETCD_NAME: "e" }).config.name, "fromfile");
  assert.is(run([], files, { TSETCD_CONFIG_FILE: "/c.yml" }).configFile, "/c.yml");
  // The command line must still parse: an unknown flag is an error, file or not.
  const bad = parse(["--config-file=/c.yml", "--nope"], files);
  assert.equal(bad.kind === "error" && [bad.message, bad.exitCode], ["flag provided but not defined: -nope", 2]);
  // An empty file is etcd's defaults.
  assert.is(run(["--config-file", "/e.yml"], { "/e.yml": "" }).config.name, "default");
});

test("keys tsetcd cannot honour are refused, exit 1 as etcd's bad configuration", () => {
  const unknown = refusal({ "/c.yml": "name: a\nbogus-key: 1\n" });
  assert.match(unknown.message, `unknown key "bogus-key" in the configuration file`);
  assert.is(unknown.exitCode, 1);
  assert.match(refusal({ "/c.yml": "discovery-srv: example.com\n" }).message, "etcd flag not supported by tsetcd: -discovery-srv");
  assert.match(refusal({ "/c.yml": "unsafe-no-fsync: true\n" }).message, "not supported by tsetcd: -unsafe-no-fsync");
  assert.match(refusal({ "/c.yml": "client-transport-security:\n  crl-file: /x\n" }).message, `unknown key "client-transport-security.crl-file"`);
  // The TLS flags live in the maps in etcd's file; at the top level they are not etcd keys.
  assert.match(refusal({ "/c.yml": "cert-file: /x\n" }).message, `unknown key "cert-file"`);
  assert.match(refusal({ "/c.yml": "version: true\n" }).message, `unknown key "version"`);
});

/** Every key etcd 3.4's etcd.conf.yml.sample sets, with its values (empty ones left empty). */
function sampleLike(enableV2: boolean, enablePprof: boolean): string {
  return [
    "name: 'default'", "data-dir:", "wal-dir:", "snapshot-count: 10000", "heartbeat-interval: 100",
    "election-timeout: 1000", "quota-backend-bytes: 0", "listen-peer-urls: http://localhost:2380",
    "listen-client-urls: http://localhost:2379", "max-snapshots: 5", "max-wals: 5", "cors:",
    "initial-advertise-peer-urls: http://localhost:2380", "advertise-client-urls: http://localhost:2379",
    "discovery:", "discovery-fallback: 'proxy'", "discovery-proxy:", "discovery-srv:", "initial-cluster:",
    "initial-cluster-token: 'etcd-cluster'", "initial-cluster-state: 'new'", "strict-reconfig-check: false",
    `enable-v2: ${enableV2}`, `enable-pprof: ${enablePprof}`, "proxy: 'off'", "proxy-failure-wait: 5000",
    "proxy-refresh-interval: 30000", "proxy-dial-timeout: 1000", "proxy-write-timeout: 5000", "proxy-read-timeout: 0",
    "client-transport-security:", "  cert-file:", "  key-file:", "  client-cert-auth: false", "  trusted-ca-file:",
    "  auto-tls: false", "peer-transport-security:", "  cert-file:", "  key-file:", "  client-cert-auth: false",
    "  trusted-ca-file:", "  auto-tls: false", "debug: false", "logger: zap", "log-outputs: [stderr]",
    "force-new-cluster: false", "auto-compaction-mode: periodic", `auto-compaction-retention: "1"`, "",
  ].join("\n");
}

test("etcd's sample file: its unsupported keys pass empty or off, and enable-v2/enable-pprof on are refused", () => {
  const v2 = refusal({ "/c.yml": sampleLike(true, true) });
  assert.equal([v2.message, v2.exitCode], ["--config-file /c.yml: etcd flag not supported by tsetcd: -enable-v2=true", 1]);
  assert.match(refusal({ "/c.yml": sampleLike(false, true) }).message, "not supported by tsetcd: -enable-pprof=true");
  const c = run(["--config-file", "/c.yml"], { "/c.yml": sampleLike(false, false) }).config;
  assert.is(c.name, "default");
  assert.is(c.dataDir, "default.tsetcd"); // `data-dir:` left empty: the default, as etcd's
  assert.is(c.strictReconfigCheck, false);
  assert.equal(c.listenClientUrls.map((u) => u.host), ["localhost:2379"]);
  assert.is(c.clientTls.certFile, "");
  // A value that asks for something tsetcd lacks is still refused, in the file as on the command line.
  assert.match(refusal({ "/c.yml": "proxy: 'on'\n" }).message, "not supported by tsetcd: -proxy=on");
  assert.match(refusal({ "/c.yml": "cipher-suites: [TLS_AES_128_GCM_SHA256]\n" }).message, "-cipher-suites=TLS_AES_128_GCM_SHA256");
});

test("bad files and values are refused with the key's name", () => {
  assert.match(refusal({ "/c.yml": "name: [unclosed\n" }).message, "error converting YAML to JSON");
  assert.match(refusal({ "/c.yml": "- a\n- b\n" }).message, "must be a YAML mapping");
  assert.match(refusal({ "/c.yml": "snapshot-count: many\n" }).message, "snapshot-count: expected a non-negative integer");
  assert.match(refusal({ "/c.yml": "strict-reconfig-check: 'yes'\n" }).message, "strict-reconfig-check: expected true or false");
  assert.match(refusal({ "/c.yml": "peer-transport-security: /x\n" }).message, "peer-transport-security must be a mapping");
  assert.match(refusal({ "/c.yml": "election-timeout: 200\n" }).message, "at least as 5 times");
  assert.match(refusal({ "/c.yml": "grpc-keepalive-min-time: soon\n" }).message, `invalid value "soon" for flag -grpc-keepalive-min-time`);
  const missing = parse(["--config-file", "/nowhere.yml"], {});
  assert.match(missing.kind === "error" ? missing.message : "", "--config-file: ENOENT");
});

test.run();
