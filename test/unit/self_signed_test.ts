/**
 * The --auto-tls certificate generator: what it makes parses as X.509 v3, names the hosts asked for (IPv4,
 * IPv6 with and without brackets, DNS), signs itself, matches its key, lasts the validity asked for, and a
 * TLS server using it completes handshakes with a client that trusts it.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createPrivateKey, X509Certificate } from "node:crypto";
import { createSelfSigned } from "../../src/tls/self_signed.ts";

const DAY_MS = 86_400_000;

test("names the hosts, signs itself, matches its key, lasts as long as asked", async () => {
  const now = new Date("2026-01-02T03:04:05Z");
  const pair = await createSelfSigned({ hosts: ["127.0.0.1", "[::1]", "fe80::1:2", "node-a.example"], now, validityDays: 30 });
  const cert = new X509Certificate(pair.cert);
  assert.is(
    cert.subjectAltName,
    "IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, IP Address:FE80:0:0:0:0:0:1:2, DNS:node-a.example",
  );
  assert.is(cert.checkIP("127.0.0.1"), "127.0.0.1");
  assert.is(cert.checkHost("node-a.example"), "node-a.example");
  assert.is(cert.checkHost("other.example"), undefined);
  assert.is(cert.subject, "O=etcd");
  assert.is(cert.issuer, "O=etcd");
  assert.ok(cert.verify(cert.publicKey), "not signed by its own key");
  assert.ok(cert.checkPrivateKey(createPrivateKey(pair.key)), "the key does not match the certificate");
  assert.is(Date.parse(cert.validFrom), Math.floor(now.getTime() / 1000) * 1000);
  assert.is(Date.parse(cert.validTo) - Date.parse(cert.validFrom), 30 * DAY_MS);
  assert.is(cert.ca, false);
  assert.equal(cert.keyUsage?.sort(), ["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"]);
});

test("every pair is new: different keys and serial numbers", async () => {
  const [a, b] = await Promise.all([createSelfSigned({ hosts: ["localhost"] }), createSelfSigned({ hosts: ["localhost"] })]);
  assert.is.not(a.key, b.key);
  assert.is.not(new X509Certificate(a.cert).serialNumber, new X509Certificate(b.cert).serialNumber);
  const validity = Date.parse(new X509Certificate(a.cert).validTo) - Date.now();
  assert.ok(Math.abs(validity - 365 * DAY_MS) < 60_000, `default validity ${validity} ms`);
});

test("a TLS server with it completes a handshake with a client that trusts it", async () => {
  const pair = await createSelfSigned({ hosts: ["127.0.0.1"] });
  const server = Bun.serve({ hostname: "127.0.0.1", port: 0, tls: { cert: pair.cert, key: pair.key }, fetch: () => new Response("ok") });
  try {
    const url = `https://127.0.0.1:${server.port}/`;
    const trusted = await fetch(url, { tls: { ca: pair.cert } } as RequestInit);
    assert.is(await trusted.text(), "ok");
    let refused = false;
    await fetch(url, { tls: { ca: (await createSelfSigned({ hosts: ["127.0.0.1"] })).cert } } as RequestInit)
      .catch(() => (refused = true));
    assert.ok(refused, "a client trusting another certificate completed the handshake");
  } finally {
    server.stop(true);
  }
});

test("refuses an unbounded list of hosts", async () => {
  let message = "";
  await createSelfSigned({ hosts: Array.from({ length: 65 }, (_, i) => `h${i}`) }).catch((e) => (message = e.message));
  assert.match(message, "at most 64");
});

test.run();
