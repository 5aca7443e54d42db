/**
 * --client-cert-auth: with auth enabled, a gRPC call that carries no token runs as the user its verified
 * client certificate names (its CN, "client" for the test certificate), as etcd 3.4 does; a token, when
 * present, wins. The same calls on etcd 3.4 and tsetcd, answers compared. Ports 28140–28144.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { testFetchTls } from "../helpers/etcd.ts";
import { startEtcd, startTsetcd, type TestServer } from "../grpc/servers.ts";
import { AuthRpcs, closeSessions, KvRpcs, READ, send, type Target } from "./matrix.ts";

const servers: [string, TestServer][] = [];

test.before(async () => {
  const extraArgs = ["--bcrypt-cost", "4"];
  servers.push(
    ["etcd", await startEtcd({ grpc: 28140, peer: 28141 }, { tls: true, extraArgs })],
    ["tsetcd", await startTsetcd({ grpc: 28142, peer: 28143, http: 28144 }, { tls: true, extraArgs })],
  );
});

test.after(async () => {
  closeSessions();
  for (const [, server] of servers) await server.stop();
});

test("a token-less gRPC call runs as its certificate's CN; a token wins", async () => {
  const seen: Record<string, string[]> = {};
  for (const [name, server] of servers) {
    const target: Target = { httpUrl: server.httpUrl, grpcEndpoint: server.grpcEndpoint, tls: testFetchTls() };
    const answer = async (rpc: Parameters<typeof send>[2], token?: string): Promise<string> =>
      (await send("grpc", target, rpc, token)).message;
    for (const rpc of [
      AuthRpcs.userAdd("root", "rootpw"),
      AuthRpcs.grantRole("root", "root"),
      AuthRpcs.roleAdd("ra"),
      AuthRpcs.grantPermission("ra", READ, "/a", "/c"),
      AuthRpcs.userAdd("client", "clientpw"),
      AuthRpcs.grantRole("client", "ra"),
      AuthRpcs.enable(),
    ]) assert.is(await answer(rpc), "ok", `${name} ${rpc.grpc}`);
    const root = String((await send("grpc", target, AuthRpcs.authenticate("root", "rootpw"))).response!.token);
    seen[name] = [
      await answer(KvRpcs.range("/b")),
      await answer(KvRpcs.range("/z")),
      await answer(KvRpcs.put("/b")),
      await answer(AuthRpcs.userList()),
      await answer(KvRpcs.put("/z"), root),
      await answer(AuthRpcs.revokeRole("client", "ra"), root),
      await answer(KvRpcs.range("/b")),
    ];
  }
  assert.equal(seen.tsetcd, ["ok", "etcdserver: permission denied", "etcdserver: permission denied",
    "etcdserver: permission denied", "ok", "ok", "etcdserver: permission denied"]);
  assert.equal(seen.tsetcd, seen.etcd);
});

test.run();
