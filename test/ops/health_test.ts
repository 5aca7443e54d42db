/**
 * The health endpoints: etcd 3.4's /health and etcd 3.5.11's /livez and /readyz answers, checked on the pure
 * routes with a fake member (each failure cause alone), then on a 3-member cluster whose survivor loses its
 * leader: has_leader drops to 0, /health and /readyz turn 503, /livez stays ok.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createHealthRoutes, type HealthCounters, type HealthProbe } from "../../src/api/health.ts";
import { leaderOf, startCluster, waitFor } from "../server/cluster_helpers.ts";
import { parsePrometheusText, valueOf } from "./metrics_parse.ts";

interface Fake {
  leader: boolean;
  alarms: string[];
  linearizable: "ok" | "hang" | Error;
}

function routes(fake: Fake): { get: (path: string, method?: string) => Promise<Response>; counters: HealthCounters } {
  const probe: HealthProbe = {
    hasLeader: () => fake.leader,
    alarms: () => fake.alarms,
    read: (serializable) => {
      if (serializable || fake.linearizable === "ok") return Promise.resolve({});
      if (fake.linearizable === "hang") return new Promise(() => {});
      return Promise.reject(fake.linearizable);
    },
  };
  const counters = { success: 0, failures: 0 };
  const handle = createHealthRoutes(probe, counters);
  return {
    counters,
    get: async (path, method = "GET") => {
      const request = new Request(`http://127.0.0.1${path}`, { method });
      const answer = handle(new URL(request.url).pathname, request);
      if (answer === undefined) throw new Error(`no route for ${path}`);
      return await answer;
    },
  };
}

const healthy = (): Fake => ({ leader: true, alarms: [], linearizable: "ok" });

async function answer(res: Response): Promise<[number, string]> {
  return [res.status, await res.text()];
}

test("/health: true, then false for no leader, an alarm, a failed or slow quorum read", async () => {
  const fake = healthy();
  const r = routes(fake);
  assert.equal(await answer(await r.get("/health")), [200, '{"health":"true"}']);
  fake.leader = false;
  assert.equal(await answer(await r.get("/health")), [503, '{"health":"false"}']);
  fake.leader = true;
  fake.alarms = ["NOSPACE"];
  assert.equal(await answer(await r.get("/health")), [503, '{"health":"false"}']);
  fake.alarms = [];
  fake.linearizable = new Error("etcdserver: leader changed");
  assert.equal(await answer(await r.get("/health")), [503, '{"health":"false"}']);
  fake.linearizable = "hang";
  const started = performance.now();
  assert.equal(await answer(await r.get("/health")), [503, '{"health":"false"}']);
  const tookMs = performance.now() - started;
  assert.ok(tookMs >= 900 && tookMs < 3000, `a hanging read answered after ${tookMs} ms`);
  assert.equal(r.counters, { success: 1, failures: 4 });
  assert.is((await r.get("/health", "POST")).status, 405);
  assert.is((await r.get("/health", "HEAD")).status, 405);
});

test("/livez and /readyz: ok, ?verbose lines, ?exclude=, one check by path", async () => {
  const r = routes(healthy());
  assert.equal(await answer(await r.get("/livez")), [200, "ok"]);
  assert.equal(await answer(await r.get("/livez?verbose")), [200, "[+]serializable_read ok\n/livez check passed\n"]);
  assert.equal(await answer(await r.get("/readyz?verbose")), [
    200,
    "[+]data_corruption ok\n[+]linearizable_read ok\n[+]serializable_read ok\n/readyz check passed\n",
  ]);
  assert.equal(await answer(await r.get("/readyz?verbose&exclude=linearizable_read&exclude=nonexistent")), [
    200,
    "[+]data_corruption ok\n[+]serializable_read ok\n/readyz check passed\n",
  ]);
  assert.equal(await answer(await r.get("/readyz/data_corruption?verbose")), [
    200,
    "[+]data_corruption ok\n/readyz/data_corruption check passed\n",
  ]);
  const res = await r.get("/readyz");
  assert.is(res.headers.get("content-type"), "text/plain; charset=utf-8");
  assert.is(res.headers.get("x-content-type-options"), "nosniff");
  assert.is((await r.get("/livez", "POST")).status, 405);
});

test("/readyz fails with each failed check's reason; excluding the failing one passes", async () => {
  const fake = healthy();
  const r = routes(fake);
  fake.alarms = ["CORRUPT"];
  fake.linearizable = new Error("etcdserver: request timed out");
  assert.equal(await answer(await r.get("/readyz")), [
    503,
    "[-]data_corruption failed: alarm activated: CORRUPT\n[-]linearizable_read failed: etcdserver: request timed out\n[+]serializable_read ok\n\n",
  ]);
  assert.equal(await answer(await r.get("/readyz?exclude=data_corruption,linearizable_read")), [200, "ok"]);
  assert.equal(await answer(await r.get("/livez")), [200, "ok"]); // liveness reads locally only
  fake.alarms = ["NOSPACE"]; // only CORRUPT fails readiness, as etcd 3.5's data_corruption check
  fake.linearizable = "ok";
  assert.equal(await answer(await r.get("/readyz")), [200, "ok"]);
});

test("an alarm raised through Raft: /health false (any alarm), /readyz fails only on CORRUPT; disarmed: true", async () => {
  const cluster = await startCluster(["alarmed"], 35036);
  try {
    const member = cluster.servers.get("alarmed")!;
    const alarm = async (action: number, type: number): Promise<void> => {
      const res = await fetch(`${member.clientUrl}/v3/maintenance/alarm`, {
        method: "POST",
        body: JSON.stringify({ action, memberID: member.memberId.toString(), alarm: type }),
      });
      assert.is(res.status, 200, await res.text());
    };
    const get = async (path: string): Promise<[number, string]> => answer(await fetch(`${member.clientUrl}${path}`));
    await alarm(1, 1); // ACTIVATE NOSPACE
    assert.equal(await get("/health"), [503, '{"health":"false"}']);
    assert.equal(await get("/readyz"), [200, "ok"]);
    await alarm(1, 2); // ACTIVATE CORRUPT
    assert.equal(await get("/readyz"), [503, "[-]data_corruption failed: alarm activated: CORRUPT\n[+]linearizable_read ok\n[+]serializable_read ok\n\n"]);
    assert.equal(await get("/livez"), [200, "ok"]);
    await alarm(2, 1); // DEACTIVATE both
    await alarm(2, 2);
    assert.equal(await get("/health"), [200, '{"health":"true"}']);
    assert.equal(await get("/readyz"), [200, "ok"]);
  } finally {
    await cluster.destroy();
  }
});

test("a member that loses its leader: has_leader 0, /health and /readyz 503, /livez ok", async () => {
  const cluster = await startCluster(["h1", "h2", "h3"], 35030);
  try {
    const survivor = cluster.servers.get("h3")!;
    const scrape = async (): Promise<number> =>
      valueOf(parsePrometheusText(await (await fetch(`${survivor.clientUrl}/metrics`)).text()), "etcd_server_has_leader");
    assert.is(await scrape(), 1);
    const before = parsePrometheusText(await (await fetch(`${survivor.clientUrl}/metrics`)).text());
    assert.is(valueOf(before, "etcd_server_leader_changes_seen_total"), 1); // the first leader, seen once
    // Raft traffic flows between the leader and each follower: the survivor has talked with the leader (or,
    // leading, with both).
    const leader = leaderOf(cluster)!;
    for (const name of ["h1", "h2"]) {
      const peer = cluster.servers.get(name)!;
      const hex = peer.memberId.toString(16); // etcd prints IDs unpadded
      if (peer !== leader && survivor !== leader) continue;
      assert.ok(valueOf(before, "etcd_network_peer_sent_bytes_total", { To: hex }) > 0, `nothing sent to ${name}`);
      assert.ok(valueOf(before, "etcd_network_peer_received_bytes_total", { From: hex }) > 0, `nothing from ${name}`);
    }
    assert.equal(await answer(await fetch(`${survivor.clientUrl}/health`)), [200, '{"health":"true"}']);
    for (const name of ["h1", "h2"]) {
      await cluster.servers.get(name)!.close();
      cluster.servers.delete(name);
    }
    await waitFor(async () => (await scrape()) === 0, 10_000, "has_leader stayed 1 without a quorum");
    assert.equal(await answer(await fetch(`${survivor.clientUrl}/health`)), [503, '{"health":"false"}']);
    const [status, body] = await answer(await fetch(`${survivor.clientUrl}/readyz`));
    assert.is(status, 503);
    assert.match(body, /^\[\+\]data_corruption ok\n\[-\]linearizable_read failed: .+\n\[\+\]serializable_read ok\n\n$/);
    assert.equal(await answer(await fetch(`${survivor.clientUrl}/livez`)), [200, "ok"]);
    // A write without a leader fails (refused at once, or timed out): etcd_server_proposals_failed_total counts it.
    const put = await fetch(`${survivor.clientUrl}/v3/kv/put`, { method: "POST", body: JSON.stringify({ key: "YQ==", value: "YQ==" }) });
    assert.ok(put.status >= 500, `a put without a leader answered ${put.status}`);
    const families = parsePrometheusText(await (await fetch(`${survivor.clientUrl}/metrics`)).text());
    assert.ok(valueOf(families, "etcd_server_proposals_failed_total") >= 1);
    assert.is(valueOf(families, "etcd_server_proposals_pending"), 0);
  } finally {
    await cluster.destroy();
  }
});

test.run();
