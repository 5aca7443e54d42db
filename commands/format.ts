/**
 * Text primitives the printers share, each reproducing what etcdctl's Go runtime prints: `%q` quoting,
 * encoding/json strings, go-humanize byte sizes, time.Duration strings, tablewriter tables.
 * Pure functions; no I/O.
 * @module
 */

const UTF8 = new TextDecoder("utf-8", { fatal: false });
const ENCODER = new TextEncoder();

/** Bytes of a string as UTF-8. */
export function utf8(text: string): Uint8Array {
  return ENCODER.encode(text);
}

/** A byte string read as Go's `string(b)` prints it on a terminal (invalid UTF-8 becomes U+FFFD). */
export function bytesToText(bytes: Uint8Array): string {
  return UTF8.decode(bytes);
}

/** etcdctl's `--hex` form: every byte as `\xNN`, e.g. `foo` → `\x66\x6f\x6f`. */
export function hexEscape(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) out += "\\x" + b.toString(16).padStart(2, "0");
  return out;
}

// Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space.
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

/** Decodes one UTF-8 sequence at `i`; returns the code point and its length, or undefined if invalid. */
function decodeRune(bytes: Uint8Array, i: number): { cp: number; size: number } | undefined {
  const b0 = bytes[i]!;
  if (b0 < 0x80) return { cp: b0, size: 1 };
  let size = 0;
  let cp = 0;
  let min = 0;
  if (b0 >= 0xc2 && b0 <= 0xdf) [size, cp, min] = [2, b0 & 0x1f, 0x80];
  else if (b0 >= 0xe0 && b0 <= 0xef) [size, cp, min] = [3, b0 & 0x0f, 0x800];
  else if (b0 >= 0xf0 && b0 <= 0xf4) [size, cp, min] = [4, b0 & 0x07, 0x10000];
  else return undefined;
  if (i + size > bytes.length) return undefined;
  for (let k = 1; k < size; k++) {
    const b = bytes[i + k]!;
    if ((b & 0xc0) !== 0x80) return undefined;
    cp = (cp << 6) | (b & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return undefined;
  return { cp, size };
}

const GO_ESCAPES: Record<number, string> = {
  0x07: "\\a",
  0x08: "\\b",
  0x0c: "\\f",
  0x0a: "\\n",
  0x0d: "\\r",
  0x09: "\\t",
  0x0b: "\\v",
  0x5c: "\\\\",
  0x22: '\\"',
};

/** Go's `%q` / strconv.Quote of a byte string: printable runes kept, the rest escaped. */
export function goQuote(input: Uint8Array | string): string {
  const bytes = typeof input === "string" ? utf8(input) : input;
  let out = '"';
  let i = 0;
  while (i < bytes.length) {
    const rune = decodeRune(bytes, i);
    if (rune === undefined) {
      out += "\\x" + bytes[i]!.toString(16).padStart(2, "0");
      i += 1;
      continue;
    }
    i += rune.size;
    const escape = GO_ESCAPES[rune.cp];
    if (escape !== undefined) out += escape;
    else if (PRINTABLE.test(String.fromCodePoint(rune.cp))) out += String.fromCodePoint(rune.cp);
    else if (rune.cp < 0x80) out += "\\x" + rune.cp.toString(16).padStart(2, "0");
    else if (rune.cp < 0x10000) out += "\\u" + rune.cp.toString(16).padStart(4, "0");
    else out += "\\U" + rune.cp.toString(16).padStart(8, "0");
  }
  return out + '"';
}

/** A string as Go's encoding/json writes it (HTML-safe: <, >, & escaped; U+2028/9 escaped). */
export function goJsonString(text: string): string {
  let out = '"';
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (cp < 0x20 || ch === "<" || ch === ">" || ch === "&" || cp === 0x2028 || cp === 0x2029) {
      out += "\\u" + cp.toString(16).padStart(4, "0");
    } else out += ch;
  }
  return out + '"';
}

/** Standard base64 of bytes, as encoding/json writes []byte. */
export function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("base64");
}

/** Rounds half to even, as Go's `%.Nf` does for exactly representable halves. */
function formatFixed(value: number, digits: number): string {
  const scale = 10 ** digits;
  const scaled = value * scale;
  const floor = Math.floor(scaled);
  if (scaled - floor === 0.5) {
    const even = floor % 2 === 0 ? floor : floor + 1;
    return (even / scale).toFixed(digits);
  }
  return value.toFixed(digits);
}

const SI_SUFFIXES = ["B", "kB", "MB", "GB", "TB", "PB", "EB"];

/** go-humanize's `Bytes`: SI units, one decimal below 10 (e.g. 20480 → "20 kB", 1500 → "1.5 kB"). */
export function humanizeBytes(sizeBytes: number): string {
  if (sizeBytes < 10) return `${sizeBytes} B`;
  const exponent = Math.floor(Math.log(sizeBytes) / Math.log(1000));
  const suffix = SI_SUFFIXES[exponent]!;
  const value = Math.floor((sizeBytes / 1000 ** exponent) * 10 + 0.5) / 10;
  return `${formatFixed(value, value < 10 ? 1 : 0)} ${suffix}`;
}

function trimFraction(whole: bigint, fraction: bigint, digits: number): string {
  let text = fraction.toString().padStart(digits, "0").replace(/0+$/, "");
  if (text !== "") text = "." + text;
  return whole.toString() + text;
}

/** Go's time.Duration.String for a non-negative nanosecond count: "841.37µs", "1.5ms", "2s", "1m2.5s". */
export function goDuration(durationNs: bigint): string {
  if (durationNs < 0n) return "-" + goDuration(-durationNs);
  if (durationNs === 0n) return "0s";
  if (durationNs < 1_000n) return `${durationNs}ns`;
  if (durationNs < 1_000_000n) return trimFraction(durationNs / 1_000n, durationNs % 1_000n, 3) + "µs";
  if (durationNs < 1_000_000_000n) {
    return trimFraction(durationNs / 1_000_000n, durationNs % 1_000_000n, 6) + "ms";
  }
  const totalSeconds = durationNs / 1_000_000_000n;
  const fraction = durationNs % 1_000_000_000n;
  const hours = totalSeconds / 3600n;
  const minutes = (totalSeconds % 3600n) / 60n;
  const seconds = trimFraction(totalSeconds % 60n, fraction, 9) + "s";
  if (hours > 0n) return `${hours}h${minutes}m${seconds}`;
  if (minutes > 0n) return `${minutes}m${seconds}`;
  return seconds;
}

/**
 * Parses a Go duration ("5s", "1.5m", "300ms", "2h45m"); returns milliseconds or undefined when Go's
 * time.ParseDuration would reject it.
 */
export function parseGoDurationMs(text: string): number | undefined {
  const units: Record<string, number> = {
    ns: 1e-6,
    us: 1e-3,
    "µs": 1e-3,
    "μs": 1e-3,
    ms: 1,
    s: 1000,
    m: 60_000,
    h: 3_600_000,
  };
  if (text === "0") return 0;
  const match = /^([-+]?)((?:(?:\d+\.?\d*|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+)$/.exec(text);
  if (match === null) return undefined;
  let totalMs = 0;
  for (const part of match[2]!.matchAll(/(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) {
    totalMs += Number(part[1]) * units[part[2]!]!;
  }
  return match[1] === "-" ? -totalMs : totalMs;
}

/** Uppercases a header as tablewriter's Title does (underscores and dots become spaces). */
function tableTitle(name: string): string {
  return name.replace(/[_.]/g, " ").toUpperCase();
}

function displayWidth(text: string): number {
  return Array.from(text).length;
}

function centre(text: string, width: number): string {
  const gap = width - displayWidth(text);
  const left = Math.floor(gap / 2);
  return " ".repeat(left) + text + " ".repeat(gap - left);
}

/**
 * An ASCII table as etcdctl draws it with tablewriter: centred upper-case header, right-aligned cells.
 * @example renderTable(["endpoint", "health"], [["127.0.0.1:2379", "true"]])
 */
export function renderTable(header: string[], rows: string[][]): string {
  const titles = header.map(tableTitle);
  const widths = titles.map((title, column) =>
    Math.max(displayWidth(title), ...rows.map((row) => displayWidth(row[column] ?? "")))
  );
  const border = "+" + widths.map((w) => "-".repeat(w + 2)).join("+") + "+\n";
  const headerLine = "|" + titles.map((t, c) => " " + centre(t, widths[c]!) + " ").join("|") + "|\n";
  let out = border + headerLine + border;
  for (const row of rows) {
    const cells = widths.map((w, c) => {
      const cell = row[c] ?? "";
      return " " + " ".repeat(w - displayWidth(cell)) + cell + " ";
    });
    out += "|" + cells.join("|") + "|\n";
  }
  return out + border;
}
