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

/**
 * The runtime's name and version as `tsetcd version`-style lines print it, e.g. "Bun 1.4.5" or "Deno 2.9.6".
 * @example runtimeDescription() // "Deno 2.9.6"
 */
export function runtimeDescription(): string {
  const g = globalThis as RuntimeGlobals;
  if (RUNTIME === "bun") return `Bun ${g.Bun!.version}`;
  if (RUNTIME === "deno") return `Deno ${g.Deno!.version.deno}`;
  return `Node ${g.process?.versions?.node ?? "unknown"}`;
}
