/**
 * Loaded (`bun --preload`) into every test process test/run.ts starts: serves test/runner/uvu_reporter.ts
 * in place of uvu's entry point, so each test reports what it did on one line the runner reads.
 * `uvu/assert` and `uvu/diff` stay uvu's own.
 * @module
 */
import { plugin } from "bun";
import { fileURLToPath } from "node:url";

const REPORTER_PATH = fileURLToPath(new URL("./uvu_reporter.ts", import.meta.url));

plugin({
  name: "tsetcd-test-reporter",
  setup(build) {
    build.onLoad({ filter: /[\\/]node_modules[\\/]uvu[\\/]dist[\\/]index\.mjs$/ }, () => ({
      contents: `export { exec, suite, test } from ${JSON.stringify(REPORTER_PATH)};\n`,
      loader: "js",
    }));
  },
});
