// The pure parts of the peer port's input checks: what a member's real messages look like passes, the
// first-frame bound does not cut a handshake from the frame after it, and the log bound counts what it drops.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { encodeConfChange } from "../../src/raft/confchange.ts";
import { ConfChangeType, makeMessage, type Message, MessageType } from "../../src/raft/types.ts";
import { encodeFrame, FrameDecoder, FrameKind } from "../../src/transport/frame.ts";
import { LogLimit } from "../../src/transport/log_limit.ts";
import { MAX_WIRE_NUMBER, messageProblem } from "../../src/transport/message_check.ts";

const A = 0xaaaan;
const B = 0xbbbbn;

function msg(fields: Partial<Message> & Pick<Message, "type">): Message {
  return makeMessage({ from: A, to: B, ...fields });
}

test("messages members really send pass", () => {
  const cc = encodeConfChange({ type: ConfChangeType.AddNode, nodeId: 7n });
  const good: Message[] = [
    msg({ type: MessageType.Heartbeat, term: 3, commit: 10, context: Uint8Array.of(1) }),
    msg({ type: MessageType.App, term: 3, index: 10, logTerm: 2, commit: 10, entries: [
      { term: 2, index: 11, type: 0, data: Uint8Array.of(1) },
      { term: 3, index: 12, type: 1, data: cc },
    ] }),
    msg({ type: MessageType.App, term: 3, index: 10, logTerm: 2 }), // a probe
    msg({ type: MessageType.AppResp, term: 3, index: 9, reject: true, rejectHint: 8, logTerm: 2 }),
    msg({ type: MessageType.Prop, entries: [{ term: 0, index: 0, type: 0, data: Uint8Array.of(1) }] }),
    msg({ type: MessageType.ReadIndex, context: Uint8Array.of(1, 2) }),
    msg({ type: MessageType.VoteResp, term: 0, reject: true }), // a joiner at term 0 refusing
    msg({ type: MessageType.PreVote, term: 4, index: 12, logTerm: 3 }),
    msg({ type: MessageType.TimeoutNow, term: 3 }),
    msg({ type: MessageType.Heartbeat, term: MAX_WIRE_NUMBER, commit: MAX_WIRE_NUMBER }),
  ];
  for (const m of good) assert.is(messageProblem(m, A, "raft"), undefined, `kind ${m.type}`);
  const snap = msg({
    type: MessageType.Snap, term: 3,
    snapshot: { data: new Uint8Array(0), metadata: { index: 100, term: 3, confState: { voters: [A, B], learners: [7n] } } },
  });
  assert.is(messageProblem(snap, A, "snapshot"), undefined);
  assert.match(messageProblem(snap, A, "raft")!, /snapshot message on the Raft channel/);
  assert.match(messageProblem(msg({ type: MessageType.Heartbeat, term: 3 }), A, "snapshot")!, /on the snapshot channel/);
});

test("what no member sends is named", () => {
  const cases: [Message, RegExp][] = [
    [msg({ type: MessageType.CheckQuorum, term: 1 }), /local message kind 12/],
    [msg({ type: MessageType.Heartbeat, term: 1, from: B }), /from member bbbb on member aaaa's connection/],
    [msg({ type: MessageType.Heartbeat, term: MAX_WIRE_NUMBER + 1 }), /term \d+ exceeds/],
    [msg({ type: MessageType.AppResp, term: 1, rejectHint: 2 ** 53 - 1 }), /rejectHint \d+ exceeds/],
    [msg({ type: MessageType.Prop, entries: [{ term: 2, index: 5, type: 0, data: Uint8Array.of(1) }] }), /has a term or index/],
    [msg({ type: MessageType.App, term: 3, index: 10, logTerm: 3, entries: [{ term: 2, index: 11, type: 0, data: new Uint8Array(0) }] }), /outside \[3, 3\]/],
    [msg({ type: MessageType.Vote, term: 2, logTerm: 3 }), /logTerm 3 above term 2/],
    [msg({ type: MessageType.Snap, term: 3 }), /snapshot message on the Raft channel/],
  ];
  for (const [m, reason] of cases) assert.match(messageProblem(m, A, "raft") ?? "(passed)", reason);
  const snapWith = (index: number, term: number, voters: bigint[], learners: bigint[]): Message => msg({
    type: MessageType.Snap, term: 3, snapshot: { data: new Uint8Array(0), metadata: { index, term, confState: { voters, learners } } },
  });
  assert.match(messageProblem(snapWith(0, 3, [A], []), A, "snapshot")!, /snapshot index 0/);
  assert.match(messageProblem(snapWith(5, 4, [A], []), A, "snapshot")!, /snapshot term 4 outside \[1, 3\]/);
  assert.match(messageProblem(snapWith(5, 3, [], [A]), A, "snapshot")!, /without voters/);
  assert.match(messageProblem(snapWith(5, 3, [A, A], []), A, "snapshot")!, /twice/);
  assert.match(messageProblem(snapWith(5, 3, [A, 0n], []), A, "snapshot")!, /names id 0/);
});

test("the first-frame bound applies to the first frame only, even when the next comes in the same chunk", () => {
  const handshake = encodeFrame(FrameKind.Handshake, new Uint8Array(100));
  const big = encodeFrame(FrameKind.Messages, new Uint8Array(64 * 1024));
  const decoder = new FrameDecoder(1024 * 1024, { maxFirstFrameBytes: 1024 });
  const chunk = new Uint8Array(handshake.length + big.length);
  chunk.set(handshake);
  chunk.set(big, handshake.length);
  const frames = decoder.push(chunk);
  assert.equal(frames.map((f) => [f.kind, f.body.length]), [[FrameKind.Handshake, 100], [FrameKind.Messages, 64 * 1024]]);
  // A first frame over the bound is refused when its header arrives, before its body is buffered.
  const stranger = new FrameDecoder(1024 * 1024, { maxFirstFrameBytes: 1024 });
  assert.throws(() => stranger.push(Uint8Array.of(0, 0, 4, 1)), /first frame of 1025 bytes exceeds the limit of 1024/);
  // A lowered bound applies to a frame already partly received.
  const d = new FrameDecoder(1024 * 1024);
  d.push(encodeFrame(FrameKind.Handshake, new Uint8Array(1)));
  assert.equal(d.push(encodeFrame(FrameKind.Request, new Uint8Array(5000)).subarray(0, 100)), []);
  d.setMaxFrameBytes(4096);
  assert.throws(() => d.push(new Uint8Array(10)), /frame of 5001 bytes exceeds the limit of 4096/);
});

test("the log bound admits maxLines per window and reports what it left out", () => {
  const limit = new LogLimit({ maxLines: 3, windowMs: 1_000 });
  const admitted = Array.from({ length: 10 }, (_, i) => limit.admit(i));
  assert.equal(admitted, ["", "", "", undefined, undefined, undefined, undefined, undefined, undefined, undefined]);
  assert.is(limit.suppressed, 7);
  assert.is(limit.admit(1_000), " (7 similar lines suppressed)");
  assert.is(limit.admit(1_001), "");
  assert.throws(() => new LogLimit({ maxLines: 0, windowMs: 1 }), /maxLines/);
});

test.run();
