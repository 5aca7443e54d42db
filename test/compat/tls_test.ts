/**
 * TLS, differential: a real etcd 3.4 and tsetcd started with the same https client URL, cert, trusted CA and
 * --client-cert-auth (the test certificates). Over TLS the same gateway requests get the same normalised
 * answers; etcdctl against etcd and our CLI against tsetcd print the same with --cacert/--cert/--key; and
 * both servers refuse a client without a certificate.
 * etcd missing is a failure, not a skip.
 */
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { runCliCaptured as tsetcd } from "../helpers/cli.ts";
import {
  runEtcdctl as etcdctl,
  type ServerProcess,
  startEtcd,
  startTsetcd,
  testFetchTls,
  TLS_FIXTURES,
} from "../helpers/etcd.ts";
import { normalizeBody } from "./harness.ts";

const REQUEST_TIMEOUT_MS = 5_000;

let etcd: ServerProcess | undefined;
let ours: ServerProcess | undefined;



const CREDENTIALS = [
  `--cacert=${join(TLS_FIXTURES, "ca.pem")}`,
  `--cert=${join(TLS_FIXTURES, "client.pem")}`,
  `--key=${join(TLS_FIXTURES, "client-key.pem")}`,
];

async function post(server: ServerProcess, path: string, body: string, withCert: boolean): Promise<string> {
  const tls = testFetchTls();
  const init = {
    method: "POST",
    body,
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    tls: withCert ? tls : { ca: tls.ca },
  };
  const response = await fetch(server.clientUrl + path, init as RequestInit);
  return `${response.status} ${normalizeBody(await response.text())}`;
}

test.before(async () => {
  [etcd, ours] = await Promise.all([startEtcd({ tls: true }), startTsetcd({ tls: true })]);
});

test.after(async () => {
  await Promise.all([etcd?.stop(), ours?.stop()]);
});

test("both serve https with client-cert-auth", () => {
  assert.match(etcd!.clientUrl, /^https:\/\/127\.0\.0\.1:\d+$/);
  assert.match(ours!.clientUrl, /^https:\/\/127\.0\.0\.1:\d+$/);
});

test("gateway JSON over TLS: the same answers", async () => {
  const requests: [string, string][] = [
    ["/v3/kv/put", '{"key":"dGxz","value":"MQ=="}'],
    ["/v3/kv/range", '{"key":"dGxz"}'],
    ["/v3/kv/put", '{"key":"dGxz","value":"Mg==","prev_kv":true}'],
    ["/v3/kv/deleterange", '{"key":"dGxz","prev_kv":true}'],
    ["/v3/kv/range", '{"key":"dGxz"}'],
    ["/v3/kv/range", "{bad json"],
  ];
  for (const [path, body] of requests) {
    const [real, mine] = await Promise.all([post(etcd!, path, body, true), post(ours!, path, body, true)]);
    assert.is(mine, real, `${path} ${body}`);
  }
});

test("a client without a certificate is refused by both", async () => {
  for (const server of [etcd!, ours!]) {
    let answered = "";
    try {
      answered = await post(server, "/v3/kv/range", '{"key":"dGxz"}', false);
    } catch {
      answered = "refused";
    }
    assert.is(answered, "refused", `${server.name} served a client without a certificate`);
  }
});

test("etcdctl against etcd and tsetcd against tsetcd print the same over TLS", async () => {
  const steps = [
    ["put", "k1", "v1"],
    ["put", "k2", "v2", "--prev-kv"],
    ["get", "k", "--prefix"],
    ["get", "k", "--prefix", "--keys-only", "-w", "fields"],
    ["del", "k", "--prefix"],
    ["get", "k1"],
  ];
  for (const step of steps) {
    const [real, mine] = await Promise.all([
      etcdctl([`--endpoints=${etcd!.clientUrl}`, ...CREDENTIALS, ...step]),
      tsetcd([`--endpoints=${ours!.clientUrl}`, ...CREDENTIALS, ...step]),
    ]);
    const label = step.join(" ");
    const clean = (text: string): string => text.replace(/"(ClusterID|MemberID|RaftTerm)" : \d+/g, '"$1" : <N>');
    assert.is(clean(mine.out), clean(real.out), `stdout of ${label}`);
    assert.is(mine.err, real.err, `stderr of ${label}`);
    assert.is(mine.code, real.code, `exit code of ${label}`);
  }
});

test.run();
