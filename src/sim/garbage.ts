/**
 * Garbage proposals: random bytes and malformed commands (wrong shapes of the simulator's put) that a run
 * proposes through the same path as a client's put, to show that a committed entry which is no command
 * becomes an error outcome on every member and never stops one.
 * @module
 */
import { decodeCommand, encodePut } from "./kv.ts";
import type { Prng } from "./prng.ts";

const encoder = new TextEncoder();

/** Bound on the random-byte and nesting shapes (bytes, levels). */
const MAX_RANDOM_BYTES = 96;
const MAX_NESTING = 64;
/** Draws before falling back to a fixed malformed shape (a random draw that is a valid command is redrawn). */
const MAX_DRAWS = 8;

/** Malformed puts: JSON that parses but is not `[clientId, reqId, key, value]` with the right types. */
const WRONG_SHAPES: readonly unknown[] = [
  [],
  [0],
  [0, 1, "k0"],
  [0, 1, "k0", "v", "extra"],
  ["0", 1, "k0", "v"],
  [0, "1", "k0", "v"],
  [0, 1, 7, "v"],
  [0, 1, "k0", 7],
  [0, 1, "", "v"],
  [-1, 1, "k0", "v"],
  [0, 0, "k0", "v"],
  [0, -5, "k0", "v"],
  [0.5, 1, "k0", "v"],
  [0, 1.5, "k0", "v"],
  [1e300, 1, "k0", "v"],
  [0, 2 ** 60, "k0", "v"],
  [null, null, null, null],
  [0, 1, ["k0"], "v"],
  [0, 1, "k0", { v: 1 }],
  [true, 1, "k0", "v"],
];

/** Raw texts that are no command at all, or near misses of one. */
const WRONG_TEXTS: readonly string[] = [
  "[",
  "[0, 1, \"k0\"",
  "[0,1,\"k0\",\"v\"]]",
  "{\"clientId\":0,\"reqId\":1,\"key\":\"k0\",\"value\":\"v\"}",
  "null",
  "marker:",
  "marker:0",
  "marker:-3",
  "marker:1.5",
  "marker:99999999999999999999",
  "put k0 v",
];

/** One garbage proposal; never a valid command (the caller may rely on that: it is checked here). */
export function drawGarbage(rng: Prng): Uint8Array {
  for (let i = 0; i < MAX_DRAWS; i++) {
    const data = drawShape(rng);
    if (decodeCommand(data).kind === "invalid") return data;
  }
  return encoder.encode("[]");
}

function drawShape(rng: Prng): Uint8Array {
  switch (rng.int(6)) {
    case 0:
      return randomBytes(rng, 1);
    case 1: {
      // A `[` first, so the decoder gets as far as parsing.
      const data = randomBytes(rng, 2);
      data[0] = 0x5b;
      return data;
    }
    case 2:
      return encoder.encode(JSON.stringify(rng.pick(WRONG_SHAPES)));
    case 3:
      return encoder.encode(rng.pick(WRONG_TEXTS));
    case 4: {
      // A real put cut short.
      const put = encodePut({ clientId: rng.int(4), reqId: rng.range(1, 1_000), key: "k0", value: "garbage" });
      return put.slice(0, rng.range(1, put.length - 1));
    }
    default:
      return rng.chance(0.5) ? deepNesting(rng) : badUtf8Put(rng);
  }
}

function randomBytes(rng: Prng, minLength: number): Uint8Array {
  const data = new Uint8Array(rng.range(minLength, MAX_RANDOM_BYTES));
  for (let i = 0; i < data.length; i++) data[i] = rng.int(256);
  return data;
}

function deepNesting(rng: Prng): Uint8Array {
  const depth = rng.range(2, MAX_NESTING);
  return encoder.encode(`${"[".repeat(depth)}0${"]".repeat(depth)}`);
}

/** A put whose key holds a byte sequence that is not UTF-8. */
function badUtf8Put(rng: Prng): Uint8Array {
  const head = encoder.encode(`[0,${rng.range(1, 1_000)},"k`);
  const tail = encoder.encode(`","v"]`);
  const bad = [0xff, 0xc3, 0xed][rng.int(3)]!;
  return Uint8Array.of(...head, bad, ...tail);
}
