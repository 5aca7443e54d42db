/**
 * The byte form of a `ConfChange` carried in a ConfChange log entry:
 * `[version u8 = 1][type u8][nodeId u64 big-endian][context length u32 big-endian][context bytes]`.
 * @module
 */
import { type ConfChange, ConfChangeType } from "./types.ts";

const VERSION = 1;
const HEADER_BYTES = 1 + 1 + 8 + 4;
const MAX_NODE_ID = (1n << 64n) - 1n;

/** Encodes a membership change for the data of a ConfChange entry. */
export function encodeConfChange(cc: ConfChange): Uint8Array {
  if (cc.nodeId < 0n || cc.nodeId > MAX_NODE_ID) throw new Error(`raft: node id ${cc.nodeId} out of range`);
  const context = cc.context ?? new Uint8Array(0);
  const out = new Uint8Array(HEADER_BYTES + context.byteLength);
  const view = new DataView(out.buffer);
  view.setUint8(0, VERSION);
  view.setUint8(1, cc.type);
  view.setBigUint64(2, cc.nodeId);
  view.setUint32(10, context.byteLength);
  out.set(context, HEADER_BYTES);
  return out;
}

/** Decodes the data of a ConfChange entry; throws on anything malformed. */
export function decodeConfChange(data: Uint8Array): ConfChange {
  if (data.byteLength < HEADER_BYTES) throw new Error("raft: conf change too short");
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (view.getUint8(0) !== VERSION) throw new Error(`raft: unknown conf change version ${view.getUint8(0)}`);
  const type = view.getUint8(1);
  if (type !== ConfChangeType.AddNode && type !== ConfChangeType.RemoveNode && type !== ConfChangeType.AddLearnerNode) {
    throw new Error(`raft: unknown conf change type ${type}`);
  }
  const nodeId = view.getBigUint64(2);
  const length = view.getUint32(10);
  if (HEADER_BYTES + length !== data.byteLength) throw new Error("raft: conf change length mismatch");
  const cc: ConfChange = { type, nodeId };
  if (length > 0) cc.context = data.slice(HEADER_BYTES);
  return cc;
}
