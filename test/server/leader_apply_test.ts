/**
 * The proposer applies what its entry's bytes decode to, as every other member does. An in-process caller
 * (an embedder holding `server.member`) can hand the member an object the decoder would read differently;
 * if the leader applied its object and the followers the decoded bytes, the members' states would part.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { followersOf, leaderOf, startCluster, waitFor } from "./cluster_helpers.ts";

const ENCODER = new TextEncoder();

test("a request object the decoder reads differently ends the same on the leader and the followers", async () => {
  const c = await startCluster(["a", "b", "c"], 29280);
  try {
    const leader = leaderOf(c)!;
    assert.ok(leader !== undefined, "no leader");
    // A JavaScript caller passes a string where bytes belong; the entry's decoder refuses a string there.
    const odd = { key: ENCODER.encode("odd"), value: "not bytes" } as never;
    const outcome = await leader.member.put(odd).then(() => "stored", (err: Error) => `refused: ${err.message}`);
    await leader.member.put({ key: ENCODER.encode("after"), value: ENCODER.encode("1") } as never);
    const revision = leader.member.revision();
    await waitFor(() => followersOf(c).every((f) => f.member.revision() === revision), 5_000, "followers lag");
    const seen = [leader, ...followersOf(c)].map((s) =>
      s.member.range({ key: ENCODER.encode("odd"), serializable: true } as never).then((r) => r.kvs.length)
    );
    const counts = await Promise.all(seen);
    assert.equal(counts, [0, 0, 0], `members disagree on the odd key (leader's answer: ${outcome})`);
    assert.match(outcome, /^refused: /);
  } finally {
    await c.destroy();
  }
});

test.run();
