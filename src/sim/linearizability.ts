/**
 * A linearizability checker for a key-value register history, in the style of Wing & Gong with Lowe's
 * memoisation (as porcupine does it): the history is split per key (a KV map is linearizable iff each key's
 * register is — P-compositionality), then a depth-first search tries to order each key's operations so that
 * every one takes effect between its invocation and its response and every read sees the latest write.
 *
 * An operation whose outcome is unknown (the client timed out) gets an unbounded return time: it may have
 * taken effect at any point after its invocation, or never (which is the same as "at the very end").
 * A return and a call at the same instant are ordered, the return first: a history whose clock is coarser
 * than the real order of its events must break such ties itself (the simulator stamps them in order).
 * Each key's search has a step bound; a bound exhausted gives "unknown", which is neither a pass nor a
 * violation.
 * @module
 */

/** One client operation on the register model. */
export interface Operation {
  /** Who issued it (for messages only; the model does not need it). */
  clientId: number;
  kind: "put" | "get";
  key: string;
  /** put: the value written. get: the value read (`null` = key absent). Ignored for a get with no response. */
  value: string | null;
  /** Simulated time of invocation. */
  callTime: number;
  /** Simulated time of the response; `undefined` when the outcome is unknown (no response). */
  returnTime?: number;
}

/** The verdict for a whole history. */
export type CheckOutcome = "ok" | "violation" | "unknown";

export interface CheckResult {
  outcome: CheckOutcome;
  /** Keys whose search exhausted its bound. */
  unknownKeys: string[];
  /** Keys found not linearizable (the search stops at the first). */
  violatingKeys: string[];
  /** Total search steps across keys (for tuning the bound). */
  steps: number;
  /** Human-readable detail for a violation. */
  detail?: string;
}

export interface CheckOptions {
  /** Bound on DFS steps per key; exhausted → "unknown". */
  maxStepsPerKey?: number;
  /** Bound on wall-clock milliseconds per key; exhausted → "unknown". Off (0) by default for determinism. */
  maxMsPerKey?: number;
}

const DEFAULT_MAX_STEPS_PER_KEY = 200_000;

/**
 * Checks a KV history for linearizability.
 * @example checkHistory([{ clientId: 1, kind: "put", key: "a", value: "1", callTime: 0, returnTime: 2 }])
 */
export function checkHistory(ops: readonly Operation[], options: CheckOptions = {}): CheckResult {
  const byKey = partitionByKey(ops);
  const result: CheckResult = { outcome: "ok", unknownKeys: [], violatingKeys: [], steps: 0 };
  for (const key of [...byKey.keys()].sort()) {
    const keyResult = checkKey(boundUnknownWrites(byKey.get(key)!), options);
    result.steps += keyResult.steps;
    if (keyResult.outcome === "unknown") result.unknownKeys.push(key);
    if (keyResult.outcome === "violation") {
      result.violatingKeys.push(key);
      result.detail = `key ${JSON.stringify(key)}: ${keyResult.detail}`;
      result.outcome = "violation";
      return result;
    }
  }
  if (result.unknownKeys.length > 0) result.outcome = "unknown";
  return result;
}

function partitionByKey(ops: readonly Operation[]): Map<string, Operation[]> {
  const byKey = new Map<string, Operation[]>();
  for (const op of ops) {
    if (op.returnTime !== undefined && op.returnTime < op.callTime) {
      throw new Error(`operation returns before it is called: ${JSON.stringify(op)}`);
    }
    // A read that never answered observed nothing and changed nothing: it constrains no one.
    if (op.kind === "get" && op.returnTime === undefined) continue;
    let list = byKey.get(op.key);
    if (list === undefined) byKey.set(op.key, (list = []));
    list.push(op);
  }
  return byKey;
}

/**
 * Shrinks the search space that writes with unknown outcome open up, without changing the verdict, when
 * every write of the key has a distinct value (the simulator's writes do):
 * - an unknown write nobody read never needs to have happened (it could be placed last): drop it;
 * - an unknown write somebody read took effect before the earliest such read returned: that is its return.
 */
function boundUnknownWrites(ops: readonly Operation[]): Operation[] {
  const writesByValue = new Map<string | null, number>();
  for (const op of ops) {
    if (op.kind !== "put") continue;
    if (writesByValue.has(op.value)) return ops.slice(); // values not unique: keep the general search
    writesByValue.set(op.value, 0);
  }
  const firstReadReturn = new Map<string | null, number>();
  for (const op of ops) {
    if (op.kind !== "get" || op.returnTime === undefined) continue;
    const seen = firstReadReturn.get(op.value);
    if (seen === undefined || op.returnTime < seen) firstReadReturn.set(op.value, op.returnTime);
  }
  const out: Operation[] = [];
  for (const op of ops) {
    if (op.kind === "get" || op.returnTime !== undefined) {
      out.push(op);
      continue;
    }
    const readBy = firstReadReturn.get(op.value);
    if (readBy === undefined) continue;
    // A read that returned before the write was even invoked (or at that very instant, which counts as
    // before) stays impossible: keep the write unbounded.
    out.push(readBy > op.callTime ? { ...op, returnTime: readBy } : op);
  }
  return out;
}

/** A node of the doubly linked list of call/return events the search lifts operations out of. */
interface EventNode {
  isCall: boolean;
  opIndex: number;
  time: number;
  /** Order among events at the same time (see tieRank), computed once before sorting. */
  rank: number;
  /** For a call: its matching return node. */
  match?: EventNode;
  prev?: EventNode;
  next?: EventNode;
}

interface KeyResult {
  outcome: CheckOutcome;
  steps: number;
  detail?: string;
}

function buildEventList(ops: readonly Operation[]): EventNode {
  const events: EventNode[] = [];
  ops.forEach((op, opIndex) => {
    const ret: EventNode = { isCall: false, opIndex, time: op.returnTime ?? Number.POSITIVE_INFINITY, rank: 0 };
    const call: EventNode = { isCall: true, opIndex, time: op.callTime, rank: 0, match: ret };
    ret.rank = tieRank(ops, ret);
    call.rank = tieRank(ops, call);
    events.push(call, ret);
  });
  events.sort((a, b) => a.time - b.time || a.rank - b.rank || a.opIndex - b.opIndex);
  const head: EventNode = { isCall: false, opIndex: -1, time: Number.NEGATIVE_INFINITY, rank: 0 };
  let prev = head;
  for (const ev of events) {
    prev.next = ev;
    ev.prev = prev;
    prev = ev;
  }
  return head;
}

/**
 * Order of events at one instant t: a return at t precedes a call at t (an operation acknowledged at t
 * happened before one invoked at t), so the returns of operations called earlier come first, then the
 * operations that start and end at t (each one's call before its own return), then the calls of operations
 * that end later. Two operations that both start and end at t are concurrent with each other.
 */
function tieRank(ops: readonly Operation[], ev: EventNode): number {
  const op = ops[ev.opIndex]!;
  const instant = op.returnTime === op.callTime;
  if (!instant) return ev.isCall ? 3 : 0;
  return ev.isCall ? 1 : 2;
}

function lift(call: EventNode): void {
  call.prev!.next = call.next;
  if (call.next !== undefined) call.next.prev = call.prev;
  const ret = call.match!;
  ret.prev!.next = ret.next;
  if (ret.next !== undefined) ret.next.prev = ret.prev;
}

function unlift(call: EventNode): void {
  const ret = call.match!;
  ret.prev!.next = ret;
  if (ret.next !== undefined) ret.next.prev = ret;
  call.prev!.next = call;
  if (call.next !== undefined) call.next.prev = call;
}

/** Applies one op to the register; undefined when the op is not legal in that state. */
function stepModel(state: string | null, op: Operation): { ok: boolean; next: string | null } {
  if (op.kind === "put") return { ok: true, next: op.value };
  return { ok: op.value === state, next: state };
}

function checkKey(ops: readonly Operation[], options: CheckOptions): KeyResult {
  const maxSteps = options.maxStepsPerKey ?? DEFAULT_MAX_STEPS_PER_KEY;
  const maxMs = options.maxMsPerKey ?? 0;
  const startMs = maxMs > 0 ? Date.now() : 0;
  const head = buildEventList(ops);
  const linearized = new Uint32Array(Math.ceil(ops.length / 32) + 1);
  // The set of linearized operations as a fixed-length string (two UTF-16 units per word): as distinct as
  // the words themselves, and much cheaper to build than their decimal text.
  const linearizedUnits = new Uint16Array(linearized.buffer);
  const cache = new Set<string>();
  const stack: { call: EventNode; prevState: string | null }[] = [];
  let state: string | null = null;
  let steps = 0;
  let cursor = head.next;
  while (head.next !== undefined) {
    if (++steps > maxSteps || (maxMs > 0 && (steps & 1023) === 0 && Date.now() - startMs > maxMs)) {
      return { outcome: "unknown", steps };
    }
    if (cursor === undefined) throw new Error("linearizability: cursor ran off the event list");
    if (cursor.isCall) {
      const op = ops[cursor.opIndex]!;
      const { ok, next } = stepModel(state, op);
      if (ok) {
        setBit(linearized, cursor.opIndex, true);
        const bits = String.fromCharCode.apply(null, linearizedUnits as unknown as number[]);
        const cacheKey = `${bits}|${next === null ? "\u0000" : next}`;
        if (!cache.has(cacheKey)) {
          cache.add(cacheKey);
          stack.push({ call: cursor, prevState: state });
          state = next;
          lift(cursor);
          cursor = head.next;
          continue;
        }
        setBit(linearized, cursor.opIndex, false);
      }
      cursor = cursor.next;
      continue;
    }
    // A return reached: its operation must already have been linearized; undo the last choice.
    const top = stack.pop();
    if (top === undefined) return { outcome: "violation", steps, detail: describeStuck(ops, cursor) };
    setBit(linearized, top.call.opIndex, false);
    state = top.prevState;
    unlift(top.call);
    cursor = top.call.next;
  }
  return { outcome: "ok", steps };
}

function setBit(bits: Uint32Array, i: number, on: boolean): void {
  const word = i >>> 5;
  const mask = 1 << (i & 31);
  bits[word] = on ? bits[word]! | mask : bits[word]! & ~mask;
}

function describeStuck(ops: readonly Operation[], ret: EventNode): string {
  const op = ops[ret.opIndex]!;
  return `no linearization: cannot place ${op.kind} ${JSON.stringify(op.value)} by client ${op.clientId} ` +
    `[${op.callTime}, ${op.returnTime ?? "∞"}] (${ops.length} ops on this key)`;
}
