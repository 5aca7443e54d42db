/**
 * gRPC's message framing on an HTTP/2 stream: each message is a 1-byte compressed flag, a 4-byte big-endian
 * length, then the message bytes. `MessageReader` splits the stream's DATA chunks into messages and refuses a
 * length over the receive limit as soon as the prefix arrives, before buffering any of it (etcd's clients
 * see grpc-go's text for that, ResourceExhausted).
 *
 * @example
 * const reader = new MessageReader({ maxMessageBytes: 2 * 1024 * 1024 });
 * for (const message of reader.push(chunk)) handle(message);
 * @module
 */
import { EtcdError, GrpcCode } from "../codec/errors.ts";
import { grpcMetrics } from "../metrics/grpc.ts";

/** Bytes before each message: the compressed flag and the length. */
export const PREFIX_BYTES = 5;

/** Options of a reader. */
export interface MessageReaderOptions {
  /** The receive limit (etcd: --max-request-bytes + 512 KiB). */
  maxMessageBytes: number;
  /** Messages one stream may carry before it is refused (a bound on a bidi stream's life). */
  maxMessages?: number;
}

/** Default bound on messages per stream: a keep-alive every 500 ms for about 58 days. */
const DEFAULT_MAX_MESSAGES = 10_000_000;

/** Splits a stream's bytes into gRPC messages. Throws EtcdError on a frame it cannot accept. */
export class MessageReader {
  readonly #maxMessageBytes: number;
  readonly #maxMessages: number;
  #pending: Uint8Array = new Uint8Array(0);
  #count = 0;

  constructor(options: MessageReaderOptions) {
    if (!(options.maxMessageBytes > 0)) throw new Error("MessageReader: maxMessageBytes must be positive");
    this.#maxMessageBytes = options.maxMessageBytes;
    this.#maxMessages = options.maxMessages ?? DEFAULT_MAX_MESSAGES;
  }

  /** Messages read so far. */
  get count(): number {
    return this.#count;
  }

  /** True when a message has started but not all of it has arrived. */
  get partial(): boolean {
    return this.#pending.length > 0;
  }

  /** Adds a chunk; returns the messages it completed, in order. Throws EtcdError on a bad frame. */
  push(chunk: Uint8Array): Uint8Array[] {
    grpcMetrics.receivedBytes += chunk.length;
    this.#pending = this.#pending.length === 0 ? chunk : concat(this.#pending, chunk);
    const out: Uint8Array[] = [];
    // Each turn takes one whole message off the front, so this is bounded by the chunk's length.
    while (this.#pending.length >= PREFIX_BYTES) {
      const pending = this.#pending;
      if (pending[0] !== 0) throw badFlag(pending[0]!);
      const sizeBytes = new DataView(pending.buffer, pending.byteOffset, PREFIX_BYTES).getUint32(1);
      if (sizeBytes > this.#maxMessageBytes) {
        throw new EtcdError(
          GrpcCode.ResourceExhausted,
          `grpc: received message larger than max (${sizeBytes} vs. ${this.#maxMessageBytes})`,
        );
      }
      if (pending.length < PREFIX_BYTES + sizeBytes) break;
      if (this.#count >= this.#maxMessages) {
        throw new EtcdError(GrpcCode.ResourceExhausted, `grpc: too many messages on one stream (${this.#maxMessages})`);
      }
      out.push(pending.subarray(PREFIX_BYTES, PREFIX_BYTES + sizeBytes));
      this.#pending = pending.subarray(PREFIX_BYTES + sizeBytes);
      this.#count++;
    }
    return out;
  }
}

/**
 * grpc-go's answer (etcd 3.4's texts) to a prefix whose flag is not 0. The call's grpc-encoding is identity
 * here (the server refuses any other before reading), so a compressed message is the client's bug.
 */
function badFlag(flag: number): EtcdError {
  if (flag === 1) return new EtcdError(GrpcCode.Internal, "grpc: compressed flag set with identity or empty encoding");
  return new EtcdError(GrpcCode.Internal, `grpc: received unexpected payload format ${flag}`);
}

/** One message with its prefix, ready to write to the stream. */
export function frameMessage(message: Uint8Array): Uint8Array {
  const out = new Uint8Array(PREFIX_BYTES + message.length);
  new DataView(out.buffer).setUint32(1, message.length);
  out.set(message, PREFIX_BYTES);
  return out;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
