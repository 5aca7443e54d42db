/**
 * Sends one fuzz call over HTTP/2 (node:http2) and says what came back, within a time bound: the HTTP
 * status, the gRPC status and message (from the trailers, or the headers of a trailers-only answer), how
 * many messages arrived, and whether the stream ended with no status at all. The caller chooses what the
 * client does after writing: half-close, stay open, reset the stream, send GOAWAY or destroy the socket
 * (mid-frame if the bytes stop mid-frame). Nothing here judges; test/fuzz/findings.ts does.
 * @module
 */
import { type ClientHttp2Session, type ClientHttp2Stream, connect, constants } from "node:http2";
import { connect as connectTcp, type Socket } from "node:net";
import { MessageReader } from "../../src/grpc/framing.ts";
import { decodeGrpcMessage } from "../../src/grpc/status.ts";

/** What the client does once its bytes are written. */
export type AfterWrite = "end" | "open" | "cancel" | "goaway" | "destroy";

/** One call. */
export interface GrpcProbe {
  port: number;
  /** Every request header, pseudo-headers included. */
  headers: Record<string, string>;
  data: Uint8Array;
  after: AfterWrite;
  /** Stop (and reset the stream) at the first message: a stream abandoned once it answered. */
  firstOnly: boolean;
  timeoutMs: number;
}

/** What one call got back. */
export interface GrpcOutcome {
  httpStatus?: number;
  grpcStatus?: string;
  grpcMessage?: string;
  messages: number;
  /** Neither a status nor (with firstOnly) a message within the time bound. */
  timedOut: boolean;
  /** The stream closed with no gRPC status (a reset, or the connection went away). */
  noStatus: boolean;
  /** The client side refused the request before sending it (headers node:http2 will not write). */
  refusedByClient?: string;
  elapsedMs: number;
}

/** Bound on messages read from one answer (a snapshot or watch is abandoned long before). */
const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/**
 * An HTTP/2 session over a TCP socket we hold, so that the socket can be destroyed under it (node:http2
 * on Bun refuses to hand its own socket out).
 */
function openSession(port: number): { session: ClientHttp2Session; socket: Socket } {
  const socket = connectTcp({ host: "127.0.0.1", port });
  socket.on("error", () => {});
  const session = connect(`http://127.0.0.1:${port}`, { createConnection: () => socket });
  session.on("error", () => {});
  return { session, socket };
}

/** Sends one call; never throws. */
export function sendGrpc(probe: GrpcProbe): Promise<GrpcOutcome> {
  const startMs = performance.now();
  return new Promise((resolve) => {
    const { session, socket } = openSession(probe.port);
    const outcome: GrpcOutcome = { messages: 0, timedOut: false, noStatus: false, elapsedMs: 0 };
    let settled = false;
    const finish = (): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      outcome.elapsedMs = performance.now() - startMs;
      session.destroy();
      socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(() => {
      outcome.timedOut = true;
      finish();
    }, probe.timeoutMs);
    let stream: ClientHttp2Stream;
    try {
      stream = session.request(probe.headers);
    } catch (error) {
      outcome.refusedByClient = (error as Error).message;
      finish();
      return;
    }
    const reader = new MessageReader({ maxMessageBytes: MAX_MESSAGE_BYTES });
    const take = (headers: Record<string, unknown>): void => {
      if (headers[":status"] !== undefined) outcome.httpStatus = Number(headers[":status"]);
      if (headers["grpc-status"] !== undefined) outcome.grpcStatus = String(headers["grpc-status"]);
      if (headers["grpc-message"] !== undefined) outcome.grpcMessage = decodeGrpcMessage(String(headers["grpc-message"]));
      if (outcome.grpcStatus !== undefined) finish();
    };
    stream.on("response", take);
    stream.on("trailers", take);
    stream.on("error", () => {});
    stream.on("data", (chunk: Uint8Array) => {
      try {
        outcome.messages += reader.push(new Uint8Array(chunk)).length;
      } catch {
        outcome.messages++; // a frame our reader refuses still is an answer; the status decides
      }
      if (probe.firstOnly && outcome.messages > 0) {
        stream.close(constants.NGHTTP2_CANCEL);
        finish();
      }
    });
    stream.on("close", () => {
      if (outcome.grpcStatus === undefined && !settled) outcome.noStatus = true;
      finish();
    });
    stream.write(probe.data, () => afterWrite(session, socket, stream, probe.after, finish));
  });
}

function afterWrite(session: ClientHttp2Session, socket: Socket, stream: ClientHttp2Stream, after: AfterWrite, finish: () => void): void {
  if (stream.closed || stream.destroyed) return;
  if (after === "end") stream.end();
  if (after === "cancel") {
    stream.close(constants.NGHTTP2_CANCEL);
    finish();
  }
  if (after === "goaway") {
    session.goaway(constants.NGHTTP2_NO_ERROR);
    finish();
  }
  if (after === "destroy") {
    socket.destroy();
    finish();
  }
}

/**
 * Opens `count` streams of one method on one connection, writes each its bytes without ending it, then
 * destroys the socket: a client that goes away with many calls in flight. Resolves once it is gone.
 */
export async function openAndDrop(port: number, headers: Record<string, string>, data: Uint8Array, count: number): Promise<void> {
  const { session, socket } = openSession(port);
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 2_000);
    session.once("connect", () => {
      clearTimeout(timer);
      resolve();
    });
  });
  for (let i = 0; i < count && !session.destroyed; i++) {
    try {
      const stream = session.request(headers);
      stream.on("error", () => {});
      stream.write(data);
    } catch {
      break; // the server's stream limit or a closed session: enough
    }
  }
  await new Promise((resolve) => setTimeout(resolve, 100));
  socket.destroy();
  session.destroy();
}
