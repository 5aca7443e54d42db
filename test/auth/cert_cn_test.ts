/**
 * --client-cert-auth: with auth enabled, a gRPC call that carries no token runs as the user its verified
 * client certificate names (its CN, "client" for the test certificate), as etcd 3.4 does; a token, when
 * present, wins. The same calls on etcd 3.4 and tsetcd, answers compared.
 *
 * The gateway never runs a call as the certificate's CN: etcd 3.4 refuses every /v3/ gateway request whose
 * verified certificate has a CN once auth is on (HTTP 400, "CommonName of client sending a request against
 * gateway will be ignored and not used as expected", token or not: embed/serve.go's accessController).
 * tsetcd's TLS gateway cannot see the peer certificate (Bun.serve behind the front's splice), so it cannot
 * refuse by CN: it serves the request as its token says and, without one, as no user. Both are pinned.
 * Ports 28140–28143.
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
    ["tsetcd", await startTsetcd({ grpc: 28142, peer: 28143 }, { tls: true, extraArgs })],
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

/** A gateway range over TLS with the "client" certificate: its status and body. */
async function gatewayRange(server: TestServer, key: string, token?: string): Promise<string> {
  const response = await fetch(`${server.httpUrl}/v3/kv/range`, {
    method: "POST",
    headers: token === undefined ? {} : { authorization: token },
    body: JSON.stringify({ key: Buffer.from(key).toString("base64") }),
    signal: AbortSignal.timeout(5_000),
    tls: testFetchTls(),
  } as RequestInit);
  const text = await response.text();
  return `${response.status} ${text.startsWith("{") ? String((JSON.parse(text) as { message?: string }).message ?? "ok") : text}`;
}

test("the gateway never runs a call as the certificate's CN (etcd refuses a CN certificate outright)", async () => {
  const refusal = "400 CommonName of client sending a request against gateway will be ignored and not used as expected\n";
  const answers: Record<string, string[]> = {};
  for (const [name, server] of servers) {
    assert.ok(server.httpUrl.startsWith("https:"), `${name}'s gateway is on the TLS client URL`);
    const target: Target = { httpUrl: server.httpUrl, grpcEndpoint: server.grpcEndpoint, tls: testFetchTls() };
    const root = String((await send("grpc", target, AuthRpcs.authenticate("root", "rootpw"))).response!.token);
    // "client" may read /a../c again: over gRPC its certificate alone is enough, over the gateway never.
    assert.is((await send("grpc", target, AuthRpcs.grantRole("client", "ra"), root)).message, "ok");
    assert.is((await send("grpc", target, KvRpcs.range("/b"))).message, "ok", `${name}: gRPC runs as the CN`);
    answers[name] = [await gatewayRange(server, "/b"), await gatewayRange(server, "/b", root)];
  }
  assert.equal(answers.etcd, [refusal, refusal]);
  assert.equal(answers.tsetcd, ["400 etcdserver: user name is empty", "200 ok"]);
});

test.run();
