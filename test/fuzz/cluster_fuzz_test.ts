/**
 * The request fuzzer against a real 3-member cluster (issue 9): every client route × JSON and CBOR × the
 * mutations of test/fuzz/mutations.ts, the streaming routes abandoned mid-stream, garbage on every peer
 * port; and (issue 10) every gRPC method of every service × the protobuf, frame and header mutations of
 * test/fuzz/grpc_mutations.ts, gRPC streams dropped every way, HTTP/2 garbage on the client port, each
 * answer a gRPC status with no JavaScript error in it. Before: sentinel keys (plain, leased, written by a txn). After: every member alive and answering,
 * the sentinels and the membership intact on every member, no 5xx (beyond etcd's own), no hang; then all
 * three members are killed and restarted, and must come back healthy with the sentinels.
 *
 * Seeded: the seed is printed; `TSETCD_FUZZ_SEED=<n>` replays a run. `TSETCD_FUZZ_MAX_REBUILDS` raises the
 * number of fresh clusters a run may use to pinpoint crashes, and `TSETCD_FUZZ_BUDGET_MS` the fuzzing time
 * (both useful against a build with many crashes, to list every class).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { connect } from "../../src/client/mod.ts";
import { LeaseClient } from "../../src/client/lease.ts";
import { ProcessCluster } from "../cluster/harness.ts";
import { formatClasses, type Finding, classify } from "./findings.ts";
import { breakage, type FuzzContext, runFuzz, summary } from "./fuzzer.ts";
import { grpcMethods } from "./grpc_plan.ts";
import { RPC_ROUTES } from "./routes.ts";
import { checkSentinels, type Sentinels, writeSentinels } from "./sentinels.ts";

const SEED = process.env.TSETCD_FUZZ_SEED !== undefined
  ? Number(process.env.TSETCD_FUZZ_SEED)
  : Math.floor(Math.random() * 0x1_0000_0000);
const MAX_REBUILDS = Number(process.env.TSETCD_FUZZ_MAX_REBUILDS ?? 4);
/** Fuzzing must end within this; the cluster starts, final checks and the restart come on top. */
const FUZZ_BUDGET_MS = Number(process.env.TSETCD_FUZZ_BUDGET_MS ?? 60_000);
const RESTART_TIMEOUT_MS = 30_000;
/** The servers run with etcd's default --max-request-bytes. */
const MAX_REQUEST_BYTES = 1_572_864;

test(`fuzz every client route (JSON, CBOR), every gRPC method, streams, HTTP/2 and peer ports (seed ${SEED}): nothing crashes, hangs, 5xxs or leaks an error; sentinels survive a full restart`, async () => {
  assert.ok(Number.isInteger(SEED) && SEED >= 0, `TSETCD_FUZZ_SEED must be a non-negative integer, got ${process.env.TSETCD_FUZZ_SEED}`);
  console.log(`fuzz: seed ${SEED}`);
  const startMs = Date.now();
  const clusters: ProcessCluster[] = [];
  let sentinels: Sentinels | undefined;
  const fresh = async (): Promise<FuzzContext> => {
    const cluster = new ProcessCluster({ size: 3, basePort: 30900 });
    clusters.push(cluster);
    await cluster.start();
    sentinels = await writeSentinels(cluster.slots[0]!.clientUrl, SEED);
    const memberIds: bigint[] = [];
    for (const slot of cluster.slots) memberIds.push((await cluster.status(slot, 5_000))!.header.member_id);
    const c = connect({ endpoints: [cluster.slots[1]!.clientUrl], commandTimeoutMs: 5_000 });
    const lease = (await new LeaseClient(c).grant(600)).ID;
    return { cluster, memberIds, lease };
  };
  try {
    const { report, ctx } = await runFuzz(fresh, {
      seed: SEED,
      concurrency: 8,
      requestTimeoutMs: 8_000,
      budgetMs: FUZZ_BUDGET_MS,
      maxRebuilds: MAX_REBUILDS,
      aliasRequests: 8,
      batchSteps: 60,
      maxRequestBytes: MAX_REQUEST_BYTES,
      topValuesPerField: 8,
      nestedValuesPerField: 6,
      grpcFieldsPerMessage: 4,
      grpcUnknownPerMessage: 3,
      log: (line) => console.log(line),
      verbose: process.env.TSETCD_FUZZ_VERBOSE === "1",
    });
    const after: Finding[] = [];
    if (ctx !== undefined && sentinels !== undefined) {
      const afterFuzz = await stateFindings(ctx, sentinels, "after fuzzing");
      const restartStartMs = Date.now();
      await restartAll(ctx.cluster);
      const afterRestart = await stateFindings(ctx, sentinels, "after a full restart");
      console.log(
        `fuzz: sentinels and membership on every member: ${afterFuzz.length} problems after fuzzing, ` +
          `${afterRestart.length} after killing and restarting all three (${Date.now() - restartStartMs} ms)`,
      );
      after.push(...afterFuzz, ...afterRestart);
    } else {
      after.push({ kind: "crash", route: "cluster", encoding: "-", mutation: "-", detail: "no cluster left to check (rebuild budget spent)" });
    }
    const classes = classify([...report.findings, ...after]);
    console.log(summary({ ...report, classes }));
    console.log(`fuzz: total ${((Date.now() - startMs) / 1_000).toFixed(1)} s (fuzzing, checks and the restart)`);
    const unfinished = report.unfinished.length > 0 ? `\nbatches not run (budget or rebuilds spent): ${report.unfinished.join(", ")}` : "";
    assert.ok(
      classes.length === 0 && unfinished === "",
      `seed ${SEED}: ${classes.length} finding classes\n${formatClasses(classes)}${unfinished}`,
    );
    // The run must have been a real one: every route, both encodings, thousands of requests.
    assert.ok(report.requests > 3_000, `only ${report.requests} requests`);
    for (const route of RPC_ROUTES) assert.ok(report.routes.includes(route.path), `${route.path} was not fuzzed`);
    assert.equal(report.encodings.filter((e) => e === "json" || e === "cbor").sort(), ["cbor", "json"]);
    const methods = grpcMethods();
    assert.ok(methods.length >= 45, `only ${methods.length} gRPC methods listed`);
    for (const method of methods) assert.ok(report.routes.includes(method.path), `${method.path} was not fuzzed`);
    assert.ok(report.grpcCalls > 1_000, `only ${report.grpcCalls} gRPC calls`);
  } catch (error) {
    for (const c of clusters) console.error(c.logs());
    throw error;
  } finally {
    for (const c of clusters) await c.close();
  }
});

/** Kills every member, then starts them all again on their data dirs, and waits for a leader. */
async function restartAll(cluster: ProcessCluster): Promise<void> {
  for (const slot of cluster.slots) if (slot.child !== undefined) await cluster.kill(slot);
  for (const slot of cluster.slots) cluster.restart(slot);
  try {
    await cluster.waitForLeader(RESTART_TIMEOUT_MS);
  } catch {
    // reported by stateFindings as an unresponsive or crashed cluster
  }
}

/** The cluster's health, then the sentinels through every member. */
async function stateFindings(ctx: FuzzContext, sentinels: Sentinels, when: string): Promise<Finding[]> {
  const broken = await breakage(ctx.cluster);
  if (broken !== undefined) return [{ kind: broken.kind, route: "cluster", encoding: "-", mutation: when, detail: broken.detail }];
  const problems = (await Promise.all(ctx.cluster.slots.map((s) => checkSentinels(s, sentinels)))).flat();
  return problems.map((p) => ({ kind: "state", route: "sentinels", encoding: "-", mutation: when, detail: p }));
}

test.run();
