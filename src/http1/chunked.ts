/**
 * The chunked transfer coding of a request body (RFC 9112 §7.1), decoded incrementally: bytes go in as
 * the socket hands them over (split anywhere), body data and where the body ended come out. Pure.
 *
 * Bounded: a chunk-size line (extensions included) and the trailer section have maximum lengths, and a
 * chunk size has at most 15 hex digits, so a hostile client cannot make it buffer without end.
 *
 * @example
 * const decoder = new ChunkedDecoder();
 * decoder.feed(new TextEncoder().encode("3\r\nabc\r\n0\r\n\r\n")); // { data: [abc], consumed: 15, done: true }
 * @module
 */

/** What one feed yielded. `consumed` bytes of the input belonged to the body; the rest is the next request. */
export type ChunkedStep = { data: Uint8Array[]; consumed: number; done: boolean } | { error: string };

/** Longest chunk-size line accepted (size, extensions, no CRLF). */
export const MAX_CHUNK_LINE_CHARS = 4096;
/** Longest trailer section accepted. */
export const MAX_TRAILER_CHARS = 16 * 1024;
const MAX_SIZE_DIGITS = 15;
const CR = 0x0d;
const LF = 0x0a;

type State = "size" | "data" | "dataCr" | "dataLf" | "trailer" | "done";

/** Decodes one chunked body. */
export class ChunkedDecoder {
  #state: State = "size";
  #line = "";
  #trailerChars = 0;
  #remaining = 0;

  /** True once the last chunk and the trailer section have been read. */
  get done(): boolean {
    return this.#state === "done";
  }

  /** Feeds the next bytes; after done or an error it must not be fed again. */
  feed(bytes: Uint8Array): ChunkedStep {
    if (this.#state === "done") throw new Error("chunked: fed after the end");
    const data: Uint8Array[] = [];
    let at = 0;
    // Each turn consumes at least one byte or ends the body, so this ends within bytes.length + 1 turns.
    while (at < bytes.length && !this.done) {
      if (this.#state === "data") {
        const take = Math.min(this.#remaining, bytes.length - at);
        data.push(bytes.subarray(at, at + take));
        at += take;
        this.#remaining -= take;
        if (this.#remaining === 0) this.#state = "dataCr";
        continue;
      }
      const byte = bytes[at++]!;
      if (this.#state === "dataCr" || this.#state === "dataLf") {
        const want = this.#state === "dataCr" ? CR : LF;
        if (byte !== want) return { error: "chunk data not followed by CRLF" };
        this.#state = this.#state === "dataCr" ? "dataLf" : "size";
        continue;
      }
      const error = this.#lineByte(byte);
      if (error !== undefined) return { error };
    }
    return { data, consumed: at, done: this.done };
  }

  /** One byte of a chunk-size line or a trailer line. */
  #lineByte(byte: number): string | undefined {
    if (byte !== LF) {
      this.#line += String.fromCharCode(byte);
      if (this.#state === "size" && this.#line.length > MAX_CHUNK_LINE_CHARS) return "chunk-size line too long";
      if (this.#state === "trailer" && ++this.#trailerChars > MAX_TRAILER_CHARS) return "trailer section too long";
      return undefined;
    }
    if (!this.#line.endsWith("\r")) return "bare LF in chunked body";
    const line = this.#line.slice(0, -1);
    this.#line = "";
    if (this.#state === "trailer") {
      if (line.length === 0) this.#state = "done";
      return undefined;
    }
    const size = chunkSize(line);
    if (size === undefined) return "malformed chunk size";
    if (size === 0) {
      this.#state = "trailer";
    } else {
      this.#remaining = size;
      this.#state = "data";
    }
    return undefined;
  }
}

/** The size of a chunk-size line ("1a;name=value" → 26), or undefined when malformed. */
function chunkSize(line: string): number | undefined {
  const semicolon = line.indexOf(";");
  const digits = (semicolon < 0 ? line : line.slice(0, semicolon)).replace(/[ \t]+$/, "");
  if (digits.length === 0 || digits.length > MAX_SIZE_DIGITS || !/^[0-9a-fA-F]+$/.test(digits)) return undefined;
  return parseInt(digits, 16);
}
