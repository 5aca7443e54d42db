/**
 * etcdctl's output formats (`-w simple|json|fields|table`, `--hex`) for every response the CLI prints.
 * Each function takes a response and returns the exact text etcdctl 3.4 writes; unsupported
 * combinations throw the CliError etcdctl exits with. Pure: no I/O.
 * @module
 */
import type {
  DeleteRangeResponse,
  KeyValue,
  MemberListResponse,
  PutResponse,
  RangeResponse,
  ResponseHeader,
  StatusResponse,
  TxnResponse,
} from "../src/codec/messages.ts";
import { CliError, ExitCode } from "./errors.ts";
import { protoDel, protoMemberList, protoPut, protoRange, protoTxn } from "./protobuf.ts";
import {
  base64,
  bytesToText,
  goDuration,
  goJsonString,
  goQuote,
  hexEscape,
  humanizeBytes,
  renderTable,
} from "./format.ts";

/** The `-w` values etcdctl accepts. */
export const OUTPUT_FORMATS = ["simple", "json", "fields", "table", "protobuf"] as const;
/** One `-w` value. */
export type OutputFormat = typeof OUTPUT_FORMATS[number];

/** How to print: the `-w` format, `--hex`, and get's `--print-value-only`. */
export interface PrintOptions {
  format: OutputFormat;
  hex?: boolean;
  valueOnly?: boolean;
}

/** Text for both streams (endpoint health writes its simple form to stderr); protobuf output is bytes. */
export interface Printed {
  stdout: string;
  stderr: string;
  stdoutBytes?: Uint8Array;
}

/** One endpoint's health as `endpoint health` measures it. */
export interface EndpointHealth {
  endpoint: string;
  health: boolean;
  tookNs: bigint;
  error?: string;
}

/** One endpoint's status as `endpoint status` reads it. */
export interface EndpointStatus {
  endpoint: string;
  status: StatusResponse;
}

function unsupported(format: string): CliError {
  return new CliError(ExitCode.BadFeature, `${format} not supported as output format`);
}

function out(stdout: string): Printed {
  return { stdout, stderr: "" };
}

function outProto(encoded: Uint8Array): Printed {
  return { stdout: "", stderr: "", stdoutBytes: encoded };
}

// ---- JSON: encoding/json over the gogo-protobuf structs, zero values omitted, 64-bit ints as numbers ----

type JsonField = [name: string, value: string | undefined];

function jsonObject(fields: JsonField[]): string {
  const present = fields.filter((f) => f[1] !== undefined).map(([n, v]) => `${goJsonString(n)}:${v}`);
  return `{${present.join(",")}}`;
}

function jsonInt(value: number | bigint | undefined): string | undefined {
  if (value === undefined || value === 0 || value === 0n) return undefined;
  return typeof value === "bigint" ? value.toString() : String(Math.trunc(value));
}

function jsonBool(value: boolean | undefined): string | undefined {
  return value === true ? "true" : undefined;
}

function jsonBytes(value: Uint8Array | undefined): string | undefined {
  return value === undefined || value.length === 0 ? undefined : `"${base64(value)}"`;
}

function jsonString(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : goJsonString(value);
}

function jsonArray(items: string[] | undefined): string | undefined {
  return items === undefined || items.length === 0 ? undefined : `[${items.join(",")}]`;
}

function jsonHeader(h: ResponseHeader | undefined): string | undefined {
  if (h === undefined) return undefined;
  return jsonObject([
    ["cluster_id", jsonInt(h.cluster_id)],
    ["member_id", jsonInt(h.member_id)],
    ["revision", jsonInt(h.revision)],
    ["raft_term", jsonInt(h.raft_term)],
  ]);
}

function jsonKv(kv: KeyValue): string {
  return jsonObject([
    ["key", jsonBytes(kv.key)],
    ["create_revision", jsonInt(kv.create_revision)],
    ["mod_revision", jsonInt(kv.mod_revision)],
    ["version", jsonInt(kv.version)],
    ["value", jsonBytes(kv.value)],
    ["lease", jsonInt(kv.lease)],
  ]);
}

function jsonRange(r: RangeResponse): string {
  return jsonObject([
    ["header", jsonHeader(r.header)],
    ["kvs", jsonArray((r.kvs ?? []).map(jsonKv))],
    ["more", jsonBool(r.more)],
    ["count", jsonInt(r.count)],
  ]);
}

function jsonPut(r: PutResponse): string {
  return jsonObject([
    ["header", jsonHeader(r.header)],
    ["prev_kv", r.prev_kv === undefined ? undefined : jsonKv(r.prev_kv)],
  ]);
}

function jsonDel(r: DeleteRangeResponse): string {
  return jsonObject([
    ["header", jsonHeader(r.header)],
    ["deleted", jsonInt(r.deleted)],
    ["prev_kvs", jsonArray((r.prev_kvs ?? []).map(jsonKv))],
  ]);
}

function jsonTxn(r: TxnResponse): string {
  const responses = (r.responses ?? []).map((op) => {
    let inner: string;
    if (op.response_range !== undefined) inner = jsonObject([["ResponseRange", jsonRange(op.response_range)]]);
    else if (op.response_put !== undefined) inner = jsonObject([["ResponsePut", jsonPut(op.response_put)]]);
    else if (op.response_delete_range !== undefined) {
      inner = jsonObject([["ResponseDeleteRange", jsonDel(op.response_delete_range)]]);
    } else if (op.response_txn !== undefined) inner = jsonObject([["ResponseTxn", jsonTxn(op.response_txn)]]);
    else inner = "{}";
    return jsonObject([["Response", inner]]);
  });
  return jsonObject([
    ["header", jsonHeader(r.header)],
    ["succeeded", jsonBool(r.succeeded)],
    ["responses", jsonArray(responses)],
  ]);
}

function jsonMemberList(r: MemberListResponse): string {
  const members = (r.members ?? []).map((m) =>
    jsonObject([
      ["ID", jsonInt(m.ID)],
      ["name", jsonString(m.name)],
      ["peerURLs", jsonArray((m.peerURLs ?? []).map(goJsonString))],
      ["clientURLs", jsonArray((m.clientURLs ?? []).map(goJsonString))],
      ["isLearner", jsonBool(m.isLearner)],
    ])
  );
  return jsonObject([["header", jsonHeader(r.header)], ["members", jsonArray(members)]]);
}

function jsonStatus(s: StatusResponse): string {
  return jsonObject([
    ["header", jsonHeader(s.header)],
    ["version", jsonString(s.version)],
    ["dbSize", jsonInt(s.dbSize)],
    ["leader", jsonInt(s.leader)],
    ["raftIndex", jsonInt(s.raftIndex)],
    ["raftTerm", jsonInt(s.raftTerm)],
    ["raftAppliedIndex", jsonInt(s.raftAppliedIndex)],
    ["errors", jsonArray((s.errors ?? []).map(goJsonString))],
    ["dbSizeInUse", jsonInt(s.dbSizeInUse)],
    ["isLearner", jsonBool(s.isLearner)],
  ]);
}

// ---- simple ----

function simpleKv(kv: KeyValue, options: PrintOptions): string {
  const key = options.hex === true ? hexEscape(kv.key) : bytesToText(kv.key);
  const value = options.hex === true ? hexEscape(kv.value ?? new Uint8Array()) : bytesToText(kv.value ?? new Uint8Array());
  return options.valueOnly === true ? `${value}\n` : `${key}\n${value}\n`;
}

function simpleRange(r: RangeResponse, options: PrintOptions): string {
  return (r.kvs ?? []).map((kv) => simpleKv(kv, options)).join("");
}

function simplePut(r: PutResponse, options: PrintOptions): string {
  return "OK\n" + (r.prev_kv === undefined ? "" : simpleKv(r.prev_kv, options));
}

function simpleDel(r: DeleteRangeResponse, options: PrintOptions): string {
  return `${r.deleted ?? 0}\n` + (r.prev_kvs ?? []).map((kv) => simpleKv(kv, options)).join("");
}

function simpleTxn(r: TxnResponse, options: PrintOptions): string {
  let text = r.succeeded ? "SUCCESS\n" : "FAILURE\n";
  for (const op of r.responses ?? []) {
    text += "\n";
    if (op.response_delete_range !== undefined) text += simpleDel(op.response_delete_range, options);
    else if (op.response_put !== undefined) text += simplePut(op.response_put, options);
    else if (op.response_range !== undefined) text += simpleRange(op.response_range, options);
    else text += "unexpected response\n";
  }
  return text;
}

// ---- fields (etcdctl ignores --hex here) ----

function fieldsHeader(h: ResponseHeader | undefined): string {
  return `"ClusterID" : ${h?.cluster_id ?? 0n}\n"MemberID" : ${h?.member_id ?? 0n}\n` +
    `"Revision" : ${h?.revision ?? 0}\n"RaftTerm" : ${h?.raft_term ?? 0}\n`;
}

function fieldsKv(prefix: string, kv: KeyValue): string {
  return `"${prefix}Key" : ${goQuote(kv.key)}\n` +
    `"${prefix}CreateRevision" : ${kv.create_revision ?? 0}\n` +
    `"${prefix}ModRevision" : ${kv.mod_revision ?? 0}\n` +
    `"${prefix}Version" : ${kv.version ?? 0}\n` +
    `"${prefix}Value" : ${goQuote(kv.value ?? new Uint8Array())}\n` +
    `"${prefix}Lease" : ${kv.lease ?? 0n}\n`;
}

function fieldsRange(r: RangeResponse): string {
  return fieldsHeader(r.header) + (r.kvs ?? []).map((kv) => fieldsKv("", kv)).join("") +
    `"More" : ${r.more === true}\n"Count" : ${r.count ?? 0}\n`;
}

function fieldsPut(r: PutResponse): string {
  return fieldsHeader(r.header) + (r.prev_kv === undefined ? "" : fieldsKv("Prev", r.prev_kv));
}

function fieldsDel(r: DeleteRangeResponse): string {
  return fieldsHeader(r.header) + `"Deleted" : ${r.deleted ?? 0}\n` +
    (r.prev_kvs ?? []).map((kv) => fieldsKv("Prev", kv)).join("");
}

function fieldsTxn(r: TxnResponse): string {
  let text = fieldsHeader(r.header) + `"Succeeded" : ${r.succeeded === true}\n`;
  for (const op of r.responses ?? []) {
    if (op.response_delete_range !== undefined) text += fieldsDel(op.response_delete_range);
    else if (op.response_put !== undefined) text += fieldsPut(op.response_put);
    else if (op.response_range !== undefined) text += fieldsRange(op.response_range);
    else text += `"Unknown" : "txn"\n`;
  }
  return text;
}

/** Go's fmt of a []string: `[a b]`. */
function goStringSlice(items: string[]): string {
  return `[${items.join(" ")}]`;
}

// ---- per response ----

/** `get`'s output. */
export function printGet(r: RangeResponse, options: PrintOptions): Printed {
  if (options.valueOnly === true && options.format !== "simple") {
    throw new CliError(ExitCode.BadArgs, "print-value-only is only for `--write-out=simple`");
  }
  switch (options.format) {
    case "simple":
      return out(simpleRange(r, options));
    case "json":
      return out(jsonRange(r) + "\n");
    case "fields":
      return out(fieldsRange(r));
    case "protobuf":
      return outProto(protoRange(r));
    default:
      throw unsupported(options.format);
  }
}

/** `put`'s output. */
export function printPut(r: PutResponse, options: PrintOptions): Printed {
  switch (options.format) {
    case "simple":
      return out(simplePut(r, options));
    case "json":
      return out(jsonPut(r) + "\n");
    case "fields":
      return out(fieldsPut(r));
    case "protobuf":
      return outProto(protoPut(r));
    default:
      throw unsupported(options.format);
  }
}

/** `del`'s output. */
export function printDel(r: DeleteRangeResponse, options: PrintOptions): Printed {
  switch (options.format) {
    case "simple":
      return out(simpleDel(r, options));
    case "json":
      return out(jsonDel(r) + "\n");
    case "fields":
      return out(fieldsDel(r));
    case "protobuf":
      return outProto(protoDel(r));
    default:
      throw unsupported(options.format);
  }
}

/** `txn`'s output. */
export function printTxn(r: TxnResponse, options: PrintOptions): Printed {
  switch (options.format) {
    case "simple":
      return out(simpleTxn(r, options));
    case "json":
      return out(jsonTxn(r) + "\n");
    case "fields":
      return out(fieldsTxn(r));
    case "protobuf":
      return outProto(protoTxn(r));
    default:
      throw unsupported(options.format);
  }
}

function memberRows(r: MemberListResponse): string[][] {
  return (r.members ?? []).map((m) => [
    m.ID.toString(16),
    m.name === "" ? "unstarted" : "started",
    m.name,
    (m.peerURLs ?? []).join(","),
    (m.clientURLs ?? []).join(","),
    String(m.isLearner === true),
  ]);
}

const MEMBER_HEADER = ["ID", "Status", "Name", "Peer Addrs", "Client Addrs", "Is Learner"];

function fieldsMemberList(r: MemberListResponse): string {
  let text = fieldsHeader(r.header);
  for (const m of r.members ?? []) {
    text += `"ID" : ${m.ID}\n"Name" : ${goQuote(m.name)}\n`;
    for (const u of m.peerURLs ?? []) text += `"PeerURL" : ${goQuote(u)}\n`;
    for (const u of m.clientURLs ?? []) text += `"ClientURL" : ${goQuote(u)}\n`;
    text += `"IsLearner" : ${m.isLearner === true}\n\n`;
  }
  return text;
}

/** `member list`'s output. */
export function printMemberList(r: MemberListResponse, options: PrintOptions): Printed {
  switch (options.format) {
    case "simple":
      return out(memberRows(r).map((row) => row.join(", ") + "\n").join(""));
    case "json":
      return out(jsonMemberList(r) + "\n");
    case "fields":
      return out(fieldsMemberList(r));
    case "protobuf":
      return outProto(protoMemberList(r));
    case "table":
      return out(renderTable(MEMBER_HEADER, memberRows(r)));
    default:
      throw unsupported(options.format);
  }
}

const STATUS_HEADER = [
  "endpoint",
  "ID",
  "version",
  "db size",
  "is leader",
  "is learner",
  "raft term",
  "raft index",
  "raft applied index",
  "errors",
];

function statusRows(list: EndpointStatus[]): string[][] {
  return list.map(({ endpoint, status: s }) => [
    endpoint,
    s.header.member_id.toString(16),
    s.version,
    humanizeBytes(s.dbSize),
    String(s.leader === s.header.member_id),
    String(s.isLearner === true),
    String(s.raftTerm),
    String(s.raftIndex),
    String(s.raftAppliedIndex),
    (s.errors ?? []).join(", "),
  ]);
}

function fieldsStatus(list: EndpointStatus[]): string {
  return list.map(({ endpoint, status: s }) =>
    fieldsHeader(s.header) +
    `"Version" : ${goQuote(s.version)}\n"DBSize" : ${s.dbSize}\n"Leader" : ${s.leader}\n` +
    `"IsLearner" : ${s.isLearner === true}\n"RaftIndex" : ${s.raftIndex}\n"RaftTerm" : ${s.raftTerm}\n` +
    `"RaftAppliedIndex" : ${s.raftAppliedIndex}\n"Errors" : ${goStringSlice(s.errors ?? [])}\n` +
    `"Endpoint" : ${goQuote(endpoint)}\n\n`
  ).join("");
}

/** `endpoint status`'s output for the endpoints that answered. */
export function printEndpointStatus(list: EndpointStatus[], options: PrintOptions): Printed {
  switch (options.format) {
    case "simple":
      return out(statusRows(list).map((row) => row.join(", ") + "\n").join(""));
    case "json": {
      const items = list.map((e) => jsonObject([["Endpoint", goJsonString(e.endpoint)], ["Status", jsonStatus(e.status)]]));
      return out(`[${items.join(",")}]\n`);
    }
    case "fields":
      return out(fieldsStatus(list));
    case "table":
      return out(renderTable(STATUS_HEADER, statusRows(list)));
    default:
      throw unsupported(options.format);
  }
}

function healthTook(h: EndpointHealth): string {
  return goDuration(h.tookNs);
}

/** `endpoint health`'s output; the simple form goes to stderr, as etcdctl writes it. */
export function printEndpointHealth(list: EndpointHealth[], options: PrintOptions): Printed {
  switch (options.format) {
    case "simple": {
      const lines = list.map((h) =>
        h.error === undefined || h.error === ""
          ? `${h.endpoint} is healthy: successfully committed proposal: took = ${healthTook(h)}\n`
          : `${h.endpoint} is unhealthy: failed to commit proposal: ${h.error}\n`
      );
      return { stdout: "", stderr: lines.join("") };
    }
    case "json": {
      const items = list.map((h) =>
        jsonObject([
          ["endpoint", goJsonString(h.endpoint)],
          ["health", String(h.health)],
          ["took", goJsonString(healthTook(h))],
          ["error", jsonString(h.error)],
        ])
      );
      return out(`[${items.join(",")}]\n`);
    }
    case "fields":
      return out(list.map((h) =>
        `"Endpoint" : ${goQuote(h.endpoint)}\n"Health" : ${h.health}\n"Took" : ${healthTook(h)}\n` +
        `"Error" : ${h.error ?? ""}\n\n`
      ).join(""));
    case "table":
      return out(renderTable(
        ["endpoint", "health", "took", "error"],
        list.map((h) => [h.endpoint, String(h.health), healthTook(h), h.error ?? ""]),
      ));
    default:
      throw unsupported(options.format);
  }
}
