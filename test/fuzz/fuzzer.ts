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
import { classify, type Finding, type FindingClass, type FindingKind, judgeHttp, summariseError } from "./findings.ts";
import {
  aliasMutations,
  type Encoding,
  ENCODINGS,
  frame,
  type Mutation,
  type MutationOptions,
  peerGarbage,
  plainMutations,
  routeMutations,
} from "./mutations.ts";
import { httpChunk, requestHead, sendHttp, sendRaw } from "./probe.ts";
import { betaAlias, PLAIN_ROUTES, RPC_ROUTES, type RouteSpec, UNKNOWN_PATHS } from "./routes.ts";
import { checkHealth } from "./sentinels.ts";
import { encodeWire, wmap } from "./wire.ts";

/** Knobs of one run. */
export interface FuzzOptions extends MutationOptions {
  seed: number;
  /** Requests in flight at once within a batch. */
  concurrency: number;
  /** A request with no answer after this long is a hang. */
  requestTimeoutMs: number;
  /** Wall-time bound on the fuzzing (not counting the final checks); batches left over are reported. */
  budgetMs: number;
  /** Fresh clusters the run may build after crashes (each costs a cluster start). */
  maxRebuilds: number;
  /** Alias (/v3beta) requests per route and encoding. */
  aliasRequests: number;
  /** Steps per batch: the cluster is checked after each batch, and a batch that breaks it is replayed. */
  batchSteps: number;
  log: (line: string) => void;
  /** Log every batch's time. */
  verbose: boolean;
}

/** What the run did and found. */
export interface FuzzReport {
  seed: number;
  requests: number;
  routes: string[];
  encodings: string[];
  findings: Finding[];
  classes: FindingClass[];
  /** Batches not run: the budget or the rebuilds ran out. */
  unfinished: string[];
  rebuilds: number;
  /** Watch answers of 500 with code 2 (etcd's own answer to an undecodable watch request). */
  allowedWatch500s: number;
  seconds: number;
}

/** What a step needs from the cluster it runs against. */
export interface FuzzContext {
  cluster: ProcessCluster;
  /** Member ids by slot index. */
  memberIds: bigint[];
  /** A lease of the fuzzer's own, for keep-alive streams. */
  lease: bigint;
}

/** One request (or raw exchange), labelled for findings. */
interface Step {
  route: string;
  encoding: string;
  mutation: string;
  /** The exact request, for the report. */
  request: string;
  run: (ctx: FuzzContext) => Promise<Finding[]>;
}

interface Batch {
  name: string;
  route: string;
  encoding: string;
  steps: Step[];
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

/** Runs the whole plan. `fresh` builds clusters; the current one is closed by the caller via `current`. */
export async function runFuzz(
  fresh: ClusterFactory,
  options: FuzzOptions,
): Promise<{ report: FuzzReport; ctx: FuzzContext | undefined }> {
  const startMs = Date.now();
  const rng = new Prng(options.seed);
  const stats = { requests: 0, allowedWatch500s: 0, rebuilds: 0 };
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
    encodings: [...new Set(plan.map((batch) => batch.encoding))],
    findings,
    classes: classify(findings),
    unfinished,
    rebuilds: stats.rebuilds,
    allowedWatch500s: stats.allowedWatch500s,
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
  stats: { requests: number; allowedWatch500s: number; rebuilds: number },
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
  const unhealthy = (await Promise.all(cluster.slots.map((s) => checkHealth(s, HEALTH_TIMEOUT_MS)))).filter((p) => p !== undefined);
  if (dead().length > 0) return crash();
  if (unhealthy.length > 0) return { kind: "unresponsive", detail: unhealthy.join("; ") };
  const statuses = await Promise.all(cluster.slots.map((s) => cluster.status(s, HEALTH_TIMEOUT_MS)));
  const leaders = new Set(statuses.map((s) => s?.leader ?? 0n));
  if (statuses.some((s) => s === undefined) || leaders.size !== 1 || leaders.has(0n)) {
    if (dead().length > 0) return crash();
    return { kind: "unresponsive", detail: `no agreed leader (${statuses.map((s) => s?.leader.toString(16) ?? "down").join(" ")})` };
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

// ---- the plan ----

/** Counts the plan's steps update. */
interface Counters {
  allowedWatch500s: number;
}

function buildPlan(rng: Prng, options: FuzzOptions, counters: Counters): Batch[] {
  const batches: Batch[] = [];
  let member = rng.int(3);
  const nextMember = (): number => (member = (member + 1) % 3);
  batches.push(plainBatch(rng.fork(), options, nextMember, counters));
  for (const route of RPC_ROUTES) {
    for (const encoding of ENCODINGS) {
      const r = rng.fork();
      const steps = routeMutations(route, encoding, r, options).map((m) => httpStep(route, route.path, encoding, m, nextMember(), options, counters));
      const alias = betaAlias(route);
      const aliases = r.shuffle(aliasMutations(alias, encoding, r, options)).slice(0, options.aliasRequests);
      steps.push(...aliases.map((m) => httpStep(route, alias.path, encoding, m, nextMember(), options, counters)));
      for (let start = 0; start < steps.length; start += options.batchSteps) {
        const name = `${route.path} ${encoding} #${start / options.batchSteps + 1}`;
        batches.push({ name, route: route.path, encoding, steps: steps.slice(start, start + options.batchSteps) });
      }
    }
  }
  batches.push(abandonBatch(options));
  batches.push(peerBatch(rng.fork()));
  return batches;
}

function plainBatch(rng: Prng, options: FuzzOptions, nextMember: () => number, counters: Counters): Batch {
  const steps: Step[] = [];
  const route: RouteSpec = { path: "", kind: undefined, style: "unary" };
  for (const path of [...PLAIN_ROUTES, ...UNKNOWN_PATHS]) {
    for (const m of plainMutations(rng)) {
      steps.push(httpStep({ ...route, path }, path, m.contentType === "application/cbor" ? "cbor" : "json", m, nextMember(), options, counters));
    }
  }
  return { name: "plain and unknown routes", route: "plain", encoding: "json", steps };
}

function httpStep(
  route: RouteSpec,
  path: string,
  encoding: Encoding,
  m: Mutation,
  member: number,
  options: FuzzOptions,
  counters: Counters,
): Step {
  const method = m.method ?? "POST";
  const contentType = m.contentType ?? (encoding === "cbor" ? "application/cbor" : "application/json");
  const readOk = route.style === "watch" ? "none" : route.style === "snapshot" ? "first-chunk" : "all";
  const canonical = route.path;
  const preview = m.body.length <= 64 ? ` ${JSON.stringify(Buffer.from(m.body).toString("latin1"))}` : "";
  const request = `${method} ${path} to m${member}, ${contentType}, ${m.body.length} bytes${preview}`;
  return {
    route: canonical,
    encoding,
    mutation: m.name,
    request,
    run: async (ctx) => {
      const slot = ctx.cluster.slots[member]!;
      const outcome = await sendHttp({ url: slot.clientUrl + path, method, contentType, body: m.body, timeoutMs: options.requestTimeoutMs, readOk });
      const finding = judgeHttp(outcome, {
        route: canonical,
        encoding,
        mutation: m.name,
        request,
        oversized: m.oversized === true,
        timeoutMs: options.requestTimeoutMs,
      });
      if (finding === undefined && outcome.status === 500) counters.allowedWatch500s++;
      return finding === undefined ? [] : [finding];
    },
  };
}

const JSON_TYPE = { "content-type": "application/json", "transfer-encoding": "chunked" };
const CBOR_TYPE = { "content-type": "application/cbor", "transfer-encoding": "chunked" };

/** Streams opened and abandoned mid-way, and bodies cut short, on every member. */
function abandonBatch(options: FuzzOptions): Batch {
  const steps: Step[] = [];
  const watchCreate = wmap({ create_request: wmap({ key: new TextEncoder().encode("zfuzz/"), range_end: Uint8Array.of(0) }) });
  for (let member = 0; member < 3; member++) {
    for (const encoding of ENCODINGS) {
      const type = encoding === "json" ? JSON_TYPE : CBOR_TYPE;
      const create = encoding === "json" ? encodeWire(watchCreate, "json") : frame(encodeWire(watchCreate, "cbor"));
      steps.push(rawStep("/v3/watch", encoding, "stream: watch abandoned after its first answer", member, options, () => [requestHead("/v3/watch", type), httpChunk(create)], true));
      steps.push(rawStep("/v3/watch", encoding, "stream: watch abandoned mid-request", member, options, () => [requestHead("/v3/watch", type), httpChunk(create.subarray(0, 3))], false));
      steps.push(rawStep("/v3/watch", encoding, "stream: watch with an empty body, abandoned", member, options, () => [
        requestHead("/v3/watch", { "content-type": type["content-type"], "content-length": "0" }),
      ], false));
      steps.push(rawStep("/v3/lease/keepalive", encoding, "stream: keep-alive abandoned after its first answer", member, options, (ctx) => {
        const req = wmap({ ID: ctx.lease });
        const body = encoding === "json" ? encodeWire(req, "json") : frame(encodeWire(wmap({ result: req }), "cbor"));
        return [requestHead("/v3/lease/keepalive", type), httpChunk(body)];
      }, true));
      steps.push(rawStep("/v3/lease/keepalive", encoding, "stream: keep-alive abandoned mid-request", member, options, () => [requestHead("/v3/lease/keepalive", type), httpChunk(Uint8Array.of(0, 0, 0))], false));
      const snapshotBody = encoding === "json" ? new TextEncoder().encode("{}") : Uint8Array.of(0xa0);
      steps.push(rawStep("/v3/maintenance/snapshot", encoding, "stream: snapshot abandoned mid-stream", member, options, () => [
        requestHead("/v3/maintenance/snapshot", { "content-type": type["content-type"], "content-length": String(snapshotBody.length) }),
        snapshotBody,
      ], true));
      for (const path of ["/v3/kv/put", "/v3/kv/txn", "/v3/lease/grant"]) {
        steps.push(rawStep(path, encoding, "http: body cut short (content-length past the bytes sent)", member, options, () => [
          requestHead(path, { "content-type": type["content-type"], "content-length": "100" }),
          Uint8Array.of(0xa1, 0x7b),
        ], false));
      }
    }
  }
  return { name: "abandoned streams", route: "streams", encoding: "json+cbor", steps };
}

/** A raw exchange with a client port; `expectAnswer`: an HTTP response head must arrive in time. */
function rawStep(
  route: string,
  encoding: Encoding,
  mutation: string,
  member: number,
  options: FuzzOptions,
  chunks: (ctx: FuzzContext) => Uint8Array[],
  expectAnswer: boolean,
): Step {
  return {
    route,
    encoding,
    mutation,
    request: `raw POST ${route} to m${member}, abandoned`,
    run: async (ctx) => {
      const slot = ctx.cluster.slots[member]!;
      const outcome = await sendRaw({
        port: slot.clientPort,
        chunks: chunks(ctx),
        gapMs: 0,
        untilBytes: expectAnswer ? 1 : 0,
        waitMs: expectAnswer ? options.requestTimeoutMs : 300,
      });
      const head = Buffer.from(outcome.received.subarray(0, 12)).toString("latin1");
      if (!expectAnswer || head.startsWith("HTTP/1.1 200")) return [];
      const what = outcome.received.length === 0 ? `no answer within ${options.requestTimeoutMs} ms` : `answered ${JSON.stringify(Buffer.from(outcome.received.subarray(0, 120)).toString("latin1"))}`;
      return [{ kind: outcome.received.length === 0 ? "hang" : "5xx", route, encoding, mutation, detail: what, request: `raw POST ${route} to ${slot.name}` }];
    },
  };
}

/** Garbage for every member's peer port. */
function peerBatch(rng: Prng): Batch {
  const steps: Step[] = [];
  for (let member = 0; member < 3; member++) {
    const r = rng.fork();
    // The garbage depends on ids known only once the cluster runs: generated per run, from a fixed seed.
    const names = peerGarbage(new Prng(0), { clusterToken: "", memberId: 1n, peerId: 2n }).map((g) => g.name);
    for (let g = 0; g < names.length; g++) {
      const seed = r.nextU32();
      steps.push({
        route: "peer port",
        encoding: "frames",
        mutation: names[g]!,
        request: `garbage to m${member}'s peer port`,
        run: async (ctx) => {
          const slot = ctx.cluster.slots[member]!;
          const garbage = peerGarbage(new Prng(seed), {
            clusterToken: ctx.cluster.token,
            memberId: ctx.memberIds[member]!,
            peerId: ctx.memberIds[(member + 1) % 3]!,
          })[g]!;
          const outcome = await sendRaw({ port: slot.peerPort, chunks: [garbage.bytes], gapMs: 0, untilBytes: 0, waitMs: garbage.mustClose ? 3_000 : 300 });
          if (!garbage.mustClose || outcome.closedByPeer) return [];
          return [{ kind: "peer", route: "peer port", encoding: "frames", mutation: garbage.name, detail: "connection still open 3000 ms after bytes that break the framing or the handshake", request: `${garbage.bytes.length} bytes to ${slot.name}'s peer port` }];
        },
      });
    }
  }
  return { name: "peer ports", route: "peer port", encoding: "frames", steps };
}

/** The report's summary lines. */
export function summary(report: FuzzReport): string {
  return [
    `fuzz: seed ${report.seed} (replay: TSETCD_FUZZ_SEED=${report.seed})`,
    `fuzz: ${report.requests} requests, ${report.routes.length} routes, encodings ${report.encodings.join(", ")}, ` +
    `${report.classes.length} finding classes (${report.findings.length} findings), ${report.rebuilds} rebuilds, ` +
    `${report.allowedWatch500s} watch 500s allowed as etcd's, ${report.seconds.toFixed(1)} s`,
  ].join("\n");
}
