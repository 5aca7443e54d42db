/**
 * Whatever the request boundary passes survives the proposal encoding exactly: for random requests of
 * every proposed kind (put, delete range, txn with nested txns, compaction, lease grant and revoke) that
 * readRequest accepts, in JSON and in CBOR, and for member and lease checkpoint operations,
 * decodeProposal(encodeProposal(p)) deep-equals p. int64 extremes are drawn often: beyond 2^53 they are
 * JS numbers that the old encoding wrote as doubles and read back as a rounded decimal out of int64's
 * range, so a txn comparing against int64 max or a lease of TTL int64 min failed at apply (issue 9).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { encodeCbor } from "../../src/codec/cbor.ts";
import type {
  CompactionRequest,
  DeleteRangeRequest,
  LeaseGrantRequest,
  LeaseRevokeRequest,
  PutRequest,
  TxnRequest,
} from "../../src/codec/messages.ts";
import { readRequest, type RequestKind } from "../../src/server/boundary.ts";
import { decodeProposal, encodeProposal, type Proposal } from "../../src/server/proposal.ts";
import { Prng } from "../../src/sim/prng.ts";

const SEEDS = 400;
const MAX_TXN_NESTING = 4;
const enc = new TextEncoder();

/** int64 values as decimal text: small ones, both sides of 2^53, and the type's ends. */
const INT64_TEXTS = [
  "0", "1", "-1", "5", "1000", "9007199254740991", "9007199254740992", "9007199254740993", "-9007199254740993",
  "4611686018427387904", "9223372036854775806", "9223372036854775807", "-9223372036854775807",
  "-9223372036854775808",
];
const ID64_TEXTS = ["0", "1", "-1", "7587876367788137476", "9223372036854775807", "-9223372036854775808"];

type Obj = Record<string, unknown>;
type Format = "json" | "cbor";

/** A value as the wire carries it: decimal text in JSON (as etcd's gateway writes int64), bigint in CBOR. */
function int64(rng: Prng, format: Format, texts = INT64_TEXTS): unknown {
  const text = rng.chance(0.15) ? String(rng.int(1_000_000) - 500_000) : texts[rng.int(texts.length)]!;
  if (format === "json") return rng.chance(0.5) && Number.isSafeInteger(Number(text)) ? Number(text) : text;
  return rng.chance(0.5) ? BigInt(text) : Number.isSafeInteger(Number(text)) ? Number(text) : BigInt(text);
}

function bytes(rng: Prng, format: Format, maxLength = 12): unknown {
  const raw = new Uint8Array(rng.int(maxLength + 1));
  for (let i = 0; i < raw.length; i++) raw[i] = rng.int(256);
  return format === "cbor" ? raw : Buffer.from(raw).toString("base64");
}

/** A non-empty key, so most requests pass etcd's "key is not provided" check. */
function key(rng: Prng, format: Format): unknown {
  const raw = new Uint8Array(1 + rng.int(16));
  for (let i = 0; i < raw.length; i++) raw[i] = rng.int(256);
  return format === "cbor" ? raw : Buffer.from(raw).toString("base64");
}

function maybe(rng: Prng, into: Obj, name: string, make: () => unknown): void {
  if (rng.chance(0.6)) into[name] = make();
}

function putRequest(rng: Prng, f: Format): Obj {
  const req: Obj = { key: key(rng, f) };
  maybe(rng, req, "value", () => bytes(rng, f));
  maybe(rng, req, "lease", () => int64(rng, f, ID64_TEXTS));
  maybe(rng, req, "prev_kv", () => rng.chance(0.5));
  return req;
}

function deleteRangeRequest(rng: Prng, f: Format): Obj {
  const req: Obj = { key: key(rng, f) };
  maybe(rng, req, "range_end", () => bytes(rng, f));
  maybe(rng, req, "prev_kv", () => rng.chance(0.5));
  return req;
}

function rangeRequest(rng: Prng, f: Format): Obj {
  const req: Obj = { key: key(rng, f) };
  maybe(rng, req, "range_end", () => bytes(rng, f));
  for (const name of ["limit", "revision", "min_mod_revision", "max_mod_revision", "min_create_revision", "max_create_revision"]) {
    if (rng.chance(0.3)) req[name] = int64(rng, f);
  }
  maybe(rng, req, "sort_order", () => rng.int(3));
  maybe(rng, req, "sort_target", () => rng.int(5));
  maybe(rng, req, "count_only", () => rng.chance(0.5));
  return req;
}

const COMPARE_TARGETS = ["version", "create_revision", "mod_revision", "lease"] as const;

function compare(rng: Prng, f: Format): Obj {
  const cmp: Obj = { key: key(rng, f), result: rng.int(4), target: rng.int(5) };
  const union = rng.int(COMPARE_TARGETS.length + 1);
  if (union === COMPARE_TARGETS.length) cmp.value = bytes(rng, f);
  else cmp[COMPARE_TARGETS[union]!] = int64(rng, f, union === 3 ? ID64_TEXTS : INT64_TEXTS);
  maybe(rng, cmp, "range_end", () => bytes(rng, f));
  return cmp;
}

function requestOp(rng: Prng, f: Format, depth: number): Obj {
  const pick = rng.int(depth < MAX_TXN_NESTING ? 4 : 3);
  if (pick === 0) return { request_range: rangeRequest(rng, f) };
  if (pick === 1) return { request_put: putRequest(rng, f) };
  if (pick === 2) return { request_delete_range: deleteRangeRequest(rng, f) };
  return { request_txn: txnRequest(rng, f, depth + 1) };
}

function txnRequest(rng: Prng, f: Format, depth: number): Obj {
  const list = <T>(max: number, make: () => T): T[] => Array.from({ length: rng.int(max + 1) }, make);
  return {
    compare: list(3, () => compare(rng, f)),
    success: list(3, () => requestOp(rng, f, depth)),
    failure: list(2, () => requestOp(rng, f, depth)),
  };
}

/** One boundary-accepted request of `kind` in `format`, or undefined when the boundary refused the draw. */
function accepted<T>(kind: RequestKind, format: Format, message: Obj): T | undefined {
  const body = format === "cbor" ? encodeCbor(message) : enc.encode(jsonText(message));
  try {
    return readRequest<T>(kind, format, body);
  } catch {
    return undefined;
  }
}

/** JSON with bigint-free values (the generator writes int64 as text or safe numbers for JSON). */
function jsonText(message: Obj): string {
  return JSON.stringify(message);
}

function randomBigId(rng: Prng): bigint {
  return BigInt.asIntN(64, (BigInt(rng.int(0x1_0000_0000)) << 32n) | BigInt(rng.int(0x1_0000_0000)));
}

/** One random proposal of every operation kind the member proposes, as the member builds it. */
function proposals(rng: Prng, format: Format): Proposal[] {
  const base = (): Proposal => ({ origin: BigInt.asUintN(64, randomBigId(rng)), id: rng.int(1_000_000) });
  const out: Proposal[] = [];
  const put = accepted<PutRequest>("PutRequest", format, putRequest(rng, format));
  if (put !== undefined) out.push({ ...base(), put });
  const deleteRange = accepted<DeleteRangeRequest>("DeleteRangeRequest", format, deleteRangeRequest(rng, format));
  if (deleteRange !== undefined) out.push({ ...base(), deleteRange });
  const txn = accepted<TxnRequest>("TxnRequest", format, txnRequest(rng, format, 0));
  if (txn !== undefined) out.push({ ...base(), txn });
  const compactionBody: Obj = { revision: int64(rng, format), physical: rng.chance(0.5) };
  const compaction = accepted<CompactionRequest>("CompactionRequest", format, compactionBody);
  if (compaction !== undefined) out.push({ ...base(), compaction });
  const grantBody: Obj = { TTL: int64(rng, format), ID: int64(rng, format, ID64_TEXTS) };
  const grant = accepted<LeaseGrantRequest>("LeaseGrantRequest", format, grantBody);
  if (grant !== undefined) out.push({ ...base(), leaseGrant: { ID: grant.ID ?? 0n, TTL: grant.TTL } });
  const revoke = accepted<LeaseRevokeRequest>("LeaseRevokeRequest", format, { ID: int64(rng, format, ID64_TEXTS) });
  if (revoke !== undefined) out.push({ ...base(), leaseRevoke: { ID: revoke.ID } });
  const urls = ["http://127.0.0.1:2380", "https://[::1]:12380"];
  out.push({ ...base(), member: { ID: BigInt.asUintN(64, randomBigId(rng)), peerURLs: urls.slice(rng.int(3)) } });
  out.push({ ...base(), member: { ID: 1n, name: "m-" + rng.int(100), clientURLs: urls.slice(rng.int(3)) } });
  out.push({ ...base(), leaseCheckpoints: [{ ID: randomBigId(rng), remainingMs: rng.int(1_000_000) }] });
  return out;
}

test("every boundary-accepted proposal of every kind survives encode → decode unchanged (JSON and CBOR bodies)", () => {
  const seen = new Map<string, number>();
  for (let seed = 1; seed <= SEEDS; seed++) {
    const rng = new Prng(seed);
    for (const format of ["json", "cbor"] as const) {
      for (const p of proposals(rng, format)) {
        const op = Object.keys(p).find((k) => k !== "origin" && k !== "id")!;
        seen.set(op, (seen.get(op) ?? 0) + 1);
        let back: Proposal;
        try {
          back = decodeProposal(encodeProposal(p));
        } catch (error) {
          assert.unreachable(`seed ${seed} ${format} ${op}: ${(error as Error).message}`);
          return;
        }
        assert.equal(back, p, `seed ${seed} ${format} ${op}`);
      }
    }
  }
  // The generator must reach every kind often (a boundary refusing all draws would prove nothing).
  for (const op of ["put", "deleteRange", "txn", "compaction", "leaseGrant", "leaseRevoke", "member", "leaseCheckpoints"]) {
    assert.ok((seen.get(op) ?? 0) >= SEEDS / 2, `${op}: only ${seen.get(op) ?? 0} accepted draws`);
  }
});

test("int64 extremes that etcd accepts are carried: a compare against int64 max/min and a lease TTL of int64 min", () => {
  const txn = readRequest<TxnRequest>("TxnRequest", "json", enc.encode(JSON.stringify({
    compare: [
      { key: "Zm9v", target: "VERSION", result: "LESS", version: "9223372036854775807" },
      { key: "Zm9v", target: "MOD", result: "GREATER", mod_revision: "-9223372036854775808" },
    ],
    success: [{ request_range: { key: "Zm9v", revision: "9223372036854775807" } }],
  })));
  const p: Proposal = { origin: 7n, id: 1, txn };
  assert.equal(decodeProposal(encodeProposal(p)), p);
  for (const format of ["json", "cbor"] as const) {
    const body = format === "json"
      ? enc.encode('{"TTL":"-9223372036854775808"}')
      : encodeCbor({ TTL: -(2n ** 63n) });
    const grant = readRequest<LeaseGrantRequest>("LeaseGrantRequest", format, body);
    const q: Proposal = { origin: 7n, id: 2, leaseGrant: { ID: grant.ID ?? 0n, TTL: grant.TTL } };
    assert.equal(decodeProposal(encodeProposal(q)), q, format);
    assert.is(decodeProposal(encodeProposal(q)).leaseGrant!.TTL, -(2 ** 63));
  }
});

test("a txn nested as deep as gateway JSON allows (3,333 levels, with --max-txn-ops to match) is carried", () => {
  // Go's JSON depth bound (10,000) allows 3,333 levels of {"success":[{"request_txn": …}]}; decoding fills
  // the bottom txn (`{}` or `null`) with empty lists, so the entry nests deeper than the body did.
  for (const bottom of [{}, null]) {
    let txn: unknown = bottom;
    for (let i = 0; i < 3_333; i++) txn = { success: [{ request_txn: txn }] };
    const body = enc.encode(JSON.stringify(txn));
    const req = readRequest<TxnRequest>("TxnRequest", "json", body, { maxTxnOps: 10_000 });
    const p: Proposal = { origin: 7n, id: 3, txn: req };
    const back = decodeProposal(encodeProposal(p));
    let depth = 0;
    for (let t: TxnRequest | undefined = back.txn; t !== undefined; t = t.success?.[0]?.request_txn) depth++;
    assert.is(depth, 3_334, JSON.stringify(bottom));
  }
});

test.run();
