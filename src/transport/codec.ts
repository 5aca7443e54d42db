/**
 * Wire encodings of the transport's frame bodies: Raft messages as compact CBOR arrays (no field names),
 * the handshake, and the snapshot header. Pure: no I/O.
 *
 * A message is `[type, from, to, term, logTerm, index, entries, commit, reject, rejectHint, snapshot, context]`
 * with `entries` an array of `[term, index, type, data]` and `snapshot` either null or
 * `[data, index, term, voters, learners]`. Ids are CBOR 64-bit integers (bigint both ways).
 * Decoding checks every field's type: a peer's bytes are input, not trusted state.
 * @module
 */
import { decodeCborValue, encodeCbor } from "../codec/cbor.ts";
import type { Entry, Message, MessageType, NodeId, Snapshot } from "../raft/types.ts";
import { writeMessage } from "./cbor_writer.ts";

/** Protocol version carried in the handshake; a receiver refuses any other. */
export const PROTOCOL_VERSION = 1;

/** Which job a connection does; fixed by its handshake. */
export const Channel = {
  /** Raft messages, one persistent connection per peer and direction. */
  Raft: 0,
  /** One snapshot, then the connection closes. */
  Snapshot: 1,
  /** One request/response (cluster bootstrapping), then the connection closes. */
  Request: 2,
} as const;
export type Channel = typeof Channel[keyof typeof Channel];

/** The first frame of every connection. */
export interface Handshake {
  version: number;
  clusterToken: string;
  /** Sender's member id (0n for a request from a member not yet in the cluster). */
  from: NodeId;
  /** The member id the sender expects to reach (0n on the request channel: any member answers). */
  to: NodeId;
  channel: Channel;
}

/** A peer sent bytes that are not a valid encoding. */
export class CodecError extends Error {
  constructor(message: string) {
    super(`transport: ${message}`);
    this.name = "CodecError";
  }
}

const MAX_MESSAGE_TYPE = 18;

/** Encodes one message as a CBOR array (by the hand-rolled writer: the hot path). */
export function encodeMessage(m: Message): Uint8Array {
  return writeMessage(m);
}

/** The same encoding through cbor-x's general encoder; kept as the reference the writer is tested against. */
export function encodeMessageGeneric(m: Message): Uint8Array {
  return encodeCbor(messageToArray(m));
}

/** Decodes one message encoded by `encodeMessage`. */
export function decodeMessage(bytes: Uint8Array): Message {
  return messageFromArray(decodeValue(bytes));
}

/**
 * Joins already-encoded messages into one batch body (a CBOR array header, then the items), so each
 * message is encoded once, when queued, and its exact size is known for queue accounting.
 * `reserveBytes` leaves room at the front (for the frame header), saving a copy.
 */
export function encodeBatch(encoded: readonly Uint8Array[], totalBytes: number, reserveBytes = 0): Uint8Array {
  const header = cborArrayHeader(encoded.length);
  const out = new Uint8Array(reserveBytes + header.length + totalBytes);
  out.set(header, reserveBytes);
  let offset = reserveBytes + header.length;
  for (const item of encoded) {
    out.set(item, offset);
    offset += item.length;
  }
  if (offset !== out.length) throw new Error("transport: batch size accounting is wrong");
  return out;
}

/** Bytes of the array header `encodeBatch` adds for `count` items (at most 9). */
export function batchHeaderBytes(count: number): number {
  return cborArrayHeader(count).length;
}

/** Decodes a batch body into messages. */
export function decodeBatch(bytes: Uint8Array): Message[] {
  const value = decodeValue(bytes);
  if (!Array.isArray(value)) throw new CodecError("message batch is not an array");
  return value.map(messageFromArray);
}

/** Encodes a handshake. */
export function encodeHandshake(h: Handshake): Uint8Array {
  return encodeCbor([h.version, h.clusterToken, h.from, h.to, h.channel]);
}

/** Decodes a handshake; any shape error throws CodecError. */
export function decodeHandshake(bytes: Uint8Array): Handshake {
  const v = decodeValue(bytes);
  if (!Array.isArray(v) || v.length !== 5) throw new CodecError("handshake is not a 5-item array");
  if (typeof v[1] !== "string") throw new CodecError("handshake cluster token is not a string");
  const channel = num(v[4], "channel");
  if (channel !== Channel.Raft && channel !== Channel.Snapshot && channel !== Channel.Request) {
    throw new CodecError(`unknown channel ${channel}`);
  }
  return { version: num(v[0], "version"), clusterToken: v[1], from: id(v[2], "from"), to: id(v[3], "to"), channel };
}

/** The snapshot channel's header: the message (snapshot data left empty) and the data's size. */
export interface SnapHeader {
  message: Message;
  sizeBytes: number;
}

/** Encodes a snapshot header; the message's snapshot data is not included (it follows in chunks). */
export function encodeSnapHeader(m: Message): Uint8Array {
  if (m.snapshot === undefined) throw new Error("transport: snapshot header for a message without a snapshot");
  const empty: Snapshot = { metadata: m.snapshot.metadata, data: new Uint8Array(0) };
  return encodeCbor([messageToArray({ ...m, snapshot: empty }), m.snapshot.data.length]);
}

/** Decodes a snapshot header. */
export function decodeSnapHeader(bytes: Uint8Array): SnapHeader {
  const v = decodeValue(bytes);
  if (!Array.isArray(v) || v.length !== 2) throw new CodecError("snapshot header is not a 2-item array");
  const message = messageFromArray(v[0]);
  if (message.snapshot === undefined) throw new CodecError("snapshot header without snapshot metadata");
  return { message, sizeBytes: num(v[1], "snapshot size") };
}

function messageToArray(m: Message): unknown[] {
  return [
    m.type,
    m.from,
    m.to,
    m.term,
    m.logTerm,
    m.index,
    m.entries.map(entryToArray),
    m.commit,
    m.reject,
    m.rejectHint,
    m.snapshot === undefined ? null : snapshotToArray(m.snapshot),
    m.context ?? null,
  ];
}

function entryToArray(e: Entry): unknown[] {
  return [e.term, e.index, e.type, e.data];
}

function snapshotToArray(s: Snapshot): unknown[] {
  const md = s.metadata;
  return [s.data, md.index, md.term, md.confState.voters, md.confState.learners];
}

function messageFromArray(v: unknown): Message {
  if (!Array.isArray(v) || v.length !== 12) throw new CodecError("message is not a 12-item array");
  const type = num(v[0], "type");
  if (type > MAX_MESSAGE_TYPE) throw new CodecError(`unknown message type ${type}`);
  if (!Array.isArray(v[6])) throw new CodecError("entries is not an array");
  if (typeof v[8] !== "boolean") throw new CodecError("reject is not a boolean");
  const m: Message = {
    type: type as MessageType,
    from: id(v[1], "from"),
    to: id(v[2], "to"),
    term: num(v[3], "term"),
    logTerm: num(v[4], "logTerm"),
    index: num(v[5], "index"),
    entries: v[6].map(entryFromArray),
    commit: num(v[7], "commit"),
    reject: v[8],
    rejectHint: num(v[9], "rejectHint"),
  };
  if (v[10] !== null) m.snapshot = snapshotFromArray(v[10]);
  if (v[11] !== null) m.context = bytes(v[11], "context");
  return m;
}

function entryFromArray(v: unknown): Entry {
  if (!Array.isArray(v) || v.length !== 4) throw new CodecError("entry is not a 4-item array");
  const type = num(v[2], "entry type");
  if (type !== 0 && type !== 1) throw new CodecError(`unknown entry type ${type}`);
  return { term: num(v[0], "entry term"), index: num(v[1], "entry index"), type, data: bytes(v[3], "entry data") };
}

function snapshotFromArray(v: unknown): Snapshot {
  if (!Array.isArray(v) || v.length !== 5) throw new CodecError("snapshot is not a 5-item array");
  if (!Array.isArray(v[3]) || !Array.isArray(v[4])) throw new CodecError("snapshot voters/learners not arrays");
  return {
    data: bytes(v[0], "snapshot data"),
    metadata: {
      index: num(v[1], "snapshot index"),
      term: num(v[2], "snapshot term"),
      confState: {
        voters: v[3].map((x: unknown) => id(x, "voter")),
        learners: v[4].map((x: unknown) => id(x, "learner")),
      },
    },
  };
}

function decodeValue(b: Uint8Array): unknown {
  try {
    return decodeCborValue(b);
  } catch (err) {
    throw new CodecError(`malformed CBOR: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function num(v: unknown, field: string): number {
  // Another encoder may use the 64-bit form for a small value; cbor-x then hands back a bigint.
  if (typeof v === "bigint" && v >= 0n && v <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(v);
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) {
    throw new CodecError(`${field} is not a non-negative integer`);
  }
  return v;
}

function id(v: unknown, field: string): NodeId {
  // cbor-x returns ids encoded as 64-bit integers as bigint; a smaller encoding from another encoder is a number.
  if (typeof v === "bigint") return v;
  if (typeof v === "number" && Number.isSafeInteger(v)) return BigInt(v);
  throw new CodecError(`${field} is not an integer id`);
}

function bytes(v: unknown, field: string): Uint8Array {
  if (!(v instanceof Uint8Array)) throw new CodecError(`${field} is not a byte string`);
  return v;
}

function cborArrayHeader(count: number): Uint8Array {
  if (!Number.isSafeInteger(count) || count < 0) throw new Error(`transport: bad array length ${count}`);
  const major = 0x80;
  if (count < 24) return Uint8Array.of(major | count);
  if (count < 0x100) return Uint8Array.of(major | 24, count);
  if (count < 0x10000) return Uint8Array.of(major | 25, count >> 8, count & 0xff);
  const out = new Uint8Array(5);
  out[0] = major | 26;
  new DataView(out.buffer).setUint32(1, count);
  return out;
}
