/**
 * Standard base64 (with padding) decoded the way Go's encoding/json decodes a `[]byte` field, because
 * etcd's gateway answers bad base64 with Go's exact text: "illegal base64 data at input byte N".
 * Go's decoder is lenient in two ways we keep: CR and LF anywhere are skipped, and non-zero trailing bits
 * in the last quantum are ignored. URL-safe characters and missing padding are rejected.
 * @module
 */

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const DECODE_MAP: Int16Array = buildDecodeMap();
const PAD = 0x3d;

function buildDecodeMap(): Int16Array {
  const map = new Int16Array(256).fill(-1);
  for (let i = 0; i < ALPHABET.length; i++) map[ALPHABET.charCodeAt(i)] = i;
  return map;
}

/** Canonical padded standard base64: the common case, decodable by the fast native path. */
const CANONICAL = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

interface Base64Builtins {
  fromBase64?: (text: string) => Uint8Array;
}

/** Native decoder for already-validated canonical text: Uint8Array.fromBase64 where present (3× Buffer). */
const fromBase64: (text: string) => Uint8Array = (Uint8Array as unknown as Base64Builtins).fromBase64 !== undefined
  ? (text) => (Uint8Array as unknown as Required<Base64Builtins>).fromBase64(text)
  : (text) => {
    const buf = Buffer.from(text, "base64");
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  };

/** Go's base64.CorruptInputError. */
export class Base64Error extends Error {}

function corrupt(offset: number): Base64Error {
  return new Base64Error(`illegal base64 data at input byte ${offset}`);
}

/** Decodes `text` (a JSON string's value) as Go's base64.StdEncoding would; throws Base64Error. */
export function decodeStdBase64(text: string): Uint8Array {
  if (CANONICAL.test(text)) return fromBase64(text);
  return decodeSlow(new TextEncoder().encode(text));
}

function isNewline(c: number): boolean {
  return c === 0x0a || c === 0x0d;
}

/** Go's decodeQuantum loop, byte for byte, so the reported offset is the one Go reports. */
function decodeSlow(src: Uint8Array): Uint8Array {
  const out: number[] = [];
  let si = 0;
  while (si < src.length) {
    const quantum = [0, 0, 0, 0];
    let dlen = 4;
    let j = 0;
    let done = false;
    for (; j < 4; j++) {
      if (si === src.length) {
        if (j === 0) return Uint8Array.from(out);
        throw corrupt(si - j); // a partial quantum without padding
      }
      const c = src[si]!;
      si++;
      const v = DECODE_MAP[c]!;
      if (v >= 0) {
        quantum[j] = v;
        continue;
      }
      if (isNewline(c)) {
        j--;
        continue;
      }
      if (c !== PAD) throw corrupt(si - 1);
      si = afterPadding(src, si, j);
      dlen = j;
      done = true;
      break;
    }
    const value = (quantum[0]! << 18) | (quantum[1]! << 12) | (quantum[2]! << 6) | quantum[3]!;
    if (dlen >= 2) out.push((value >> 16) & 0xff);
    if (dlen >= 3) out.push((value >> 8) & 0xff);
    if (dlen >= 4) out.push(value & 0xff);
    if (done) break;
  }
  return Uint8Array.from(out);
}

/** Checks the padding that starts at `si - 1` (quantum position j) and that nothing follows it. */
function afterPadding(src: Uint8Array, si: number, j: number): number {
  if (j === 0 || j === 1) throw corrupt(si - 1);
  if (j === 2) {
    while (si < src.length && isNewline(src[si]!)) si++;
    if (si === src.length) throw corrupt(src.length);
    if (src[si] !== PAD) throw corrupt(si - 1);
    si++;
  }
  while (si < src.length && isNewline(src[si]!)) si++;
  if (si < src.length) throw corrupt(si); // trailing garbage
  return si;
}
