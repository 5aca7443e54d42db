/**
 * etcd's Watch over gRPC, one bidirectional stream driven by a raw HTTP/2 client against etcd 3.4 and
 * tsetcd (one client URL): several watchers on the stream (a key, a prefix with prev_kv, a filtered one, a
 * client-chosen id), a cancel, a progress request, a watch from a compacted revision, and a duplicate id.
 * The decoded responses, header ids and raft term aside, must be the same list on both servers.
 */
import { connect } from "node:http2";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { decodeProtobuf, encodeProtobuf } from "../../src/codec/protobuf.ts";
import type { WatchRequest, WatchResponse } from "../../src/codec/messages.ts";
import { frameMessage, MessageReader } from "../../src/grpc/framing.ts";
import { startEtcd, startTsetcd, type TestServer } from "./servers.ts";

const ENC = new TextEncoder();
const DEC = new TextDecoder();
const servers: TestServer[] = [];
const WAIT_LIMIT_MS = 5_000;

test.before(async () => {
  servers.push(
    ...await Promise.all([startEtcd({ grpc: 33120, peer: 33121 }), startTsetcd({ grpc: 33130, peer: 33131 })]),
  );
});

test.after(async () => {
  for (const server of servers) await server.stop();
});

/** A unary call on its own stream; resolves with the grpc-status. */
function unary(endpoint: string, path: string, message: Uint8Array): Promise<string> {
  return new Promise((resolve) => {
    const session = connect(`http://${endpoint}`);
    session.on("error", () => {});
    const stream = session.request({ ":method": "POST", ":path": path, "content-type": "application/grpc", te: "trailers" });
    let status = "none";
    const take = (headers: Record<string, unknown>): void => {
      if (headers["grpc-status"] !== undefined) status = String(headers["grpc-status"]);
    };
    stream.on("response", take);
    stream.on("trailers", take);
    stream.on("error", () => {});
    stream.resume();
    const timer = setTimeout(() => session.destroy(), WAIT_LIMIT_MS);
    stream.on("close", () => {
      clearTimeout(timer);
      session.destroy();
      resolve(status);
    });
    stream.end(frameMessage(message));
  });
}

function put(endpoint: string, key: string, value: string): Promise<string> {
  return unary(endpoint, "/etcdserverpb.KV/Put", encodeProtobuf("PutRequest", { key: ENC.encode(key), value: ENC.encode(value) }));
}

/** A response with what may differ between servers (ids, raft term) left out and bytes as text. */
function shape(response: WatchResponse): unknown {
  const kv = (k: { key: Uint8Array; value: Uint8Array; create_revision: number; mod_revision: number; version: number } | undefined) =>
    k === undefined ? undefined : { ...k, key: DEC.decode(k.key), value: DEC.decode(k.value), lease: undefined };
  return {
    revision: response.header?.revision,
    watch_id: response.watch_id,
    created: response.created,
    canceled: response.canceled,
    compact_revision: response.compact_revision,
    cancel_reason: response.cancel_reason,
    events: response.events.map((e) => ({ type: e.type, kv: kv(e.kv as never), prev_kv: kv(e.prev_kv as never) })),
  };
}

async function scenario(server: TestServer): Promise<unknown[]> {
  const endpoint = server.grpcEndpoint;
  const session = connect(`http://${endpoint}`);
  session.on("error", () => {});
  const stream = session.request({ ":method": "POST", ":path": "/etcdserverpb.Watch/Watch", "content-type": "application/grpc", te: "trailers" });
  stream.on("error", () => {});
  const reader = new MessageReader({ maxMessageBytes: 4 * 1024 * 1024 });
  const responses: WatchResponse[] = [];
  stream.on("data", (chunk: Uint8Array) => {
    for (const m of reader.push(new Uint8Array(chunk))) responses.push(decodeProtobuf<WatchResponse>("WatchResponse", m));
  });
  const send = (req: WatchRequest): void => {
    stream.write(frameMessage(encodeProtobuf("WatchRequest", req)));
  };
  const until = async (count: number): Promise<void> => {
    const deadline = Date.now() + WAIT_LIMIT_MS;
    while (responses.length < count && Date.now() < deadline) await Bun.sleep(20);
    assert.ok(responses.length >= count, `${server.grpcEndpoint}: ${responses.length} of ${count} responses`);
  };
  try {
    send({ create_request: { key: ENC.encode("a") } });
    await until(1);
    send({ create_request: { key: ENC.encode("b"), range_end: ENC.encode("c"), prev_kv: true } });
    await until(2);
    send({ create_request: { key: ENC.encode("b1"), filters: [0] } }); // NOPUT: deletes only
    await until(3);
    send({ create_request: { key: ENC.encode("a"), watch_id: 100 } });
    await until(4);
    send({ create_request: { key: ENC.encode("a"), watch_id: 100 } }); // id in use
    await until(5);
    assert.is(await put(endpoint, "a", "1"), "0");
    assert.is(await put(endpoint, "b1", "2"), "0");
    assert.is(await put(endpoint, "b1", "3"), "0");
    await until(9); // a (twice: ids 0 and 100), b1, b1
    send({ cancel_request: { watch_id: 0 } });
    await until(10);
    assert.is(await put(endpoint, "a", "4"), "0");
    await until(11); // only id 100 now
    send({ progress_request: {} });
    await until(12);
    assert.is(await unary(endpoint, "/etcdserverpb.KV/Compact", encodeProtobuf("CompactionRequest", { revision: 4 })), "0");
    send({ create_request: { key: ENC.encode("a"), start_revision: 2 } });
    await until(14); // created, then canceled with the compact revision
    send({ create_request: { key: ENC.encode("a"), start_revision: 4 } });
    await until(16); // created, then the event at revision 5
    await Bun.sleep(200); // nothing more may come
  } finally {
    session.destroy();
  }
  // Events of different watchers may interleave differently; order within a watcher is fixed.
  return responses.map(shape).sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y)));
}

test("one gRPC watch stream with several watchers, cancel, progress and compaction: as etcd 3.4", async () => {
  const [onEtcd, onTsetcd] = [await scenario(servers[0]!), await scenario(servers[1]!)];
  assert.equal(onTsetcd, onEtcd);
  assert.is(onEtcd.length, 16);
  const text = JSON.stringify(onEtcd);
  assert.match(text, /"compact_revision":4/);
  assert.match(text, /"watch_id":100/);
  assert.match(text, /"prev_kv":\{"key":"b1"/);
});

test.run();
