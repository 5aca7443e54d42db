// Leases against a real single-member `tsetcd server` through the CLI: grant, put --lease, timetolive
// --keys, keep-alive --once, list, revoke (keys deleted in one revision, DELETE events on a watch), and
// expiry decided by the leader (keys deleted, DELETE events) — plus the gateway's JSON keep-alive stream.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { connect } from "../../src/client/mod.ts";
import type { Event } from "../../src/codec/messages.ts";
import { EventType } from "../../src/codec/messages.ts";
import { background, Cluster, tsetcd } from "./procs.ts";

/**
 * How much earlier than its TTL a lease may be seen to expire. The test reads the time before it starts the
 * grant command, and the server starts the lease's clock only when the grant applies, on the same host's
 * monotonic clock — so a correct server is never early, and this covers only the rounding of the two
 * timestamps. It is half a heartbeat (100 ms): a lessor that expired a lease even one tick early fails.
 */
const EARLY_EXPIRY_TOLERANCE_MS = 50;

let cluster: Cluster;
let endpoints: string[];
/** A gateway watch stream left quiet through the whole file: Bun's 10 s idle timeout must not cut it. */
let quiet: ReadableStreamDefaultReader<Uint8Array>;
const quietAbort = new AbortController();
let quietSinceMs = 0;

test.before(async () => {
  cluster = new Cluster(1);
  await cluster.start();
  endpoints = cluster.endpoints;
  const response = await fetch(`${endpoints[0]}/v3/watch`, {
    method: "POST",
    body: JSON.stringify({ create_request: { key: Buffer.from("quiet-key").toString("base64") } }),
    signal: quietAbort.signal,
  });
  quiet = response.body!.getReader() as ReadableStreamDefaultReader<Uint8Array>;
  quietSinceMs = Date.now();
});
test.after(async () => {
  quietAbort.abort();
  await cluster.close();
});

async function cli(args: string[]): Promise<string> {
  const run = await tsetcd(endpoints, args);
  if (run.code !== 0) throw new Error(`tsetcd ${args.join(" ")}: exit ${run.code}\n${run.stderr}`);
  return run.stdout;
}

async function grant(ttl: number): Promise<string> {
  const out = await cli(["lease", "grant", String(ttl)]);
  const id = /^lease ([0-9a-f]+) granted with TTL\((\d+)s\)\n$/.exec(out);
  assert.ok(id !== null, out);
  return id![1]!;
}

/** The events of a prefix from a revision on, until aborted, with when each arrived (performance.now()). */
interface Collected {
  events: Event[];
  arrivedMs: number[];
  stop: () => void;
  done: Promise<void>;
}

/** Collects the events of a prefix from the next revision on, until aborted. */
function collect(prefix: string, fromRevision: number): Collected {
  const client = connect({ endpoints });
  const controller = new AbortController();
  const events: Event[] = [];
  const arrivedMs: number[] = [];
  const done = (async () => {
    for await (const event of client.watch(prefix, { prefix: true, startRevision: fromRevision, signal: controller.signal })) {
      events.push(event);
      arrivedMs.push(performance.now());
    }
  })().catch(() => {});
  return { events, arrivedMs, stop: () => controller.abort(), done };
}

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await Bun.sleep(50);
  }
}

const dec = new TextDecoder();
function brief(e: Event): string {
  return `${e.type === EventType.DELETE ? "DELETE" : "PUT"} ${dec.decode(e.kv.key)}@${e.kv.mod_revision}`;
}

test("grant, put --lease, timetolive --keys, keep-alive --once, list, revoke (DELETE events in one revision)", async () => {
  const id = await grant(30);
  assert.is(await cli(["put", `--lease=${id}`, "l1/a", "1"]), "OK\n");
  assert.is(await cli(["put", `--lease=${id}`, "l1/b", "2"]), "OK\n");
  const ttl = await cli(["lease", "timetolive", id, "--keys"]);
  assert.match(ttl, new RegExp(`^lease ${id} granted with TTL\\(30s\\), remaining\\((29|30)s\\), attached keys\\(\\[l1/(a l1/b|b l1/a)\\]\\)\\n$`));
  assert.is(await cli(["lease", "keep-alive", "--once", id]), `lease ${id} keepalived with TTL(30)\n`);
  assert.match(await cli(["lease", "list"]), new RegExp(`^found \\d+ leases\\n(.*\\n)*${id}\\n`));

  const client = connect({ endpoints });
  const from = (await client.get("l1/", { prefix: true })).header.revision + 1;
  const watch = collect("l1/", from);
  assert.is(await cli(["lease", "revoke", id]), `lease ${id} revoked\n`);
  await until(() => watch.events.length >= 2, 5_000, "two DELETE events");
  watch.stop();
  await watch.done;
  assert.equal(watch.events.map(brief).sort(), [`DELETE l1/a@${from}`, `DELETE l1/b@${from}`]);
  assert.is((await client.get("l1/", { prefix: true })).kvs.length, 0);
  assert.is(await cli(["lease", "timetolive", id]), `lease ${id} already expired\n`);
  const again = await tsetcd(endpoints, ["lease", "revoke", id]);
  assert.is(again.stderr, "Error: failed to revoke lease (etcdserver: requested lease not found)\n");
  assert.is(again.code, 1);
});

test("expiry: the leader revokes a lease past its TTL, never before it, its keys go with DELETE events", async () => {
  const grantSentMs = performance.now();
  const id = await grant(2);
  await cli(["put", `--lease=${id}`, "l2/a", "1"]);
  await cli(["put", `--lease=${id}`, "l2/b", "2"]);
  const client = connect({ endpoints });
  const from = (await client.get("l2/", { prefix: true })).header.revision + 1;
  const startMs = Date.now();
  const watch = collect("l2/", from);
  await until(() => watch.events.length >= 2, 8_000, "expiry DELETE events");
  const elapsedMs = Date.now() - startMs;
  watch.stop();
  await watch.done;
  assert.equal(watch.events.map(brief).sort(), [`DELETE l2/a@${from}`, `DELETE l2/b@${from}`]);
  assert.ok(elapsedMs < 6_000, `expired after ${elapsedMs} ms`);
  const livedMs = watch.arrivedMs[0]! - grantSentMs;
  assert.ok(livedMs >= 2_000 - EARLY_EXPIRY_TOLERANCE_MS, `a 2 s lease expired ${livedMs.toFixed(0)} ms after its grant was sent`);
  assert.is((await client.get("l2/", { prefix: true })).kvs.length, 0);
  assert.is(await cli(["lease", "timetolive", id]), `lease ${id} already expired\n`);
});

test("keep-alive keeps a short lease past its TTL; gateway JSON keep-alive stream answers each request", async () => {
  const id = await grant(2);
  await cli(["put", `--lease=${id}`, "l3/a", "1"]);
  const keeper = background(endpoints, ["lease", "keep-alive", id]);
  try {
    await Bun.sleep(4_000);
    const client = connect({ endpoints });
    assert.is((await client.get("l3/a")).kvs.length, 1, "key alive after twice its TTL");
    assert.match(keeper.stdout(), `lease ${id} keepalived with TTL(2)`);
  } finally {
    await keeper.stop("SIGINT");
  }
  const decimal = BigInt("0x" + id).toString();
  const response = await fetch(endpoints[0] + "/v3/lease/keepalive", {
    method: "POST",
    body: `{"ID":"${decimal}"}\n{"ID":"${decimal}"}\n{"ID":"1234"}`,
  });
  const lines = (await response.text()).trim().split("\n").map((l) => JSON.parse(l).result as { ID: string; TTL?: string });
  // The gateway leaves zero values out: TTL 0 (lease not found) has no field.
  assert.equal(lines.map((r) => [r.ID, r.TTL]), [[decimal, "2"], [decimal, "2"], ["1234", undefined]]);
});

test("a gateway watch quiet for longer than the server's 10 s idle timeout still gets the next event", async () => {
  // uWS checks idle sockets every few seconds: 15 s is safely past its 10 s limit.
  await Bun.sleep(Math.max(0, 15_000 - (Date.now() - quietSinceMs)));
  await connect({ endpoints }).put("quiet-key", "late");
  let text = "";
  // The created response and then the event, on the same connection (a cut stream ends the loop).
  for (let i = 0; i < 20 && !text.includes(Buffer.from("late").toString("base64")); i++) {
    const chunk = await quiet.read();
    if (chunk.done) break;
    text += new TextDecoder().decode(chunk.value);
  }
  const lines = text.trim().split("\n").map((l) => JSON.parse(l).result as { created?: boolean; events?: unknown[] });
  assert.is(lines.length, 2, text);
  assert.is(lines[0]!.created, true);
  assert.is(lines[1]!.events?.length, 1);
});

test.run();
