/** Loopback helpers for the transport tests: a member with recorded callbacks, waiting with a deadline. */
import { createServer } from "node:net";
import { createTransport, type Refusal, type Transport, type TransportOptions } from "../../src/transport/mod.ts";
import type { Message, NodeId } from "../../src/raft/types.ts";

/** A transport plus everything its callbacks reported. */
export interface Member {
  id: NodeId;
  url: string;
  t: Transport;
  received: Message[];
  unreachable: NodeId[];
  snapshotStatus: { id: NodeId; ok: boolean }[];
  refusals: Refusal[];
  logs: string[];
}

/** Starts a member listening on `url` (port 0 by default). */
export async function startMember(
  id: NodeId,
  extra: Partial<TransportOptions> = {},
  url = "http://127.0.0.1:0",
): Promise<Member> {
  const m: Member = {
    id,
    url: "",
    t: undefined as unknown as Transport,
    received: [],
    unreachable: [],
    snapshotStatus: [],
    refusals: [],
    logs: [],
  };
  m.t = createTransport({
    memberId: id,
    clusterToken: "test-cluster",
    listenUrls: [url],
    onMessage: (msg) => m.received.push(msg),
    onUnreachable: (peer) => m.unreachable.push(peer),
    onSnapshotStatus: (peer, ok) => m.snapshotStatus.push({ id: peer, ok }),
    onRefused: (r) => m.refusals.push(r),
    logger: { info: () => {}, warn: (s) => m.logs.push(s) },
    ...extra,
  });
  const urls = await m.t.start();
  m.url = urls[0];
  return m;
}

/** Makes every member a peer of every other. */
export function mesh(members: Member[]): void {
  for (const a of members) {
    for (const b of members) if (a !== b) a.t.addPeer(b.id, [b.url]);
  }
}

/** Resolves once `cond()` holds; rejects after `timeoutMs` with `what`. Polls every few ms (bounded). */
export async function waitFor(cond: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(2);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A loopback port nothing listens on (bound, then released). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== "object" || address === null) throw new Error("no port");
  return address.port;
}

export function portOf(url: string): number {
  return Number(new URL(url).port);
}

/** Closes every member, ignoring ones already closed. */
export async function closeAll(members: Member[]): Promise<void> {
  await Promise.all(members.map((m) => m.t.close()));
}
