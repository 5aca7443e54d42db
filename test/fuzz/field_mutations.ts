/**
 * Field mutations, driven by the message schema (src/codec/schema.ts): for every field of a request kind,
 * nested messages included, the baseline request with that field set to a wrong JSON/CBOR type, an
 * out-of-range or non-integer number (NaN, ±Infinity, 2^53+1, int64 strings past the range, bignums), a bad
 * enum number or name, bad base64 or UTF-8, a huge string or list — or left out. Pure and seeded.
 *
 * Every bytes value that is valid base64 decodes to a key at or after "zfuzz/", and no string is a valid
 * peer URL: the unit test checks both, so no mutation can legitimately touch the sentinels or membership.
 * @module
 */
import { type FieldDef, fieldsOf, type MessageKind } from "../../src/codec/schema.ts";
import type { Prng } from "../../src/sim/prng.ts";
import { base64Of, baselineOf, bytesOf, FUZZ_KEY_PREFIX, type MutationOptions } from "./baselines.ts";
import { cborHead, concatBytes, Raw, type Wire, WireMap, wmap } from "./wire.ts";

/** A path to one field: the defs from the top message down, and the kind each def belongs to. */
export interface FieldPath {
  defs: FieldDef[];
  kinds: MessageKind[];
  /** e.g. "success[0].request_put.key" */
  label: string;
}

/** Every field path of `kind`, nested messages included down to `maxDepth` levels. */
export function fieldPaths(kind: MessageKind, maxDepth = 3): FieldPath[] {
  const out: FieldPath[] = [];
  walk(kind, [], [], "", maxDepth, out);
  return out;
}

function walk(kind: MessageKind, defs: FieldDef[], kinds: MessageKind[], prefix: string, left: number, out: FieldPath[]): void {
  if (left <= 0) return;
  for (const def of fieldsOf(kind)) {
    const label = `${prefix}${def.name}`;
    const path = { defs: [...defs, def], kinds: [...kinds, kind], label };
    out.push(path);
    if (def.kind === "message") {
      walk(def.message!, path.defs, path.kinds, `${label}${def.repeated ? "[0]" : ""}.`, left - 1, out);
    }
  }
}

const REMOVE = Symbol("remove");

/** The baseline of `root` with the field at `path` set to `value` (or removed); oneof siblings are dropped. */
export function withField(root: MessageKind, path: FieldPath, value: Wire | typeof REMOVE): WireMap {
  if (path.kinds[0] !== root) throw new Error(`fuzz: path ${path.label} is not a path of ${root}`);
  const top = baselineOf(root);
  let node = top;
  for (let i = 0; i < path.defs.length; i++) {
    const def = path.defs[i]!;
    if (def.oneof !== undefined) dropOneofSiblings(node, path.kinds[i]!, def);
    if (i === path.defs.length - 1) {
      if (value === REMOVE) node.delete(def.name);
      else node.set(def.name, value);
      break;
    }
    const child = node.get(def.name);
    if (def.repeated) {
      const first = Array.isArray(child) ? child[0] : undefined;
      const element = first instanceof WireMap ? first : baselineOf(def.message!);
      node.set(def.name, [element]);
      node = element;
    } else {
      const element = child instanceof WireMap ? child : baselineOf(def.message!);
      node.set(def.name, element);
      node = element;
    }
  }
  return top;
}

function dropOneofSiblings(node: WireMap, kind: MessageKind, def: FieldDef): void {
  for (const other of fieldsOf(kind)) {
    if (other.oneof === def.oneof && other.name !== def.name) node.delete(other.name);
  }
}

/** A JSON string holding raw invalid UTF-8; the same bytes as a CBOR text string. */
function badUtf8(bytes: number[]): Raw {
  const raw = Uint8Array.from(bytes);
  return new Raw(concatBytes(bytesOf('"'), raw, bytesOf('"')), concatBytes(cborHead(3, raw.length), raw));
}

const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

/**
 * Values every top-level field gets whatever the seed: the wrong types, and the boundaries that have
 * stopped members before (64-bit extremes, NaN, an enum past its last value, a member URL with a path).
 */
const ALWAYS_TRIED: ReadonlySet<string> = new Set([
  "string", "object", "array", "bool", "null", "CBOR undefined",
  "negative", "non-integer", "int64 max", "int64 min string", "uint64 max", "NaN", "Infinity",
  "enum -1", "enum past the last value", "enum unknown name",
  "bad base64 chars", "raw invalid UTF-8 in the string", "URL with a path",
]);

/** Values of the wrong JSON/CBOR type for any scalar field. */
function wrongTypes(): [string, Wire][] {
  return [
    ["string", "fuzz!"],
    ["object", new WireMap()],
    ["array", [1]],
    ["bool", true],
    ["null", null],
    ["CBOR undefined", undefined],
  ];
}

/** Numbers an integer field must refuse or clamp; every one has crashed or misled some decoder. */
function intValues(rng: Prng): [string, Wire][] {
  const digits = String(rng.range(1, 9)) + "0".repeat(rng.range(20, 40));
  return [
    ["negative", -1],
    ["non-integer", 1.5],
    ["non-integer string", "0.5"],
    ["huge float", 1e300],
    ["float past int64", new Raw("1e400", Uint8Array.of(0xfb, 0x7f, 0xef, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff))],
    ["2^53+1", 2n ** 53n + 1n],
    ["int64 max", INT64_MAX],
    ["int64 max string", INT64_MAX.toString()],
    ["int64 max+1 string", (INT64_MAX + 1n).toString()],
    ["int64 min string", (-INT64_MAX - 1n).toString()],
    ["int64 min-1 string", (-INT64_MAX - 2n).toString()],
    ["uint64 max", UINT64_MAX],
    ["uint64 max+1 string", (UINT64_MAX + 1n).toString()],
    ["many digits", BigInt(digits)],
    ["many digits string", digits],
    ["bignum past 64 bits", 2n ** 70n],
    ["negative bignum past 64 bits", -(2n ** 70n)],
    ["minus zero", -0],
    ["NaN", Number.NaN],
    ["Infinity", Number.POSITIVE_INFINITY],
    ["-Infinity", Number.NEGATIVE_INFINITY],
    ["NaN string", "NaN"],
    ["Infinity string", "Infinity"],
    ["exponent string", "1e3"],
    ["hex string", "0x10"],
    ["empty string", ""],
    ["padded string", " 1"],
    ["plus string", "+1"],
    ["int32 max+1", 2 ** 31],
  ];
}

function enumValues(def: FieldDef): [string, Wire][] {
  const first = def.enumDef!.names[1] ?? def.enumDef!.names[0]!;
  return [
    ["enum -1", -1],
    ["enum past the last value", def.enumDef!.names.length + 97],
    ["enum int32 max+1", 2 ** 31],
    ["enum non-integer", 1.5],
    ["enum unknown name", "FUZZ_NOT_A_VALUE"],
    ["enum name in lower case", first.toLowerCase()],
    ["enum empty name", ""],
    ["enum number as string", "1"],
    ["enum NaN", Number.NaN],
    ["enum bignum", 2n ** 70n],
  ];
}

/**
 * Bytes values. Every one that is valid base64 decodes to a key at or after "zfuzz/" (checked by the unit
 * test): a delete built from any of them can never reach the sentinels.
 */
function bytesValues(def: FieldDef, rng: Prng): [string, Wire][] {
  const longKey = bytesOf(FUZZ_KEY_PREFIX + "k".repeat(rng.range(60_000, 70_000)));
  const out: [string, Wire][] = [
    ["bad base64 chars", "!!!!"],
    ["base64 of one char", "e"],
    ["base64 without padding", base64Of("zfuzz/ab").replace(/=+$/, "")],
    ["base64 padding inside", "emZ1=enov"],
    ["URL-safe base64", base64Of(Uint8Array.of(...bytesOf("zfuzz/"), 0xfb, 0xff)).replace(/\+/g, "-").replace(/\//g, "_")],
    ["base64 with a space", ` ${base64Of("zfuzz/s")}`],
    ["base64 with a newline", `${base64Of("zfuzz/")}\n${base64Of("nl")}`],
    ["key of invalid UTF-8", Uint8Array.of(...bytesOf("zfuzz/"), 0xff, 0xfe, 0xc0, 0x80)],
    ["key of 64 KiB", longKey],
    ["raw invalid UTF-8 in the string", badUtf8([0xff, 0xfe, 0x80])],
    ["number", 12345],
    ["array of numbers", [1, 2, 3]],
    ["CBOR typed-array tag", new Raw('"emZ1enov"', concatBytes(cborHead(6, 72), cborHead(2, 2), bytesOf("zz")))],
  ];
  if (def.name === "range_end") out.push(["range end \\0 (every key from key)", "AA=="]);
  return out;
}

function boolValues(): [string, Wire][] {
  return [["bool as string", "true"], ["bool as 1", 1], ["bool as 0", 0], ["bool empty string", ""]];
}

/**
 * Strings (member URLs): none is a valid peer URL by etcd's rules (http/https/unix/unixs, host:port, no
 * path), so no member add or update can succeed; a server that takes one changes membership, a finding.
 */
function stringValues(rng: Prng): [string, Wire][] {
  return [
    ["URL with a path", "http://127.0.0.1:1/fuzz"],
    ["URL without a port", "http://127.0.0.1"],
    ["URL with another scheme", "ftp://127.0.0.1:1"],
    ["string as number", 1],
    ["string of 64 KiB", "u".repeat(rng.range(60_000, 70_000))],
    ["string with NUL", "fuzz\u0000url"],
    ["lone surrogate", new Raw('"\\ud800"', Uint8Array.of(0x63, 0xed, 0xa0, 0x80))],
    ["raw invalid UTF-8 in the string", badUtf8([0xc3, 0x28, 0xff])],
    ["string of spaces", "   "],
    ["scheme only", "fuzz:"],
  ];
}

function messageValues(): [string, Wire][] {
  let deep: Wire = new WireMap();
  for (let i = 0; i < 150; i++) deep = wmap({ a: deep });
  return [["message as number", 1], ["message as string", "x"], ["message as array", [new WireMap()]],
    ["deeply nested unknown fields", deep]];
}

/** Values for a repeated field: the element's values, plus what only a list can be. */
function repeatedValues(def: FieldDef, element: [string, Wire][]): [string, Wire][] {
  const item: Wire = def.kind === "message" ? baselineOf(def.message!) : elementSample(def);
  const big = new Array<Wire>(10_000).fill(item);
  return [
    ["list as string", "x"],
    ["list as object", new WireMap()],
    ["list of null", [null]],
    ["nested list", [[item]]],
    ["list of 10000 elements", big],
    ...element.map(([name, value]): [string, Wire] => [`list element ${name}`, [value]]),
  ];
}

/** A valid value of a field (a baseline message for message fields). */
function sampleOf(def: FieldDef): Wire {
  return def.kind === "message" ? baselineOf(def.message!) : elementSample(def);
}

function elementSample(def: FieldDef): Wire {
  switch (def.kind) {
    case "enum":
      return def.enumDef!.names[0]!;
    case "bytes":
      return bytesOf("zfuzz/l");
    case "string":
      return "fuzz-not-a-url";
    case "bool":
      return false;
    default:
      return 1;
  }
}

/** Every value tried for one field. */
export function valuesForField(def: FieldDef, rng: Prng): [string, Wire][] {
  let own: [string, Wire][];
  switch (def.kind) {
    case "int64":
    case "uint64":
    case "int32":
    case "uint32":
    case "id64":
    case "uid64":
      own = intValues(rng);
      break;
    case "enum":
      own = enumValues(def);
      break;
    case "bytes":
      own = bytesValues(def, rng);
      break;
    case "bool":
      own = boolValues();
      break;
    case "string":
      own = stringValues(rng);
      break;
    case "message":
      own = messageValues();
      break;
  }
  const single = [...wrongTypes(), ...own];
  return def.repeated ? repeatedValues(def, single) : single;
}

/** Per-field mutations of one message kind: every value for every field path, and each field left out. */
export function fieldMutations(kind: MessageKind, rng: Prng, options: MutationOptions): { name: string; tree: WireMap }[] {
  const out: { name: string; tree: WireMap }[] = [];
  for (const path of fieldPaths(kind)) {
    const all = valuesForField(path.defs[path.defs.length - 1]!, rng);
    // ALWAYS_TRIED always; of the rest a seeded sample (every value of every field is too many for the
    // time bound, and another seed tries others).
    const typed = all.filter(([name]) => ALWAYS_TRIED.has(name.replace(/^list element /, "")));
    const rest = rng.shuffle(all.filter((v) => !typed.includes(v)));
    const values = path.defs.length > 1
      ? rng.shuffle(all).slice(0, options.nestedValuesPerField)
      : [...typed, ...rest.slice(0, options.topValuesPerField)];
    for (const [name, value] of values) out.push({ name: `field ${path.label}: ${name}`, tree: withField(kind, path, value) });
    out.push({ name: `field ${path.label}: left out`, tree: withField(kind, path, REMOVE) });
    const oneof = path.defs[path.defs.length - 1]!.oneof;
    if (oneof !== undefined && path.defs.length === 1) {
      // Two members of one oneof at once: jsonpb keeps the later one; neither may crash anything.
      const both = withField(kind, path, sampleOf(path.defs[0]!));
      const other = fieldsOf(kind).find((f) => f.oneof === oneof && f.name !== path.defs[0]!.name);
      if (other !== undefined) {
        both.set(other.name, sampleOf(other));
        out.push({ name: `field ${path.label}: with a second member of oneof ${oneof}`, tree: both });
      }
    }
  }
  return out;
}
