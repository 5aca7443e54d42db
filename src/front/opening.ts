/**
 * Which server a client connection belongs to, from the first bytes it sends: the client front reads
 * them, then hands the raw connection (those bytes included) to the gRPC/HTTP-2 server or to the HTTP/1
 * gateway. Pure: no sockets here.
 *
 * Cleartext: the HTTP/2 connection preface (gRPC clients, `curl --http2-prior-knowledge`) → "h2"; a request
 * line's method token → "http1". TLS: a ClientHello offering ALPN "h2" → "h2", any other → "http1" (the
 * TLS is terminated by the server chosen, not here). Anything else is refused.
 *
 * @example
 * classifyOpening(new TextEncoder().encode("GET / HTTP/1.1\r\n"), { tls: false }); // { kind: "http1" }
 * @module
 */
import { MAX_CLIENT_HELLO_BYTES, readClientHello } from "./client_hello.ts";

/** Where a connection goes, or why not yet. */
export type Opening =
  | { kind: "h2" }
  | { kind: "http1" }
  | { kind: "more" }
  | { kind: "refuse"; reason: string };

/** RFC 9113 §3.4: what every cleartext HTTP/2 client sends first. */
export const H2_PREFACE = new TextEncoder().encode("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
/** Longest method token accepted on a request line (the longest standard one, OPTIONS, has 7). */
const MAX_METHOD_CHARS = 16;
const SPACE = 0x20;
const UPPER_A = 0x41;
const UPPER_Z = 0x5a;

/** Most bytes the front ever reads before choosing: a whole ClientHello in its records. */
export const MAX_OPENING_BYTES = MAX_CLIENT_HELLO_BYTES + 1024;

/**
 * Classifies the first bytes of a connection to a cleartext (`tls: false`) or TLS client port. The bound
 * is on waiting: a client whose first write holds the preface and a large request after it (a 200 KB put
 * in one go) is classified by its start like any other; only one that leaves the choice open past
 * MAX_OPENING_BYTES is refused.
 */
export function classifyOpening(bytes: Uint8Array, options: { tls: boolean }): Opening {
  if (bytes.length === 0) return { kind: "more" };
  const opening = options.tls ? classifyTls(bytes) : classifyCleartext(bytes);
  if (opening.kind === "more" && bytes.length > MAX_OPENING_BYTES) {
    return { kind: "refuse", reason: `no decision in ${bytes.length} bytes` };
  }
  return opening;
}

function classifyTls(bytes: Uint8Array): Opening {
  const hello = readClientHello(bytes);
  if (hello.kind === "more") return hello;
  if (hello.kind === "invalid") return { kind: "refuse", reason: hello.reason };
  return hello.alpn.includes("h2") ? { kind: "h2" } : { kind: "http1" };
}

function classifyCleartext(bytes: Uint8Array): Opening {
  const prefaceBytes = Math.min(bytes.length, H2_PREFACE.length);
  if (startsWith(bytes, H2_PREFACE.subarray(0, prefaceBytes))) {
    return prefaceBytes === H2_PREFACE.length ? { kind: "h2" } : { kind: "more" };
  }
  // HTTP/1: a method token (upper-case letters, as every method the gateway answers) then a space.
  const limit = Math.min(bytes.length, MAX_METHOD_CHARS + 1);
  for (let i = 0; i < limit; i++) {
    const byte = bytes[i]!;
    if (byte === SPACE) return i > 0 ? { kind: "http1" } : { kind: "refuse", reason: "empty method" };
    if (byte < UPPER_A || byte > UPPER_Z) return { kind: "refuse", reason: "neither HTTP/1 nor an HTTP/2 preface" };
  }
  return bytes.length > MAX_METHOD_CHARS ? { kind: "refuse", reason: "method token too long" } : { kind: "more" };
}

function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  for (let i = 0; i < prefix.length; i++) if (bytes[i] !== prefix[i]) return false;
  return true;
}
