/**
 * `snapshot restore`: turns a backup written by `snapshot save` into a new member's data dir, as etcdctl's
 * restore does: the keys, their history and the leases come from the backup; the cluster is a new one
 * founded offline from --name / --initial-cluster / --initial-cluster-token (every member of it restored from
 * the same file), so no member of the old cluster can be mistaken for one of the new.
 *
 * The data dir is built beside its final path and renamed into place only when complete: a failed restore
 * leaves nothing behind, and a started server never sees half a restore.
 * @module
 */
import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import type { SqlDatabase } from "../storage/adapter.ts";
import { SqliteRaftLog } from "../storage/raft_log.ts";
import { openDatabase } from "../runtime/sqlite.ts";
import { syncFiles } from "../storage/file_sync.ts";
import { startCluster } from "./bootstrap.ts";
import { parseServerArgs, type ServerConfig } from "./config.ts";
import { MemberRegistry } from "./members.ts";
import { LOG_DB_FILE, STATE_DB_FILE } from "./mod.ts";
import { BACKUP_DATA_TABLES, checkSnapshotFile, extractSnapshotDb } from "./snapshot_file.ts";
import { AUTH_TABLES } from "../auth/store.ts";

/** What `snapshot restore` is told, with etcdctl's flag names. */
export interface RestoreOptions {
  snapshotPath: string;
  /** Default `<name>.tsetcd`, as the server's. */
  dataDir?: string;
  /** Where the Raft log goes (the server's --wal-dir); "" or absent: the data dir. */
  walDir?: string;
  name: string;
  /** `name=url,…`; must name `name`. */
  initialCluster: string;
  initialClusterToken: string;
  initialAdvertisePeerUrls: string;
  /** Restore a file whose trailer does not match (a state.db copied from a data dir has none). */
  skipHashCheck: boolean;
}

/** What was restored, for the caller's message. */
export interface RestoreResult {
  dataDir: string;
  memberId: bigint;
  clusterId: bigint;
}

/** Restores `options.snapshotPath` into a new data dir; throws etcdctl's messages. */
export async function restoreSnapshot(options: RestoreOptions): Promise<RestoreResult> {
  const config = restoreConfig(options);
  const check = checkSnapshotFile(options.snapshotPath);
  if (!check.hashOk && !options.skipHashCheck) {
    throw new Error(`snapshot file ${options.snapshotPath} has no matching SHA-256 (truncated, damaged, or not from snapshot save); use --skip-hash-check to restore it anyway`);
  }
  if (existsSync(config.dataDir)) throw new Error(`data-dir "${config.dataDir}" exists`);
  if (config.walDir !== "" && existsSync(config.walDir)) throw new Error(`wal-dir "${config.walDir}" exists`);
  const building = `${config.dataDir}.restoring-${process.pid}`;
  rmSync(building, { recursive: true, force: true });
  mkdirSync(building, { recursive: true });
  try {
    // A file without a valid trailer (allowed by --skip-hash-check) is taken whole: it may be a plain state.db.
    const dbBytes = check.hashOk ? check.dbBytes : statSync(options.snapshotPath).size;
    extractSnapshotDb(options.snapshotPath, dbBytes, join(building, STATE_DB_FILE));
    const identity = await foundCluster({ ...config, dataDir: building });
    await syncFiles([join(building, STATE_DB_FILE), join(building, LOG_DB_FILE)]);
    // The log moves first: a restore cut short then leaves a wal-dir that the next try refuses, never a
    // data dir without its log.
    if (config.walDir !== "") await moveLog(join(building, LOG_DB_FILE), config.walDir);
    renameSync(building, config.dataDir);
    await syncFiles([dirname(config.dataDir)]).catch(() => {}); // the rename's directory entry; best effort
    return { dataDir: config.dataDir, ...identity };
  } catch (err) {
    rmSync(building, { recursive: true, force: true });
    if (config.walDir !== "") rmSync(config.walDir, { recursive: true, force: true }); // it did not exist before
    throw err;
  }
}

/** The server config the restored member is founded with (the server's own parser checks the flags). */
function restoreConfig(options: RestoreOptions): ServerConfig {
  const args = [
    "--name", options.name,
    "--initial-cluster", options.initialCluster,
    "--initial-cluster-token", options.initialClusterToken,
    "--initial-advertise-peer-urls", options.initialAdvertisePeerUrls,
  ];
  if (options.dataDir !== undefined && options.dataDir !== "") args.push("--data-dir", options.dataDir);
  if (options.walDir !== undefined && options.walDir !== "") args.push("--wal-dir", options.walDir);
  const parsed = parseServerArgs(args, {});
  if (parsed.kind !== "run") throw new Error(parsed.kind === "error" ? parsed.message : "snapshot restore: bad flags");
  return parsed.config;
}

/** Drops the old member's tables from the restored state, then founds the new cluster in the data dir. */
async function foundCluster(config: ServerConfig): Promise<{ memberId: bigint; clusterId: bigint }> {
  const stateDb = openBackup(join(config.dataDir, STATE_DB_FILE));
  const db = openDatabase(join(config.dataDir, LOG_DB_FILE), { durable: true });
  try {
    // What is not data belonged to the old member (Raft state, applied index, conf state, membership).
    // Users, roles and the auth flag are data too (etcd's auth bucket survives a restore).
    const data = new Set<string>([...BACKUP_DATA_TABLES, ...AUTH_TABLES]);
    const tables = stateDb.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all().map((r) => String(r.name));
    stateDb.transaction(() => {
      for (const table of tables) if (!data.has(table)) stateDb.exec(`DELETE FROM "${table.replaceAll('"', '""')}"`);
    });
    const log = new SqliteRaftLog(db, stateDb);
    const registry = new MemberRegistry(stateDb);
    const info = await startCluster({ ...config, initialClusterState: "new" }, db, log, registry, undefined, false);
    return { memberId: info.memberId, clusterId: info.clusterId };
  } finally {
    stateDb.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    db.exec("PRAGMA wal_checkpoint(TRUNCATE)"); // all of the log in raft.db itself, which --wal-dir moves
    stateDb.close();
    db.close();
  }
}

/**
 * Puts the built log database in `walDir` (new), by rename or, across file systems, by copy, with its WAL
 * and shared-memory files when SQLite left them (checkpointed and empty, but theirs to judge).
 */
async function moveLog(logPath: string, walDir: string): Promise<void> {
  mkdirSync(walDir, { recursive: true });
  const moved: string[] = [];
  for (const suffix of ["", "-wal", "-shm"]) {
    const from = `${logPath}${suffix}`;
    if (!existsSync(from)) continue;
    const to = join(walDir, `${LOG_DB_FILE}${suffix}`);
    try {
      renameSync(from, to);
    } catch {
      copyFileSync(from, to);
      rmSync(from);
    }
    moved.push(to);
  }
  await syncFiles([...moved, walDir]);
}

/** Opens the restored state; a backup holds the MVCC tables, anything else is not one of ours. */
function openBackup(path: string): SqlDatabase {
  let db: SqlDatabase | undefined;
  try {
    db = openDatabase(path, { durable: false });
    if (hasTable(db, "mvcc_meta") && hasTable(db, "mvcc_revisions")) return db;
  } catch {
    // "file is not a database": refused below like any other stranger
  }
  db?.close();
  throw new Error("snapshot file is not a tsetcd backup (no MVCC tables in it)");
}

function hasTable(db: SqlDatabase, name: string): boolean {
  return db.prepare("SELECT 1 AS one FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
}
