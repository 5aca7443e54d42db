#!/usr/bin/env bun
/**
 * tsetcd: a strongly consistent distributed key-value store with etcd v3's model.
 *
 * As a library this module exports the client and the embeddable server; run directly, it is the CLI.
 * @module
 */
export * from "./src/raft/types.ts";

if (import.meta.main) {
  const { runCli } = await import("./commands/mod.ts");
  process.exit(await runCli(process.argv.slice(2)));
}
