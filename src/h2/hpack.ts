/**
 * HPACK (RFC 7541): the header block decoder, with its dynamic table, and a stateless encoder.
 *
 * Strings are octets held as latin1 strings (one char per octet), so a field's size is `name.length +
 * value.length + 32` exactly as §4.1 counts it. The encoder never adds to the peer's dynamic table (every
 * literal is "without indexing"): it keeps no state to get wrong, and gRPC's answers are short and mostly
 * static-table hits. Every decode is bounded: integers by MAX_INTEGER, strings and the whole list by the
 * decoder's header list limit.
 * @module
 */
import { huffmanDecode, huffmanEncodeInto, huffmanLength, HuffmanError } from "./huffman.ts";
import { STATIC_ENTRIES, STATIC_TABLE, staticNameIndex, staticPairIndex } from "./hpack_static.ts";

/** A header field: [name, value]. */
export type HeaderField = [string, string];

/** A header block that cannot be decoded: HTTP/2's COMPRESSION_ERROR, fatal to the connection. */
export class HpackError extends Error {}

/** The header list is larger than the decoder's limit (the block was still fully read: the table stays in step). */
export class HeaderListTooLarge extends Error {}

/** HPACK's per-entry overhead in octets (§4.1). */
export const ENTRY_OVERHEAD_BYTES = 32;
/** Largest integer this decoder accepts: anything larger is an attack or a bug (2^31 - 1 as in frame sizes). */
const MAX_INTEGER = 0x7fffffff;
/** An integer longer than this many continuation bytes cannot be ≤ MAX_INTEGER without padding zeros. */
const MAX_INTEGER_BYTES = 5;

/** Reads HPACK integers and strings from a block; the cursor moves as it reads. */
class BlockReader {
  at = 0;
  constructor(readonly bytes: Uint8Array) {}

  get more(): boolean {
    return this.at < this.bytes.length;
  }

  /** An integer with an N-bit prefix (§5.1); the first byte's higher bits are the caller's. */
  integer(prefixBits: number): number {
    if (!this.more) throw new HpackError("hpack: block ends inside an integer");
    const mask = (1 << prefixBits) - 1;
    let value = this.bytes[this.at++]! & mask;
    if (value < mask) return value;
    for (let i = 0; i < MAX_INTEGER_BYTES; i++) {
      if (!this.more) throw new HpackError("hpack: block ends inside an integer");
      const byte = this.bytes[this.at++]!;
      value += (byte & 0x7f) * 2 ** (7 * i);
      if (value > MAX_INTEGER) throw new HpackError("hpack: integer too large");
      if ((byte & 0x80) === 0) return value;
    }
    throw new HpackError("hpack: integer too long");
  }

  /** A string literal (§5.2), no longer than `maxBytes` on the wire. */
  string(maxBytes: number): string {
    if (!this.more) throw new HpackError("hpack: block ends before a string");
    const huffman = (this.bytes[this.at]! & 0x80) !== 0;
    const length = this.integer(7);
    if (length > this.bytes.length - this.at) throw new HpackError("hpack: string runs past the block");
    if (length > maxBytes) throw new HeaderListTooLarge("hpack: string larger than the header list limit");
    const raw = this.bytes.subarray(this.at, this.at + length);
    this.at += length;
    if (!huffman) return latin1(raw);
    try {
      return huffmanDecode(raw);
    } catch (error) {
      if (error instanceof HuffmanError) throw new HpackError(error.message);
      throw error;
    }
  }
}

function latin1(bytes: Uint8Array): string {
  let out = "";
  for (let at = 0; at < bytes.length; at += 4096) out += String.fromCharCode(...bytes.subarray(at, at + 4096));
  return out;
}

/** The dynamic table (§2.3.2): newest first, evicting the oldest past its size limit. */
export class DynamicTable {
  /** Newest at the end (a push is cheap); HPACK index 62 is entries[length - 1]. */
  #entries: HeaderField[] = [];
  #sizeBytes = 0;
  #maxBytes: number;

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  get sizeBytes(): number {
    return this.#sizeBytes;
  }

  get maxBytes(): number {
    return this.#maxBytes;
  }

  get length(): number {
    return this.#entries.length;
  }

  /** The entry at HPACK index (static + dynamic), or throws for an index past both tables. */
  field(index: number): HeaderField {
    if (index === 0) throw new HpackError("hpack: index 0");
    if (index <= STATIC_ENTRIES) {
      const [name, value] = STATIC_TABLE[index - 1]!;
      return [name, value];
    }
    const at = this.#entries.length - (index - STATIC_ENTRIES);
    if (at < 0) throw new HpackError(`hpack: index ${index} past the dynamic table`);
    const [name, value] = this.#entries[at]!;
    return [name, value];
  }

  /** Adds a field, evicting as §4.4 says (a field larger than the table empties it and is not kept). */
  add(field: HeaderField): void {
    const size = field[0].length + field[1].length + ENTRY_OVERHEAD_BYTES;
    this.#evictTo(this.#maxBytes - size);
    if (size > this.#maxBytes) return;
    this.#entries.push(field);
    this.#sizeBytes += size;
  }

  /** A size update from the peer (§6.3), or our own SETTINGS change. */
  resize(maxBytes: number): void {
    this.#maxBytes = maxBytes;
    this.#evictTo(maxBytes);
  }

  #evictTo(targetBytes: number): void {
    let drop = 0;
    while (this.#sizeBytes > Math.max(0, targetBytes) && drop < this.#entries.length) {
      const [name, value] = this.#entries[drop]!;
      this.#sizeBytes -= name.length + value.length + ENTRY_OVERHEAD_BYTES;
      drop += 1;
    }
    if (drop > 0) this.#entries.splice(0, drop);
    if (this.#entries.length === 0 && this.#sizeBytes !== 0) throw new Error("hpack: table size bookkeeping is off");
  }
}

/** Options of a decoder. */
export interface DecoderOptions {
  /** SETTINGS_HEADER_TABLE_SIZE we advertised: the most a size update may ask for. Default 4096. */
  maxTableBytes?: number;
  /** SETTINGS_MAX_HEADER_LIST_SIZE we advertised (sum of fields' sizes as §4.1 counts). Default 16 KiB. */
  maxHeaderListBytes?: number;
}

/** Decodes the header blocks of one connection, in order (the dynamic table is shared by all streams). */
export class HpackDecoder {
  readonly table: DynamicTable;
  readonly maxTableBytes: number;
  readonly maxHeaderListBytes: number;

  constructor(options: DecoderOptions = {}) {
    this.maxTableBytes = options.maxTableBytes ?? 4096;
    this.maxHeaderListBytes = options.maxHeaderListBytes ?? 16_384;
    this.table = new DynamicTable(this.maxTableBytes);
  }

  /**
   * Decodes one complete header block. Throws HpackError for a malformed block (connection error) and
   * HeaderListTooLarge when the fields exceed the limit — after reading the whole block, so the dynamic
   * table stays in step with the peer's and only that stream need be refused.
   */
  decode(block: Uint8Array): HeaderField[] {
    const reader = new BlockReader(block);
    const fields: HeaderField[] = [];
    let listBytes = 0;
    let tooLarge = false;
    let fieldsSeen = false;
    while (reader.more) {
      const first = block[reader.at]!;
      if ((first & 0xe0) === 0x20) {
        // §4.2: size updates only at the start of a block.
        if (fieldsSeen) throw new HpackError("hpack: table size update after a field");
        const size = reader.integer(5);
        if (size > this.maxTableBytes) throw new HpackError("hpack: table size update above the limit");
        this.table.resize(size);
        continue;
      }
      fieldsSeen = true;
      const field = this.#field(reader, first);
      listBytes += field[0].length + field[1].length + ENTRY_OVERHEAD_BYTES;
      if (listBytes > this.maxHeaderListBytes) tooLarge = true;
      if (!tooLarge) fields.push(field);
    }
    if (tooLarge) throw new HeaderListTooLarge("hpack: header list larger than the limit");
    return fields;
  }

  #field(reader: BlockReader, first: number): HeaderField {
    if ((first & 0x80) !== 0) return this.table.field(reader.integer(7));
    const indexing = (first & 0xc0) === 0x40;
    const nameIndex = reader.integer(indexing ? 6 : 4);
    // A string longer than the whole list limit can never fit; refusing it early bounds the work.
    const limit = this.maxHeaderListBytes;
    const name = nameIndex === 0 ? reader.string(limit) : this.table.field(nameIndex)[0];
    const value = reader.string(limit);
    if (indexing) this.table.add([name, value]);
    return [name, value];
  }
}

/** Bytes an integer takes with an N-bit prefix. */
function integerLength(value: number, prefixBits: number): number {
  const mask = (1 << prefixBits) - 1;
  if (value < mask) return 1;
  let rest = value - mask;
  let bytes = 2;
  while (rest >= 0x80) {
    rest = Math.floor(rest / 0x80);
    bytes += 1;
  }
  return bytes;
}

function writeInteger(value: number, prefixBits: number, high: number, out: Uint8Array, at: number): number {
  const mask = (1 << prefixBits) - 1;
  if (value < mask) {
    out[at++] = high | value;
    return at;
  }
  out[at++] = high | mask;
  let rest = value - mask;
  while (rest >= 0x80) {
    out[at++] = (rest % 0x80) | 0x80;
    rest = Math.floor(rest / 0x80);
  }
  out[at++] = rest;
  return at;
}

function stringLength(text: string): number {
  const coded = Math.min(huffmanLength(text), text.length);
  return integerLength(coded, 7) + coded;
}

function writeString(text: string, out: Uint8Array, at: number): number {
  const coded = huffmanLength(text);
  if (coded < text.length) {
    at = writeInteger(coded, 7, 0x80, out, at);
    return huffmanEncodeInto(text, out, at);
  }
  at = writeInteger(text.length, 7, 0, out, at);
  for (let i = 0; i < text.length; i++) out[at++] = text.charCodeAt(i) & 0xff;
  return at;
}

/**
 * Encodes a header list as one block: static-table hits indexed, everything else a literal without
 * indexing (name indexed when the static table has it), each string Huffman-coded when that is shorter.
 * Names must already be lower case (HTTP/2 forbids upper case).
 */
export function encodeHeaders(fields: ReadonlyArray<readonly [string, string]>): Uint8Array {
  let size = 0;
  for (const [name, value] of fields) {
    if (staticPairIndex(name, value) !== 0) size += integerLength(staticPairIndex(name, value), 7);
    else {
      const nameIndex = staticNameIndex(name);
      size += nameIndex !== 0 ? integerLength(nameIndex, 4) : 1 + stringLength(name);
      size += stringLength(value);
    }
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const [name, value] of fields) {
    const pair = staticPairIndex(name, value);
    if (pair !== 0) {
      at = writeInteger(pair, 7, 0x80, out, at);
      continue;
    }
    const nameIndex = staticNameIndex(name);
    if (nameIndex !== 0) at = writeInteger(nameIndex, 4, 0, out, at);
    else {
      out[at++] = 0;
      at = writeString(name, out, at);
    }
    at = writeString(value, out, at);
  }
  if (at !== size) throw new Error(`hpack: encoded ${at} bytes, sized ${size}`);
  return out;
}
