/**
 * Linearizable reads on every member at once: each member's ReadIndex requests reach the leader in the
 * same heartbeat round. The leader keys pending reads by their context, so contexts must be unique across
 * members — before they carried the member id, two followers' reads (or a follower's and the leader's) with
 * the same counter value were merged and one of them never got an answer ("context deadline exceeded").
 * Every read must be served, and see every write acknowledged before it started.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { connect } from "../../src/client/mod.ts";
import { ProcessCluster } from "./harness.ts";

const ROUNDS = 40;
const READERS_PER_MEMBER = 4;
const READ_TIMEOUT_MS = 3_000;

test("bursts of linearizable reads on all three members are all served and never stale", async () => {
  const cluster = new ProcessCluster({ size: 3, basePort: 30400 });
  try {
    await cluster.start();
    const clients = cluster.slots.map((slot) => connect({ endpoints: [slot.clientUrl], commandTimeoutMs: READ_TIMEOUT_MS }));
    const writer = clients[0]!;
    let served = 0;
    const failures: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const put = await writer.put("reads/counter", String(round));
      const reads = clients.flatMap((client, member) =>
        Array.from({ length: READERS_PER_MEMBER }, async () => {
          try {
            const got = await client.range({ key: new TextEncoder().encode("reads/counter") });
            const value = new TextDecoder().decode(got.kvs[0]?.value ?? new Uint8Array());
            if (value !== String(round) || got.header.revision < put.header.revision) {
              failures.push(`round ${round} member ${member}: stale ${value} at ${got.header.revision}`);
            }
            served++;
          } catch (error) {
            failures.push(`round ${round} member ${member}: ${(error as Error).message}`);
          }
        })
      );
      await Promise.all(reads);
    }
    assert.equal(failures, [], failures.slice(0, 5).join("\n"));
    assert.is(served, ROUNDS * READERS_PER_MEMBER * 3);
  } finally {
    await cluster.close();
  }
});

test.run();
