/**
 * Seeded generators of bad request bodies for every route of the client API, in JSON and CBOR: the field
 * mutations (field_mutations.ts) and body mutations (body_mutations.ts) of a route, framed as its stream
 * wants them. Pure: the same seed gives the same bodies, so a failure replays from the seed the fuzzer
 * prints.
 *
 * What is generated, per route and encoding:
 * - per field (every field of the route's request, nested messages included, driven by src/codec/schema.ts):
 *   wrong JSON/CBOR types, out-of-range and non-integer numbers (NaN, ±Infinity, 2^53+1, int64 strings past
 *   the range, bignums), bad enum numbers and names, bad base64, bad UTF-8, huge strings and arrays, and the
 *   field left out of an otherwise valid request;
 * - per body: empty, `null`, arrays, scalars, trailing garbage, truncation, deep nesting (and nested txns),
 *   duplicate and `__proto__` keys, bodies past --max-request-bytes, random bytes, CBOR items no encoder
 *   writes (undefined, tags, indefinite lengths, absurd declared lengths); for the streaming routes, CBOR
 *   frames with absurd or cut length prefixes and valid requests followed by garbage.
 *
 * Safety of the cluster under test is part of the design: every key the generators can make valid sorts at
 * or after "zfuzz/", so no request can legitimately delete the sentinels (kept under "sentinel/"); member
 * URLs are never valid URLs, so no request can legitimately change membership; lease and member ids are
 * small or extreme numbers no real id equals.
 * @module
 */
import type { Prng } from "../../src/sim/prng.ts";
import { baselineOf, bytesOf, type Encoding, type Mutation, type MutationOptions } from "./baselines.ts";
import { bodyMutations, frame, frameMutations, httpMutations } from "./body_mutations.ts";
import { fieldMutations } from "./field_mutations.ts";
import type { RouteSpec } from "./routes.ts";
import { cborHead, concatBytes, encodeWire, Raw, wmap } from "./wire.ts";

/** Every mutation of one route in one encoding (bodies framed for CBOR streams). */
export function routeMutations(route: RouteSpec, encoding: Encoding, rng: Prng, options: MutationOptions): Mutation[] {
  const trees = route.kind === undefined ? [] : fieldMutations(route.kind, rng, options);
  const bodies: Mutation[] = [
    ...bodyMutations(route.kind, encoding, rng, options),
    ...trees.map(({ name, tree }) => ({ name, body: encodeWire(tree, encoding) })),
  ];
  const streamed = route.style === "watch" || route.style === "keepalive";
  const framed = streamed && encoding === "cbor";
  // A keep-alive frame carries a stream message, `{result: request}`; a watch frame the request itself.
  const inFrame = (body: Uint8Array): Uint8Array =>
    frame(route.style === "keepalive" ? concatBytes(cborHead(5, 1), encodeWire("result", "cbor"), body) : body);
  const base = encodeWire(baselineOf(route.kind), encoding);
  let out = framed ? bodies.map((m) => ({ ...m, body: m.body.length === 0 ? m.body : inFrame(m.body) })) : bodies;
  if (route.style === "watch") {
    // A watch stream with no watch in it rightly stays silent (etcd's gateway sends not even the status),
    // so a valid create follows every body: the stream must then answer in time, or it hangs.
    const tail = encoding === "json" ? concatBytes(bytesOf("\n"), base) : frame(base);
    out = out.filter((m) => m.body.length > 0).map((m) => ({ ...m, body: concatBytes(m.body, tail) }));
  }
  if (framed) {
    const tail = route.style === "watch" ? frame(base) : new Uint8Array(0);
    out.push(...frameMutations(base, inFrame(base)).map((m) => ({ ...m, body: concatBytes(m.body, tail) })));
  }
  if (framed && route.style === "keepalive") {
    const errorFrame = wmap({ error: wmap({ code: 99, message: new Raw('""', Uint8Array.of(0x62, 0xff, 0xfe)) }) });
    out.push({ name: "stream: an error frame from the client", body: frame(encodeWire(errorFrame, "cbor")) });
    out.push({ name: "stream: a frame with neither result nor error", body: frame(encodeWire(wmap({ x: 1 }), "cbor")) });
  }
  if (streamed && encoding === "json") {
    out.push({ name: "stream: valid request then garbage", body: concatBytes(base, bytesOf(" {\"x\": ]")) });
    out.push({ name: "stream: garbage then a valid request", body: concatBytes(bytesOf("x "), base) });
  }
  out.push(...httpMutations(encoding, framed ? inFrame(base) : base));
  return out;
}

/** The /v3beta alias gets the whole-body mutations only (it is the same handler). */
export function aliasMutations(route: RouteSpec, encoding: Encoding, rng: Prng, options: MutationOptions): Mutation[] {
  const all = routeMutations(route, encoding, rng, options);
  return all.filter((m) => m.name.startsWith("body: ") && !m.oversized);
}
