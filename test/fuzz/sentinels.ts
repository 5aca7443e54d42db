/**
 * The state the fuzzer must not disturb: a plain key, a key attached to a long lease, two keys written by
 * one txn, and the member list. Written before fuzzing, checked on every member after it and after a full
 * restart. Keys live under "sentinel/", which sorts before every key a fuzz request can make valid.
 * @module
 */
import { connect } from "../../src/client/mod.ts";
import { LeaseClient } from "../../src/client/lease.ts";
import type { MemberSlot } from "../cluster/harness.ts";

const TEXT = new TextEncoder();
const UTF8 = new TextDecoder();
/** A TTL no fuzz run outlives, so the lease must still be there at the end. */
export const SENTINEL_LEASE_TTL_S = 3_600;
const CALL_TIMEOUT_MS = 5_000;

/** What was written, to check against. */
export interface Sentinels {
  plain: { key: string; value: string };
  leased: { key: string; value: string; lease: bigint };
  txn: { keys: string[]; value: string; revision: number };
  /** "id name peerURLs" per member, sorted. */
  members: string[];
}

function client(url: string) {
  return connect({ endpoints: [url], dialTimeoutMs: CALL_TIMEOUT_MS, commandTimeoutMs: CALL_TIMEOUT_MS });
}

/** Writes the sentinels through `url` (any member) and records the member list. */
export async function writeSentinels(url: string, seed: number): Promise<Sentinels> {
  const c = client(url);
  const plain = { key: "sentinel/plain", value: `plain-${seed}` };
  await c.put(plain.key, plain.value);
  const grant = await new LeaseClient(c).grant(SENTINEL_LEASE_TTL_S);
  const leased = { key: "sentinel/leased", value: `leased-${seed}`, lease: grant.ID };
  await c.put(leased.key, leased.value, { lease: grant.ID });
  const keys = ["sentinel/txn-a", "sentinel/txn-b"];
  const value = `txn-${seed}`;
  const txn = await c.txn({
    compare: [{ result: 0, target: 1, key: TEXT.encode(keys[0]!), create_revision: 0 }],
    success: keys.map((k) => ({ request_put: { key: TEXT.encode(k), value: TEXT.encode(value) } })),
    failure: [],
  });
  if (!txn.succeeded) throw new Error("sentinel txn did not succeed on a fresh cluster");
  return { plain, leased, txn: { keys, value, revision: txn.header.revision }, members: await memberList(url) };
}

async function memberList(url: string): Promise<string[]> {
  const list = await client(url).memberList({ linearizable: true });
  return list.members.map((m) => `${m.ID.toString(16)} ${m.name} ${m.peerURLs.join(",")}`).sort();
}

/**
 * Every way the sentinels can be wrong as seen through one member (linearizable reads); empty when intact.
 * A member that cannot answer is one problem, not a throw.
 */
export async function checkSentinels(slot: MemberSlot, expected: Sentinels): Promise<string[]> {
  const c = client(slot.clientUrl);
  const problems: string[] = [];
  try {
    const range = await c.range({ key: TEXT.encode("sentinel/"), range_end: TEXT.encode("sentinel0") });
    const byKey = new Map(range.kvs.map((kv) => [UTF8.decode(kv.key), kv]));
    const expectKey = (key: string, value: string, lease: bigint): void => {
      const kv = byKey.get(key);
      if (kv === undefined) return void problems.push(`${slot.name}: ${key} is gone`);
      if (UTF8.decode(kv.value) !== value) problems.push(`${slot.name}: ${key} = ${JSON.stringify(UTF8.decode(kv.value))}, expected ${value}`);
      if (kv.lease !== lease) problems.push(`${slot.name}: ${key} has lease ${kv.lease}, expected ${lease}`);
    };
    expectKey(expected.plain.key, expected.plain.value, 0n);
    expectKey(expected.leased.key, expected.leased.value, expected.leased.lease);
    for (const key of expected.txn.keys) {
      expectKey(key, expected.txn.value, 0n);
      const kv = byKey.get(key);
      if (kv !== undefined && kv.mod_revision !== expected.txn.revision) {
        problems.push(`${slot.name}: ${key} was rewritten (mod revision ${kv.mod_revision}, txn wrote ${expected.txn.revision})`);
      }
    }
    if (byKey.size !== 4) problems.push(`${slot.name}: ${byKey.size} keys under sentinel/, expected 4`);
    const ttl = await new LeaseClient(c).timeToLive(expected.leased.lease, { keys: true });
    if (!(ttl.TTL > 0)) problems.push(`${slot.name}: the sentinel lease is gone (TTL ${ttl.TTL})`);
    const keys = ttl.keys.map((k) => UTF8.decode(k));
    if (keys.join() !== expected.leased.key) problems.push(`${slot.name}: the sentinel lease holds ${JSON.stringify(keys)}`);
    const members = await memberList(slot.clientUrl);
    if (members.join("|") !== expected.members.join("|")) {
      problems.push(`${slot.name}: membership changed: ${members.join("; ")} (was ${expected.members.join("; ")})`);
    }
  } catch (error) {
    problems.push(`${slot.name}: could not read the sentinels: ${(error as Error).message}`);
  }
  return problems;
}

/** GET /health on one member: undefined when healthy, else what it said. */
export async function checkHealth(slot: MemberSlot, timeoutMs: number): Promise<string | undefined> {
  try {
    const response = await fetch(`${slot.clientUrl}/health`, { signal: AbortSignal.timeout(timeoutMs) });
    const text = await response.text();
    if (response.status === 200 && text.includes('"true"')) return undefined;
    return `${slot.name}: /health answered ${response.status} ${text.slice(0, 100)}`;
  } catch (error) {
    return `${slot.name}: /health failed: ${(error as Error).message}`;
  }
}
