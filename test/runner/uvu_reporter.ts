/**
 * uvu's test API (`test`, `suite`, `exec`) with a reporter the runner controls. test/runner/preload.ts puts
 * this module in place of uvu's entry point, so the suite's files keep `import { test } from "uvu"`.
 *
 * Why not uvu's own runner: it reports counts per file, not what each test did, and it swallows an error
 * thrown by a `before`/`after` hook (its `finally` returns). Here every test ends in exactly one report line
 * (`pass`, `fail` or `skip`), every `.only` is reported, a failing hook fails the tests it guards, and the
 * file's run ends with an `end` line; the runner counts those lines and nothing else.
 *
 * Report lines go, one synchronous append each, to the file named by TSETCD_TEST_REPORT (stdout when unset),
 * so a process that dies mid-file still leaves what it did, and nothing a test prints can forge a line.
 * @module
 */
import { appendFileSync } from "node:fs";
import { compare } from "uvu/diff";

/** Prefix of every report line. */
export const REPORT_PREFIX = "@@tsetcd-";

type State = Record<string, unknown> & { __suite__: string; __test__: string };
type Callback = (state: State) => unknown;

interface Hook {
  (fn: Callback): void;
  each(fn: Callback): void;
}

/** One suite's registration function, shaped like uvu's `Test`. */
export interface Test {
  (name: string, fn: Callback): void;
  only(name: string, fn: Callback): void;
  skip(name?: string, fn?: Callback): void;
  before: Hook;
  after: Hook;
  run(): void;
}

interface Context {
  tests: { name: string; fn: Callback }[];
  only: { name: string; fn: Callback }[];
  skips: string[];
  before: Callback[];
  after: Callback[];
  beforeEach: Callback[];
  afterEach: Callback[];
  state: State;
}

interface SuiteOutcome {
  passed: number;
  failed: number;
  skipped: number;
  failures: string[];
}

/** Bound on tests a single file may register: a loop that never stops registering is a defect. */
const MAX_TESTS_PER_FILE = 100_000;

const reportPath = process.env.TSETCD_TEST_REPORT;
const queue: (() => Promise<SuiteOutcome>)[] = [];
let registered = 0;
/** Registered tests that got their report line (after-hook failures are reported but not counted here). */
let reported = 0;
let running = false;
let timer: ReturnType<typeof setTimeout> | undefined;

/** Writes one report line: `@@tsetcd-<kind> <JSON detail>`. */
function report(kind: string, detail: unknown): void {
  const line = `${REPORT_PREFIX}${kind} ${JSON.stringify(detail)}\n`;
  if (reportPath === undefined || reportPath === "") process.stdout.write(line);
  else appendFileSync(reportPath, line);
}

function emptyContext(state: State): Context {
  return { tests: [], only: [], skips: [], before: [], after: [], beforeEach: [], afterEach: [], state };
}

function countRegistration(): void {
  if (++registered > MAX_TESTS_PER_FILE) throw new Error(`more than ${MAX_TESTS_PER_FILE} tests registered`);
}

function fullName(suiteName: string, testName: string): string {
  return suiteName === "" ? testName : `${suiteName} > ${testName}`;
}

function describeError(name: string, err: unknown): string {
  if (!(err instanceof Error)) return `  FAIL "${name}"\n    thrown: ${String(err)}\n`;
  const e = err as Error & { operator?: string; actual?: unknown; expected?: unknown; details?: string };
  let details = e.details;
  if (e.name.startsWith("Assertion") && !(e.operator ?? "").includes("not") && "expected" in e) {
    details = compare(e.actual, e.expected);
  }
  let text = `  FAIL "${name}"\n    ${e.message}${e.operator ? `  (${e.operator})` : ""}\n`;
  if (details) text += `        ${details.split("\n").join("\n        ")}\n`;
  const stack = (e.stack ?? "").split("\n").slice(1).filter((l) => !/node_modules|node:internal/.test(l));
  if (stack.length > 0) text += `${stack.slice(0, 12).map((l) => `    ${l.trim()}`).join("\n")}\n`;
  return text;
}

async function runHooks(hooks: readonly Callback[], state: State): Promise<void> {
  for (const hook of hooks) await hook(state);
}

/** Runs one suite as registered when its `run()` was called; every test gets exactly one report line. */
async function runSuite(ctx: Context, suiteName: string): Promise<SuiteOutcome> {
  const outcome: SuiteOutcome = { passed: 0, failed: 0, skipped: 0, failures: [] };
  const selected = ctx.only.length > 0 ? ctx.only : ctx.tests;
  const left = ctx.only.length > 0 ? ctx.tests.map((t) => t.name) : [];
  for (const name of [...ctx.skips, ...left]) {
    report("test skip", fullName(suiteName, name));
    reported++;
    outcome.skipped++;
  }
  let beforeError: unknown;
  try {
    await runHooks(ctx.before, ctx.state);
  } catch (err) {
    beforeError = err;
  }
  for (const t of selected) {
    const name = fullName(suiteName, t.name);
    ctx.state.__test__ = t.name;
    try {
      if (beforeError !== undefined) throw beforeError;
      await runHooks(ctx.beforeEach, ctx.state);
      await t.fn(ctx.state);
      await runHooks(ctx.afterEach, ctx.state);
      report("test pass", name);
      reported++;
      outcome.passed++;
      process.stdout.write("• ");
    } catch (err) {
      if (beforeError === undefined) await runHooks(ctx.afterEach, ctx.state).catch(() => undefined);
      report("test fail", name);
      reported++;
      outcome.failed++;
      outcome.failures.push(describeError(beforeError === undefined ? name : `${name} (before hook)`, err));
      process.stdout.write("✘ ");
    }
  }
  ctx.state.__test__ = "";
  try {
    await runHooks(ctx.after, ctx.state);
  } catch (err) {
    // Not a registered test, but a failure all the same: cleanup that throws leaves state behind.
    const name = fullName(suiteName, "(after hook)");
    report("test fail", name);
    outcome.failed++;
    outcome.failures.push(describeError(name, err));
  }
  process.stdout.write(`  (${outcome.passed} / ${selected.length})\n`);
  return outcome;
}

/** Runs every suite queued by `run()`, prints the failures and a summary, then writes the `end` line. */
export async function exec(bail = false): Promise<void> {
  if (running) return;
  running = true;
  const total: SuiteOutcome = { passed: 0, failed: 0, skipped: 0, failures: [] };
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    const outcome = await next();
    total.passed += outcome.passed;
    total.failed += outcome.failed;
    total.skipped += outcome.skipped;
    total.failures.push(...outcome.failures);
    if (bail && outcome.failed > 0) break;
  }
  if (total.failures.length > 0) process.stdout.write(`\n${total.failures.join("\n")}\n`);
  process.stdout.write(`\n  Total:     ${total.passed + total.failed}\n  Passed:    ${total.passed}\n`);
  process.stdout.write(`  Skipped:   ${total.skipped}\n\n`);
  if (total.failed > 0) process.exitCode = 1;
  running = false;
  // More suites may have queued while these ran (a file that awaits between runs); exec picks them up.
  if (queue.length > 0) return exec(bail);
  report("end", { registered, reported });
}

function schedule(): void {
  if (timer !== undefined) clearTimeout(timer);
  timer = setTimeout(() => void exec());
}

/** A hook registrar; it looks the lists up on each call because `run()` gives the suite fresh ones. */
function hook(ctx: Context, once: "before" | "after", each: "beforeEach" | "afterEach"): Hook {
  const h = ((fn: Callback) => void ctx[once].push(fn)) as Hook;
  h.each = (fn: Callback) => void ctx[each].push(fn);
  return h;
}

/**
 * A new suite: `suite("name")` returns a `test` function with `only`, `skip`, `before`, `after` and `run`,
 * as uvu's does.
 */
export function suite(name = "", state: Record<string, unknown> = {}): Test {
  // The caller's own object, as uvu uses it: a file may keep a reference to the state it passed.
  const ctx = emptyContext(Object.assign(state, { __suite__: name, __test__: "" }));
  const test = ((testName: string, fn: Callback) => {
    countRegistration();
    ctx.tests.push({ name: testName, fn });
  }) as Test;
  test.only = (testName: string, fn: Callback) => {
    countRegistration();
    report("only", fullName(name, testName));
    ctx.only.push({ name: testName, fn });
  };
  test.skip = (testName?: string) => {
    countRegistration();
    ctx.skips.push(testName ?? "(unnamed)");
  };
  test.before = hook(ctx, "before", "beforeEach");
  test.after = hook(ctx, "after", "afterEach");
  test.run = () => {
    const copy: Context = { ...ctx, tests: ctx.tests.slice(), only: ctx.only.slice(), skips: ctx.skips.slice() };
    Object.assign(ctx, emptyContext(ctx.state));
    queue.push(() => runSuite(copy, name));
    schedule();
  };
  return test;
}

/** The default suite, as `import { test } from "uvu"` gives it. */
export const test: Test = suite();

process.on("exit", () => {
  if (!running) return;
  process.exitCode = process.exitCode || 1;
  console.error("exited before its tests finished");
});
