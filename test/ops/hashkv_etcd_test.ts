/**
 * HashKV, differential: the same seeded history of puts (with and without a lease), deletes (one key, ranges,
 * prefixes), multi-op txns and compactions on a real etcd 3.4 and on tsetcd, then etcdctl's `endpoint hashkv`
 * against both at once, at the current revision and at revisions in between, must print the same hash and
 * compact revision. Then everything is deleted (etcd's empty keep set: revisions below the compaction count
 * again) and compacted, and tsetcd is restarted: the hashes still match. Last, `tsetcd endpoint hashkv` and
 * etcdctl's, against the same tsetcd server, print the same in every -w format and for bad revisions.
 * etcd missing is a failure, not a skip.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { decodeCbor, encodeCbor } from "../../src/codec/cbor.ts";
import { runCliCaptured as tsetcd } from "../helpers/cli.ts";
import { type EtcdctlRun, runEtcdctl as etcdctl } from "../helpers/etcd.ts";
import { b64, type OpsServer, post, startServer } from "./servers.ts";

const SEED = 20261207;
const OPS = 120;
const CHECK_EVERY_OPS = 6;
const KEYS = ["a", "a/1", "a/2", "b", "c", "c/x", "d", "e"];
const LEASE_ID = 7777;

const dir = mkdtempSync(join(tmpdir(), "tsetcd-hashkv-"));
let etcd: OpsServer | undefined;
let ours: OpsServer | undefined;
/** Compactions the seeded history made (the test asserts it made some). */
let compactions = 0;
const ETCD_PORTS = { clientPort: 34521, peerPort: 34522 };
const OUR_PORTS = { clientPort: 34531, peerPort: 34532 };

/** xorshift32: the same history on every run. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0x1_0000_0000;
  };
}

interface HashLine {
  hash: number;
  compact_revision: number;
  revision: number;
}

/** Both servers' HashKV at `rev` through one etcdctl run; the zap log lines are etcdctl's own. */
async function bothHashes(rev: number): Promise<{ etcd: HashLine | string; ours: HashLine | string }> {
  const run = await etcdctl([`--endpoints=${etcd!.endpoint},${ours!.endpoint}`, "endpoint", "hashkv", `--rev=${rev}`, "-w", "json"]);
  const list = JSON.parse(run.out) as { Endpoint: string; HashKV: { hash?: number; compact_revision?: number; header: { revision?: number } } }[];
  const pick = (endpoint: string): HashLine | string => {
    const found = list.find((e) => e.Endpoint === endpoint);
    if (found === undefined) {
      const line = run.err.split("\n").find((l) => l.startsWith(`Failed to get the hash of endpoint ${endpoint}`));
      return line?.replace(endpoint, "EP") ?? `no answer: ${run.err}`;
    }
    return {
      hash: found.HashKV.hash ?? 0,
      compact_revision: found.HashKV.compact_revision ?? 0,
      revision: found.HashKV.header.revision ?? 0,
    };
  };
  return { etcd: pick(etcd!.endpoint), ours: pick(ours!.endpoint) };
}

async function both(path: string, body: unknown): Promise<void> {
  const [a, b] = await Promise.all([post(etcd!, path, body), post(ours!, path, body)]);
  const rev = (r: Record<string, unknown>): string => String((r.header as { revision?: string } | undefined)?.revision);
  assert.is(rev(b), rev(a), `revision after ${path} ${JSON.stringify(body)}`);
}

function randomValue(next: () => number): string {
  const length = Math.floor(next() * 40);
  let text = "";
  for (let i = 0; i < length; i++) text += String.fromCharCode(32 + Math.floor(next() * 95));
  return text;
}

function pickKeys(next: () => number, count: number): string[] {
  const pool = [...KEYS];
  const out: string[] = [];
  for (let i = 0; i < count && pool.length > 0; i++) out.push(pool.splice(Math.floor(next() * pool.length), 1)[0]!);
  return out;
}

async function randomOp(next: () => number, revs: { current: number; compacted: number }): Promise<void> {
  const roll = next();
  const key = KEYS[Math.floor(next() * KEYS.length)]!;
  if (roll < 0.4) {
    const lease = next() < 0.2 ? { lease: LEASE_ID } : {};
    return both("/v3/kv/put", { key: b64(key), value: b64(randomValue(next)), ...lease });
  }
  if (roll < 0.55) return both("/v3/kv/deleterange", { key: b64(key) });
  if (roll < 0.65) return both("/v3/kv/deleterange", { key: b64("a"), range_end: b64("c") });
  if (roll < 0.7) return both("/v3/kv/deleterange", { key: b64("c/"), range_end: b64("c0") });
  if (roll < 0.9) {
    const [first, ...rest] = pickKeys(next, 4);
    const success = rest.map((k, i) =>
      i === 2 ? { request_delete_range: { key: b64(k) } } : { request_put: { key: b64(k), value: b64(randomValue(next)) } }
    );
    return both("/v3/kv/txn", {
      compare: [{ key: b64(first!), target: "VERSION", result: "GREATER", version: "0" }],
      success,
      failure: [{ request_put: { key: b64(first!), value: b64("failed") } }],
    });
  }
  if (revs.current - 1 <= revs.compacted) return;
  const revision = revs.compacted + 1 + Math.floor(next() * (revs.current - revs.compacted - 1));
  await both("/v3/kv/compaction", { revision: String(revision), physical: true });
  revs.compacted = revision; // a second compaction before the next check must not go below it
  compactions++;
}

async function revisions(): Promise<{ current: number; compacted: number }> {
  const answer = await bothHashes(0);
  assert.equal(answer.ours, answer.etcd, "hash at the current revision");
  const line = answer.ours as HashLine;
  return { current: line.revision, compacted: line.compact_revision };
}

async function checkAround(next: () => number): Promise<{ current: number; compacted: number }> {
  const revs = await revisions();
  const picks = [revs.compacted, revs.compacted + 1, revs.current, revs.current + 1, -1];
  picks.push(revs.compacted + 1 + Math.floor(next() * Math.max(1, revs.current - revs.compacted)));
  for (const rev of picks) {
    const answer = await bothHashes(rev);
    assert.equal(answer.ours, answer.etcd, `hash at revision ${rev} (current ${revs.current}, compacted ${revs.compacted})`);
  }
  return revs;
}

test.before(async () => {
  [etcd, ours] = await Promise.all([
    startServer({ kind: "etcd", dataDir: join(dir, "etcd"), ...ETCD_PORTS }),
    startServer({ kind: "tsetcd", dataDir: join(dir, "ours"), ...OUR_PORTS }),
  ]);
  // Lease ids are chosen by each server unless given: the same id keeps the KeyValue bytes equal.
  await Promise.all([etcd, ours].map((s) => post(s!, "/v3/lease/grant", { TTL: 3600, ID: LEASE_ID })));
});

test.after(async () => {
  await Promise.all([etcd?.stop(), ours?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

test("a seeded history of puts, deletes, txns and compactions hashes as on etcd 3.4, at every revision kept", async () => {
  const next = rng(SEED);
  let revs = await checkAround(next);
  for (let op = 0; op < OPS; op++) {
    await randomOp(next, revs);
    if (op % CHECK_EVERY_OPS === CHECK_EVERY_OPS - 1) revs = await checkAround(next);
  }
  assert.ok(revs.current > OPS / 2, `the history wrote revisions (current ${revs.current})`);
  assert.ok(compactions >= 2, `the history compacted (${compactions} times)`);
});

test("with no key live (etcd's empty keep set), after compaction, and across a restart of tsetcd", async () => {
  const next = rng(SEED + 1);
  await both("/v3/kv/deleterange", { key: b64("\0"), range_end: b64("\0") });
  await checkAround(next);
  const revs = await revisions();
  await both("/v3/kv/compaction", { revision: String(revs.current - 1), physical: true });
  const before = await checkAround(next);
  await both("/v3/kv/put", { key: b64("z"), value: b64("after") });
  await checkAround(next);
  const atBefore = await bothHashes(before.current);
  await ours!.stop();
  ours = await startServer({ kind: "tsetcd", dataDir: join(dir, "ours"), ...OUR_PORTS });
  const afterRestart = await bothHashes(before.current);
  assert.equal(afterRestart.ours, atBefore.ours, "the same hash after a restart");
  await checkAround(next);
});

function withoutZap(run: EtcdctlRun): EtcdctlRun {
  return { ...run, err: run.err.split("\n").filter((line) => !line.startsWith('{"level"')).join("\n") };
}

test("tsetcd endpoint hashkv prints what etcdctl prints, in every format and for bad revisions", async () => {
  const cases = [[], ["-w", "json"], ["-w", "table"], ["-w", "fields"], ["-w", "simple"], ["-w", "protobuf"], ["--rev=2"],
    ["--rev=-3"], ["--rev=99999", "-w", "table"], ["--rev=2", "-w", "json"], ["--rev=abc"]];
  const revs = await revisions();
  cases.push([`--rev=${revs.compacted}`], [`--rev=${revs.current}`, "-w", "fields"]);
  for (const args of cases) {
    const argv = [`--endpoints=${ours!.endpoint}`, "endpoint", "hashkv", ...args];
    const [theirs, mine] = await Promise.all([etcdctl(argv), tsetcd(argv)]);
    const expected = withoutZap(theirs);
    if (args.includes("--rev=abc")) {
      // Usage text names the program; only the first line (the error) and the code are etcdctl's.
      assert.is(mine.err.split("\n")[0], expected.err.split("\n")[0], "bad --rev error line");
      assert.is(mine.code, expected.code, "bad --rev exit code");
      continue;
    }
    assert.equal({ code: mine.code, out: mine.out, err: mine.err }, expected, `tsetcd endpoint hashkv ${args.join(" ")}`);
  }
});

test("the gateway: Hash at etcd's path, HashKV at tsetcd's in JSON and CBOR, equal to the gRPC answer", async () => {
  const grpc = (await bothHashes(0)).ours as HashLine;
  const json = await post(ours!, "/v3/maintenance/hashkv", {});
  assert.is(Number(json.hash), grpc.hash);
  assert.is(Number(json.compact_revision), grpc.compact_revision);
  const answer = await fetch(`${ours!.clientUrl}/v3/maintenance/hashkv`, {
    method: "POST",
    headers: { "content-type": "application/cbor" },
    body: encodeCbor({ revision: grpc.revision }),
    signal: AbortSignal.timeout(10_000),
  });
  assert.is(answer.status, 200);
  const cbor = decodeCbor<{ hash: number; compact_revision: number }>("HashKVResponse", new Uint8Array(await answer.arrayBuffer()));
  assert.is(cbor.hash, grpc.hash);
  const hash = await post(ours!, "/v3/maintenance/hash", {});
  assert.ok(Number.isInteger(hash.hash) && Number(hash.hash) > 0, `Hash answered ${JSON.stringify(hash)}`);
  assert.is((hash.header as { revision: string }).revision, String(grpc.revision));
});

test.run();
