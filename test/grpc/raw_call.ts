/**
 * A raw unary gRPC call over node:http2 for the tests that compare etcd 3.4 and tsetcd message by message:
 * the status, message and decoded answer, with the session so a test can drop the connection mid-call.
 * @module
 */
import * as assert from "uvu/assert";
import { type ClientHttp2Session, connect } from "node:http2";
import { decodeProtobuf, encodeProtobuf } from "../../src/codec/protobuf.ts";
import type { MessageKind } from "../../src/codec/schema.ts";
import { frameMessage, MessageReader } from "../../src/grpc/framing.ts";
import { decodeGrpcMessage } from "../../src/grpc/status.ts";

const CALL_LIMIT_MS = 10_000;

/** What one call ended with: grpc-status, grpc-message and the last response. */
export interface Answer<T> {
  status: string;
  message: string;
  response?: T;
}

/** A unary call (bounded by CALL_LIMIT_MS); `session` lets the caller drop the connection while it waits. */
export function call<T>(
  endpoint: string,
  path: string,
  request: [MessageKind, unknown],
  responseKind: MessageKind,
): { session: ClientHttp2Session; answer: Promise<Answer<T>> } {
  const session = connect(`http://${endpoint}`);
  session.on("error", () => {});
  const answer = new Promise<Answer<T>>((resolve) => {
    const stream = session.request({ ":method": "POST", ":path": path, "content-type": "application/grpc", te: "trailers" });
    const result: Answer<T> = { status: "none", message: "" };
    const reader = new MessageReader({ maxMessageBytes: 1 << 20 });
    const take = (headers: Record<string, unknown>): void => {
      if (headers["grpc-status"] !== undefined) result.status = String(headers["grpc-status"]);
      if (headers["grpc-message"] !== undefined) result.message = decodeGrpcMessage(String(headers["grpc-message"]));
    };
    stream.on("response", take);
    stream.on("trailers", take);
    stream.on("data", (chunk: Uint8Array) => {
      for (const m of reader.push(new Uint8Array(chunk))) result.response = decodeProtobuf<T>(responseKind, m);
    });
    stream.on("error", () => {});
    const timer = setTimeout(() => session.destroy(), CALL_LIMIT_MS);
    stream.on("close", () => {
      clearTimeout(timer);
      session.close();
      resolve(result);
    });
    stream.end(frameMessage(encodeProtobuf(request[0], request[1])));
  });
  return { session, answer };
}

/** Grants a 60 s lease over gRPC (asserting status 0) and returns its id. */
export async function grant(endpoint: string): Promise<bigint> {
  const { answer } = call<{ ID: bigint }>(endpoint, "/etcdserverpb.Lease/LeaseGrant", ["LeaseGrantRequest", { TTL: 60 }], "LeaseGrantResponse");
  const got = await answer;
  assert.is(got.status, "0", got.message);
  return got.response!.ID;
}

/** The keys under `prefix` (a gRPC Range over the prefix, asserting status 0), in key order. */
export async function keysUnder(endpoint: string, prefix: string): Promise<string[]> {
  const end = prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
  const request = { key: new TextEncoder().encode(prefix), range_end: new TextEncoder().encode(end) };
  const { answer } = call<{ kvs: { key: Uint8Array }[] }>(endpoint, "/etcdserverpb.KV/Range", ["RangeRequest", request], "RangeResponse");
  const got = await answer;
  assert.is(got.status, "0", got.message);
  return got.response!.kvs.map((kv) => new TextDecoder().decode(kv.key));
}
