/**
 * Runs a program by name with argv[0] being that name, as Go's exec.Command and Bun's spawn do. Deno's
 * node:child_process passes the path it resolved as argv[0] and ignores `argv0`, so a program that names
 * itself in its messages (stty: "stty: 'standard input': Inappropriate ioctl for device") would print
 * "/usr/bin/stty: …" there; a shell's `exec` runs the program under the name it was given instead.
 * @module
 */
import { spawnSync, type SpawnSyncOptions, type SpawnSyncReturns } from "node:child_process";
import { RUNTIME } from "./mod.ts";

/**
 * spawnSync(`name`, `args`, `options`) with argv[0] = `name` on every runtime.
 * @example spawnSyncNamed("stty", ["-echo"], { stdio: "inherit" })
 */
export function spawnSyncNamed(name: string, args: string[], options: SpawnSyncOptions): SpawnSyncReturns<string | Buffer> {
  if (RUNTIME === "bun") return spawnSync(name, args, options);
  return spawnSync("/bin/sh", ["-c", 'exec "$0" "$@"', name, ...args], options);
}
