/**
 * HTTP side of errors and encodings, as etcd 3.4's gateway (grpc-gateway v1) does it: gRPC code → HTTP
 * status, the `{"error","message","code"}` body, and the way back for the client; plus content
 * negotiation (application/cbor ⇒ CBOR both ways, anything else ⇒ gateway JSON).
 * @module
 */
import { decodeCbor, decodeCborValue, encodeCbor } from "./cbor.ts";
import { EtcdError, GrpcCode } from "./errors.ts";
import { goJsonString } from "./go_json.ts";
import { decodeJson, encodeJson } from "./json.ts";
import type { MessageKind } from "./schema.ts";

/** Media type selecting CBOR. */
export const CBOR_CONTENT_TYPE = "application/cbor";
/** Media type etcd's gateway answers with. */
export const JSON_CONTENT_TYPE = "application/json";

/** Which encoding a request or response body uses. */
export type WireFormat = "json" | "cbor";

/**
 * HTTP status for a gRPC code, as grpc-gateway v1.9 (etcd 3.4) maps it. Note FailedPrecondition is 412
 * there (later gateway versions changed it to 400); verified against etcd 3.4.23.
 */
export function httpStatusFromCode(code: GrpcCode): number {
  switch (code) {
    case GrpcCode.OK: return 200;
    case GrpcCode.Canceled: return 408;
    case GrpcCode.Unknown: return 500;
    case GrpcCode.InvalidArgument: return 400;
    case GrpcCode.DeadlineExceeded: return 504;
    case GrpcCode.NotFound: return 404;
    case GrpcCode.AlreadyExists: return 409;
    case GrpcCode.PermissionDenied: return 403;
    case GrpcCode.Unauthenticated: return 401;
    case GrpcCode.ResourceExhausted: return 429;
    case GrpcCode.FailedPrecondition: return 412;
    case GrpcCode.Aborted: return 409;
    case GrpcCode.OutOfRange: return 400;
    case GrpcCode.Unimplemented: return 501;
    case GrpcCode.Internal: return 500;
    case GrpcCode.Unavailable: return 503;
    case GrpcCode.DataLoss: return 500;
  }
  return 500;
}

/** The gateway's error body, byte for byte: `{"error":M,"message":M,"code":N}`. */
export function errorBody(err: EtcdError): string {
  const message = goJsonString(err.message);
  return `{"error":${message},"message":${message},"code":${err.code}}`;
}

/** Best-effort gRPC code for a status that came without an etcd error body (e.g. 404 for an unknown route). */
function codeFromStatus(status: number): GrpcCode {
  switch (status) {
    case 400: return GrpcCode.InvalidArgument;
    case 401: return GrpcCode.Unauthenticated;
    case 403: return GrpcCode.PermissionDenied;
    case 404: return GrpcCode.NotFound;
    case 405: return GrpcCode.Unimplemented;
    case 408: return GrpcCode.Canceled;
    case 409: return GrpcCode.Aborted;
    case 412: return GrpcCode.FailedPrecondition;
    case 413: return GrpcCode.InvalidArgument;
    case 429: return GrpcCode.ResourceExhausted;
    case 501: return GrpcCode.Unimplemented;
    case 503: return GrpcCode.Unavailable;
    case 504: return GrpcCode.DeadlineExceeded;
  }
  return GrpcCode.Unknown;
}

function isGrpcCode(value: unknown): value is GrpcCode {
  return typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= 16;
}

/**
 * Turns a non-2xx response back into an EtcdError. Understands the gateway JSON body, the same shape in
 * CBOR (`{error, message, code}`), and falls back to the status and body text.
 */
export function errorFromBody(status: number, body: string | Uint8Array): EtcdError {
  const parsed = parseErrorBody(body);
  if (parsed !== undefined) return parsed;
  const text = typeof body === "string" ? body : new TextDecoder().decode(body);
  return new EtcdError(codeFromStatus(status), text.trim() || `HTTP ${status}`);
}

function parseErrorBody(body: string | Uint8Array): EtcdError | undefined {
  let value: unknown;
  try {
    value = typeof body === "string" ? JSON.parse(body) : decodeErrorBytes(body);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const { code, message, error } = value as Record<string, unknown>;
  const text = typeof message === "string" ? message : typeof error === "string" ? error : undefined;
  if (!isGrpcCode(code) || text === undefined) return undefined;
  return new EtcdError(code, text);
}

/** A byte body may be CBOR (our server answering a CBOR request) or JSON text. */
function decodeErrorBytes(body: Uint8Array): unknown {
  const first = body[0];
  if (first === 0x7b || first === 0x20 || first === 0x0a) return JSON.parse(new TextDecoder().decode(body));
  return decodeCborValue(body);
}

/** The error body in CBOR, for CBOR requests: the same three fields. */
export function errorBodyCbor(err: EtcdError): Uint8Array {
  return encodeCbor({ error: err.message, message: err.message, code: err.code });
}

/** Picks the encoding from a Content-Type (or Accept) header value: application/cbor ⇒ CBOR, else JSON. */
export function wireFormatOf(contentType: string | null | undefined): WireFormat {
  if (contentType === null || contentType === undefined) return "json";
  const semicolon = contentType.indexOf(";");
  const media = (semicolon < 0 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
  return media === CBOR_CONTENT_TYPE ? "cbor" : "json";
}

/** Content-Type header value for a format. */
export function contentTypeOf(format: WireFormat): string {
  return format === "cbor" ? CBOR_CONTENT_TYPE : JSON_CONTENT_TYPE;
}

/** Decodes a request/response body of `kind` in `format`; throws EtcdError with etcd's text. */
export function decodeBody<T = Record<string, unknown>>(
  kind: MessageKind,
  format: WireFormat,
  body: Uint8Array,
): T {
  if (format === "cbor") return decodeCbor<T>(kind, body);
  return decodeJson<T>(kind, new TextDecoder().decode(body));
}

/**
 * Encodes a message of `kind` in `format` (JSON as a string, CBOR as bytes). The bytes sit on a plain
 * ArrayBuffer, which the type says so that Deno's `Response` types (deno check) take it as a body.
 */
export function encodeBody(kind: MessageKind, format: WireFormat, value: unknown): string | Uint8Array<ArrayBuffer> {
  return format === "cbor" ? encodeCbor(value) as Uint8Array<ArrayBuffer> : encodeJson(kind, value);
}

/** Encodes an error in `format` (gateway JSON text or the same fields in CBOR); bytes as encodeBody's. */
export function encodeError(format: WireFormat, err: EtcdError): string | Uint8Array<ArrayBuffer> {
  return format === "cbor" ? errorBodyCbor(err) as Uint8Array<ArrayBuffer> : errorBody(err);
}
