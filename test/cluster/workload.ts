/**
 * The client load the cluster tests run while they kill, pause and reconfigure members: concurrent
 * clients, each preferring a different member, each issuing one operation at a time. Every operation is
 * recorded with its invocation and response times for the linearizability checker (src/sim/
 * linearizability.ts); errors and timeouts of writes are recorded as unknown outcomes, never as failures.
 *
 * Three operation kinds, in turn: a put of a fresh unique key (what "no acknowledged write lost" is checked
 * on), a put of a shared register key with a unique value, and a linearizable get of a shared key.
 * @module
 */
import * as assert from "uvu/assert";
import type { TlsClientMaterial } from "../../src/tls/material.ts";
import { type Client, connect } from "../../src/client/mod.ts";
import { checkHistory, type CheckResult, type Operation } from "../../src/sim/linearizability.ts";

const DECODER = new TextDecoder();
/** Bound on operations per client, so a run can never grow without limit. */
const MAX_OPS_PER_CLIENT = 20_000;

/** How the load is shaped. */
export interface WorkloadOptions {
  /** Client URLs; client i prefers endpoints[i % n] and fails over to the others. */
  endpoints: string[];
  clients: number;
  sharedKeys: number;
  /** Prefix of every key the workload writes. */
  prefix: string;
  /** Per-operation deadline (the client's command timeout). */
  opTimeoutMs?: number;
  /** Pin each client to its one endpoint (no failover). */
  pinned?: boolean;
  /** Explicit endpoint list per client (overrides `endpoints` and `pinned`). */
  endpointsPerClient?: string[][];
  /** Per-client operation deadline override (same index as the clients). */
  opTimeoutPerClientMs?: number[];
}

/** An acknowledged write of a unique key: it must be on every member at the end. */
export interface AckedWrite {
  key: string;
  value: string;
  revision: number;
  clientId: number;
}

/** Counts of what the load did. */
export interface WorkloadStats {
  ops: number;
  putsAcked: number;
  putsUnknown: number;
  readsOk: number;
  readsFailed: number;
}

function rotate<T>(list: readonly T[], start: number): T[] {
  return list.map((_v, i) => list[(start + i) % list.length]!);
}

/** Concurrent recorded clients. `start()`, then `stop()` before checking. */
export class Workload {
  readonly history: Operation[] = [];
  readonly acked: AckedWrite[] = [];
  /** Acknowledged revisions per client, in the order the client saw them. */
  readonly revisions = new Map<number, number[]>();
  readonly stats: WorkloadStats = { ops: 0, putsAcked: 0, putsUnknown: 0, readsOk: 0, readsFailed: 0 };
  /** Error messages seen, by client and message, with counts (a bounded number of distinct ones). */
  readonly errors = new Map<string, number>();
  private running = false;
  private loops: Promise<void>[] = [];
  private readonly epochMs = performance.now();
  private readonly clients: Client[];

  constructor(readonly options: WorkloadOptions) {
    if (options.clients < 1 || options.sharedKeys < 1) throw new Error("workload needs clients and keys");
    const timeoutMs = options.opTimeoutMs ?? 3_000;
    this.clients = [];
    for (let c = 0; c < options.clients; c++) {
      const endpoints = options.endpointsPerClient?.[c] ?? (options.pinned === true
        ? [options.endpoints[c % options.endpoints.length]!]
        : rotate(options.endpoints, c % options.endpoints.length));
      const commandTimeoutMs = options.opTimeoutPerClientMs?.[c] ?? timeoutMs;
      this.clients.push(connect({ endpoints, dialTimeoutMs: Math.min(500, commandTimeoutMs), commandTimeoutMs }));
    }
  }

  /** Milliseconds since the workload was created (the history's clock). */
  now(): number {
    return performance.now() - this.epochMs;
  }

  /** Starts every client loop. */
  start(): void {
    if (this.running) throw new Error("workload already running");
    this.running = true;
    this.loops = this.clients.map((client, c) => this.loop(client, c));
  }

  /** Asks every loop to stop after its current operation and waits for them. */
  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  private sharedKey(n: number): string {
    return `${this.options.prefix}s/${n % this.options.sharedKeys}`;
  }

  private async loop(client: Client, clientId: number): Promise<void> {
    this.revisions.set(clientId, []);
    for (let seq = 0; this.running && seq < MAX_OPS_PER_CLIENT; seq++) {
      this.stats.ops++;
      const kind = seq % 3;
      if (kind === 0) await this.putUnique(client, clientId, seq);
      else if (kind === 1) await this.putShared(client, clientId, seq);
      else await this.getShared(client, clientId, seq);
    }
  }

  private recordError(clientId: number, kind: string, error: unknown): void {
    const text = `client ${clientId} ${kind}: ${error instanceof Error ? error.message : String(error)}`;
    if (this.errors.size < 200 || this.errors.has(text)) this.errors.set(text, (this.errors.get(text) ?? 0) + 1);
  }

  private recordRevision(clientId: number, revision: number): void {
    this.revisions.get(clientId)!.push(revision);
  }

  private async putUnique(client: Client, clientId: number, seq: number): Promise<void> {
    const key = `${this.options.prefix}u/${clientId}/${seq}`;
    const value = `v${clientId}-${seq}`;
    const op: Operation = { clientId, kind: "put", key, value, callTime: this.now() };
    this.history.push(op);
    try {
      const response = await client.put(key, value);
      op.returnTime = this.now();
      const revision = Number(response.header.revision);
      this.acked.push({ key, value, revision, clientId });
      this.recordRevision(clientId, revision);
      this.stats.putsAcked++;
    } catch (error) {
      this.recordError(clientId, "put", error);
      this.stats.putsUnknown++;
    }
  }

  private async putShared(client: Client, clientId: number, seq: number): Promise<void> {
    const key = this.sharedKey(seq + clientId);
    const value = `c${clientId}-${seq}`;
    const op: Operation = { clientId, kind: "put", key, value, callTime: this.now() };
    this.history.push(op);
    try {
      const response = await client.put(key, value);
      op.returnTime = this.now();
      this.recordRevision(clientId, Number(response.header.revision));
      this.stats.putsAcked++;
    } catch (error) {
      this.recordError(clientId, "put", error);
      this.stats.putsUnknown++; // returnTime stays undefined: it may or may not have happened
    }
  }

  private async getShared(client: Client, clientId: number, seq: number): Promise<void> {
    const key = this.sharedKey(seq * 7 + clientId);
    const callTime = this.now();
    try {
      const response = await client.get(key);
      const kv = response.kvs?.[0];
      const value = kv === undefined ? null : DECODER.decode(kv.value);
      this.history.push({ clientId, kind: "get", key, value, callTime, returnTime: this.now() });
      this.stats.readsOk++;
    } catch (error) {
      this.recordError(clientId, "get", error);
      this.stats.readsFailed++; // a read without an answer observed nothing
    }
  }

  /** Linearizable reads of every shared key through `endpoint`, appended to the history. */
  async finalReads(endpoint: string): Promise<void> {
    const client = connect({ endpoints: [endpoint], commandTimeoutMs: 5_000 });
    for (let k = 0; k < this.options.sharedKeys; k++) {
      const key = this.sharedKey(k);
      const callTime = this.now();
      const response = await client.get(key);
      const kv = response.kvs?.[0];
      const value = kv === undefined ? null : DECODER.decode(kv.value);
      this.history.push({ clientId: -1, kind: "get", key, value, callTime, returnTime: this.now() });
    }
  }
}

/** Each client's acknowledged revisions must strictly increase (it waits for one before the next). */
export function nonIncreasingRevisions(revisions: Map<number, number[]>): string[] {
  const problems: string[] = [];
  for (const [clientId, list] of revisions) {
    for (let i = 1; i < list.length; i++) {
      if (list[i]! <= list[i - 1]!) problems.push(`client ${clientId}: revision ${list[i]} after ${list[i - 1]}`);
    }
  }
  return problems;
}

/** Every key/value under `prefix` on one member, read serializably (its local state). */
export async function localSnapshot(endpoint: string, prefix: string, tls?: TlsClientMaterial): Promise<Map<string, string>> {
  const client = connect({ endpoints: [endpoint], commandTimeoutMs: 10_000, ...(tls === undefined ? {} : { tls }) });
  const response = await client.get(prefix, { prefix: true, serializable: true });
  const map = new Map<string, string>();
  for (const kv of response.kvs ?? []) map.set(DECODER.decode(kv.key), DECODER.decode(kv.value));
  return map;
}

/** Acknowledged writes missing (or with another value) on a member's snapshot. */
export function missingWrites(acked: readonly AckedWrite[], snapshot: Map<string, string>): AckedWrite[] {
  return acked.filter((w) => snapshot.get(w.key) !== w.value);
}

/** The linearizability verdict; "unknown" (a bound exhausted) is reported as a failure by callers. */
export function checkLinearizable(history: readonly Operation[]): CheckResult {
  return checkHistory(history, { maxStepsPerKey: 2_000_000 });
}

/**
 * The history plus one read, after everything, of a value that a later acknowledged put overwrote: the
 * checker must call it a violation, which shows the check on the real history could fail. Undefined when
 * no key had two acknowledged puts of different values in sequence.
 */
export function withStaleRead(history: readonly Operation[]): Operation[] | undefined {
  const end = Math.max(...history.map((op) => op.returnTime ?? op.callTime)) + 1;
  const byKey = new Map<string, Operation[]>();
  for (const op of history) {
    if (op.kind !== "put" || op.returnTime === undefined) continue;
    byKey.set(op.key, [...(byKey.get(op.key) ?? []), op]);
  }
  for (const [key, puts] of byKey) {
    const first = puts[0]!;
    // A put that started after the first one returned really did overwrite it.
    const later = puts.find((p) => p.callTime > first.returnTime! && p.value !== first.value);
    if (later === undefined) continue;
    return [...history, { clientId: -2, kind: "get", key, value: first.value, callTime: end, returnTime: end + 1 }];
  }
  return undefined;
}

/**
 * The end-of-run checks every crash test makes, after the load stopped and the members caught up: each
 * member (read once) has every acknowledged write under `prefix`, the members agree, each client's
 * revisions increase, and the history is linearizable. With `probeChecker`, the checker must also reject
 * the history plus one stale read, which shows the check could fail. Returns the verdict for reporting.
 */
export async function assertNothingLost(
  workload: Workload,
  members: readonly { name: string; clientUrl: string }[],
  prefix: string,
  options: { probeChecker?: boolean } = {},
): Promise<CheckResult> {
  const snapshots = await Promise.all(members.map((m) => localSnapshot(m.clientUrl, prefix)));
  snapshots.forEach((snapshot, i) => {
    const missing = missingWrites(workload.acked, snapshot);
    assert.is(missing.length, 0, `${members[i]!.name} lost ${missing.length} acknowledged writes, e.g. ${JSON.stringify(missing.slice(0, 3))}`);
  });
  for (const other of snapshots.slice(1)) assert.equal(other, snapshots[0], "members' states differ");
  assert.equal(nonIncreasingRevisions(workload.revisions), []);
  const verdict = checkLinearizable(workload.history);
  assert.is(verdict.outcome, "ok", `linearizability: ${verdict.outcome} ${verdict.detail ?? ""} unknown keys ${verdict.unknownKeys}`);
  if (options.probeChecker === true) {
    const corrupted = withStaleRead(workload.history);
    assert.ok(corrupted !== undefined, "no overwritten value to probe the checker with");
    assert.is(checkLinearizable(corrupted).outcome, "violation", "the checker accepted a stale read");
  }
  return verdict;
}
