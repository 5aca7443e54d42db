/**
 * Protobuf codec speed (a measurement, not a test): µs per encode and per decode of a PutRequest (8-byte key,
 * 256-byte value) and a RangeResponse of 100 such kvs, next to gateway JSON, CBOR and protobufjs reading our
 * proto/ files. Best of 7 rounds after a warm-up.
 * Run: node_modules/.bin/bun test/unit/codec_protobuf_bench.ts
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import protobuf from "protobufjs";
import { decodeCbor, decodeJson, encodeCbor, encodeJson, type MessageKind } from "../../src/codec/mod.ts";
import { decodeProtobuf, encodeProtobuf } from "../../src/codec/protobuf.ts";

const ROUNDS = 7;
const TARGET_ROUND_MS = 200;

const enc = new TextEncoder();
const put = { key: enc.encode("k0000001"), value: new Uint8Array(256).fill(7), lease: 0n };
const header = { cluster_id: 5651537195376832483n, member_id: 12087160956821666428n, revision: 1234, raft_term: 2 };
function kv(i: number): Record<string, unknown> {
  return {
    key: enc.encode(`k${String(i).padStart(7, "0")}`),
    value: new Uint8Array(256).fill(i),
    create_revision: 10 + i,
    mod_revision: 20 + i,
    version: 1,
    lease: 0n,
  };
}
const range100 = { header, kvs: Array.from({ length: 100 }, (_, i) => kv(i)), more: false, count: 100 };

const root = new protobuf.Root();
const protoDir = fileURLToPath(new URL("../../proto/", import.meta.url));
root.resolvePath = (_origin, target) => (target.startsWith("/") ? target : join(protoDir, target));
root.loadSync(["etcdserverpb/rpc.proto"], { keepCase: true });

/** µs per call of `fn`, best of ROUNDS rounds of about TARGET_ROUND_MS each. */
function measure(fn: () => unknown): number {
  let calls = 1;
  for (let startMs = performance.now(); performance.now() - startMs < TARGET_ROUND_MS; calls *= 2) {
    for (let i = 0; i < calls; i++) fn();
  }
  let bestUs = Infinity;
  for (let r = 0; r < ROUNDS; r++) {
    const startMs = performance.now();
    for (let i = 0; i < calls; i++) fn();
    bestUs = Math.min(bestUs, ((performance.now() - startMs) * 1000) / calls);
  }
  return bestUs;
}

function row(label: string, encodeUs: number, decodeUs: number, sizeBytes: number): void {
  console.log(`${label.padEnd(34)} ${encodeUs.toFixed(2).padStart(9)} ${decodeUs.toFixed(2).padStart(9)} ${String(sizeBytes).padStart(8)}`);
}

function compare(kind: MessageKind, value: Record<string, unknown>, label: string): void {
  console.log(`\n${label}`.padEnd(35) + "  enc µs    dec µs    bytes");
  const wire = encodeProtobuf(kind, value);
  row("  protobuf (ours)", measure(() => encodeProtobuf(kind, value)), measure(() => decodeProtobuf(kind, wire)), wire.length);
  const type = root.lookupType(`etcdserverpb.${kind}`);
  const pbjsValue = type.decode(wire);
  row("  protobufjs (reference)", measure(() => type.encode(pbjsValue).finish()), measure(() => type.decode(wire)), wire.length);
  const cbor = encodeCbor(value);
  row("  CBOR", measure(() => encodeCbor(value)), measure(() => decodeCbor(kind, cbor)), cbor.length);
  const json = encodeJson(kind, value);
  row("  gateway JSON", measure(() => encodeJson(kind, value)), measure(() => decodeJson(kind, json)), json.length);
}

compare("PutRequest", put, "PutRequest (8 B key, 256 B value)");
compare("RangeResponse", range100, "RangeResponse (100 kvs)");
