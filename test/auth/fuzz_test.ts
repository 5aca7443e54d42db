/**
 * Auth-enabled fuzzing: seeded random requests (range, put, delete, txns with random compares and nested
 * branches; keys and range ends drawn around every grant's edges: single keys, ranges, prefixes, from-key,
 * every key) from non-root users, no token and a forged token, over gateway JSON, CBOR and gRPC. The oracle
 * does not model the permission rules; it watches secrets instead: sentinel keys outside every non-root
 * grant, written by root. No answer may carry a sentinel's key or value (an unauthorized read), the
 * sentinels must be intact at the end, and every key the run left must lie where its writer may write
 * (an unauthorized write). Ports 28150–28152.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Prng } from "../../src/sim/prng.ts";
import { startTsetcd, type TestServer } from "../grpc/servers.ts";
import { AuthRpcs, closeSessions, KvRpcs, READ, READWRITE, send, type Rpc, type Target, type Transport, WRITE } from "./matrix.ts";

const SEED = 1107;
const REQUESTS = 900;
const ENC = new TextEncoder();
const DEC = new TextDecoder();

/** Keys no non-root user may read or write: between alice's /p/ prefix and bob's key /w. */
const SENTINELS = ["/s/1", "/s/2", "/s/x/3", "/t", "/v\0"];
const secretValue = (key: string): string => `SECRET-${SENTINELS.indexOf(key)}-${SEED}`;
/** Keys and range ends drawn at the edges of the grants and the sentinels. */
const EDGES = ["", "\0", "/", "/a", "/a\0", "/a0", "/b", "/c", "/c\0", "/p/", "/p/q", "/p0", "/s", "/s/", "/s/1", "/s0", "/t",
  "/v", "/v\0", "/w", "/w\0", "/x", "/z", "\xff", "zz"];

let server: TestServer;
let target: Target;
const tokens: Record<string, string | undefined> = {};

test.before(async () => {
  server = await startTsetcd({ grpc: 28150, peer: 28151, http: 28152 }, { extraArgs: ["--bcrypt-cost", "4"] });
  target = { httpUrl: server.httpUrl, grpcEndpoint: server.grpcEndpoint };
  for (const key of SENTINELS) await must({ ...KvRpcs.put(key), body: { key: ENC.encode(key), value: ENC.encode(secretValue(key)) } });
  for (const rpc of [
    AuthRpcs.userAdd("root", "rootpw"),
    AuthRpcs.grantRole("root", "root"),
    AuthRpcs.roleAdd("rw"),
    AuthRpcs.grantPermission("rw", READWRITE, "/a", "/c"),
    AuthRpcs.roleAdd("pr"),
    AuthRpcs.grantPermission("pr", READ, "/p/", "/p0"),
    AuthRpcs.roleAdd("wk"),
    AuthRpcs.grantPermission("wk", WRITE, "/w", ""),
    AuthRpcs.userAdd("alice", "alicepw"),
    AuthRpcs.grantRole("alice", "rw"),
    AuthRpcs.grantRole("alice", "pr"),
    AuthRpcs.userAdd("bob", "bobpw"),
    AuthRpcs.grantRole("bob", "wk"),
    AuthRpcs.enable(),
  ]) await must(rpc);
  for (const [user, password] of [["root", "rootpw"], ["alice", "alicepw"], ["bob", "bobpw"]] as const) {
    tokens[user] = String((await must(AuthRpcs.authenticate(user, password))).token);
  }
  tokens.forged = "AAAAAAAAAAAAAAAA.1";
});

test.after(async () => {
  closeSessions();
  await server?.stop();
});

async function must(rpc: Rpc, token?: string): Promise<Record<string, unknown>> {
  const outcome = await send("json", target, rpc, token);
  if (outcome.code !== 0) throw new Error(`${rpc.gateway}: ${outcome.message}`);
  return outcome.response ?? {};
}

/** Keys inside the grants, drawn more often so that enough requests are allowed to reach the store. */
const INSIDE = ["/a", "/a0", "/a5", "/b", "/b1", "/p/", "/p/q", "/w"];
const INSIDE_ENDS = ["", "", "/b", "/c", "/b5", "/p0", "/p/r"];

function key(rng: Prng): Uint8Array {
  const base = rng.chance(0.6) ? INSIDE[rng.int(INSIDE.length)]! : EDGES[rng.int(EDGES.length)]!;
  return ENC.encode(base + (rng.chance(0.2) ? String(rng.int(10)) : ""));
}

function end(rng: Prng): Uint8Array {
  if (rng.chance(0.6)) return ENC.encode(INSIDE_ENDS[rng.int(INSIDE_ENDS.length)]!);
  return rng.chance(0.3) ? new Uint8Array(0) : key(rng);
}

function randomOp(rng: Prng, depth: number): Record<string, unknown> {
  const pick = rng.int(depth < 3 ? 4 : 3);
  if (pick === 0) return { request_range: { key: key(rng), range_end: end(rng), count_only: rng.chance(0.2) } };
  if (pick === 1) return { request_put: { key: key(rng), value: ENC.encode("fuzz"), prev_kv: rng.chance(0.3) } };
  if (pick === 2) return { request_delete_range: { key: key(rng), range_end: end(rng), prev_kv: rng.chance(0.5) } };
  return { request_txn: randomTxn(rng, depth + 1) };
}

function randomTxn(rng: Prng, depth: number): Record<string, unknown> {
  const ops = (): Record<string, unknown>[] => Array.from({ length: rng.int(2) + (rng.chance(0.5) ? 0 : 1) }, () => randomOp(rng, depth));
  // Distinct keys per branch keep most txns past etcd's duplicate-key check.
  const compare = Array.from({ length: rng.int(2) }, () => ({ key: key(rng), range_end: end(rng), target: 0, result: rng.int(4), version: 0 }));
  return { compare, success: ops(), failure: ops() };
}

function randomRpc(rng: Prng): Rpc {
  switch (rng.int(4)) {
    case 0:
      return { ...KvRpcs.range(""), body: { key: key(rng), range_end: end(rng), serializable: rng.chance(0.5) } };
    case 1:
      return { ...KvRpcs.put(""), body: { key: key(rng), value: ENC.encode("fuzz"), prev_kv: rng.chance(0.5) } };
    case 2:
      return { ...KvRpcs.del(""), body: { key: key(rng), range_end: end(rng), prev_kv: rng.chance(0.5) } };
    default:
      return KvRpcs.txn(randomTxn(rng, 0));
  }
}

/** Every byte string and text in an answer, as text (gateway JSON's base64 decoded). */
function texts(value: unknown, out: string[], depth = 0): string[] {
  if (depth > 64) return out;
  if (value instanceof Uint8Array) out.push(DEC.decode(value));
  else if (typeof value === "string") {
    out.push(value);
    out.push(Buffer.from(value, "base64").toString("latin1"));
  } else if (Array.isArray(value)) for (const item of value) texts(item, out, depth + 1);
  else if (typeof value === "object" && value !== null) for (const item of Object.values(value)) texts(item, out, depth + 1);
  return out;
}

test(`${REQUESTS} random requests: no sentinel is read, written or deleted; no key lands where its writer may not write`, async () => {
  const rng = new Prng(SEED);
  const users = ["alice", "alice", "alice", "bob", "bob", "anonymous", "forged"];
  const transports: Transport[] = ["json", "cbor", "grpc"];
  const leaks: string[] = [];
  const answered: Record<string, number> = {};
  for (let i = 0; i < REQUESTS; i++) {
    const user = users[rng.int(users.length)]!;
    const transport = transports[rng.int(transports.length)]!;
    const rpc = randomRpc(rng);
    const outcome = await send(transport, target, rpc, tokens[user]);
    answered[outcome.code === 0 ? "ok" : outcome.message] = (answered[outcome.code === 0 ? "ok" : outcome.message] ?? 0) + 1;
    if (outcome.code !== 0) continue;
    const seen = texts(outcome.response, []);
    for (const sentinel of SENTINELS) {
      if (seen.some((t) => t.includes(secretValue(sentinel)) || t === sentinel)) {
        leaks.push(`#${i} ${transport} ${user} ${rpc.gateway} ${JSON.stringify(rpc.body, (_, v) => v instanceof Uint8Array ? DEC.decode(v) : v)} read ${sentinel}`);
      }
    }
  }
  assert.equal(leaks, [], leaks.slice(0, 10).join("\n"));
  // The run did reach both sides: allowed answers and refusals of each kind.
  assert.ok((answered.ok ?? 0) > 150, JSON.stringify(answered));
  assert.ok((answered["etcdserver: permission denied"] ?? 0) > 50, JSON.stringify(answered));
  // Every key now in the store: a sentinel with its own value, or where alice (/a–/c) or bob (/w) may write.
  const all = await must({ ...KvRpcs.range("\0", "\0") }, tokens.root);
  const kvs = (all.kvs ?? []) as { key: string; value: string }[];
  const found = new Map(kvs.map((kv) => [Buffer.from(kv.key, "base64").toString("latin1"), Buffer.from(kv.value, "base64").toString()]));
  for (const sentinel of SENTINELS) assert.is(found.get(sentinel), secretValue(sentinel), `sentinel ${JSON.stringify(sentinel)}`);
  const misplaced = [...found.keys()].filter((k) => !SENTINELS.includes(k) && !(k >= "/a" && k < "/c") && k !== "/w");
  assert.equal(misplaced, []);
});

test.run();
