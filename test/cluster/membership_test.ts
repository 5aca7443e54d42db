/**
 * Membership under load on real processes: add a learner (a new process started with
 * `--initial-cluster-state existing`), promote it once it has caught up (etcd's error before), remove an
 * old member, move the leader to the new member — all while clients write. Nothing acknowledged is lost,
 * the history stays linearizable, and `endpoint status --cluster -w table` lists the final members.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { runCliCaptured as cliOutput } from "../helpers/cli.ts";
import { connect } from "../../src/client/mod.ts";
import { ProcessCluster } from "./harness.ts";
import { assertNothingLost, Workload } from "./workload.ts";

const NOT_IN_SYNC = "etcdserver: can only promote a learner member which is in sync with leader";
const PROMOTE_TIMEOUT_MS = 30_000;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}


test("add a learner, promote after catch-up, remove an old member, move the leader, under load", async () => {
  const cluster = new ProcessCluster({ size: 3, basePort: 30240 });
  let workload: Workload | undefined;
  try {
    await cluster.start();
    const original = [...cluster.slots];
    workload = new Workload({ endpoints: original.map((s) => s.clientUrl), clients: 6, sharedKeys: 8, prefix: "mem/" });
    workload.start();
    await sleep(1_500);
    const admin = connect({ endpoints: original.map((s) => s.clientUrl), commandTimeoutMs: 5_000 });

    // 1. add a learner; promoting it before it even runs is refused with etcd's error.
    const joiner = cluster.addSlot("m3");
    const endpointsFlag = `--endpoints=${original.map((s) => s.clientUrl).join(",")}`;
    const add = await cliOutput([endpointsFlag, "member", "add", "m3", `--peer-urls=${joiner.peerUrl}`, "--learner"]);
    assert.is(add.code, 0, add.err);
    const addedLine = /^Member ([0-9a-f ]{16}) added to cluster ([0-9a-f ]{16})\n\n/.exec(add.out);
    assert.ok(addedLine !== null, add.out);
    const joinerId = BigInt(`0x${addedLine[1]!.trim()}`);
    assert.ok(add.out.includes(`ETCD_NAME="m3"\n`), add.out);
    assert.ok(add.out.includes(`m3=${joiner.peerUrl}`), add.out);
    assert.ok(add.out.endsWith(`ETCD_INITIAL_ADVERTISE_PEER_URLS="${joiner.peerUrl}"\nETCD_INITIAL_CLUSTER_STATE="existing"\n`), add.out);
    const listed = await admin.memberList();
    assert.is(listed.members.length, 4);
    assert.is(listed.members.find((m) => m.ID === joinerId)?.isLearner, true, "the added member is not a learner");
    const early = await cliOutput([endpointsFlag, "member", "promote", joinerId.toString(16)]);
    assert.is(early.err, `Error: ${NOT_IN_SYNC}\n`);
    assert.is(early.code, 1);

    // 2. start it with --initial-cluster-state existing; promote once it has caught up.
    cluster.restart(joiner, "existing", cluster.initialCluster());
    const promoteDeadlineMs = Date.now() + PROMOTE_TIMEOUT_MS;
    let promoted = false;
    let refusals = 0;
    while (!promoted && Date.now() < promoteDeadlineMs) {
      try {
        await admin.memberPromote({ ID: joinerId });
        promoted = true;
      } catch (error) {
        assert.is(errorText(error), NOT_IN_SYNC, "promotion failed with another error");
        refusals++;
        await sleep(300);
      }
    }
    assert.ok(promoted, `learner not promoted within ${PROMOTE_TIMEOUT_MS} ms`);
    const afterPromote = await admin.memberList();
    const joinerEntry = afterPromote.members.find((m) => m.ID === joinerId);
    assert.ok(joinerEntry !== undefined && joinerEntry.isLearner !== true, "promoted member still a learner");

    // 3. remove an old follower; a removed etcd member shuts itself down.
    const leader = await cluster.waitForLeader(15_000, original);
    const removed = original.find((s) => s !== leader)!;
    const removedId = (await cluster.status(removed))!.header.member_id;
    const removal = await cliOutput([`--endpoints=${leader.clientUrl}`, "member", "remove", removedId.toString(16)]);
    assert.is(removal.err, "");
    assert.match(removal.out, new RegExp(`^Member ${removedId.toString(16).padStart(16, " ")} removed from cluster [0-9a-f ]{16}\\n$`));
    const survivors = connect({
      endpoints: cluster.slots.filter((s) => s !== removed).map((s) => s.clientUrl),
      commandTimeoutMs: 5_000,
    });
    const afterRemove = await survivors.memberList();
    assert.is(afterRemove.members.length, 3);
    assert.ok(afterRemove.members.every((m) => m.ID !== removedId));
    // A timer cleared at once, not sleep(): a pending one would hold the process open for the rest of it.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<string>((resolve) => (timer = setTimeout(() => resolve("still running"), 15_000)));
    const exit = await Promise.race([removed.exited!, late]);
    clearTimeout(timer);
    assert.ok(exit !== "still running", "the removed member did not stop");
    const remaining = cluster.slots.filter((s) => s !== removed);

    // 4. move the leader to the new member.
    const currentLeader = await cluster.waitForLeader(15_000, remaining);
    if (currentLeader !== joiner) {
      const leaderId = (await cluster.status(currentLeader))!.header.member_id;
      const moved = await cliOutput([`--endpoints=${remaining.map((s) => s.clientUrl).join(",")}`, "move-leader", joinerId.toString(16)]);
      assert.is(moved.err, "");
      assert.is(moved.out, `Leadership transferred from ${leaderId.toString(16)} to ${joinerId.toString(16)}\n`);
    }
    const finalLeader = await cluster.waitForLeader(15_000, remaining);
    assert.is(finalLeader.name, joiner.name, "leadership did not move to the new member");
    await sleep(1_500);
    await workload.stop();

    // 5. nothing lost on any remaining member; the history is linearizable.
    const leaderStatus = (await cluster.status(finalLeader))!;
    await cluster.waitForApplied(leaderStatus.raftIndex, remaining);
    await workload.finalReads(finalLeader.clientUrl);
    await assertNothingLost(workload, remaining, "mem/");

    // 6. the CLI sees the final membership.
    const status = await cliOutput([`--endpoints=${finalLeader.clientUrl}`, "endpoint", "status", "--cluster", "-w", "table"]);
    assert.is(status.code, 0, status.err);
    const rows = status.out.split("\n").filter((l) => l.startsWith("| http://"));
    assert.is(rows.length, 3, status.out);
    assert.is(rows.filter((r) => r.split("|")[5]!.trim() === "true").length, 1, `one leader expected:\n${status.out}`);
    const list = await cliOutput([`--endpoints=${finalLeader.clientUrl}`, "member", "list"]);
    assert.is(list.code, 0, list.err);
    assert.ok(list.out.includes(`${joinerId.toString(16)}, started, m3, ${joiner.peerUrl}, ${joiner.clientUrl}, false`), list.out);

    console.log(
      `membership: learner ${joinerId.toString(16)} promoted after ${refusals} refusals, removed ${removed.name}, ` +
        `leader moved to ${finalLeader.name}; writes acknowledged ${workload.stats.putsAcked}, lost 0`,
    );
  } catch (error) {
    console.error(cluster.logs());
    throw error;
  } finally {
    await workload?.stop();
    await cluster.close();
  }
});

test.run();
