/**
 * Reads the protocols a TLS client offers (the ALPN extension of its ClientHello) from the plaintext
 * bytes it sends first, without terminating TLS: the client front routes the raw bytes by it.
 *
 * Only the ClientHello is parsed; it may span several handshake records, which are joined first.
 *
 * @example
 * const hello = readClientHello(firstBytes); // { kind: "hello", alpn: ["h2", "http/1.1"] }
 * @module
 */

/** What the first bytes of a TLS connection say so far. */
export type HelloResult =
  | { kind: "hello"; alpn: string[] }
  | { kind: "more" }
  | { kind: "invalid"; reason: string };

const RECORD_HANDSHAKE = 0x16;
const HANDSHAKE_CLIENT_HELLO = 0x01;
const EXTENSION_ALPN = 0x0010;
const RECORD_HEADER_BYTES = 5;
/** TLS 1.2/1.3 cap on one record's plaintext fragment (RFC 8446 §5.1). */
const MAX_RECORD_BYTES = 16_384;
/** A ClientHello larger than this is refused (real ones are under 2 KiB; post-quantum shares add ~1.2 KiB). */
export const MAX_CLIENT_HELLO_BYTES = 32_768;
/** Handshake records read before giving up (each carries at least one byte of the ClientHello). */
const MAX_RECORDS = 64;

/** Parses the ClientHello at the start of `bytes` (records joined); "more" until it is complete. */
export function readClientHello(bytes: Uint8Array): HelloResult {
  const joined = joinHandshakeRecords(bytes);
  if (joined.kind !== "ok") return joined;
  const message = joined.payload;
  if (message.length < 4) return { kind: "more" };
  if (message[0] !== HANDSHAKE_CLIENT_HELLO) return { kind: "invalid", reason: "first handshake message is not a ClientHello" };
  const length = (message[1]! << 16) | (message[2]! << 8) | message[3]!;
  if (length > MAX_CLIENT_HELLO_BYTES) return { kind: "invalid", reason: `ClientHello of ${length} bytes` };
  if (message.length < 4 + length) return { kind: "more" };
  return parseHelloBody(message.subarray(4, 4 + length));
}

type Joined = { kind: "ok"; payload: Uint8Array } | { kind: "more" } | { kind: "invalid"; reason: string };

/** The handshake bytes of the records that have fully arrived, concatenated. */
function joinHandshakeRecords(bytes: Uint8Array): Joined {
  const parts: Uint8Array[] = [];
  let offset = 0;
  let total = 0;
  for (let record = 0; record < MAX_RECORDS && offset < bytes.length; record++) {
    if (bytes[offset] !== RECORD_HANDSHAKE) return { kind: "invalid", reason: "not a TLS handshake record" };
    if (bytes.length - offset < RECORD_HEADER_BYTES) break;
    if (bytes[offset + 1] !== 0x03) return { kind: "invalid", reason: "not a TLS record version" };
    const length = (bytes[offset + 3]! << 8) | bytes[offset + 4]!;
    if (length === 0 || length > MAX_RECORD_BYTES) return { kind: "invalid", reason: `record of ${length} bytes` };
    const start = offset + RECORD_HEADER_BYTES;
    if (bytes.length - start < length) break;
    parts.push(bytes.subarray(start, start + length));
    total += length;
    offset = start + length;
    if (total >= 4 && handshakeComplete(parts, total)) break;
  }
  if (parts.length === 0) return { kind: "more" };
  return { kind: "ok", payload: parts.length === 1 ? parts[0]! : concat(parts, total) };
}

function handshakeComplete(parts: Uint8Array[], total: number): boolean {
  const head = parts[0]!.length >= 4 ? parts[0]! : concat(parts, total);
  const length = (head[1]! << 16) | (head[2]! << 8) | head[3]!;
  return total >= 4 + length;
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** A bounds-checked reader over the ClientHello body: every read past the end throws. */
class Reader {
  offset = 0;
  constructor(readonly bytes: Uint8Array) {}

  skip(count: number): void {
    if (this.offset + count > this.bytes.length) throw new RangeError("truncated ClientHello");
    this.offset += count;
  }
  u8(): number {
    this.skip(1);
    return this.bytes[this.offset - 1]!;
  }
  u16(): number {
    this.skip(2);
    return (this.bytes[this.offset - 2]! << 8) | this.bytes[this.offset - 1]!;
  }
  slice(count: number): Uint8Array {
    this.skip(count);
    return this.bytes.subarray(this.offset - count, this.offset);
  }
}

/** client_version, random, session id, cipher suites, compression methods, then the extensions. */
function parseHelloBody(body: Uint8Array): HelloResult {
  const reader = new Reader(body);
  try {
    reader.skip(2 + 32);
    reader.skip(reader.u8());
    reader.skip(reader.u16());
    reader.skip(reader.u8());
    if (reader.offset === body.length) return { kind: "hello", alpn: [] }; // no extensions at all
    const extensions = new Reader(reader.slice(reader.u16()));
    // Each turn consumes at least 4 bytes or throws, so the loops end within the (bounded) hello.
    while (extensions.offset < extensions.bytes.length) {
      const type = extensions.u16();
      const data = extensions.slice(extensions.u16());
      if (type === EXTENSION_ALPN) return { kind: "hello", alpn: parseAlpn(data) };
    }
    return { kind: "hello", alpn: [] };
  } catch (error) {
    return { kind: "invalid", reason: (error as Error).message };
  }
}

function parseAlpn(data: Uint8Array): string[] {
  const reader = new Reader(data);
  const list = new Reader(reader.slice(reader.u16()));
  const names: string[] = [];
  while (list.offset < list.bytes.length) {
    const name = list.slice(list.u8());
    if (name.length === 0) throw new RangeError("empty ALPN protocol name");
    names.push(String.fromCharCode(...name));
  }
  return names;
}
