/** Message codec: every field round-trips (snapshots, ids ≥ 2^63, empty entries), batches, handshake, errors. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  Channel,
  CodecError,
  decodeBatch,
  decodeHandshake,
  decodeMessage,
  decodeSnapHeader,
  encodeBatch,
  encodeHandshake,
  encodeMessage,
  encodeMessageGeneric,
  encodeSnapHeader,
} from "../../src/transport/codec.ts";
import { encodeCbor } from "../../src/codec/cbor.ts";
import { EntryType, makeMessage, type Message, MessageType } from "../../src/raft/types.ts";

const BIG = 2n ** 64n - 1n;
const BIG2 = 2n ** 63n + 12345n;

function plain(m: Message): unknown {
  // Compare byte strings by content, whatever their class (Buffer vs Uint8Array).
  return JSON.parse(JSON.stringify(m, (_k, v) => {
    if (typeof v === "bigint") return `big:${v}`;
    if (v instanceof Uint8Array) return `bytes:${Array.from(v).join(",")}`;
    if (v !== null && typeof v === "object" && v.type === "Buffer" && Array.isArray(v.data)) {
      return `bytes:${v.data.join(",")}`;
    }
    return v;
  }));
}

function full(): Message {
  return {
    type: MessageType.App,
    from: BIG,
    to: BIG2,
    term: 2 ** 40,
    logTerm: 7,
    index: 2 ** 52,
    entries: [
      { term: 7, index: 100, type: EntryType.Normal, data: Uint8Array.of(1, 2, 3) },
      { term: 7, index: 101, type: EntryType.ConfChange, data: new Uint8Array(0) },
    ],
    commit: 99,
    reject: true,
    rejectHint: 42,
    snapshot: {
      data: Uint8Array.of(9, 8, 7),
      metadata: { index: 50, term: 6, confState: { voters: [BIG, 1n, BIG2], learners: [2n ** 63n] } },
    },
    context: Uint8Array.of(0, 255),
  };
}

test("every field round-trips, ids above 2^63 exactly", () => {
  const m = full();
  const back = decodeMessage(encodeMessage(m));
  assert.equal(plain(back), plain(m));
  assert.is(typeof back.from, "bigint");
  assert.is(back.from, BIG);
  assert.is(back.snapshot!.metadata.confState.learners[0], 2n ** 63n);
});

test("a message with no entries, no snapshot and no context stays without them", () => {
  const m = makeMessage({ type: MessageType.Heartbeat, from: 1n, to: 2n, term: 3, commit: 4 });
  const back = decodeMessage(encodeMessage(m));
  assert.equal(plain(back), plain(m));
  assert.is(back.snapshot, undefined);
  assert.is(back.context, undefined);
  assert.is(back.entries.length, 0);
  assert.is(back.from, 1n);
});

test("an empty snapshot and empty context survive (not confused with absent)", () => {
  const m = makeMessage({
    type: MessageType.Snap,
    from: 1n,
    to: 2n,
    snapshot: { data: new Uint8Array(0), metadata: { index: 0, term: 0, confState: { voters: [], learners: [] } } },
    context: new Uint8Array(0),
  });
  const back = decodeMessage(encodeMessage(m));
  assert.ok(back.snapshot !== undefined);
  assert.is(back.snapshot!.data.length, 0);
  assert.ok(back.context !== undefined);
});

test("a batch of encoded messages decodes to the same messages in order", () => {
  for (const count of [0, 1, 23, 24, 255, 256, 70_000]) {
    const messages = Array.from({ length: count }, (_, i) =>
      makeMessage({ type: MessageType.AppResp, from: 1n, to: 2n, index: i }));
    const encoded = messages.map(encodeMessage);
    const total = encoded.reduce((n, e) => n + e.length, 0);
    const back = decodeBatch(encodeBatch(encoded, total));
    assert.is(back.length, count);
    if (count > 0) assert.is(back[count - 1].index, count - 1);
  }
});

test("the compact array encoding is much smaller than an object with field names", () => {
  const m = makeMessage({ type: MessageType.AppResp, from: 0x8e9e05c52164694dn, to: 0x91bc3c398fb3c146n, term: 5, index: 1000 });
  const compact = encodeMessage(m).length;
  const named = encodeCbor(m).length;
  assert.ok(compact * 2 < named, `compact ${compact} bytes vs named ${named}`);
});

test("handshake round-trips; snapshot header carries metadata but not the data", () => {
  const h = { version: 1, clusterToken: "tok", from: BIG, to: 5n, channel: Channel.Snapshot };
  assert.equal(decodeHandshake(encodeHandshake(h)), h);
  const m = full();
  m.type = MessageType.Snap;
  const header = decodeSnapHeader(encodeSnapHeader(m));
  assert.is(header.sizeBytes, 3);
  assert.is(header.message.snapshot!.data.length, 0);
  assert.is(header.message.snapshot!.metadata.index, 50);
});

test("malformed input throws CodecError, never returns a half-message", () => {
  const bad = [
    Uint8Array.of(0xff, 0x00),
    encodeCbor([1, 2, 3]),
    encodeCbor([99, 1n, 2n, 0, 0, 0, [], 0, false, 0, null, null]),
    encodeCbor([3, 1n, 2n, -1, 0, 0, [], 0, false, 0, null, null]),
    encodeCbor([3, 1n, 2n, 0, 0, 0, [[1, 2, 5, new Uint8Array(0)]], 0, false, 0, null, null]),
    encodeCbor([3, 1n, 2n, 0, 0, 0, [], 0, 1, 0, null, null]),
    encodeCbor([3, "x", 2n, 0, 0, 0, [], 0, false, 0, null, null]),
  ];
  for (const b of bad) assert.throws(() => decodeMessage(b), (e: unknown) => e instanceof CodecError);
  assert.throws(() => decodeHandshake(encodeCbor([1, "t", 1n, 2n, 9])), /unknown channel/);
  assert.throws(() => decodeBatch(encodeCbor({ a: 1 })), (e: unknown) => e instanceof CodecError);
});

test("the hand-rolled writer emits cbor-x's bytes (ids in 64-bit form) and decodes at every integer width", () => {
  const widths = [0, 23, 24, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1];
  for (const n of widths) {
    const m = full();
    m.term = n;
    m.index = n;
    m.entries[0].data = new Uint8Array(n % 70_000);
    m.from = BigInt(n);
    const hand = encodeMessage(m);
    // Above 2^32 cbor-x writes a float64; the writer keeps an exact uint64, which decodes the same.
    if (n < 2 ** 32) assert.equal(Array.from(hand), Array.from(encodeMessageGeneric(m)), `width ${n}`);
    assert.equal(plain(decodeMessage(encodeMessageGeneric(m))), plain(m));
    assert.equal(plain(decodeMessage(hand)), plain(m));
  }
  const hb = makeMessage({ type: MessageType.Heartbeat, from: 1n, to: 2n });
  assert.equal(Array.from(encodeMessage(hb)), Array.from(encodeMessageGeneric(hb)));
  assert.throws(() => encodeMessage(makeMessage({ type: MessageType.App, to: 2n ** 64n })), /outside uint64/);
  assert.throws(() => encodeMessage(makeMessage({ type: MessageType.App, term: -1 })), /non-negative/);
});

test.run();
