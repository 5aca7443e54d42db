/**
 * Every flag etcd 3.4's server takes (its `etcd --help`, plus the few it hides: --config-file,
 * --enable-grpc-gateway, --experimental-enable-lease-checkpoint-persist, --log-output, --unsafe-no-fsync,
 * --version), so `tsetcd server` can tell a flag etcd has but we do not implement ("not supported by
 * tsetcd") from one etcd does not have either (Go's "flag provided but not defined").
 *
 * An unsupported flag is accepted only with a value that asks for nothing tsetcd lacks: `--enable-v2=false`,
 * `--proxy=off`, an empty `--cors`, a proxy timeout while the proxy is off (etcd's sample configuration
 * file sets many of these). Any other value is refused by name, never ignored.
 *
 * The list was taken from etcd 3.4.23; test/server/config_flags_test.ts checks it against the installed
 * etcd and checks every name either parses or is refused as unsupported.
 * @module
 */

/** Every flag name etcd 3.4 accepts, without dashes. */
export const ETCD_34_FLAGS: ReadonlySet<string> = new Set([
  // Member
  "name", "data-dir", "wal-dir", "snapshot-count", "heartbeat-interval", "election-timeout",
  "initial-election-tick-advance", "listen-peer-urls", "listen-client-urls", "max-snapshots", "max-wals",
  "quota-backend-bytes", "backend-batch-interval", "backend-batch-limit", "max-txn-ops", "max-request-bytes",
  "max-concurrent-streams", "grpc-keepalive-min-time", "grpc-keepalive-interval", "grpc-keepalive-timeout",
  // Clustering
  "initial-advertise-peer-urls", "initial-cluster", "initial-cluster-state", "initial-cluster-token",
  "advertise-client-urls", "discovery", "discovery-fallback", "discovery-proxy", "discovery-srv",
  "discovery-srv-name", "strict-reconfig-check", "pre-vote", "auto-compaction-retention", "auto-compaction-mode",
  "enable-v2",
  // Security
  "cert-file", "key-file", "client-cert-auth", "client-crl-file", "client-cert-allowed-hostname", "trusted-ca-file",
  "auto-tls", "peer-cert-file", "peer-key-file", "peer-client-cert-auth", "peer-trusted-ca-file",
  "peer-cert-allowed-cn", "peer-cert-allowed-hostname", "peer-auto-tls", "peer-crl-file", "cipher-suites", "cors",
  "host-whitelist",
  // Auth
  "auth-token", "bcrypt-cost", "auth-token-ttl",
  // Profiling and monitoring
  "enable-pprof", "metrics", "listen-metrics-urls",
  // Logging
  "logger", "log-outputs", "log-level",
  // v2 proxy
  "proxy", "proxy-failure-wait", "proxy-refresh-interval", "proxy-dial-timeout", "proxy-write-timeout",
  "proxy-read-timeout",
  // Experimental
  "experimental-initial-corrupt-check", "experimental-corrupt-check-time", "experimental-enable-v2v3",
  "experimental-backend-bbolt-freelist-type", "experimental-enable-lease-checkpoint",
  "experimental-compaction-batch-limit", "experimental-peer-skip-client-san-verification",
  "experimental-watch-progress-notify-interval", "experimental-warning-apply-duration",
  // Unsafe
  "force-new-cluster",
  // To be deprecated
  "debug", "log-package-levels",
  // Not in --help, but defined
  "config-file", "enable-grpc-gateway", "experimental-enable-lease-checkpoint-persist", "log-output",
  "unsafe-no-fsync", "version",
]);

/** etcd 3.4's boolean flags: they stand alone on a command line (`--debug` is `--debug=true`). */
export const ETCD_34_BOOL_FLAGS: ReadonlySet<string> = new Set([
  "initial-election-tick-advance", "strict-reconfig-check", "pre-vote", "enable-v2", "client-cert-auth", "auto-tls",
  "peer-client-cert-auth", "peer-auto-tls", "enable-pprof", "experimental-initial-corrupt-check",
  "experimental-enable-lease-checkpoint", "experimental-enable-lease-checkpoint-persist",
  "experimental-peer-skip-client-san-verification", "force-new-cluster", "debug", "enable-grpc-gateway",
  "unsafe-no-fsync", "version",
]);

const off = (value: string): boolean => value === "false";
const empty = (value: string): boolean => value.trim() === "";
const any = (): boolean => true;

/**
 * For unsupported flags: the values under which tsetcd already does what etcd would (a feature left off,
 * an empty list, or a setting of a feature that is itself refused unless off).
 */
const HARMLESS: Record<string, (value: string) => boolean> = {
  "enable-v2": off,
  "enable-pprof": off,
  "debug": off,
  "unsafe-no-fsync": off,
  "experimental-peer-skip-client-san-verification": off,
  // tsetcd always serves the JSON gateway and always runs pre-vote.
  "enable-grpc-gateway": (value) => value === "true",
  "pre-vote": (value) => value === "true",
  "proxy": (value) => value === "off",
  // Only read with --proxy on or with --discovery, both refused.
  "proxy-failure-wait": any,
  "proxy-refresh-interval": any,
  "proxy-dial-timeout": any,
  "proxy-write-timeout": any,
  "proxy-read-timeout": any,
  "discovery-fallback": any,
  "discovery": empty,
  "discovery-proxy": empty,
  "discovery-srv": empty,
  "discovery-srv-name": empty,
  "client-crl-file": empty,
  "peer-crl-file": empty,
  "client-cert-allowed-hostname": empty,
  "peer-cert-allowed-cn": empty,
  "peer-cert-allowed-hostname": empty,
  "cipher-suites": empty,
  "cors": empty,
  "host-whitelist": empty,
  "experimental-enable-v2v3": empty,
  "log-package-levels": empty,
  "log-output": empty,
};

/** True when an unsupported etcd flag's value asks for nothing tsetcd lacks (so it may be accepted). */
export function isHarmlessValue(name: string, value: string): boolean {
  return HARMLESS[name]?.(value) ?? false;
}

/** The exit code of etcd (Go's flag package) for a flag it cannot parse. */
export const BAD_FLAG_EXIT_CODE = 2;

/** The refusal of an etcd flag tsetcd does not implement (with a value that would change something). */
export function unsupportedFlagMessage(name: string, value?: string): string {
  const given = value === undefined ? "" : `=${value}`;
  return `etcd flag not supported by tsetcd: -${name}${given}`;
}

/** Go's refusal of a flag etcd does not have either. */
export function undefinedFlagMessage(name: string): string {
  return `flag provided but not defined: -${name}`;
}
