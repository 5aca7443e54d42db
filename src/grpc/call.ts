/**
 * One gRPC call on a node:http2 server stream: response headers once, length-prefixed messages, then the
 * status trailers (or a trailers-only answer when nothing was sent). Every write first checks that the
 * peer has not reset the stream or closed the connection: on Bun a write to a dead stream throws, and an
 * unhandled stream error would take the process down.
 * @module
 */
import type { ServerHttp2Stream } from "node:http2";
import { EtcdError, GrpcCode } from "../codec/errors.ts";
import { readRequest, type BoundaryLimits, type RequestKind } from "../server/boundary.ts";
import { frameMessage } from "./framing.ts";
import { noteServerWrite } from "./keepalive.ts";
import { statusTrailers } from "./status.ts";
import { grpcMetrics } from "../metrics/grpc.ts";

const RESPONSE_HEADERS = { ":status": 200, "content-type": "application/grpc" };
const OK_TRAILERS = statusTrailers(GrpcCode.OK, "");
/**
 * grpc-go sends no `date` header, and leaving it out spares node:http2 a clock read and a header to encode
 * on every call. (`sendDate` is a node:http2 option its type definitions leave out.)
 */
const STREAM_OPTIONS = { waitForTrailers: true, sendDate: false } as { waitForTrailers: boolean };
const END_OPTIONS = { endStream: true, sendDate: false } as { endStream: boolean };

/** A server stream seen as one gRPC call. */
export class GrpcCall {
  readonly stream: ServerHttp2Stream;
  /** The status the call ended with (undefined while running, or when the peer went away first). */
  code: GrpcCode | undefined;
  #finished = false;

  constructor(stream: ServerHttp2Stream) {
    this.stream = stream;
  }

  /** True once the call ended (status sent) or the peer went away. */
  get done(): boolean {
    return this.#finished || this.stream.destroyed || this.stream.closed;
  }

  /** Sends one message; false when the stream's buffer is full (wait for 'drain') or the call is over. */
  send(message: Uint8Array): boolean {
    if (this.done) return false;
    noteServerWrite(this.stream.session);
    if (!this.stream.headersSent) this.stream.respond(RESPONSE_HEADERS, STREAM_OPTIONS);
    grpcMetrics.sentBytes += message.length + 5; // the 5-byte length prefix, as grpc-go counts its frame
    return this.stream.write(frameMessage(message));
  }

  /**
   * Sends bytes of a message the caller frames itself (a streamed range writes its one message in pieces);
   * false when the stream's buffer is full (wait for 'drain') or the call is over.
   */
  sendPiece(piece: Uint8Array): boolean {
    if (this.done) return false;
    noteServerWrite(this.stream.session);
    if (!this.stream.headersSent) this.stream.respond(RESPONSE_HEADERS, STREAM_OPTIONS);
    grpcMetrics.sentBytes += piece.length;
    return this.stream.write(piece);
  }

  /**
   * A unary call's answer: headers, the one message and status OK, handed to node:http2 in one end() so
   * the three frames leave together. A no-op once the call is over.
   */
  reply(message: Uint8Array): void {
    if (this.done) return;
    this.#finished = true;
    this.code = 0;
    grpcMetrics.sentBytes += message.length + 5;
    noteServerWrite(this.stream.session);
    const stream = this.stream;
    stream.respond(RESPONSE_HEADERS, STREAM_OPTIONS);
    stream.once("wantTrailers", () => {
      if (!stream.destroyed) stream.sendTrailers(OK_TRAILERS);
    });
    stream.end(frameMessage(message));
  }

  /** Ends the call with a status; trailers-only when no message went out. Idempotent. */
  finish(code: GrpcCode, message = ""): void {
    if (this.done) return;
    this.#finished = true;
    this.code = code;
    noteServerWrite(this.stream.session);
    const trailers = statusTrailers(code, message);
    if (!this.stream.headersSent) {
      this.stream.respond({ ...RESPONSE_HEADERS, ...trailers }, END_OPTIONS);
      return;
    }
    this.stream.once("wantTrailers", () => {
      if (!this.stream.destroyed) this.stream.sendTrailers(trailers);
    });
    this.stream.end();
  }

  /** Ends the call with an error's status; anything but an EtcdError is our bug, reported as Unknown. */
  fail(error: unknown): void {
    this.finish(...statusOf(error));
  }
}

/** The gRPC status of a thrown value. */
export function statusOf(error: unknown): [GrpcCode, string] {
  if (error instanceof EtcdError) return [error.code, error.message];
  console.error("tsetcd: internal error serving a gRPC call:", error);
  return [GrpcCode.Unknown, String((error as Error)?.message ?? error)];
}

/**
 * One request through the request boundary. A body that does not decode is what grpc-go reports before
 * the service runs: Internal, "grpc: error unmarshalling request: <text>" for a unary call, "grpc: failed
 * to unmarshal the received message <text>" on a stream. The boundary's own checks (every one of them an
 * "etcdserver: " error) keep their code and text.
 */
export function readGrpcRequest<T>(
  kind: RequestKind,
  body: Uint8Array,
  options: { limits: BoundaryLimits; streaming?: boolean },
): T {
  try {
    return readRequest<T>(kind, "protobuf", body, options.limits);
  } catch (error) {
    if (error instanceof EtcdError && error.code === GrpcCode.InvalidArgument && !error.message.startsWith("etcdserver: ")) {
      const prefix = options.streaming === true
        ? "grpc: failed to unmarshal the received message "
        : "grpc: error unmarshalling request: ";
      throw new EtcdError(GrpcCode.Internal, prefix + error.message);
    }
    throw error;
  }
}

/**
 * Waits for a call's send buffer to drain: true once it did, false when the stream closed first or
 * nothing drained within `stallMs` (a client that stopped reading).
 */
export function drained(call: GrpcCall, stallMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      call.stream.off("drain", onDrain);
      call.stream.off("close", onClose);
      resolve(ok);
    };
    const onDrain = (): void => done(true);
    const onClose = (): void => done(false);
    const timer = setTimeout(() => done(false), stallMs);
    call.stream.on("drain", onDrain);
    call.stream.on("close", onClose);
  });
}
