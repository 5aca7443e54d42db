/**
 * `watch`'s pure parts: etcdctl 3.4's argument rules (key, range_end, `--` and the command after it, the
 * ETCDCTL_WATCH_KEY / ETCDCTL_WATCH_RANGE_END environment) and its display of each watch response in
 * every output format, plus the environment a per-event command gets.
 * @module
 */
import type { Event, KeyValue, ResponseHeader, WatchResponse } from "../src/codec/messages.ts";
import { EventType } from "../src/codec/messages.ts";
import { CliError, ExitCode } from "./errors.ts";
import { base64, bytesToText, goJsonString, goQuote, hexEscape } from "./format.ts";
import type { PrintOptions } from "./printer.ts";

/** etcdctl's argument errors, word for word. */
export const WATCH_ERRORS = {
  badArgsNum: "bad number of arguments",
  conflictEnv: "bad number of arguments (found conflicting environment key)",
  separator: "bad number of arguments (found separator --, but no commands)",
  prefixAndRange: "`range_end` and `--prefix` are mutually exclusive",
} as const;

/** What to watch and what to run per event. */
export interface WatchArgs {
  watchArgs: string[];
  execArgs: string[];
}

/**
 * etcdctl's parseWatchArgs for the command line (not interactive): `rawArgs` is argv after the word
 * "watch" (flags and `--` included), `commandArgs` the positional words after flag parsing.
 */
export function parseWatchArgs(rawArgs: string[], commandArgs: string[], envKey: string, envRange: string): WatchArgs {
  const execIdx = rawArgs.indexOf("--");
  const execExist = execIdx >= 0;
  if (execExist && execIdx === rawArgs.length - 1) throw badArgs(WATCH_ERRORS.separator);
  if (!execExist && rawArgs.length < 1 && envKey === "") throw badArgs(WATCH_ERRORS.badArgsNum);
  if (execExist && envKey !== "" && conflictsWithEnv(rawArgs, commandArgs, execIdx)) {
    throw badArgs(WATCH_ERRORS.conflictEnv);
  }
  if (!execExist && commandArgs.length > 0 && envKey !== "") throw badArgs(WATCH_ERRORS.conflictEnv);
  return splitExec(rawArgs, commandArgs, envKey, envRange);
}

/** The interactive form: `words` is one line's words after "watch", `positional` what flag parsing left. */
export function parseInteractiveWatchArgs(words: string[], positional: string[], envKey: string, envRange: string): WatchArgs {
  const sep = words.indexOf("--");
  if (sep >= 0 && sep === words.length - 1) throw badArgs(WATCH_ERRORS.separator);
  if (sep < 0 && envKey === "" && positional.length < 1) throw badArgs(WATCH_ERRORS.badArgsNum);
  if (sep < 0 && positional.length > 0 && envKey !== "") throw badArgs(WATCH_ERRORS.conflictEnv);
  return splitExec(words, positional, envKey, envRange);
}

/** Separates the command after `--` from the watch arguments, prepending the environment's key. */
function splitExec(withSep: string[], positional: string[], envKey: string, envRange: string): WatchArgs {
  const sep = withSep.indexOf("--");
  const execArgs = sep >= 0 ? withSep.slice(sep + 1) : [];
  let watchArgs = [...positional];
  if (envKey !== "") watchArgs = [envKey, ...(envRange !== "" ? [envRange] : []), ...watchArgs];
  if (sep < 0) return { watchArgs, execArgs };
  // The positional words end with the command: cut at the last occurrence of its first word.
  let end = watchArgs.length - 1;
  while (end >= 0 && watchArgs[end] !== execArgs[0]) end -= 1;
  return { watchArgs: watchArgs.slice(0, Math.max(0, end)), execArgs };
}

/** etcdctl's check that ETCDCTL_WATCH_KEY and a key on the command line are not both given. */
function conflictsWithEnv(rawArgs: string[], commandArgs: string[], execIdx: number): boolean {
  let ridx = rawArgs.length - 1;
  for (let widx = commandArgs.length - 1; widx >= 0; widx--) {
    if (commandArgs[widx] === rawArgs[ridx]) {
      ridx -= 1;
      continue;
    }
    if (ridx === execIdx) return true;
  }
  return false;
}

function badArgs(message: string): CliError {
  return new CliError(ExitCode.BadArgs, message);
}

/** etcd's IsProgressNotify: no events, not created or canceled, a revision. */
export function isProgressNotify(resp: WatchResponse): boolean {
  return resp.events.length === 0 && resp.canceled !== true && resp.created !== true &&
    (resp.compact_revision ?? 0) === 0 && resp.header.revision !== 0;
}

/** The environment etcdctl gives the command run for one event. */
export function eventEnv(resp: WatchResponse, event: Event): Record<string, string> {
  return {
    ETCD_WATCH_REVISION: String(resp.header.revision),
    ETCD_WATCH_EVENT_TYPE: `"${typeName(event)}"`,
    ETCD_WATCH_KEY: goQuote(event.kv.key),
    ETCD_WATCH_VALUE: goQuote(event.kv.value),
  };
}

/** Go's %q of a []string, as etcdctl names a failed command: `["false" "x"]`. */
export function goQuoteList(items: string[]): string {
  return `[${items.map((item) => goQuote(item)).join(" ")}]`;
}

function typeName(event: Event): string {
  return event.type === EventType.DELETE ? "DELETE" : "PUT";
}

/** One response as etcdctl's display.Watch writes it: text, or raw bytes for protobuf. */
export function displayWatch(resp: WatchResponse, options: PrintOptions): string | Uint8Array {
  switch (options.format) {
    case "simple":
      return resp.events.map((event) => simpleEvent(event, options.hex === true)).join("");
    case "json":
      return jsonWatch(resp) + "\n";
    case "fields":
      return fieldsWatch(resp);
    case "protobuf":
      return protoWatch(resp);
    default:
      throw new CliError(ExitCode.BadFeature, `${options.format} not supported as output format`);
  }
}

function simpleKv(kv: KeyValue, hex: boolean): string {
  const text = hex ? hexEscape : bytesToText;
  return `${text(kv.key)}\n${text(kv.value)}\n`;
}

function simpleEvent(event: Event, hex: boolean): string {
  return `${typeName(event)}\n${event.prev_kv === undefined ? "" : simpleKv(event.prev_kv, hex)}${simpleKv(event.kv, hex)}`;
}

// ---- json: encoding/json over clientv3.WatchResponse (capitalised fields, pb structs with omitempty) ----

function jsonFields(fields: [string, string | undefined][]): string {
  return `{${fields.filter((f) => f[1] !== undefined).map(([name, value]) => `"${name}":${value}`).join(",")}}`;
}

function jsonNumber(value: number | bigint): string | undefined {
  return value === 0 || value === 0n ? undefined : String(value);
}

function jsonHeader(h: ResponseHeader): string {
  return jsonFields([
    ["cluster_id", jsonNumber(h.cluster_id)],
    ["member_id", jsonNumber(h.member_id)],
    ["revision", jsonNumber(h.revision)],
    ["raft_term", jsonNumber(h.raft_term)],
  ]);
}

function jsonKv(kv: KeyValue): string {
  return jsonFields([
    ["key", kv.key.length > 0 ? goJsonString(base64(kv.key)) : undefined],
    ["create_revision", jsonNumber(kv.create_revision)],
    ["mod_revision", jsonNumber(kv.mod_revision)],
    ["version", jsonNumber(kv.version)],
    ["value", kv.value.length > 0 ? goJsonString(base64(kv.value)) : undefined],
    ["lease", jsonNumber(kv.lease)],
  ]);
}

function jsonEvent(event: Event): string {
  return jsonFields([
    ["type", jsonNumber(event.type)],
    ["kv", jsonKv(event.kv)],
    ["prev_kv", event.prev_kv === undefined ? undefined : jsonKv(event.prev_kv)],
  ]);
}

function jsonWatch(resp: WatchResponse): string {
  // etcdctl prints an empty list (never null) for responses without events: progress, canceled.
  const events = `[${resp.events.map(jsonEvent).join(",")}]`;
  return `{"Header":${jsonHeader(resp.header)},"Events":${events},"CompactRevision":${resp.compact_revision ?? 0},` +
    `"Canceled":${resp.canceled === true},"Created":${resp.created === true}}`;
}

// ---- fields ----

function fieldsKv(prefix: string, kv: KeyValue): string {
  return `"${prefix}Key" : ${goQuote(kv.key)}\n"${prefix}CreateRevision" : ${kv.create_revision}\n` +
    `"${prefix}ModRevision" : ${kv.mod_revision}\n"${prefix}Version" : ${kv.version}\n` +
    `"${prefix}Value" : ${goQuote(kv.value)}\n"${prefix}Lease" : ${kv.lease}\n`;
}

function fieldsWatch(resp: WatchResponse): string {
  const h = resp.header;
  let text = `"ClusterID" : ${h.cluster_id}\n"MemberID" : ${h.member_id}\n"Revision" : ${h.revision}\n` +
    `"RaftTerm" : ${h.raft_term}\n`;
  for (const event of resp.events) {
    text += `"Type" : ${typeName(event)}\n`;
    if (event.prev_kv !== undefined) text += fieldsKv("Prev", event.prev_kv);
    text += fieldsKv("", event.kv);
  }
  return text;
}

// ---- protobuf: etcdserverpb.WatchResponse{Header, Created, Canceled, CompactRevision, Events} ----

function varint(out: number[], value: number | bigint): void {
  let v = BigInt.asUintN(64, BigInt(value));
  for (let i = 0; i < 10; i++) {
    const low = Number(v & 0x7fn);
    v >>= 7n;
    if (v === 0n) {
      out.push(low);
      return;
    }
    out.push(low | 0x80);
  }
}

function intField(out: number[], field: number, value: number | bigint): void {
  if (value === 0 || value === 0n) return;
  varint(out, field << 3);
  varint(out, value);
}

function bytesField(out: number[], field: number, bytes: Uint8Array | number[], always = false): void {
  if (bytes.length === 0 && !always) return;
  varint(out, (field << 3) | 2);
  varint(out, bytes.length);
  for (const byte of bytes) out.push(byte);
}

function protoKv(kv: KeyValue): number[] {
  const out: number[] = [];
  bytesField(out, 1, kv.key);
  intField(out, 2, kv.create_revision);
  intField(out, 3, kv.mod_revision);
  intField(out, 4, kv.version);
  bytesField(out, 5, kv.value);
  intField(out, 6, kv.lease);
  return out;
}

function protoWatch(resp: WatchResponse): Uint8Array {
  const out: number[] = [];
  const header: number[] = [];
  intField(header, 1, resp.header.cluster_id);
  intField(header, 2, resp.header.member_id);
  intField(header, 3, resp.header.revision);
  intField(header, 4, resp.header.raft_term);
  bytesField(out, 1, header, true);
  intField(out, 3, resp.created === true ? 1 : 0);
  intField(out, 4, resp.canceled === true ? 1 : 0);
  intField(out, 5, resp.compact_revision ?? 0);
  for (const event of resp.events) {
    const body: number[] = [];
    intField(body, 1, event.type);
    bytesField(body, 2, protoKv(event.kv), true);
    if (event.prev_kv !== undefined) bytesField(body, 3, protoKv(event.prev_kv), true);
    bytesField(out, 11, body, true);
  }
  return new Uint8Array(out);
}
