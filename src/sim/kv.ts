/**
 * The simulated members' state machine: a string map with per-client request dedupe (a network may
 * duplicate a forwarded proposal, so the same put can be appended twice; only the first counts).
 * Command decoding is total: a committed entry that is not a well-formed command (garbage the simulator
 * proposes on purpose) decodes to an error outcome, never an exception.
 * @module
 */

/** A write command as it travels in a log entry. */
export interface PutCommand {
  clientId: number;
  reqId: number;
  key: string;
  value: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Encodes a put for `propose`. */
export function encodePut(cmd: PutCommand): Uint8Array {
  return encoder.encode(JSON.stringify([cmd.clientId, cmd.reqId, cmd.key, cmd.value]));
}

/** What a committed normal entry holds, decoded. Anything that is not a well-formed command is `invalid`. */
export type Command =
  | { kind: "put"; put: PutCommand }
  | { kind: "marker"; marker: number }
  /** The empty entry a new leader appends. */
  | { kind: "empty" }
  | { kind: "invalid"; reason: string };

/** Bound on a command's encoded size; larger entries are invalid without being parsed. */
export const MAX_COMMAND_BYTES = 64 * 1024;
const MARKER = /^marker:[1-9][0-9]{0,8}$/;
const strictDecoder = new TextDecoder("utf-8", { fatal: true });

/**
 * Decodes a committed entry's data. Total: never throws, whatever the bytes (apply must not stop on a
 * poisoned entry), and deterministic, so every member reaches the same outcome for the same entry.
 */
export function decodeCommand(data: Uint8Array): Command {
  if (data.length === 0) return { kind: "empty" };
  if (data.length > MAX_COMMAND_BYTES) return { kind: "invalid", reason: `${data.length} bytes, over the bound` };
  let text: string;
  try {
    text = strictDecoder.decode(data);
  } catch {
    return { kind: "invalid", reason: "not UTF-8" };
  }
  if (text.startsWith("marker:")) {
    return MARKER.test(text) ? { kind: "marker", marker: Number(text.slice(7)) } : { kind: "invalid", reason: "bad marker" };
  }
  if (!text.startsWith("[")) return { kind: "invalid", reason: "not a command" };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { kind: "invalid", reason: "not JSON" };
  }
  return checkPut(parsed);
}

function checkPut(parsed: unknown): Command {
  if (!Array.isArray(parsed) || parsed.length !== 4) return { kind: "invalid", reason: "put is not a 4-element array" };
  const [clientId, reqId, key, value] = parsed as unknown[];
  if (!Number.isSafeInteger(clientId) || (clientId as number) < 0) return { kind: "invalid", reason: "bad client id" };
  if (!Number.isSafeInteger(reqId) || (reqId as number) < 1) return { kind: "invalid", reason: "bad request id" };
  if (typeof key !== "string" || key === "") return { kind: "invalid", reason: "bad key" };
  if (typeof value !== "string") return { kind: "invalid", reason: "bad value" };
  return { kind: "put", put: { clientId: clientId as number, reqId: reqId as number, key, value } };
}

/** Encodes the end-of-run liveness marker (not a put: ignored by the map). */
export function encodeMarker(n: number): Uint8Array {
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`marker must be a positive integer, got ${n}`);
  return encoder.encode(`marker:${n}`);
}

/** The register map plus the highest request id applied per client. */
export class KvStateMachine {
  readonly values = new Map<string, string>();
  readonly lastReqId = new Map<number, number>();

  /** Applies a put; returns false when it is a duplicate or older than the client's last applied request. */
  applyPut(cmd: PutCommand): boolean {
    const last = this.lastReqId.get(cmd.clientId) ?? 0;
    if (cmd.reqId <= last) return false;
    this.lastReqId.set(cmd.clientId, cmd.reqId);
    this.values.set(cmd.key, cmd.value);
    return true;
  }

  /** The current value of a key, `null` if absent. */
  get(key: string): string | null {
    return this.values.get(key) ?? null;
  }

  /** A deterministic serialisation (sorted), for snapshots. */
  encode(): Uint8Array {
    const values = [...this.values.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1));
    const last = [...this.lastReqId.entries()].sort((a, b) => a[0] - b[0]);
    return encoder.encode(JSON.stringify({ values, last }));
  }

  /** Rebuilds a machine from `encode()` output (empty bytes give an empty machine). */
  static decode(data: Uint8Array): KvStateMachine {
    const sm = new KvStateMachine();
    if (data.length === 0) return sm;
    const parsed = JSON.parse(decoder.decode(data)) as { values: [string, string][]; last: [number, number][] };
    for (const [k, v] of parsed.values) sm.values.set(k, v);
    for (const [c, r] of parsed.last) sm.lastReqId.set(c, r);
    return sm;
  }

  /** A deep copy. */
  clone(): KvStateMachine {
    const sm = new KvStateMachine();
    for (const [k, v] of this.values) sm.values.set(k, v);
    for (const [c, r] of this.lastReqId) sm.lastReqId.set(c, r);
    return sm;
  }
}
