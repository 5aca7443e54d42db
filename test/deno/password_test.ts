/**
 * Password auth on Deno (src/runtime/password.ts: bcryptjs there, Bun.password on Bun). A hash made on one
 * runtime verifies on the other, both ways — in a mixed cluster the proposer hashes and any member checks.
 * And a mixed cluster (one Deno member, one Bun) with auth on: a user added through either member (which
 * hashes) authenticates through the other; a wrong password is refused on both.
 */
import { spawnSync } from "node:child_process";
import { join, resolve } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { delay } from "../../src/runtime/mod.ts";
import { type MemberSlot, ProcessCluster } from "../cluster/harness.ts";
import { serverCommand, SERVER_RUNTIME_ENV } from "../helpers/cli_runtime.ts";

const ROOT = resolve(import.meta.dir, "../..");
const BUN = join(ROOT, "node_modules/.bin/bun");
const DENO = join(ROOT, "node_modules/.bin/deno");
const RUN_LIMIT_MS = 30_000;
/** How long a member may take to apply a user another member added. */
const APPLY_WAIT_MS = 5_000;
const PASSWORD_URL = new URL("../../src/runtime/password.ts", import.meta.url).href;

/** Runs a snippet on Deno with password.ts loaded; its stdout, trimmed. */
function onDeno(body: string): string {
  const code = `import { hashPassword, verifyPassword } from "${PASSWORD_URL}";\n${body}`;
  const run = spawnSync(DENO, ["eval", "--ext=ts", code], { cwd: ROOT, encoding: "utf8", timeout: RUN_LIMIT_MS });
  assert.is(run.status, 0, run.stderr);
  return run.stdout.trim();
}

test("a hash made on Bun verifies on Deno and back; a wrong password fails on both", async () => {
  const madeOnBun = await Bun.password.hash("s3cret-ü", { algorithm: "bcrypt", cost: 6 });
  const onDenoOut = onDeno(`
    const bun = ${JSON.stringify(madeOnBun)};
    console.log(String(await verifyPassword("s3cret-ü", bun)), String(await verifyPassword("s3cret-u", bun)));
    console.log(await hashPassword("s3cret-ü", 6));
  `).split("\n");
  assert.is(onDenoOut[0], "true false");
  const madeOnDeno = onDenoOut[1]!;
  assert.match(madeOnDeno, /^\$2b\$06\$[./A-Za-z0-9]{53}$/);
  assert.ok(await Bun.password.verify("s3cret-ü", madeOnDeno, "bcrypt"));
  assert.not.ok(await Bun.password.verify("s3cret-u", madeOnDeno, "bcrypt"));
  // An older $2a$ hash (etcd's Go bcrypt writes $2a$) reads on Deno too.
  assert.is(onDeno(`console.log(String(await verifyPassword("s3cret-ü", ${JSON.stringify(madeOnBun.replace("$2b$", "$2a$"))})))`), "true");
});

test("a password over 72 bytes is refused on Deno with one clear error, not hashed unlike Bun", () => {
  const out = onDeno(`try { await hashPassword("x".repeat(73), 4); console.log("hashed"); } catch (e) { console.log(e.message); }`);
  assert.match(out, /bcrypt on deno: a password of 73 bytes \(over 72\)/);
});

function cli(endpoint: string, args: string[]): { code: number; stdout: string; stderr: string } {
  const run = spawnSync(BUN, [join(ROOT, "mod.ts"), `--endpoints=${endpoint}`, ...args],
    { cwd: ROOT, encoding: "utf8", timeout: RUN_LIMIT_MS });
  return { code: run.status ?? -1, stdout: run.stdout, stderr: run.stderr };
}

/** The server argv on Deno, whatever the file's environment says. */
function denoServer(): string[] {
  const saved = process.env[SERVER_RUNTIME_ENV];
  process.env[SERVER_RUNTIME_ENV] = "deno";
  try {
    return serverCommand(ROOT);
  } finally {
    if (saved === undefined) delete process.env[SERVER_RUNTIME_ENV];
    else process.env[SERVER_RUNTIME_ENV] = saved;
  }
}

/** Runs `args` as `user` until it stops failing authentication (the member may not have applied the user yet). */
async function asUser(endpoint: string, user: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const deadline = Date.now() + APPLY_WAIT_MS;
  for (;;) {
    const run = cli(endpoint, [`--user=${user}`, ...args]);
    if (!/authentication failed/.test(run.stderr) || Date.now() > deadline) return run;
    await delay(100);
  }
}

test("a mixed cluster with auth: a hash made by a Bun member checks on the Deno one, and back", async () => {
  const cluster = new ProcessCluster({ size: 2, basePort: 30_960 });
  const deno = cluster.slots[0]!;
  const bun = cluster.slots[1]!;
  deno.command = denoServer();
  const at = (slot: MemberSlot): string => new URL(slot.clientUrl).host;
  try {
    await cluster.start(30_000);
    // root's hash is made by the Bun member that takes `user add`; the Deno member checks it.
    assert.is(cli(at(bun), ["user", "add", "root:rootpw"]).stdout, "User root created\n");
    assert.is(cli(at(bun), ["auth", "enable"]).stdout, "Authentication Enabled\n");
    assert.is((await asUser(at(deno), "root:rootpw", ["put", "k", "v"])).stdout, "OK\n");
    // alice's hash is made by the Deno member (bcryptjs); the Bun member checks it.
    assert.is(cli(at(deno), ["--user=root:rootpw", "user", "add", "alice:alicepw"]).stdout, "User alice created\n");
    assert.is(cli(at(deno), ["--user=root:rootpw", "role", "add", "reader"]).code, 0);
    assert.is(cli(at(deno), ["--user=root:rootpw", "role", "grant-permission", "reader", "read", "k"]).code, 0);
    assert.is(cli(at(deno), ["--user=root:rootpw", "user", "grant-role", "alice", "reader"]).code, 0);
    assert.is((await asUser(at(bun), "alice:alicepw", ["get", "k"])).stdout, "k\nv\n");
    assert.is(cli(at(deno), ["--user=alice:alicepw", "get", "k"]).stdout, "k\nv\n");
    for (const slot of [bun, deno]) {
      const wrong = cli(at(slot), ["--user=alice:alicepw2", "get", "k"]);
      assert.is.not(wrong.code, 0);
      assert.match(wrong.stderr, /authentication failed, invalid user ID or password/);
    }
    assert.ok(deno.command?.some((word) => word.endsWith("/deno")), "m0 ran on Deno");
  } catch (error) {
    console.error(cluster.logs());
    throw error;
  } finally {
    await cluster.close();
  }
});

test.run();
