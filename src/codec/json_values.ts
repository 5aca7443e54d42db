/**
 * Message boundaries in gateway JSON streams: requests are JSON values one after another (as Go's
 * json.Decoder reads them). Incremental: text goes in as it arrives, whole values come out; the buffer is
 * bounded.
 * @module
 */
import { DEFAULT_MAX_MESSAGE_BYTES } from "./frames.ts";
import { GO_JSON_MAX_DEPTH } from "./go_json.ts";

/** A JSON value longer than the splitter's bound: too large to be one request. */
export class JsonValueTooLarge extends Error {
  constructor(maxChars: number) {
    super(`request message over ${maxChars} characters is too large`);
    this.name = "JsonValueTooLarge";
  }
}

/**
 * Splits text into successive top-level JSON objects or arrays, tracking strings and nesting. Anything
 * else at the top level (a bare word, number or string) cannot be a request, nor can a value nested deeper
 * than Go's decoder allows: the rest of the input, from that value on, is returned as one value so that
 * the JSON decoder reports the same error etcd's does ("… exceeded max depth").
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

  /**
   * Adds text; returns the values it completed. A bad top-level token or a value nested too deep comes
   * back as `{ bad: rest }`. Throws JsonValueTooLarge when an unfinished value outgrows the bound.
   */
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
      } else if (this.#depth > GO_JSON_MAX_DEPTH) {
        // Checked before the size bound: a deep value is refused with the decoder's text, not as too large.
        return { values, bad: this.#text.slice(this.#start) };
      }
    }
    this.#compact();
    if (this.#text.length > this.#maxChars) throw new JsonValueTooLarge(this.#maxChars);
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
