import { test } from "uvu";
import * as assert from "uvu/assert";
import { openDatabase } from "../../src/storage/sqlite_bun.ts";
import { decodeMemberContext, encodeMemberContext, MemberRegistry } from "../../src/server/members.ts";
import { PeerSync } from "../../src/server/cluster.ts";

test("member context round-trips; an empty context is the founders'", () => {
  const context = { name: "d", peerURLs: ["http://127.0.0.1:1"], isLearner: true, origin: 2n ** 63n + 5n, requestId: 9 };
  assert.equal(decodeMemberContext(encodeMemberContext(context)), context);
  assert.is(decodeMemberContext(undefined), undefined);
  assert.is(decodeMemberContext(new Uint8Array(0)), undefined);
  assert.throws(() => decodeMemberContext(new Uint8Array([0x01])));
});

test("registry: put, list sorted by id, lookup by peer URL, remove, reload from the table", () => {
  const db = openDatabase(":memory:", { durable: false });
  const registry = new MemberRegistry(db);
  assert.ok(registry.isEmpty());
  registry.put({ ID: 30n, name: "c", peerURLs: ["http://c:1"], clientURLs: [], isLearner: true });
  registry.put({ ID: 10n, name: "a", peerURLs: ["http://a:1"], clientURLs: ["http://a:2"] });
  registry.put({ ID: 2n ** 64n - 1n, name: "max", peerURLs: ["http://m:1"], clientURLs: [] });
  assert.equal(registry.list().map((m) => m.name), ["a", "c", "max"]);
  assert.is(registry.byPeerUrls(["http://x:1", "http://c:1"])?.ID, 30n);
  assert.is(registry.byPeerUrls(["http://nobody:1"]), undefined);
  registry.remove(30n);
  const copy = registry.get(10n)!;
  copy.name = "changed"; // a copy: the registry is not changed through it
  assert.is(registry.get(10n)!.name, "a");
  const again = new MemberRegistry(db);
  assert.equal(again.list(), [
    { ID: 10n, name: "a", peerURLs: ["http://a:1"], clientURLs: ["http://a:2"], isLearner: false },
    { ID: 2n ** 64n - 1n, name: "max", peerURLs: ["http://m:1"], clientURLs: [], isLearner: false },
  ]);
  db.close();
});

test("PeerSync keeps the transport's peers equal to the registry (but this member)", () => {
  const db = openDatabase(":memory:", { durable: false });
  const registry = new MemberRegistry(db);
  const calls: string[] = [];
  const transport = {
    addPeer: (id: bigint, urls: readonly string[]) => calls.push(`add ${id} ${urls.join(",")}`),
    removePeer: (id: bigint) => calls.push(`remove ${id}`),
    updatePeer: (id: bigint, urls: readonly string[]) => calls.push(`update ${id} ${urls.join(",")}`),
  };
  const sync = new PeerSync(1n);
  registry.put({ ID: 1n, name: "me", peerURLs: ["http://me:1"], clientURLs: [] });
  registry.put({ ID: 2n, name: "b", peerURLs: ["http://b:1"], clientURLs: [] });
  sync.sync(transport, registry);
  assert.equal(calls, ["add 2 http://b:1"]);
  sync.sync(transport, registry);
  assert.equal(calls, ["add 2 http://b:1"], "no change, no call");
  registry.put({ ID: 2n, name: "b", peerURLs: ["http://b:9"], clientURLs: [] });
  registry.put({ ID: 3n, name: "c", peerURLs: ["http://c:1"], clientURLs: [] });
  sync.sync(transport, registry);
  assert.equal(calls.slice(1), ["update 2 http://b:9", "add 3 http://c:1"]);
  registry.remove(2n);
  sync.sync(transport, registry);
  assert.equal(calls.slice(3), ["remove 2"]);
  db.close();
});

test.run();
