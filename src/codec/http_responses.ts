/**
 * Whole HTTP responses the front-end's routes share: an EtcdError in the request's wire format, and Go's
 * 405 answer.
 * @module
 */
import type { EtcdError } from "./errors.ts";
import { contentTypeOf, encodeError, httpStatusFromCode, type WireFormat } from "./http.ts";

/** The gateway's error body for `error` (or its CBOR form), with the HTTP status of its code. */
export function etcdErrorResponse(format: WireFormat, error: EtcdError): Response {
  return new Response(encodeError(format, error), {
    status: httpStatusFromCode(error.code),
    headers: { "content-type": contentTypeOf(format) },
  });
}

/** 405 as Go's net/http writes it; `extra` adds headers (such as Allow). */
export function methodNotAllowed(extra: Record<string, string> = {}): Response {
  return new Response("Method Not Allowed\n", {
    status: 405,
    headers: { "content-type": "text/plain; charset=utf-8", "x-content-type-options": "nosniff", ...extra },
  });
}
