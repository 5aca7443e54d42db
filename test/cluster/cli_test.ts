/**
 * The cluster commands of the CLI against a real 3-member tsetcd cluster, with etcdctl 3.4's layouts:
 * `member list -w table`, `endpoint status --cluster -w table`, `endpoint health --cluster -w table`,
 * `move-leader` (found among --endpoints, refused with etcdctl's message when none is the leader).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { runCliCaptured as cli } from "../helpers/cli.ts";
import { connect } from "../../src/client/mod.ts";
import { ProcessCluster } from "./harness.ts";

const PUBLISH_TIMEOUT_MS = 10_000;


/** The cells of a table's body rows. */
function tableRows(text: string): string[][] {
  return text.split("\n").filter((l) => l.startsWith("| ") && !l.includes(" ID ") && !l.includes("ENDPOINT"))
    .map((l) => l.split("|").slice(1, -1).map((c) => c.trim()));
}

const STATUS_HEADER = "|        ENDPOINT        |        ID        | VERSION | DB SIZE | IS LEADER | IS LEARNER | RAFT TERM | RAFT INDEX | RAFT APPLIED INDEX | ERRORS |";
/** TOOK's width follows the longest duration printed, so only the column names are fixed. */
const HEALTH_HEADER = /\|\s+ENDPOINT\s+\| HEALTH \|\s+TOOK\s+\| ERROR \|/;
const MEMBER_HEADER = "|        ID        | STATUS  | NAME |       PEER ADDRS       |      CLIENT ADDRS      | IS LEARNER |";

test("member list, endpoint status/health --cluster and move-leader on a 3-member cluster", async () => {
  const cluster = new ProcessCluster({ size: 3, basePort: 30320 });
  try {
    await cluster.start();
    const all = `--endpoints=${cluster.slots.map((s) => s.clientUrl).join(",")}`;

    // Members publish their client URLs through the log after they start (as etcd members do): wait for it.
    const client = connect({ endpoints: cluster.slots.map((s) => s.clientUrl) });
    const publishDeadlineMs = Date.now() + PUBLISH_TIMEOUT_MS;
    while ((await client.memberList()).members.some((m) => m.clientURLs.length === 0)) {
      assert.ok(Date.now() < publishDeadlineMs, `client URLs not published within ${PUBLISH_TIMEOUT_MS} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const members = await cli([all, "member", "list", "-w", "table"]);
    assert.is(members.code, 0, members.err);
    assert.ok(members.out.includes(MEMBER_HEADER), members.out);
    const memberRows = tableRows(members.out);
    assert.is(memberRows.length, 3, members.out);
    for (const slot of cluster.slots) {
      const row = memberRows.find((r) => r[2] === slot.name);
      assert.ok(row !== undefined, `${slot.name} missing:\n${members.out}`);
      assert.equal(row.slice(1), ["started", slot.name, slot.peerUrl, slot.clientUrl, "false"]);
    }

    const status = await cli([`--endpoints=${cluster.slots[0]!.clientUrl}`, "endpoint", "status", "--cluster", "-w", "table"]);
    assert.is(status.code, 0, status.err);
    assert.ok(status.out.includes(STATUS_HEADER), status.out);
    const statusRows = tableRows(status.out);
    assert.equal(statusRows.map((r) => r[0]).sort(), cluster.slots.map((s) => s.clientUrl).sort());
    assert.is(statusRows.filter((r) => r[4] === "true").length, 1, `one leader expected:\n${status.out}`);
    assert.is(new Set(statusRows.map((r) => r[6])).size, 1, `members disagree on the term:\n${status.out}`);
    for (const r of statusRows) assert.equal([r[5], r[9]], ["false", ""], status.out);

    const health = await cli([`--endpoints=${cluster.slots[1]!.clientUrl}`, "endpoint", "health", "--cluster", "-w", "table"]);
    assert.is(health.code, 0, health.err);
    assert.match(health.out, HEALTH_HEADER);
    const healthRows = tableRows(health.out);
    assert.is(healthRows.length, 3, health.out);
    for (const r of healthRows) assert.is(r[1], "true", health.out);

    const leader = await cluster.waitForLeader();
    const followers = cluster.slots.filter((s) => s !== leader);
    const leaderId = (await cluster.status(leader))!.header.member_id;
    const targetId = (await cluster.status(followers[0]!))!.header.member_id;
    const followerList = followers.map((s) => s.clientUrl);
    const refused = await cli([`--endpoints=${followerList.join(",")}`, "move-leader", targetId.toString(16)]);
    assert.is(refused.err, `Error: no leader endpoint given at [${followerList.join(" ")}]\n`);
    assert.is(refused.code, 128);

    const moved = await cli([all, "move-leader", targetId.toString(16)]);
    assert.is(moved.err, "");
    assert.is(moved.out, `Leadership transferred from ${leaderId.toString(16)} to ${targetId.toString(16)}\n`);
    assert.is(moved.code, 0);
    const newLeader = await cluster.waitForLeader();
    assert.is(newLeader, followers[0]);
  } catch (error) {
    console.error(cluster.logs());
    throw error;
  } finally {
    await cluster.close();
  }
});

test.run();
