/**
 * The lessor's fixed rules, as etcd 3.4 has them: TTL bounds, the minimum TTL derived from the Raft
 * timing, and how a proposer picks a lease id. Pure.
 * @module
 */
import { Errors } from "../codec/errors.ts";

/** etcd's MaxLeaseTTL: a grant above it fails with "too large lease TTL". */
export const MAX_LEASE_TTL_S = 9_000_000_000;

/** etcd's "no lease" id. */
export const NO_LEASE = 0n;

const ID_MASK_63 = (1n << 63n) - 1n;
/** Draws of the id generator before giving up (a generator returning only zeros is broken). */
const MAX_ID_DRAWS = 64;

/**
 * The smallest TTL a lease may have, in seconds, as etcd computes it: one and a half election timeouts
 * (`(3 * electionTicks) / 2` ticks, integer division) rounded up to whole seconds. A shorter lease could
 * expire during an ordinary leader election. Defaults (10 ticks of 100 ms) give 2 s.
 * @example minLeaseTtlS(10, 100) // 2
 */
export function minLeaseTtlS(electionTicks: number, heartbeatMs: number): number {
  if (!(electionTicks >= 1 && heartbeatMs > 0)) throw new Error("minLeaseTtlS: bad raft timing");
  const ticks = Math.floor((3 * electionTicks) / 2);
  return Math.ceil((ticks * heartbeatMs) / 1000);
}

/**
 * The TTL a grant gets: below the minimum it is raised to it (etcd does the same, silently); above
 * MAX_LEASE_TTL_S it fails with `leaseTTLTooLarge`.
 */
export function grantedTtlS(requestedS: number, minTtlS: number): number {
  if (!Number.isInteger(requestedS)) throw new Error(`lease TTL must be an integer, got ${requestedS}`);
  if (requestedS > MAX_LEASE_TTL_S) throw Errors.leaseTTLTooLarge();
  return Math.max(requestedS, minTtlS);
}

/**
 * The id a LeaseGrant is proposed with: the client's when it chose one, otherwise a random non-zero
 * 63-bit id drawn from `random64` (so it is positive as an int64, as etcd's). Picked by the proposer,
 * before proposing, so every member applies the same id.
 */
export function chooseLeaseId(requested: bigint | undefined, random64: () => bigint): bigint {
  if (requested !== undefined && requested !== NO_LEASE) return requested;
  for (let draw = 0; draw < MAX_ID_DRAWS; draw++) {
    const id = random64() & ID_MASK_63;
    if (id !== NO_LEASE) return id;
  }
  throw new Error("chooseLeaseId: the id generator keeps returning zero");
}
