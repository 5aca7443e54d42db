/**
 * Garbage for a member's peer port (the Raft transport, src/transport): framing violations (absurd and
 * zero length prefixes, unknown frame kinds), bad handshakes (wrong version, another cluster's token, an
 * unknown member, an unknown channel), and bad frames after a good handshake on each channel. Pure and
 * seeded, like the request mutations.
 * @module
 */
import type { Prng } from "../../src/sim/prng.ts";
import { randomBytes } from "./body_mutations.ts";
import { concatBytes, encodeWire, type Wire, wmap } from "./wire.ts";

const TEXT = new TextEncoder();

function b(text: string): Uint8Array {
  return TEXT.encode(text);
}

/** A peer-port payload: bytes to write, and whether the member must close the connection after them. */
export interface PeerGarbage {
  name: string;
  bytes: Uint8Array;
  /** The bytes break the framing or the handshake at once, so the member must close the connection. */
  mustClose: boolean;
}

/** What a handshake carries (src/transport/codec.ts): version, cluster token, from, to, channel. */
export interface PeerIdentity {
  clusterToken: string;
  /** The member receiving the bytes. */
  memberId: bigint;
  /** Another member of the cluster (the handshake then passes and the garbage reaches the channel). */
  peerId: bigint;
}

function peerFrame(kind: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(5 + body.length);
  new DataView(out.buffer).setUint32(0, body.length + 1);
  out[4] = kind;
  out.set(body, 5);
  return out;
}

/** Garbage for a member's peer port: framing violations, bad handshakes, bad frames after a good one. */
export function peerGarbage(rng: Prng, id: PeerIdentity): PeerGarbage[] {
  const handshake = (version: Wire, token: Wire, from: Wire, to: Wire, channel: Wire): Uint8Array =>
    peerFrame(1, encodeWire([version, token, from, to, channel], "cbor"));
  const good = (channel: number): Uint8Array => handshake(1, id.clusterToken, id.peerId, id.memberId, channel);
  const prefix = (n: number): Uint8Array => {
    const out = new Uint8Array(4);
    new DataView(out.buffer).setUint32(0, n);
    return out;
  };
  return [
    { name: "random bytes", bytes: randomBytes(rng, 4096), mustClose: false },
    { name: "absurd length prefix", bytes: concatBytes(prefix(0xffff_ffff), randomBytes(rng, 64)), mustClose: true },
    { name: "length prefix past the frame bound", bytes: concatBytes(prefix(0x7fff_ffff), Uint8Array.of(1)), mustClose: true },
    { name: "zero-length frame", bytes: prefix(0), mustClose: true },
    { name: "unknown frame kind", bytes: peerFrame(0xee, b("x")), mustClose: true },
    { name: "first frame not a handshake", bytes: peerFrame(3, Uint8Array.of(0x80)), mustClose: true },
    { name: "handshake of garbage CBOR", bytes: peerFrame(1, Uint8Array.of(0xff, 0x1c, 0x5b)), mustClose: true },
    { name: "handshake not an array", bytes: peerFrame(1, encodeWire(wmap({ a: 1 }), "cbor")), mustClose: true },
    { name: "handshake with wrong version", bytes: handshake(99, id.clusterToken, id.peerId, id.memberId, 0), mustClose: true },
    { name: "handshake from another cluster", bytes: handshake(1, "fuzz-other-cluster", id.peerId, id.memberId, 0), mustClose: true },
    { name: "handshake from an unknown member", bytes: handshake(1, id.clusterToken, 0xf022n, id.memberId, 0), mustClose: true },
    { name: "handshake to another member", bytes: handshake(1, id.clusterToken, id.peerId, 0xf033n, 0), mustClose: true },
    { name: "handshake with unknown channel", bytes: handshake(1, id.clusterToken, id.peerId, id.memberId, 7), mustClose: true },
    { name: "handshake with NaN ids", bytes: handshake(1, id.clusterToken, Number.NaN, Number.NaN, 0), mustClose: true },
    { name: "raft channel: garbage batch", bytes: concatBytes(good(0), peerFrame(3, Uint8Array.of(0xff, 0xff))), mustClose: true },
    { name: "raft channel: batch not an array", bytes: concatBytes(good(0), peerFrame(3, encodeWire("x", "cbor"))), mustClose: true },
    { name: "raft channel: batch of garbage messages", bytes: concatBytes(good(0), peerFrame(3, encodeWire([[1, 2], "m", null], "cbor"))), mustClose: true },
    { name: "raft channel: snapshot frame", bytes: concatBytes(good(0), peerFrame(5, b("x"))), mustClose: true },
    { name: "snapshot channel: garbage header", bytes: concatBytes(good(1), peerFrame(4, Uint8Array.of(0x82, 0xff))), mustClose: true },
    { name: "snapshot channel: chunk before header", bytes: concatBytes(good(1), peerFrame(5, b("data"))), mustClose: true },
    { name: "snapshot channel: cut mid-frame", bytes: concatBytes(good(1), prefix(1_000), Uint8Array.of(4, 1, 2)), mustClose: false },
    { name: "request channel: garbage request", bytes: concatBytes(handshake(1, id.clusterToken, 0n, 0n, 2), peerFrame(8, Uint8Array.of(0xff))), mustClose: true },
    { name: "handshake cut mid-frame", bytes: good(0).subarray(0, 7), mustClose: false },
  ];
}
