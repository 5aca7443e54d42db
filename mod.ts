#!/usr/bin/env bun
/**
 * tsetcd: a strongly consistent distributed key-value store with etcd v3's model.
 *
 * As a library this module exports the client and the embeddable server; run directly, it is the CLI.
 *
 * @example
 * import { connect, startServer } from "tsetcd";
 * const server = await startServer({ dataDir: "/tmp/tsetcd", listenClientUrls: ["http://127.0.0.1:0"] });
 * const client = connect({ endpoints: [server.clientUrl] });
 * await client.put("greeting", "hello");
 * await server.close();
 * @module
 */
export * from "./src/raft/types.ts";
export {
  type CallOptions,
  Client,
  connect,
  type ConnectOptions,
  type DeleteOptions,
  type GetOptions,
  type HealthResult,
  type PutOptions,
} from "./src/client/mod.ts";
export { watch, type WatchOptions, watchResponses } from "./src/client/watch.ts";
export { type KeepAlive, type KeepAliveEnd, type KeepAliveOptions, LeaseClient } from "./src/client/lease.ts";
export { Election, Mutex, observeLeader, Session, type SessionOptions } from "./src/client/concurrency.ts";
export { AuthClient } from "./src/client/auth.ts";
export { AuthenticationError, type Credentials } from "./src/client/token.ts";
export { readPem, type TlsClientMaterial, type TlsServerMaterial } from "./src/tls/material.ts";
export { EtcdError, Errors, GrpcCode } from "./src/codec/errors.ts";
export type * from "./src/codec/messages.ts";
export { CompareResult, CompareTarget, EventType, PermissionType, SortOrder, SortTarget } from "./src/codec/messages.ts";
import type { StartServerOptions, TsetcdServer } from "./src/server/mod.ts";
import type { RestoreOptions, RestoreResult } from "./src/server/restore.ts";
export type { RestoreOptions, RestoreResult, StartServerOptions, TsetcdServer };
export { snapshotStatus, type SnapshotStatus } from "./src/server/snapshot_status.ts";

/**
 * Restores a backup from `client.saveSnapshot` (or `tsetcd snapshot save`) into a new data dir, as
 * `tsetcd snapshot restore` does; loaded on first call, like the server.
 */
export async function restoreSnapshot(options: RestoreOptions): Promise<RestoreResult> {
  const restore = await import("./src/server/restore.ts");
  return await restore.restoreSnapshot(options);
}

/**
 * Starts an embedded member (see src/server/mod.ts). The server code is loaded on first call so that
 * the CLI's client commands, which also start from this module, do not pay for it.
 * @example const server = await startServer({ dataDir: "/tmp/tsetcd" }); await server.close();
 */
export async function startServer(options: StartServerOptions = {}): Promise<TsetcdServer> {
  const server = await import("./src/server/mod.ts");
  return await server.startServer(options);
}

if (import.meta.main) {
  const { runCli } = await import("./commands/mod.ts");
  process.exit(await runCli(process.argv.slice(2)));
}
