/**
 * A follower's keep-alive through a leader change (src/server/lease_service.ts): with no leader known, or a
 * leader that does not answer, the call waits and tries again until a leader answers, as etcd's
 * LeaseRenew; it gives up with the leader-change error once its window (forward timeout plus two election
 * timeouts) is spent; a request another member forwarded is never retried here. The member is a stub and
 * the leader a loopback HTTP server answering the forwarded keep-alive as the gateway does (port 26620).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { encodeStreamFrame } from "../../src/codec/frames.ts";
import type { Member } from "../../src/codec/messages.ts";
import type { Lessor } from "../../src/lease/mod.ts";
import { type LeaseMember, LeaseService } from "../../src/server/lease_service.ts";

const LEADER_PORT = 26620;
const LEADER_ID = 7n;
const FORWARD_TIMEOUT_MS = 300;
const ELECTION_TIMEOUT_MS = 100;

/** A follower's view that the test changes: who leads, and whether it is published yet. */
function stubMember(view: { leader: bigint }): LeaseMember {
  const leader: Member = { ID: LEADER_ID, name: "leader", peerURLs: [], clientURLs: [`http://127.0.0.1:${LEADER_PORT}`], isLearner: false };
  return {
    proposeWrite: () => Promise.reject(new Error("not used")),
    confirmLeadership: () => Promise.reject(new Error("not used")),
    info: () => ({ leader: view.leader, term: 2, isLeader: false }),
    members: () => [leader],
  };
}

function follower(view: { leader: bigint }): LeaseService {
  const service = new LeaseService({
    lessor: {} as Lessor, // a follower's keep-alive never reaches its own lessor
    revision: () => 1,
    clusterId: 1n,
    memberId: 2n,
    electionTimeoutMs: ELECTION_TIMEOUT_MS,
    forwardTimeoutMs: FORWARD_TIMEOUT_MS,
    onEvents: () => {},
  });
  service.attach(stubMember(view));
  return service;
}

/** The leader's client URL: answers every keep-alive with TTL 9, counting them. */
function startLeader(): { stop(): void; calls(): number } {
  let calls = 0;
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: LEADER_PORT,
    fetch: (request) => {
      calls++;
      assert.is(request.headers.get("x-tsetcd-forwarded"), "1");
      const header = { cluster_id: 1n, member_id: LEADER_ID, revision: 1, raft_term: 2 };
      return new Response(encodeStreamFrame({ result: { header, ID: 5n, TTL: 9 } }), { headers: { "content-type": "application/cbor" } });
    },
  });
  return { stop: () => server.stop(true), calls: () => calls };
}

test("no leader yet: the keep-alive waits for one and is answered by it", async () => {
  const view = { leader: 0n };
  const leader = startLeader();
  try {
    const startMs = Date.now();
    setTimeout(() => (view.leader = LEADER_ID), 150);
    const answer = await follower(view).keepAlive(5n);
    assert.is(answer.TTL, 9);
    assert.ok(Date.now() - startMs >= 140, "answered before there was a leader");
    assert.is(leader.calls(), 1);
  } finally {
    leader.stop();
  }
});

test("a leader that does not answer (gone): retried until the window closes, then the leader-change error", async () => {
  const view = { leader: LEADER_ID }; // known, but nothing listens on its URL
  const startMs = Date.now();
  const error = await follower(view).keepAlive(5n).then(() => undefined, (e: Error) => e);
  const elapsedMs = Date.now() - startMs;
  assert.is(error?.message, "etcdserver: leader changed");
  const windowMs = FORWARD_TIMEOUT_MS + 2 * ELECTION_TIMEOUT_MS;
  assert.ok(elapsedMs >= windowMs - 100 && elapsedMs < windowMs + 2_000, `gave up after ${elapsedMs} ms (window ${windowMs} ms)`);
});

test("a leader that comes back within the window answers", async () => {
  const view = { leader: LEADER_ID };
  let leader: { stop(): void; calls(): number } | undefined;
  const timer = setTimeout(() => (leader = startLeader()), 200);
  try {
    const answer = await follower(view).keepAlive(5n);
    assert.is(answer.TTL, 9);
  } finally {
    clearTimeout(timer);
    leader?.stop();
  }
});

test("a forwarded request is tried once: a follower that got one answers not leader at once", async () => {
  const startMs = Date.now();
  const error = await follower({ leader: LEADER_ID }).keepAlive(5n, { forwarded: true }).then(() => undefined, (e: Error) => e);
  assert.is(error?.message, "etcdserver: not leader");
  assert.ok(Date.now() - startMs < 100);
});

test.run();
