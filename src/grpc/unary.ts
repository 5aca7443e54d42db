/**
 * A unary call: one request message, the service's answer, status OK; or the status of etcd's error.
 * As grpc-go, the call runs on the first complete message (what follows it is not read), a stream that
 * ends with no message is Unknown "EOF", and one that ends inside a message is Unknown "unexpected EOF".
 * @module
 */
import { EtcdError, GrpcCode } from "../codec/errors.ts";
import { encodeProtobuf } from "../codec/protobuf.ts";
import type { BoundaryLimits } from "../server/boundary.ts";
import { GrpcCall, readGrpcRequest } from "./call.ts";
import { MessageReader } from "./framing.ts";
import type { GrpcServices, UnaryMethod } from "./routes.ts";

/** Reads the call's first message and calls `onMessage` with it once; ends the call on a bad stream. */
export function firstMessage(call: GrpcCall, maxMessageBytes: number, onMessage: (message: Uint8Array) => void): void {
  const reader = new MessageReader({ maxMessageBytes, maxMessages: 1 });
  let taken = false;
  const stream = call.stream;
  const onData = (chunk: Uint8Array): void => {
    if (taken || call.done) return;
    let messages: Uint8Array[];
    try {
      messages = reader.push(chunk);
    } catch (error) {
      taken = true;
      call.fail(error);
      return;
    }
    if (messages.length === 0) return;
    taken = true;
    onMessage(messages[0]!);
  };
  stream.on("data", onData);
  stream.on("end", () => {
    if (taken) return;
    taken = true;
    call.fail(new EtcdError(GrpcCode.Unknown, reader.partial ? "unexpected EOF" : "EOF"));
  });
}

/** Serves one unary call of `method`. */
export function serveUnary(
  call: GrpcCall,
  method: UnaryMethod,
  services: GrpcServices,
  limits: Required<BoundaryLimits>,
): void {
  firstMessage(call, limits.maxMessageBytes, (body) => {
    void answer(call, method, services, body, limits);
  });
}

async function answer(
  call: GrpcCall,
  method: UnaryMethod,
  services: GrpcServices,
  body: Uint8Array,
  limits: BoundaryLimits,
): Promise<void> {
  try {
    // The one request boundary: etcd's zero values and checks before the service sees the message.
    const request = readGrpcRequest<unknown>(method.request, body, { limits });
    const controller = new AbortController();
    call.stream.once("close", () => controller.abort());
    const response = await method.call(services, request as never, { signal: controller.signal });
    if (call.done) return; // the client reset the stream, or its deadline passed, meanwhile
    call.send(encodeProtobuf(method.response, response));
    call.finish(GrpcCode.OK);
  } catch (error) {
    call.fail(error);
  }
}
