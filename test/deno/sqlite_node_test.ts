/**
 * The node:sqlite adapter (src/storage/sqlite_node.ts) against the bun:sqlite one: the contract checks of
 * test/deno/sqlite_contract.ts must observe the same on bun:sqlite (Bun), node:sqlite (Bun) and node:sqlite
 * (Deno, as a process) — number binding, bigints, blobs, rollback, savepoints, pragmas — and the runtime
 * picks the Bun adapter on Bun.
 */
import { spawnSync } from "node:child_process";
import { join, resolve } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { openDatabase as openBun } from "../../src/storage/sqlite_bun.ts";
import { openDatabase as openNode } from "../../src/storage/sqlite_node.ts";
import { RUNTIME } from "../../src/runtime/mod.ts";
import { runContract } from "./sqlite_contract.ts";

const ROOT = resolve(import.meta.dir, "../..");
const DENO = join(ROOT, "node_modules/.bin/deno");
const DENO_LIMIT_MS = 30_000;

const onBun = runContract(openBun);

test("the contract observes what bun:sqlite does (integral numbers bind as INTEGER, savepoints nest)", () => {
  assert.is(onBun.bindTypes, "string:integer,real,integer,text");
  assert.is(onBun.nested, "string:outer,string:inner kept");
  assert.is(onBun.rollback, "boom, rows number:2");
  assert.is(onBun.pragmas, "journal_mode=string:wal synchronous=number:2 auto_vacuum=number:2 foreign_keys=number:0");
  assert.is(Object.keys(onBun).length, 12);
});

test("node:sqlite adapter on Bun: every check equal to bun:sqlite's", () => {
  assert.equal(runContract(openNode), onBun);
});

test("node:sqlite adapter on Deno: every check equal to bun:sqlite's", () => {
  const run = spawnSync(DENO, ["run", "-A", join(ROOT, "test/deno/sqlite_contract.ts")], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: DENO_LIMIT_MS,
  });
  assert.is(run.status, 0, run.stderr);
  assert.equal(JSON.parse(run.stdout) as Record<string, string>, onBun);
});

test("on Bun the runtime module says bun (so src/runtime/sqlite.ts opens bun:sqlite)", () => {
  assert.is(RUNTIME, "bun");
});

test.run();
