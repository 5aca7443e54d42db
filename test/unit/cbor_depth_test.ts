/**
 * CBOR nesting is bounded before cbor-x decodes (src/codec/cbor_depth.ts): arrays, maps, tags and
 * indefinite-length items nested past MAX_CBOR_DEPTH are the client's InvalidArgument with our own text,
 * on every path that decodes CBOR (request bodies, stream frames). Before the bound, 50,000-deep items
 * answered "cbor: Maximum call stack size exceeded." (a JavaScript engine's text) and a txn nested 5,000
 * deep a 500 (issue 9's fuzzer).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { decodeCbor, decodeCborValue, encodeCbor, MAX_CBOR_DEPTH } from "../../src/codec/cbor.ts";
import { cborNestsDeeperThan } from "../../src/codec/cbor_depth.ts";
import { EtcdError, GrpcCode } from "../../src/codec/errors.ts";
import { decodeStreamFrame } from "../../src/codec/frames.ts";
import { readRequest, type RequestKind } from "../../src/server/boundary.ts";
import { Prng } from "../../src/sim/prng.ts";

const TOO_DEEP = `cbor: exceeded max depth ${MAX_CBOR_DEPTH}`;

function repeated(prefix: number[], times: number, tail: number[]): Uint8Array {
  const out = new Uint8Array(prefix.length * times + tail.length);
  for (let i = 0; i < times; i++) out.set(prefix, i * prefix.length);
  out.set(tail, prefix.length * times);
  return out;
}

/** Nested items of each container type, `depth` levels, ending in null (0xf6). */
const NESTED: Record<string, (depth: number) => Uint8Array> = {
  array: (d) => repeated([0x81], d, [0xf6]),
  map: (d) => repeated([0xa1, 0x61, 0x61], d, [0xf6]), // {"a": {"a": … null}}
  tag: (d) => repeated([0xc6], d, [0xf6]),
  "indefinite array": (d) => {
    const out = new Uint8Array(2 * d + 1);
    out.fill(0x9f, 0, d);
    out[d] = 0xf6;
    out.fill(0xff, d + 1);
    return out;
  },
  "txn (map, array, map per level)": (d) => {
    const level = [0xa1, 0x67, ...new TextEncoder().encode("success"), 0x81, 0xa1, 0x6b,
      ...new TextEncoder().encode("request_txn")];
    return repeated(level, Math.ceil(d / 3), [0xa0]);
  },
};

function refusesTooDeep(fn: () => unknown, label: string): void {
  try {
    fn();
  } catch (error) {
    assert.instance(error, EtcdError, label);
    assert.is((error as EtcdError).code, GrpcCode.InvalidArgument, label);
    assert.is((error as EtcdError).message, TOO_DEEP, label);
    return;
  }
  assert.unreachable(`${label}: accepted`);
}

test("items nested 50,000 and 100,000 deep are refused with our text on every decoding path", () => {
  const kinds: RequestKind[] = ["RangeRequest", "PutRequest", "TxnRequest", "WatchRequest", "LeaseKeepAliveRequest"];
  for (const [name, make] of Object.entries(NESTED)) {
    for (const depth of [MAX_CBOR_DEPTH + 3, 50_000, 100_000]) {
      const bytes = make(depth);
      refusesTooDeep(() => decodeCborValue(bytes), `${name} ${depth} value`);
      refusesTooDeep(() => decodeStreamFrame(bytes), `${name} ${depth} frame`);
      for (const kind of kinds) refusesTooDeep(() => readRequest(kind, "cbor", bytes), `${name} ${depth} ${kind}`);
    }
  }
});

test("nesting up to the bound decodes as before", () => {
  for (const [name, make] of Object.entries(NESTED)) {
    if (name.startsWith("txn")) continue; // its depth comes in steps of 3
    const bytes = make(MAX_CBOR_DEPTH);
    assert.not.throws(() => decodeCborValue(bytes), name);
  }
  assert.not.throws(() => decodeCbor("RangeRequest", encodeCbor({ key: new Uint8Array([1]) })));
});

test("the header scan measures the same depth as the decoded value, for random items", () => {
  const depthOf = (value: unknown): number => {
    if (value instanceof Uint8Array || typeof value !== "object" || value === null) return 0;
    const items = Array.isArray(value) ? value : Object.values(value);
    return 1 + Math.max(0, ...items.map(depthOf));
  };
  const rng = new Prng(9);
  const make = (d: number): unknown => {
    if (d === 0 || rng.chance(0.2)) {
      const leaves = [0, -1, 2 ** 40, 1.5, "text", new Uint8Array(rng.int(300)), true, null, 2n ** 63n, "x".repeat(rng.int(70_000))];
      return leaves[rng.int(leaves.length)];
    }
    const n = rng.int(4);
    if (rng.chance(0.5)) return Array.from({ length: n }, () => make(d - 1));
    const obj: Record<string, unknown> = {};
    for (let i = 0; i < n; i++) obj["k" + i] = make(d - 1);
    return obj;
  };
  for (let i = 0; i < 500; i++) {
    const value = make(1 + rng.int(12));
    const bytes = encodeCbor(value);
    const depth = depthOf(decodeCborValue(bytes));
    assert.ok(!cborNestsDeeperThan(bytes, depth), `item ${i}: depth ${depth} counted deeper`);
    if (depth > 0) assert.ok(cborNestsDeeperThan(bytes, depth - 1), `item ${i}: depth ${depth} counted shallower`);
  }
});

test("truncated and malformed headers end the scan (the decoder reports them)", () => {
  for (const bytes of [[0x9f], [0x5b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], [0x1c], [0xff], [0x81]]) {
    assert.is(cborNestsDeeperThan(new Uint8Array(bytes), 0), bytes[0] === 0x9f || bytes[0] === 0x81);
    assert.not.ok(cborNestsDeeperThan(new Uint8Array(bytes), 1));
  }
});

test.run();
