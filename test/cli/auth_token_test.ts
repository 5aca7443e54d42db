/**
 * The client's token handling against a fake gateway on loopback (deterministic, no real server): one
 * Authenticate shared by concurrent calls, the token in the Authorization header, one refresh and one
 * retry when the server refuses a stale token (and no more), a wrong password as AuthenticationError,
 * auth disabled meaning no token, a watch that reconnects with a fresh token, and the switch to gateway
 * JSON when a server answers a CBOR request in JSON (etcd's gateway).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { decodeCborValue, encodeCbor } from "../../src/codec/cbor.ts";
import { encodeFrame } from "../../src/codec/frames.ts";
import { AuthClient } from "../../src/client/auth.ts";
import { connect } from "../../src/client/mod.ts";
import { AuthenticationError } from "../../src/client/token.ts";

const PORT = 28540;
const ENDPOINT = `127.0.0.1:${PORT}`;
const HEADER = { cluster_id: 1n, member_id: 2n, revision: 5, raft_term: 1 };

/** The fake's knobs and what it saw. */
const fake = {
  authEnabled: true,
  /** Tokens the fake accepts; a token leaves this set to become stale. */
  valid: new Set<string>(),
  issued: 0,
  authenticates: 0,
  /** Every Authorization header of a non-Authenticate request ("-" when absent). */
  seen: [] as string[],
  /** Refuse every token (a server that keeps saying the token is invalid). */
  refuseAll: false,
  /** Refuse a stale token as a JWT server does after an auth change (400, old revision) instead of 401. */
  oldRevision: false,
  /** Answer in JSON only, as etcd's gateway (which cannot read CBOR). */
  jsonOnly: false,
  bodies: [] as string[],
};

function reset(): void {
  Object.assign(fake, { authEnabled: true, issued: 0, authenticates: 0, refuseAll: false, oldRevision: false, jsonOnly: false });
  fake.valid.clear();
  fake.seen.length = 0;
  fake.bodies.length = 0;
}

function cbor(status: number, value: unknown): Response {
  return new Response(encodeCbor(value), { status, headers: { "content-type": "application/cbor" } });
}

function error(status: number, code: number, message: string): Response {
  return cbor(status, { error: message, message, code });
}

async function handleAuthenticate(request: Request, json: boolean): Promise<Response> {
  fake.authenticates += 1;
  const body = new Uint8Array(await request.arrayBuffer());
  const { password } = (json ? JSON.parse(new TextDecoder().decode(body)) : decodeCborValue(body)) as { password: string };
  if (!fake.authEnabled) return error(412, 9, "etcdserver: authentication is not enabled");
  if (password === "bad") return error(400, 3, "etcdserver: authentication failed, invalid user ID or password");
  const token = `tok${++fake.issued}`;
  fake.valid.add(token);
  if (json) return new Response(JSON.stringify({ header: { revision: "5" }, token }), { headers: { "content-type": "application/json" } });
  return cbor(200, { header: HEADER, token });
}

/** A watch stream: created and one event for a valid token; canceled "permission denied" otherwise. */
function watchStream(token: string | null): Response {
  const frames = token !== null && fake.valid.has(token)
    ? [
      { header: HEADER, watch_id: 0, created: true, events: [] },
      { header: HEADER, watch_id: 0, events: [{ type: 0, kv: { key: new TextEncoder().encode("k"), value: new TextEncoder().encode("v"), mod_revision: 6, create_revision: 6, version: 1 } }] },
    ]
    : [{ header: HEADER, watch_id: 0, created: true, canceled: true, cancel_reason: "etcdserver: permission denied", events: [] }];
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const frame of frames) controller.enqueue(encodeFrame(encodeCbor(frame)));
    },
  });
  return new Response(body, { headers: { "content-type": "application/cbor" } });
}

const server = Bun.serve({
  port: PORT,
  hostname: "127.0.0.1",
  async fetch(request) {
    const path = new URL(request.url).pathname;
    if (fake.jsonOnly && request.headers.get("content-type") !== "application/json") {
      fake.bodies.push(`cbor ${path}`);
      await request.arrayBuffer();
      const message = "invalid character '\\u00a2' looking for beginning of value";
      return new Response(JSON.stringify({ error: message, message, code: 3 }), { status: 400, headers: { "content-type": "application/json" } });
    }
    if (path === "/v3/auth/authenticate") return await handleAuthenticate(request, fake.jsonOnly);
    const token = request.headers.get("authorization");
    fake.seen.push(token ?? "-");
    if (path === "/v3/watch") return watchStream(token);
    if (fake.jsonOnly) fake.bodies.push(`json ${path} ${await request.text()}`);
    if (fake.authEnabled && (token === null || !fake.valid.has(token) || fake.refuseAll)) {
      if (token === null) return error(400, 3, "etcdserver: user name is empty");
      if (fake.oldRevision) return error(400, 3, "etcdserver: revision of auth store is old");
      return error(401, 16, "etcdserver: invalid auth token");
    }
    if (fake.jsonOnly) {
      return new Response(JSON.stringify({ header: { revision: "5" }, users: ["root"] }), { headers: { "content-type": "application/json" } });
    }
    return cbor(200, { header: HEADER, kvs: [], count: 0, users: ["root"] });
  },
});

test("concurrent calls share one Authenticate and all carry its token", async () => {
  reset();
  const client = connect({ endpoints: [ENDPOINT], username: "u", password: "p" });
  await Promise.all([client.get("a"), client.get("b"), client.get("c"), client.get("d")]);
  assert.is(fake.authenticates, 1);
  assert.equal(fake.seen, ["tok1", "tok1", "tok1", "tok1"]);
});

test("a stale token is refreshed once and the call retried with the new one", async () => {
  reset();
  const client = connect({ endpoints: [ENDPOINT], username: "u", password: "p" });
  await client.get("a");
  fake.valid.clear(); // the server forgot it (TTL ran out, password changed…)
  const response = await client.get("a");
  assert.is(response.count, 0);
  assert.is(fake.authenticates, 2);
  assert.equal(fake.seen, ["tok1", "tok1", "tok2"]);
});

test("a token from before an auth change (JWT: revision of auth store is old) is refreshed the same way", async () => {
  reset();
  fake.oldRevision = true;
  const client = connect({ endpoints: [ENDPOINT], username: "u", password: "p" });
  await client.get("a");
  fake.valid.clear();
  await client.get("a");
  assert.is(fake.authenticates, 2);
  assert.equal(fake.seen, ["tok1", "tok1", "tok2"]);
});

test("a second refusal after the refresh is the caller's error: no loop", async () => {
  reset();
  const client = connect({ endpoints: [ENDPOINT], username: "u", password: "p" });
  fake.refuseAll = true;
  try {
    await client.get("a");
    assert.unreachable("the call must fail");
  } catch (err) {
    assert.is((err as Error).message, "etcdserver: invalid auth token");
  }
  assert.is(fake.authenticates, 2);
  assert.equal(fake.seen, ["tok1", "tok2"]);
});

test("a wrong password fails the call with AuthenticationError and etcd's message", async () => {
  reset();
  const client = connect({ endpoints: [ENDPOINT], username: "u", password: "bad" });
  try {
    await client.get("a");
    assert.unreachable("authentication must fail");
  } catch (err) {
    assert.instance(err, AuthenticationError);
    assert.is((err as Error).message, "etcdserver: authentication failed, invalid user ID or password");
  }
  assert.equal(fake.seen, []);
});

test("auth disabled on the server: no token is sent; no credentials: no Authenticate at all", async () => {
  reset();
  fake.authEnabled = false;
  await connect({ endpoints: [ENDPOINT], username: "u", password: "p" }).get("a");
  assert.is(fake.authenticates, 1);
  await connect({ endpoints: [ENDPOINT] }).get("a");
  await connect({ endpoints: [ENDPOINT], username: "u", password: "" }).get("a");
  assert.is(fake.authenticates, 1);
  assert.equal(fake.seen, ["-", "-", "-"]);
});

test("a watch refused for a stale token reconnects once with a fresh token and delivers events", async () => {
  reset();
  const client = connect({ endpoints: [ENDPOINT], username: "u", password: "p" });
  await client.get("a");
  fake.valid.clear();
  const controller = new AbortController();
  const events = [];
  for await (const event of client.watch("k", { signal: controller.signal, maxReconnects: 3 })) {
    events.push(event);
    controller.abort();
  }
  assert.is(events.length, 1);
  assert.is(new TextDecoder().decode(events[0]!.kv.value), "v");
  assert.is(fake.authenticates, 2);
  assert.equal(fake.seen, ["tok1", "tok1", "tok2"]);
});

test("a watch refused twice in a row ends with etcd's error instead of retrying forever", async () => {
  reset();
  const client = connect({ endpoints: [ENDPOINT], username: "u", password: "p" });
  await client.get("a");
  fake.refuseAll = true;
  fake.valid.clear();
  const original = fake.valid.add.bind(fake.valid);
  fake.valid.add = () => fake.valid; // tokens issued now are never valid
  try {
    for await (const _event of client.watch("k", { maxReconnects: 3 })) assert.unreachable("no event may arrive");
    assert.unreachable("the watch must fail");
  } catch (err) {
    assert.is((err as Error).message, "etcdserver: permission denied");
  } finally {
    fake.valid.add = original;
  }
  assert.is(fake.authenticates, 2);
});

test("a server that answers CBOR in JSON (etcd's gateway) gets the request again in gateway JSON", async () => {
  reset();
  fake.jsonOnly = true;
  const client = connect({ endpoints: [ENDPOINT], username: "u", password: "p" });
  const users = await new AuthClient(client).userList();
  assert.equal(users.users, ["root"]);
  assert.is(users.header.revision, 5);
  assert.is(fake.authenticates, 1);
  // Authenticate went in CBOR, was refused in JSON, went again in JSON; every later call is JSON at once.
  assert.equal(fake.bodies, ["cbor /v3/auth/authenticate", "json /v3/auth/user/list {}"]);
  assert.equal(fake.seen, ["tok1"]);
});

test("fake server stops", () => {
  server.stop(true);
  assert.ok(true);
});

test.run();
