/**
 * Who is calling: the credentials a front-end read from the request (the gateway's Authorization header,
 * gRPC's `token` or `authorization` metadata, a client certificate's common name), made available to the
 * service layer for the duration of the call without threading them through every service signature.
 *
 * AsyncLocalStorage carries them across the call's awaits; a call with no caller at all is the server's
 * own (auto-compaction, lease expiry, publishing attributes) and is never checked. Streams whose messages
 * arrive in event callbacks (gRPC) look their caller up by stream (`callerOfStream`).
 * @module
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { TLSSocket } from "node:tls";

/** A client's credentials as the front-end received them; both may be absent. */
export interface Caller {
  /** The auth token as sent. */
  token?: string;
  /** The verified client certificate's common name (with --client-cert-auth). */
  commonName?: string;
}

const calls = new AsyncLocalStorage<Caller>();
const streams = new WeakMap<object, Caller>();

/** Runs `fn` as a call from `caller`. */
export function withCaller<T>(caller: Caller, fn: () => T): T {
  return calls.run(caller, fn);
}

/** The current call's caller; undefined for the server's own calls. */
export function currentCaller(): Caller | undefined {
  return calls.getStore();
}

/** Records the caller of a stream (a gRPC call), for callbacks that run outside the call's context. */
export function rememberStreamCaller(stream: object, caller: Caller): void {
  streams.set(stream, caller);
}

/** The caller recorded for a stream; a stream nobody recorded is an anonymous client, never the server. */
export function callerOfStream(stream: object): Caller {
  return streams.get(stream) ?? {};
}

/** The token of a gateway request: etcd's gateway forwards the Authorization header as the token as is. */
export function callerOfRequest(request: Request): Caller {
  const token = request.headers.get("authorization");
  return token === null || token === "" ? {} : { token };
}

/** The token of gRPC metadata: `token` (clientv3), else `authorization` (etcd reads both). */
export function callerOfMetadata(headers: Record<string, string | string[] | undefined>): Caller {
  const raw = headers["token"] ?? headers["authorization"];
  const token = Array.isArray(raw) ? raw[0] : raw;
  return token === undefined || token === "" ? {} : { token };
}

/**
 * The caller of a gRPC stream: the metadata's token, and the common name of a client certificate the TLS
 * layer verified (only asked for with --client-cert-auth).
 */
export function callerOfGrpc(
  stream: { session?: { socket?: unknown } | undefined },
  headers: Record<string, string | string[] | undefined>,
): Caller {
  const caller = callerOfMetadata(headers);
  const socket = stream.session?.socket as Partial<TLSSocket> | undefined;
  if (socket?.authorized === true && typeof socket.getPeerCertificate === "function") {
    const commonName = socket.getPeerCertificate()?.subject?.CN;
    if (typeof commonName === "string" && commonName !== "") caller.commonName = commonName;
  }
  return caller;
}
