/**
 * The pure parts of `check perf` and `check datascale` (commands/check_report.ts, commands/check_load.ts),
 * against etcdctl 3.4's check.go: the PASS/FAIL lines for each rule and its threshold, the report's numbers
 * (successes only, population deviation), the keys (Go's PutVarint of a random int63, zero-padded), the load
 * aliases, and the load runner's pacing (a burst of one: a blocked producer does not catch up) and count.
 * The commands against live servers are compared with etcdctl in test/compat/ops_commands_test.ts.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { runLoad } from "../../commands/check_load.ts";
import {
  checkKey,
  DATASCALE_LOADS,
  datascaleVerdict,
  LatencyReport,
  type LoadStats,
  loadModel,
  PERF_LOADS,
  perfVerdict,
} from "../../commands/check_report.ts";

function stats(fields: Partial<LoadStats>): LoadStats {
  return { succeeded: 1, rps: 150, slowestSeconds: 0.01, stddevSeconds: 0.001, errors: new Map(), ...fields };
}

test("perf passes with etcdctl's four lines, each number as Go prints it", () => {
  const verdict = perfVerdict(stats({ rps: 149.2, slowestSeconds: 0.0586471, stddevSeconds: 0.0084 }), 150);
  assert.is(
    verdict.text,
    "PASS: Throughput is 150 writes/s\nPASS: Slowest request took 0.058647s\nPASS: Stddev is 0.008400s\nPASS\n",
  );
  assert.ok(verdict.ok);
});

test("perf fails on each rule at etcdctl's thresholds: throughput ≤ 90 %, slowest > 0.5 s, stddev > 0.1 s", () => {
  const atThreshold = perfVerdict(stats({ rps: 135 }), 150);
  assert.is(atThreshold.text.split("\n")[0], "FAIL: Throughput too low: 136 writes/s");
  assert.not.ok(atThreshold.ok);
  assert.ok(perfVerdict(stats({ rps: 135.01 }), 150).ok);
  const slow = perfVerdict(stats({ slowestSeconds: 0.500001 }), 150);
  assert.is(slow.text.split("\n")[1], "Slowest request took too long: 0.500001s");
  assert.not.ok(slow.ok);
  assert.ok(perfVerdict(stats({ slowestSeconds: 0.5 }), 150).ok);
  const spread = perfVerdict(stats({ stddevSeconds: 0.2 }), 150);
  assert.is(spread.text, "PASS: Throughput is 151 writes/s\nPASS: Slowest request took 0.010000s\nStddev too high: 0.200000s\nFAIL\n");
  assert.not.ok(spread.ok);
});

test("errors fail both checks, listed by text with their counts", () => {
  const errors = new Map([["etcdserver: request timed out", 3], ["connection refused", 1]]);
  const perf = perfVerdict(stats({ errors }), 150);
  assert.ok(perf.text.startsWith(
    "FAIL: too many errors\nFAIL: ERROR(etcdserver: request timed out) -> 3\nFAIL: ERROR(connection refused) -> 1\n",
  ));
  assert.ok(perf.text.endsWith("FAIL\n"));
  assert.not.ok(perf.ok);
  const scale = datascaleVerdict(stats({ errors }), 100, 200);
  assert.is(scale.text, "FAIL: too many errors\nFAIL: ERROR(etcdserver: request timed out) -> 3\nFAIL: ERROR(connection refused) -> 1\n");
  assert.not.ok(scale.ok);
});

test("datascale reports the resident memory the puts added in MiB with two decimals, negative as it is", () => {
  assert.is(datascaleVerdict(stats({}), 50 * 1048576, 90.855 * 1048576).text, "PASS: Approximate system memory used : 40.86 MB.\n");
  assert.is(datascaleVerdict(stats({}), 3 * 1048576, 2 * 1048576).text, "PASS: Approximate system memory used : -1.00 MB.\n");
});

test("the report keeps successes only; its deviation is the population one; no success is NaN as Go's 0/0", () => {
  const report = new LatencyReport();
  for (const latency of [0.1, 0.2, 0.3, 0.4]) report.record(latency);
  report.record(0, "boom");
  const s = report.stats(2);
  assert.is(s.succeeded, 4);
  assert.is(s.rps, 2);
  assert.is(s.slowestSeconds, 0.4);
  assert.ok(Math.abs(s.stddevSeconds - Math.sqrt(0.0125)) < 1e-12, String(s.stddevSeconds));
  assert.equal([...s.errors], [["boom", 1]]);
  const none = new LatencyReport();
  none.record(0, "boom");
  const empty = none.stats(1);
  assert.ok(Number.isNaN(empty.stddevSeconds));
  // Go: "NaN > 0.1" is false, so etcdctl prints a PASS line with NaN; the errors still fail the run.
  assert.ok(perfVerdict(empty, 150).text.includes("PASS: Stddev is NaNs\n"));
  assert.throws(() => none.record(-1));
});

test("keys are the prefix then Go's PutVarint of a random int63, zero-padded to the key size", () => {
  const prefix = new TextEncoder().encode("/p/");
  const small = checkKey(prefix, 256, ((values) => () => values.shift()!)([0, 300 / 2 ** 32]));
  assert.is(small.length, 3 + 256);
  assert.equal([...small.subarray(0, 6)], [0x2f, 0x70, 0x2f, 0xd8, 0x04, 0x00]);
  assert.ok(small.subarray(5).every((b) => b === 0));
  const largest = checkKey(prefix, 512, ((values) => () => values.shift()!)([(2 ** 31 - 1) / 2 ** 31, (2 ** 32 - 1) / 2 ** 32]));
  assert.equal([...largest.subarray(3, 14)], [0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x00]);
});

test("loads and their aliases are etcdctl's", () => {
  assert.equal(["s", "small", "m", "medium", "l", "large", "xl", "xLarge"].map(loadModel), ["s", "s", "m", "m", "l", "l", "xl", "xl"]);
  assert.is(loadModel("XL"), undefined);
  assert.is(loadModel("toString"), undefined);
  assert.equal(PERF_LOADS.l, { limitPerSecond: 8000, clients: 500, durationSeconds: 60 });
  assert.equal(DATASCALE_LOADS.xl, { limit: 3_000_000, kvSizeBytes: 1024, clients: 1000 });
});

test("a paced load keeps its rate and does not make up time lost to a full queue", async () => {
  const report = new LatencyReport();
  let puts = 0;
  await runLoad({
    clients: 4,
    limitPerSecond: 200,
    durationMs: 500,
    nextKey: () => new Uint8Array(1),
    put: async () => void puts++,
    report,
  });
  // 200/s for 0.5 s: ~100 (timers may run late under load, never early).
  assert.ok(puts >= 60 && puts <= 101, `${puts} puts`);
  // One slow worker: the producer blocks on the full queue and must not burst afterwards.
  let slowPuts = 0;
  await runLoad({
    clients: 1,
    limitPerSecond: 1000,
    durationMs: 400,
    nextKey: () => new Uint8Array(1),
    put: async () => {
      slowPuts++;
      await Bun.sleep(20);
    },
    report,
  });
  assert.ok(slowPuts <= 400 / 20 + 2, `${slowPuts} puts through a worker taking 20 ms each`);
  assert.is(report.stats(1).succeeded, puts + slowPuts);
});

test("a counted load puts exactly its count, errors included in the report", async () => {
  const report = new LatencyReport();
  let n = 0;
  await runLoad({
    clients: 7,
    count: 101,
    nextKey: () => new Uint8Array([n % 256]),
    put: async () => {
      if (++n % 10 === 0) throw new Error("every tenth fails");
    },
    report,
  });
  const s = report.stats(1);
  assert.is(s.succeeded, 91);
  assert.equal([...s.errors], [["every tenth fails", 10]]);
});

test.run();
