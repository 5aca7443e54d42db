/**
 * Which JavaScript runtime tsetcd is running on, and the few facts about it the rest of the code may ask.
 * Every difference between Bun, Deno and Node lives in src/runtime/ (this module, sqlite.ts for the storage
 * adapter, worker_url.ts for worker scripts); code elsewhere asks here rather than testing for `Bun` or
 * `Deno` itself.
 * @module
 */

/** The runtimes tsetcd knows. Node runs the client library only. */
export type RuntimeName = "bun" | "deno" | "node";

interface RuntimeGlobals {
  Bun?: { version: string };
  Deno?: { version: { deno: string } };
  process?: { versions?: { node?: string } };
}

function detect(): RuntimeName {
  const g = globalThis as RuntimeGlobals;
  // Deno defines `process` too (node compatibility) and Bun defines `process.versions.node`: test the
  // runtime's own global first.
  if (g.Bun !== undefined) return "bun";
  if (g.Deno !== undefined) return "deno";
  return "node";
}

/** The runtime this process runs on, decided once at load. */
export const RUNTIME: RuntimeName = detect();

/** The runtime's name as people write it: "Bun", "Deno" or "Node". */
export function runtimeLabel(): string {
  return RUNTIME === "bun" ? "Bun" : RUNTIME === "deno" ? "Deno" : "Node";
}

/**
 * The runtime's version, e.g. "1.4.5" on Bun or "2.9.6" on Deno.
 * @example `${runtimeLabel()} Version: ${runtimeVersion()}` // "Deno Version: 2.9.6", as etcd's "Go Version"
 */
export function runtimeVersion(): string {
  const g = globalThis as RuntimeGlobals;
  if (RUNTIME === "bun") return g.Bun!.version;
  if (RUNTIME === "deno") return g.Deno!.version.deno;
  return g.process?.versions?.node ?? "unknown";
}

/**
 * Resolves after `ms` milliseconds: what `Bun.sleep(ms)` does, on every runtime (Deno has no such global).
 * @example await delay(100);
 */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
