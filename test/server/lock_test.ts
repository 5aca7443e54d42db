import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { LOCK_FILE, lockDataDir } from "../../src/server/lock.ts";

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "tsetcd-lock-"));
}

test("a live owner is refused, release frees the dir", () => {
  const dir = tempDir();
  try {
    const lock = lockDataDir(dir);
    assert.is(readFileSync(join(dir, LOCK_FILE), "utf8").trim(), String(process.pid));
    // Another live process (our parent) owning it: simulate by writing its pid.
    lock.release();
    assert.not.ok(existsSync(join(dir, LOCK_FILE)));
    writeFileSync(join(dir, LOCK_FILE), `${process.ppid}\n`);
    assert.throws(() => lockDataDir(dir), /in use by another tsetcd server/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a stale lock from a dead pid is taken over", () => {
  const dir = tempDir();
  try {
    const child = spawnSync("true");
    assert.is(child.status, 0);
    writeFileSync(join(dir, LOCK_FILE), `${child.pid}\n`);
    const lock = lockDataDir(dir);
    assert.is(readFileSync(join(dir, LOCK_FILE), "utf8").trim(), String(process.pid));
    lock.release();
    writeFileSync(join(dir, LOCK_FILE), "garbage");
    lockDataDir(dir).release();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
