/**
 * Where a worker thread's script is. In a source tree it sits beside the module that starts it. In a binary
 * from `bun build --compile` every module is flattened into one whose `import.meta.url` is the binary's own
 * (file:///$bunfs/root/<name>), and each worker entry point listed in the build (package.json's build script)
 * keeps its path from the repository root; so there the path from the root is used instead.
 * @module
 */

/** Bun's embedded file system in a compiled binary (Linux and macOS spelling). */
const COMPILED_ROOT_MARKER = "/$bunfs/";

/**
 * The URL to give `new Worker`.
 * @example new Worker(workerUrl(import.meta.url, "./log_worker.ts", "src/server/log_worker.ts"))
 */
export function workerUrl(moduleUrl: string, besideModule: string, fromRepoRoot: string): string {
  if (!besideModule.startsWith("./") || fromRepoRoot.startsWith("/")) {
    throw new Error(`workerUrl: expected ./name and a root-relative path, got ${besideModule}, ${fromRepoRoot}`);
  }
  const compiled = moduleUrl.includes(COMPILED_ROOT_MARKER);
  return new URL(compiled ? fromRepoRoot : besideModule, moduleUrl).href;
}

/**
 * The options every worker is started with: a module worker. Deno runs module workers only ("Classic
 * workers are not supported"); Bun runs every worker as a module, so this changes nothing there.
 * @example new Worker(workerUrl(import.meta.url, "./log_worker.ts", "src/server/log_worker.ts"), WORKER_OPTIONS)
 */
export const WORKER_OPTIONS: WorkerOptions = { type: "module" };

/**
 * Lets the process exit while `worker` still runs, where the runtime can (Bun's `unref`). Deno's Worker has
 * no `unref`; there the owner's close() is what ends it.
 */
export function unrefWorker(worker: Worker): void {
  (worker as Worker & { unref?: () => void }).unref?.();
}
