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
import { isStreamedRange } from "../mvcc/range_stream.ts";
import { sendStreamedRange } from "./range_stream.ts";
import { callerOfStream, withCaller } from "../auth/context.ts";
import type { GrpcServices, UnaryMethod } from "./routes.ts";
import type { CallContext } from "./types.ts";

/** Reads the call's first message and calls `onMessage` with it once; ends the call on a bad stream. */
export function firstMessage(call: GrpcCall, maxMessageBytes: number, onMessage: (message: Uint8Array) => void): void {
  // No bound of one message: a client that writes two at once gets its call run on the first, as etcd's.
  const reader = new MessageReader({ maxMessageBytes });
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
    const context = new UnaryContext(call);
    const caller = callerOfStream(call.stream);
    const auth = services.kv.auth;
    if (caller.token !== undefined && auth?.tokenPending(caller.token)) await auth.waitForToken(caller.token);
    const response = await withCaller(caller, () => method.call(services, request as never, context));
    if (isStreamedRange(response)) return await sendStreamedRange(call, response);
    if (call.done) return; // the client reset the stream, or its deadline passed, meanwhile
    call.reply(encodeProtobuf(method.response, response));
  } catch (error) {
    call.fail(error);
  }
}

/**
 * A unary call's context. The abort signal is made on first use: only the methods that wait (Lock,
 * Campaign) ask for it, and an AbortController per call, aborted at every stream's close, cost the Put
 * path about 5 % of its CPU.
 */
class UnaryContext implements CallContext {
  readonly #call: GrpcCall;
  #controller: AbortController | undefined;

  constructor(call: GrpcCall) {
    this.#call = call;
  }

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      const controller = new AbortController();
      this.#controller = controller;
      if (this.#call.done) controller.abort();
      else this.#call.stream.once("close", () => controller.abort());
    }
    return this.#controller.signal;
  }
}
