/**
 * etcd_network_peer_round_trip_time_seconds: per member, one histogram per peer (label `To`, the peer's ID in
 * hex) of the smoothed round trips its transport's prober reports (src/transport/probe.ts), over etcd's
 * buckets (0.1 ms doubling to 3.2768 s, 16 buckets). Kept by member ID, so members sharing a process (tests)
 * each show only their own peers.
 * @module
 */
import { exponentialBuckets, Histogram } from "./text.ts";

/** etcd 3.4's rttSec buckets: ExponentialBuckets(0.0001, 2, 16). */
export const PEER_RTT_BUCKETS_SECONDS: readonly number[] = exponentialBuckets(0.0001, 2, 16);

const NAME = "etcd_network_peer_round_trip_time_seconds";
const HELP = "Round-Trip-Time histogram between peers";
/** Bound on peers per member and on members per process: a runaway id stream cannot grow this forever. */
const MAX_ENTRIES = 1_024;

const byMember = new Map<string, Map<string, Histogram>>();

/** Records one round trip (seconds) from `memberId` to `peerId`. */
export function observePeerRoundTrip(memberId: bigint, peerId: bigint, seconds: number): void {
  if (!(seconds >= 0)) throw new Error(`a round trip is >= 0 s, got ${seconds}`);
  const memberHex = memberId.toString(16);
  let peers = byMember.get(memberHex);
  if (peers === undefined) {
    if (byMember.size >= MAX_ENTRIES) return;
    peers = new Map();
    byMember.set(memberHex, peers);
  }
  const peerHex = peerId.toString(16);
  let histogram = peers.get(peerHex);
  if (histogram === undefined) {
    if (peers.size >= MAX_ENTRIES) return;
    histogram = new Histogram(NAME, HELP, PEER_RTT_BUCKETS_SECONDS);
    peers.set(peerHex, histogram);
  }
  histogram.observe(seconds);
}

/** The family for one member (its ID in hex, as `idHex`): "" before its first observation. */
export function peerRoundTripText(memberIdHex: string): string {
  const peers = byMember.get(memberIdHex);
  if (peers === undefined || peers.size === 0) return "";
  // Prometheus' client orders a family's series by label value.
  const sorted = [...peers].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return sorted.map(([peerHex, histogram], i) => histogram.format({ To: peerHex }, i === 0)).join("");
}
