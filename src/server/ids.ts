/**
 * Member and cluster ids derived as etcd derives them, so the same flags give the same ids:
 * a member id is the first 8 bytes (big-endian) of sha1(sorted peer URLs joined + cluster token); the
 * cluster id is the first 8 bytes of sha1 over the sorted member ids, each as 8 big-endian bytes.
 * @module
 */
import { createHash } from "node:crypto";

/** A member id from its peer URLs and the --initial-cluster-token. */
export function memberIdFor(peerUrls: string[], clusterToken: string): bigint {
  const joined = [...peerUrls].sort().join("");
  const digest = createHash("sha1").update(joined + clusterToken, "utf8").digest();
  return digest.readBigUInt64BE(0);
}

/** A cluster id from the ids of its initial members. */
export function clusterIdFor(memberIds: bigint[]): bigint {
  if (memberIds.length === 0) throw new Error("clusterIdFor: a cluster has at least one member");
  const sorted = [...memberIds].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const bytes = Buffer.alloc(8 * sorted.length);
  sorted.forEach((id, i) => bytes.writeBigUInt64BE(id, 8 * i));
  return createHash("sha1").update(bytes).digest().readBigUInt64BE(0);
}

/** An id as etcd prints it: lower-case hex, no padding. */
export function idHex(id: bigint): string {
  return id.toString(16);
}
