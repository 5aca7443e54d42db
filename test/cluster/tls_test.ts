/**
 * A 3-member cluster with mutual TLS on client and peer URLs (--client-cert-auth, --peer-client-cert-auth,
 * the test CA in test/fixtures/tls): clients with the CA and a client cert write, read and watch through any
 * member; leases are kept alive through a follower (forwarded to the leader over TLS); a member down while the
 * log is compacted catches up from a snapshot streamed over TLS. Refused: a client without a cert, a client
 * that does not trust the CA, and a member whose peer cert another CA signed (it is cut off, not merged).
 * With --auto-tls and --peer-auto-tls each member makes its own certificates, keeps them across restarts,
 * and serves clients that skip verification; a client that verifies is refused.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { runCliCaptured as cli } from "../helpers/cli.ts";
import { LeaseClient } from "../../src/client/lease.ts";
import { connect } from "../../src/client/mod.ts";
import { SNAPSHOT_FILE } from "../../src/server/snapshots.ts";
import { readPem } from "../../src/tls/material.ts";
import { type MemberSlot, type ProcessCluster, TLS_FIXTURES, withCluster } from "./harness.ts";
import { localSnapshot } from "./workload.ts";

const SNAPSHOT_COUNT = 100;
const KEYS_WHILE_DOWN = 300;
/** How long a member with an untrusted peer cert is watched for signs that it joined anyway. */
const ISOLATION_WATCH_MS = 3_000;


function fixture(name: string): string {
  return join(TLS_FIXTURES, name);
}

async function checkClients(cluster: ProcessCluster, slots: MemberSlot[]): Promise<void> {
  const [m0, m1, m2] = slots as [MemberSlot, MemberSlot, MemberSlot];
  const tls = cluster.clientTls!;
  const client = connect({ endpoints: [m0.clientUrl], tls });
  const watcher = connect({ endpoints: [m1.clientUrl], tls });
  const abort = new AbortController();
  const events = watcher.watch("tls/", { prefix: true, signal: abort.signal })[Symbol.asyncIterator]();
  const first = events.next();
  const put = await client.put("tls/a", "1");
  // A linearizable read on another member confirms its read index with the leader over peer TLS.
  const read = await connect({ endpoints: [m2.clientUrl], tls }).get("tls/a");
  assert.is(new TextDecoder().decode(read.kvs[0]!.value), "1");
  const event = await first;
  assert.is(event.done, false);
  assert.is(Number(event.value!.kv.mod_revision), Number(put.header.revision));
  abort.abort();

  // Keep-alive through each member: a follower forwards it to the leader's https client URL.
  const lease = await new LeaseClient(client).grant(30);
  for (const slot of slots) {
    const kept = await new LeaseClient(connect({ endpoints: [slot.clientUrl], tls })).keepAliveOnce(lease.ID);
    assert.is(kept.TTL, 30, `keep-alive through ${slot.name}`);
  }

  // The CLI with etcdctl's flags, and without the client certificate.
  const creds = [`--cacert=${fixture("ca.pem")}`, `--cert=${fixture("client.pem")}`, `--key=${fixture("client-key.pem")}`];
  const put2 = await cli([`--endpoints=${m2.clientUrl}`, ...creds, "put", "tls/b", "2"]);
  assert.is(put2.code, 0, put2.err);
  assert.is(put2.out, "OK\n");
  const get = await cli([`--endpoints=${m0.clientUrl}`, ...creds, "get", "tls/", "--prefix"]);
  assert.is(get.out, "tls/a\n1\ntls/b\n2\n");
  const noCert = await cli([`--endpoints=${m0.clientUrl}`, `--cacert=${fixture("ca.pem")}`, "--command-timeout=2s", "get", "tls/a"]);
  assert.is.not(noCert.code, 0, "a client without a certificate was served");
  assert.is(noCert.out, "");
  const otherCa = connect({ endpoints: [m0.clientUrl], commandTimeoutMs: 2_000, tls: { ...tls, ca: readPem(fixture("other-ca.pem")) } });
  let refused = false;
  await otherCa.get("tls/a").catch(() => (refused = true));
  assert.ok(refused, "a client that does not trust the members' CA was served");
}

test("mutual TLS on client and peer URLs: serve, forward, snapshot over TLS, refuse strangers", async () => {
  await withCluster({ size: 3, basePort: 30640, snapshotCount: SNAPSHOT_COUNT, tls: true }, async (cluster) => {
    const slots = cluster.slots;
    for (const slot of slots) assert.match(slot.clientUrl, /^https:/);
    await checkClients(cluster, slots);

    // A follower down while the log is compacted catches up from a snapshot streamed over peer TLS. (Not
    // the leader: a put in flight to a dying leader may time out, and this test is not about elections.)
    const leader0 = await cluster.waitForLeader();
    const m2 = slots.find((s) => s !== leader0)!;
    await cluster.kill(m2);
    const client = connect({ endpoints: [leader0.clientUrl], tls: cluster.clientTls! });
    for (let i = 0; i < KEYS_WHILE_DOWN; i++) await client.put(`tls/down/${i}`, `d${i}`);

    // With a peer certificate from another CA it is cut off: it learns nothing while the others go on.
    m2.extraArgs = ["--peer-cert-file", fixture("other.pem"), "--peer-key-file", fixture("other-key.pem")];
    cluster.restart(m2);
    const isolatedUntil = Date.now() + ISOLATION_WATCH_MS;
    while (Date.now() < isolatedUntil) {
      await client.put("tls/while-isolated", String(Date.now()));
      const status = await cluster.status(m2);
      const leaderIndex = (await cluster.status(leader0))!.raftIndex;
      assert.ok(status === undefined || status.raftAppliedIndex < leaderIndex, "an untrusted member caught up");
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await cluster.kill(m2);
    assert.not.ok(existsSync(join(m2.dataDir, SNAPSHOT_FILE)), "the untrusted member received a snapshot");

    m2.extraArgs = [];
    cluster.restart(m2);
    const leader = await cluster.waitForLeader(20_000);
    await cluster.waitForApplied((await cluster.status(leader))!.raftIndex, slots, 30_000);
    const snapshot = await localSnapshot(m2.clientUrl, "tls/down/", cluster.clientTls);
    for (let i = 0; i < KEYS_WHILE_DOWN; i++) assert.is(snapshot.get(`tls/down/${i}`), `d${i}`, `tls/down/${i}`);
    assert.ok(existsSync(join(m2.dataDir, SNAPSHOT_FILE)), "the member caught up without a snapshot");
  });
});

test("--auto-tls and --peer-auto-tls: generated certificates, kept across a restart", async () => {
  await withCluster({ size: 3, basePort: 30660, tls: "auto" }, async (cluster) => {
    const [m0, m1, m2] = cluster.slots as [MemberSlot, MemberSlot, MemberSlot];
    const put = await cli([`--endpoints=${m0.clientUrl}`, "--insecure-skip-tls-verify", "put", "auto/a", "1"]);
    assert.is(put.code, 0, put.err);
    const get = await cli([`--endpoints=${m1.clientUrl}`, "--insecure-skip-tls-verify", "get", "auto/a", "--print-value-only"]);
    assert.is(get.out, "1\n", get.err);
    const verifying = await cli([`--endpoints=${m1.clientUrl}`, "--command-timeout=2s", "get", "auto/a"]);
    assert.is.not(verifying.code, 0, "a client verifying the self-signed certificate was served");

    const certPath = join(m2.dataDir, "fixtures", "client", "cert.pem");
    const peerCertPath = join(m2.dataDir, "fixtures", "peer", "cert.pem");
    const before = [readFileSync(certPath, "utf8"), readFileSync(peerCertPath, "utf8")];
    assert.match(before[0]!, /^-----BEGIN CERTIFICATE-----\n/);
    assert.is.not(before[0], readFileSync(join(m0.dataDir, "fixtures", "client", "cert.pem"), "utf8"), "members share a key");
    await cluster.kill(m2);
    cluster.restart(m2);
    await cluster.waitForLeader(20_000);
    assert.equal([readFileSync(certPath, "utf8"), readFileSync(peerCertPath, "utf8")], before, "certificates changed on restart");
    const put2 = await cli([`--endpoints=${m0.clientUrl}`, "--insecure-skip-tls-verify", "put", "auto/b", "2"]);
    assert.is(put2.code, 0, put2.err);
    const leader = await cluster.waitForLeader();
    await cluster.waitForApplied((await cluster.status(leader))!.raftIndex, cluster.slots);
    const local = await localSnapshot(m2.clientUrl, "auto/", cluster.clientTls);
    assert.equal([...local.entries()].sort(), [["auto/a", "1"], ["auto/b", "2"]]);
  });
});

test.run();
