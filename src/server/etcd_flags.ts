/**
 * Every flag etcd 3.4's server takes (its `etcd --help`, plus the few it hides: --config-file,
 * --enable-grpc-gateway, --experimental-enable-lease-checkpoint-persist, --log-output, --unsafe-no-fsync,
 * --version), so `tsetcd server` can tell a flag etcd has but we do not implement ("not supported by
 * tsetcd") from one etcd does not have either (Go's "flag provided but not defined").
 *
 * The list was taken from etcd 3.4.23; test/server/config_flags_test.ts checks every name either parses
 * or is refused as unsupported.
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

/** The exit code of etcd (Go's flag package) for a flag it cannot parse. */
export const BAD_FLAG_EXIT_CODE = 2;

/** The refusal of an etcd flag tsetcd does not implement. */
export function unsupportedFlagMessage(name: string): string {
  return `etcd flag not supported by tsetcd: -${name}`;
}

/** Go's refusal of a flag etcd does not have either. */
export function undefinedFlagMessage(name: string): string {
  return `flag provided but not defined: -${name}`;
}
