/**
 * A permitted non-root user keeps working across token expiry on a tsetcd server whose simple tokens live
 * one second (--auth-token-ttl 1): unary calls, a watch opened with an expired token, lease keep-alive
 * renewing less often than the token lives, a Mutex and an Election handed over after the tokens expired,
 * and the CLI's lock, lease keep-alive and elect. Outside the user's prefix the answer stays
 * "permission denied" (a refresh never widens what a user may do).
 */
import { spawn } from "node:child_process";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { AuthClient } from "../../src/client/auth.ts";
import { Election, Mutex, Session } from "../../src/client/concurrency.ts";
import { LeaseClient } from "../../src/client/lease.ts";
import { type Client, connect } from "../../src/client/mod.ts";
import { PermissionType } from "../../src/codec/messages.ts";
import { ROOT, type Side, startSide, stopAll, TSETCD_CLI } from "./auth_sides.ts";

const PORT = 28650;
const ENDPOINT = `127.0.0.1:${PORT}`;
/** Longer than the server's token TTL (1 s): every token fetched before such a pause is dead after it. */
const EXPIRE_MS = 1_600;
const CLI_TIMEOUT_MS = 20_000;
const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

let server: Side | undefined;
const app = (): Client => connect({ endpoints: [ENDPOINT], username: "app", password: "apppw" });

/**
 * Runs tsetcd's CLI as `app`; resolves to what it printed once it exits, or once it printed `stopAfterLines`
 * lines and was interrupted (a command that runs until stopped). Killed after CLI_TIMEOUT_MS in any case.
 */
function cli(args: string[], stopAfterLines?: number): Promise<{ stdout: string; stderr: string; code: number | null }> {
  return new Promise((done) => {
    const child = spawn(TSETCD_CLI[0]!, [...TSETCD_CLI.slice(1), "--endpoints", ENDPOINT, "--user", "app:apppw", ...args], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (chunk) => {
      stdout += chunk;
      if (stopAfterLines !== undefined && stdout.split("\n").length > stopAfterLines) child.kill("SIGINT");
    });
    child.stderr!.on("data", (chunk) => (stderr += chunk));
    const hardStop = setTimeout(() => child.kill("SIGKILL"), CLI_TIMEOUT_MS);
    child.on("close", (code) => {
      clearTimeout(hardStop);
      done({ stdout, stderr, code });
    });
  });
}

test("a tsetcd server with 1 s tokens; root, and app with readwrite on app/", async () => {
  server = await startSide("tsetcd", PORT, TSETCD_CLI, ["--auth-token-ttl", "1"]);
  const auth = new AuthClient(connect({ endpoints: [ENDPOINT] }));
  await auth.userAdd("root", "rootpw");
  await auth.roleAdd("root");
  await auth.userGrantRole("root", "root");
  await auth.userAdd("app", "apppw");
  await auth.roleAdd("app");
  await auth.roleGrantPermission("app", { permType: PermissionType.READWRITE, key: utf8("app/"), range_end: utf8("app0") });
  await auth.userGrantRole("app", "app");
  await auth.authEnable();
  try {
    await connect({ endpoints: [ENDPOINT] }).get("app/x");
    assert.unreachable("auth must be on");
  } catch (error) {
    assert.is((error as Error).message, "etcdserver: user name is empty");
  }
});

/** Unary calls succeed after the token expired; outside app/ is still denied. */
async function unaryAcrossExpiry(): Promise<void> {
  const client = app();
  await client.put("app/a", "1");
  await Bun.sleep(EXPIRE_MS);
  await client.put("app/a", "2");
  assert.is(text((await client.get("app/a")).kvs[0]!.value), "2");
  try {
    await client.put("other", "x");
    assert.unreachable("outside the prefix must be denied");
  } catch (error) {
    assert.is((error as Error).message, "etcdserver: permission denied");
  }
}

/** A watch opened with an expired token refreshes it and delivers events. */
async function watchOpenedWithExpiredToken(): Promise<void> {
  const client = app();
  const startRevision = (await client.get("app/w")).header.revision + 1;
  await Bun.sleep(EXPIRE_MS); // the client's token is dead; the watch is the next thing to use it
  const controller = new AbortController();
  const seen: string[] = [];
  const options = { prefix: true, startRevision, signal: controller.signal, maxReconnects: 5 };
  const watching = (async () => {
    for await (const event of client.watch("app/w/", options)) {
      seen.push(text(event.kv.key));
      if (seen.length === 2) controller.abort();
    }
  })();
  const writer = app();
  for (let i = 0; i < 50 && seen.length < 2; i++) {
    await writer.put(`app/w/${i}`, "v");
    await Bun.sleep(100);
  }
  await watching;
  assert.equal(seen, ["app/w/0", "app/w/1"]);
}

/** Lease keep-alive of a non-root user renewing less often than its token lives keeps the lease. */
async function keepAliveOutlivesTokens(): Promise<void> {
  const client = app();
  const leases = new LeaseClient(client);
  const { ID } = await leases.grant(4); // renewed every ~1.33 s: each renewal finds the token expired
  const retries: unknown[] = [];
  const keepAlive = leases.keepAlive(ID, { onRetry: (error) => retries.push(error) });
  const startMs = Date.now();
  let renewals = 0;
  for await (const response of keepAlive) {
    assert.is(response.TTL, 4);
    renewals += 1;
    if (Date.now() - startMs > 3_500) keepAlive.close();
  }
  assert.is(await keepAlive.done, "closed");
  assert.ok(renewals >= 3, `renewals ${renewals}`);
  assert.equal(retries, []);
  assert.is((await leases.timeToLive(ID)).TTL > 0, true);
}

/** A Mutex and an Election change hands after every token expired. */
async function mutexAndElectionHandOver(): Promise<void> {
  const [first, second] = [await Session.create(app(), { ttlS: 10 }), await Session.create(app(), { ttlS: 10 })];
  const [held, waiting] = [new Mutex(first, "app/lock"), new Mutex(second, "app/lock")];
  await held.lock();
  let acquired = false;
  const queued = waiting.lock().then(() => (acquired = true));
  await Bun.sleep(EXPIRE_MS);
  assert.not.ok(acquired);
  await held.unlock();
  await queued;
  assert.ok(acquired);
  await waiting.unlock();

  const [leader, next] = [new Election(first, "app/elect"), new Election(second, "app/elect")];
  await leader.campaign("one");
  let won = false;
  const campaigning = next.campaign("two").then(() => (won = true));
  await Bun.sleep(EXPIRE_MS);
  assert.is(text((await leader.leader()).value), "one");
  await leader.resign();
  await campaigning;
  assert.ok(won);
  assert.is(text((await next.leader()).value), "two");
  await next.resign();
  await Promise.all([first.close(), second.close()]);
}

test("library: unary calls, a watch, lease keep-alive, a Mutex and an Election across expired tokens (side by side)", async () => {
  await Promise.all([unaryAcrossExpiry(), watchOpenedWithExpiredToken(), keepAliveOutlivesTokens(), mutexAndElectionHandOver()]);
});

test("CLI: lock around a command outlasting the token, lease keep-alive, elect, watch (side by side)", async () => {
  const { ID } = await new LeaseClient(app()).grant(4); // renewed every ~1.33 s: longer than a token lives
  const writer = app();
  const fromRevision = (await writer.get("app/cli-watch/")).header.revision + 1;
  // The lock's command runs holding the lock, then the lock is released with a token that expired meanwhile.
  const [lock, keepAlive, elect, watched] = await Promise.all([
    cli(["lock", "app/cli-lock", "--", "sh", "-c", 'sleep 1.6; echo "held $ETCD_LOCK_KEY"']),
    cli(["lease", "keep-alive", ID.toString(16)], 3),
    cli(["elect", "app/cli-elect", "proposal"], 2),
    cli(["watch", "app/cli-watch/", "--prefix", "--rev", String(fromRevision)], 3),
    Bun.sleep(EXPIRE_MS).then(() => writer.put("app/cli-watch/1", "v")),
  ]);
  assert.is(watched.stdout, "PUT\napp/cli-watch/1\nv\n");
  assert.is(watched.stderr, "");
  assert.is(lock.stderr, "");
  assert.is(lock.code, 0);
  assert.match(lock.stdout, /^held app\/cli-lock\/[0-9a-f]+\n$/);
  assert.is((await app().get("app/cli-lock/", { prefix: true })).kvs.length, 0, "the lock was released");

  const lines = keepAlive.stdout.split("\n").filter((line) => line !== "");
  assert.ok(lines.length >= 3, keepAlive.stdout);
  const hexId = ID.toString(16).padStart(16, "0"); // etcdctl prints %016x
  for (const line of lines) assert.is(line, `lease ${hexId} keepalived with TTL(4)`);
  assert.is(keepAlive.stderr, "");

  assert.match(elect.stdout, /^app\/cli-elect\/[0-9a-f]+\nproposal\n$/);
  assert.is(elect.stderr, "");
});

test("server stops and its data dir is removed", () => {
  assert.ok(server !== undefined);
  assert.ok(stopAll());
});

test.run();
