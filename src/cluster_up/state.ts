/**
 * The state file of a kept cluster (`--data-dir DIR` → DIR/cluster-up.json): the ports the members were
 * created with, so a second run finds the same peers at the same addresses.
 * @module
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** What a kept cluster remembers. */
export interface ClusterState {
  size: number;
  namePrefix: string;
  ports: number[];
}

/** Path of the state file in `dir`. */
export function statePath(dir: string): string {
  return join(dir, "cluster-up.json");
}

/** The saved state, or undefined when there is none; throws when it names a different cluster shape. */
export function readState(dir: string, expect: { size: number; namePrefix: string }): ClusterState | undefined {
  const path = statePath(dir);
  if (!existsSync(path)) return undefined;
  const state = JSON.parse(readFileSync(path, "utf8")) as ClusterState;
  if (state.size !== expect.size || state.namePrefix !== expect.namePrefix) {
    throw new Error(`${path} is a cluster of ${state.size} members named ${state.namePrefix}N; ` +
      `run with that count and prefix, or use another --data-dir`);
  }
  if (!Array.isArray(state.ports) || state.ports.length !== 2 * state.size) throw new Error(`${path}: bad ports`);
  return state;
}

/** Saves the state (creating `dir`). */
export function writeState(dir: string, state: ClusterState): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(statePath(dir), `${JSON.stringify(state)}\n`);
}
