/**
 * Auth state is replicated and durable: users, roles and the enabled flag survive a restart, a leader
 * change, a snapshot save and restore, and reach a follower that catches up from a Raft snapshot; a token
 * issued by one member works on another; a follower refuses a token's request once the leader revoked the
 * permission or changed the password (the follower's read waits for the change to apply, then checks).
 * In-process members on loopback, peer ports 28200–28219.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeCbor } from "../../src/codec/cbor.ts";
import { saveSnapshotTo } from "../../src/client/maintenance.ts";
import { restoreSnapshot } from "../../src/server/restore.ts";
import { startServer, type TsetcdServer } from "../../src/server/mod.ts";
import { SnapshotStore } from "../../src/server/snapshots.ts";
import { followersOf, leaderOf, startCluster, waitFor } from "../server/cluster_helpers.ts";
import { AuthRpcs, KvRpcs, READWRITE, send, type Rpc, type Target } from "./matrix.ts";

const FAST = { bcryptCost: 4 };
const DENIED = "etcdserver: permission denied";

function targetOf(server: TsetcdServer): Target {
  return { httpUrl: server.clientUrl, grpcEndpoint: "" };
}

async function ok(server: TsetcdServer, rpc: Rpc, token?: string): Promise<Record<string, unknown>> {
  const outcome = await send("json", targetOf(server), rpc, token);
  assert.is(outcome.message, "ok", `${rpc.gateway} ${JSON.stringify(rpc.body)}`);
  return outcome.response!;
}

async function answer(server: TsetcdServer, rpc: Rpc, token?: string): Promise<string> {
  return (await send("json", targetOf(server), rpc, token)).message;
}

/** root, a role "kr" with READWRITE on prefix /k/, alice holding it, auth on. */
async function setUp(server: TsetcdServer): Promise<void> {
  for (const rpc of [
    AuthRpcs.userAdd("root", "rootpw"),
    AuthRpcs.grantRole("root", "root"),
    AuthRpcs.roleAdd("kr"),
    AuthRpcs.grantPermission("kr", READWRITE, "/k/", "/k0"),
    AuthRpcs.userAdd("alice", "alicepw"),
    AuthRpcs.grantRole("alice", "kr"),
    AuthRpcs.enable(),
  ]) await ok(server, rpc);
}

async function login(server: TsetcdServer, user: string, password: string): Promise<string> {
  return String((await ok(server, AuthRpcs.authenticate(user, password))).token);
}

/** What a member says about the auth state: enabled (a token-less read is refused), users, alice's roles. */
async function authState(server: TsetcdServer): Promise<string> {
  const anonymous = await answer(server, KvRpcs.range("/k/x"));
  const root = await login(server, "root", "rootpw");
  const users = (await ok(server, AuthRpcs.userList(), root)).users;
  const roles = (await ok(server, AuthRpcs.userGet("alice"), root)).roles;
  const perms = ((await ok(server, AuthRpcs.roleGet("kr"), root)).perm as unknown[]).length;
  return JSON.stringify({ anonymous, users, roles, perms });
}

const EXPECTED_STATE = JSON.stringify({
  anonymous: "etcdserver: user name is empty",
  users: ["alice", "root"],
  roles: ["kr"],
  perms: 1,
});

test("a restart keeps users, roles, permissions and the enabled flag; old tokens are gone", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tsetcd-auth-restart-"));
  const options = {
    name: "a1",
    dataDir: join(dir, "a1"),
    listenClientUrls: ["http://127.0.0.1:0"],
    listenPeerUrls: ["http://127.0.0.1:28200"],
    initialAdvertisePeerUrls: ["http://127.0.0.1:28200"],
    initialCluster: new Map([["a1", ["http://127.0.0.1:28200"]]]),
    ...FAST,
  };
  let server = await startServer(options);
  try {
    await setUp(server);
    const token = await login(server, "alice", "alicepw");
    await ok(server, KvRpcs.put("/k/x"), token);
    assert.is(await authState(server), EXPECTED_STATE);
    await server.close();
    server = await startServer(options);
    assert.is(await authState(server), EXPECTED_STATE);
    // Simple tokens live in memory, as etcd's: a restarted member no longer knows the old one.
    assert.is(await answer(server, KvRpcs.range("/k/x"), token), "etcdserver: invalid auth token");
    assert.is(await answer(server, KvRpcs.range("/k/x"), await login(server, "alice", "alicepw")), "ok");
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("snapshot save and restore keep users, roles and the enabled flag", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tsetcd-auth-snapshot-"));
  const peer = "http://127.0.0.1:28201";
  const base = { listenClientUrls: ["http://127.0.0.1:0"], listenPeerUrls: [peer], initialAdvertisePeerUrls: [peer], ...FAST };
  let server = await startServer({ ...base, name: "s1", dataDir: join(dir, "s1"), initialCluster: new Map([["s1", [peer]]]) });
  try {
    await setUp(server);
    const root = await login(server, "root", "rootpw");
    const alice = await login(server, "alice", "alicepw");
    const url = server.clientUrl;
    const open = (token: string | undefined) => () =>
      fetch(`${url}/v3/maintenance/snapshot`, {
        method: "POST",
        headers: { "content-type": "application/cbor", ...(token === undefined ? {} : { authorization: token }) },
        body: encodeCbor({}),
      });
    // Only root may take a snapshot (the maintenance service's own text).
    const refused = await saveSnapshotTo(open(alice), join(dir, "denied.db")).then(() => "saved", (e) => String(e.message));
    assert.match(refused, "auth: permission denied");
    await saveSnapshotTo(open(root), join(dir, "backup.db"));
    await server.close();
    await restoreSnapshot({
      snapshotPath: join(dir, "backup.db"),
      dataDir: join(dir, "r1"),
      name: "r1",
      initialCluster: `r1=${peer}`,
      initialClusterToken: "restored",
      initialAdvertisePeerUrls: peer,
      skipHashCheck: false,
    });
    server = await startServer({ ...base, name: "r1", dataDir: join(dir, "r1"), initialCluster: new Map([["r1", [peer]]]) });
    assert.is(await authState(server), EXPECTED_STATE);
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("three members: tokens work anywhere, a follower refuses after a revoke or a password change, a leader change and a snapshot catch-up keep the state", async () => {
  const cluster = await startCluster(["m1", "m2", "m3"], 28205, { ...FAST, snapshotCount: 20 });
  try {
    const leader = leaderOf(cluster)!;
    await setUp(leader);
    const [follower, other] = followersOf(cluster);
    // A token issued through the leader works on a follower at once (it waits for the entry if it must).
    const alice = await login(leader, "alice", "alicepw");
    assert.is(await answer(follower!, KvRpcs.put("/k/x"), alice), "ok");
    assert.is(await answer(follower!, KvRpcs.range("/k/x"), alice), "ok");
    assert.is(await answer(follower!, KvRpcs.range("/z"), alice), DENIED);
    // The leader revokes the permission: the follower refuses the same token's read right after.
    const root = await login(leader, "root", "rootpw");
    await ok(leader, AuthRpcs.revokePermission("kr", "/k/", "/k0"), root);
    assert.is(await answer(follower!, KvRpcs.range("/k/x"), alice), DENIED);
    assert.is(await answer(other!, KvRpcs.put("/k/y"), alice), DENIED);
    await ok(leader, AuthRpcs.grantPermission("kr", READWRITE, "/k/", "/k0"), root);
    assert.is(await answer(follower!, KvRpcs.range("/k/x"), alice), "ok");
    // A password change drops the user's tokens on every member.
    await ok(leader, AuthRpcs.changePassword("alice", "alicepw"), root);
    assert.is(await answer(follower!, KvRpcs.range("/k/x"), alice), "etcdserver: invalid auth token");

    // A member that was down catches up from a snapshot (the log was compacted past what it had).
    const downName = [...cluster.servers.entries()].find(([, s]) => s === other)![0];
    await other!.close();
    cluster.servers.delete(downName);
    const root2 = await login(leader, "root", "rootpw");
    await ok(leader, AuthRpcs.userAdd("carol", "carolpw"), root2);
    await ok(leader, AuthRpcs.grantRole("carol", "kr"), root2);
    for (let i = 0; i < 120; i++) await ok(leader, KvRpcs.put(`/k/n${i}`), root2);
    // Count snapshot installs in this process: only the restarted member can install one.
    const install = SnapshotStore.prototype.install;
    let installs = 0;
    SnapshotStore.prototype.install = function (this: SnapshotStore, ...args: Parameters<typeof install>) {
      installs++;
      return install.apply(this, args);
    };
    let back: TsetcdServer;
    try {
      back = await cluster.start(downName, FAST);
      await waitFor(() => back.member.info().applied >= leader.member.info().applied, 10_000, "the restarted member did not catch up");
    } finally {
      SnapshotStore.prototype.install = install;
    }
    assert.ok(installs >= 1, "the member caught up from the log, not from a snapshot");
    const carol = await login(back, "carol", "carolpw");
    assert.is(await answer(back, KvRpcs.range("/k/n1"), carol), "ok");

    // A leader change: the new leader has everything.
    const leaderName = [...cluster.servers.entries()].find(([, s]) => s === leader)![0];
    await leader.close();
    cluster.servers.delete(leaderName);
    await waitFor(() => [...cluster.servers.values()].some((s) => s.member.info().isLeader), 10_000, "no new leader");
    const next = [...cluster.servers.values()].find((s) => s.member.info().isLeader)!;
    assert.ok(next !== leader);
    const state = JSON.parse(await authState(next));
    assert.equal(state, { ...JSON.parse(EXPECTED_STATE), users: ["alice", "carol", "root"] });
  } finally {
    await cluster.destroy();
  }
});

test.run();
