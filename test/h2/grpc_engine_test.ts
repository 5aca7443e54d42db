/**
 * The gRPC listener on our own HTTP/2 (engine "own": src/h2 + src/grpc/h2_adapter.ts) with a no-op KV:
 * node:http2's client gets unary answers with their status trailers (also 64 calls at once on one
 * connection, every frame coalesced), grpc-go's Unimplemented for an unknown method, and real etcdctl 3.4
 * puts and gets through it. The whole src/grpc suite also runs on it with TSETCD_GRPC_ENGINE=own.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { execFile } from "node:child_process";
import { connect } from "node:http2";
import type { GrpcServices } from "../../src/grpc/routes.ts";
import { startGrpcServer } from "../../src/grpc/server.ts";
import { call } from "../grpc/raw_call.ts";

const PORT = 27520;
const header = { cluster_id: 1n, member_id: 2n, revision: 3n, raft_term: 4n };
const kv = { key: new TextEncoder().encode("k"), value: new TextEncoder().encode("v"), create_revision: 2n, mod_revision: 3n, version: 1n, lease: 0n };
const services = {
  kv: {
    put: () => Promise.resolve({ header }),
    range: () => Promise.resolve({ header, kvs: [kv], count: 1n, more: false }),
  },
} as unknown as GrpcServices;

const listening = startGrpcServer(new URL(`http://127.0.0.1:${PORT}`), services, { maxRequestBytes: 1_572_864, engine: "own" });

test.after(async () => {
  await (await listening).close();
});

test("a unary Put through node:http2's client: the answer and grpc-status 0; an unknown method: 12 with grpc-go's text", async () => {
  await listening;
  const put = call<{ header: { revision: bigint } }>(`127.0.0.1:${PORT}`, "/etcdserverpb.KV/Put", ["PutRequest", { key: new Uint8Array([1]), value: new Uint8Array([2]) }], "PutResponse");
  const answer = await put.answer;
  put.session.close();
  assert.is(answer.status, "0");
  assert.is(Number(answer.response?.header.revision), 3);
  const unknown = call(`127.0.0.1:${PORT}`, "/etcdserverpb.KV/Nope", ["PutRequest", {}], "PutResponse");
  const refused = await unknown.answer;
  unknown.session.close();
  assert.is(refused.status, "12");
  assert.is(refused.message, "unknown method Nope for service etcdserverpb.KV");
});

test("64 calls at once on one connection are all answered", async () => {
  await listening;
  const session = connect(`http://127.0.0.1:${PORT}`);
  session.on("error", () => {});
  try {
    const statuses = await Promise.all(Array.from({ length: 64 }, () => new Promise<string>((resolve) => {
      const stream = session.request({ ":method": "POST", ":path": "/etcdserverpb.KV/Range", "content-type": "application/grpc", te: "trailers" });
      let status = "none";
      stream.on("trailers", (t) => (status = String(t["grpc-status"])));
      stream.on("close", () => resolve(status));
      stream.on("error", () => resolve("error"));
      stream.resume();
      stream.end(Uint8Array.of(0, 0, 0, 0, 3, 10, 1, 107));
    })));
    assert.equal(statuses, Array(64).fill("0"));
  } finally {
    session.close();
  }
});

test("etcdctl 3.4 puts and gets through it", async () => {
  await listening;
  // Asynchronously: the server runs in this process.
  const run = (args: string[]): Promise<{ stdout: string; stderr: string; code: number }> =>
    new Promise((resolve) => {
      const options = { env: { ...process.env, ETCDCTL_API: "3" }, timeout: 15_000, encoding: "utf8" as const };
      execFile("etcdctl", ["--endpoints", `127.0.0.1:${PORT}`, "--command-timeout", "5s", ...args], options, (error, stdout, stderr) =>
        resolve({ stdout, stderr, code: error === null ? 0 : Number(error.code ?? 1) }));
    });
  const put = await run(["put", "k", "v"]);
  assert.equal([put.stdout, put.code], ["OK\n", 0], put.stderr);
  const get = await run(["get", "k"]);
  assert.equal([get.stdout, get.code], ["k\nv\n", 0], get.stderr);
});

test.run();
