import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { syncFiles } from "../../src/storage/file_sync.ts";

test("syncFiles syncs existing files, skips missing ones, and reports other errors", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tsetcd-sync-"));
  try {
    writeFileSync(join(dir, "a"), "x");
    await syncFiles([join(dir, "missing-wal"), join(dir, "a")]);
    let failed: unknown;
    await syncFiles([join(dir, "a", "not-a-dir")]).catch((err) => (failed = err));
    assert.is((failed as NodeJS.ErrnoException | undefined)?.code, "ENOTDIR");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
