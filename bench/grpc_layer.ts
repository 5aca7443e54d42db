/**
 * The gRPC front-end alone: an in-process listener whose KV answers at once (no Raft, no storage), so a
 * load tool pointed at it measures only the HTTP/2, framing, protobuf and call costs of src/grpc.
 * `bun bench/grpc_layer.ts [port] [engine]` serves until SIGTERM (port default 27650, this bench's range;
 * engine "node-http2", the default, or "own": src/h2).
 * @module
 */
import type { GrpcServices } from "../src/grpc/routes.ts";
import { startGrpcServer } from "../src/grpc/server.ts";

const port = Number(process.argv[2] ?? 27650);
const header = { cluster_id: 1n, member_id: 2n, revision: 3n, raft_term: 4n };
const enc = new TextEncoder();
const kv = { key: enc.encode("k0000001"), value: new Uint8Array(256), create_revision: 2n, mod_revision: 3n, version: 1n, lease: 0n };
const services = {
  kv: {
    put: () => Promise.resolve({ header }),
    // Range answers one key, except check perf's first look at its prefix, which must find none.
    range: (r: { key: Uint8Array }) =>
      Promise.resolve(new TextDecoder().decode(r.key).startsWith("/etcdctl-check-perf/") ? { header, kvs: [], count: 0n, more: false } : { header, kvs: [kv], count: 1n, more: false }),
    deleteRange: () => Promise.resolve({ header, deleted: 0n, prev_kvs: [] }),
  },
} as unknown as GrpcServices;
const engine = process.argv[3] === "own" ? "own" : "node-http2";
const listener = await startGrpcServer(new URL(`http://127.0.0.1:${port}`), services, { maxRequestBytes: 1_572_864, engine });
console.log(`grpc_layer: ${listener.url}`);
process.on("SIGTERM", () => void listener.close().then(() => process.exit(0)));
