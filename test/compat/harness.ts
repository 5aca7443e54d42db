/**
 * Differential harness: the same HTTP request goes to real etcd and to tsetcd, both answers are
 * normalised (only what legitimately differs between two clusters: ids, terms, ports, sizes, versions)
 * and compared byte for byte — status, content type and body.
 */
import { decodeCbor, encodeCbor } from "../../src/codec/cbor.ts";
import { errorBody, errorFromBody } from "../../src/codec/http.ts";
import { decodeJson, encodeJson } from "../../src/codec/json.ts";
import type { MessageKind } from "../../src/codec/schema.ts";
import type { ServerProcess } from "../helpers/etcd.ts";

/** One request of a scenario. */
export interface Step {
  /** Shown in diffs. */
  name: string;
  path: string;
  method?: string;
  /**
   * JSON text (or raw bytes) sent as the body; none when undefined. A function gets the header revision of
   * etcd's previous answer, for requests that name a revision written earlier in the scenario.
   */
  body?: string | Uint8Array | ((lastRevision: number) => string);
  /** A streaming route (watch): read this many newline-terminated messages, then hang up. */
  streamLines?: number;
  contentType?: string;
  /** Expected status on etcd: checks our understanding of etcd, so a wrong expectation fails too. */
  status?: number;
  /** Substring expected in etcd's body (after normalisation). */
  includes?: string;
  /** Extra per-step normalisation, applied to both bodies. */
  normalize?: (body: string) => string;
  /** Send to tsetcd as CBOR (the JSON body re-encoded) and turn its CBOR answer back into gateway JSON. */
  cbor?: boolean;
  /**
   * Numbers that may differ a little between the two servers (a remaining TTL): every match of `pattern`
   * (its first group is the number) in our body must be within `maxDiff` of the match in the same place in
   * etcd's, with as many matches on both sides; then both are masked for the byte comparison.
   */
  approx?: { pattern: RegExp; maxDiff: number };
}

/** Request and response kinds of the routes the CBOR steps use. */
const ROUTE_KINDS: Record<string, [MessageKind, MessageKind]> = {
  "/v3/kv/range": ["RangeRequest", "RangeResponse"],
  "/v3/kv/put": ["PutRequest", "PutResponse"],
  "/v3/kv/deleterange": ["DeleteRangeRequest", "DeleteRangeResponse"],
  "/v3/kv/txn": ["TxnRequest", "TxnResponse"],
  "/v3/kv/compaction": ["CompactionRequest", "CompactionResponse"],
  "/v3/maintenance/status": ["StatusRequest", "StatusResponse"],
};

/** What one server answered, normalised. */
export interface Answer {
  status: number;
  contentType: string;
  body: string;
}

const REQUEST_TIMEOUT_MS = 10_000;

/** Values that differ between any two clusters and say nothing about compatibility. */
const NORMALIZERS: [RegExp, string][] = [
  [/"cluster_id":"\d+"/g, '"cluster_id":"<cluster>"'],
  [/"member_id":"\d+"/g, '"member_id":"<member>"'],
  [/"raft_term":"\d+"/g, '"raft_term":"<term>"'],
  [/"leader":"\d+"/g, '"leader":"<member>"'],
  [/"raftIndex":"\d+"/g, '"raftIndex":"<index>"'],
  [/"raftAppliedIndex":"\d+"/g, '"raftAppliedIndex":"<index>"'],
  [/"raftTerm":"\d+"/g, '"raftTerm":"<term>"'],
  [/"dbSize":"\d+"/g, '"dbSize":"<size>"'],
  [/"dbSizeInUse":"\d+"/g, '"dbSizeInUse":"<size>"'],
  [/"version":"3\.4\.\d+"/g, '"version":"3.4.x"'],
  [/"etcdserver":"3\.4\.\d+"/g, '"etcdserver":"3.4.x"'],
  [/127\.0\.0\.1:\d+/g, "127.0.0.1:<port>"],
];

/** Applies the cluster-independent normalisation. */
export function normalizeBody(body: string): string {
  let out = body;
  for (const [pattern, replacement] of NORMALIZERS) out = out.replace(pattern, replacement);
  return out;
}

/** How long a stream step waits for its lines before comparing what arrived. */
const STREAM_WAIT_MS = 3_000;

/** Sends one step to one server. */
export async function send(server: ServerProcess, step: Step, lastRevision = 0): Promise<Answer> {
  const headers: Record<string, string> = {};
  const payload = typeof step.body === "function" ? step.body(lastRevision) : step.body;
  if (step.contentType !== undefined) headers["content-type"] = step.contentType;
  else if (payload !== undefined) headers["content-type"] = "application/x-www-form-urlencoded"; // what curl -d sends
  const hangUp = new AbortController();
  const res = await fetch(server.clientUrl + step.path, {
    method: step.method ?? "POST",
    headers,
    body: payload,
    signal: AbortSignal.any([hangUp.signal, AbortSignal.timeout(REQUEST_TIMEOUT_MS)]),
  });
  const text = step.streamLines === undefined ? await res.text() : await readLines(res, step.streamLines, hangUp);
  let body = normalizeBody(text);
  if (step.normalize !== undefined) body = step.normalize(body);
  const contentType = (res.headers.get("content-type") ?? "").split(";")[0]!.trim();
  return { status: res.status, contentType, body };
}

/** Reads a streaming body until `count` lines arrived or STREAM_WAIT_MS passed, then aborts the request. */
async function readLines(res: Response, count: number, hangUp: AbortController): Promise<string> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const deadline = Date.now() + STREAM_WAIT_MS;
  let text = "";
  try {
    while (text.split("\n").length - 1 < count && Date.now() < deadline) {
      const timer = Bun.sleep(Math.max(1, deadline - Date.now())).then(() => undefined);
      const chunk = await Promise.race([reader.read(), timer]);
      if (chunk === undefined || chunk.done) break;
      text += decoder.decode(chunk.value, { stream: true });
    }
  } finally {
    hangUp.abort();
    reader.releaseLock();
  }
  return text;
}

/** The header revision of a gateway JSON answer (0 when there is none). */
export function headerRevision(body: string): number {
  const match = /"header":\{[^}]*"revision":"(\d+)"/.exec(body);
  return match === null ? 0 : Number(match[1]);
}

/**
 * Sends a JSON step to tsetcd in CBOR and renders the CBOR answer as gateway JSON with our codec, so it
 * compares with etcd's JSON: this checks the server's CBOR path gives the same messages as its JSON path.
 */
export async function sendCbor(server: ServerProcess, step: Step): Promise<Answer> {
  const kinds = ROUTE_KINDS[step.path];
  if (kinds === undefined || typeof step.body !== "string") throw new Error(`cbor step ${step.name}: no route kinds`);
  // (stream and revision-dependent steps are JSON-only)
  const [requestKind, responseKind] = kinds;
  const res = await fetch(server.clientUrl + step.path, {
    method: "POST",
    headers: { "content-type": "application/cbor" },
    body: encodeCbor(decodeJson(requestKind, step.body)),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const bytes = new Uint8Array(await res.arrayBuffer());
  const json = res.status === 200
    ? encodeJson(responseKind, decodeCbor(responseKind, bytes))
    : errorBody(errorFromBody(res.status, bytes));
  let body = normalizeBody(json);
  if (step.normalize !== undefined) body = step.normalize(body);
  // etcd always answers JSON; the CBOR path must label its answer as CBOR instead.
  const contentType = (res.headers.get("content-type") ?? "").split(";")[0]!.trim();
  return { status: res.status, contentType: contentType === "application/cbor" ? "application/json" : contentType, body };
}

/** Runs the steps in order on both servers; returns one line per difference or failed expectation. */
export async function runScenario(etcd: ServerProcess, ours: ServerProcess, steps: Step[]): Promise<string[]> {
  const problems: string[] = [];
  let lastRevision = 0;
  for (const step of steps) {
    const expected = await send(etcd, step, lastRevision);
    const actual = step.cbor === true ? await sendCbor(ours, step) : await send(ours, step, lastRevision);
    lastRevision = headerRevision(expected.body) || lastRevision;
    problems.push(...checkExpectation(step, expected));
    if (step.approx !== undefined) {
      problems.push(...diffApprox(step.name, step.approx, expected.body, actual.body));
      expected.body = maskApprox(step.approx.pattern, expected.body);
      actual.body = maskApprox(step.approx.pattern, actual.body);
    }
    problems.push(...diffAnswers(step, expected, actual));
  }
  return problems;
}

function checkExpectation(step: Step, etcd: Answer): string[] {
  const out: string[] = [];
  if (step.status !== undefined && etcd.status !== step.status) {
    out.push(`[${step.name}] etcd itself answered ${etcd.status}, the case expects ${step.status}: ${etcd.body}`);
  }
  if (step.includes !== undefined && !etcd.body.includes(step.includes)) {
    out.push(`[${step.name}] etcd's body lacks ${JSON.stringify(step.includes)}: ${etcd.body}`);
  }
  return out;
}

/** The `approx` numbers of both bodies, place by place: a missing one or one too far from etcd's is a problem. */
function diffApprox(name: string, approx: { pattern: RegExp; maxDiff: number }, etcd: string, ours: string): string[] {
  const numbers = (body: string): number[] => [...body.matchAll(approx.pattern)].map((m) => Number(m[1]));
  const [theirs, mine] = [numbers(etcd), numbers(ours)];
  if (theirs.length === 0) return [`[${name}] etcd's body has no match of ${approx.pattern}: ${clip(etcd)}`];
  if (theirs.length !== mine.length) return [`[${name}] ${approx.pattern}: etcd ${theirs.length} matches, tsetcd ${mine.length}`];
  return theirs.flatMap((n, i) =>
    Math.abs(n - mine[i]!) <= approx.maxDiff ? [] : [`[${name}] ${approx.pattern}: etcd ${n}, tsetcd ${mine[i]} (allowed ±${approx.maxDiff})`]
  );
}

/** Replaces each `approx` number, keeping the rest of the match, so the bodies compare byte for byte. */
function maskApprox(pattern: RegExp, body: string): string {
  return body.replace(pattern, (match: string, n: string) => match.replace(n, "<approx>"));
}

function diffAnswers(step: Step, etcd: Answer, ours: Answer): string[] {
  const out: string[] = [];
  if (etcd.status !== ours.status) out.push(`[${step.name}] status: etcd ${etcd.status}, tsetcd ${ours.status}`);
  if (etcd.contentType !== ours.contentType) {
    out.push(`[${step.name}] content-type: etcd ${etcd.contentType}, tsetcd ${ours.contentType}`);
  }
  if (etcd.body !== ours.body) {
    out.push(`[${step.name}] body:\n    etcd:   ${clip(etcd.body)}\n    tsetcd: ${clip(ours.body)}`);
  }
  return out;
}

function clip(text: string): string {
  return text.length > 600 ? text.slice(0, 600) + `… (${text.length} chars)` : text;
}

/** Base64 of a UTF-8 string, for building request bodies readably. */
export function b64(text: string): string {
  return Buffer.from(text).toString("base64");
}
