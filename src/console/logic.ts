/**
 * The web console's pure parts: key encoding, the keys tree's paging, value rendering, the guarded writes
 * and how their answers read. No DOM, no fetch: the browser bundle (src/console/app.ts) and the unit tests
 * (test/console/logic_test.ts) import the same functions.
 * @module
 */

/** Keys one tree page asks for at most; the server never returns more, so a 1M-key prefix stays cheap. */
export const TREE_PAGE_KEYS = 100;
/** Older revisions a key's history walks at most, one range each. */
export const HISTORY_MAX_STEPS = 20;

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** Bytes to the gateway's base64. */
export function bytesToBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]!);
  return btoa(binary);
}

/** The gateway's base64 to bytes; an absent field is empty, as protobuf's zero value. */
export function base64ToBytes(text: string | undefined): Uint8Array {
  if (text === undefined || text === "") return new Uint8Array(0);
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** A UTF-8 string as the gateway's base64. */
export function b64(text: string): string {
  return bytesToBase64(encoder.encode(text));
}

/** The gateway's base64 as text; bytes that are not UTF-8 are replaced, for display only. */
export function unb64(text: string | undefined): string {
  return new TextDecoder().decode(base64ToBytes(text));
}

/**
 * The range_end that makes a range cover every key starting with `prefix`, as etcd's clientv3.GetPrefixRangeEnd:
 * the prefix with its last byte below 0xff incremented; "\0" (every key) when no byte can be.
 */
export function prefixEndBytes(prefix: Uint8Array): Uint8Array {
  for (let i = prefix.length - 1; i >= 0; i--) {
    if (prefix[i]! < 0xff) {
      const end = prefix.slice(0, i + 1);
      end[i] = end[i]! + 1;
      return end;
    }
  }
  return new Uint8Array([0]);
}

/** prefixEndBytes for a UTF-8 prefix, as base64 for the gateway. */
export function prefixEndB64(prefix: string): string {
  return bytesToBase64(prefixEndBytes(encoder.encode(prefix)));
}

/** The smallest key after `key` ("key\0"), as base64: where the next page starts. */
export function keyAfterB64(key: string): string {
  const bytes = encoder.encode(key);
  const next = new Uint8Array(bytes.length + 1);
  next.set(bytes);
  return bytesToBase64(next);
}

/** One row of a tree page: a folder (a `/`-prefix holding more keys) or a key. */
export interface TreeEntry {
  kind: "dir" | "key";
  /** The full key, or the folder's prefix ending in "/". */
  path: string;
  /** What the row shows: the part after the parent prefix. */
  label: string;
}

/** A tree page and where the next one starts. */
export interface TreePage {
  entries: TreeEntry[];
  /** The base64 start key of the next page, undefined when this was the last. */
  nextStartB64: string | undefined;
}

/**
 * Groups one page of keys (sorted, all starting with `prefix`) into the prefix's children. A folder shown
 * on this page is skipped whole by the next one (it starts past the folder's range end), so no row repeats
 * across pages and a folder of a million keys costs one page, not a million keys.
 */
export function groupTreePage(prefix: string, keys: readonly string[], more: boolean): TreePage {
  const entries: TreeEntry[] = [];
  for (const key of keys) {
    if (!key.startsWith(prefix)) throw new Error(`key ${JSON.stringify(key)} is outside prefix ${JSON.stringify(prefix)}`);
    const rest = key.slice(prefix.length);
    const slash = rest.indexOf("/");
    if (slash < 0 || key === prefix) {
      entries.push({ kind: "key", path: key, label: rest === "" ? "(this key)" : rest });
      continue;
    }
    const dir = prefix + rest.slice(0, slash + 1);
    const last = entries[entries.length - 1];
    if (last !== undefined && last.kind === "dir" && last.path === dir) continue;
    entries.push({ kind: "dir", path: dir, label: rest.slice(0, slash + 1) });
  }
  const tail = entries[entries.length - 1];
  let nextStartB64: string | undefined;
  if (tail !== undefined && more) {
    // A folder at the end may continue past the page: the next page starts after all of it.
    nextStartB64 = tail.kind === "dir" ? prefixEndB64(tail.path) : keyAfterB64(tail.path);
  }
  // Past the parent's own end nothing belongs to this prefix: the caller stops there.
  if (nextStartB64 !== undefined && prefix !== "" && compareB64(nextStartB64, prefixEndB64(prefix)) >= 0) {
    nextStartB64 = undefined;
  }
  return { entries, nextStartB64 };
}

/** Byte order of two base64 keys, as etcd orders keys. */
export function compareB64(a: string, b: string): number {
  const x = base64ToBytes(a);
  const y = base64ToBytes(b);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

/** The range request for a tree page: keys only, one page, from `startB64` to the prefix's end. */
export function treePageRequest(prefix: string, startB64: string | undefined, limit = TREE_PAGE_KEYS): Record<string, unknown> {
  if (!(limit > 0 && limit <= 10_000)) throw new Error(`tree page limit ${limit} out of range`);
  return {
    key: startB64 ?? b64(prefix === "" ? "\0" : prefix),
    range_end: prefixEndB64(prefix),
    limit,
    keys_only: true,
  };
}

/** How a value is shown and edited. */
export type ValueMode = "text" | "json" | "hex";

/** A value rendered for one mode; `error` says why the mode does not fit (then text is shown). */
export interface RenderedValue {
  text: string;
  error?: string;
}

/** Renders value bytes as text, pretty JSON or hex. */
export function renderValue(bytes: Uint8Array, mode: ValueMode): RenderedValue {
  if (mode === "hex") return { text: toHex(bytes) };
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    return { text: toHex(bytes), error: "not UTF-8: shown as hex" };
  }
  if (mode === "text") return { text };
  try {
    return { text: JSON.stringify(JSON.parse(text), null, 2) };
  } catch (err) {
    return { text, error: `not JSON: ${(err as Error).message}` };
  }
}

/** Bytes as space-separated lowercase hex pairs, 16 to a line. */
export function toHex(bytes: Uint8Array): string {
  const lines: string[] = [];
  for (let i = 0; i < bytes.length; i += 16) {
    lines.push(Array.from(bytes.subarray(i, i + 16), (b) => b.toString(16).padStart(2, "0")).join(" "));
  }
  return lines.join("\n");
}

/** Parses what the editor holds back to bytes for `mode`; an error value (never bytes) when it does not parse. */
export function parseEdited(text: string, mode: ValueMode): { bytes: Uint8Array } | { error: string } {
  if (mode === "text") return { bytes: encoder.encode(text) };
  if (mode === "json") {
    try {
      JSON.parse(text);
    } catch (err) {
      return { error: `invalid JSON: ${(err as Error).message}` };
    }
    return { bytes: encoder.encode(text) };
  }
  const digits = text.replace(/\s+/g, "");
  if (!/^([0-9a-fA-F]{2})*$/.test(digits)) return { error: "hex must be pairs of 0-9 a-f" };
  const bytes = new Uint8Array(digits.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(digits.slice(2 * i, 2 * i + 2), 16);
  return { bytes };
}

/**
 * A put that succeeds only if the key's mod_revision is still `expectedModRevision` (0: the key must not
 * exist), and that reads the key back when it fails, so a conflict shows the value now stored.
 */
export function guardedPutTxn(key: string, valueB64: string, expectedModRevision: number, leaseId = "0"): Record<string, unknown> {
  if (!(Number.isSafeInteger(expectedModRevision) && expectedModRevision >= 0)) throw new Error("bad mod revision");
  const keyB64 = b64(key);
  return {
    compare: [{ key: keyB64, target: "MOD", result: "EQUAL", mod_revision: String(expectedModRevision) }],
    success: [{ request_put: { key: keyB64, value: valueB64, lease: leaseId } }],
    failure: [{ request_range: { key: keyB64 } }],
  };
}

/** A delete of one key that succeeds only if its mod_revision is still `expectedModRevision`. */
export function guardedDeleteTxn(key: string, expectedModRevision: number): Record<string, unknown> {
  if (!(Number.isSafeInteger(expectedModRevision) && expectedModRevision > 0)) throw new Error("bad mod revision");
  const keyB64 = b64(key);
  return {
    compare: [{ key: keyB64, target: "MOD", result: "EQUAL", mod_revision: String(expectedModRevision) }],
    success: [{ request_delete_range: { key: keyB64 } }],
    failure: [{ request_range: { key: keyB64 } }],
  };
}

/**
 * A delete of every key under `prefix` that succeeds only if no key there was written after `revision`
 * (the revision the confirmed count was read at): a key put meanwhile fails the compare, and nothing goes.
 */
export function guardedPrefixDeleteTxn(prefix: string, revision: number): Record<string, unknown> {
  if (prefix === "") throw new Error("refusing to delete every key from the console");
  if (!(Number.isSafeInteger(revision) && revision > 0)) throw new Error("bad revision");
  const range = { key: b64(prefix), range_end: prefixEndB64(prefix) };
  return {
    compare: [{ ...range, target: "MOD", result: "LESS", mod_revision: String(revision + 1) }],
    success: [{ request_delete_range: { ...range } }],
    failure: [{ request_range: { ...range, count_only: true } }],
  };
}

/** A key as the gateway's JSON has it (int64s as strings, bytes as base64; zero fields absent). */
export interface GatewayKv {
  key?: string;
  value?: string;
  create_revision?: string;
  mod_revision?: string;
  version?: string;
  lease?: string;
}

/** What a guarded write's txn answer means for the user. */
export type WriteOutcome =
  | { kind: "written"; revision: number }
  | { kind: "conflict"; current: GatewayKv | undefined; count?: number };

/** Reads a guarded txn's answer: success, or a conflict with what the failure branch read. */
export function writeOutcome(response: Record<string, any>): WriteOutcome {
  const revision = Number(response?.header?.revision ?? 0);
  if (response?.succeeded === true) return { kind: "written", revision };
  const range = response?.responses?.[0]?.response_range;
  const kvs: GatewayKv[] = range?.kvs ?? [];
  return { kind: "conflict", current: kvs[0], count: Number(range?.count ?? kvs.length) };
}

/** The revision to read a key's previous version at, or undefined when `kv` is its first in this life. */
export function previousRevision(kv: GatewayKv): number | undefined {
  const version = Number(kv.version ?? 0);
  const mod = Number(kv.mod_revision ?? 0);
  if (version <= 1 || mod <= 1) return undefined;
  return mod - 1;
}

/** Whether a gateway error is etcd's "required revision has been compacted". */
export function isCompactedError(error: { message?: string; error?: string } | undefined): boolean {
  const text = error?.message ?? error?.error ?? "";
  return text.includes("compacted");
}

/** Whether a gateway error asks for a login (auth on, no or a stale token). */
export function needsLogin(error: { message?: string; error?: string } | undefined): boolean {
  const text = error?.message ?? error?.error ?? "";
  return text.includes("user name is empty") || text.includes("invalid auth token");
}

/** Seconds left of a lease whose TTL was `ttlSeconds` at `readAtMs`, at `nowMs`; never below 0. */
export function ttlLeftSeconds(ttlSeconds: number, readAtMs: number, nowMs: number): number {
  if (ttlSeconds < 0) return -1;
  return Math.max(0, Math.ceil(ttlSeconds - (nowMs - readAtMs) / 1000));
}

/** A byte count for people: 20480 -> "20.0 KiB". */
export function formatBytes(sizeBytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = sizeBytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** A member ID from the gateway (a decimal uint64 string) as etcdctl prints it, in hex. */
export function memberIdHex(id: string | undefined): string {
  return BigInt(id ?? "0").toString(16);
}
