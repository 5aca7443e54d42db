/**
 * The client over TLS against a fake member: Bun.serve with the test certificates, asking every client for
 * a certificate signed by test/fixtures/tls/ca.pem (etcd's --client-cert-auth), answering range, put and
 * watch in CBOR from an in-memory map. Also the endpoint scheme rules and the fetch adapter, as pure functions.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { endpointUrl } from "../../src/client/keys.ts";
import { connect } from "../../src/client/mod.ts";
import { tlsFetchInit } from "../../src/client/tls_fetch.ts";
import { watch } from "../../src/client/watch.ts";
import { decodeCborValue, encodeCbor } from "../../src/codec/cbor.ts";
import { EtcdError } from "../../src/codec/errors.ts";
import { encodeFrame } from "../../src/codec/frames.ts";
import { EventType } from "../../src/codec/messages.ts";
import type { TlsClientMaterial } from "../../src/tls/material.ts";

const FIXTURES = join(import.meta.dir, "../fixtures/tls");
const pem = (name: string): string => readFileSync(join(FIXTURES, name), "utf8");
const CA = pem("ca.pem");
const CLIENT = { cert: pem("client.pem"), key: pem("client-key.pem") };
const OTHER = { cert: pem("other.pem"), key: pem("other-key.pem") };
const OTHER_CA = pem("other-ca.pem");

/** Short deadlines: a refused handshake must end the call by the command timeout, never hang. */
const COMMAND_TIMEOUT_MS = 1_000;
const DIAL_TIMEOUT_MS = 300;
/** How far past the command timeout a failing call may still be running (scheduling slack). */
const SLACK_MS = 2_000;

const ENCODER = new TextEncoder();
const DECODER = new TextDecoder();

interface Fake {
  port: number;
  /** Requests that reached the fetch handler, i.e. passed the TLS handshake. */
  served: number;
  stop(): void;
}

const header = (revision: number) => ({ cluster_id: 1n, member_id: 2n, revision, raft_term: 1 });

function cbor(value: unknown): Response {
  return new Response(encodeCbor(value), { headers: { "content-type": "application/cbor" } });
}

/** One created response and one PUT event of `key`, as the watch route frames them, then the end. */
function watchBody(key: Uint8Array, value: Uint8Array, revision: number): Uint8Array[] {
  const created = { header: header(revision), watch_id: 0, created: true, events: [] };
  const kv = { key, value, create_revision: revision + 1, mod_revision: revision + 1, version: 1 };
  const event = { header: header(revision + 1), watch_id: 0, events: [{ type: EventType.PUT, kv }] };
  return [encodeFrame(encodeCbor(created)), encodeFrame(encodeCbor(event))];
}

/** A fake member. `tls: false` serves plaintext; otherwise TLS with client-certificate authentication. */
function startFake(options: { tls: boolean } = { tls: true }): Fake {
  const store = new Map<string, Uint8Array>();
  let revision = 1;
  const fake: Fake = { port: 0, served: 0, stop: () => {} };
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    ...(options.tls
      ? { tls: { cert: pem("server.pem"), key: pem("server-key.pem"), ca: CA, requestCert: true, rejectUnauthorized: true } }
      : {}),
    async fetch(request) {
      fake.served += 1;
      const path = new URL(request.url).pathname;
      if (path === "/v3/watch") {
        // The watch request body stays open (the client sends on it later): answer without reading it.
        return new Response(new Blob(watchBody(ENCODER.encode("w"), ENCODER.encode("v"), revision)), {
          headers: { "content-type": "application/cbor" },
        });
      }
      const bytes = new Uint8Array(await request.arrayBuffer());
      const body = (bytes.length === 0 ? {} : decodeCborValue(bytes)) as Record<string, Uint8Array>;
      if (path === "/v3/kv/put") {
        store.set(DECODER.decode(body.key), body.value!);
        revision += 1;
        return cbor({ header: header(revision) });
      }
      if (path === "/v3/kv/range") {
        const value = store.get(DECODER.decode(body.key));
        const kvs = value === undefined ? [] : [{ key: body.key, value, create_revision: 2, mod_revision: 2, version: 1 }];
        return cbor({ header: header(revision), kvs, count: kvs.length });
      }
      return new Response("not found", { status: 404 });
    },
  });
  fake.port = server.port!;
  fake.stop = () => void server.stop(true);
  return fake;
}

function clientOf(endpoint: string, tls: TlsClientMaterial | undefined) {
  const options = { endpoints: [endpoint], commandTimeoutMs: COMMAND_TIMEOUT_MS, dialTimeoutMs: DIAL_TIMEOUT_MS };
  return connect(tls === undefined ? options : { ...options, tls });
}

/** Runs `call`, which must fail with an EtcdError before the command timeout plus slack. */
async function assertFailsInTime(call: () => Promise<unknown>): Promise<EtcdError> {
  const startMs = Date.now();
  try {
    await call();
  } catch (error) {
    const elapsedMs = Date.now() - startMs;
    assert.ok(elapsedMs < COMMAND_TIMEOUT_MS + SLACK_MS, `failed only after ${elapsedMs} ms`);
    assert.instance(error, EtcdError);
    return error as EtcdError;
  }
  assert.unreachable("the call succeeded");
  throw new Error("unreachable");
}

test("endpoint schemes: http plain, https TLS, host:port TLS only when the client has TLS", () => {
  assert.is(endpointUrl("127.0.0.1:2379"), "http://127.0.0.1:2379");
  assert.is(endpointUrl("127.0.0.1:2379", { secure: false }), "http://127.0.0.1:2379");
  assert.is(endpointUrl("127.0.0.1:2379", { secure: true }), "https://127.0.0.1:2379");
  assert.is(endpointUrl("http://127.0.0.1:2379", { secure: true }), "http://127.0.0.1:2379");
  assert.is(endpointUrl("https://127.0.0.1:2379/", { secure: false }), "https://127.0.0.1:2379");
  assert.is(endpointUrl("[::1]:2379", { secure: true }), "https://[::1]:2379");
});

test("tlsFetchInit: nothing without material; Bun's tls option with it", () => {
  assert.equal(tlsFetchInit(undefined), {});
  assert.equal(tlsFetchInit({}), { tls: { rejectUnauthorized: true } });
  assert.equal(tlsFetchInit({ ca: "A", ...{ cert: "C", key: "K" } }), {
    tls: { rejectUnauthorized: true, ca: "A", cert: "C", key: "K" },
  });
  assert.equal(tlsFetchInit({ insecureSkipVerify: true }), { tls: { rejectUnauthorized: false } });
  assert.throws(() => tlsFetchInit({ cert: "C" }), /needs its key/);
  assert.throws(() => connect({ endpoints: ["127.0.0.1:1"], tls: { key: "K" } }), /needs its key/);
});

test("ca + client certificate: put and get over TLS, bare and https:// endpoints", async () => {
  const fake = startFake();
  try {
    for (const endpoint of [`127.0.0.1:${fake.port}`, `https://127.0.0.1:${fake.port}`, `https://localhost:${fake.port}`]) {
      const client = clientOf(endpoint, { ca: CA, ...CLIENT });
      await client.put("foo", endpoint);
      const { kvs } = await client.get("foo");
      assert.is(DECODER.decode(kvs[0]!.value), endpoint);
    }
  } finally {
    fake.stop();
  }
});

test("no client certificate: refused by the server, an error by the command timeout", async () => {
  const fake = startFake();
  try {
    await assertFailsInTime(() => clientOf(`127.0.0.1:${fake.port}`, { ca: CA }).get("foo"));
    await assertFailsInTime(() => clientOf(`127.0.0.1:${fake.port}`, { ca: CA }).put("foo", "bar"));
    await assertFailsInTime(() => clientOf(`127.0.0.1:${fake.port}`, { ca: CA, ...OTHER }).get("foo"));
    assert.is(fake.served, 0);
  } finally {
    fake.stop();
  }
});

test("server certificate not signed by the trusted CA: an error by the command timeout", async () => {
  const fake = startFake();
  try {
    const error = await assertFailsInTime(() => clientOf(`127.0.0.1:${fake.port}`, { ca: OTHER_CA, ...CLIENT }).get("foo"));
    assert.is(error.message, "context deadline exceeded");
    await assertFailsInTime(() => clientOf(`https://127.0.0.1:${fake.port}`, undefined).get("foo")); // system roots
    await assertFailsInTime(() => clientOf(`127.0.0.1:${fake.port}`, { ca: "", ...CLIENT }).put("foo", "bar"));
    assert.is(fake.served, 0);
  } finally {
    fake.stop();
  }
});

test("insecureSkipVerify with a client certificate: any server certificate is accepted", async () => {
  const fake = startFake();
  try {
    const client = clientOf(`127.0.0.1:${fake.port}`, { insecureSkipVerify: true, ...CLIENT });
    await client.put("k", "v");
    assert.is(DECODER.decode((await client.get("k")).kvs[0]!.value), "v");
  } finally {
    fake.stop();
  }
});

test("http:// stays plaintext with TLS material; a bare endpoint with material speaks TLS", async () => {
  const plain = startFake({ tls: false });
  try {
    const client = clientOf(`http://127.0.0.1:${plain.port}`, { ca: CA, ...CLIENT });
    await client.put("p", "1");
    assert.is((await client.get("p")).count, 1);
    await assertFailsInTime(() => clientOf(`127.0.0.1:${plain.port}`, { ca: CA, ...CLIENT }).get("p"));
    assert.is((await clientOf(`127.0.0.1:${plain.port}`, undefined).get("p")).count, 1);
  } finally {
    plain.stop();
  }
});

test("watch streams carry the client's TLS material", async () => {
  const fake = startFake();
  const stop = new AbortController();
  try {
    const client = clientOf(`127.0.0.1:${fake.port}`, { ca: CA, ...CLIENT });
    const events = [];
    for await (const event of watch(client, "w", { signal: stop.signal, maxReconnects: 3 })) {
      events.push(event);
      stop.abort();
    }
    assert.is(events.length, 1);
    assert.is(DECODER.decode(events[0]!.kv.key), "w");
  } finally {
    stop.abort();
    fake.stop();
  }
});

test.run();
