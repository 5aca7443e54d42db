/**
 * The gRPC part of the fuzzer's plan (issue 10): every method of every service in src/grpc/routes.ts
 * with the message and frame mutations of test/fuzz/grpc_mutations.ts; a valid Range call with every
 * header mutation and unknown path; calls abandoned mid-frame (RST_STREAM, GOAWAY, socket destroyed) and
 * connections dropped with hundreds of streams open; connection-level garbage (bad prefaces, bad frames).
 * Each batch ends with a valid gRPC call on every member, which must answer OK: a member whose gRPC
 * front-end wedged is found even when its HTTP port still answers.
 * @module
 */
import { listMethods, type StreamMethod } from "../../src/grpc/routes.ts";
import type { RequestKind } from "../../src/server/boundary.ts";
import { encodeProtobuf } from "../../src/codec/protobuf.ts";
import type { Prng } from "../../src/sim/prng.ts";
import { type Finding, judgeGrpc } from "./findings.ts";
import { frameMutations, grpcFrame, type GrpcMutation, type GrpcMutationOptions, headerMutations, isSafe, messageMutations, protobufBaseline } from "./grpc_mutations.ts";
import { type AfterWrite, openAndDrop, sendGrpc } from "./grpc_probe.ts";
import type { Batch, FuzzContext, Step } from "./plan.ts";
import { sendRaw } from "./probe.ts";
import { concatBytes } from "./wire.ts";

/** What the gRPC plan needs. */
export interface GrpcPlanOptions extends GrpcMutationOptions {
  requestTimeoutMs: number;
  batchSteps: number;
}

/** The request message of each streaming method. */
const STREAM_REQUESTS: Record<StreamMethod, RequestKind> = {
  watch: "WatchRequest",
  keepalive: "LeaseKeepAliveRequest",
  snapshot: "SnapshotRequest",
  observe: "LeaderRequest",
};

/**
 * The methods whose frames are cut, lied about and flagged: every way a message is read (a unary call,
 * each kind of stream, a call that waits, the auth layer), rather than all ~50 methods, which share them.
 */
const FRAMING_METHODS: ReadonlySet<string> = new Set([
  "/etcdserverpb.KV/Range",
  "/etcdserverpb.KV/Put",
  "/etcdserverpb.Watch/Watch",
  "/etcdserverpb.Lease/LeaseKeepAlive",
  "/etcdserverpb.Maintenance/Snapshot",
  "/v3electionpb.Election/Observe",
  "/v3lockpb.Lock/Lock",
  "/etcdserverpb.Auth/UserAdd",
]);

/** Every fuzz call carries a deadline, so that calls which wait (Lock, Campaign, Observe, Watch) end. */
const CALL_DEADLINE = "500m";

/** One method of the table, as the plan sees it. */
export interface FuzzMethod {
  path: string;
  request: RequestKind;
  /** A stream: abandoned at its first message. */
  streaming: boolean;
}

/** Every gRPC method with its request kind. */
export function grpcMethods(): FuzzMethod[] {
  return listMethods().map(({ path, method }) =>
    typeof method === "string"
      ? { path, request: STREAM_REQUESTS[method], streaming: true }
      : { path, request: method.request, streaming: false }
  );
}

/** Counters of the gRPC plan (reported). */
export interface GrpcCounters {
  /** Mutations left out because their message would be a valid request reaching the sentinels. */
  grpcUnsafeSkipped: number;
}

/** The gRPC batches of a run. */
export function grpcBatches(rng: Prng, options: GrpcPlanOptions, counters: GrpcCounters): Batch[] {
  const methods = grpcMethods();
  const kinds = [...new Set(methods.map((m) => m.request))];
  const batches: Batch[] = [];
  let member = rng.int(3);
  const nextMember = (): number => (member = (member + 1) % 3);
  const steps: Step[] = [];
  // The unknown-field cases rotate over the methods, so every case is sent though each method gets a few.
  let unknownRotation = rng.int(1_000);
  for (const method of methods) {
    const framing = FRAMING_METHODS.has(method.path) ? frameMutations(method.request, options) : [];
    const messageOptions = { ...options, unknownRotation };
    unknownRotation += options.unknownPerMessage;
    const mutations = [...messageMutations(method.request, kinds, rng.fork(), messageOptions), ...framing];
    for (const m of mutations) {
      if (!isSafe(method.request, m.data)) {
        counters.grpcUnsafeSkipped++;
        continue;
      }
      steps.push(callStep(method, m, nextMember(), options));
    }
  }
  const range: FuzzMethod = { path: "/etcdserverpb.KV/Range", request: "RangeRequest", streaming: false };
  for (const m of headerMutations()) steps.push(callStep(range, m, nextMember(), options));
  // Shuffled so that each batch mixes methods: a crash is then pinned to one call by the replay.
  const shuffled = rng.shuffle(steps);
  // Twice the gateway's batch: a gRPC call is cheaper than the cluster check after each batch.
  const batchSteps = options.batchSteps * 2;
  for (let start = 0; start < shuffled.length; start += batchSteps) {
    const batch = shuffled.slice(start, start + batchSteps);
    batches.push({ name: `grpc #${start / batchSteps + 1}`, route: "grpc", encoding: "grpc", steps: [...batch, ...livenessSteps(options)] });
  }
  batches.push({ name: "grpc streams dropped", route: "grpc", encoding: "grpc", steps: [...droppedSteps(options), ...livenessSteps(options)] });
  batches.push({ name: "grpc connection garbage", route: "grpc", encoding: "h2", steps: [...garbageSteps(), ...livenessSteps(options)] });
  return batches;
}

function baseHeaders(path: string): Record<string, string> {
  return { ":method": "POST", ":path": path, "content-type": "application/grpc", te: "trailers", "grpc-timeout": CALL_DEADLINE };
}

function withChanges(headers: Record<string, string>, changes: Record<string, string | null> | undefined): Record<string, string> {
  const out = { ...headers };
  for (const [name, value] of Object.entries(changes ?? {})) {
    if (value === null) delete out[name];
    else out[name] = value;
  }
  return out;
}

function callStep(method: FuzzMethod, m: GrpcMutation, member: number, options: GrpcPlanOptions): Step {
  const headers = withChanges(baseHeaders(method.path), m.headers);
  const preview = m.data.length <= 48 ? ` ${Buffer.from(m.data).toString("hex")}` : "";
  const request = `gRPC ${headers[":path"]?.slice(0, 80)} to m${member}, ${m.data.length} bytes${preview}`;
  return {
    route: method.path,
    encoding: "grpc",
    mutation: m.name,
    request,
    target: method.path,
    run: async (ctx) => {
      const slot = ctx.cluster.slots[member]!;
      const outcome = await sendGrpc({
        port: slot.clientPort,
        headers,
        data: m.data,
        after: "end",
        firstOnly: method.streaming,
        timeoutMs: options.requestTimeoutMs,
      });
      const finding = judgeGrpc(outcome, {
        route: method.path,
        encoding: "grpc",
        mutation: m.name,
        request,
        oversized: m.oversized === true || m.resetOk === true,
        timeoutMs: options.requestTimeoutMs,
      });
      return finding === undefined ? [] : [finding];
    },
  };
}

/** A valid Status call on every member: it must answer OK. */
function livenessSteps(options: GrpcPlanOptions): Step[] {
  const data = grpcFrame(protobufBaseline("StatusRequest"));
  return [0, 1, 2].map((member) => ({
    route: "grpc liveness",
    encoding: "grpc",
    mutation: "a valid Status call after the batch",
    request: `gRPC Status to m${member}`,
    target: "/etcdserverpb.Maintenance/Status",
    run: async (ctx: FuzzContext): Promise<Finding[]> => {
      const slot = ctx.cluster.slots[member]!;
      const headers = withChanges(baseHeaders("/etcdserverpb.Maintenance/Status"), { "grpc-timeout": "5S" });
      const outcome = await sendGrpc({ port: slot.clientPort, headers, data, after: "end", firstOnly: false, timeoutMs: options.requestTimeoutMs });
      if (outcome.grpcStatus === "0" && outcome.messages === 1) return [];
      const detail = `a valid Status call answered ${JSON.stringify(outcome)}`;
      return [{ kind: "unresponsive", route: "grpc liveness", encoding: "grpc", mutation: "a valid Status call after the batch", detail, request: `gRPC Status to ${slot.name}` }];
    },
  }));
}

/** A step that expects nothing of the call itself (the member is checked after the batch). */
function dropStep(name: string, path: string, member: number, run: (ctx: FuzzContext) => Promise<void>): Step {
  return {
    route: path,
    encoding: "grpc",
    mutation: name,
    request: `gRPC ${path} to m${member}, dropped`,
    target: path,
    run: async (ctx) => {
      await run(ctx);
      return [];
    },
  };
}

function droppedSteps(options: GrpcPlanOptions): Step[] {
  const steps: Step[] = [];
  const range = grpcFrame(protobufBaseline("RangeRequest"));
  const watch = grpcFrame(protobufBaseline("WatchRequest"));
  const keepAlive = (ctx: FuzzContext): Uint8Array => grpcFrame(encodeProtobuf("LeaseKeepAliveRequest", { ID: ctx.lease }));
  const snapshot = grpcFrame(new Uint8Array(0));
  const observe = grpcFrame(protobufBaseline("LeaderRequest"));
  const open = (path: string): Record<string, string> => withChanges(baseHeaders(path), { "grpc-timeout": null });
  for (let member = 0; member < 3; member++) {
    const one = (name: string, path: string, data: (ctx: FuzzContext) => Uint8Array, after: AfterWrite): Step =>
      dropStep(name, path, member, async (ctx) => {
        await sendGrpc({ port: ctx.cluster.slots[member]!.clientPort, headers: open(path), data: data(ctx), after, firstOnly: false, timeoutMs: options.requestTimeoutMs });
      });
    for (const after of ["cancel", "goaway", "destroy"] as const) {
      steps.push(one(`unary call, half a frame, then ${after}`, "/etcdserverpb.KV/Range", () => range.subarray(0, 3), after));
      steps.push(one(`unary call, a whole frame, then ${after}`, "/etcdserverpb.KV/Range", () => range, after));
      steps.push(one(`watch, a create, then ${after}`, "/etcdserverpb.Watch/Watch", () => watch, after));
      steps.push(one(`watch, half a create, then ${after}`, "/etcdserverpb.Watch/Watch", () => watch.subarray(0, watch.length - 2), after));
      steps.push(one(`keep-alive, one request, then ${after}`, "/etcdserverpb.Lease/LeaseKeepAlive", keepAlive, after));
      steps.push(one(`snapshot, the request, then ${after}`, "/etcdserverpb.Maintenance/Snapshot", () => snapshot, after));
      steps.push(one(`observe, the request, then ${after}`, "/v3electionpb.Election/Observe", () => observe, after));
    }
    const many = (name: string, path: string, data: (ctx: FuzzContext) => Uint8Array, count: number): Step =>
      dropStep(name, path, member, (ctx) => openAndDrop(ctx.cluster.slots[member]!.clientPort, open(path), data(ctx), count));
    steps.push(many("200 watch streams open, then the socket destroyed", "/etcdserverpb.Watch/Watch", () => watch, 200));
    steps.push(many("200 keep-alive streams open, then the socket destroyed", "/etcdserverpb.Lease/LeaseKeepAlive", keepAlive, 200));
    steps.push(many("100 observe streams open, then the socket destroyed", "/v3electionpb.Election/Observe", () => observe, 100));
    steps.push(many("10 snapshot streams open, then the socket destroyed", "/etcdserverpb.Maintenance/Snapshot", () => snapshot, 10));
    steps.push(many("100 unary calls cut mid-frame, then the socket destroyed", "/etcdserverpb.KV/Range", () => range.subarray(0, 7), 100));
  }
  return steps;
}

const PREFACE = new TextEncoder().encode("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");

/** An HTTP/2 frame: 24-bit length (which may lie), type, flags, stream id, payload. */
function h2Frame(type: number, flags: number, streamId: number, payload: Uint8Array, declaredBytes = payload.length): Uint8Array {
  const out = new Uint8Array(9 + payload.length);
  out[0] = (declaredBytes >> 16) & 0xff;
  out[1] = (declaredBytes >> 8) & 0xff;
  out[2] = declaredBytes & 0xff;
  out[3] = type;
  out[4] = flags;
  new DataView(out.buffer).setUint32(5, streamId & 0x7fff_ffff);
  out.set(payload, 9);
  return out;
}

const SETTINGS = h2Frame(4, 0, 0, new Uint8Array(0));

/** Connection-level garbage; `mustClose`: a connection error in RFC 9113, so the server must hang up. */
function garbageSteps(): Step[] {
  const cases: [string, Uint8Array, boolean][] = [
    ["a preface with the wrong magic", new TextEncoder().encode("PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n"), true],
    ["the preface, then a frame declaring 16 MiB", concatBytes(PREFACE, SETTINGS, h2Frame(0, 0, 1, new Uint8Array(16), 0xff_ffff)), true],
    ["the preface, then SETTINGS of 5 bytes", concatBytes(PREFACE, h2Frame(4, 0, 0, new Uint8Array(5))), true],
    ["the preface, then HEADERS on stream 0", concatBytes(PREFACE, SETTINGS, h2Frame(1, 4, 0, Uint8Array.of(0x82))), true],
    ["the preface, then HEADERS of bad HPACK", concatBytes(PREFACE, SETTINGS, h2Frame(1, 5, 1, Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff))), true],
    ["the preface, then a PING of 7 bytes", concatBytes(PREFACE, SETTINGS, h2Frame(6, 0, 0, new Uint8Array(7))), true],
    ["the preface, then a WINDOW_UPDATE of 0", concatBytes(PREFACE, SETTINGS, h2Frame(8, 0, 0, new Uint8Array(4))), true],
    // A connection error in RFC 9113 that Bun's HTTP/2 server ignores (the stream is dropped, the
    // connection kept): not closing is the lenient answer, not damage, so only the member's health counts.
    ["the preface, then DATA on an idle stream", concatBytes(PREFACE, SETTINGS, h2Frame(0, 1, 3, range5())), false],
    ["the preface, then a frame of unknown type", concatBytes(PREFACE, SETTINGS, h2Frame(0xee, 0, 0, new Uint8Array(8))), false],
    ["a gRPC call whose HEADERS have no :path", concatBytes(PREFACE, SETTINGS, h2Frame(1, 4, 1, headersWithoutPath()), h2Frame(0, 1, 1, range5())), false],
    ["half a preface", PREFACE.subarray(0, 10), false],
    ["the preface, then half a frame header", concatBytes(PREFACE, SETTINGS, Uint8Array.of(0, 0, 8)), false],
  ];
  const steps: Step[] = [];
  cases.forEach(([name, bytes, mustClose], i) => {
    const member = i % 3;
    steps.push({
      route: "grpc connection",
      encoding: "h2",
      mutation: name,
      request: `${bytes.length} raw bytes to m${member}'s client port`,
      target: "client port (h2)",
      run: async (ctx) => {
        const slot = ctx.cluster.slots[member]!;
        const outcome = await sendRaw({ port: slot.clientPort, chunks: [bytes], gapMs: 0, untilBytes: 0, waitMs: mustClose ? 3_000 : 300 });
        if (!mustClose || outcome.closedByPeer) return [];
        return [{
          kind: "peer",
          route: "grpc connection",
          encoding: "h2",
          mutation: name,
          detail: "connection still open 3000 ms after an HTTP/2 connection error",
          request: `${bytes.length} raw bytes to ${slot.name}'s client port`,
        }];
      },
    });
  });
  return steps;
}

/**
 * HPACK for a POST to no path (node:http2's client always adds one): :method POST and :scheme http from
 * the static table, :authority and content-type as literals with their static names, te as a new name.
 */
function headersWithoutPath(): Uint8Array {
  const text = (s: string): Uint8Array => new TextEncoder().encode(s);
  const literal = (prefix: number, value: string): Uint8Array => concatBytes(Uint8Array.of(prefix, value.length), text(value));
  return concatBytes(
    Uint8Array.of(0x83, 0x86),
    literal(0x41, "127.0.0.1"),
    literal(0x5f, "application/grpc"),
    Uint8Array.of(0x00, 2), text("te"), Uint8Array.of(8), text("trailers"),
  );
}

function range5(): Uint8Array {
  return grpcFrame(protobufBaseline("RangeRequest"));
}
