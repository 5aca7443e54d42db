/**
 * gRPC over TLS: an https --listen-client-urls with --cert-file/--key-file/--trusted-ca-file and
 * --client-cert-auth serves etcdctl 3.4 with the test certificates (ALPN h2) exactly as etcd 3.4 does, and
 * refuses a client without a certificate as etcd does; the HTTP-only URL stays plain HTTP.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { join } from "node:path";
import { TLS_FIXTURES } from "../helpers/etcd.ts";
import { etcdctl, startEtcd, startTsetcd, type TestServer } from "./servers.ts";

const servers: TestServer[] = [];

test.before(async () => {
  servers.push(
    ...await Promise.all([
      startEtcd({ grpc: 33300, peer: 33301 }, { tls: true }),
      startTsetcd({ grpc: 33310, peer: 33311, http: 33312 }, { tls: true }),
    ]),
  );
});

test.after(async () => {
  for (const server of servers) await server.stop();
});

test("etcdctl with the client certificate: put, get and a txn as on etcd; without one: refused as on etcd", async () => {
  const outcomes: string[][] = [];
  for (const server of servers) {
    const endpoint = `https://${server.grpcEndpoint}`;
    const put = await etcdctl(endpoint, ["put", "secure", "yes"], { tls: true });
    const get = await etcdctl(endpoint, ["get", "secure", "-w", "fields"], { tls: true });
    const txn = await etcdctl(endpoint, ["txn"], { tls: true, stdin: 'value("secure") = "yes"\n\nget secure\n\n\n' });
    // Trusts the server, presents no certificate: --client-cert-auth must refuse it.
    const bare = await etcdctl(endpoint, ["--cacert", join(TLS_FIXTURES, "ca.pem"), "--dial-timeout=1s", "--command-timeout=2s", "get", "secure"]);
    const fields = get.stdout.split("\n").filter((line) => /"(Key|Value|Count|More|Revision)"/.test(line));
    outcomes.push([put.stdout, String(put.code), fields.join("\n"), txn.stdout, String(bare.code), bare.stdout, lastLine(bare.stderr)]);
  }
  assert.equal(outcomes[1], outcomes[0]);
  assert.equal(outcomes[0]!.slice(0, 2), ["OK\n", "0"]);
  assert.match(outcomes[0]![2]!, /"Value" : "yes"/);
  assert.is(outcomes[0]![4], "1"); // no client certificate: no connection
  // The HTTP-only URL stays plain HTTP beside the TLS gRPC one.
  const plain = await fetch(`${servers[1]!.httpUrl}/v3/kv/range`, { method: "POST", body: '{"key":"c2VjdXJl"}' });
  assert.match(await plain.text(), /"value":"eWVz"/);
});

function lastLine(text: string): string {
  return text.trim().split("\n").at(-1) ?? "";
}

test.run();
