/**
 * Password auth on Deno (src/runtime/password.ts: bcryptjs there, Bun.password on Bun). A hash made on one
 * runtime verifies on the other, both ways — in a mixed cluster the proposer hashes and any member checks.
 * And a Deno member with auth on: a user added through it, a right password let in, a wrong one refused.
 */
import { spawnSync } from "node:child_process";
import { join, resolve } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { startMember } from "./deno_member.ts";

const ROOT = resolve(import.meta.dir, "../..");
const BUN = join(ROOT, "node_modules/.bin/bun");
const DENO = join(ROOT, "node_modules/.bin/deno");
const RUN_LIMIT_MS = 30_000;
/** Loopback ports of this file (helper U2's range). */
const PORTS = { client: 25710, peer: 25711 };
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

function cli(args: string[]): { code: number; stdout: string; stderr: string } {
  const run = spawnSync(BUN, [join(ROOT, "mod.ts"), `--endpoints=127.0.0.1:${PORTS.client}`, ...args],
    { cwd: ROOT, encoding: "utf8", timeout: RUN_LIMIT_MS });
  return { code: run.status ?? -1, stdout: run.stdout, stderr: run.stderr };
}

test("a Deno member with auth on: user added, right password let in, wrong one refused", async () => {
  const member = await startMember(PORTS);
  try {
    assert.is(cli(["user", "add", "root:rootpw"]).stdout, "User root created\n");
    assert.is(cli(["auth", "enable"]).stdout, "Authentication Enabled\n");
    assert.is(cli(["--user=root:rootpw", "put", "k", "v"]).stdout, "OK\n");
    assert.is(cli(["--user=root:rootpw", "get", "k"]).stdout, "k\nv\n");
    const wrong = cli(["--user=root:nope", "get", "k"]);
    assert.is.not(wrong.code, 0);
    assert.match(wrong.stderr, /authentication failed, invalid user ID or password/);
  } finally {
    await member.stop();
  }
});

test.run();
