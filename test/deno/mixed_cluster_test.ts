/**
 * A mixed cluster: member m0 runs `deno run -A mod.ts server` (node:sqlite storage, Deno.serve gateway,
 * the same peer transport and Raft), m1 and m2 run on Bun. It elects a leader, replicates writes made
 * through the Deno member to the Bun ones and back, and survives SIGKILL rounds: the leader is killed and
 * the rest go on; then the Deno member is killed mid-cluster and, restarted on its data dir, replays its
 * log (written by node:sqlite) and catches up. Every member ends with the same values.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { connect } from "../../mod.ts";
import { type MemberSlot, ProcessCluster } from "../cluster/harness.ts";
import { serverCommand, SERVER_RUNTIME_ENV } from "../helpers/cli_runtime.ts";

const ROOT = new URL("../..", import.meta.url).pathname;
const COMMAND_TIMEOUT_MS = 5_000;
const LEADER_TIMEOUT_MS = 20_000;

/** The server argv on Deno, whatever the file's environment says. */
function denoServer(): string[] {
  const saved = process.env[SERVER_RUNTIME_ENV];
  process.env[SERVER_RUNTIME_ENV] = "deno";
  try {
    return serverCommand(ROOT);
  } finally {
    if (saved === undefined) delete process.env[SERVER_RUNTIME_ENV];
    else process.env[SERVER_RUNTIME_ENV] = saved;
  }
}

function clientOf(slots: MemberSlot[]): ReturnType<typeof connect> {
  return connect({ endpoints: slots.map((s) => s.clientUrl), commandTimeoutMs: COMMAND_TIMEOUT_MS });
}

/** Each running member's own (serializable) value of `key`, by member name. */
async function valuesOn(cluster: ProcessCluster, key: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const slot of cluster.running()) {
    const got = await clientOf([slot]).get(key, { serializable: true });
    out[slot.name] = new TextDecoder().decode(got.kvs?.[0]?.value);
  }
  return out;
}

/** Waits until every running member applied what the leader has, then checks each key's value on each. */
async function expectEverywhere(cluster: ProcessCluster, expected: Record<string, string>): Promise<void> {
  const leader = await cluster.waitForLeader(LEADER_TIMEOUT_MS);
  const status = await cluster.status(leader, COMMAND_TIMEOUT_MS);
  assert.ok(status !== undefined, "the leader answers status");
  await cluster.waitForApplied(status!.raftAppliedIndex);
  for (const [key, value] of Object.entries(expected)) {
    const seen = await valuesOn(cluster, key);
    assert.equal(Object.values(seen), cluster.running().map(() => value), `${key} on every member: ${JSON.stringify(seen)}`);
  }
}

test("one Deno and two Bun members replicate, survive the leader's SIGKILL and the Deno member's", async () => {
  const cluster = new ProcessCluster({ size: 3, basePort: 30_940 });
  const deno = cluster.slots[0]!;
  deno.command = denoServer();
  try {
    await cluster.start(40_000);
    // Written through the Deno member (its gateway forwards to whichever member leads).
    await clientOf([deno]).put("mixed/1", "through deno");
    await expectEverywhere(cluster, { "mixed/1": "through deno" });

    // SIGKILL the leader: the other two elect one and take writes, also through the Deno member if alive.
    const leader = await cluster.waitForLeader(LEADER_TIMEOUT_MS);
    await cluster.kill(leader);
    await cluster.waitForLeader(LEADER_TIMEOUT_MS);
    await clientOf(cluster.running()).put("mixed/2", "after the leader's kill");
    cluster.restart(leader);
    await expectEverywhere(cluster, { "mixed/1": "through deno", "mixed/2": "after the leader's kill" });

    // SIGKILL the Deno member (again, if it was the leader): the Bun two go on; restarted, it catches up.
    await cluster.kill(deno);
    await cluster.waitForLeader(LEADER_TIMEOUT_MS);
    await clientOf(cluster.running()).put("mixed/3", "while deno was down");
    cluster.restart(deno);
    await expectEverywhere(cluster, {
      "mixed/1": "through deno",
      "mixed/2": "after the leader's kill",
      "mixed/3": "while deno was down",
    });
    assert.is(cluster.running().length, 3);
    assert.match(deno.log, /--- spawn pid \d+/);
    assert.ok(deno.command?.some((word) => word.endsWith("/deno")), "m0 ran on Deno");
  } catch (error) {
    console.error(cluster.logs());
    throw error;
  } finally {
    await cluster.close();
  }
});

test.run();
