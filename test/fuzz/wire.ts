/**
 * The fuzzer's own writers for request bodies: a small value tree written as JSON text or as CBOR bytes.
 * The server's codecs cannot serve here, because the point is to write what they would never produce:
 * NaN and 1e400 as JSON tokens, integers past 64 bits, duplicate and `__proto__` keys, invalid UTF-8 inside
 * strings, CBOR floats where integers belong, tags. Pure: no I/O.
 * @module
 */

/** A map written with its entries in order; duplicates and `__proto__` stay ordinary entries. */
export class WireMap {
  readonly entries: [string, Wire][];
  constructor(entries: [string, Wire][] = []) {
    this.entries = entries;
  }

  /** The value of the first entry named `key`. */
  get(key: string): Wire | undefined {
    return this.entries.find(([k]) => k === key)?.[1];
  }

  /** Replaces the first entry named `key`, or appends one. */
  set(key: string, value: Wire): void {
    const index = this.entries.findIndex(([k]) => k === key);
    if (index < 0) this.entries.push([key, value]);
    else this.entries[index] = [key, value];
  }

  /** Removes every entry named `key`. */
  delete(key: string): void {
    for (let i = this.entries.length - 1; i >= 0; i--) if (this.entries[i]![0] === key) this.entries.splice(i, 1);
  }
}

/** Pre-written bytes for each encoding: what no ordinary value can express (bad UTF-8, NaN in JSON, tags). */
export class Raw {
  readonly json: Uint8Array;
  readonly cbor: Uint8Array;
  constructor(json: Uint8Array | string, cbor: Uint8Array) {
    this.json = typeof json === "string" ? ENCODER.encode(json) : json;
    this.cbor = cbor;
  }
}

/**
 * A wire value. Uint8Array is a bytes field (base64 text in JSON, a byte string in CBOR); bigint is an
 * integer token of any size (a bignum tag in CBOR beyond 64 bits); number is a float unless it is a safe
 * integer (NaN and ±Infinity become the bare tokens in JSON, which no JSON parser accepts).
 */
export type Wire = null | undefined | boolean | number | bigint | string | Uint8Array | Wire[] | WireMap | Raw;

const ENCODER = new TextEncoder();

/** A WireMap from a plain object (convenience for baselines; cannot express duplicate keys). */
export function wmap(fields: Record<string, Wire>): WireMap {
  return new WireMap(Object.entries(fields));
}

/** A deep copy, so that mutating one request's tree never changes another's. */
export function cloneWire(value: Wire): Wire {
  if (Array.isArray(value)) return value.map(cloneWire);
  if (value instanceof WireMap) return new WireMap(value.entries.map(([k, v]) => [k, cloneWire(v)]));
  return value; // scalars, Uint8Array and Raw are never mutated in place
}

/** Collects byte chunks and joins them once. */
class Sink {
  readonly parts: Uint8Array[] = [];
  sizeBytes = 0;
  push(bytes: Uint8Array): void {
    this.parts.push(bytes);
    this.sizeBytes += bytes.length;
  }
  text(s: string): void {
    this.push(ENCODER.encode(s));
  }
  join(): Uint8Array {
    const out = new Uint8Array(this.sizeBytes);
    let offset = 0;
    for (const p of this.parts) {
      out.set(p, offset);
      offset += p.length;
    }
    return out;
  }
}

/** Writes a value as JSON text (bytes, since a Raw may hold invalid UTF-8). */
export function toJson(value: Wire): Uint8Array {
  const sink = new Sink();
  writeJson(sink, value, 0);
  return sink.join();
}

/** Nesting bound for the writers' recursion; deep bodies are built as text by the mutation generators. */
const MAX_WRITE_DEPTH = 200;

function writeJson(sink: Sink, value: Wire, depth: number): void {
  if (depth > MAX_WRITE_DEPTH) throw new Error(`wire: nesting over ${MAX_WRITE_DEPTH}`);
  if (value === null || value === undefined) return sink.text("null");
  if (value instanceof Raw) return sink.push(value.json);
  if (value instanceof Uint8Array) return sink.text(JSON.stringify(Buffer.from(value).toString("base64")));
  if (Array.isArray(value)) {
    sink.text("[");
    value.forEach((item, i) => {
      if (i > 0) sink.text(",");
      writeJson(sink, item, depth + 1);
    });
    return sink.text("]");
  }
  if (value instanceof WireMap) {
    sink.text("{");
    value.entries.forEach(([k, v], i) => {
      if (i > 0) sink.text(",");
      sink.text(`${JSON.stringify(k)}:`);
      writeJson(sink, v, depth + 1);
    });
    return sink.text("}");
  }
  switch (typeof value) {
    case "number":
      if (Number.isNaN(value)) return sink.text("NaN");
      if (!Number.isFinite(value)) return sink.text(value > 0 ? "Infinity" : "-Infinity");
      return sink.text(Object.is(value, -0) ? "-0" : String(value));
    case "bigint":
      return sink.text(value.toString());
    case "boolean":
      return sink.text(value ? "true" : "false");
    case "string":
      return sink.text(JSON.stringify(value));
  }
}

/** Writes a value as one CBOR item (definite lengths, shortest integer heads). */
export function toCbor(value: Wire): Uint8Array {
  const sink = new Sink();
  writeCbor(sink, value, 0);
  return sink.join();
}

/** A CBOR head: major type and argument, shortest form. */
export function cborHead(major: number, argument: number | bigint): Uint8Array {
  const n = BigInt(argument);
  if (n < 0n || n > 0xffff_ffff_ffff_ffffn) throw new Error(`wire: CBOR argument ${n} out of range`);
  const m = major << 5;
  if (n < 24n) return Uint8Array.of(m | Number(n));
  if (n <= 0xffn) return Uint8Array.of(m | 24, Number(n));
  if (n <= 0xffffn) return Uint8Array.of(m | 25, Number(n >> 8n), Number(n & 0xffn));
  const wide = n <= 0xffff_ffffn ? 4 : 8;
  const out = new Uint8Array(1 + wide);
  out[0] = m | (wide === 4 ? 26 : 27);
  for (let i = 0; i < wide; i++) out[wide - i] = Number((n >> BigInt(8 * i)) & 0xffn);
  return out;
}

function writeCborInt(sink: Sink, n: bigint): void {
  if (n >= 0n && n <= 0xffff_ffff_ffff_ffffn) return sink.push(cborHead(0, n));
  if (n < 0n && -1n - n <= 0xffff_ffff_ffff_ffffn) return sink.push(cborHead(1, -1n - n));
  // Beyond 64 bits: a bignum (tag 2, or tag 3 for -1 - n) over big-endian magnitude bytes.
  const negative = n < 0n;
  let magnitude = negative ? -1n - n : n;
  const bytes: number[] = [];
  for (let i = 0; magnitude > 0n && i < 1_000; i++) {
    bytes.unshift(Number(magnitude & 0xffn));
    magnitude >>= 8n;
  }
  sink.push(cborHead(6, negative ? 3 : 2));
  sink.push(cborHead(2, bytes.length));
  sink.push(Uint8Array.from(bytes));
}

function writeCbor(sink: Sink, value: Wire, depth: number): void {
  if (depth > MAX_WRITE_DEPTH) throw new Error(`wire: nesting over ${MAX_WRITE_DEPTH}`);
  if (value === null) return sink.push(Uint8Array.of(0xf6));
  if (value === undefined) return sink.push(Uint8Array.of(0xf7));
  if (value instanceof Raw) return sink.push(value.cbor);
  if (value instanceof Uint8Array) {
    sink.push(cborHead(2, value.length));
    return sink.push(value);
  }
  if (Array.isArray(value)) {
    sink.push(cborHead(4, value.length));
    for (const item of value) writeCbor(sink, item, depth + 1);
    return;
  }
  if (value instanceof WireMap) {
    sink.push(cborHead(5, value.entries.length));
    for (const [k, v] of value.entries) {
      writeCbor(sink, k, depth + 1);
      writeCbor(sink, v, depth + 1);
    }
    return;
  }
  switch (typeof value) {
    case "number": {
      if (Number.isSafeInteger(value) && !Object.is(value, -0)) return writeCborInt(sink, BigInt(value));
      const out = new Uint8Array(9);
      out[0] = 0xfb;
      new DataView(out.buffer).setFloat64(1, value);
      return sink.push(out);
    }
    case "bigint":
      return writeCborInt(sink, value);
    case "boolean":
      return sink.push(Uint8Array.of(value ? 0xf5 : 0xf4));
    case "string": {
      const bytes = ENCODER.encode(value);
      sink.push(cborHead(3, bytes.length));
      return sink.push(bytes);
    }
  }
}

/** Writes `value` in `encoding`. */
export function encodeWire(value: Wire, encoding: "json" | "cbor"): Uint8Array {
  return encoding === "json" ? toJson(value) : toCbor(value);
}

/** Joins byte arrays. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const sink = new Sink();
  for (const p of parts) sink.push(p);
  return sink.join();
}
