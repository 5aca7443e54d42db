/**
 * v3lockpb.Lock over gRPC against etcd 3.4 and tsetcd (one client URL), through a raw HTTP/2 client: a lock
 * is granted at once when free, a second holder waits until Unlock, a lease that does not exist is
 * refused, and a waiter whose client goes away leaves no key behind. The same observations on both.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { call, grant, keysUnder } from "./raw_call.ts";
import { startEtcd, startTsetcd, type TestServer } from "./servers.ts";

const ENC = new TextEncoder();
const DEC = new TextDecoder();
const servers: TestServer[] = [];

test.before(async () => {
  servers.push(
    ...await Promise.all([startEtcd({ grpc: 33140, peer: 33141 }), startTsetcd({ grpc: 33150, peer: 33151 })]),
  );
});

test.after(async () => {
  for (const server of servers) await server.stop();
});


function lockCall(endpoint: string, name: string, lease: bigint) {
  return call<{ key: Uint8Array }>(endpoint, "/v3lockpb.Lock/Lock", ["LockRequest", { name: ENC.encode(name), lease }], "LockResponse");
}


async function scenario(server: TestServer): Promise<unknown[]> {
  const endpoint = server.grpcEndpoint;
  const seen: unknown[] = [];
  const [a, b, c] = [await grant(endpoint), await grant(endpoint), await grant(endpoint)];
  const first = await lockCall(endpoint, "L", a).answer;
  seen.push(["first", first.status, DEC.decode(first.response!.key) === `L/${a.toString(16)}`]);
  const second = lockCall(endpoint, "L", b);
  let secondDone = false;
  void second.answer.then(() => (secondDone = true));
  await Bun.sleep(500);
  seen.push(["second waits", secondDone]);
  const unlocked = await call(endpoint, "/v3lockpb.Lock/Unlock", ["UnlockRequest", { key: first.response!.key }], "UnlockResponse").answer;
  seen.push(["unlock", unlocked.status]);
  const got = await second.answer;
  seen.push(["second", got.status, DEC.decode(got.response!.key) === `L/${b.toString(16)}`]);
  // A third waits behind the second, then its client goes away: its key must not stay.
  const third = lockCall(endpoint, "L", c);
  await Bun.sleep(300);
  third.session.destroy();
  await third.answer;
  await Bun.sleep(300);
  seen.push(["after the waiter left", await keysUnder(endpoint, "L/")].map((x) => (Array.isArray(x) ? x.length : x)));
  const bad = await lockCall(endpoint, "M", 12345n).answer;
  seen.push(["unknown lease", bad.status, bad.message]);
  return seen;
}

test("Lock and Unlock over gRPC: the same observations on etcd 3.4 and tsetcd", async () => {
  const onEtcd = await scenario(servers[0]!);
  const onTsetcd = await scenario(servers[1]!);
  assert.equal(onTsetcd, onEtcd);
  assert.equal(onEtcd, [
    ["first", "0", true],
    ["second waits", false],
    ["unlock", "0"],
    ["second", "0", true],
    ["after the waiter left", 1],
    ["unknown lease", "2", "etcdserver: requested lease not found"], // Unknown: etcd's lock server is a clientv3 client
  ]);
});

test.run();
