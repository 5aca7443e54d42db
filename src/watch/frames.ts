/**
 * Message boundaries on a watch stream's byte stream, both ways and in both encodings:
 * - CBOR: each message is a frame, a 4-byte big-endian length then that many bytes of one CBOR item;
 * - gateway JSON: requests are JSON values one after another (as Go's json.Decoder reads them), responses
 *   one per line.
 * Pure and incremental: chunks go in as they arrive, whole messages come out. Every buffer is bounded.
 * @module
 */

/** Largest frame or JSON value accepted (a watch request is small; this is a memory guard). */
export const DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

/** Prefixes `payload` with its length: one CBOR frame. */
export function encodeFrame(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + payload.length);
  new DataView(out.buffer).setUint32(0, payload.length);
  out.set(payload, 4);
  return out;
}

/** Splits a byte stream into frames. */
export class FrameDecoder {
  readonly #maxBytes: number;
  #buffer: Uint8Array = new Uint8Array(0);

  constructor(maxBytes = DEFAULT_MAX_MESSAGE_BYTES) {
    this.#maxBytes = maxBytes;
  }

  /** Adds a chunk; returns the frames it completed. Throws on a frame over the limit. */
  push(chunk: Uint8Array): Uint8Array[] {
    this.#buffer = concat(this.#buffer, chunk);
    const frames: Uint8Array[] = [];
    let offset = 0;
    // Bounded by the buffer: each turn consumes at least the 4-byte prefix.
    while (this.#buffer.length - offset >= 4) {
      const view = new DataView(this.#buffer.buffer, this.#buffer.byteOffset + offset, 4);
      const length = view.getUint32(0);
      if (length > this.#maxBytes) throw new Error(`frame of ${length} bytes is over the ${this.#maxBytes} limit`);
      if (this.#buffer.length - offset - 4 < length) break;
      frames.push(this.#buffer.slice(offset + 4, offset + 4 + length));
      offset += 4 + length;
    }
    this.#buffer = this.#buffer.slice(offset);
    return frames;
  }

  /** Bytes of an incomplete frame still held (non-zero at the end of a stream means it was cut). */
  get pendingBytes(): number {
    return this.#buffer.length;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/**
 * Splits text into successive top-level JSON objects or arrays, tracking strings and nesting. Anything
 * else at the top level (a bare word, number or string) cannot be a request: the rest of the input is
 * returned as one value so that the JSON decoder reports the same error etcd's does.
 */
export class JsonValueSplitter {
  readonly #maxChars: number;
  #text = "";
  #scan = 0;
  #start = -1;
  #depth = 0;
  #inString = false;
  #escaped = false;

  constructor(maxChars = DEFAULT_MAX_MESSAGE_BYTES) {
    this.#maxChars = maxChars;
  }

  /** Adds text; returns the values it completed. A bad top-level token comes back as `{ bad: rest }`. */
  push(chunk: string): { values: string[]; bad?: string } {
    this.#text += chunk;
    const values: string[] = [];
    while (this.#scan < this.#text.length) {
      const ch = this.#text[this.#scan]!;
      this.#scan += 1;
      if (this.#start < 0) {
        if (ch === " " || ch === "\n" || ch === "\r" || ch === "\t") continue;
        if (ch !== "{" && ch !== "[") return { values, bad: this.#text.slice(this.#scan - 1) };
        this.#start = this.#scan - 1;
        this.#depth = 1;
        continue;
      }
      if (this.#step(ch)) {
        values.push(this.#text.slice(this.#start, this.#scan));
        this.#start = -1;
      }
    }
    this.#compact();
    if (this.#text.length > this.#maxChars) throw new Error(`JSON value over ${this.#maxChars} characters`);
    return { values };
  }

  /** Text of an unfinished value (what Go reports as "unexpected EOF" at the end of the stream). */
  get pending(): string {
    return this.#start < 0 ? "" : this.#text.slice(this.#start);
  }

  /** Advances the string/nesting state by one character; true when the top-level value closed. */
  #step(ch: string): boolean {
    if (this.#inString) {
      if (this.#escaped) this.#escaped = false;
      else if (ch === "\\") this.#escaped = true;
      else if (ch === '"') this.#inString = false;
      return false;
    }
    if (ch === '"') this.#inString = true;
    else if (ch === "{" || ch === "[") this.#depth += 1;
    else if (ch === "}" || ch === "]") this.#depth -= 1;
    return this.#depth === 0;
  }

  #compact(): void {
    const keepFrom = this.#start < 0 ? this.#scan : this.#start;
    this.#text = this.#text.slice(keepFrom);
    this.#scan -= keepFrom;
    if (this.#start >= 0) this.#start -= keepFrom;
  }
}
