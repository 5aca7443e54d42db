/**
 * gRPC status on HTTP/2: the `grpc-status` and `grpc-message` trailers (the message percent-encoded as the
 * gRPC spec asks: UTF-8, then every byte outside printable ASCII and `%` itself as %XX), and the
 * `grpc-timeout` request header a client uses to send its deadline.
 * @module
 */
import { EtcdError, GrpcCode } from "../codec/errors.ts";

/** The trailers that end a call with `code` and `message`. */
export function statusTrailers(code: GrpcCode, message: string): Record<string, string> {
  const trailers: Record<string, string> = { "grpc-status": String(code) };
  if (message !== "") trailers["grpc-message"] = encodeGrpcMessage(message);
  return trailers;
}

const UTF8 = new TextEncoder();
const HEX = "0123456789ABCDEF";
/** Bound on a grpc-message we send: etcd's errors are short; anything longer is cut. */
const MAX_MESSAGE_BYTES = 8 * 1024;

/** Percent-encodes a status message as gRPC does (space stays; `%` and non-printable bytes are escaped). */
export function encodeGrpcMessage(message: string): string {
  const bytes = UTF8.encode(message).subarray(0, MAX_MESSAGE_BYTES);
  let out = "";
  for (const byte of bytes) {
    if (byte >= 0x20 && byte <= 0x7e && byte !== 0x25) out += String.fromCharCode(byte);
    else out += `%${HEX[byte >> 4]}${HEX[byte & 15]}`;
  }
  return out;
}

/** Decodes a percent-encoded grpc-message (a bad escape stays as it is, as grpc-go leaves it). */
export function decodeGrpcMessage(text: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const hex = text.slice(i + 1, i + 3);
    if (text[i] === "%" && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(text.charCodeAt(i) & 0xff);
    }
  }
  return new TextDecoder().decode(Uint8Array.from(bytes));
}

const UNIT_MS: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1_000, m: 1, u: 1e-3, n: 1e-6 };

/**
 * A `grpc-timeout` header in milliseconds (at most 8 digits and a unit: H M S m u n), or undefined when
 * absent. A malformed one is the client's error, as grpc-go refuses it.
 */
export function parseGrpcTimeoutMs(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const match = /^([0-9]{1,8})([HMSmun])$/.exec(header);
  if (match === null) throw new EtcdError(GrpcCode.Internal, `transport: malformed grpc-timeout: ${header}`);
  return Number(match[1]) * UNIT_MS[match[2]!]!;
}
