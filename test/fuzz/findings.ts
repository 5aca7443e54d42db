/**
 * Judging the fuzzer's answers and folding them into classes. Pure: outcomes in, findings out.
 *
 * A finding is a crash, a hang, a 5xx, a connection dropped without an answer, an answer that does not
 * decode, a member that stopped answering, or broken state afterwards (sentinels, membership). The one 5xx
 * etcd itself gives is allowed: its gateway answers a JSON watch request it cannot decode with 500 and gRPC
 * code 2 (Unknown), keeping the decoder's text — unless that text is a JavaScript error, which is our bug.
 * @module
 */
import { decodeCborValue } from "../../src/codec/cbor.ts";
import type { GrpcOutcome } from "./grpc_probe.ts";
import type { HttpOutcome } from "./probe.ts";

/** What kind of failure. */
export type FindingKind =
  | "crash" // a member process exited
  | "unresponsive" // a member stopped answering, or the cluster lost its leader
  | "hang" // no answer within the per-request timeout
  | "5xx"
  | "dropped" // the connection closed without an answer
  | "undecodable" // an answer whose body is not what its content type says
  | "peer" // the peer port kept a connection the member should have closed
  | "internal" // an exception that was not an etcd error, in an answer or in a member's log
  | "state"; // sentinels or membership changed

/** One observed failure. */
export interface Finding {
  kind: FindingKind;
  /** Canonical route (a /v3beta alias is reported under its /v3 route), or "peer:<member>" etc. */
  route: string;
  encoding: string;
  /** The mutation that caused it, e.g. "body: empty". */
  mutation: string;
  /** What happened, e.g. "500 {code 2: TypeError …}" or "m0 exited: fatal: …". */
  detail: string;
  /** The exact request, for a replay by hand (path, member, sizes). */
  request?: string;
}

/** A deduplicated class of findings. */
export interface FindingClass {
  key: string;
  first: Finding;
  count: number;
  /** Other mutations (up to a few) that fell in the same class. */
  alsoBy: string[];
}

/** JavaScript's own error texts: an answer carrying one leaks an exception that was not an etcd error. */
const JS_ERROR = /\b(TypeError|RangeError|ReferenceError|InternalError|is not a function|is not an object|Cannot read propert|undefined is not|null is not|Maximum call stack|out of memory|is not iterable)\b/i;

/**
 * What a gRPC status message must not carry besides JS_ERROR's texts: words only a JavaScript value
 * printed by accident writes, and stack frames.
 */
const JS_LEAK = /\b(undefined|NaN)\b|\[object \w+\]|\n\s*at |\.ts:\d+/;

/** Context of one gRPC answer. */
export interface GrpcAnswerContext {
  route: string;
  encoding: string;
  mutation: string;
  request: string;
  /** The message was over the receive limit: a reset instead of a status is acceptable. */
  oversized: boolean;
  timeoutMs: number;
}

/**
 * The finding a gRPC answer amounts to, or undefined when it is one etcd could give: a gRPC status
 * (0–16) within the time bound (or, for a stream abandoned at its first message, that message), with a
 * message that leaks no JavaScript error, and no 5xx.
 */
export function judgeGrpc(outcome: GrpcOutcome, ctx: GrpcAnswerContext): Finding | undefined {
  const finding = (kind: FindingKind, detail: string): Finding => ({
    kind,
    route: ctx.route,
    encoding: ctx.encoding,
    mutation: ctx.mutation,
    detail,
    request: ctx.request,
  });
  if (outcome.refusedByClient !== undefined) return undefined; // never sent
  if (outcome.timedOut) return finding("hang", `no gRPC status within ${ctx.timeoutMs} ms (${outcome.messages} messages)`);
  const message = outcome.grpcMessage ?? "";
  if (JS_ERROR.test(message) || JS_LEAK.test(message)) {
    return finding("internal", `status ${outcome.grpcStatus} with a JavaScript error: ${message}`);
  }
  if (outcome.httpStatus !== undefined && outcome.httpStatus >= 500) {
    return finding("5xx", `HTTP ${outcome.httpStatus}, status ${outcome.grpcStatus}: ${message}`);
  }
  if (outcome.grpcStatus !== undefined) {
    const code = Number(outcome.grpcStatus);
    if (!/^\d{1,2}$/.test(outcome.grpcStatus) || code > 16) return finding("undecodable", `grpc-status ${JSON.stringify(outcome.grpcStatus)} is no gRPC code`);
    return undefined;
  }
  if (outcome.messages > 0) return undefined; // a stream that answered, abandoned by us
  if (ctx.oversized) return undefined; // refusing early may reset the stream; the member is checked after
  return finding("dropped", `the stream ended without a gRPC status (HTTP ${outcome.httpStatus ?? "none"})`);
}

/** Context of one answer. */
export interface AnswerContext {
  route: string;
  encoding: string;
  mutation: string;
  request: string;
  /** The request body was over a size bound: the server may close the connection instead of answering. */
  oversized: boolean;
  /** The route answers one message (not a stream), so a 2xx body must decode too. */
  unary: boolean;
  /** How the server reads the body: CBOR for a Content-Type of application/cbor, JSON for anything else. */
  sentFormat: "json" | "cbor";
  timeoutMs: number;
}

/** The finding an HTTP answer amounts to, or undefined when it is acceptable. */
export function judgeHttp(outcome: HttpOutcome, ctx: AnswerContext): Finding | undefined {
  const finding = (kind: FindingKind, detail: string): Finding => ({
    kind,
    route: ctx.route,
    encoding: ctx.encoding,
    mutation: ctx.mutation,
    detail,
    request: ctx.request,
  });
  if (outcome.timedOut) return finding("hang", `no answer within ${ctx.timeoutMs} ms`);
  if (outcome.status === undefined) {
    if (ctx.oversized) return undefined; // refusing early may reset the upload; the member is checked after
    return finding("dropped", `connection closed without an answer (${outcome.error ?? "?"})`);
  }
  const body = outcome.body ?? new Uint8Array(0);
  const error = errorOf(body, outcome.contentType);
  if (error?.message !== undefined && JS_ERROR.test(error.message)) {
    return finding(outcome.status >= 500 ? "5xx" : "internal", `${outcome.status} with a JavaScript error: ${error.message}`);
  }
  if (outcome.status >= 500) {
    if (allowedByEtcd(ctx, outcome.status, error?.code)) return undefined;
    return finding("5xx", `${outcome.status} ${describe(body, outcome.contentType)}`);
  }
  // Error answers, and every answer of a unary route, are one message in their content type.
  if ((outcome.status >= 400 || ctx.unary) && !decodes(body, outcome.contentType)) {
    return finding("undecodable", `${outcome.status} with a body that is not ${outcome.contentType}`);
  }
  return undefined;
}

/**
 * etcd 3.4's gateway answers a JSON watch request it cannot decode with 500, code 2 (observed; see
 * src/api/watch_route.ts). CBOR is tsetcd's own: a bad frame there is the client's fault, a 400.
 */
function allowedByEtcd(ctx: AnswerContext, status: number, code: number | undefined): boolean {
  return ctx.route === "/v3/watch" && ctx.sentFormat === "json" && status === 500 && code === 2;
}

interface ErrorBody {
  code?: number;
  message?: string;
}

/** The `{code, message}` of an error body in either encoding, if it is one. */
function errorOf(body: Uint8Array, contentType: string | undefined): ErrorBody | undefined {
  const value = parse(body, contentType);
  if (typeof value !== "object" || value === null) return undefined;
  const { code, message, error } = value as Record<string, unknown>;
  const inner = typeof error === "object" && error !== null ? error as Record<string, unknown> : undefined;
  const text = typeof message === "string" ? message : typeof inner?.message === "string" ? inner.message : undefined;
  return { code: typeof code === "number" ? code : undefined, message: text };
}

function parse(body: Uint8Array, contentType: string | undefined): unknown {
  try {
    if (contentType?.startsWith("application/cbor")) return decodeCborValue(body);
    if (contentType?.startsWith("application/json")) return JSON.parse(new TextDecoder().decode(body));
  } catch {
    return undefined;
  }
  return undefined;
}

function decodes(body: Uint8Array, contentType: string | undefined): boolean {
  if (body.length === 0) return true;
  if (contentType?.startsWith("application/cbor") || contentType?.startsWith("application/json")) {
    return parse(body, contentType) !== undefined;
  }
  return true; // text/plain answers (404, 405) say what they like
}

function describe(body: Uint8Array, contentType: string | undefined): string {
  const error = errorOf(body, contentType);
  if (error?.message !== undefined) return `code ${error.code}: ${error.message}`;
  return JSON.stringify(new TextDecoder().decode(body.subarray(0, 200)));
}

/** Numbers, ids and quoted values vary between requests of one class; they do not make a new class. */
export function normaliseDetail(detail: string): string {
  return detail
    .replace(/"[^"]{0,200}"/g, '"…"')
    .replace(/\b0x[0-9a-f]+\b/gi, "N")
    .replace(/-?\d+(\.\d+)?/g, "N")
    .slice(0, 200);
}

/** Kinds whose detail says nothing about the cause ("no answer within …"): their class is per route. */
const GENERIC_KINDS: ReadonlySet<FindingKind> = new Set(["hang", "dropped", "undecodable", "peer", "state"]);

/**
 * Folds findings into classes: one per kind and normalised detail (the same error on two routes is one
 * bug), and per route as well where the detail is generic.
 */
export function classify(findings: readonly Finding[]): FindingClass[] {
  const classes = new Map<string, FindingClass>();
  for (const f of findings) {
    const key = `${f.kind} ${GENERIC_KINDS.has(f.kind) ? f.route : ""} ${normaliseDetail(f.detail)}`;
    const known = classes.get(key);
    if (known === undefined) {
      classes.set(key, { key, first: f, count: 1, alsoBy: [] });
      continue;
    }
    known.count++;
    const route = f.route === known.first.route ? "" : `${f.route} `;
    const by = `${route}${f.encoding} ${f.mutation}`;
    if (known.alsoBy.length < 4 && by !== `${known.first.encoding} ${known.first.mutation}` && !known.alsoBy.includes(by)) {
      known.alsoBy.push(by);
    }
  }
  return [...classes.values()];
}

/** The report of the classes, one block each. */
export function formatClasses(classes: readonly FindingClass[]): string {
  return classes.map((c, i) => {
    const f = c.first;
    const lines = [
      `${i + 1}. [${f.kind}] ${f.route} (${f.encoding}) — ${f.mutation}`,
      `   ${f.detail}`,
    ];
    if (f.request !== undefined) lines.push(`   request: ${f.request}`);
    if (c.count > 1) lines.push(`   ${c.count} requests in this class${c.alsoBy.length > 0 ? `, also: ${c.alsoBy.join("; ")}` : ""}`);
    return lines.join("\n");
  }).join("\n");
}

/**
 * One line for an error a member printed: the prefix of line `index` (Bun follows it with the source
 * excerpt, which is dropped), the `error: …` message below it and the first stack frame.
 */
export function summariseError(lines: readonly string[], index: number): string {
  // Bun follows the prefix with a source excerpt ("33 | …") or an object's opening ("DOMException {").
  const prefix = lines[index]!.replace(/\s\d+ \|.*$/, "").replace(/\s\w+ \{\s*$/, "").trim();
  let message = "";
  let at = "";
  // Bun prints at most a dozen excerpt lines before the message; the stack follows it.
  for (let i = index + 1; i < Math.min(lines.length, index + 40); i++) {
    const line = lines[i]!.trim();
    if (message === "") {
      const m = /^(?:\w*Error|error): (.*)$/.exec(line);
      if (m !== null) message = m[1]!;
      continue;
    }
    const frame = /^at (\S+) \(.*\/([^/]+:\d+):\d+\)$/.exec(line);
    if (frame !== null) at = ` (at ${frame[1]} ${frame[2]})`;
    break;
  }
  if (message === "") message = objectError(lines, index) ?? "";
  return `${prefix} ${message}${at}`.slice(0, 300);
}

/** An error Bun prints as an object (`DOMException {` then `name: "…"`, `message: "…"` lines). */
function objectError(lines: readonly string[], index: number): string | undefined {
  const head = /(\w+) \{\s*$/.exec(lines[index]!);
  if (head === null) return undefined;
  let name = head[1]!;
  let message = "";
  for (let i = index + 1; i < Math.min(lines.length, index + 12); i++) {
    const field = /^\s*(name|message): "(.*)",?$/.exec(lines[i]!);
    if (field?.[1] === "name") name = field[2]!;
    if (field?.[1] === "message") message = field[2]!;
  }
  return `${name}: ${message}`;
}
