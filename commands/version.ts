/**
 * `tsetcd version`: tsetcd's version and the etcd API version it speaks, in etcdctl's two-line form.
 * @module
 */
import { ETCD_API_VERSION, TSETCD_VERSION } from "../src/server/version.ts";
import type { CommandContext, CommandSpec } from "./command.ts";

/** The text `tsetcd version` prints. */
export function versionText(): string {
  // etcdctl prints the API version as major.minor ("3.4"), not the full server version.
  const apiVersion = ETCD_API_VERSION.split(".").slice(0, 2).join(".");
  return `tsetcd version: ${TSETCD_VERSION}\nAPI version: ${apiVersion}\n`;
}

function run(ctx: CommandContext): Promise<number> {
  ctx.io.stdout(versionText());
  return Promise.resolve(0);
}

/** The version command. */
export const VERSION_COMMAND: CommandSpec = {
  path: ["version"],
  use: "version",
  short: "Prints the version of tsetcd",
  examples: ["tsetcd version"],
  flags: [],
  run,
};
