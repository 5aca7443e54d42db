/**
 * HPACK's Huffman code (RFC 7541 Appendix B). The code is canonical: ordering the 257 symbols by code length
 * and then by value, each code is the previous one plus one, shifted left when the length grows. So the
 * lengths alone are the table; the codes are rebuilt from them once at load.
 *
 * Decoding walks a flat binary tree one bit at a time (bounded by the input's length); the padding rule of
 * §5.2 is enforced: at most 7 bits, all ones, and never a full EOS symbol.
 * @module
 */

/** Digits of the code lengths, one per symbol 0–255 then EOS (256): "5" is 5 bits, "u" is 30. */
const LENGTH_DIGITS = "0123456789abcdefghijklmnopqrstu";
const CODE_LENGTHS_TEXT =
  "dnsssssssoussussssssssusssssssss" + // 0–31
  "6aacd68baa8b8666555666666678f6ca" + // 32–63
  "d67777777777777777777777878djde6" + // 64–95
  "f56565666577666567655677777fbeds" + // 96–127
  "kmkkmmmnmnnnnnonoomnonnnnlmnmnno" + // 128–159
  "mlkmmnnlnmmolmnnllmlnmnnkmmmnmmn" + // 160–191
  "qqkjmnmpqqqrrqopjlqrrqrollqqsrrr" + // 192–223
  "koklmllnmmppooqnqrqqrrrrrsrrrrrq" + // 224–255
  "u"; // 256: EOS

const SYMBOLS = 257;
const EOS = 256;

/** Code length in bits of each symbol. */
export const HUFFMAN_LENGTHS: Uint8Array = buildLengths();
/** Code of each symbol, right-aligned in HUFFMAN_LENGTHS[symbol] bits. */
export const HUFFMAN_CODES: Uint32Array = buildCodes(HUFFMAN_LENGTHS);

function buildLengths(): Uint8Array {
  if (CODE_LENGTHS_TEXT.length !== SYMBOLS) throw new Error("huffman: the length table needs 257 entries");
  const lengths = new Uint8Array(SYMBOLS);
  for (let symbol = 0; symbol < SYMBOLS; symbol++) {
    const bits = LENGTH_DIGITS.indexOf(CODE_LENGTHS_TEXT[symbol]!);
    if (bits < 5 || bits > 30) throw new Error(`huffman: bad length for symbol ${symbol}`);
    lengths[symbol] = bits;
  }
  return lengths;
}

function buildCodes(lengths: Uint8Array): Uint32Array {
  const order = Array.from({ length: SYMBOLS }, (_, symbol) => symbol);
  order.sort((a, b) => lengths[a]! - lengths[b]! || a - b);
  const codes = new Uint32Array(SYMBOLS);
  let code = 0;
  let previousBits = lengths[order[0]!]!;
  for (const symbol of order) {
    const bits = lengths[symbol]!;
    code = code * 2 ** (bits - previousBits);
    previousBits = bits;
    codes[symbol] = code;
    code += 1;
  }
  // The last code (EOS) is all ones: a check that the table is the RFC's.
  if (codes[EOS] !== 0x3fffffff) throw new Error("huffman: the table does not end in the all-ones EOS code");
  return codes;
}

/**
 * The decoding tree as a flat array: node n's children are at 2n and 2n+1 of CHILDREN; a value ≥ 0x10000
 * is a leaf holding symbol (value - 0x10000); 0 means no child (impossible for a complete code).
 */
const LEAF = 0x10000;
const TREE: Uint32Array = buildTree();

function buildTree(): Uint32Array {
  // A complete prefix code of 257 leaves has 256 inner nodes.
  const tree = new Uint32Array(2 * SYMBOLS);
  let nodes = 1;
  for (let symbol = 0; symbol < SYMBOLS; symbol++) {
    const bits = HUFFMAN_LENGTHS[symbol]!;
    const code = HUFFMAN_CODES[symbol]!;
    let node = 0;
    for (let i = bits - 1; i >= 0; i--) {
      const slot = 2 * node + (Math.floor(code / 2 ** i) & 1);
      if (i === 0) {
        if (tree[slot] !== 0) throw new Error("huffman: two codes share a prefix");
        tree[slot] = LEAF + symbol;
      } else {
        if (tree[slot] === 0) tree[slot] = nodes++;
        if (tree[slot]! >= LEAF) throw new Error("huffman: a code is another's prefix");
        node = tree[slot]!;
      }
    }
  }
  if (nodes !== SYMBOLS - 1) throw new Error(`huffman: expected 256 inner nodes, built ${nodes}`);
  return tree;
}

/** Thrown for Huffman input that breaks §5.2 (a COMPRESSION_ERROR on the connection). */
export class HuffmanError extends Error {}

/** Decodes a Huffman-coded string's bytes to their octets (as a latin1 string: one char per octet). */
export function huffmanDecode(input: Uint8Array): string {
  let out = "";
  const chunk: number[] = [];
  let node = 0;
  let bitsSinceSymbol = 0;
  let allOnes = true;
  for (let at = 0; at < input.length; at++) {
    const byte = input[at]!;
    for (let shift = 7; shift >= 0; shift--) {
      const bit = (byte >> shift) & 1;
      const next = TREE[2 * node + bit]!;
      bitsSinceSymbol += 1;
      allOnes &&= bit === 1;
      if (next >= LEAF) {
        const symbol = next - LEAF;
        if (symbol === EOS) throw new HuffmanError("huffman: EOS in a string");
        chunk.push(symbol);
        node = 0;
        bitsSinceSymbol = 0;
        allOnes = true;
      } else {
        node = next;
      }
    }
    if (chunk.length >= 4096) {
      out += String.fromCharCode(...chunk);
      chunk.length = 0;
    }
  }
  if (bitsSinceSymbol > 7) throw new HuffmanError("huffman: padding longer than 7 bits");
  if (!allOnes) throw new HuffmanError("huffman: padding is not a prefix of EOS");
  return out + String.fromCharCode(...chunk);
}

/** Bytes `text` (octets as latin1 chars) takes Huffman-coded. */
export function huffmanLength(text: string): number {
  let bits = 0;
  for (let i = 0; i < text.length; i++) bits += HUFFMAN_LENGTHS[text.charCodeAt(i) & 0xff]!;
  return Math.ceil(bits / 8);
}

/** Huffman-codes `text` (octets as latin1 chars) into `out` at `at`; returns the offset after it. */
export function huffmanEncodeInto(text: string, out: Uint8Array, at: number): number {
  let pending = 0; // bits not yet written, right-aligned; at most 7 + 30 < 53 bits, exact in a double
  let pendingBits = 0;
  for (let i = 0; i < text.length; i++) {
    const symbol = text.charCodeAt(i) & 0xff;
    const bits = HUFFMAN_LENGTHS[symbol]!;
    pending = pending * 2 ** bits + HUFFMAN_CODES[symbol]!;
    pendingBits += bits;
    while (pendingBits >= 8) {
      pendingBits -= 8;
      const byte = Math.floor(pending / 2 ** pendingBits);
      out[at++] = byte;
      pending -= byte * 2 ** pendingBits;
    }
  }
  if (pendingBits > 0) out[at++] = (pending << (8 - pendingBits)) | (0xff >> pendingBits);
  return at;
}
