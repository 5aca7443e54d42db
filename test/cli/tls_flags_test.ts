/**
 * etcdctl's TLS flags through the tsetcd CLI. Bad flag values and files are compared live with the installed
 * etcdctl 3.4 (stdout, stderr and exit code must be equal; the test fails when etcdctl is missing — CI
 * installs etcd-client). Then the flags at work: `tsetcd --endpoints=https://… --cacert --cert --key get`
 * against a fake member that serves TLS and requires client certificates signed by the test CA.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { decodeCborValue, encodeCbor } from "../../src/codec/cbor.ts";

const ROOT = resolve(import.meta.dir, "../..");
const BUN = join(ROOT, "node_modules/.bin/bun");
const ETCDCTL = process.env.ETCDCTL_BIN ?? "etcdctl";
const FIXTURES = join(ROOT, "test/fixtures/tls");
const fixture = (name: string): string => join(FIXTURES, name);
const RUN_TIMEOUT_MS = 20_000;

interface Outcome {
  stdout: string;
  stderr: string;
  code: number;
}

/** The environment without anything that would change a client's flags. */
function cleanEnv(extra: Record<string, string>): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...process.env, ETCDCTL_API: "3" };
  for (const key of Object.keys(env)) if (key.startsWith("TSETCD_") || (key.startsWith("ETCDCTL_") && key !== "ETCDCTL_API")) delete env[key];
  return { ...env, ...extra };
}

function run(command: string[], args: string[], env: Record<string, string> = {}): Promise<Outcome> {
  return new Promise((done, fail) => {
    const child = spawn(command[0]!, [...command.slice(1), ...args], { cwd: ROOT, env: cleanEnv(env), stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (chunk) => (stdout += chunk));
    child.stderr!.on("data", (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), RUN_TIMEOUT_MS);
    child.on("error", (error) => {
      clearTimeout(timer);
      fail(new Error(`cannot run ${command[0]} (etcdctl 3.4 must be installed: apt-get install etcd-client): ${error.message}`));
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      done({ stdout, stderr, code: code ?? -1 });
    });
  });
}

const tsetcd = (args: string[], env?: Record<string, string>): Promise<Outcome> => run([BUN, join(ROOT, "mod.ts")], args, env);
const etcdctl = (args: string[], env?: Record<string, string>): Promise<Outcome> => run([ETCDCTL], args, env);

const scratch = mkdtempSync(join(tmpdir(), "tls-flags-"));
const NOT_PEM = join(scratch, "not.pem");
const BAD_CERT = join(scratch, "bad-cert.pem");
const BAD_KEY = join(scratch, "bad-key.pem");
const FOO_BLOCK = join(scratch, "foo.pem");
writeFileSync(NOT_PEM, "just text\n");
writeFileSync(BAD_CERT, "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
writeFileSync(BAD_KEY, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
writeFileSync(FOO_BLOCK, "-----BEGIN FOO-----\nAAAA\n-----END FOO-----\n");

/** Command lines that fail before any dial; each `x` key is never read. */
const ERROR_CASES: { args: string[]; env?: Record<string, string> }[] = [
  { args: ["--cert=/nonexistent", "--key=/nonexistent", "get", "x"] },
  { args: [`--cert=${fixture("client.pem")}`, "get", "x"] },
  { args: [`--key=${fixture("client-key.pem")}`, "get", "x"] },
  { args: ["--cacert=/nonexistent", "get", "x"] },
  { args: [`--cert=${fixture("client.pem")}`, "--key=/nonexistent", "get", "x"] },
  { args: ["--cacert=/nonexistent", `--cert=${fixture("client.pem")}`, `--key=${fixture("client-key.pem")}`, "get", "x"] },
  { args: ["--cacert", "/nonexistent", "--cert", "/nonexistent2", "--key", fixture("client-key.pem"), "put", "x", "y"] },
  { args: ["--cert=", "get", "x"] },
  { args: ["--key=", "get", "x"] },
  { args: ["--cacert=", "get", "x"] },
  { args: ["--cert=", "-w", "bad", "get", "x"] },
  { args: ["--cert=/nonexistent", "-w", "bad", "get", "x"] },
  { args: ["--cert=/nonexistent", "get"] },
  { args: [`--cert=${fixture("client.pem")}`, `--key=${fixture("other-key.pem")}`, "get", "x"] },
  { args: [`--cert=${fixture("client-key.pem")}`, `--key=${fixture("client-key.pem")}`, "get", "x"] },
  { args: [`--cert=${fixture("client.pem")}`, `--key=${fixture("client.pem")}`, "get", "x"] },
  { args: [`--cert=${NOT_PEM}`, `--key=${fixture("client-key.pem")}`, "get", "x"] },
  { args: [`--cert=${fixture("client.pem")}`, `--key=${NOT_PEM}`, "get", "x"] },
  { args: [`--cert=${BAD_CERT}`, `--key=${fixture("client-key.pem")}`, "get", "x"] },
  { args: [`--cert=${fixture("client.pem")}`, `--key=${BAD_KEY}`, "get", "x"] },
  { args: [`--cert=${FOO_BLOCK}`, `--key=${fixture("client-key.pem")}`, "get", "x"] },
  { args: [`--cert=${fixture("client.pem")}`, `--key=${FOO_BLOCK}`, "get", "x"] },
  { args: [`--cacert=${BAD_CERT}`, "get", "x"] },
  { args: [`--cacert=${FOO_BLOCK}`, "get", "x"] },
  { args: ["--insecure-skip-tls-verify=maybe", "get", "x"] },
  { args: ["--insecure-transport=maybe", "get", "x"] },
  { args: ["endpoint", "status", "--cluster", "--cacert=/nonexistent"] },
  { args: ["endpoint", "health", "--cluster", "--cert=/nonexistent"] },
  { args: ["endpoint", "health", "--cert=/nonexistent", "--key=/nonexistent"] },
  { args: ["endpoint", "health", "--cluster", "--key="] },
  { args: ["endpoint", "status", "--cacert=", "-w", "json"] },
  { args: ["move-leader", "1", "--cacert=/nonexistent"] },
  { args: ["elect", "e", "p", "--cacert=/nonexistent"] },
  { args: ["txn", "--cacert=/nonexistent"] },
  { args: ["compaction", "1", "--cacert=/nonexistent"] },
  { args: ["del", "x", "--cacert=/nonexistent"] },
  { args: ["member", "add", "m", "--peer-urls=http://127.0.0.1:1", "--cacert=/nonexistent"] },
  { args: ["member", "list", "--cert=/nonexistent", "--key=/nonexistent"] },
  { args: ["lease", "grant", "10", "--cacert=/nonexistent"] },
  { args: ["watch", "x", "--key=/nonexistent"] },
  { args: ["lock", "l", "--cert=/nonexistent"] },
  { args: ["get", "x"], env: { ETCDCTL_CERT: "/nonexistent" } },
  { args: ["get", "x"], env: { ETCDCTL_KEY: fixture("client-key.pem") } },
  { args: ["get", "x"], env: { ETCDCTL_CACERT: "/nonexistent" } },
];

for (const { args, env } of ERROR_CASES) {
  const name = `${env === undefined ? "" : `${JSON.stringify(env)} `}${args.join(" ")}`;
  test(`as etcdctl: ${name}`, async () => {
    const [ours, theirs] = await Promise.all([tsetcd(args, env), etcdctl(args, env)]);
    const normalize = (text: string): string => text.replaceAll("etcdctl", "tsetcd");
    assert.is(ours.code, theirs.code, `exit code; etcdctl said ${theirs.stderr}`);
    assert.is(ours.stderr, normalize(theirs.stderr));
    // cobra's usage text on flag errors differs by program; the errors themselves must not.
    if (theirs.code !== 1) assert.is(ours.stdout, normalize(theirs.stdout));
  });
}

test("TSETCD_ spellings work as the ETCDCTL_ ones", async () => {
  const cases: [Record<string, string>, string][] = [
    [{ TSETCD_CERT: "/nonexistent" }, "Error: KeyFile and CertFile must both be present[key: , cert: /nonexistent]\n"],
    [{ TSETCD_KEY: "/k" }, "Error: KeyFile and CertFile must both be present[key: /k, cert: ]\n"],
    [{ TSETCD_CACERT: "/nonexistent" }, "Error: open /nonexistent: no such file or directory\n"],
    [{ TSETCD_CACERT: "/nonexistent", ETCDCTL_CACERT: "/other" }, "Error: open /nonexistent: no such file or directory\n"],
  ];
  for (const [env, stderr] of cases) {
    const outcome = await tsetcd(["get", "x"], env);
    assert.is(outcome.stderr, stderr, JSON.stringify(env));
    assert.is(outcome.code, 128);
  }
});

test("an empty variable counts as unset (etcdctl also warns \"unrecognized environment variable\"; we do not)", async () => {
  const skip = await tsetcd(["--cacert=/nonexistent", "get", "x"], { ETCDCTL_INSECURE_SKIP_TLS_VERIFY: "" });
  assert.equal(skip, { stdout: "", stderr: "Error: open /nonexistent: no such file or directory\n", code: 128 });
  const cert = await tsetcd([`--key=${fixture("client-key.pem")}`, "get", "x"], { ETCDCTL_CERT: "", TSETCD_CERT: "" });
  assert.is(cert.stderr, `Error: KeyFile and CertFile must both be present[key: ${fixture("client-key.pem")}, cert: ]\n`);
  assert.is(cert.code, 128);
});

test("--cert without a file leaves --version alone, as etcdctl (no client is made)", async () => {
  const [ours, theirs] = await Promise.all([tsetcd(["--cert=/nonexistent", "version"]), etcdctl(["--cert=/nonexistent", "version"])]);
  assert.is(ours.code, 0);
  assert.is(theirs.code, 0);
  assert.is(ours.stderr, "");
});

/** One flag's line of help text: its default and description, whatever the column layout. */
function helpEntry(help: string, name: string): string | undefined {
  const line = help.split("\n").find((l) => new RegExp(`^\\s+(-\\w, )?--${name}[=\\[]`).test(l));
  return line?.trim().replace(/\s+/g, " ");
}

test("help shows the TLS flags with etcdctl's defaults and descriptions", async () => {
  const [ours, theirs] = await Promise.all([tsetcd(["get", "--help"]), etcdctl(["--help"])]);
  for (const name of ["cacert", "cert", "key", "insecure-skip-tls-verify", "insecure-transport", "insecure-discovery"]) {
    const expected = helpEntry(theirs.stdout, name);
    assert.ok(expected !== undefined, `etcdctl --help lists --${name}`);
    assert.is(helpEntry(ours.stdout, name), expected);
  }
});

// ---- against a TLS fake member ----

const PEM = (name: string): string => readFileSync(fixture(name), "utf8");
const header = { cluster_id: 1n, member_id: 2n, revision: 7, raft_term: 1 };

/** A member that only answers clients presenting a certificate signed by ca.pem. */
function startFake(): { port: number; served: () => number; stop(): void } {
  const values = new Map<string, Uint8Array>([["foo", new TextEncoder().encode("bar")]]);
  let served = 0;
  let port = 0;
  const cbor = (value: unknown): Response => new Response(encodeCbor(value), { headers: { "content-type": "application/cbor" } });
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    tls: { cert: PEM("server.pem"), key: PEM("server-key.pem"), ca: PEM("ca.pem"), requestCert: true, rejectUnauthorized: true },
    async fetch(request) {
      served += 1;
      const path = new URL(request.url).pathname;
      const bytes = new Uint8Array(await request.arrayBuffer());
      const body = (bytes.length === 0 ? {} : decodeCborValue(bytes)) as { key?: Uint8Array; value?: Uint8Array };
      const name = new TextDecoder().decode(body.key ?? new Uint8Array());
      if (path === "/v3/kv/put") {
        values.set(name, body.value!);
        return cbor({ header });
      }
      if (path === "/v3/kv/range") {
        const value = values.get(name);
        const kvs = value === undefined ? [] : [{ key: body.key, value, create_revision: 2, mod_revision: 2, version: 1 }];
        return cbor({ header, kvs, count: kvs.length });
      }
      if (path === "/v3/cluster/member/list") {
        const member = { ID: 2n, name: "fake", peerURLs: ["https://127.0.0.1:1"], clientURLs: [`https://127.0.0.1:${port}`] };
        return cbor({ header, members: [member] });
      }
      if (path === "/v3/maintenance/status") {
        return cbor({ header, version: "3.4.0", dbSize: 1, leader: 2n, raftIndex: 7, raftTerm: 1, raftAppliedIndex: 7, dbSizeInUse: 1 });
      }
      return new Response("not found", { status: 404 });
    },
  });
  port = server.port!;
  return { port, served: () => served, stop: () => void server.stop(true) };
}

const MTLS = [`--cacert=${fixture("ca.pem")}`, `--cert=${fixture("client.pem")}`, `--key=${fixture("client-key.pem")}`];
const SHORT = ["--command-timeout=1s", "--dial-timeout=500ms"];

test("tsetcd with --cacert --cert --key: get, put and endpoint status --cluster over TLS", async () => {
  const fake = startFake();
  try {
    const https = `--endpoints=https://127.0.0.1:${fake.port}`;
    const get = await tsetcd([https, ...MTLS, "get", "foo"]);
    assert.equal(get, { stdout: "foo\nbar\n", stderr: "", code: 0 });
    const bare = `--endpoints=127.0.0.1:${fake.port}`;
    assert.equal(await tsetcd([bare, ...MTLS, "put", "k", "v"]), { stdout: "OK\n", stderr: "", code: 0 });
    assert.equal(await tsetcd([bare, ...MTLS, "get", "k", "--print-value-only"]), { stdout: "v\n", stderr: "", code: 0 });
    const env = { ETCDCTL_CACERT: fixture("ca.pem"), TSETCD_CERT: fixture("client.pem"), ETCDCTL_KEY: fixture("client-key.pem") };
    assert.equal(await tsetcd([bare, "get", "foo"], env), { stdout: "foo\nbar\n", stderr: "", code: 0 });
    const status = await tsetcd([bare, ...MTLS, "endpoint", "status", "--cluster"]);
    assert.is(status.code, 0, status.stderr);
    assert.ok(status.stdout.startsWith(`https://127.0.0.1:${fake.port}, 2, 3.4.0,`), status.stdout);
    const health = await tsetcd([bare, ...MTLS, "endpoint", "health", "--cluster"]);
    assert.is(health.code, 0, health.stderr);
    // etcdctl 3.4 prints health on stderr.
    assert.ok(health.stderr.startsWith(`https://127.0.0.1:${fake.port} is healthy`), health.stderr);
  } finally {
    fake.stop();
  }
});

test("tsetcd over TLS: skip-verify, and what fails (no client cert, plaintext, untrusted CA)", async () => {
  const fake = startFake();
  try {
    const bare = `--endpoints=127.0.0.1:${fake.port}`;
    const client = [`--cert=${fixture("client.pem")}`, `--key=${fixture("client-key.pem")}`];
    const skip = await tsetcd([bare, ...client, "--insecure-skip-tls-verify", "get", "foo"]);
    assert.equal(skip, { stdout: "foo\nbar\n", stderr: "", code: 0 });
    const before = fake.served();
    const deadline = { stdout: "", stderr: "Error: context deadline exceeded\n", code: 1 };
    assert.equal(await tsetcd([bare, ...SHORT, `--cacert=${fixture("ca.pem")}`, "get", "foo"]), deadline);
    assert.equal(await tsetcd([bare, ...SHORT, "--insecure-transport=false", ...client, "get", "foo"]), deadline);
    assert.equal(await tsetcd([bare, ...SHORT, `--cacert=${fixture("other-ca.pem")}`, ...client, "get", "foo"]), deadline);
    assert.equal(await tsetcd([bare, ...SHORT, "get", "foo"]), deadline);
    assert.equal(await tsetcd([`--endpoints=http://127.0.0.1:${fake.port}`, ...SHORT, ...MTLS, "get", "foo"]), deadline);
    assert.is(fake.served(), before);
  } finally {
    fake.stop();
  }
});

test.after(() => rmSync(scratch, { recursive: true, force: true }));

test.run();
