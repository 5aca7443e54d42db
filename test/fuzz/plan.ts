/**
 * The fuzzer's plan: every request it sends, as steps grouped in batches. Plain and unknown paths; each
 * client route × JSON and CBOR (test/fuzz/mutations.ts) with a sample of its /v3beta alias; the streaming
 * routes opened and abandoned mid-stream, and bodies cut short, over raw sockets; garbage for every peer
 * port (test/fuzz/peer_garbage.ts). Building the plan sends nothing; each step's `run` does.
 * @module
 */
import type { ProcessCluster } from "../cluster/harness.ts";
import { GRPC_OVERHEAD_BYTES } from "../../src/api/http.ts";
import { Prng } from "../../src/sim/prng.ts";
import { type Finding, judgeHttp } from "./findings.ts";
import { type Encoding, ENCODINGS, type Mutation, type MutationOptions } from "./baselines.ts";
import { frame, plainMutations } from "./body_mutations.ts";
import { aliasMutations, routeMutations } from "./mutations.ts";
import { grpcBatches } from "./grpc_plan.ts";
import { peerGarbage } from "./peer_garbage.ts";
import { httpChunk, requestHead, sendHttp, sendRaw } from "./probe.ts";
import { betaAlias, PLAIN_ROUTES, RPC_ROUTES, type RouteSpec, UNKNOWN_PATHS } from "./routes.ts";
import { encodeWire, wmap } from "./wire.ts";

/** What the plan's steps need to know. */
export interface PlanOptions extends MutationOptions {
  /** A request with no answer after this long is a hang. */
  requestTimeoutMs: number;
  /** Alias (/v3beta) requests per route and encoding. */
  aliasRequests: number;
  /** Steps per batch: the cluster is checked after each batch, and a batch that breaks it is replayed. */
  batchSteps: number;
  /** gRPC: known fields per message given a wrong wire type or a 64-bit extreme (test/fuzz/grpc_mutations.ts). */
  grpcFieldsPerMessage: number;
  /** gRPC: unknown-field cases per message. */
  grpcUnknownPerMessage: number;
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
export interface Step {
  route: string;
  encoding: string;
  mutation: string;
  /** The exact request, for the report. */
  request: string;
  /** The path or port it goes to (for the statistics). */
  target: string;
  run: (ctx: FuzzContext) => Promise<Finding[]>;
}

/** Steps run together, then the cluster is checked. */
export interface Batch {
  name: string;
  route: string;
  encoding: string;
  steps: Step[];
}

/** Counters that the plan's steps update as they run. */
export interface Counters {
  allowedWatch500s: number;
  /** gRPC mutations left out because their message would be a valid request reaching the sentinels. */
  grpcUnsafeSkipped: number;
}

/**
 * Every batch of a run, in order: plain and unknown paths, each route × encoding, abandoned streams,
 * bodies cut short, peer ports; then the gRPC front-end (test/fuzz/grpc_plan.ts), last so that a seed
 * replays the gateway part as before it was added.
 */
export function buildPlan(rng: Prng, options: PlanOptions, counters: Counters): Batch[] {
  const batches: Batch[] = [];
  let member = rng.int(3);
  const nextMember = (): number => (member = (member + 1) % 3);
  batches.push(plainBatch(rng.fork(), options, nextMember, counters));
  // Sampled routes share batches (fewer cluster checks); they come last in RPC_ROUTES.
  const sampled: Step[] = [];
  for (const route of RPC_ROUTES) {
    for (const encoding of ENCODINGS) {
      const r = rng.fork();
      const all = routeMutations(route, encoding, r, options);
      const mutations = route.sample === undefined ? all : r.shuffle(all).slice(0, route.sample);
      const steps = mutations.map((m) => httpStep(route, route.path, encoding, m, nextMember(), options, counters));
      const alias = betaAlias(route);
      const aliasCount = route.sample === undefined ? options.aliasRequests : 1;
      const aliases = r.shuffle(aliasMutations(alias, encoding, r, options)).slice(0, aliasCount);
      steps.push(...aliases.map((m) => httpStep(route, alias.path, encoding, m, nextMember(), options, counters)));
      if (route.sample !== undefined) {
        sampled.push(...steps);
        continue;
      }
      for (let start = 0; start < steps.length; start += options.batchSteps) {
        const name = `${route.path} ${encoding} #${start / options.batchSteps + 1}`;
        batches.push({ name, route: route.path, encoding, steps: steps.slice(start, start + options.batchSteps) });
      }
    }
  }
  const sampledBatchSteps = options.batchSteps * 4;
  for (let start = 0; start < sampled.length; start += sampledBatchSteps) {
    const name = `sampled routes #${start / sampledBatchSteps + 1}`;
    batches.push({ name, route: "sampled routes", encoding: "json+cbor", steps: sampled.slice(start, start + sampledBatchSteps) });
  }
  batches.push(abandonBatch(options));
  batches.push(cutBodiesBatch(options));
  batches.push(peerBatch(rng.fork()));
  const grpc = {
    requestTimeoutMs: options.requestTimeoutMs,
    batchSteps: options.batchSteps,
    maxMessageBytes: options.maxRequestBytes + GRPC_OVERHEAD_BYTES,
    fieldsPerMessage: options.grpcFieldsPerMessage,
    unknownPerMessage: options.grpcUnknownPerMessage,
  };
  batches.push(...grpcBatches(rng.fork(), grpc, counters));
  return batches;
}

function plainBatch(rng: Prng, options: PlanOptions, nextMember: () => number, counters: Counters): Batch {
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
  options: PlanOptions,
  counters: Counters,
): Step {
  const method = m.method ?? "POST";
  const contentType = m.contentType ?? (encoding === "cbor" ? "application/cbor" : "application/json");
  // A watch body always ends with a valid create (mutations.ts), so an accepted stream owes at least the
  // created answer; a snapshot's first chunk is read, then the stream abandoned.
  const readOk = route.style === "watch" || route.style === "snapshot" ? "first-chunk" : "all";
  const canonical = route.path;
  const preview = m.body.length <= 64 ? ` ${JSON.stringify(Buffer.from(m.body).toString("latin1"))}` : "";
  const request = `${method} ${path} to m${member}, ${contentType}, ${m.body.length} bytes${preview}`;
  return {
    route: canonical,
    encoding,
    mutation: m.name,
    request,
    target: path,
    run: async (ctx) => {
      const slot = ctx.cluster.slots[member]!;
      const outcome = await sendHttp({ url: slot.clientUrl + path, method, contentType, body: m.body, timeoutMs: options.requestTimeoutMs, readOk });
      const finding = judgeHttp(outcome, {
        route: canonical,
        encoding,
        mutation: m.name,
        request,
        oversized: m.oversized === true,
        unary: route.style === "unary",
        sentFormat: /^\s*application\/cbor\s*(;|$)/i.test(contentType) ? "cbor" : "json",
        timeoutMs: options.requestTimeoutMs,
      });
      if (finding === undefined && outcome.status === 500) counters.allowedWatch500s++;
      return finding === undefined ? [] : [finding];
    },
  };
}

const JSON_TYPE = { "content-type": "application/json", "transfer-encoding": "chunked" };
const CBOR_TYPE = { "content-type": "application/cbor", "transfer-encoding": "chunked" };

/** Streams opened and abandoned mid-way, on every member. */
function abandonBatch(options: PlanOptions): Batch {
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
    }
  }
  return { name: "abandoned streams", route: "streams", encoding: "json+cbor", steps };
}

/** Every unary route once with a body cut short: the client promises 100 bytes, sends 2 and goes away. */
function cutBodiesBatch(options: PlanOptions): Batch {
  const steps: Step[] = [];
  const unary = RPC_ROUTES.filter((r) => r.style === "unary");
  unary.forEach((route, i) => {
    const encoding = ENCODINGS[i % 2]!;
    const type = encoding === "json" ? JSON_TYPE : CBOR_TYPE;
    steps.push(rawStep(route.path, encoding, "http: body cut short (content-length past the bytes sent)", i % 3, options, () => [
      requestHead(route.path, { "content-type": type["content-type"], "content-length": "100" }),
      Uint8Array.of(0xa1, 0x7b),
    ], false));
  });
  return { name: "bodies cut short", route: "cut bodies", encoding: "json+cbor", steps };
}

/** A raw exchange with a client port; `expectAnswer`: an HTTP response head must arrive in time. */
function rawStep(
  route: string,
  encoding: Encoding,
  mutation: string,
  member: number,
  options: PlanOptions,
  chunks: (ctx: FuzzContext) => Uint8Array[],
  expectAnswer: boolean,
): Step {
  return {
    route,
    encoding,
    mutation,
    request: `raw POST ${route} to m${member}, abandoned`,
    target: route,
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
        target: `peer port of m${member}`,
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

