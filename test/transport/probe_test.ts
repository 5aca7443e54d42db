/**
 * Peer round-trip probing (src/transport/probe.ts) and etcd_network_peer_round_trip_time_seconds.
 * - The prober alone, on a hand-driven clock and a fake request channel: etcd's smoothing (SRTT starts at 0,
 *   moves 1/8 of the way to each round trip, timed from the connection being open), the first report after the error interval, then the monitor
 *   interval while healthy and the error interval after a failure (with the next URL tried).
 * - A 2-member tsetcd cluster (in this process, probe timers shortened with TSETCD_PEER_PROBE_MS): each member's
 *   /metrics, read with the strict Prometheus parser, has the histogram with etcd's name, help, type, 16
 *   buckets and label `To` naming the other member, observations with a positive sum — probes answered over
 *   the peer port.
 * Peer ports 23521 and 23523.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { PeerProber, probeAnswer, PROBE_PAYLOAD, readProbeAnswer } from "../../src/transport/probe.ts";
import { PEER_RTT_BUCKETS_SECONDS } from "../../src/metrics/peer_rtt.ts";
import { type ParsedFamily, parsePrometheusText } from "../ops/metrics_parse.ts";
import { startServer, type TsetcdServer } from "../../src/server/mod.ts";

const RTT_NAME = "etcd_network_peer_round_trip_time_seconds";

test("the prober smooths as etcd's probing does and reports on etcd's schedule", async () => {
  let nowMs = 1_000;
  const reports: [bigint, number][] = [];
  const asked: string[] = [];
  let fail = false;
  const prober = new PeerProber({
    request: async (url, payload, options) => {
      asked.push(url);
      assert.equal(payload, PROBE_PAYLOAD);
      if (fail) throw new Error("connection refused");
      await Bun.sleep(30); // connecting: not part of the round trip
      options.onConnected?.();
      return probeAnswer(nowMs);
    },
    peers: () => [{ id: 7n, urls: ["http://a:1", "http://b:2"] }],
    onRoundTrip: (id, seconds) => reports.push([id, seconds]),
    probeIntervalMs: 4_000,
    errorIntervalMs: 5_000,
    monitorIntervalMs: 30_000,
    nowMs: () => nowMs,
  });
  prober.probeRound();
  await Bun.sleep(60);
  const first = prober.srttMs(7n)!;
  assert.ok(first > 0, "one answered probe moves the SRTT off 0");
  assert.ok(first < 30 / 8, `timed from the connection being open, not from the connect: SRTT ${first} ms`);
  prober.probeRound();
  await Bun.sleep(60);
  const second = prober.srttMs(7n)!;
  // SRTT ← 7/8·SRTT + 1/8·RTT: the second value is 7/8 of the first plus 1/8 of a round trip (≥ 0).
  assert.ok(second >= first * 0.875 - 1e-9 && second < first * 0.875 + 1_000 / 8, `${first} then ${second}`);
  prober.reportDue();
  assert.equal(reports, [], "nothing before the first error interval");
  nowMs += 5_000;
  prober.reportDue();
  assert.equal(reports.length, 1);
  assert.is(reports[0]![0], 7n);
  assert.is(reports[0]![1], second / 1000);
  nowMs += 29_000;
  prober.reportDue();
  assert.is(reports.length, 1, "healthy: the next report waits the monitor interval");
  fail = true;
  prober.probeRound();
  await Bun.sleep(5);
  nowMs += 1_000;
  prober.reportDue();
  assert.is(reports.length, 2, "the monitor interval passed");
  nowMs += 5_000;
  prober.reportDue();
  assert.is(reports.length, 3, "unhealthy: reported again after the error interval");
  assert.is(reports[2]![1], second / 1000, "a failed probe leaves the SRTT as it was");
  prober.probeRound();
  await Bun.sleep(5);
  assert.equal(asked, ["http://a:1", "http://a:1", "http://a:1", "http://b:2"], "a failure moves to the next URL");
  prober.stop();
});

test("a probe answer is the peer's clock", () => {
  assert.is(readProbeAnswer(probeAnswer(1_733_616_000_123.5)), 1_733_616_000_123.5);
  assert.throws(() => readProbeAnswer(new Uint8Array(3)), /8 bytes/);
});

const dir = mkdtempSync(join(tmpdir(), "tsetcd-probe-"));
const PEER_PORTS = [23521, 23523];
const NAMES = ["p1", "p2"];
const INITIAL_CLUSTER = new Map(NAMES.map((n, i) => [n, [`http://127.0.0.1:${PEER_PORTS[i]}`]]));
const members: TsetcdServer[] = [];

async function scrape(server: TsetcdServer): Promise<Map<string, ParsedFamily>> {
  const response = await fetch(`${server.clientUrl}/metrics`, { signal: AbortSignal.timeout(5_000) });
  return parsePrometheusText(await response.text());
}

test.after(async () => {
  await Promise.all(members.map((m) => m.close()));
  rmSync(dir, { recursive: true, force: true });
});

test("a 2-member cluster exposes each peer's round trip as etcd's histogram", async () => {
  const saved = process.env.TSETCD_PEER_PROBE_MS;
  process.env.TSETCD_PEER_PROBE_MS = "100,200,300"; // probe, first/error report, monitor report
  try {
    members.push(...await Promise.all(NAMES.map((name, i) => {
      const peer = `http://127.0.0.1:${PEER_PORTS[i]}`;
      return startServer({
        name,
        dataDir: join(dir, name),
        listenClientUrls: ["http://127.0.0.1:0"],
        listenPeerUrls: [peer],
        initialAdvertisePeerUrls: [peer],
        initialCluster: INITIAL_CLUSTER,
        // Threads start in seconds each on a loaded 2-core box (10 s seen for the front's); none is under test.
        clientFrontThread: false,
        walCheckpointThread: false,
      });
    })));
  } finally {
    if (saved === undefined) delete process.env.TSETCD_PEER_PROBE_MS;
    else process.env.TSETCD_PEER_PROBE_MS = saved;
  }
  const ids = members.map((m) => m.memberId.toString(16));
  const expectedBounds = PEER_RTT_BUCKETS_SECONDS.map(String);
  assert.is(expectedBounds.length, 16);
  assert.is(expectedBounds[0], "0.0001");
  assert.is(expectedBounds[15], "3.2768");
  for (let i = 0; i < members.length; i++) {
    const other = ids[1 - i]!;
    // Reports come every 300 ms once the first probes were answered; wait (bounded) for two.
    const deadline = Date.now() + 10_000;
    let family: ParsedFamily | undefined;
    let count = 0;
    while (Date.now() < deadline) {
      family = (await scrape(members[i]!)).get(RTT_NAME);
      count = family?.samples.find((s) => s.name === `${RTT_NAME}_count`)?.value ?? 0;
      if (count >= 2) break;
      await Bun.sleep(100);
    }
    assert.ok(family !== undefined, `member ${ids[i]}: no ${RTT_NAME}`);
    assert.is(family!.type, "histogram");
    assert.is(family!.help, "Round-Trip-Time histogram between peers");
    assert.ok(count >= 2, `member ${ids[i]}: ${count} observations in 10 s`);
    const series = new Set(family!.samples.map((s) => s.labels.To));
    assert.equal([...series], [other], "one series, To = the other member's id");
    const bounds = family!.samples.filter((s) => s.name === `${RTT_NAME}_bucket`).map((s) => s.labels.le);
    assert.equal(bounds, [...expectedBounds, "+Inf"]);
    const sum = family!.samples.find((s) => s.name === `${RTT_NAME}_sum`)!.value;
    assert.ok(sum > 0 && sum / count < 1, `loopback round trips: sum ${sum} s over ${count}`);
  }
});

test.run();
