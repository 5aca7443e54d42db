import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { b64, call, rangeAll, runServerCommand, type ServerProcess, spawnServer, unb64 } from "./process_helpers.ts";

const dirs: string[] = [];
const running: ServerProcess[] = [];

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "tsetcd-durable-"));
  dirs.push(dir);
  return join(dir, "data");
}

async function start(dataDir: string, port: number, env?: Record<string, string>): Promise<ServerProcess> {
  const server = await spawnServer(dataDir, port, { env });
  running.push(server);
  return server;
}

async function stop(server: ServerProcess): Promise<number | string> {
  server.child.kill("SIGTERM");
  return await server.exited;
}

test.after(async () => {
  for (const server of running) {
    if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill("SIGKILL");
  }
  await Promise.all(running.map((s) => s.exited));
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Checks that revisions are exactly 2..revision, one per key, as a run of single-key puts of new keys gives. */
function assertConsistentRevisions(revision: number, kvs: any[]): void {
  const mods = kvs.map((kv) => Number(kv.mod_revision)).sort((a, b) => a - b);
  assert.is(mods.length, revision - 1, `${kvs.length} keys at revision ${revision}`);
  mods.forEach((rev, i) => assert.is(rev, i + 2));
  for (const kv of kvs) {
    assert.is(kv.version, "1");
    assert.is(kv.create_revision, kv.mod_revision);
  }
}

test("SIGKILL under concurrent load loses no acknowledged put", async () => {
  const dataDir = tempDir();
  let server = await start(dataDir, 21101);
  const acked = new Map<string, string>();
  let stopLoad = false;
  const workers = Array.from({ length: 16 }, async (_, w) => {
    for (let i = 0; i < 100_000 && !stopLoad; i++) {
      const key = `w${w}-${i}`;
      try {
        await call(server.url, "/v3/kv/put", { key: b64(key), value: b64(`value-${i}`) });
        acked.set(key, `value-${i}`);
      } catch {
        return; // the server is gone
      }
    }
  });
  const deadline = Date.now() + 10_000;
  while (acked.size < 400 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  server.child.kill("SIGKILL");
  stopLoad = true;
  assert.is(await server.exited, "SIGKILL");
  await Promise.all(workers);
  assert.ok(acked.size >= 400, `only ${acked.size} puts acknowledged before the kill`);

  server = await start(dataDir, 21102);
  const { revision, kvs } = await rangeAll(server.url);
  const stored = new Map(kvs.map((kv) => [unb64(kv.key), unb64(kv.value)]));
  for (const [key, value] of acked) assert.is(stored.get(key), value, `acknowledged ${key} lost`);
  assertConsistentRevisions(revision, kvs);
  const status = await call(server.url, "/v3/maintenance/status", {});
  assert.is(status.raftAppliedIndex, status.raftIndex);
  assert.is(await stop(server), 0);
});

test("a crash between persisting and applying is replayed exactly once", async () => {
  const dataDir = tempDir();
  let server = await start(dataDir, 21103, { TSETCD_TEST_CRASH_AFTER_PERSIST: "5" });
  for (let i = 1; i <= 5; i++) await call(server.url, "/v3/kv/put", { key: b64(`k${i}`), value: b64(`v${i}`) });
  let failed = false;
  try {
    await call(server.url, "/v3/kv/put", { key: b64("k6"), value: b64("v6") });
  } catch {
    failed = true;
  }
  assert.ok(failed, "the sixth put must not be acknowledged");
  assert.is(await server.exited, 86);

  server = await start(dataDir, 21104);
  const { revision, kvs } = await rangeAll(server.url);
  // k6 was durable in the log and committed: replay applies it, once.
  assert.equal(kvs.map((kv) => unb64(kv.key)), ["k1", "k2", "k3", "k4", "k5", "k6"]);
  assert.is(revision, 7);
  assertConsistentRevisions(revision, kvs);
  const put = await call(server.url, "/v3/kv/put", { key: b64("k7"), value: b64("v7") });
  assert.is(put.header.revision, "8");
  assert.is(await stop(server), 0);

  // And once more after a clean restart: nothing applied twice.
  server = await start(dataDir, 21105);
  const again = await rangeAll(server.url);
  assert.is(again.revision, 8);
  assertConsistentRevisions(again.revision, again.kvs);
  assert.is(await stop(server), 0);
});

test("a second server on the same data dir is refused; a clean stop frees it", async () => {
  const dataDir = tempDir();
  const first = await start(dataDir, 21106);
  await call(first.url, "/v3/kv/put", { key: b64("a"), value: b64("1") });
  const second = await runServerCommand(["--data-dir", dataDir, "--listen-client-urls", "http://127.0.0.1:21107"]);
  assert.is(second.code, 1);
  assert.match(second.stderr, /in use by another tsetcd server \(pid \d+/);
  // The refused server changed nothing.
  const { kvs } = await rangeAll(first.url);
  assert.is(kvs.length, 1);
  assert.is(await stop(first), 0);
  const third = await start(dataDir, 21108);
  const after = await rangeAll(third.url);
  assert.is(unb64(after.kvs[0].value), "1");
  assert.is(await stop(third), 0);
});

test("--version, bad flags and TLS flags", async () => {
  const version = await runServerCommand(["--version"]);
  assert.is(version.code, 0);
  assert.match(version.stdout, /^tsetcd Version: \d+\.\d+\.\d+/);
  assert.match(version.stdout, /Bun Version: /);
  const bad = await runServerCommand(["--no-such-flag"]);
  assert.is(bad.code, 2); // etcd's (Go flag package) exit code for a bad flag
  assert.match(bad.stderr, "flag provided but not defined: -no-such-flag");
  const dataDir = tempDir();
  const existing = await runServerCommand(["--data-dir", dataDir, "--initial-cluster-state", "existing"]);
  assert.is(existing.code, 1);
  // Nobody of the (default, single-member) --initial-cluster answers: joining is refused before anything is written.
  assert.match(existing.stderr, "could not reach any member of the existing cluster");
  // etcd's messages for TLS flags that cannot work, each refused before the data dir is created.
  const tlsDir = join(tempDir(), "never-created");
  const fixtures = join(import.meta.dir, "..", "fixtures", "tls");
  const tlsCases: [string[], string][] = [
    [["--cert-file", "/tmp/x.pem"], "KeyFile and CertFile must both be present[key: , cert: /tmp/x.pem]"],
    [["--cert-file", "/nonexistent/c.pem", "--key-file", "/nonexistent/k.pem"], "open /nonexistent/c.pem: no such file or directory"],
    [["--cert-file", join(fixtures, "server.pem"), "--key-file", join(fixtures, "client-key.pem")], "tls: private key does not match public key"],
    [["--cert-file", join(fixtures, "make.sh"), "--key-file", join(fixtures, "server-key.pem")], "tls: failed to find any PEM data in certificate input"],
    [["--listen-client-urls", "https://127.0.0.1:1"], "TLS key/cert (--cert-file, --key-file) must be provided for client url https://127.0.0.1:1 with HTTPS scheme"],
    [["--listen-peer-urls", "https://127.0.0.1:2"], "cannot listen on TLS for 127.0.0.1:2: KeyFile and CertFile are not presented"],
  ];
  for (const [args, message] of tlsCases) {
    const refused = await runServerCommand(["--data-dir", tlsDir, ...args]);
    assert.is(refused.code, 1, args.join(" "));
    assert.ok(refused.stderr.includes(message), `${args.join(" ")}: ${refused.stderr}`);
    assert.not.ok(existsSync(tlsDir), "the data dir was created");
  }
});

test.run();
