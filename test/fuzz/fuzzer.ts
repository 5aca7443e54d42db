/**
 * The cluster fuzzer: builds a seeded plan of bad requests (test/fuzz/mutations.ts) for every client route,
 * the streaming routes opened and abandoned, and garbage for every peer port; runs it in batches against a
 * 3-member process cluster (test/cluster/harness.ts) with bounded concurrency and a per-request timeout;
 * after each batch checks that every member is alive, agrees on a leader and has applied everything.
 *
 * A batch that kills or wedges a member is replayed one request at a time on a fresh cluster to name the
 * request that did it, and fuzzing goes on on another fresh cluster (at most `maxRebuilds` clusters), so one
 * run lists every class of crash the plan can reach, not just the first.
 * @module
 */
import type { MemberSlot, ProcessCluster } from "../cluster/harness.ts";
import { Prng } from "../../src/sim/prng.ts";
import { classify, type Finding, type FindingClass, type FindingKind, summariseError } from "./findings.ts";
import { type Batch, buildPlan, type FuzzContext, type PlanOptions } from "./plan.ts";
import { RPC_ROUTES } from "./routes.ts";
import { checkHealth } from "./sentinels.ts";

export type { FuzzContext } from "./plan.ts";

/** Knobs of one run. */
export interface FuzzOptions extends PlanOptions {
  seed: number;
  /** Requests in flight at once within a batch. */
  concurrency: number;
  /** Wall-time bound on the fuzzing (not counting the final checks); batches left over are reported. */
  budgetMs: number;
  /** Fresh clusters the run may build after crashes (each costs a cluster start). */
  maxRebuilds: number;
  log: (line: string) => void;
  /** Log every batch's time. */
  verbose: boolean;
}

/** What the run did and found. */
export interface FuzzReport {
  seed: number;
  requests: number;
  /** Canonical routes (a /v3beta alias counts under its /v3 route). */
  routes: string[];
  /** Distinct paths and ports requests went to (aliases, plain and unknown paths, peer ports). */
  targets: number;
  encodings: string[];
  findings: Finding[];
  classes: FindingClass[];
  /** Batches not run: the budget or the rebuilds ran out. */
  unfinished: string[];
  rebuilds: number;
  /** Watch answers of 500 with code 2 (etcd's own answer to an undecodable watch request). */
  allowedWatch500s: number;
  /** gRPC calls planned (every method, headers, dropped streams, connection garbage). */
  grpcCalls: number;
  /** gRPC mutations left out as possibly valid requests that could reach the sentinels. */
  grpcUnsafeSkipped: number;
  seconds: number;
}

/** A fresh cluster, started, with sentinels written; the caller closes it. */
export type ClusterFactory = () => Promise<FuzzContext>;

/** How a broken cluster looks after a batch. */
interface Breakage {
  kind: FindingKind;
  detail: string;
  /** The members that exited. */
  who?: string;
}

const HEALTH_TIMEOUT_MS = 3_000;
const APPLY_WAIT_MS = 8_000;
const LEADER_WAIT_MS = 5_000;

/**
 * Runs the whole plan on clusters from `fresh` (a new one after each crash). Returns the report and the
 * context of the cluster left standing (undefined when the rebuilds ran out); the caller closes every
 * cluster `fresh` made.
 */
export async function runFuzz(
  fresh: ClusterFactory,
  options: FuzzOptions,
): Promise<{ report: FuzzReport; ctx: FuzzContext | undefined }> {
  const startMs = Date.now();
  const rng = new Prng(options.seed);
  const stats = { requests: 0, allowedWatch500s: 0, rebuilds: 0, grpcUnsafeSkipped: 0 };
  const plan = buildPlan(rng, options, stats);
  const findings: Finding[] = [];
  const unfinished: string[] = [];
  let ctx: FuzzContext | undefined = await fresh();
  for (let b = 0; b < plan.length; b++) {
    const batch = plan[b]!;
    if (ctx === undefined || Date.now() - startMs > options.budgetMs) {
      unfinished.push(...plan.slice(b).map((x) => x.name));
      break;
    }
    const batchStartMs = Date.now();
    const result = await runBatch(ctx, batch, options.concurrency, stats);
    if (options.verbose) options.log(`fuzz: ${batch.name}: ${batch.steps.length} steps in ${Date.now() - batchStartMs} ms`);
    const broken = await breakage(ctx.cluster);
    const internal = scanLogs(ctx.cluster, batch, [...findings, ...result]);
    if (broken === undefined) {
      findings.push(...result, ...internal);
      continue;
    }
    options.log(`fuzz: batch ${batch.name} broke the cluster (${broken.kind}: ${broken.detail}); replaying it one request at a time`);
    await ctx.cluster.close();
    ctx = undefined;
    ({ ctx } = await pinpoint(fresh, batch, broken, findings, stats, options));
  }
  const report: FuzzReport = {
    seed: options.seed,
    requests: stats.requests,
    routes: [...new Set(plan.flatMap((batch) => batch.steps.map((s) => s.route)))],
    targets: new Set(plan.flatMap((batch) => batch.steps.map((s) => s.target))).size,
    encodings: [...new Set(plan.flatMap((batch) => batch.steps.map((s) => s.encoding)))].filter((e) => e === "json" || e === "cbor"),
    findings,
    classes: classify(findings),
    unfinished,
    rebuilds: stats.rebuilds,
    allowedWatch500s: stats.allowedWatch500s,
    grpcCalls: plan.flatMap((batch) => batch.steps).filter((s) => s.encoding === "grpc" || s.encoding === "h2").length,
    grpcUnsafeSkipped: stats.grpcUnsafeSkipped,
    seconds: (Date.now() - startMs) / 1_000,
  };
  return { report, ctx };
}

/** Replays a batch on fresh clusters, one step at a time, recording which step breaks one. */
async function pinpoint(
  fresh: ClusterFactory,
  batch: Batch,
  broken: Breakage,
  findings: Finding[],
  stats: { requests: number; allowedWatch500s: number; rebuilds: number; grpcUnsafeSkipped: number },
  options: FuzzOptions,
): Promise<{ ctx: FuzzContext | undefined }> {
  let reproduced = false;
  let ctx: FuzzContext | undefined;
  for (let i = 0; i < batch.steps.length; i++) {
    if (ctx === undefined) {
      if (stats.rebuilds >= options.maxRebuilds) {
        findings.push(batchFinding(batch, broken, reproduced ? "later steps not replayed: rebuild budget spent" : "not pinpointed: rebuild budget spent"));
        return { ctx: undefined };
      }
      stats.rebuilds++;
      ctx = await fresh();
    }
    const step = batch.steps[i]!;
    const own = await step.run(ctx);
    stats.requests++;
    const after = await breakage(ctx.cluster);
    if (after === undefined) {
      findings.push(...own);
      continue;
    }
    reproduced = true;
    findings.push({
      kind: after.kind,
      route: step.route,
      encoding: step.encoding,
      mutation: step.mutation,
      detail: after.detail,
      request: `${step.request}${after.who === undefined ? "" : `; exited: ${after.who}`}`,
    });
    options.log(`fuzz: ${batch.name}: "${step.mutation}" → ${after.kind}: ${after.detail}`);
    await ctx.cluster.close();
    ctx = undefined;
  }
  if (!reproduced) findings.push(batchFinding(batch, broken, "not reproduced when replayed one request at a time"));
  if (ctx === undefined && stats.rebuilds < options.maxRebuilds) {
    stats.rebuilds++;
    ctx = await fresh();
  }
  return { ctx };
}

function batchFinding(batch: Batch, broken: Breakage, note: string): Finding {
  return {
    kind: broken.kind,
    route: batch.route,
    encoding: batch.encoding,
    mutation: `one request of batch ${batch.name} (${note})`,
    detail: broken.detail,
    ...(broken.who === undefined ? {} : { request: `exited: ${broken.who}` }),
  };
}

async function runBatch(
  ctx: FuzzContext,
  batch: Batch,
  concurrency: number,
  stats: { requests: number },
): Promise<Finding[]> {
  const out: Finding[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    // Each turn takes one step; the loop ends when the steps do.
    while (next < batch.steps.length) {
      const step = batch.steps[next++]!;
      out.push(...await step.run(ctx));
      stats.requests++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, batch.steps.length) }, worker));
  return out;
}

/** Whether the cluster is whole: every member alive and healthy, one leader, everything applied. */
export async function breakage(cluster: ProcessCluster): Promise<Breakage | undefined> {
  const dead = (): MemberSlot[] => cluster.slots.filter((s) => s.child === undefined);
  const crash = (): Breakage => ({ kind: "crash", detail: exitCause(dead()[0]!), who: dead().map((s) => s.name).join(", ") });
  if (dead().length > 0) return crash();
  // An election after a scheduling stall on a busy machine is not a finding; no leader after a few is.
  try {
    await cluster.waitForLeader(LEADER_WAIT_MS, cluster.slots);
  } catch (error) {
    if (dead().length > 0) return crash();
    return { kind: "unresponsive", detail: `no agreed leader within ${LEADER_WAIT_MS} ms: ${(error as Error).message.split("\n")[0]}` };
  }
  const unhealthy = (await Promise.all(cluster.slots.map((s) => checkHealth(s, HEALTH_TIMEOUT_MS)))).filter((p) => p !== undefined);
  if (dead().length > 0) return crash();
  if (unhealthy.length > 0) return { kind: "unresponsive", detail: unhealthy.join("; ") };
  const statuses = await Promise.all(cluster.slots.map((s) => cluster.status(s, HEALTH_TIMEOUT_MS)));
  if (statuses.some((s) => s === undefined)) {
    if (dead().length > 0) return crash();
    return { kind: "unresponsive", detail: "a member stopped answering status" };
  }
  const commit = Math.max(...statuses.map((s) => s!.raftIndex));
  try {
    await cluster.waitForApplied(commit, cluster.slots, APPLY_WAIT_MS);
  } catch (error) {
    if (dead().length > 0) return crash();
    return { kind: "unresponsive", detail: `apply stalled: ${(error as Error).message}` };
  }
  if (dead().length > 0) return crash();
  return undefined;
}

/** The line of a dead member's log that says why it died (its fatal error, else its last error). */
function exitCause(slot: MemberSlot): string {
  const lines = slot.log.split("\n");
  let index = lines.findLastIndex((l) => /fatal/i.test(l));
  if (index < 0) index = lines.findLastIndex((l) => /internal error|panic|^error:/i.test(l.trim()));
  const exit = lines.findLast((l) => l.startsWith("--- exit")) ?? "--- exit ?";
  return `${index < 0 ? "(no error line in its log)" : summariseError(lines, index)} [${exit.slice(4)}]`;
}

/**
 * Internal errors the members logged during a batch that no answer already showed; the logs are then
 * cleared (but for a little context) so none is counted twice.
 */
function scanLogs(cluster: ProcessCluster, batch: Batch, answered: readonly Finding[]): Finding[] {
  const out: Finding[] = [];
  for (const slot of cluster.slots) {
    const lines = slot.log.split("\n");
    for (let i = 0; i < lines.length; i++) {
      if (!/internal error/i.test(lines[i]!)) continue;
      const detail = summariseError(lines, i);
      const message = detail.replace(/^.*?error[^:]*: /i, "").replace(/ \(at .*$/, "");
      if (answered.some((f) => f.detail.includes(message))) continue;
      out.push({ kind: "internal", route: batch.route, encoding: batch.encoding, mutation: "one request of the batch (seen in the member's log)", detail });
    }
    slot.log = slot.log.slice(-2_000);
  }
  return out;
}

/** The report's summary lines. */
export function summary(report: FuzzReport): string {
  return [
    `fuzz: seed ${report.seed} (replay: TSETCD_FUZZ_SEED=${report.seed})`,
    `fuzz: ${report.requests} requests to ${report.targets} paths and ports (${report.routes.filter((r) => RPC_ROUTES.some((x) => x.path === r)).length} client API routes ` +
    `and their /v3beta aliases, /health, /version, /metrics, unknown paths, 3 peer ports), encodings ${report.encodings.join(", ")}, ` +
    `${report.classes.length} finding classes (${report.findings.length} findings), ${report.rebuilds} rebuilds, ` +
    `${report.allowedWatch500s} watch 500s allowed as etcd's, ${report.seconds.toFixed(1)} s`,
    `fuzz: gRPC: ${report.grpcCalls} calls over every method of every service, headers, dropped streams and ` +
    `HTTP/2 garbage (${report.grpcUnsafeSkipped} mutations left out as requests that could reach the sentinels)`,
  ].join("\n");
}
