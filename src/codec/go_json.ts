/**
 * A JSON reader that fails exactly as Go's encoding/json does, because etcd's gateway returns Go's error
 * text verbatim ("invalid character '}' looking for beginning of object key string", "unexpected EOF", …)
 * and tsetcd must return the same bytes for the same bad input.
 *
 * Two modes mirror the two Go entry points the gateway uses:
 * - `stream` (json.Decoder): reads the first value, ignores what follows, an incomplete value is
 *   "unexpected EOF", an empty or all-space input is "no value" (the gateway treats it as an empty request);
 * - `whole` (json.Unmarshal): the text must be exactly one value; running out is
 *   "unexpected end of JSON input" unless a space at that point would already be an error.
 *
 * Output tree: objects are null-prototype records (last duplicate key wins, as Go's map does), arrays are
 * arrays, numbers keep their source text (JsonNumber), strings are JS strings, or EscapedString when the
 * source had escapes (the raw text matters when the gateway re-parses a quoted int64).
 * @module
 */

/** A JSON number with its literal source text, which Go quotes in its error messages. */
export class JsonNumber {
  constructor(readonly raw: string) {}
}

/** A JSON string whose source contained escapes: `value` decoded, `raw` the text between the quotes. */
export class EscapedString {
  constructor(readonly value: string, readonly raw: string) {}
}

/** Any value the reader produces. */
export type JsonValue =
  | null
  | boolean
  | string
  | JsonNumber
  | EscapedString
  | JsonValue[]
  | { [key: string]: JsonValue };

/** A syntax error with Go's message text. */
export class GoJsonSyntaxError extends Error {}

/** Bound on nesting, as Go's decoder bounds it (10000); deeper input is rejected rather than overflowing. */
export const GO_JSON_MAX_DEPTH = 10_000;
const MAX_DEPTH = GO_JSON_MAX_DEPTH;

/** Go's quoteChar: how a byte is shown inside "invalid character ..." messages. */
export function goQuoteChar(byte: number): string {
  if (byte === 0x27) return "'\\''";
  if (byte === 0x22) return "'\"'";
  return "'" + goQuoteRune(byte) + "'";
}

/** One rune as strconv.Quote prints it, without the surrounding quotes. */
function goQuoteRune(rune: number): string {
  switch (rune) {
    case 0x07: return "\\a";
    case 0x08: return "\\b";
    case 0x0c: return "\\f";
    case 0x0a: return "\\n";
    case 0x0d: return "\\r";
    case 0x09: return "\\t";
    case 0x0b: return "\\v";
    case 0x5c: return "\\\\";
    case 0x22: return "\\\"";
  }
  if (rune < 0x20 || rune === 0x7f) return "\\x" + rune.toString(16).padStart(2, "0");
  if ((rune >= 0x80 && rune <= 0xa0) || rune === 0xad) return "\\u" + rune.toString(16).padStart(4, "0");
  return String.fromCodePoint(rune);
}

/** Go's %q of a string (ASCII-exact; other runes printed as themselves). */
export function goQuote(text: string): string {
  let out = '"';
  for (const ch of text) out += goQuoteRune(ch.codePointAt(0)!);
  return out + '"';
}

/** First UTF-8 byte of the character at `index`: Go scans bytes, so that is the byte it reports. */
function firstUtf8Byte(text: string, index: number): number {
  const cp = text.codePointAt(index)!;
  if (cp < 0x80) return cp;
  if (cp < 0x800) return 0xc0 | (cp >> 6);
  if (cp < 0x10000) return 0xe0 | (cp >> 12);
  return 0xf0 | (cp >> 18);
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isHex(c: number): boolean {
  return isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
}

/** Raised when input runs out; the mode decides which error it becomes. */
class OutOfInput {
  /** The error Go reports if a space stood here instead (undefined: a space would be accepted). */
  constructor(readonly spaceError: string | undefined) {}
}

class Reader {
  pos = 0;
  depth = 0;
  constructor(readonly text: string) {}

  /** Current char code, or -1 at the end. */
  peek(): number {
    return this.pos < this.text.length ? this.text.charCodeAt(this.pos) : -1;
  }

  fail(context: string): never {
    const c = this.peek();
    if (c < 0) throw new OutOfInput(`invalid character ' ' ${context}`);
    throw new GoJsonSyntaxError(`invalid character ${goQuoteChar(firstUtf8Byte(this.text, this.pos))} ${context}`);
  }

  /** Like fail(), for a place where a space would be skipped, so running out is just "incomplete". */
  failSkippable(context: string): never {
    if (this.peek() < 0) throw new OutOfInput(undefined);
    this.fail(context);
  }

  skipSpace(): void {
    while (this.pos < this.text.length && isSpace(this.text.charCodeAt(this.pos))) this.pos++;
  }

  value(): JsonValue {
    this.skipSpace();
    const c = this.peek();
    switch (c) {
      case 0x7b: return this.object();
      case 0x5b: return this.array();
      case 0x22: return this.string();
      case 0x74: return this.literal("true", true);
      case 0x66: return this.literal("false", false);
      case 0x6e: return this.literal("null", null);
    }
    if (c === 0x2d || isDigit(c)) return this.number();
    return this.failSkippable("looking for beginning of value");
  }

  enter(): void {
    this.depth++;
    if (this.depth > MAX_DEPTH) this.fail("exceeded max depth"); // at the '[' or '{' that went too deep
  }

  object(): JsonValue {
    this.enter();
    this.pos++; // '{'
    const out: { [key: string]: JsonValue } = Object.create(null);
    this.skipSpace();
    if (this.peek() === 0x7d) {
      this.pos++;
      this.depth--;
      return out;
    }
    for (;;) {
      if (this.peek() !== 0x22) this.failSkippable("looking for beginning of object key string");
      const key = this.string();
      this.skipSpace();
      if (this.peek() !== 0x3a) this.failSkippable("after object key");
      this.pos++;
      out[typeof key === "string" ? key : key.value] = this.value();
      this.skipSpace();
      const c = this.peek();
      if (c === 0x7d) break;
      if (c !== 0x2c) this.failSkippable("after object key:value pair");
      this.pos++;
      this.skipSpace();
    }
    this.pos++;
    this.depth--;
    return out;
  }

  array(): JsonValue {
    this.enter();
    this.pos++; // '['
    const out: JsonValue[] = [];
    this.skipSpace();
    if (this.peek() === 0x5d) {
      this.pos++;
      this.depth--;
      return out;
    }
    for (;;) {
      out.push(this.value());
      this.skipSpace();
      const c = this.peek();
      if (c === 0x5d) break;
      if (c !== 0x2c) this.failSkippable("after array element");
      this.pos++;
    }
    this.pos++;
    this.depth--;
    return out;
  }

  string(): string | EscapedString {
    const start = ++this.pos; // after the opening quote
    const text = this.text;
    const length = text.length;
    let escaped = false;
    // Hot path (base64 values are most of a request): skip the run of ordinary characters with one
    // sticky regex, then look at the character that stopped it.
    PLAIN_RUN.lastIndex = start;
    PLAIN_RUN.test(text);
    let i = PLAIN_RUN.lastIndex;
    for (;;) {
      if (i >= length) {
        this.pos = i;
        throw new OutOfInput(undefined); // a space inside a string is fine
      }
      const c = text.charCodeAt(i);
      if (c === 0x22) break;
      if (c === 0x5c) {
        escaped = true;
        this.pos = i;
        this.escape();
        i = this.pos;
        continue;
      }
      if (c < 0x20) {
        this.pos = i;
        this.fail("in string literal");
      }
      i++;
      PLAIN_RUN.lastIndex = i;
      PLAIN_RUN.test(text);
      i = PLAIN_RUN.lastIndex;
    }
    this.pos = i + 1;
    const raw = text.slice(start, i);
    return escaped ? new EscapedString(unescape(raw), raw) : raw;
  }

  escape(): void {
    this.pos++; // backslash
    const c = this.peek();
    if (c === 0x75) {
      this.pos++;
      for (let i = 0; i < 4; i++) {
        if (!isHex(this.peek())) this.fail("in \\u hexadecimal character escape");
        this.pos++;
      }
      return;
    }
    // b f n r t \ / "
    if (c === 0x62 || c === 0x66 || c === 0x6e || c === 0x72 || c === 0x74 || c === 0x5c || c === 0x2f ||
      c === 0x22) {
      this.pos++;
      return;
    }
    this.fail("in string escape code");
  }

  number(): JsonNumber {
    const start = this.pos;
    if (this.peek() === 0x2d) {
      this.pos++;
      if (!isDigit(this.peek())) this.fail("in numeric literal");
    }
    if (this.peek() === 0x30) this.pos++;
    else while (isDigit(this.peek())) this.pos++;
    if (this.peek() === 0x2e) {
      this.pos++;
      if (!isDigit(this.peek())) this.fail("after decimal point in numeric literal");
      while (isDigit(this.peek())) this.pos++;
    }
    const e = this.peek();
    if (e === 0x65 || e === 0x45) {
      this.pos++;
      const sign = this.peek();
      if (sign === 0x2b || sign === 0x2d) this.pos++;
      if (!isDigit(this.peek())) this.fail("in exponent of numeric literal");
      while (isDigit(this.peek())) this.pos++;
    }
    return new JsonNumber(this.text.slice(start, this.pos));
  }

  literal(word: string, value: boolean | null): JsonValue {
    this.pos++;
    for (let i = 1; i < word.length; i++) {
      if (this.peek() !== word.charCodeAt(i)) this.fail(`in literal ${word} (expecting '${word[i]}')`);
      this.pos++;
    }
    return value;
  }
}

/** A run of string characters that need no attention: not a quote, a backslash or a control character. */
const PLAIN_RUN = /[^"\\\x00-\x1f]*/y;

const ESCAPES: Record<string, string> = { b: "\b", f: "\f", n: "\n", r: "\r", t: "\t", "\\": "\\", "/": "/", '"': '"' };

/** Decodes the escapes of an already-validated string body. */
function unescape(raw: string): string {
  return raw.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_m, e: string) =>
    e.length === 5 ? String.fromCharCode(parseInt(e.slice(1), 16)) : ESCAPES[e]!);
}

/** Result of reading a stream: `undefined` when the input held no value at all (only spaces). */
export function readJsonStream(text: string): JsonValue | undefined {
  const reader = new Reader(text);
  reader.skipSpace();
  if (reader.peek() < 0) return undefined;
  try {
    return reader.value();
  } catch (err) {
    if (err instanceof OutOfInput) throw new GoJsonSyntaxError("unexpected EOF");
    if (isStackOverflow(err)) reader.fail("exceeded max depth");
    throw err;
  }
}

/**
 * A nesting deeper than the runtime's stack (V8's, on Deno, ends before MAX_DEPTH; Bun's does not) is too
 * deep, as MAX_DEPTH is: the same error etcd gives, at the character the reader stopped on.
 */
function isStackOverflow(err: unknown): boolean {
  return err instanceof RangeError && /call stack/i.test(err.message);
}

/** Reads a text that must be exactly one JSON value (json.Unmarshal's rules). */
export function readJsonWhole(text: string): JsonValue {
  const reader = new Reader(text);
  try {
    const value = reader.value();
    reader.skipSpace();
    if (reader.peek() >= 0) reader.fail("after top-level value");
    return value;
  } catch (err) {
    if (err instanceof OutOfInput) {
      throw new GoJsonSyntaxError(err.spaceError ?? "unexpected end of JSON input");
    }
    if (isStackOverflow(err)) reader.fail("exceeded max depth");
    throw err;
  }
}

/** Go's name for a JSON value's type in "cannot unmarshal X into ..." messages. */
export function goJsonTypeOf(value: JsonValue): string {
  if (value === null) return "null";
  if (typeof value === "boolean") return "bool";
  if (typeof value === "string" || value instanceof EscapedString) return "string";
  if (value instanceof JsonNumber) return "number";
  if (Array.isArray(value)) return "array";
  return "object";
}

/**
 * A string as Go's encoding/json writes it: HTML-sensitive characters escaped (\u003c), U+2028/9 escaped,
 * \b and \f as \u0008 / \u000c, lone surrogates as U+FFFD.
 */
export function goJsonString(text: string): string {
  if (/^[\x20-\x7e]*$/.test(text) && !/["\\<>&]/.test(text)) return '"' + text + '"';
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += "\\\\";
    else if (c === 0x0a) out += "\\n";
    else if (c === 0x0d) out += "\\r";
    else if (c === 0x09) out += "\\t";
    else if (c < 0x20 || c === 0x3c || c === 0x3e || c === 0x26 || c === 0x2028 || c === 0x2029) {
      out += "\\u" + c.toString(16).padStart(4, "0");
    } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && isLowSurrogate(text.charCodeAt(i + 1))) {
      out += text[i]! + text[i + 1]!;
      i++;
    } else if (c >= 0xd800 && c <= 0xdfff) out += "\\ufffd";
    else out += text[i];
  }
  return out + '"';
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}
