/**
 * An HTTP/1.1 request head (request line and header fields) read from the bytes a connection has buffered.
 * Pure: no sockets here. Strict where leniency would let two parties disagree about where a request ends
 * (RFC 9112 §6.3, request smuggling): Content-Length and Transfer-Encoding together, a Transfer-Encoding
 * other than chunked, differing Content-Length values, whitespace before a field's colon are all a 400.
 *
 * @example
 * const head = parseHead(new TextEncoder().encode("GET /health HTTP/1.1\r\nHost: a\r\n\r\n"), { maxHeadBytes: 16384 });
 * // { kind: "head", method: "GET", target: "/health", ..., body: { kind: "none" }, headBytes: 33 }
 * @module
 */

/** How a request's body is framed. */
export type BodyFraming = { kind: "none" } | { kind: "length"; bytes: number } | { kind: "chunked" };

/** A complete request head. */
export interface RequestHead {
  kind: "head";
  method: string;
  /** The request target as sent (origin form, e.g. "/v3/kv/range?x=1"). */
  target: string;
  /** 0 for HTTP/1.0, 1 for HTTP/1.1. */
  minorVersion: number;
  /** Field names lower-cased, in the order sent (repeats kept). */
  headers: [string, string][];
  body: BodyFraming;
  /** The connection stays open after the answer (HTTP/1.1 unless "close"; 1.0 only with "keep-alive"). */
  keepAlive: boolean;
  /** The client waits for "100 Continue" before sending the body. */
  expectContinue: boolean;
  /** Bytes the head took, its blank line included. */
  headBytes: number;
}

/** The head so far, or why it is refused (with the status to answer before closing). */
export type HeadResult = RequestHead | { kind: "more" } | { kind: "error"; status: 400 | 431 | 501; reason: string };

/** Header fields of a request at most (Bun.serve and Go's server allow about this many). */
export const MAX_HEADER_FIELDS = 200;

const HEAD_END = Buffer.from("\r\n\r\n", "latin1");
/** RFC 9110 §5.6.2 token. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Controls other than HTAB (RFC 9110 §5.5): never in a field value. */
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/;
/** Visible ASCII only (no spaces, controls or bytes past 0x7e) in a request target. */
const TARGET = /^[\x21-\x7e]+$/;
const SPACE = 0x20;
const TAB = 0x09;
const MAX_CONTENT_LENGTH_DIGITS = 15;

/**
 * Reads one request head from the start of `bytes`. "more": not all there yet (and under the bound);
 * a head longer than options.maxHeadBytes is a 431, as Bun.serve answers it.
 */
export function parseHead(bytes: Uint8Array, options: { maxHeadBytes: number }): HeadResult {
  const end = headEnd(bytes, options.maxHeadBytes);
  if (end < 0) {
    return bytes.length > options.maxHeadBytes
      ? { kind: "error", status: 431, reason: "request header fields too large" }
      : { kind: "more" };
  }
  // latin1: every byte one char, so offsets match and no byte sequence can fail to decode.
  const text = latin1(bytes, end);
  const lines = text.split("\r\n");
  const line = parseRequestLine(lines[0]!);
  if (typeof line === "string") return { kind: "error", status: 400, reason: line };
  if (lines.length - 1 > MAX_HEADER_FIELDS) return { kind: "error", status: 431, reason: "too many header fields" };
  const headers: [string, string][] = [];
  for (let i = 1; i < lines.length; i++) {
    const field = parseField(lines[i]!);
    if (typeof field === "string") return { kind: "error", status: 400, reason: field };
    headers.push(field);
  }
  const body = framingOf(headers);
  if (body.kind === "error") return body;
  const connection = tokensOf(headers, "connection");
  const keepAlive = line.minorVersion === 1 ? !connection.includes("close") : connection.includes("keep-alive");
  const expect = tokensOf(headers, "expect");
  return {
    kind: "head",
    method: line.method,
    target: line.target,
    minorVersion: line.minorVersion,
    headers,
    body,
    keepAlive,
    expectContinue: line.minorVersion === 1 && expect.includes("100-continue") && body.kind !== "none",
    headBytes: end + 4,
  };
}

/** Offset of the "\r\n\r\n" ending the head, or -1; looks no further than maxHeadBytes (native search). */
function headEnd(bytes: Uint8Array, maxHeadBytes: number): number {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, maxHeadBytes + 4));
  return view.indexOf(HEAD_END);
}

function latin1(bytes: Uint8Array, end: number): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, end).toString("latin1");
}

function parseRequestLine(line: string): { method: string; target: string; minorVersion: number } | string {
  const first = line.indexOf(" ");
  const second = line.indexOf(" ", first + 1);
  if (first <= 0 || second < 0 || line.indexOf(" ", second + 1) >= 0) return "malformed request line";
  const method = line.slice(0, first);
  if (!isToken(method)) return "malformed method";
  const target = line.slice(first + 1, second);
  if (target.length === 0 || !isTargetText(target)) return "malformed request target";
  const version = line.slice(second + 1);
  if (version === "HTTP/1.1") return { method, target, minorVersion: 1 };
  if (version === "HTTP/1.0") return { method, target, minorVersion: 0 };
  return "unsupported HTTP version";
}

function parseField(line: string): [string, string] | string {
  const colon = line.indexOf(":");
  if (colon <= 0) return "malformed header field";
  const name = line.slice(0, colon);
  if (!isToken(name)) return "malformed header field name"; // also refuses "Name :" (RFC 9112 §5.1)
  const value = trimOws(line.slice(colon + 1));
  if (CONTROL.test(value)) return "control character in header value";
  return [name.toLowerCase(), value];
}

function framingOf(headers: [string, string][]): BodyFraming | { kind: "error"; status: 400 | 501; reason: string } {
  let length: string | undefined;
  let transfer: string | undefined;
  for (const [name, value] of headers) {
    if (name === "content-length") {
      // "5, 5" and repeated equal fields are one length (RFC 9110 §8.6); differing ones are not.
      for (const part of value.split(",")) {
        const one = trimOws(part);
        if (length !== undefined && length !== one) return { kind: "error", status: 400, reason: "conflicting content-length" };
        length = one;
      }
    } else if (name === "transfer-encoding") {
      transfer = transfer === undefined ? value : `${transfer}, ${value}`;
    }
  }
  if (transfer !== undefined) {
    if (length !== undefined) return { kind: "error", status: 400, reason: "content-length with transfer-encoding" };
    const codings = transfer.split(",").map((one) => trimOws(one).toLowerCase());
    if (codings.length !== 1 || codings[0] !== "chunked") return { kind: "error", status: 501, reason: "unsupported transfer-encoding" };
    return { kind: "chunked" };
  }
  if (length === undefined) return { kind: "none" };
  if (length.length === 0 || length.length > MAX_CONTENT_LENGTH_DIGITS || !/^[0-9]+$/.test(length)) {
    return { kind: "error", status: 400, reason: "malformed content-length" };
  }
  const bytes = Number(length);
  return bytes === 0 ? { kind: "none" } : { kind: "length", bytes };
}

/** Comma-separated tokens of every field named `name`, lower-cased. */
function tokensOf(headers: [string, string][], name: string): string[] {
  const tokens: string[] = [];
  for (const [field, value] of headers) {
    if (field !== name) continue;
    for (const part of value.split(",")) tokens.push(trimOws(part).toLowerCase());
  }
  return tokens;
}

function trimOws(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && (text.charCodeAt(start) === SPACE || text.charCodeAt(start) === TAB)) start++;
  while (end > start && (text.charCodeAt(end - 1) === SPACE || text.charCodeAt(end - 1) === TAB)) end--;
  return text.slice(start, end);
}

function isToken(text: string): boolean {
  return TOKEN.test(text);
}

function isTargetText(text: string): boolean {
  return TARGET.test(text);
}
