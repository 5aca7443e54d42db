/**
 * Every flag etcd 3.4 takes either parses with etcd's meaning or is refused by name as not supported by
 * tsetcd (exit 2, as etcd's bad flags); flags etcd does not have keep Go's "flag provided but not defined".
 * Parse only: no server starts here.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { flagNames, parseServerArgs, serverUsage } from "../../src/server/config.ts";
import { ETCD_34_BOOL_FLAGS, ETCD_34_FLAGS, isHarmlessValue } from "../../src/server/etcd_flags.ts";
import { spawnSync } from "node:child_process";
import { etcdBinary } from "../helpers/etcd.ts";

/** The flags of kubeadm's etcd static-pod manifest (kubeadm 1.2x), paths as kubeadm writes them. */
const KUBEADM_ARGS = [
  "--advertise-client-urls=https://10.0.0.5:2379",
  "--cert-file=/etc/kubernetes/pki/etcd/server.crt",
  "--client-cert-auth=true",
  "--data-dir=/var/lib/etcd",
  "--experimental-initial-corrupt-check=true",
  "--experimental-watch-progress-notify-interval=5s",
  "--initial-advertise-peer-urls=https://10.0.0.5:2380",
  "--initial-cluster=cp1=https://10.0.0.5:2380",
  "--key-file=/etc/kubernetes/pki/etcd/server.key",
  "--listen-client-urls=https://127.0.0.1:2379,https://10.0.0.5:2379",
  "--listen-metrics-urls=http://127.0.0.1:2381",
  "--listen-peer-urls=https://10.0.0.5:2380",
  "--name=cp1",
  "--peer-cert-file=/etc/kubernetes/pki/etcd/peer.crt",
  "--peer-client-cert-auth=true",
  "--peer-key-file=/etc/kubernetes/pki/etcd/peer.key",
  "--peer-trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt",
  "--snapshot-count=10000",
  "--trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt",
  "--initial-cluster-state=new",
];

/** etcd flags tsetcd implements (every one must parse); the rest of ETCD_34_FLAGS must be refused. */
const SUPPORTED = new Set([
  "name", "data-dir", "wal-dir", "snapshot-count", "heartbeat-interval", "election-timeout", "listen-peer-urls",
  "listen-client-urls", "max-snapshots", "max-wals", "quota-backend-bytes", "max-txn-ops", "max-request-bytes",
  "max-concurrent-streams", "grpc-keepalive-min-time", "grpc-keepalive-interval", "grpc-keepalive-timeout",
  "initial-advertise-peer-urls", "initial-cluster", "initial-cluster-state", "initial-cluster-token",
  "advertise-client-urls", "strict-reconfig-check", "auto-compaction-retention", "auto-compaction-mode",
  "cert-file", "key-file", "client-cert-auth", "trusted-ca-file", "auto-tls", "peer-cert-file", "peer-key-file",
  "peer-client-cert-auth", "peer-trusted-ca-file", "peer-auto-tls", "auth-token", "bcrypt-cost", "auth-token-ttl",
  "listen-metrics-urls", "logger", "log-outputs", "log-level", "experimental-initial-corrupt-check",
  "experimental-corrupt-check-time", "experimental-watch-progress-notify-interval", "force-new-cluster",
  "config-file", "version",
]);

/** A value each supported flag accepts (booleans stand alone). */
const SAMPLE: Record<string, string | undefined> = {
  "name": "default", "data-dir": "/tmp/x", "wal-dir": "/tmp/w", "snapshot-count": "5", "heartbeat-interval": "100",
  "election-timeout": "1000", "listen-peer-urls": "http://127.0.0.1:2380", "listen-client-urls": "http://127.0.0.1:2379",
  "max-snapshots": "0", "max-wals": "0", "quota-backend-bytes": "1024", "max-txn-ops": "3", "max-request-bytes": "10",
  "max-concurrent-streams": "9", "grpc-keepalive-min-time": "1s", "grpc-keepalive-interval": "1m",
  "grpc-keepalive-timeout": "2s", "initial-advertise-peer-urls": "http://127.0.0.1:2380",
  "initial-cluster": "default=http://127.0.0.1:2380", "initial-cluster-state": "existing", "initial-cluster-token": "t",
  "advertise-client-urls": "http://127.0.0.1:2379", "auto-compaction-retention": "1", "auto-compaction-mode": "periodic",
  "cert-file": "/c", "key-file": "/k", "trusted-ca-file": "/ca", "peer-cert-file": "/c", "peer-key-file": "/k",
  "peer-trusted-ca-file": "/ca", "auth-token": "simple", "bcrypt-cost": "4", "auth-token-ttl": "5",
  "listen-metrics-urls": "http://127.0.0.1:2381", "logger": "zap", "log-outputs": "stderr", "log-level": "warn",
  "experimental-corrupt-check-time": "1m", "experimental-watch-progress-notify-interval": "1s",
};

test("the list is etcd 3.4's: 86 flags, each a plain name", () => {
  assert.is(ETCD_34_FLAGS.size, 86);
  for (const name of ETCD_34_FLAGS) assert.match(name, /^[a-z][a-z0-9-]*$/);
  for (const name of SUPPORTED) assert.ok(ETCD_34_FLAGS.has(name), `${name} is not an etcd 3.4 flag`);
});

/** Runs the real etcd 3.4 (it exits at once on these arguments); its stderr's first line and exit code. */
function realEtcd(args: string[]): { line: string; code: number | null } {
  const run = spawnSync(etcdBinary(), args, { encoding: "utf8", timeout: 10_000 });
  return { line: `${run.stderr}${run.stdout}`.split("\n")[0]!, code: run.status };
}

test("the list is what the installed etcd 3.4 takes: its --help, plus the flags it hides", () => {
  assert.match(realEtcd(["--version"]).line, /^etcd Version: 3\.4\./);
  const help = spawnSync(etcdBinary(), ["--help"], { encoding: "utf8", timeout: 10_000 });
  const listed = new Set([...`${help.stdout}${help.stderr}`.matchAll(/^\s+--([a-z0-9-]+)/gm)].map((m) => m[1]!));
  assert.is(listed.size, 80);
  for (const name of listed) assert.ok(ETCD_34_FLAGS.has(name), `etcd --help lists --${name}`);
  const hidden = [...ETCD_34_FLAGS].filter((name) => !listed.has(name)).sort();
  assert.equal(hidden, ["config-file", "enable-grpc-gateway", "experimental-enable-lease-checkpoint-persist", "log-output", "unsafe-no-fsync", "version"]);
  // Each hidden flag is defined in etcd: a bad value is a bad value, not an unknown flag.
  for (const name of ["enable-grpc-gateway", "experimental-enable-lease-checkpoint-persist", "unsafe-no-fsync", "version"]) {
    assert.equal(realEtcd([`--${name}=zz`]), { line: `invalid boolean value "zz" for -${name}: parse error`, code: 2 });
  }
  // The boolean ones are etcd's booleans (they stand alone on tsetcd's command line too).
  for (const name of ETCD_34_BOOL_FLAGS) {
    assert.equal(realEtcd([`--${name}=zz`]), { line: `invalid boolean value "zz" for -${name}: parse error`, code: 2 });
  }
  // And what etcd does not define, it refuses as tsetcd does.
  for (const name of ["no-such-flag", "ca-file", "peer-ca-file"]) {
    assert.equal(realEtcd([`--${name}=1`]), { line: `flag provided but not defined: -${name}`, code: 2 });
  }
});

test("every etcd 3.4 flag tsetcd implements parses", () => {
  for (const name of SUPPORTED) {
    if (name === "version" || name === "config-file") continue;
    const value = SAMPLE[name];
    const args = value === undefined ? [`--${name}`] : [`--${name}`, value];
    const parsed = parseServerArgs(args, {});
    assert.is(parsed.kind, "run", `--${name}: ${JSON.stringify(parsed)}`);
  }
  assert.is(parseServerArgs(["--version"], {}).kind, "version");
});

test("every other etcd 3.4 flag is refused by name, exit 2, unless its value changes nothing", () => {
  const refused = [...ETCD_34_FLAGS].filter((name) => !SUPPORTED.has(name));
  assert.is(refused.length, ETCD_34_FLAGS.size - SUPPORTED.size);
  assert.ok(refused.length >= 35, `only ${refused.length} refused`);
  let anyValue = 0;
  for (const name of refused) {
    const bool = ETCD_34_BOOL_FLAGS.has(name);
    const harmful = (bool ? ["true", "false"] : ["x", "1"]).find((v) => !isHarmlessValue(name, v));
    if (harmful === undefined) {
      // Read only by a feature that is itself refused (--proxy on, --discovery): any value is accepted.
      assert.is(parseServerArgs([`--${name}=x`], {}).kind, "run", name);
      anyValue++;
      continue;
    }
    const forms = [[`--${name}=${harmful}`], bool ? (harmful === "true" ? [`--${name}`] : []) : [`-${name}`, harmful]];
    for (const args of forms.filter((f) => f.length > 0)) {
      const parsed = parseServerArgs([...args, "--name", "n"], {});
      if (parsed.kind !== "error") throw new Error(`${args.join(" ")} was accepted`);
      assert.is(parsed.message, `etcd flag not supported by tsetcd: -${name}=${harmful}`);
      assert.is(parsed.exitCode, 2);
    }
    // Not silently ignored in the environment either (an empty value is no setting).
    const env = `ETCD_${name.toUpperCase().replaceAll("-", "_")}`;
    const fromEnv = parseServerArgs([], { [env]: harmful });
    if (fromEnv.kind !== "error") throw new Error(`${env}=${harmful} was ignored`);
    assert.match(fromEnv.message, `not supported by tsetcd: -${name}=${harmful} (set in the environment)`);
    assert.is(parseServerArgs([], { [env]: "" }).kind, "run");
    // The value that asks for nothing tsetcd lacks, where there is one, is accepted.
    const harmless = (bool ? ["true", "false"] : ["", "off"]).find((v) => isHarmlessValue(name, v));
    if (harmless !== undefined) assert.is(parseServerArgs([`--${name}=${harmless}`], {}).kind, "run", `${name}=${harmless}`);
  }
  assert.is(anyValue, 6); // the five proxy timeouts and --discovery-fallback
  assert.is(parseServerArgs(["--enable-v2=false", "--proxy", "off", "--cors=", "--debug=false"], {}).kind, "run");
  // tsetcd's own flags are not etcd 3.4's, and are not refused.
  for (const name of flagNames().filter((n) => !ETCD_34_FLAGS.has(n))) {
    assert.ok(["listen-client-http-urls", "help"].includes(name), `${name}: neither etcd's nor known`);
  }
});

test("flags etcd does not have keep Go's message and etcd's exit code", () => {
  for (const name of ["no-such-flag", "ca-file", "peer-ca-file", "experimental-memory-mlock", "socket-reuse-port"]) {
    const parsed = parseServerArgs([`--${name}=1`], {});
    if (parsed.kind !== "error") throw new Error(`--${name} was accepted`);
    assert.is(parsed.message, `flag provided but not defined: -${name}`);
    assert.is(parsed.exitCode, 2);
  }
  // A bad value of a known flag is a flag error too (Go's flag package), a bad combination a config error.
  const badBool = parseServerArgs(["--strict-reconfig-check=maybe"], {});
  assert.equal(badBool.kind === "error" && [badBool.message, badBool.exitCode], [
    `invalid boolean value "maybe" for -strict-reconfig-check: parse error`,
    2,
  ]);
  const badCombo = parseServerArgs(["--election-timeout", "200"], {});
  assert.is(badCombo.kind === "error" && badCombo.exitCode, 1);
});

test("kubeadm's etcd manifest parses with etcd's meaning", () => {
  const parsed = parseServerArgs(KUBEADM_ARGS, {});
  if (parsed.kind !== "run") throw new Error(JSON.stringify(parsed));
  const c = parsed.config;
  assert.is(c.name, "cp1");
  assert.is(c.dataDir, "/var/lib/etcd");
  assert.equal(c.advertiseClientUrls, ["https://10.0.0.5:2379"]);
  assert.equal(c.listenClientUrls.map((u) => u.host), ["127.0.0.1:2379", "10.0.0.5:2379"]);
  assert.equal(c.listenMetricsUrls.map(String), ["http://127.0.0.1:2381/"]);
  assert.equal(c.listenPeerUrls.map(String), ["https://10.0.0.5:2380/"]);
  assert.equal(c.initialAdvertisePeerUrls, ["https://10.0.0.5:2380"]);
  assert.equal([...c.initialCluster], [["cp1", ["https://10.0.0.5:2380"]]]);
  assert.is(c.initialClusterState, "new");
  assert.is(c.snapshotCount, 10_000);
  assert.is(c.initialCorruptCheck, true);
  assert.is(c.watchProgressNotifyIntervalMs, 5_000);
  assert.equal(c.clientTls, {
    certFile: "/etc/kubernetes/pki/etcd/server.crt",
    keyFile: "/etc/kubernetes/pki/etcd/server.key",
    trustedCaFile: "/etc/kubernetes/pki/etcd/ca.crt",
    clientCertAuth: true,
    autoTls: false,
  });
  assert.equal(c.peerTls, {
    certFile: "/etc/kubernetes/pki/etcd/peer.crt",
    keyFile: "/etc/kubernetes/pki/etcd/peer.key",
    trustedCaFile: "/etc/kubernetes/pki/etcd/ca.crt",
    clientCertAuth: true,
    autoTls: false,
  });
});

test("--wal-dir, --max-snapshots, --max-wals, --strict-reconfig-check, --force-new-cluster: etcd's defaults", () => {
  const run = (args: string[], env: Record<string, string> = {}) => {
    const parsed = parseServerArgs(args, env);
    if (parsed.kind !== "run") throw new Error(JSON.stringify(parsed));
    return parsed.config;
  };
  const d = run([]);
  assert.equal([d.walDir, d.maxSnapshots, d.maxWals, d.strictReconfigCheck, d.forceNewCluster], ["", 5, 5, true, false]);
  assert.is(d.watchProgressNotifyIntervalMs, 600_000);
  const c = run(["--wal-dir", "/w", "--max-snapshots=0", "--max-wals", "9", "--strict-reconfig-check=false", "--force-new-cluster"]);
  assert.equal([c.walDir, c.maxSnapshots, c.maxWals, c.strictReconfigCheck, c.forceNewCluster], ["/w", 0, 9, false, true]);
  assert.is(run([], { ETCD_STRICT_RECONFIG_CHECK: "false" }).strictReconfigCheck, false);
  assert.is(run([], { ETCD_WAL_DIR: "/e" }).walDir, "/e");
  const zero = parseServerArgs(["--experimental-watch-progress-notify-interval=0s"], {});
  assert.match(zero.kind === "error" ? zero.message : "", "must be >0");
  const negative = parseServerArgs(["--max-wals=-1"], {});
  assert.is(negative.kind === "error" && negative.exitCode, 2);
});

test("--help names every flag, the on-by-default ones with their default, and the refusal rule", () => {
  const usage = serverUsage();
  for (const name of flagNames().filter((n) => n !== "help")) assert.match(usage, `\n  --${name}`);
  assert.match(usage, `--strict-reconfig-check (default "true")`);
  assert.not.match(usage, `--force-new-cluster (default`);
  assert.match(usage, "Unlike etcd, the log's entries past the stored commit index are kept");
  assert.match(usage, "Any other etcd 3.4 flag is refused");
});

test.run();
