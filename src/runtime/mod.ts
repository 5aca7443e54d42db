/**
 * Which JavaScript runtime tsetcd is running on, and the few facts about it the rest of the code may ask.
 * Every difference between Bun, Deno and Node lives in src/runtime/; code elsewhere asks here rather than
 * testing for `Bun` or `Deno` itself. What differs, and where it is kept:
 *
 * | difference                                   | Bun                         | Deno                          | kept in           |
 * |----------------------------------------------|-----------------------------|-------------------------------|-------------------|
 * | SQLite                                       | bun:sqlite                  | node:sqlite (integral numbers bound as INTEGER, savepoints by hand) | sqlite.ts, storage/sqlite_node.ts |
 * | a static `import "bun:…"`                    | loads                       | refuses the whole graph       | sqlite.ts, file_lock.ts |
 * | data-dir lock (flock)                        | bun:ffi → libc flock        | Deno.FsFile#tryLockSync       | file_lock.ts      |
 * | HTTP listener                                | Bun.serve                   | Deno.serve                    | serve.ts          |
 * | client port (front, gRPC, gateway on one port) | Bun.listen in a thread, abstract unix sockets | node:net on the main thread, socket files; http only | front/node_front.ts, server/mod.ts asks RUNTIME |
 * | workers                                      | any `new Worker`, `unref()` | module workers only, no unref | worker_url.ts     |
 * | a fetch that never reached a server          | `error.code`                | words in `error.cause`        | fetch_error.ts    |
 * | `Bun.sleep`, `Bun.version`                   | globals                     | none                          | `delay`, `runtimeVersion` here |
 * | stack depth (deep JSON, spread arguments)    | JSC: deep                   | V8: ~10k frames, ~120k args   | codec/go_json.ts, commands/protobuf.ts |
 * | password hashing (auth)                      | Bun.password (bcrypt)       | bcryptjs; > 72 bytes refused  | password.ts       |
 * | a child's argv[0]                            | the name given              | the resolved path             | spawn_named.ts    |
 * | request.signal after a finished response     | stays                       | aborts, unless no-legacy-abort (deno.json) | deno.json |
 *
 * Top-level await is avoided in modules a worker loads: Bun drops the messages posted to a worker whose
 * modules are still awaiting.
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
