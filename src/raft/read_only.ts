/**
 * The leader's pending ReadIndex requests: each waits, in arrival order, for a quorum of heartbeat acks that
 * carry its context (or a later one's), which proves the leader was still the leader when it recorded the
 * read's commit index.
 * @module
 */
import type { Message, NodeId } from "./types.ts";

/** One read waiting for leadership to be confirmed. */
export interface ReadIndexStatus {
  /** The request (from NONE or the leader itself: local; otherwise a follower's forwarded request). */
  req: Message;
  /** The commit index when the request arrived: the read may be served once applied up to it. */
  index: number;
  acks: Set<NodeId>;
}

/** Context bytes as a map key. */
export function contextKey(ctx: Uint8Array): string {
  let s = "";
  for (let i = 0; i < ctx.length; i++) s += String.fromCharCode(ctx[i]!);
  return s;
}

/** Pending reads in arrival order, bounded by `maxPending`. */
export class ReadOnly {
  private readonly pending = new Map<string, ReadIndexStatus>();
  private queue: string[] = [];
  readonly maxPending: number;

  constructor(maxPending: number) {
    this.maxPending = maxPending;
  }

  get length(): number {
    return this.queue.length;
  }

  /** Records a read at commit index `index`; returns false if the queue is full. A repeated context is a no-op. */
  addRequest(index: number, m: Message, ctx: Uint8Array): boolean {
    const key = contextKey(ctx);
    if (this.pending.has(key)) return true;
    if (this.queue.length >= this.maxPending) return false;
    this.pending.set(key, { req: m, index, acks: new Set() });
    this.queue.push(key);
    return true;
  }

  /** Records an ack from `id` for the read with context `ctx`; returns who acked it so far (undefined: unknown). */
  recvAck(id: NodeId, ctx: Uint8Array): Set<NodeId> | undefined {
    const rs = this.pending.get(contextKey(ctx));
    if (rs === undefined) return undefined;
    rs.acks.add(id);
    return rs.acks;
  }

  /** Removes and returns every read up to and including the one with context `ctx` (confirmed together). */
  advance(ctx: Uint8Array): ReadIndexStatus[] {
    const key = contextKey(ctx);
    const at = this.queue.indexOf(key);
    if (at === -1) return [];
    const done: ReadIndexStatus[] = [];
    for (let i = 0; i <= at; i++) {
      const k = this.queue[i]!;
      const rs = this.pending.get(k);
      if (rs === undefined) throw new Error("raft: cannot find a pending read in the queue");
      this.pending.delete(k);
      done.push(rs);
    }
    this.queue = this.queue.slice(at + 1);
    return done;
  }

  /** The context of the newest pending read (heartbeats carry it), or undefined. */
  lastPendingContext(): Uint8Array | undefined {
    if (this.queue.length === 0) return undefined;
    const rs = this.pending.get(this.queue[this.queue.length - 1]!)!;
    return rs.req.context;
  }
}
