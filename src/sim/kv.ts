/**
 * The simulated members' state machine: a string map with per-client request dedupe (a network may
 * duplicate a forwarded proposal, so the same put can be appended twice; only the first counts).
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

/** Decodes a put; undefined for an entry that is not one (the leader's empty no-op, a liveness marker). */
export function decodePut(data: Uint8Array): PutCommand | undefined {
  if (data.length === 0 || data[0] !== 0x5b /* [ */) return undefined;
  const [clientId, reqId, key, value] = JSON.parse(decoder.decode(data)) as [number, number, string, string];
  return { clientId, reqId, key, value };
}

/** Encodes the end-of-run liveness marker (not a put: ignored by the map). */
export function encodeMarker(n: number): Uint8Array {
  return encoder.encode(`marker:${n}`);
}

/** The marker number in an entry, or undefined. */
export function decodeMarker(data: Uint8Array): number | undefined {
  if (data.length < 7 || data[0] !== 0x6d /* m */) return undefined;
  const text = decoder.decode(data);
  return text.startsWith("marker:") ? Number(text.slice(7)) : undefined;
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
