/**
 * --strict-reconfig-check (etcd's default true) on the leader's membership checks, with etcd 3.4.23's
 * answers for the same sequence (run against real etcd: a one-member cluster, `member add b` accepted,
 * `member add c` "re-configuration failed due to not enough started members", `member add l --learner`
 * "unhealthy cluster"); =false lets every one of them through to the proposal. In-process, no network.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Cluster } from "../../src/server/cluster.ts";
import type { Member } from "../../src/server/member.ts";
import { MemberRegistry } from "../../src/server/members.ts";
import { openDatabase } from "../../src/storage/sqlite_bun.ts";
import { ConfChangeType, type ConfChange } from "../../src/raft/mod.ts";

const SELF = 1n;

/** A leader whose proposals apply at once to the registry; `active` are the peers connected now. */
function leader(strict: boolean | undefined, active: Set<bigint>) {
  const dir = mkdtempSync(join(tmpdir(), "tsetcd-strict-"));
  const db = openDatabase(join(dir, "state.db"), { durable: false });
  const registry = new MemberRegistry(db);
  registry.put({ ID: SELF, name: "a", peerURLs: ["http://127.0.0.1:21690"], clientURLs: ["http://127.0.0.1:21691"] });
  const proposed: ConfChange[] = [];
  const member = {
    info: () => ({ isLeader: true, leader: SELF, term: 2 }),
    proposeConfChange: async (cc: ConfChange, context: { name: string; peerURLs: string[]; isLearner: boolean }) => {
      proposed.push(cc);
      if (cc.type === ConfChangeType.RemoveNode) registry.remove(cc.nodeId);
      else registry.put({ ID: cc.nodeId, name: context.name, peerURLs: context.peerURLs, clientURLs: [], isLearner: context.isLearner });
      return registry.list();
    },
  } as unknown as Member;
  const cluster = new Cluster({
    member,
    registry,
    memberId: SELF,
    clusterId: 9n,
    request: () => Promise.reject(new Error("no peers in this test")),
    isPeerActive: (id) => active.has(id),
    requestTimeoutMs: 1_000,
    transferTimeoutMs: 1_000,
    ...(strict === undefined ? {} : { strictReconfigCheck: strict }),
  });
  const close = (): void => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  };
  return { cluster, registry, proposed, close };
}

async function outcome(call: Promise<unknown>): Promise<string> {
  try {
    await call;
    return "ok";
  } catch (err) {
    return (err as Error).message;
  }
}

const url = (port: number): string[] => [`http://127.0.0.1:${port}`];

test("strict (the default): etcd's refusals, in etcd's order", async () => {
  const t = leader(undefined, new Set());
  try {
    assert.is(await outcome(t.cluster.memberAdd({ peerURLs: url(21692) })), "ok"); // 1 -> 2 voters: always allowed
    assert.is(await outcome(t.cluster.memberAdd({ peerURLs: url(21694) })),
      "etcdserver: re-configuration failed due to not enough started members");
    assert.is(await outcome(t.cluster.memberAdd({ peerURLs: url(21696), isLearner: true })), "etcdserver: unhealthy cluster");
    assert.is(t.proposed.length, 1);
    // Once the new voter started and is connected, the next voter may come.
    const b = t.registry.list().find((m) => m.ID !== SELF)!;
    t.registry.put({ ...b, name: "b", clientURLs: url(21693) });
    const connected = leader(undefined, new Set([b.ID]));
    connected.registry.put({ ...b, name: "b", clientURLs: url(21693) });
    assert.is(await outcome(connected.cluster.memberAdd({ peerURLs: url(21694) })), "ok");
    // Three voters, two of them unreachable: removing one would leave a quorum of one out of two.
    const c = connected.registry.list().find((m) => m.peerURLs[0] === url(21694)[0])!;
    const down = leader(undefined, new Set());
    for (const m of connected.registry.list()) down.registry.put(m);
    assert.is(await outcome(down.cluster.memberRemove({ ID: c.ID })),
      "etcdserver: re-configuration failed due to not enough started members");
    assert.is(down.proposed.length, 0);
    connected.close();
    down.close();
  } finally {
    t.close();
  }
});

test("--strict-reconfig-check=false: the same requests are proposed", async () => {
  const t = leader(false, new Set());
  try {
    assert.is(await outcome(t.cluster.memberAdd({ peerURLs: url(21692) })), "ok");
    assert.is(await outcome(t.cluster.memberAdd({ peerURLs: url(21694) })), "ok");
    assert.is(await outcome(t.cluster.memberAdd({ peerURLs: url(21696), isLearner: true })), "ok");
    const c = t.registry.list().find((m) => m.peerURLs[0] === url(21694)[0])!;
    assert.is(await outcome(t.cluster.memberRemove({ ID: c.ID })), "ok");
    assert.equal(t.proposed.map((cc) => cc.type), [
      ConfChangeType.AddNode,
      ConfChangeType.AddNode,
      ConfChangeType.AddLearnerNode,
      ConfChangeType.RemoveNode,
    ]);
  } finally {
    t.close();
  }
});

test.run();
