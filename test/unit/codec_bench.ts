/**
 * Codec throughput (a measurement, not a test): encode+decode per second of a PutRequest (8-byte key,
 * 256-byte value) and a RangeResponse (1 and 10 such kvs), in CBOR and gateway JSON. Best of 7 rounds.
 * Run: node_modules/.bin/bun test/unit/codec_bench.ts
 */
import { decodeCbor, decodeJson, encodeCbor, encodeJson, type MessageKind } from "../../src/codec/mod.ts";

const ROUNDS = 7;
const OPS_PER_ROUND = 50_000;
const WARMUP_OPS = 20_000;

const enc = new TextEncoder();
const put = { key: enc.encode("k0000001"), value: new Uint8Array(256).fill(7) };
const header = { cluster_id: 5651537195376832483n, member_id: 12087160956821666428n, revision: 1234, raft_term: 2 };
function kv(i: number): Record<string, unknown> {
  return { key: enc.encode(`k000000${i}`), value: new Uint8Array(256).fill(i), create_revision: 10 + i, mod_revision: 20 + i, version: 1, lease: 0n };
}
const range1 = { header, kvs: [kv(1)], more: false, count: 1 };
const range10 = { header, kvs: Array.from({ length: 10 }, (_, i) => kv(i)), more: false, count: 10 };

function measure(name: string, fn: () => void): void {
  for (let i = 0; i < WARMUP_OPS; i++) fn();
  let bestMs = Infinity;
  for (let r = 0; r < ROUNDS; r++) {
    const startMs = performance.now();
    for (let i = 0; i < OPS_PER_ROUND; i++) fn();
    bestMs = Math.min(bestMs, performance.now() - startMs);
  }
  const perSecond = Math.round((OPS_PER_ROUND / bestMs) * 1000);
  console.log(`${name.padEnd(42)} ${perSecond.toLocaleString("en").padStart(10)} /s  ${(bestMs * 1000 / OPS_PER_ROUND).toFixed(2)} µs`);
}

function both(kind: MessageKind, value: unknown, label: string): void {
  measure(`CBOR ${label} encode+decode`, () => void decodeCbor(kind, encodeCbor(value)));
  measure(`JSON ${label} encode+decode`, () => void decodeJson(kind, encodeJson(kind, value)));
}

both("PutRequest", put, "PutRequest");
both("RangeResponse", range1, "RangeResponse (1 kv)");
both("RangeResponse", range10, "RangeResponse (10 kvs)");
