// The peer port is input: a 3-member cluster in this process receives garbage on its peer ports over raw
// loopback TCP — bytes, broken frames, absurd lengths, strangers, nonsense Raft messages from a known
// member's handshake, a snapshot cut off — and each is refused (one rate-limited log line, connection
// closed), memory stays bounded, and afterwards every member still replicates and serves.
// Ports 32200–32209 (this file's block of 32000–32499).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { connect, type Socket } from "node:net";
import { encodeCbor } from "../../src/codec/cbor.ts";
import { encodeConfChange } from "../../src/raft/confchange.ts";
import { ConfChangeType, makeMessage, type Message, MessageType } from "../../src/raft/types.ts";
import { Channel, encodeBatch, encodeHandshake, encodeMessageGeneric, PROTOCOL_VERSION } from "../../src/transport/codec.ts";
import { encodeFrame, type Frame, FrameDecoder, FrameKind } from "../../src/transport/frame.ts";
import type { TsetcdServer } from "../../src/server/mod.ts";
import { b64, followersOf, leaderOf, post, startCluster, type TestCluster, unb64, waitFor } from "../server/cluster_helpers.ts";

const BASE_PORT = 32200;
const TOKEN = "test-token";
const CLOSE_TIMEOUT_MS = 3_000;
const SERVE_TIMEOUT_MS = 10_000;

let cluster: TestCluster;
/** What the members logged (the transport logs through console.error), captured instead of printed. */
const logged: string[] = [];
const consoleError = console.error;

test.before(async () => {
  console.error = (...args: unknown[]): void => {
    logged.push(args.map(String).join(" "));
  };
  cluster = await startCluster(["a", "b", "c"], BASE_PORT);
});

test.after(async () => {
  await cluster?.destroy();
  console.error = consoleError;
});

// ---- raw peer connections ----

interface Raw {
  socket: Socket;
  frames: Frame[];
  closed: Promise<void>;
  isClosed(): boolean;
}

async function rawConnect(target: TsetcdServer): Promise<Raw> {
  const port = Number(new URL(cluster.peerUrl(target.name)).port);
  const socket = connect({ host: "127.0.0.1", port });
  const frames: Frame[] = [];
  const decoder = new FrameDecoder(1 << 20);
  let isClosed = false;
  socket.on("data", (chunk: Buffer) => {
    try {
      frames.push(...decoder.push(chunk));
    } catch {
      socket.destroy();
    }
  });
  socket.on("error", () => {});
  const closed = new Promise<void>((resolve) => socket.on("close", () => {
    isClosed = true;
    resolve();
  }));
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("error", reject);
  });
  return { socket, frames, closed, isClosed: () => isClosed };
}

/** Sends `chunks` and resolves with the refusal reason once the member closed the connection. */
async function sendAndExpectRefusal(target: TsetcdServer, chunks: Uint8Array[], what: string): Promise<string> {
  const raw = await rawConnect(target);
  for (const c of chunks) raw.socket.write(c);
  await withTimeout(raw.closed, CLOSE_TIMEOUT_MS, `${what}: the member did not close the connection`);
  const refusal = raw.frames.find((f) => f.kind === FrameKind.Refuse);
  assert.ok(refusal !== undefined, `${what}: no refusal frame`);
  return new TextDecoder().decode(refusal!.body);
}

function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)));
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

function handshake(from: bigint, to: bigint, channel: Channel = Channel.Raft, token = TOKEN): Uint8Array {
  return encodeFrame(
    FrameKind.Handshake,
    encodeHandshake({ version: PROTOCOL_VERSION, clusterToken: token, from, to, channel }),
  );
}

/** A Messages frame of already-encoded items (a message, or any CBOR value pretending to be one). */
function batchFrame(items: Uint8Array[]): Uint8Array {
  return encodeFrame(FrameKind.Messages, encodeBatch(items, items.reduce((n, e) => n + e.length, 0)));
}

/** A message's 12-item wire array with fields replaced: shapes the encoder would never produce. */
function rawMessage(fields: Partial<Record<number, unknown>>, base: Message): Uint8Array {
  const arr: unknown[] = [
    base.type, base.from, base.to, base.term, base.logTerm, base.index,
    base.entries.map((e) => [e.term, e.index, e.type, e.data]),
    base.commit, base.reject, base.rejectHint, null, null,
  ];
  for (const [i, v] of Object.entries(fields)) arr[Number(i)] = v;
  return encodeCbor(arr);
}

/** A seeded PRNG (mulberry32) so the garbage is the same on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---- the cluster still works ----

let round = 0;

/** A write through the leader reaches every member (serializable reads of each), and every member answers. */
async function assertReplicatesAndServes(): Promise<void> {
  round++;
  const key = b64(`after-garbage-${round}`);
  await waitFor(() => leaderOf(cluster) !== undefined, SERVE_TIMEOUT_MS, "no leader after the garbage");
  const [status] = await post(leaderOf(cluster)!.clientUrl, "/v3/kv/put", { key, value: b64(`v${round}`) });
  assert.is(status, 200);
  for (const server of cluster.servers.values()) {
    await waitFor(async () => {
      const [s, body] = await post(server.clientUrl, "/v3/kv/range", { key, serializable: true });
      return s === 200 && body.kvs?.length === 1 && unb64(body.kvs[0].value) === `v${round}`;
    }, SERVE_TIMEOUT_MS, `member ${server.name} did not get the write`);
    // No member took a term a peer made up (a real cluster here is far below 1,000).
    assert.ok(server.member.info().term < 1_000, `member ${server.name} term ${server.member.info().term}`);
  }
}

function nodes(): { leader: TsetcdServer; follower: TsetcdServer; other: TsetcdServer } {
  const leader = leaderOf(cluster)!;
  const [follower, other] = followersOf(cluster);
  return { leader, follower, other };
}

// ---- the tests ----

test("garbage bytes, broken frames and strangers: refused, connection closed, cluster unaffected", async () => {
  const { follower, other } = nodes();
  const random = prng(9);
  // Random bytes: the first four read as a length, and most lengths are far beyond a handshake's bound.
  for (let i = 0; i < 5; i++) {
    const junk = Uint8Array.from({ length: 64 + i * 100 }, () => Math.floor(random() * 256));
    junk[0] = 0x10 + i; // a length of at least 256 MiB, whatever the rest
    assert.match(await sendAndExpectRefusal(follower, [junk], `junk ${i}`), /exceeds the limit/);
  }
  assert.match(await sendAndExpectRefusal(follower, [Uint8Array.of(0, 0, 0, 0)], "empty frame"), /empty frame/);
  assert.match(await sendAndExpectRefusal(follower, [Uint8Array.of(0, 0, 0, 1, 200)], "unknown kind"), /unknown frame kind 200/);
  assert.match(
    await sendAndExpectRefusal(follower, [encodeFrame(FrameKind.Handshake, Uint8Array.of(0xff, 0x00, 0x13))], "bad CBOR"),
    /malformed CBOR|not a 5-item array/,
  );
  assert.match(
    await sendAndExpectRefusal(follower, [encodeFrame(FrameKind.Messages, Uint8Array.of(0x80))], "no handshake"),
    /not a handshake/,
  );
  // A truncated frame, then silence: the handshake timer (5 s) would end it; here the peer hangs up.
  const truncated = await rawConnect(follower);
  truncated.socket.write(handshake(other.memberId, follower.memberId).subarray(0, 7));
  truncated.socket.end();
  await withTimeout(truncated.closed, CLOSE_TIMEOUT_MS, "truncated frame: connection not closed");
  // Strangers.
  assert.match(
    await sendAndExpectRefusal(follower, [handshake(other.memberId, follower.memberId, Channel.Raft, "another-cluster")], "token"),
    /cluster token mismatch/,
  );
  assert.match(await sendAndExpectRefusal(follower, [handshake(0xbadn, follower.memberId)], "unknown member"), /unknown member bad/);
  assert.match(await sendAndExpectRefusal(follower, [handshake(other.memberId, 0x1234n)], "other receiver"), /expects member 1234/);
  await assertReplicatesAndServes();
});

test("nonsense Raft messages on a known member's connection: refused whole, never reach the core", async () => {
  const { leader, follower, other } = nodes();
  const term = leader.member.info().term;
  const L = leader.memberId;
  const F = follower.memberId;
  const heartbeat = makeMessage({ type: MessageType.Heartbeat, from: L, to: F, term });
  const app = (fields: Partial<Message>): Message =>
    makeMessage({ type: MessageType.App, from: L, to: F, term, index: 1, logTerm: 1, ...fields });
  const entry = (t: number, index: number, type: 0 | 1 = 0, data = new Uint8Array(0)) => ({ term: t, index, type, data });
  const toFollower: [string, Uint8Array, RegExp][] = [
    ["a local kind", encodeMessageGeneric({ ...heartbeat, type: MessageType.Hup }), /local message kind 0/],
    ["an unknown kind", rawMessage({ 0: 19 }, heartbeat), /unknown message type 19/],
    ["a negative term", rawMessage({ 3: -1 }, heartbeat), /term is not a non-negative integer/],
    ["a NaN term", rawMessage({ 3: NaN }, heartbeat), /term is not a non-negative integer/],
    ["a fractional index", rawMessage({ 5: 1.5 }, heartbeat), /index is not a non-negative integer/],
    ["a term of 2^53 - 1", encodeMessageGeneric({ ...heartbeat, term: 2 ** 53 - 1 }), /term 9007199254740991 exceeds/],
    ["a commit of 2^50", encodeMessageGeneric({ ...heartbeat, commit: 2 ** 50 }), /commit \d+ exceeds/],
    ["no term", encodeMessageGeneric({ ...heartbeat, term: 0 }), /without a term/],
    ["logTerm above term", encodeMessageGeneric(app({ logTerm: term + 1 })), /logTerm \d+ above term/],
    ["a text where ids go", rawMessage({ 1: "leader" }, heartbeat), /from is not an integer id/],
    ["an 11-item message", encodeCbor([8, L, F, term, 0, 0, [], 0, false, 0, null]), /not a 12-item array/],
    ["entries of the wrong shape", rawMessage({ 6: [[term, 2, 0]] }, app({})), /entry is not a 4-item array/],
    ["entries that are not an array", rawMessage({ 6: { a: 1 } }, app({})), /entries is not an array/],
    ["an entry of unknown type", rawMessage({ 6: [[term, 2, 7, new Uint8Array(0)]] }, app({})), /unknown entry type 7/],
    ["entry data that is not bytes", rawMessage({ 6: [[term, 2, 0, "text"]] }, app({})), /entry data is not a byte string/],
    ["entries with a gap", encodeMessageGeneric(app({ entries: [entry(term, 2), entry(term, 5)] })), /has index 5, expected 3/],
    ["an entry index of 2^53 - 1", encodeMessageGeneric(app({ entries: [entry(term, 2), entry(term, 2 ** 53 - 1)] })), /above/],
    ["an entry term above the leader's", encodeMessageGeneric(app({ entries: [entry(term + 7, 2)] })), /outside/],
    ["entries going back in term", encodeMessageGeneric(app({ logTerm: term, entries: [entry(1, 2)] })), /outside/],
    ["a malformed membership change", encodeMessageGeneric(app({ entries: [entry(term, 2, 1, Uint8Array.of(9, 9))] })), /malformed membership change/],
    ["entries on a heartbeat", encodeMessageGeneric({ ...heartbeat, entries: [entry(term, 2)] }), /with entries/],
    ["another sender than the handshake's", encodeMessageGeneric({ ...heartbeat, from: other.memberId }), /on member .*'s connection/],
    ["another receiver", encodeMessageGeneric({ ...heartbeat, to: other.memberId }), /addressed to member/],
    [
      "a snapshot on the Raft channel (voter and learner at once)",
      encodeMessageGeneric(makeMessage({
        type: MessageType.Snap, from: L, to: F, term,
        snapshot: { data: Uint8Array.of(1), metadata: { index: 1_000_000, term, confState: { voters: [L, F], learners: [F] } } },
      })),
      /snapshot message on the Raft channel/,
    ],
  ];
  for (const [what, item, reason] of toFollower) {
    // A good heartbeat first, in the same frame: a bad frame is dropped whole, not in part.
    const frame = batchFrame([encodeMessageGeneric(heartbeat), item]);
    assert.match(await sendAndExpectRefusal(follower, [handshake(L, F), frame], what), reason, what);
  }
  const toLeader: [string, Message, RegExp][] = [
    ["an empty proposal", makeMessage({ type: MessageType.Prop, from: F, to: L }), /proposal without entries/],
    [
      "a proposal of an undecodable membership change",
      makeMessage({ type: MessageType.Prop, from: F, to: L, entries: [entry(0, 0, 1, Uint8Array.of(1, 2, 3))] }),
      /malformed membership change/,
    ],
    ["an acknowledgement of index 2^53 - 1", makeMessage({ type: MessageType.AppResp, from: F, to: L, term, index: 2 ** 53 - 1 }), /exceeds/],
  ];
  for (const [what, m, reason] of toLeader) {
    assert.match(await sendAndExpectRefusal(leader, [handshake(F, L), batchFrame([encodeMessageGeneric(m)])], what), reason, what);
  }
  // A well-formed membership change still passes the door (the core decides on it): checked by encoding one.
  assert.ok(encodeConfChange({ type: ConfChangeType.AddNode, nodeId: 5n }).length > 0);
  await assertReplicatesAndServes();
});

test("an acknowledgement of entries never sent is dropped alone; the leader goes on replicating", async () => {
  const { leader, follower } = nodes();
  const term = leader.member.info().term;
  const before = logged.length;
  // Below 2^48, so only what was sent can tell it is a lie; the core would set the follower's next index
  // a million entries past its own log (before: the leader stopped on its next append).
  const lie = makeMessage({ type: MessageType.AppResp, from: follower.memberId, to: leader.memberId, term, index: 1_000_000 });
  const raw = await rawConnect(leader);
  raw.socket.write(handshake(follower.memberId, leader.memberId));
  raw.socket.write(batchFrame([encodeMessageGeneric(lie)]));
  try {
    // Writes make the leader append to that follower: where the lie had landed, this is where it stopped.
    await assertReplicatesAndServes();
    assert.ok(logged.slice(before).some((l) => /dropped an acknowledgement of index 1000000/.test(l)), "one log line");
    assert.not.ok(raw.isClosed(), "the connection stays: the answer may be to this member's previous life");
  } finally {
    raw.socket.destroy();
  }
});

test("a snapshot stream cut off, or announcing 4 GiB, costs what was sent; a bad header or data is refused", async () => {
  const { leader, follower } = nodes();
  const term = leader.member.info().term;
  const L = leader.memberId;
  const F = follower.memberId;
  const header = (sizeBytes: number, learners: bigint[] = []): Uint8Array =>
    encodeFrame(FrameKind.SnapBegin, encodeCbor([
      [MessageType.Snap, L, F, term, 0, 0, [], 0, false, 0, [new Uint8Array(0), 1_000_000, term, [L, F], learners], null],
      sizeBytes,
    ]));
  const rssBefore = process.memoryUsage().rss;
  // Four streams one after another (one snapshot connection per peer: each replaces the last), each
  // announcing 4 GiB - 1 (the member's limit), sending 256 KiB, then cut.
  for (let i = 0; i < 4; i++) {
    const raw = await rawConnect(follower);
    raw.socket.write(handshake(L, F, Channel.Snapshot));
    raw.socket.write(header(4 * 1024 ** 3 - 1));
    raw.socket.write(encodeFrame(FrameKind.SnapChunk, new Uint8Array(256 * 1024).fill(i)));
    await new Promise((resolve) => setTimeout(resolve, 50));
    raw.socket.destroy();
    await raw.closed;
  }
  const growthMiB = (process.memoryUsage().rss - rssBefore) / 1024 ** 2;
  assert.ok(growthMiB < 256, `RSS grew ${growthMiB.toFixed(0)} MiB for 1 MiB of snapshot data`);
  assert.is(follower.transport.stats().snapshotsReceived, 0);
  assert.match(
    await sendAndExpectRefusal(follower, [handshake(L, F, Channel.Snapshot), header(3, [F])], "voter and learner"),
    /names member .* twice/,
  );
  assert.match(
    await sendAndExpectRefusal(follower, [handshake(L, F, Channel.Snapshot), encodeFrame(FrameKind.SnapBegin, encodeCbor([
      [MessageType.Heartbeat, L, F, term, 0, 0, [], 0, false, 0, null, null], 3,
    ]))], "not a snapshot"),
    /snapshot header without snapshot metadata|on the snapshot channel/,
  );
  assert.match(
    await sendAndExpectRefusal(follower, [
      handshake(L, F, Channel.Snapshot), header(3), encodeFrame(FrameKind.SnapChunk, new Uint8Array(10)),
    ], "more data than announced"),
    /exceeds its size/,
  );
  // Well-formed metadata, data that is no database: before, the follower installed it and stopped
  // ("storage failure (SQLITE_NOTADB)"); now the member checks the data before Raft sees it.
  const everyone = [...cluster.servers.values()].map((s) => s.memberId);
  const garbage = Uint8Array.from({ length: 5000 }, (_, i) => (i * 7919) & 0xff);
  const garbageHeader = encodeFrame(FrameKind.SnapBegin, encodeCbor([
    [MessageType.Snap, L, F, term, 0, 0, [], 0, false, 0, [new Uint8Array(0), 1_000_000, term, everyone, []], null],
    garbage.length,
  ]));
  assert.match(
    await sendAndExpectRefusal(follower, [
      handshake(L, F, Channel.Snapshot), garbageHeader, encodeFrame(FrameKind.SnapChunk, garbage), encodeFrame(FrameKind.SnapEnd),
    ], "garbage snapshot data"),
    /snapshot 1000000 cannot be installed: its data is not a database/,
  );
  assert.is(follower.transport.stats().snapshotsReceived, 0);
  await assertReplicatesAndServes();
});

test("absurd length prefixes: refused at the header, before any buffering; memory stays bounded", async () => {
  const { follower, other } = nodes();
  const rssBefore = process.memoryUsage().rss;
  // 40 strangers each announce a 16 MiB - 1 frame (under the general frame limit) and send 1 MiB of it:
  // a handshake may be 16 KiB, so each is refused when its header arrives.
  const strangers = await Promise.all(Array.from({ length: 40 }, () => rawConnect(follower)));
  const body = new Uint8Array(1024 * 1024);
  for (const s of strangers) {
    s.socket.write(Uint8Array.of(0x00, 0xff, 0xff, 0xff, FrameKind.Handshake));
    s.socket.write(body);
  }
  await withTimeout(Promise.all(strangers.map((s) => s.closed)), CLOSE_TIMEOUT_MS, "a stranger's connection stayed open");
  // A known peer's connection announcing more than the frame limit (16 MiB) is refused at the header too.
  const reason = await sendAndExpectRefusal(follower, [handshake(other.memberId, follower.memberId), Uint8Array.of(0xff, 0xff, 0xff, 0xff)], "4 GiB frame");
  assert.match(reason, /frame of 4294967295 bytes exceeds the limit of 16777216 bytes/);
  const growthMiB = (process.memoryUsage().rss - rssBefore) / 1024 ** 2;
  assert.ok(growthMiB < 128, `RSS grew ${growthMiB.toFixed(0)} MiB`);
  await assertReplicatesAndServes();
});

test("a flood of garbage connections writes a bounded number of log lines", async () => {
  const { follower } = nodes();
  // The previous tests' lines may have used up the window: wait for a fresh one, then count.
  await new Promise((resolve) => setTimeout(resolve, 10_100));
  const before = logged.length;
  const count = 200;
  for (let i = 0; i < count; i += 20) {
    await Promise.all(Array.from({ length: 20 }, () => sendAndExpectRefusal(follower, [Uint8Array.of(0, 0, 0, 1, 250)], "flood")));
  }
  const lines = logged.slice(before).filter((l) => /refused connection/.test(l));
  assert.ok(lines.length >= 1 && lines.length <= 20, `${lines.length} log lines for ${count} refusals`);
  assert.ok(follower.transport.stats().refusedConnections >= count, "every refusal still counted");
  await assertReplicatesAndServes();
});

test.run();
