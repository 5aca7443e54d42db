/**
 * The client path stays runnable on any runtime: what mod.ts and commands/mod.ts import statically (the
 * CLI's client commands, the client library) names no `bun:` module, touches no `Bun` global and loads no
 * member code — the server, its storage and bun:sqlite come in by `import()` from `startServer` and the
 * `server` subcommand only. Then, for real: Deno imports the library from mod.ts and talks to a Bun member.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { connect, startServer } from "../../mod.ts";

const ROOT = resolve(import.meta.dir, "../..");
const DENO = join(ROOT, "node_modules/.bin/deno");
const DENO_LIMIT_MS = 30_000;
const MAX_MODULES = 2_000;
/** Loopback ports of this file (helper U's range). */
const CLIENT_PORT = 25711;
const PEER_PORT = 25712;

/** Folders the client path may load from; anything else is member code. */
const CLIENT_FOLDERS = ["commands/", "src/client/", "src/codec/", "src/tls/", "src/runtime/"];
/**
 * Member-side modules the client path may load, and why: the version strings; `snapshot status` reads a
 * snapshot file locally, through src/runtime/sqlite.ts and its two adapters (sqlite_bun.ts loads bun:sqlite
 * only when it opens a database); and the enums and types of Raft's public vocabulary that mod.ts
 * re-exports.
 */
const ALLOWED = new Set([
  "src/server/version.ts",
  "src/server/snapshot_status.ts",
  "src/server/snapshot_file.ts",
  "src/storage/sqlite_bun.ts",
  "src/storage/sqlite_node.ts",
  "src/raft/types.ts",
  "package.json",
]);

/** A static import or re-export that brings code at run time (`import type` and `export type` do not). */
const STATIC_IMPORT = /^\s*(?:import|export)\s+(type\s+)?(?:([^;]*?)\s+from\s+)?"([^"]+)"/gm;

function isTypeOnly(typeKeyword: string | undefined, clause: string | undefined): boolean {
  if (typeKeyword !== undefined) return true;
  const names = clause?.trim();
  if (names === undefined || !names.startsWith("{")) return false;
  const items = names.replace(/[{}]/g, "").split(",").map((s) => s.trim()).filter((s) => s !== "");
  return items.length > 0 && items.every((s) => s.startsWith("type "));
}

/** Every module reachable by static, value-bearing imports from `entries`: repo-relative path → importer. */
function staticClosure(entries: string[]): { modules: Map<string, string>; external: Map<string, string> } {
  const modules = new Map<string, string>(entries.map((e) => [e, "(entry)"]));
  const external = new Map<string, string>();
  const queue = [...entries];
  while (queue.length > 0) {
    assert.ok(modules.size < MAX_MODULES, "import graph larger than expected");
    const file = queue.shift()!;
    if (!file.endsWith(".ts")) continue;
    const text = readFileSync(join(ROOT, file), "utf8");
    for (const m of text.matchAll(STATIC_IMPORT)) {
      if (isTypeOnly(m[1], m[2])) continue;
      const specifier = m[3]!;
      if (!specifier.startsWith(".")) {
        if (!external.has(specifier)) external.set(specifier, file);
        continue;
      }
      const target = relative(ROOT, resolve(ROOT, dirname(file), specifier));
      if (modules.has(target)) continue;
      modules.set(target, file);
      queue.push(target);
    }
  }
  return { modules, external };
}

const closure = staticClosure(["mod.ts", "commands/mod.ts"]);

test("the walk finds the client path (and would see the server if it were imported statically)", () => {
  for (const expected of ["src/client/mod.ts", "commands/put.ts", "src/codec/cbor.ts", "src/runtime/sqlite.ts"]) {
    assert.ok(closure.modules.has(expected), `${expected} not found: the walk is broken`);
  }
  // The member's own closure holds what the client path must not: the walk reaches it from src/server/mod.ts.
  const server = staticClosure(["src/server/mod.ts"]);
  for (const memberModule of ["src/front/mod.ts", "src/grpc/server.ts", "src/server/member.ts", "src/storage/raft_log.ts"]) {
    assert.ok(server.modules.has(memberModule), `${memberModule} not in the member's closure: the walk is broken`);
    assert.not.ok(closure.modules.has(memberModule), `${memberModule} on the client path`);
  }
});

test("no bun: module, no Bun global, no member code on the client path", () => {
  const bunImports = [...closure.external].filter(([specifier]) => specifier === "bun" || specifier.startsWith("bun:"));
  assert.equal(bunImports, [], "bun modules imported statically");
  const memberModules = [...closure.modules.keys()].filter((m) =>
    !ALLOWED.has(m) && !CLIENT_FOLDERS.some((folder) => m.startsWith(folder)) && m !== "mod.ts"
  );
  assert.equal(memberModules, [], "member code on the client path");
  const usingBun = [...closure.modules.keys()].filter((m) => {
    if (!m.endsWith(".ts")) return false;
    // Code, not comments: drop block and line comments before looking for the global.
    const code = readFileSync(join(ROOT, m), "utf8").replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "");
    return /\bBun\.[a-z]/.test(code);
  });
  assert.equal(usingBun, [], "modules on the client path use the Bun global");
});

test("Deno imports { connect } from mod.ts and writes and reads through a Bun member", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "tsetcd-deno-library-"));
  const client = `http://127.0.0.1:${CLIENT_PORT}`;
  const peer = `http://127.0.0.1:${PEER_PORT}`;
  const server = await startServer({
    dataDir,
    listenClientUrls: [client],
    advertiseClientUrls: [client],
    listenPeerUrls: [peer],
    initialAdvertisePeerUrls: [peer],
    initialCluster: new Map([["default", [peer]]]),
  });
  try {
    // Asynchronous: the member in this process must keep answering while Deno runs.
    const run = await new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
      const child = Bun.spawn([DENO, "run", "-A", join(ROOT, "test/deno/library_client.ts"), `127.0.0.1:${CLIENT_PORT}`], {
        cwd: ROOT,
        stdout: "pipe",
        stderr: "pipe",
        timeout: DENO_LIMIT_MS,
      });
      void Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited])
        .then(([stdout, stderr, code]) => done({ code, stdout, stderr }));
    });
    assert.is(run.code, 0, run.stderr);
    const seen = JSON.parse(run.stdout) as { putRevision: string; value: string; count: string };
    assert.is(seen.value, "hello from deno");
    assert.is(seen.count, "1");
    assert.ok(Number(seen.putRevision) >= 2, run.stdout);
    const back = await connect({ endpoints: [server.clientUrl] }).get("deno/greeting");
    assert.is(new TextDecoder().decode(back.kvs?.[0]?.value), "hello from deno", "the member holds Deno's write");
  } finally {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test.run();
