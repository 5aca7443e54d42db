/**
 * Runs every `*_test.ts` under test/ (or under the folders/files given as arguments), each in its own
 * process, and ends with the one line CI reads: `N passed, N failed`.
 *
 * uvu prints Total/Passed/Skipped per file; a file that crashes, times out or prints no summary counts as
 * one failure. Skipped tests are reported, never counted as passed.
 */
import { spawn } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const FILE_TIMEOUT_MS = Number(process.env.TSETCD_TEST_FILE_TIMEOUT_MS ?? 600_000);
const MAX_FILES = 1_000;

function findTests(root: string, out: string[]): void {
  if (out.length >= MAX_FILES) return;
  const info = statSync(root);
  if (info.isFile()) {
    if (root.endsWith("_test.ts")) out.push(root);
    return;
  }
  for (const name of readdirSync(root).sort()) {
    if (name === "node_modules" || name.startsWith(".")) continue;
    findTests(join(root, name), out);
  }
}

interface FileResult {
  file: string;
  passed: number;
  failed: number;
  skipped: number;
  durationMs: number;
  output: string;
}

function parseSummary(output: string): { total: number; passed: number; skipped: number } | undefined {
  // uvu's summary block; ANSI colour codes stripped first.
  // deno-lint-ignore no-control-regex
  const plain = output.replace(/\x1b\[[0-9;]*m/g, "");
  const total = /Total:\s+(\d+)/.exec(plain);
  const passed = /Passed:\s+(\d+)/.exec(plain);
  const skipped = /Skipped:\s+(\d+)/.exec(plain);
  if (total === null || passed === null) return undefined;
  return { total: Number(total[1]), passed: Number(passed[1]), skipped: Number(skipped?.[1] ?? 0) };
}

function runFile(file: string): Promise<FileResult> {
  const startMs = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [file], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, FORCE_COLOR: "0", NO_COLOR: "1" },
    });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, FILE_TIMEOUT_MS);
    child.on("close", (code) => {
      clearTimeout(timer);
      const durationMs = Date.now() - startMs;
      const summary = parseSummary(output);
      if (timedOut || summary === undefined) {
        const why = timedOut ? `timed out after ${FILE_TIMEOUT_MS} ms` : `exited ${code} without a summary`;
        resolve({ file, passed: 0, failed: 1, skipped: 0, durationMs, output: `${output}\n(${why})` });
        return;
      }
      const counted = summary.total - summary.skipped;
      let failed = counted - summary.passed;
      if (failed === 0 && code !== 0) failed = 1; // a crash after the last test still fails the file
      resolve({ file, passed: summary.passed, failed, skipped: summary.skipped, durationMs, output });
    });
  });
}

async function main(): Promise<void> {
  const roots = process.argv.slice(2);
  const files: string[] = [];
  for (const root of roots.length > 0 ? roots : ["test"]) findTests(root, files);
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for (const file of files) {
    const result = await runFile(file);
    passed += result.passed;
    failed += result.failed;
    skipped += result.skipped;
    const mark = result.failed > 0 ? "FAIL" : "ok  ";
    console.log(`${mark} ${file}  ${result.passed} passed, ${result.failed} failed (${result.durationMs} ms)`);
    if (result.failed > 0) console.log(result.output.split("\n").slice(-80).join("\n"));
  }
  if (files.length === 0) failed += 1; // running no test at all is a failure, not a pass
  const tail = skipped > 0 ? `, ${skipped} skipped` : "";
  console.log(`${passed} passed, ${failed} failed${tail}`);
  process.exit(failed > 0 ? 1 : 0);
}

await main();
