/**
 * The peer transport over TLS on loopback: Raft, snapshot and request channels with mutual TLS, and the
 * certificates it must refuse (an untrusted client, an untrusted server) without delivering or crashing.
 * Certificates come from test/fixtures/tls (server.pem is every member's peer certificate).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { connect as connectTcp } from "node:net";
import { connect as connectTls } from "node:tls";
import { makeMessage, type Message, MessageType } from "../../src/raft/types.ts";
import { dialerMaterial, type TlsClientMaterial, type TlsServerMaterial } from "../../src/tls/material.ts";
import { createRequestTransport, createTransport, type PeerTls } from "../../src/transport/mod.ts";
import { formatPeerUrl, parsePeerUrl } from "../../src/transport/url.ts";
import { closeAll, type Member, mesh, sleep, startMember, waitFor } from "../transport/helpers.ts";

const HTTPS_ANY_PORT = "https://127.0.0.1:0";
/** How long a refused peer is watched for a delivery that must not come. */
const NO_DELIVERY_MS = 1_500;

function pem(name: string): string {
  return readFileSync(new URL(`../fixtures/tls/${name}`, import.meta.url), "utf8");
}

const CA = pem("ca.pem");
const MEMBER_SERVER: TlsServerMaterial = {
  cert: pem("server.pem"),
  key: pem("server-key.pem"),
  ca: CA,
  clientCertAuth: true,
};

/** A member's material as the server wires it: its peer cert both ways, trusting the test CA. */
function memberTls(client: TlsClientMaterial = dialerMaterial(MEMBER_SERVER)): PeerTls {
  return { server: MEMBER_SERVER, client };
}

function app(from: bigint, to: bigint, index: number): Message {
  return makeMessage({ type: MessageType.App, from, to, term: 1, index, entries: [] });
}

function snapMessage(from: bigint, to: bigint, sizeBytes: number): Message {
  const data = new Uint8Array(sizeBytes);
  for (let i = 0; i < sizeBytes; i += 1024) data[i] = (i / 1024) & 0xff;
  return makeMessage({
    type: MessageType.Snap,
    from,
    to,
    term: 2,
    snapshot: { data, metadata: { index: 500, term: 2, confState: { voters: [from, to], learners: [] } } },
  });
}

function assertInOrder(received: Message[], from: bigint, count: number): void {
  const mine = received.filter((m) => m.from === from);
  assert.is(mine.length, count);
  for (let i = 0; i < count; i++) {
    if (mine[i].index !== i) assert.unreachable(`message ${i} from ${from} arrived as ${mine[i].index}`);
  }
}

/** The subject CN of the certificate whoever listens at `url` presents, proving it speaks TLS. */
function presentedCommonName(url: string): Promise<string> {
  const { host, port } = parsePeerUrl(url);
  return new Promise((resolve, reject) => {
    const socket = connectTls({ host, port, ca: CA, cert: MEMBER_SERVER.cert, key: MEMBER_SERVER.key });
    socket.once("secureConnect", () => {
      const cn = socket.getPeerCertificate().subject?.CN;
      socket.destroy();
      resolve(String(cn));
    });
    socket.once("error", reject);
  });
}

async function rejects(p: Promise<unknown>, pattern: RegExp): Promise<void> {
  try {
    await p;
  } catch (err) {
    assert.match(err instanceof Error ? err.message : String(err), pattern);
    return;
  }
  assert.unreachable("expected a rejection");
}

test("two TLS members exchange Raft messages both ways, in order", async () => {
  const a = await startMember(1n, { tls: memberTls() }, HTTPS_ANY_PORT);
  const b = await startMember(2n, { tls: memberTls() }, HTTPS_ANY_PORT);
  try {
    assert.match(a.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.is(await presentedCommonName(b.url), "server");
    mesh([a, b]);
    const total = 2_000;
    for (let sent = 0; sent < total; sent += 100) {
      a.t.send(Array.from({ length: 100 }, (_, i) => app(1n, 2n, sent + i)));
      b.t.send(Array.from({ length: 100 }, (_, i) => app(2n, 1n, sent + i)));
      await sleep(0);
    }
    await waitFor(() => a.received.length === total && b.received.length === total, "all messages", 5_000);
    assertInOrder(b.received, 1n, total);
    assertInOrder(a.received, 2n, total);
    assert.equal(a.unreachable, []);
    assert.equal(a.logs, []);
    assert.equal(b.logs, []);
    assert.ok(a.t.stats().peers[0].connected);
    assert.is(a.t.stats().peers[0].urls[0], b.url);
  } finally {
    await closeAll([a, b]);
  }
});

test("a snapshot stream and request() round-trips work over TLS", async () => {
  const enc = new TextEncoder();
  const dec = new TextDecoder();
  const onRequest = (payload: Uint8Array): Promise<Uint8Array> =>
    Promise.resolve(enc.encode(`hi ${dec.decode(payload)}`));
  const a = await startMember(1n, { tls: memberTls(), snapshotChunkBytes: 64 * 1024 }, HTTPS_ANY_PORT);
  const b = await startMember(2n, { tls: memberTls(), onRequest }, HTTPS_ANY_PORT);
  const asker = createRequestTransport(9n, "test-cluster", memberTls());
  const noMaterial = createRequestTransport(8n, "test-cluster");
  try {
    mesh([a, b]);
    const sizeBytes = 1024 * 1024 + 7;
    a.t.send([snapMessage(1n, 2n, sizeBytes)]);
    await waitFor(() => a.snapshotStatus.length === 1, "snapshot status", 5_000);
    assert.equal(a.snapshotStatus, [{ id: 2n, ok: true }]);
    const got = b.received.find((m) => m.type === MessageType.Snap);
    assert.ok(got !== undefined);
    assert.is(got.snapshot!.data.length, sizeBytes);
    assert.is(got.snapshot!.data[1024 * 9], 9);
    assert.is(got.snapshot!.metadata.index, 500);

    const reply = await a.t.request(b.url, enc.encode("a"), { timeoutMs: 2_000 });
    assert.is(dec.decode(reply), "hi a");
    assert.is(dec.decode(await asker.request(b.url, enc.encode("asker"), { timeoutMs: 2_000 })), "hi asker");
    // Without material the dialer trusts only the system's roots, which never signed the test CA.
    await rejects(noMaterial.request(b.url, enc.encode("x"), { timeoutMs: 2_000 }), /certificate|self.signed/i);
  } finally {
    await Promise.all([asker.close(), noMaterial.close()]);
    await closeAll([a, b]);
  }
});

/**
 * `dialer` (member 1, dialing with `client`) sends to a mutual-TLS listener (member 2) for NO_DELIVERY_MS:
 * nothing may arrive, and the dialer must see the peer as unreachable and keep redialling.
 */
async function assertRefused(client: TlsClientMaterial): Promise<{ dialer: Member; infos: string[] }> {
  const infos: string[] = [];
  const listener = await startMember(2n, { tls: memberTls() }, HTTPS_ANY_PORT);
  const dialer = await startMember(1n, {
    tls: memberTls(client),
    logger: { info: (s) => infos.push(s), warn: (s) => infos.push(`warn: ${s}`) },
  });
  let good: Member | undefined;
  try {
    dialer.t.addPeer(2n, [listener.url]);
    listener.t.addPeer(1n, [dialer.url]);
    const deadline = Date.now() + NO_DELIVERY_MS;
    for (let i = 0; Date.now() < deadline; i++) {
      dialer.t.send([app(1n, 2n, i)]);
      await sleep(20);
    }
    assert.equal(listener.received, [], "a message crossed a refused TLS handshake");
    assert.ok(dialer.unreachable.includes(2n), "onUnreachable did not fire");
    const dials = dialer.t.stats().peers[0].dials;
    assert.ok(dials >= 2, `expected redials, got ${dials}`);
    // The listener still serves a member with the right certificate.
    good = await startMember(3n, { tls: memberTls() });
    listener.t.addPeer(3n, [good.url]);
    good.t.addPeer(2n, [listener.url]);
    good.t.send([app(3n, 2n, 0)]);
    await waitFor(() => listener.received.length === 1, "delivery from a trusted member", 3_000);
    return { dialer, infos };
  } finally {
    await closeAll(good === undefined ? [listener, dialer] : [listener, dialer, good]);
  }
}

test("a dialer presenting a certificate from an untrusted CA never delivers", async () => {
  const client = { ca: CA, cert: pem("other.pem"), key: pem("other-key.pem") };
  const { infos } = await assertRefused(client);
  assert.ok(!infos.some((s) => s.startsWith("warn: ")), infos.join("\n"));
});

test("a dialer that does not trust the listener's CA refuses it, logging once per connection", async () => {
  const client = { ca: pem("other-ca.pem"), cert: MEMBER_SERVER.cert, key: MEMBER_SERVER.key };
  const { dialer, infos } = await assertRefused(client);
  const failures = infos.filter((s) => /connection to 2 at https:.*(certificate|self.signed)/i.test(s));
  const dials = dialer.t.stats().peers[0].dials;
  assert.ok(failures.length >= 1, infos.join("\n"));
  assert.ok(failures.length <= dials, `${failures.length} lines for ${dials} dials`);
});

test("an https listen URL without TLS material fails start(); http with material stays plain", async () => {
  const bare = createTransport({
    memberId: 1n,
    clusterToken: "test-cluster",
    listenUrls: ["http://127.0.0.1:0", HTTPS_ANY_PORT],
    onMessage: () => {},
    onUnreachable: () => {},
    onSnapshotStatus: () => {},
  });
  const expected = "transport: listen URL https://127.0.0.1:0 needs TLS material " +
    "(--peer-cert-file and --peer-key-file)";
  try {
    await rejects(bare.start(), new RegExp(`^${expected.replace(/[.()/-]/g, "\\$&")}$`));
  } finally {
    await bare.close();
  }
  const plainWithMaterial = await startMember(2n, { tls: memberTls() });
  const plain = await startMember(1n);
  try {
    assert.match(plainWithMaterial.url, /^http:\/\//);
    mesh([plain, plainWithMaterial]);
    plain.t.send([app(1n, 2n, 0)]);
    await waitFor(() => plainWithMaterial.received.length === 1, "plain delivery");
  } finally {
    await closeAll([plainWithMaterial, plain]);
  }
});

test("a TLS listener closes a connection that never finishes its handshake", async () => {
  const listener = await startMember(2n, { tls: memberTls(), handshakeTimeoutMs: 200 }, HTTPS_ANY_PORT);
  const { host, port } = parsePeerUrl(listener.url);
  const raw = connectTcp({ host, port });
  raw.on("error", () => {});
  let closed = false;
  raw.on("close", () => (closed = true));
  try {
    await waitFor(() => closed, "the listener to close a silent connection", 2_000);
    assert.equal(listener.received, []);
  } finally {
    raw.destroy(); // else close() would wait for it
    await closeAll([listener]);
  }
});

test("peer URLs: https parses as secure and formats back", () => {
  assert.equal(parsePeerUrl("https://127.0.0.1:12380"), { host: "127.0.0.1", port: 12380, secure: true });
  assert.equal(parsePeerUrl("https://[::1]:2381"), { host: "::1", port: 2381, secure: true });
  assert.equal(parsePeerUrl("https://node1"), { host: "node1", port: 2380, secure: true });
  assert.equal(parsePeerUrl("http://node1:7"), { host: "node1", port: 7 });
  for (const url of ["https://127.0.0.1:12380", "https://[::1]:2381", "http://node1:7"]) {
    assert.is(formatPeerUrl(parsePeerUrl(url)), url);
  }
  assert.throws(() => parsePeerUrl("ftp://a:1"), /http/);
  assert.throws(() => parsePeerUrl("https://a:1/v3"), /path/);
});

test.run();
