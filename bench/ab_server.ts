/**
 * A tsetcd server for bench/put_ab.ts: `bun bench/ab_server.ts <root> <server flags…>` starts the server
 * code found under <root> (a checkout of the repository, e.g. an older commit unpacked beside this one)
 * with the CLI's flags, plus overrides from the environment: AB_WAL_THREAD=0 turns the WAL checkpoint
 * thread off, AB_STATE_COMMIT_MS sets the state commit interval. Stops on SIGTERM/SIGINT.
 * @module
 */
import { join, resolve } from "node:path";

const root = resolve(process.argv[2] ?? ".");
const args = process.argv.slice(3);
const { parseServerArgs } = await import(join(root, "src", "server", "config.ts"));
const { startServer } = await import(join(root, "src", "server", "mod.ts"));
const parsed = parseServerArgs(args, process.env);
if (parsed.kind !== "run") {
  console.error(`ab_server: bad flags (${parsed.kind}): ${parsed.message ?? ""}`);
  process.exit(2);
}
const overrides: Record<string, unknown> = {};
if (process.env.AB_WAL_THREAD !== undefined) overrides.walCheckpointThread = process.env.AB_WAL_THREAD !== "0";
if (process.env.AB_STATE_COMMIT_MS !== undefined) overrides.stateCommitIntervalMs = Number(process.env.AB_STATE_COMMIT_MS);
const server = await startServer({ ...parsed.config, ...overrides });
console.error(`ab_server: ready on ${server.clientUrls.join(",")} (${root}, ${JSON.stringify(overrides)})`);
const stop = (): void => {
  server.close().then(() => process.exit(0), () => process.exit(1));
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
