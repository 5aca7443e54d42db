/**
 * Worker script URLs: beside the module in a source tree, from the repository root inside a compiled binary
 * (where every module's import.meta.url is the binary's). test/binary/compiled_test.ts checks the binary end
 * to end (its checkpoint threads run); this pins the rule itself.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { workerUrl } from "../../src/runtime/worker_url.ts";

test("source tree: the script beside the module", () => {
  assert.is(
    workerUrl("file:///repo/src/storage/wal_checkpointer.ts", "./wal_checkpoint_worker.ts", "src/storage/wal_checkpoint_worker.ts"),
    "file:///repo/src/storage/wal_checkpoint_worker.ts",
  );
});

test("compiled binary: the entry point's path from the root of the embedded file system", () => {
  assert.is(
    workerUrl("file:///$bunfs/root/tsetcd", "./snapshot_worker.ts", "src/server/snapshot_worker.ts"),
    "file:///$bunfs/root/src/server/snapshot_worker.ts",
  );
});

test("refuses paths that would resolve somewhere unexpected", () => {
  assert.throws(() => workerUrl("file:///repo/a.ts", "w.ts", "src/w.ts"), /expected/);
  assert.throws(() => workerUrl("file:///repo/a.ts", "./w.ts", "/src/w.ts"), /expected/);
});

test.run();
