/**
 * v3electionpb.Election over gRPC against etcd 3.4 and tsetcd (one client URL), through a raw HTTP/2 client:
 * campaign, leader, proclaim (also by a stale leader key and without one), a second candidate waiting until
 * the first resigns, a campaign given up by its client, and an election with no leader; and Observe,
 * through `etcdctl elect -l` listening while candidates come, proclaim and resign. The same observations
 * on both.
 */
import { connect } from "node:http2";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { decodeProtobuf, encodeProtobuf } from "../../src/codec/protobuf.ts";
import { frameMessage, MessageReader } from "../../src/grpc/framing.ts";
import { observe } from "../../src/grpc/observe.ts";
import type { GrpcServices } from "../../src/grpc/types.ts";
import { call, grant, keysUnder } from "./raw_call.ts";
import { etcdctlBackground, startEtcd, startTsetcd, type TestServer } from "./servers.ts";

const ENC = new TextEncoder();
const DEC = new TextDecoder();
const servers: TestServer[] = [];

test.before(async () => {
  servers.push(
    ...await Promise.all([startEtcd({ grpc: 33160, peer: 33161 }), startTsetcd({ grpc: 33170, peer: 33171 })]),
  );
});

test.after(async () => {
  for (const server of servers) await server.stop();
});


interface LeaderKeyMsg {
  name: Uint8Array;
  key: Uint8Array;
  rev: number;
  lease: bigint;
}

const E = "/v3electionpb.Election/";

function campaignCall(endpoint: string, name: string, lease: bigint, value: string) {
  return call<{ leader: LeaderKeyMsg }>(endpoint, `${E}Campaign`, ["CampaignRequest", { name: ENC.encode(name), lease, value: ENC.encode(value) }], "CampaignResponse");
}

async function leaderValue(endpoint: string, name: string): Promise<[string, string]> {
  const got = await call<{ kv: { value: Uint8Array } }>(endpoint, `${E}Leader`, ["LeaderRequest", { name: ENC.encode(name) }], "LeaderResponse").answer;
  return [got.status, got.status === "0" ? DEC.decode(got.response!.kv.value) : got.message];
}


async function scenario(server: TestServer): Promise<unknown[]> {
  const endpoint = server.grpcEndpoint;
  const seen: unknown[] = [];
  const [a, b, c] = [await grant(endpoint), await grant(endpoint), await grant(endpoint)];
  seen.push(["no leader yet", ...await leaderValue(endpoint, "E")]);
  const first = await campaignCall(endpoint, "E", a, "va").answer;
  const leaderA = first.response!.leader;
  seen.push(["campaign a", first.status, DEC.decode(leaderA.key) === `E/${a.toString(16)}`, DEC.decode(leaderA.name), leaderA.lease === a]);
  seen.push(["leader", ...await leaderValue(endpoint, "E")]);
  const second = campaignCall(endpoint, "E", b, "vb");
  let secondDone = false;
  void second.answer.then(() => (secondDone = true));
  await Bun.sleep(500);
  seen.push(["b waits", secondDone]);
  const proclaimed = await call(endpoint, `${E}Proclaim`, ["ProclaimRequest", { leader: leaderA, value: ENC.encode("va2") }], "ProclaimResponse").answer;
  seen.push(["proclaim", proclaimed.status, ...await leaderValue(endpoint, "E")]);
  const stale = await call(endpoint, `${E}Proclaim`, ["ProclaimRequest", { leader: { ...leaderA, rev: leaderA.rev + 1000 }, value: ENC.encode("x") }], "ProclaimResponse").answer;
  seen.push(["stale proclaim", stale.status, stale.message]);
  const missing = await call(endpoint, `${E}Proclaim`, ["ProclaimRequest", { value: ENC.encode("x") }], "ProclaimResponse").answer;
  seen.push(["proclaim without leader", missing.status, missing.message]);
  // A third candidate gives up while waiting: its key must go.
  const third = campaignCall(endpoint, "E", c, "vc");
  await Bun.sleep(300);
  third.session.destroy();
  await third.answer;
  const resigned = await call(endpoint, `${E}Resign`, ["ResignRequest", { leader: leaderA }], "ResignResponse").answer;
  seen.push(["resign a", resigned.status]);
  const got = await second.answer;
  seen.push(["b leads", got.status, DEC.decode(got.response!.leader.key) === `E/${b.toString(16)}`, ...await leaderValue(endpoint, "E")]);
  await Bun.sleep(300);
  seen.push(["keys left", (await keysUnder(endpoint, "E/")).length]);
  const bad = await campaignCall(endpoint, "F", 12345n, "v").answer;
  seen.push(["unknown lease", bad.status, bad.message]);
  return seen;
}

test("Election over gRPC: the same observations on etcd 3.4 and tsetcd", async () => {
  const onEtcd = await scenario(servers[0]!);
  const onTsetcd = await scenario(servers[1]!);
  assert.equal(onTsetcd, onEtcd);
  assert.equal(onEtcd, [
    ["no leader yet", "2", "election: no leader"],
    ["campaign a", "0", true, "E", true],
    ["leader", "0", "va"],
    ["b waits", false],
    ["proclaim", "0", "0", "va2"],
    ["stale proclaim", "2", "election: not leader"],
    ["proclaim without leader", "2", '"leader" field must be provided'],
    ["resign a", "0"],
    ["b leads", "0", true, "0", "vb"],
    ["keys left", 1],
    ["unknown lease", "2", "etcdserver: requested lease not found"],
  ]);
});

/** Waits (bounded) until `ready` holds; false if it never does within `limitMs`. */
async function until(ready: () => boolean, limitMs = 5_000): Promise<boolean> {
  for (let waitedMs = 0; waitedMs < limitMs; waitedMs += 50) {
    if (ready()) return true;
    await Bun.sleep(50);
  }
  return ready();
}

/** etcdctl's listener lines, with each candidate's key named by its label (lease ids differ by server). */
function normalised(output: string, keys: Map<string, string>): string[] {
  return output.split("\n").filter((line) => line.length > 0).map((line) => keys.get(line) ?? line);
}

/**
 * A raw Observe stream: every LeaderResponse as [key label, value, header revision is the kv's mod
 * revision]. (etcdctl's `elect -l` runs clientv3's recipe on the client, over KV and Watch: it never calls
 * the Observe RPC, so only this stream covers it.) The header is the range's for a leader found by a read
 * (b, after a's resignation: a later revision), the watch's for a proclaim or a first leader waited for.
 */
function observeStream(endpoint: string, name: string, keys: Map<string, string>) {
  const session = connect(`http://${endpoint}`);
  session.on("error", () => {});
  const seen: unknown[] = [];
  let status = "none";
  const stream = session.request({ ":method": "POST", ":path": `${E}Observe`, "content-type": "application/grpc", te: "trailers" });
  const reader = new MessageReader({ maxMessageBytes: 1 << 20 });
  const take = (headers: Record<string, unknown>): void => {
    if (headers["grpc-status"] !== undefined) status = String(headers["grpc-status"]);
  };
  stream.on("response", take);
  stream.on("trailers", take);
  stream.on("data", (chunk: Uint8Array) => {
    for (const m of reader.push(new Uint8Array(chunk))) {
      const r = decodeProtobuf<{ header: { revision: number }; kv: { key: Uint8Array; value: Uint8Array; mod_revision: number } }>("LeaderResponse", m);
      const key = DEC.decode(r.kv.key);
      seen.push([keys.get(key) ?? key, DEC.decode(r.kv.value), r.header.revision === r.kv.mod_revision]);
    }
  });
  stream.on("error", () => {});
  const closed = new Promise<void>((done) => stream.on("close", () => done()));
  const limit = setTimeout(() => session.destroy(), 30_000);
  stream.end(frameMessage(encodeProtobuf("LeaderRequest", { name: ENC.encode(name) })));
  return {
    seen,
    status: () => status,
    stop: async () => {
      clearTimeout(limit);
      session.destroy();
      await closed;
    },
  };
}

async function observeScenario(server: TestServer): Promise<unknown[]> {
  const endpoint = server.grpcEndpoint;
  const seen: unknown[] = [];
  const [a, b] = [await grant(endpoint), await grant(endpoint)];
  const keys = new Map([[`O/${a.toString(16)}`, "key a"], [`O/${b.toString(16)}`, "key b"]]);
  // Listening before any candidate: the first leader arrives once one campaigns.
  const early = etcdctlBackground(endpoint, ["elect", "-l", "O"]);
  const raw = observeStream(endpoint, "O", keys);
  let lateListener: ReturnType<typeof etcdctlBackground> | undefined;
  try {
    await Bun.sleep(500);
    seen.push(["before any leader", normalised(early.output(), keys)]);
    const first = await campaignCall(endpoint, "O", a, "va").answer;
    seen.push(["campaign a", first.status, await until(() => early.output().includes("va"))]);
    const second = campaignCall(endpoint, "O", b, "vb");
    await Bun.sleep(300);
    // Listening with a leader in place: the leader at once.
    const late = etcdctlBackground(endpoint, ["elect", "-l", "O"]);
    lateListener = late;
    seen.push(["late listener", await until(() => late.output().includes("va"))]);
    const leaderA = first.response!.leader;
    const proclaimed = await call(endpoint, `${E}Proclaim`, ["ProclaimRequest", { leader: leaderA, value: ENC.encode("va2") }], "ProclaimResponse").answer;
    seen.push(["proclaim", proclaimed.status, await until(() => early.output().includes("va2") && late.output().includes("va2"))]);
    const resigned = await call(endpoint, `${E}Resign`, ["ResignRequest", { leader: leaderA }], "ResignResponse").answer;
    const got = await second.answer;
    seen.push(["resign a, b leads", resigned.status, got.status, await until(() => early.output().includes("vb") && late.output().includes("vb"))]);
    await Bun.sleep(300);
    seen.push(["early listener", normalised(early.output(), keys)]);
    seen.push(["late listener", normalised(late.output(), keys)]);
    seen.push(["raw Observe stream", raw.seen, raw.status()]);
  } finally {
    await early.stop();
    await lateListener?.stop();
    await raw.stop();
  }
  return seen;
}

test("Election Observe: a raw Observe stream and etcdctl elect -l see the same leaders on etcd 3.4 and tsetcd", async () => {
  const onEtcd = await observeScenario(servers[0]!);
  const onTsetcd = await observeScenario(servers[1]!);
  assert.equal(onTsetcd, onEtcd);
  assert.equal(onEtcd, [
    ["before any leader", []],
    ["campaign a", "0", true],
    ["late listener", true],
    ["proclaim", "0", true],
    ["resign a, b leads", "0", "0", true],
    ["early listener", ["key a", "va", "key a", "va2", "key b", "vb"]],
    ["late listener", ["key a", "va", "key a", "va2", "key b", "vb"]],
    ["raw Observe stream", [["key a", "va", true], ["key a", "va2", true], ["key b", "vb", false]], "none"],
  ]);
});

/** Services whose range answers `kvs` and whose watch hub counts the watches opened and closed. */
function countingServices(kvs: unknown[]): { services: GrpcServices; opened: () => number; closed: () => number } {
  let opened = 0;
  let closed = 0;
  const header = { cluster_id: 1n, member_id: 1n, revision: 7, raft_term: 1n };
  const services = {
    kv: { range: () => Promise.resolve({ header, kvs, more: false, count: kvs.length }) },
    watch: {
      openStream: () => {
        opened++;
        return { handle: () => {}, resume: () => {}, close: () => void closed++ };
      },
    },
  } as unknown as GrpcServices;
  return { services, opened: () => opened, closed: () => closed };
}

test("Observe closes its watch when the client goes, waiting for a first leader or following one", async () => {
  const kv = { key: ENC.encode("O/1"), create_revision: 3, mod_revision: 3, version: 1, value: ENC.encode("v"), lease: 1n };
  for (const kvs of [[], [kv]]) {
    const { services, opened, closed } = countingServices(kvs);
    const stop = new AbortController();
    const sent: unknown[] = [];
    const done = observe(services, ENC.encode("O"), stop.signal, (response) => Promise.resolve(void sent.push(response)));
    await Bun.sleep(50);
    assert.is(opened(), 1);
    assert.is(closed(), 0);
    stop.abort();
    await done;
    await Bun.sleep(10);
    assert.is(closed(), 1);
    assert.is(sent.length, kvs.length);
  }
});

test.run();
