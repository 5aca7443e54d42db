/**
 * Only storage failures stop a member: a put whose apply fails with SQLite's I/O or disk-full code ends the
 * process with a message naming the storage failure; the same put failing an invariant is answered and the
 * process goes on. Run in a child process (storage_failure_child.ts), since stopping is process.exit.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { join } from "node:path";

const CHILD = join(import.meta.dir, "storage_failure_child.ts");

function run(code: string): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [CHILD, code], { encoding: "utf8", timeout: 20_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

for (const code of ["SQLITE_IOERR_WRITE", "SQLITE_FULL", "SQLITE_CORRUPT"]) {
  test(`${code} during apply stops the member with a clear message`, () => {
    const { status, stdout, stderr } = run(code);
    assert.is(status, 1, stderr);
    assert.not.match(stdout, /answered/);
    assert.match(stderr, `tsetcd: fatal: storage failure (${code}): disk I/O error`);
  });
}

test("an invariant broken during apply is answered, and the member does not stop", () => {
  const { status, stdout, stderr } = run("none");
  assert.is(status, 0, stderr);
  assert.match(stdout, "answered: etcdserver: request could not be applied: an invariant broke");
  assert.match(stderr, /entry \d+ could not be applied/);
});

test.run();
