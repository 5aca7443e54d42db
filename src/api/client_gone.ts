/**
 * A client that closes its connection mid-request (an abandoned keep-alive or watch stream, a cut upload)
 * makes reading the body fail with an AbortError. That is the client's choice, not a fault of this server:
 * no "internal error" line is logged for it, and the answer nobody will read is etcd's "context canceled".
 * @module
 */
import { EtcdError, GrpcCode } from "../codec/errors.ts";

/** True when `error` comes from the client going away (the body read was aborted, or the request was). */
export function isClientGone(error: unknown, request?: Request): boolean {
  if (request?.signal?.aborted === true) return true;
  return typeof error === "object" && error !== null && (error as { name?: unknown }).name === "AbortError";
}

/** What the request is answered with once its client is gone: gRPC's Canceled, as etcd's handlers see it. */
export function clientGoneError(): EtcdError {
  return new EtcdError(GrpcCode.Canceled, "context canceled");
}
