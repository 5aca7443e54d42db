import { test } from "uvu";
import * as assert from "uvu/assert";
import { parseServerArgs, parseInitialCluster } from "../../src/server/config.ts";
import { clusterIdFor, idHex, memberIdFor } from "../../src/server/ids.ts";

function run(args: string[], env: Record<string, string> = {}) {
  const parsed = parseServerArgs(args, env);
  if (parsed.kind !== "run") throw new Error(`expected a config, got ${JSON.stringify(parsed)}`);
  return parsed.config;
}

function error(args: string[], env: Record<string, string> = {}): string {
  const parsed = parseServerArgs(args, env);
  if (parsed.kind !== "error") throw new Error(`expected an error, got ${parsed.kind}`);
  return parsed.message;
}

test("defaults are etcd's", () => {
  const c = run([]);
  assert.is(c.name, "default");
  assert.is(c.dataDir, "default.tsetcd");
  assert.equal(c.listenClientUrls.map((u) => u.href), ["http://127.0.0.1:2379/"]);
  assert.equal(c.advertiseClientUrls, ["http://127.0.0.1:2379"]);
  assert.equal(c.initialAdvertisePeerUrls, ["http://127.0.0.1:2380"]);
  assert.equal([...c.initialCluster.entries()], [["default", ["http://127.0.0.1:2380"]]]);
  assert.is(c.heartbeatIntervalMs, 100);
  assert.is(c.electionTimeoutMs, 1000);
  assert.is(c.maxRequestBytes, 1572864);
  assert.is(c.maxTxnOps, 128);
  assert.is(c.initialClusterToken, "etcd-cluster");
  assert.is(c.initialClusterState, "new");
});

test("flag spellings: --a b, --a=b, -a b", () => {
  assert.is(run(["--name", "n1"]).name, "n1");
  assert.is(run(["--name=n2"]).name, "n2");
  assert.is(run(["-name", "n3"]).name, "n3");
  assert.is(run(["--name", "n1"]).dataDir, "n1.tsetcd");
  assert.is(run(["--data-dir", "/tmp/x"]).dataDir, "/tmp/x");
  assert.is(run(["--max-txn-ops=7"]).maxTxnOps, 7);
});

test("environment: ETCD_ and TSETCD_, flags win", () => {
  assert.is(run([], { ETCD_NAME: "e" }).name, "e");
  assert.is(run([], { ETCD_NAME: "e", TSETCD_NAME: "t" }).name, "t");
  assert.is(run(["--name", "f"], { ETCD_NAME: "e", TSETCD_NAME: "t" }).name, "f");
  assert.is(run([], { ETCD_DATA_DIR: "/d" }).dataDir, "/d");
  assert.is(run([], { ETCD_MAX_REQUEST_BYTES: "99" }).maxRequestBytes, 99);
  // Unrelated variables of the same prefix are ignored, ETCD_VERSION included.
  assert.is(run([], { ETCD_VERSION: "3.4.30", ETCD_UNKNOWN_THING: "x", TSETCD_ENDPOINTS: "http://a:1" }).name, "default");
});

test("unknown flags and bad values are errors", () => {
  assert.match(error(["--nope"]), "flag provided but not defined: -nope");
  assert.match(error(["--heartbeat-interval", "abc"]), "invalid value");
  assert.match(error(["--name"]), "flag needs an argument");
  assert.match(error(["stray"]), "unexpected argument");
  assert.match(error(["--listen-client-urls", "not a url"]), "invalid URL");
  assert.match(error(["--listen-client-urls", "http://127.0.0.1"]), "port");
  assert.match(error(["--initial-cluster-state", "maybe"]), "initial-cluster-state");
  assert.match(error(["--election-timeout", "200"]), "at least as 5 times");
  assert.match(error(["--max-txn-ops", "0"]), "positive");
  assert.match(error(["--auto-compaction-mode", "weekly"]), "auto-compaction-mode");
  assert.match(error(["--auto-compaction-mode", "revision", "--auto-compaction-retention", "1h"]), "retention");
  assert.match(error(["--auto-compaction-retention", "soon"]), "retention");
  assert.is(run(["--auto-compaction-retention", "90m"]).autoCompactionRetention, "90m");
  assert.is(run(["--auto-tls"]).clientTls.autoTls, true);
  assert.is(run(["--peer-auto-tls"]).peerTls.autoTls, true);
  assert.is(run([]).peerTls.autoTls, false);
  assert.match(error(["--listen-client-urls", "ftp://127.0.0.1:1"]), "URL scheme must be http or https");
  const tls = run(["--cert-file", "/c.pem", "--key-file=/k.pem", "--client-cert-auth", "--peer-trusted-ca-file", "/ca.pem"]);
  assert.equal(tls.clientTls, { certFile: "/c.pem", keyFile: "/k.pem", trustedCaFile: "", clientCertAuth: true, autoTls: false });
  assert.equal(tls.peerTls, { certFile: "", keyFile: "", trustedCaFile: "/ca.pem", clientCertAuth: false, autoTls: false });
  assert.equal(run([], { ETCD_PEER_CLIENT_CERT_AUTH: "true" }).peerTls.clientCertAuth, true);
  assert.is(run(["--listen-client-urls", "https://127.0.0.1:1"]).listenClientUrls[0]!.protocol, "https:");
  assert.match(error(["--name", "x", "--initial-cluster", "y=http://127.0.0.1:1"]), "couldn't find local name");
  assert.match(error([], { ETCD_SNAPSHOT_COUNT: "-1" }), "invalid value");
});

test("--version and --help", () => {
  assert.is(parseServerArgs(["--version"], {}).kind, "version");
  assert.is(parseServerArgs(["--help"], {}).kind, "help");
});

test("initial cluster parsing groups URLs by name", () => {
  const c = parseInitialCluster("a=http://h:1,a=http://h:2,b=http://h:3");
  assert.ok(typeof c !== "string");
  assert.equal(c.get("a"), ["http://h:1", "http://h:2"]);
  assert.equal(c.get("b"), ["http://h:3"]);
  assert.type(parseInitialCluster("nonsense"), "string");
});

test("ids derive as etcd's: the default member and cluster", () => {
  // etcd's well-known ids for its defaults (peer http://localhost:2380, token etcd-cluster).
  const member = memberIdFor(["http://localhost:2380"], "etcd-cluster");
  assert.is(idHex(member), "8e9e05c52164694d");
  assert.is(idHex(clusterIdFor([member])), "cdf818194e3a8c32");
  // Order of URLs and members does not matter; the token does.
  assert.is(memberIdFor(["http://b:1", "http://a:1"], "t"), memberIdFor(["http://a:1", "http://b:1"], "t"));
  assert.is.not(memberIdFor(["http://a:1"], "t1"), memberIdFor(["http://a:1"], "t2"));
  assert.is(clusterIdFor([1n, 2n]), clusterIdFor([2n, 1n]));
  assert.throws(() => clusterIdFor([]));
});

test.run();
